"""The buyer's credit ledger: balance = sum of entries (orders on credit add, payments and
refunds subtract). Not to be confused with vendors' lead credits (market/plans.py)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from market.models import Buyer, CreditEntry, Order, Payment
from market.orders import money


def balance(session: Session, buyer_id: int) -> Decimal:
    """What the buyer owes now (positive) or has paid ahead (negative)."""
    total = session.scalar(
        select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
            CreditEntry.buyer_id == buyer_id)
    )
    return money(total or 0)


def headroom(session: Session, buyer: Buyer) -> Decimal:
    """How much more the buyer may take on credit."""
    return money(buyer.credit_limit) - balance(session, buyer.id)


def charge_order(session: Session, order: Order) -> CreditEntry:
    """Put an order on the buyer's account."""
    entry = CreditEntry(buyer_id=order.buyer_id, order_id=order.id, amount=money(order.total),
                        kind="order", note=f"order {order.number}")
    session.add(entry)
    return entry


def record_payment(session: Session, buyer: Buyer, amount: Decimal, *, method: str = "cash",
                   reference: str | None = None, order: Order | None = None,
                   staff_id: int | None = None) -> Payment:
    """Record money received: a payment row and a matching negative ledger entry."""
    amount = money(amount)
    if amount <= 0:
        raise ValueError("a payment must be more than zero")
    payment = Payment(buyer_id=buyer.id, order_id=order.id if order else None, amount=amount,
                      currency=buyer.currency, method=method, reference=reference,
                      recorded_by_id=staff_id)
    session.add(payment)
    session.flush()
    session.add(CreditEntry(buyer_id=buyer.id, order_id=payment.order_id, payment_id=payment.id,
                            amount=-amount, kind="payment", note=reference))
    if order is not None:
        paid = session.scalar(select(func.coalesce(func.sum(Payment.amount), 0))
                              .where(Payment.order_id == order.id)) or 0
        order.payment_status = "paid" if money(paid) >= money(order.total) else "partial"
    return payment


def refund_order(session: Session, order: Order) -> None:
    """Take a rejected or cancelled order off the buyer's account, if it was put there."""
    charged = session.scalar(select(CreditEntry).where(CreditEntry.order_id == order.id,
                                                       CreditEntry.kind == "order"))
    if charged is not None:
        session.add(CreditEntry(buyer_id=order.buyer_id, order_id=order.id,
                                amount=-money(charged.amount), kind="adjustment",
                                note=f"order {order.number} {order.status}"))


def is_charged(session: Session, order: Order) -> bool:
    """Whether the order is on the buyer's account already."""
    return session.scalar(select(CreditEntry.id).where(
        CreditEntry.order_id == order.id, CreditEntry.kind == "order").limit(1)) is not None
