"""The buyer's credit ledger: balance = sum of entries (orders on credit add, payments and
refunds subtract). Not to be confused with vendors' lead credits (market/plans.py)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from market.models import Buyer, CreditEntry, Order, Payment
from market.orders import money


def check_amount(value: Any, *, precision: int = 12, scale: int = 2,
                 minimum: Decimal | None = Decimal("0")) -> Decimal:
    """`value` rounded to `scale` places, when it is a finite number that fits a
    numeric(precision, scale) column and is at least `minimum`; else ValueError saying why
    (for a form or an import report: an amount that does not fit must never reach the
    database, where it would fail the whole request)."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError("is not a number") from None
    if not number.is_finite():  # NaN, sNaN and the infinities compare badly or not at all
        raise ValueError("is not a number")
    ceiling = Decimal(10) ** (precision - scale)
    if abs(number) >= ceiling:  # before quantize: a huge number would overflow its context
        raise ValueError(f"must be less than {ceiling:,}")
    rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    if abs(rounded) >= ceiling:
        raise ValueError(f"must be less than {ceiling:,}")
    if minimum is not None and rounded < minimum:
        raise ValueError(f"must be at least {minimum}")
    return rounded


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
    """Record money received: a payment row and a matching negative ledger entry. An amount
    that is not a positive number fitting numeric(12, 2) is a ValueError."""
    try:
        amount = check_amount(amount, minimum=Decimal("0.01"))
    except ValueError as exc:
        raise ValueError(f"a payment {exc}") from None
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
