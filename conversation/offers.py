"""Choosing the best vendor offer for one line: pure arithmetic over listing facts.

The database side (market/pricing.py) loads the facts (listings of verified, unblocked vendors
that deliver to the buyer's town); this module ranks them for a quantity, so the engine can
price a draft without I/O and the vendor side can re-route a rejected line the same way.
Quantities are in the product's base unit; prices are per base unit.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Decimal | float | int | str) -> Decimal:
    """Round to paisa, half up, as a Decimal."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class ListingFact:
    """One vendor's listing of a product, as the pricing needs it."""

    listing_id: int
    vendor_id: int
    vendor_code: str
    vendor_name: str
    sku: str
    price: Decimal
    moq: Decimal = Decimal("1")
    stock: Decimal = Decimal("0")
    tiers: tuple[tuple[float, float], ...] = field(default=())  # (min_qty, percent_off)
    currency: str = "NPR"
    product_id: int | None = None
    rating: float = 0.0


@dataclass(frozen=True)
class Offer:
    """The price one vendor would charge for a quantity, volume tier applied."""

    listing_id: int
    vendor_id: int
    vendor_code: str
    vendor_name: str
    sku: str
    base_quantity: Decimal
    list_price: Decimal
    percent_off: float
    unit_price: Decimal
    currency: str
    product_id: int | None = None

    @property
    def subtotal(self) -> Decimal:
        return money(self.base_quantity * self.unit_price)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data, for a draft kept on the conversation."""
        data = asdict(self)
        for key in ("base_quantity", "list_price", "unit_price"):
            data[key] = str(data[key])
        data["subtotal"] = str(self.subtotal)
        return data


@dataclass(frozen=True)
class Shortfall:
    """Why no vendor can take a line: none delivers it, or the quantity is below every MOQ
    or above every stock."""

    reason: str  # none | moq | stock
    limit: Decimal | None = None


def tier_discount(tiers: Iterable[tuple[float, float]], quantity: Decimal) -> float:
    """The percent off of the highest volume tier the quantity reaches (0 when none)."""
    best = 0.0
    for min_qty, percent in sorted(tiers):
        if quantity >= Decimal(str(min_qty)):
            best = float(percent)
    return best


def offer_for(fact: ListingFact, quantity: Decimal) -> Offer:
    """The offer of one listing for `quantity` base units, ignoring MOQ and stock."""
    percent = tier_discount(fact.tiers, quantity)
    unit_price = money(fact.price * (Decimal(100) - Decimal(str(percent))) / Decimal(100))
    return Offer(listing_id=fact.listing_id, vendor_id=fact.vendor_id,
                 vendor_code=fact.vendor_code, vendor_name=fact.vendor_name, sku=fact.sku,
                 base_quantity=quantity, list_price=money(fact.price), percent_off=percent,
                 unit_price=unit_price, currency=fact.currency, product_id=fact.product_id)


def rank_offers(facts: Sequence[ListingFact], quantity: Decimal | float,
                exclude_vendor_ids: Iterable[int] = ()) -> list[Offer]:
    """Offers that can take `quantity` (MOQ met, enough stock), cheapest first; ties go to
    the better-rated vendor, then the older listing, so the choice is stable."""
    quantity = Decimal(str(quantity))
    excluded = set(exclude_vendor_ids)
    usable = [f for f in facts
              if f.vendor_id not in excluded and quantity >= f.moq and quantity <= f.stock]
    usable.sort(key=lambda f: (offer_for(f, quantity).unit_price, -f.rating, f.listing_id))
    return [offer_for(f, quantity) for f in usable]


def shortfall(facts: Sequence[ListingFact], quantity: Decimal | float,
              exclude_vendor_ids: Iterable[int] = ()) -> Shortfall:
    """Why `rank_offers` found nothing, with the limit the buyer could meet."""
    quantity = Decimal(str(quantity))
    excluded = set(exclude_vendor_ids)
    facts = [f for f in facts if f.vendor_id not in excluded]
    if not facts:
        return Shortfall("none")
    if all(quantity < f.moq for f in facts):
        return Shortfall("moq", min(f.moq for f in facts))
    return Shortfall("stock", max(f.stock for f in facts))
