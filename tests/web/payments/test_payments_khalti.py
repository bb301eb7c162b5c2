"""Paying an order with Khalti from the chat, against a fake Khalti speaking KPG-2 on
loopback: the link, a completed lookup, the ledger posted once with a receipt; a repeated or
forged return changes nothing; a wrong amount is flagged, not counted. Jobs run inline."""
from __future__ import annotations

import urllib.parse

from sqlalchemy import select

from market.models import AuditEvent, Payment, PaymentAttempt
from tests.web.conftest import make_order
from tests.web.payments.kit import (
    balance_of,
    last_reply,
    payments_of,
    sent,
    shopkeeper,
    whatsapp,
)

PHONE = "+9779812300701"


def _link(client, db, khalti, order) -> str:
    """Ask for a link to pay `order` in the chat; the pidx Khalti made for it."""
    whatsapp(client, PHONE, f"pay {order.number}")
    reply = last_reply(db, PHONE)
    (pidx,) = list(khalti.payments)
    assert f"{khalti.url}/?pidx={pidx}" in reply
    assert f"order #{order.number}" in reply and "Rs 1,934.50" in reply
    return pidx


def _return(client, khalti, pidx, **forged):
    query = {**khalti.callback(pidx), **forged}
    return client.get("/payments/khalti/return?" + urllib.parse.urlencode(query))


def test_a_completed_khalti_payment_is_posted_once_with_a_receipt(client, db, catalog, khalti):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)  # cash on delivery, Rs 1,934.50
    pidx = _link(client, db, khalti, order)
    initiated = khalti.calls("/api/v2/epayment/initiate/")[0].json()
    assert initiated["amount"] == 193450  # paisa
    assert initiated["return_url"] == "http://localhost/payments/khalti/return"
    transaction = khalti.pay(pidx)

    page = _return(client, khalti, pidx)
    assert page.status_code == 200
    assert "Payment received: Rs 1,934.50 for order" in page.get_data(as_text=True)
    (payment,) = payments_of(db, buyer)
    assert (payment.amount, payment.method, payment.order_id) == (order.total, "khalti",
                                                                  order.id)
    db.refresh(order)
    assert order.payment_status == "paid"
    # A cash-on-delivery order paid ahead: charged and paid on the account, nothing owed.
    assert balance_of(db, buyer) == 0
    receipts = [m for m in sent(db, PHONE) if m.meta.get("kind") == "payment_receipt"]
    assert [m.body for m in receipts] == [
        f"✅ Rs 1,934.50 received for order {order.number}, ref {transaction}. Thank you!"]
    assert db.scalar(select(AuditEvent.action).where(
        AuditEvent.target_type == "paymentattempt")) == "payment.online"

    # The same return URL again (a reload, a second tab): the same page, nothing more.
    lookups = len(khalti.calls("/api/v2/epayment/lookup/"))
    again = _return(client, khalti, pidx)
    assert "Payment received" in again.get_data(as_text=True)
    assert len(payments_of(db, buyer)) == 1
    assert len([m for m in sent(db, PHONE) if m.meta.get("kind") == "payment_receipt"]) == 1
    assert len(khalti.calls("/api/v2/epayment/lookup/")) == lookups


def test_a_forged_return_saying_completed_pays_nothing(client, db, catalog, khalti):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    pidx = _link(client, db, khalti, order)
    khalti.set_status(pidx, "Pending")

    page = _return(client, khalti, pidx, status="Completed", transaction_id="FORGED",
                   total_amount="193450")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not complete yet" in body and "Pending" in body
    assert payments_of(db, buyer) == []
    assert balance_of(db, buyer) == 0
    attempt = db.scalar(select(PaymentAttempt))
    assert (attempt.status, attempt.provider_status, attempt.transaction_id) == (
        "pending", "Pending", None)
    # The buyer does pay later: the next lookup (here a second return) counts it.
    khalti.pay(pidx)
    assert "Payment received" in _return(client, khalti, pidx).get_data(as_text=True)
    assert len(payments_of(db, buyer)) == 1


