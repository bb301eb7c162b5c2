"""Actions of the buyer's conversation, performed by app/buyer_flow.py after the engine
returns (the engine decides, the appliers touch the database)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conversation.types import Action


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
