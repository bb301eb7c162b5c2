"""Creating orders and moving them through their statuses; shared by the buyer flow, vendor
replies, accepted quotes and the admin. Nothing here commits."""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from conversation.offers import money
from market.models import ORDER_TRANSITIONS, Buyer, Order, OrderEvent, OrderItem, Vendor


@dataclass(frozen=True)
class ItemSnapshot:
    """A line as it will be kept on the order, whatever happens to the catalog later."""

    sku: str | None
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    product_id: int | None = None

    @property
    def subtotal(self) -> Decimal:
        return money(self.quantity * self.unit_price)


class TransitionError(ValueError):
    """A status change the order's current status does not allow."""


def order_number(order_id: int) -> str:
    """Short numbers buyers can type back (`cancel 1042`); unique because ids are."""
    return str(1000 + order_id)


def create_order(
    session: Session,
    buyer: Buyer,
    vendor: Vendor,
    items: Iterable[ItemSnapshot],
    *,
    actor: str,
    currency: str = "NPR",
    payment_method: str = "cod",
    draft_key: str | None = None,
    conversation_id: int | None = None,
    rfq_id: int | None = None,
    approval: str = "none",
) -> Order:
    """A pending order with its items and first history entry, numbered."""
    order = Order(buyer_id=buyer.id, vendor_id=vendor.id, currency=currency,
                  payment_method=payment_method, draft_key=draft_key,
                  conversation_id=conversation_id, rfq_id=rfq_id, approval=approval,
                  status="pending", number=f"tmp-{uuid.uuid4().hex[:16]}")
    order.buyer, order.vendor = buyer, vendor
    for item in items:
        order.items.append(OrderItem(product_id=item.product_id, sku=item.sku, name=item.name,
                                     quantity=item.quantity, unit=item.unit,
                                     unit_price=money(item.unit_price), subtotal=item.subtotal))
    order.total = money(sum((i.subtotal for i in order.items), Decimal("0")))
    order.events.append(OrderEvent(from_status=None, to_status="pending", actor=actor,
                                   note="held for credit approval" if approval == "held" else None))
    session.add(order)
    session.flush()
    order.number = order_number(order.id)
    session.flush()
    return order


def can_transition(order: Order, to_status: str) -> bool:
    return to_status in ORDER_TRANSITIONS.get(order.status, ())


def transition(order: Order, to_status: str, actor: str, note: str | None = None) -> OrderEvent:
    """Move an order to `to_status`, recording who did it; refuse what the rules forbid."""
    if not can_transition(order, to_status):
        raise TransitionError(f"order {order.number} is {order.status}; it cannot become "
                              f"{to_status}")
    event = OrderEvent(from_status=order.status, to_status=to_status, actor=actor, note=note)
    order.events.append(event)
    order.status = to_status
    if to_status == "rejected" and note:
        order.reject_reason = note
    return event
