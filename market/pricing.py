"""Pricing from listings: which vendors may take a line for a buyer, at what price.

A listing counts when its vendor is verified and not blocked, delivers to the buyer's town,
the listing and product are active and priced in the buyer's currency. The ranking itself
(MOQ, stock, volume tiers, cheapest first) is pure and lives in `conversation.offers`, so the
engine prices drafts with the same rules from facts loaded here.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager

from conversation.offers import ListingFact, Offer, rank_offers
from market.models import Listing, Product, Vendor

__all__ = ["ListingFact", "Offer", "best_offers", "fact_of", "listing_facts"]


def fact_of(listing: Listing) -> ListingFact:
    """One listing row as the facts the ranking reads."""
    tiers = tuple((float(t["min_qty"]), float(t["percent_off"])) for t in listing.tiers or ())
    return ListingFact(
        listing_id=listing.id, vendor_id=listing.vendor_id, vendor_code=listing.vendor.code,
        vendor_name=listing.vendor.business_name, sku=listing.product.sku,
        price=Decimal(listing.price), moq=Decimal(listing.moq), stock=Decimal(listing.stock),
        tiers=tiers, currency=listing.currency, product_id=listing.product_id,
        rating=float(listing.vendor.rating or 0))


def listing_facts(session: Session, skus: Iterable[str], town: str | None,
                  currency: str = "NPR") -> dict[str, list[ListingFact]]:
    """The listings that may serve a buyer in `town`, by SKU."""
    wanted = sorted(set(skus))
    if not wanted or not town:
        return {}
    rows = session.scalars(
        select(Listing).join(Product, Listing.product_id == Product.id)
        .join(Vendor, Listing.vendor_id == Vendor.id)
        .where(Product.sku.in_(wanted), Product.active.is_(True), Listing.active.is_(True),
               Listing.currency == currency, Vendor.is_active)
        # The joined rows fill listing.vendor and listing.product: no query per listing.
        .options(contains_eager(Listing.vendor), contains_eager(Listing.product))
        .order_by(Listing.id)).all()
    facts: dict[str, list[ListingFact]] = defaultdict(list)
    for listing in rows:
        if listing.vendor.delivers_to(town):
            facts[listing.product.sku].append(fact_of(listing))
    return dict(facts)


def best_offers(session: Session, sku: str, base_quantity: Decimal | float, town: str | None,
                exclude_vendor_ids: Iterable[int] = (), currency: str = "NPR") -> list[Offer]:
    """Offers for `base_quantity` of `sku` delivered to `town`, best first (MOQ and stock
    met, volume tier applied); vendors in `exclude_vendor_ids` are left out (re-routing)."""
    facts = listing_facts(session, [sku], town, currency).get(sku, [])
    return rank_offers(facts, Decimal(str(base_quantity)), exclude_vendor_ids)