def test_a_payment_of_another_amount_is_flagged_not_counted(client, db, catalog, khalti):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    pidx = _link(client, db, khalti, order)
    khalti.pay(pidx, amount=1000)  # Rs 10 paid for a Rs 1,934.50 link

    page = _return(client, khalti, pidx)
    assert "does not match" in page.get_data(as_text=True)
    assert payments_of(db, buyer) == []
    db.refresh(order)
    assert order.payment_status == "unpaid"
    attempt = db.scalar(select(PaymentAttempt))
    assert attempt.status == "mismatch"
    assert "paid 10.00 NPR, asked 1934.50 NPR" in attempt.note
    assert db.scalar(select(AuditEvent.action).where(
        AuditEvent.target_id == str(attempt.id))) == "payment.mismatch"


def test_pay_again_while_the_link_is_good_sends_the_same_link(client, db, catalog, khalti):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    pidx = _link(client, db, khalti, order)
    whatsapp(client, PHONE, f"PAY #{order.number}")
    assert f"{khalti.url}/?pidx={pidx}" in last_reply(db, PHONE)
    assert len(khalti.calls("/api/v2/epayment/initiate/")) == 1


def test_khalti_refusing_the_link_is_said_plainly(client, db, catalog, khalti, chat_app):
    chat_app.config["KHALTI_SECRET_KEY"] = "not-the-key"
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    whatsapp(client, PHONE, f"pay {order.number}")
    assert "could not make a payment link" in last_reply(db, PHONE)
    assert db.scalar(select(PaymentAttempt.status)) == "error"


def test_an_unknown_return_is_a_plain_404(client, db, khalti):
    page = client.get("/payments/khalti/return?pidx=nope&purchase_order_id=nope&status=Completed")
    assert page.status_code == 404
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_order_receipt_offers_a_pay_button_that_asks_for_the_link(client, db, catalog,
                                                                      khalti):
    from market.models import Order

    shopkeeper(db, PHONE)
    whatsapp(client, PHONE, "2 bora chamal")
    whatsapp(client, PHONE, "yes")
    order = db.scalar(select(Order))
    receipt = sent(db, PHONE)[-1]
    assert f"PAY {order.number}" in receipt.body
    assert receipt.meta["options"] == [f"Pay {order.number}"]
    # Tapping the button (its id is its number, as for every button) asks for the link.
    whatsapp(client, PHONE, "1", ButtonPayload="1", ButtonText=f"Pay {order.number}")
    (pidx,) = list(khalti.payments)
    assert f"{khalti.url}/?pidx={pidx}" in last_reply(db, PHONE)
    assert khalti.payments[pidx].amount == int(order.total * 100)


def test_a_buyer_who_never_comes_back_is_found_by_the_periodic_lookup(client, db, catalog,
                                                                      khalti):
    import jobs.payments

    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    pidx = _link(client, db, khalti, order)
    assert jobs.payments.check_open_payments() == 1  # asked: still Initiated
    assert db.scalar(select(PaymentAttempt.provider_status)) == "Initiated"
    transaction = khalti.pay(pidx)
    assert jobs.payments.check_open_payments() == 0  # asked a moment ago: not yet again
    db.execute(PaymentAttempt.__table__.update().values(checked_at=None))
    db.commit()
    jobs.payments.check_open_payments()
    (payment,) = db.scalars(select(Payment)).all()
    assert payment.reference == f"khalti {transaction}"
    assert last_reply(db, PHONE).startswith("✅ Rs 1,934.50 received")


def test_one_provider_transaction_is_never_counted_twice(client, db, catalog, khalti):
    buyer = shopkeeper(db, PHONE)
    first, second = make_order(db, buyer), make_order(db, buyer)
    whatsapp(client, PHONE, f"pay {first.number}")
    whatsapp(client, PHONE, f"pay {second.number}")
    one, two = list(khalti.payments)
    transaction = khalti.pay(one)
    khalti.payments[two].transaction_id = transaction  # the same payment reported twice
    khalti.pay(two)
    _return(client, khalti, one)
    page = _return(client, khalti, two)
    assert "does not match" in page.get_data(as_text=True)
    assert len(payments_of(db, buyer)) == 1
    flagged = db.scalar(select(PaymentAttempt).where(PaymentAttempt.status == "mismatch"))
    assert "already counted" in flagged.note and flagged.provider_status == "Completed"
