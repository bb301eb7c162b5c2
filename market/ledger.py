"""The buyer's credit ledger: balance = sum of entries (orders on credit add, payments and
refunds subtract). Not to be confused with vendors' lead credits (market/plans.py)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversation.offers import money
from market.models import Buyer, CreditEntry, Order, Payment


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
        order.payment_status = _status_for(order, paid_on(session, order))
    return payment


# An order's payment_status: "unpaid" (the default), "partial" or "paid" (the admin and the
# JSON API show these words; the column holds ten characters).
def _status_for(order: Order, paid: Decimal) -> str:
    if paid >= money(order.total):
        return "paid"
    return "partial" if paid > 0 else "unpaid"


def paid_on(session: Session, order: Order) -> Decimal:
    """What has been paid against this order, less what was refunded of it."""
    paid = session.scalar(select(func.coalesce(func.sum(Payment.amount), 0))
                          .where(Payment.order_id == order.id)) or 0
    refunded = session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                              .where(CreditEntry.order_id == order.id,
                                     CreditEntry.kind == "refund")) or 0
    return money(paid) - money(refunded)


def owed_on(session: Session, order: Order) -> Decimal:
    """What is left to pay of one order (nothing for a rejected or cancelled one)."""
    if order.status in ("rejected", "cancelled"):
        return Decimal("0.00")
    return max(money(order.total) - paid_on(session, order), Decimal("0.00"))


def record_order_payment(session: Session, order: Order, amount: Decimal, *, method: str,
                         reference: str | None = None) -> Payment:
    """Money received online against one order. A cash-on-delivery order is put on the
    buyer's account first, so the order and its payment cancel out there (a payment alone
    would show the buyer as having paid ahead); a later cancellation then gives it back."""
    if not is_charged(session, order) and order.status not in ("rejected", "cancelled"):
        charge_order(session, order)
    return record_payment(session, order.buyer, amount, method=method, reference=reference,
                          order=order)


def refunded(session: Session, payment: Payment) -> Decimal:
    """How much of a payment has been refunded."""
    total = session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                           .where(CreditEntry.payment_id == payment.id,
                                  CreditEntry.kind == "refund")) or 0
    return money(total)


def refund_payment(session: Session, payment: Payment, amount: Any, *,
                   note: str | None = None) -> CreditEntry:
    """Give back (part of) a payment: a positive ledger entry reversing it, and the order's
    payment status again. More than is left of the payment, or an amount that is not a
    positive number fitting numeric(12, 2), is a ValueError."""
    try:
        value = check_amount(amount, minimum=Decimal("0.01"))
    except ValueError as exc:
        raise ValueError(f"a refund {exc}") from None
    left = money(payment.amount) - refunded(session, payment)
    if value > left:
        raise ValueError(f"a refund must be at most {left} (what is left of this payment)")
    entry = CreditEntry(buyer_id=payment.buyer_id, order_id=payment.order_id,
                        payment_id=payment.id, amount=value, kind="refund",
                        note=note or f"refund of {payment.reference or payment.method}")
    session.add(entry)
    session.flush()
    if payment.order_id is not None:
        order = session.get_one(Order, payment.order_id)
        order.payment_status = _status_for(order, paid_on(session, order))
    else:
        refresh_payment_status(session, session.get_one(Buyer, payment.buyer_id))
    return entry


@dataclass(frozen=True)
class Due:
    """An order on the buyer's account and what is still owed of it."""

    order: Order
    owed: Decimal


def dues(session: Session, buyer: Buyer) -> list[Due]:
    """The orders on the buyer's account still owed, oldest first. Payments against an order
    count for it; what was paid towards the balance without naming an order settles the
    oldest orders first, so the dues add up to the balance."""
    orders = _on_account(session, buyer)
    paid = _sums(session, select(Payment.order_id, func.sum(Payment.amount))
                 .where(Payment.buyer_id == buyer.id).group_by(Payment.order_id))
    back = _sums(session, select(CreditEntry.order_id, func.sum(CreditEntry.amount))
                 .where(CreditEntry.buyer_id == buyer.id, CreditEntry.kind == "refund")
                 .group_by(CreditEntry.order_id))
    owed = [(order, max(money(order.total) - paid.get(order.id, Decimal("0"))
                        + back.get(order.id, Decimal("0")), Decimal("0.00")))
            for order in orders]
    # Credit not explained by payments against orders: paid on account, adjustments.
    surplus = sum((o for _, o in owed), Decimal("0")) - max(balance(session, buyer.id),
                                                            Decimal("0"))
    found = []
    for order, left in owed:
        take = min(left, max(surplus, Decimal("0")))
        surplus -= take
        if left - take > 0:
            found.append(Due(order, money(left - take)))
    return found


def refresh_payment_status(session: Session, buyer: Buyer) -> None:
    """Each order on the buyer's account marked paid, partial or unpaid as `dues` settles
    them (after money paid towards the balance rather than one order)."""
    left = {due.order.id: due.owed for due in dues(session, buyer)}
    for order in _on_account(session, buyer):
        owed = left.get(order.id, Decimal("0"))
        order.payment_status = _status_for(order, money(order.total) - owed)


def _on_account(session: Session, buyer: Buyer) -> list[Order]:
    """The buyer's orders put on their account and not taken off it, oldest first."""
    charged = select(CreditEntry.order_id).where(CreditEntry.buyer_id == buyer.id,
                                                 CreditEntry.kind == "order")
    return list(session.scalars(
        select(Order).where(Order.buyer_id == buyer.id, Order.id.in_(charged),
                            Order.status.not_in(("rejected", "cancelled")))
        .order_by(Order.created_at, Order.id)))


def _sums(session: Session, query: Any) -> dict[int, Decimal]:
    return {order_id: money(total or 0) for order_id, total in session.execute(query)
            if order_id is not None}


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
