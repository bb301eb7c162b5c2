"""The buyer's side of paying in the chat: the account facts `pay` and `balance` read
(conversation/buyer.py decides), the applier of `PayOrder` (a link for an order or the
balance, made by the provider after the commit), and pay buttons on an order receipt."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversation.actions import PayOrder
from conversation.buyer import PAY_OFFER
from conversation.draft import numbered
from conversation.offers import money
from conversation.texts import text
from conversation.types import AccountFacts, DueFacts, PaymentFacts
from market import dues, ledger, payments
from market.db import utcnow
from market.messaging import say
from market.models import Buyer, Conversation, CreditEntry, Order, Payment

RECENT_PAYMENTS = 3
OPEN_COD = ("pending", "accepted", "dispatched")  # paid to the vendor on delivery


def account_facts(session: Session, buyer: Buyer, order: Order | None = None) -> AccountFacts:
    """What the buyer owes, as the engine reads it for `pay` and `balance` (and what is left
    to pay of `order`, for `pay N`)."""
    provider = payments.provider_for(buyer.currency)
    owed = tuple(DueFacts(number=d.order.number, owed=d.owed, due_on=dues.due_on(d.order))
                 for d in ledger.dues(session, buyer))
    charged = select(CreditEntry.order_id).where(CreditEntry.buyer_id == buyer.id,
                                                 CreditEntry.kind == "order")
    cod = session.scalars(select(Order).where(
        Order.buyer_id == buyer.id, Order.status.in_(OPEN_COD),
        Order.payment_status != "paid", Order.id.not_in(charged))
        .order_by(Order.id.desc()).limit(5))
    unpaid = tuple(DueFacts(number=o.number, owed=ledger.owed_on(session, o)) for o in cod)
    recent = session.execute(
        select(Payment, Order.number).outerjoin(Order, Order.id == Payment.order_id)
        .where(Payment.buyer_id == buyer.id)
        .order_by(Payment.id.desc()).limit(RECENT_PAYMENTS)).all()
    paid = tuple(PaymentFacts(amount=p.amount, on=dues.local_day(p.created_at),
                              method=p.method, order=number) for p, number in recent)
    return AccountFacts(balance=ledger.balance(session, buyer.id),
                        credit_limit=money(buyer.credit_limit or 0), dues=owed,
                        unpaid=tuple(u for u in unpaid if u.owed > 0), payments=paid,
                        today=dues.local_day(utcnow()),
                        provider=provider.name if provider is not None else None,
                        order_owed=ledger.owed_on(session, order) if order is not None
                        else None)


def pay_order(session: Session, conv: Conversation, action: PayOrder) -> None:
    """A payment link for order `action.number` (what is left of it) or for the balance. The
    amount is read again here; the same link is sent again while it is good."""
    buyer = conv.buyer
    if buyer is None:
        return
    language = action.language
    provider = payments.provider_for(buyer.currency)
    if provider is None:
        say(session, conv, text("pay_unavailable", language))
        return
    order = None
    if action.number:
        order = session.scalar(select(Order).where(Order.buyer_id == buyer.id,
                                                   Order.number == action.number))
        if order is None:
            say(session, conv, text("status_unknown", language, number=action.number))
            return
        value = ledger.owed_on(session, order)
        if value <= 0:
            say(session, conv, text("pay_order_paid", language, number=order.number))
            return
    else:
        value = ledger.balance(session, buyer.id)
        if value <= 0:
            say(session, conv, text("pay_nothing", language))
            return
    attempt, fresh = payments.open_attempt(session, buyer, provider, value, order, conv,
                                           language)
    if not fresh and attempt.status == "pending":
        payments.send_link(session, attempt)


def pay_buttons(session: Session, conv: Conversation, orders: Sequence[Order],
                language: str, body: str) -> tuple[str, tuple[str, ...]]:
    """An order receipt with a pay button for each order not held for staff (three at most),
    when a provider serves the buyer's currency; the numbers the buttons stand for are kept
    on the conversation, so tapping one (or typing its number) asks for that order's link."""
    buyer = conv.buyer
    if buyer is None or payments.provider_for(buyer.currency) is None:
        return body, ()
    payable = [o for o in orders if o.approval != "held" and money(o.total) > Decimal("0")][:3]
    if not payable:
        return body, ()
    options = tuple(text("pay_button", language, number=o.number) for o in payable)
    conv.slots = {**(conv.slots or {}), PAY_OFFER: [o.number for o in payable]}
    hint = text("pay_offer", language, number=payable[0].number)
    return f"{body}\n\n{hint}\n{numbered(options)}", options
