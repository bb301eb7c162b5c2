"""The engine's plain data: state in, event in, context in; state out, actions out."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from conversation.offers import ListingFact
from parsers import Catalog, ParseResult


@dataclass(frozen=True)
class State:
    """What the engine remembers of a conversation between messages."""

    name: str = "new"
    slots: dict[str, Any] = field(default_factory=dict)
    draft: dict[str, Any] | None = None
    language: str | None = None
    opted_out: bool = False
    handoff_until: datetime | None = None


@dataclass(frozen=True)
class Event:
    """Something that happened: a message arrived (kind "text", or "image" when it is media
    without a caption), or a timer fired. `ocr_text` is what was read in the message's
    photos; `media_errors` the reasons its refused files were refused (see
    market/media_intake.py). `parse` is what the parser read in `order_text`, set by the
    caller for an onboarded buyer's message that is not a command (None otherwise)."""

    kind: str
    now: datetime
    text: str = ""
    media_count: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    ocr_text: str = ""
    media_errors: tuple[str, ...] = ()
    parse: ParseResult | None = None

    @property
    def order_text(self) -> str:
        """Where an order is read from: what the buyer typed, then what their photo said."""
        return "\n".join(part for part in (self.text.strip(), self.ocr_text.strip()) if part)


@dataclass(frozen=True)
class BuyerProfile:
    """What the buyer engine knows of the buyer: the answers of onboarding and their
    settings. `profile_name` is the name their WhatsApp profile shows."""

    id: int = 0
    name: str | None = None
    shop: str | None = None
    town: str | None = None
    language: str | None = None
    currency: str = "NPR"
    onboarded: bool = False
    registered_by_staff: bool = False
    profile_name: str | None = None
    # Known only by a WhatsApp user id (they withheld their number): onboarding asks for one.
    needs_phone: bool = False


@dataclass(frozen=True)
class OrderItemFacts:
    """One line of a placed order, as the buyer is shown it."""

    name: str
    quantity: float
    unit: str
    subtotal: Decimal


@dataclass(frozen=True)
class OrderFacts:
    """One of the buyer's placed orders, for `status` and `cancel`. `approval` is "held"
    while the order waits for staff (over the credit limit)."""

    number: str
    status: str
    vendor: str
    total: Decimal
    currency: str = "NPR"
    approval: str = "none"
    items: tuple[OrderItemFacts, ...] = ()


@dataclass(frozen=True)
class ReorderLine:
    """A line of the buyer's last order, for `reorder`: the SKU and its base quantity."""

    sku: str
    base_quantity: float


@dataclass(frozen=True)
class DueFacts:
    """An order still to pay: what is left of it, and when it is due (None for an order not
    bought on credit)."""

    number: str
    owed: Decimal
    due_on: date | None = None


@dataclass(frozen=True)
class PaymentFacts:
    """A payment the buyer made, as `balance` lists it."""

    amount: Decimal
    on: date
    method: str
    order: str | None = None


@dataclass(frozen=True)
class AccountFacts:
    """The buyer's account, gathered for `pay` and `balance` only: what they owe (`balance`;
    negative when they paid ahead), their credit limit, the orders on their account still
    owed (`dues`, oldest first), cash-on-delivery orders not yet paid (`unpaid`), their last
    payments, today's date where they are, the online payment provider they would get (None:
    none is configured for their currency) and, for `pay N`, what is left to pay of order N."""

    balance: Decimal = Decimal("0")
    credit_limit: Decimal = Decimal("0")
    dues: tuple[DueFacts, ...] = ()
    unpaid: tuple[DueFacts, ...] = ()
    payments: tuple[PaymentFacts, ...] = ()
    today: date | None = None
    provider: str | None = None
    order_owed: Decimal | None = None


@dataclass(frozen=True)
class BuyerFacts:
    """Every fact the buyer engine reads, gathered by the caller before each event (see
    market/buyer_context.py). The defaults are what the engine assumes of a buyer it knows
    nothing of; the ordering facts (catalog to last_order_lines) are only gathered once
    the buyer is onboarded.

    `towns` are the towns some vendor delivers to; `offers` the listing facts of every SKU
    this event could price; `orders` the buyer's recent orders, newest first; `order` the
    order a `status n` / `cancel n` names (None when it is not theirs); `last_order_lines`
    what `reorder` repeats; `account` the buyer's money, for `pay` and `balance` (None when
    not gathered)."""

    profile: BuyerProfile = field(default_factory=BuyerProfile)
    towns: tuple[str, ...] = ()
    handoff_hours: float = 12.0
    draft_ttl_hours: float = 24.0
    country: str = "NP"
    catalog: Catalog | None = None
    offers: Mapping[str, Sequence[ListingFact]] = field(default_factory=dict)
    orders: tuple[OrderFacts, ...] = ()
    order: OrderFacts | None = None
    last_order_lines: tuple[ReorderLine, ...] = ()
    account: AccountFacts | None = None


@dataclass(frozen=True)
class Context:
    """Facts the engine may read but not change: who is talking, in which role, and for a
    buyer everything the buyer engine reads (`buyer`; None when the conversation has no
    buyer yet). `party` is the vendor's code and name on the vendor side (see
    market/vendor_flow.py); the engine reads none of it."""

    role: str = "buyer"  # buyer | vendor
    channel: str = "whatsapp"
    party: Mapping[str, str] = field(default_factory=dict)
    buyer: BuyerFacts | None = None
