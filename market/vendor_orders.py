"""A vendor's answers to its orders (accept, reject, dispatch, delivered), what the buyer is
told about each, and offering a rejected order's lines to the next best vendor. Never commits."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversation.texts_vendor import status_name, vtext
from market import audit, ledger
from market.alerts import (
    ItemLines,
    Money,
    alert_order,
    alert_vendor,
    order_values,
    tell_buyer,
)
from market.models import Order, OrderItem, Product, Vendor
from market.orders import ItemSnapshot, TransitionError, create_order, transition
from market.pricing import best_offers

BUYER_TEXT = {"accepted": "buyer_order_accepted", "dispatched": "buyer_order_dispatched",
              "delivered": "buyer_order_delivered", "rejected": "buyer_order_rejected",
              "cancelled": "buyer_order_cancelled"}


def answer_order(session: Session, vendor: Vendor, number: str, to_status: str,
                 reason: str | None, language: str | None) -> str:
    """Apply a vendor's answer to order `number`; returns the reply for the vendor.

    Only the vendor's own orders move, and only along ORDER_TRANSITIONS; the buyer is told on
    WhatsApp; a rejected order's lines go to the next best vendor when there is one."""
    order = session.scalar(select(Order).where(Order.number == number).with_for_update())
    if order is None or order.vendor_id != vendor.id:
        # Another vendor's order gets the same answer as a missing one: nothing is revealed.
        return vtext("order_not_yours", language, number=number)
    try:
        transition(order, to_status, actor=f"vendor:{vendor.code}", note=reason)
    except TransitionError:
        return vtext("order_bad_move", language, number=number,
                     status=status_name(order.status, language),
                     wanted=status_name(to_status, language))
    follow_move(session, order)
    return vtext("order_moved", language, number=number, status=status_name(to_status, language),
                 next=vtext(f"next_{to_status}", language, number=number))


def follow_move(session: Session, order: Order) -> None:
    """What follows an order's move, whoever made it (its vendor or staff): the buyer is told;
    a rejected or cancelled order comes off the buyer's account; a rejected one's lines go to
    the next best vendor."""
    tell_buyer(session, order.buyer, BUYER_TEXT[order.status], **buyer_values(order))
    if order.status in ("rejected", "cancelled"):
        ledger.refund_order(session, order)
    if order.status == "rejected":
        reroute(session, order)


def buyer_values(order: Order) -> dict[str, object]:
    """What the buyer's texts about an order say of it."""
    reason = f" ({order.reject_reason})" if order.reject_reason else ""
    return {"number": order.number, "vendor": order.vendor.business_name,
            "total": Money(order.total, order.currency), "reason": reason}


# --- Re-routing a rejected order -------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """The vendor a rejected line goes to next, and the line as it will be ordered."""

    vendor: Vendor
    item: ItemSnapshot


def tried_vendors(order: Order) -> set[int]:
    """Vendors that already had these lines: this order's and those it was re-routed from."""
    tried = {order.vendor_id}
    for event in order.events:
        tried.update(int(v) for v in (event.data or {}).get("tried_vendor_ids", []))
    return tried


def _pack_factor(product: Product, unit: str) -> Decimal | None:
    """How many base units one `unit` of the product holds (None: not a unit it comes in)."""
    if unit == product.base_unit:
        return Decimal("1")
    size = (product.pack_units or {}).get(unit)
    return Decimal(str(size)) if size else None


def next_offer(session: Session, item: OrderItem, town: str | None, currency: str,
               exclude: set[int]) -> Choice | None:
    """The best offer (app.pricing: verified vendor delivering to `town`, stock and MOQ met,
    volume tier applied) for the item, among vendors not yet tried."""
    product = session.get(Product, item.product_id) if item.product_id else None
    if product is None:
        return None
    factor = _pack_factor(product, item.unit)
    if factor is None:
        return None
    offers = best_offers(session, product.sku, item.quantity * factor, town,
                         exclude_vendor_ids=exclude, currency=currency)
    if not offers:
        return None
    best = offers[0]
    snapshot = ItemSnapshot(sku=item.sku, name=item.name, quantity=item.quantity,
                            unit=item.unit, unit_price=best.unit_price * factor,
                            product_id=product.id)
    return Choice(vendor=session.get_one(Vendor, best.vendor_id), item=snapshot)


