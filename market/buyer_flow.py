"""The buyer's actions, applied: profile answers, placing a confirmed draft as one order per
vendor, cancelling an order. `PlaceOrders` prices each line again from its listing row, so
what is charged always comes from a listing, never from the draft or a model."""
from __future__ import annotations

import logging
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from conversation.actions import CancelOrder, PlaceOrders, UpdateBuyer
from conversation.offers import money, offer_for
from conversation.texts import amount, text
from market import ledger, payment_chat
from market.messaging import say
from market.models import Buyer, Conversation, Listing, Order, Vendor
from market.orders import ItemSnapshot, TransitionError, create_order, transition
from market.phones import normalise_phone
from market.pricing import fact_of
from market.tasks import after_commit

log = logging.getLogger(__name__)
PROFILE_FIELDS = {"name", "shop_name", "town", "language", "onboarded"}
ORDER_PLACED_JOB = "jobs.alerts.order_placed"
ORDER_CANCELLED_JOB = "jobs.alerts.order_cancelled"


def update_buyer(session: Session, conv: Conversation, action: UpdateBuyer) -> None:
    """Save the buyer's onboarding answers (and a language they chose) to their profile."""
    if conv.buyer is None:
        return
    for key, value in action.changes.items():
        if key == "phone":
            _give_phone(session, conv.buyer, str(value or ""))
        elif key in PROFILE_FIELDS and value is not None:
            setattr(conv.buyer, key, value)


def _give_phone(session: Session, buyer: Buyer, said: str) -> None:
    """The phone a buyer known only by WhatsApp user id gave for delivery (E.164); one another
    buyer already has is not taken from them (staff see the buyer without one)."""
    phone = normalise_phone(said, current_app.config["DEFAULT_COUNTRY"])
    if phone is None or buyer.phone is not None:
        return
    if session.scalar(select(Buyer.id).where(Buyer.phone == phone)) is not None:
        log.warning("buyer %s gave phone %s, which another buyer has", buyer.id, phone)
        return
    buyer.phone = phone


def place_orders(session: Session, conv: Conversation, action: PlaceOrders) -> None:
    """Turn the confirmed draft into orders (once per draft, even when two workers race),
    send the buyer the receipt, and alert each vendor after the commit."""
    buyer = conv.required_buyer()
    language = action.language
    existing = _orders_of_draft(session, buyer, action.draft_key)
    if existing:
        numbers = ", ".join(f"#{o.number}" for o in existing)
        say(session, conv, text("already_placed", language, numbers=numbers))
        return
    try:
        with session.begin_nested():
            orders = _create_orders(session, conv, buyer, action)
    except IntegrityError:
        # Placed by a racing worker between our check and our insert: the constraint held.
        numbers = ", ".join(f"#{o.number}" for o in _orders_of_draft(session, buyer,
                                                                      action.draft_key))
        say(session, conv, text("already_placed", language, numbers=numbers))
        return
    body, options = payment_chat.pay_buttons(session, conv, orders, language,
                                             placed_message(orders, language))
    say(session, conv, body, options=options)
    for order in orders:
        if order.approval != "held":
            after_commit(session, ORDER_PLACED_JOB, order.id)


def _orders_of_draft(session: Session, buyer: Buyer, key: str) -> list[Order]:
    return list(session.scalars(select(Order).where(Order.buyer_id == buyer.id,
                                                    Order.draft_key == key)
                                .order_by(Order.id)))


def _create_orders(session: Session, conv: Conversation, buyer: Buyer,
                   action: PlaceOrders) -> list[Order]:
    """One order per vendor from the confirmed lines, priced from their listings; on credit
    when the buyer has a limit, held for staff when it would go over."""
    ids = [line["listing_id"] for line in action.lines]
    listings = {row.id: row for row in session.scalars(
        select(Listing).where(Listing.id.in_(ids)).options(
            selectinload(Listing.vendor), selectinload(Listing.product)))}
    by_vendor: dict[int, list[ItemSnapshot]] = {}
    vendors: dict[int, Vendor] = {}
    for line in action.lines:
        listing = listings.get(line["listing_id"])
        if listing is None or not listing.active:
            log.warning("listing %s vanished before order; line %s skipped",
                        line["listing_id"], line["sku"])
            continue
        quantity = Decimal(str(line["base_quantity"]))
        offer = offer_for(fact_of(listing), quantity)
        vendors[listing.vendor_id] = listing.vendor
        by_vendor.setdefault(listing.vendor_id, []).append(ItemSnapshot(
            sku=listing.product.sku, name=listing.product.name, quantity=quantity,
            unit=listing.product.base_unit, unit_price=offer.unit_price,
            product_id=listing.product_id))
    on_credit = money(buyer.credit_limit or 0) > 0
    room = ledger.headroom(session, buyer) if on_credit else Decimal("0")
    orders = []
    for vendor_id, items in by_vendor.items():
        value = money(sum((i.subtotal for i in items), Decimal("0")))
        held = on_credit and value > room
        order = create_order(session, buyer, vendors[vendor_id], items, actor="buyer",
                             currency=buyer.currency,
                             payment_method="credit" if on_credit else "cod",
                             draft_key=action.draft_key, conversation_id=conv.id,
                             approval="held" if held else "none")
        if on_credit and not held:
            ledger.charge_order(session, order)
            room -= value
        orders.append(order)
    session.flush()
    return orders


def placed_message(orders: list[Order], language: str) -> str:
    """The buyer's receipt: each order's number, vendor, amount and payment; held ones named."""
    rows = [text("placed_line", language, number=o.number, vendor=o.vendor.business_name,
                 amount=amount(o.total, o.currency, language),
                 payment=text("pay_credit" if o.payment_method == "credit" else "pay_cod",
                              language)) for o in orders]
    parts = [text("placed", language, count=len(orders), orders="\n".join(rows))]
    held = [f"#{o.number}" for o in orders if o.approval == "held"]
    if held:
        parts.append(text("held", language, numbers=", ".join(held)))
    parts.append(text("placed_footer", language))
    return "\n\n".join(parts)


def cancel_order(session: Session, conv: Conversation, action: CancelOrder) -> None:
    """Cancel the buyer's order if its status still allows it; the vendor is told after the
    commit, and an order on credit comes off the buyer's account."""
    buyer = conv.required_buyer()
    order = session.scalar(select(Order).where(Order.buyer_id == buyer.id,
                                               Order.number == action.number)
                           .with_for_update())
    if order is None:
        say(session, conv, text("status_unknown", action.language, number=action.number))
        return
    try:
        transition(order, "cancelled", actor="buyer", note="cancelled by the buyer on chat")
    except TransitionError:
        status = text(f"status_{order.status}", action.language)
        say(session, conv, text("cancel_refused", action.language, number=order.number,
                                 status=status))
        return
    ledger.refund_order(session, order)
    say(session, conv, text("cancelled", action.language, number=order.number))
    after_commit(session, ORDER_CANCELLED_JOB, order.id)
