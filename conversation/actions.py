"""Every action the engine returns, in one place. The engine decides; the appliers table in
market/engine.py maps each action type to the function that performs it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Action:
    """Something the caller must do after the engine returns."""


@dataclass(frozen=True)
class Reply(Action):
    """Send `text` back on the same conversation; `options` become buttons where supported."""

    text: str
    options: tuple[str, ...] = ()
    # The one message an opted-out number still gets: the confirmation of STOP itself.
    even_if_opted_out: bool = False
    # The text key it was written from and its values: outside WhatsApp's window, the
    # approved template of that kind says the same (market/window.py).
    kind: str = field(default="", compare=False)
    values: dict[str, str] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class SetOptOut(Action):
    opted_out: bool


# --- The buyer's actions -------------------------------------------------------------------

@dataclass(frozen=True)
class OpenRFQ(Action):
    """Ask matching vendors for a price on something the catalog lacks."""

    text: str
    quantity: float | None = None
    unit: str | None = None
    needed_by: datetime | None = None


@dataclass(frozen=True)
class AcceptQuote(Action):
    """The buyer takes quote `position` of an RFQ (the newest open one when rfq is None)."""

    position: int
    rfq_number: str | None = None


@dataclass(frozen=True)
class UpdateBuyer(Action):
    """Save answers to the buyer's profile: name, shop_name, town, language, onboarded."""

    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PlaceOrders(Action):
    """Turn a confirmed draft into one order per vendor. `lines` are the draft's priced lines
    (sku, name, base_quantity, base_unit, listing_id, vendor_id, unit_price); `draft_key`
    makes placing twice impossible."""

    draft_key: str
    lines: tuple[dict[str, Any], ...]
    language: str = "en"


@dataclass(frozen=True)
class CancelOrder(Action):
    """Cancel one of the buyer's orders by its number, if it has not been dispatched."""

    number: str
    language: str = "en"


@dataclass(frozen=True)
class PayOrder(Action):
    """Send the buyer a payment link: for order `number`, or for their whole balance when
    None. The amount is read again from the ledger when the link is made."""

    number: str | None = None
    language: str = "en"


# --- The vendor's actions ------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerOrder(Action):
    """Move order `number` to `to_status` on the vendor's word (`reason` for rejections)."""

    number: str
    to_status: str
    reason: str | None = None


@dataclass(frozen=True)
class UnlockLead(Action):
    """Lift the lock of the vendor's lead on RFQ `rfq_number` (by plan or by one credit)."""

    rfq_number: str


@dataclass(frozen=True)
class SubmitQuote(Action):
    """The vendor's price for RFQ `rfq_number`; `price` is a decimal string, per `unit`."""

    rfq_number: str
    price: str
    unit: str | None = None
    terms: str | None = None