def reroute(session: Session, order: Order) -> list[Order]:
    """Offer a rejected order's lines to the next best vendors (one new order per vendor,
    alerted); the buyer is told of each new order and of the lines nobody else has."""
    buyer = order.buyer
    exclude = tried_vendors(order)
    by_vendor: dict[int, list[Choice]] = defaultdict(list)
    missing: list[str] = []
    for item in order.items:
        offer = next_offer(session, item, buyer.town, order.currency, exclude)
        if offer is None:
            missing.append(item.name)
        else:
            by_vendor[offer.vendor.id].append(offer)
    made: list[Order] = []
    for offers in by_vendor.values():
        vendor = offers[0].vendor
        new = create_order(session, buyer, vendor, [o.item for o in offers],
                           actor="reroute", currency=order.currency,
                           payment_method=order.payment_method,
                           conversation_id=order.conversation_id, approval=order.approval)
        new.events[0].data = {"rerouted_from": order.number,
                              "tried_vendor_ids": sorted(exclude)}
        new.events[0].note = f"re-routed from order {order.number}"
        made.append(new)
        if new.payment_method == "credit":
            ledger.charge_order(session, new)
        if new.approval != "held":
            alert_order(session, new)
        tell_buyer(session, buyer, "buyer_rerouted", vendor=vendor.business_name,
                   number=new.number, total=Money(new.total, new.currency),
                   items=ItemLines(new))
    if missing:
        tell_buyer(session, buyer, "buyer_no_other_vendor", items=", ".join(missing),
                   town=buyer.town or "your town")
    return made


# --- Unanswered orders: reminders, then staff ------------------------------------------------

def remind_and_escalate(session: Session, now: datetime, *,
                        remind_after: timedelta, escalate_after: timedelta,
                        max_reminders: int) -> tuple[list[str], list[str]]:
    """Remind vendors of orders pending longer than `remind_after` (once per period, up to
    `max_reminders`), and escalate to staff those pending longer than `escalate_after`
    (Order.escalated_at, shown in the admin, and an audit row). Returns the order numbers
    (reminded, escalated)."""
    pending = session.scalars(
        select(Order).where(Order.status == "pending", Order.approval != "held",
                            Order.escalated_at.is_(None), Order.created_at <= now - remind_after)
        .order_by(Order.id).limit(200).with_for_update(skip_locked=True)).all()
    reminded, escalated = [], []
    for order in pending:
        waited = now - waiting_since(order)
        if waited >= escalate_after:
            order.escalated_at = now
            audit.record(session, None, "order.escalated", ("order", order.number),
                         {"vendor": order.vendor.code, "waited_minutes": int(
                             waited.total_seconds() // 60), "reminders": order.reminders_sent})
            escalated.append(order.number)
        elif (order.reminders_sent < max_reminders
              and waited >= remind_after * (order.reminders_sent + 1)):
            order.reminders_sent += 1
            alert_vendor(session, order.vendor, "order_reminder",
                         meta={"alert": "reminder", "order": order.number},
                         **order_values(order))
            reminded.append(order.number)
    return reminded, escalated


def waiting_since(order: Order) -> datetime:
    """When the vendor was first asked: when the order was made, or, for one held for credit,
    when staff approved it (its alert went out only then)."""
    if order.approval != "approved":
        return order.created_at
    approved = [e.created_at for e in order.events
                if (e.data or {}).get("credit") == "approved" and e.created_at is not None]
    return max([order.created_at, *approved])
