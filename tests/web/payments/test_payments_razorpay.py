"""Razorpay payment links (India, UPI) against a fake Razorpay on loopback: a webhook whose
signature does not verify gets 403 (CONTRACT.md, like every webhook) and does nothing; a good
one makes us fetch the link and post it once. A balance payment settles the oldest orders on
the account. Jobs run inline."""
from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from market import ledger
from market.models import PaymentAttempt
from tests.web.conftest import make_order
from tests.web.payments.kit import (
    balance_of,
    last_reply,
    payments_of,
    sent,
    shopkeeper,
    whatsapp,
)

PHONE = "+919812300703"


def _link_id(db, razorpay) -> str:
    reply = last_reply(db, PHONE)
    match = re.search(re.escape(razorpay.url) + r"/i/(\S+)", reply)
    assert match, reply
    return "plink_" + match.group(1)


def _webhook(client, body: bytes, signature: str):
    return client.post("/webhooks/razorpay", data=body,
                       headers={"X-Razorpay-Signature": signature,
                                "Content-Type": "application/json"})


def test_a_badly_signed_webhook_is_refused_and_pays_nothing(client, db, catalog, razorpay):
    buyer = shopkeeper(db, PHONE, currency="INR")
    order = make_order(db, buyer, currency="INR")
    whatsapp(client, PHONE, f"pay {order.number}")
    assert "₹ 1,934.50" in last_reply(db, PHONE)
    link = _link_id(db, razorpay)
    created = razorpay.calls("/v1/payment_links")[0].json()
    assert (created["amount"], created["currency"]) == (193450, "INR")
    assert created["callback_url"] == "http://localhost/payments/razorpay/return"
    razorpay.pay(link)
    body = razorpay.webhook(link)

    for signature in ("0" * 64, razorpay.signature(body + b" "), ""):
        assert _webhook(client, body, signature).status_code == 403
    assert payments_of(db, buyer) == []
    assert razorpay.calls(f"/v1/payment_links/{link}") == []  # not even asked

    assert _webhook(client, body, razorpay.signature(body)).status_code == 200
    (payment,) = payments_of(db, buyer)
    assert payment.method == "razorpay" and payment.amount == order.total
    assert payment.reference.startswith("razorpay pay_")
    receipt = last_reply(db, PHONE)
    assert receipt.startswith(f"✅ ₹ 1,934.50 received for order {order.number}, ref pay_")
    # Razorpay delivers the event again, and the browser comes back: still one payment.
    assert _webhook(client, body, razorpay.signature(body)).status_code == 200
    page = client.get(f"/payments/razorpay/return?razorpay_payment_link_id={link}"
                      f"&razorpay_payment_link_status=paid")
    assert "Payment received: ₹ 1,934.50" in page.get_data(as_text=True)
    assert len(payments_of(db, buyer)) == 1
    assert len([m for m in sent(db, PHONE) if m.meta.get("kind") == "payment_receipt"]) == 1


def test_a_webhook_for_an_unpaid_link_changes_nothing(client, db, catalog, razorpay):
    buyer = shopkeeper(db, PHONE, currency="INR")
    order = make_order(db, buyer, currency="INR")
    whatsapp(client, PHONE, f"pay {order.number}")
    link = _link_id(db, razorpay)
    body = razorpay.webhook(link)  # claims an event, but the link is still `created`
    assert _webhook(client, body, razorpay.signature(body)).status_code == 200
    assert payments_of(db, buyer) == []
    assert db.scalar(select(PaymentAttempt.status)) == "pending"


def test_paying_the_balance_settles_the_oldest_orders(client, db, catalog, razorpay):
    buyer = shopkeeper(db, PHONE, currency="INR", credit_limit=Decimal("10000"))
    first = make_order(db, buyer, currency="INR", payment_method="credit")
    second = make_order(db, buyer, currency="INR", payment_method="credit")
    ledger.charge_order(db, first)
    ledger.charge_order(db, second)
    ledger.record_payment(db, buyer, Decimal("1000"), method="cash")  # on account, by staff
    db.flush()
    assert balance_of(db, buyer) == Decimal("2869.00")

    whatsapp(client, PHONE, "pay")
    assert "Pay your balance of ₹ 2,869.00" in last_reply(db, PHONE)
    link = _link_id(db, razorpay)
    razorpay.pay(link)
    body = razorpay.webhook(link)
    assert _webhook(client, body, razorpay.signature(body)).status_code == 200
    assert balance_of(db, buyer) == 0
    db.refresh(first)
    db.refresh(second)
    assert (first.payment_status, second.payment_status) == ("paid", "paid")
    assert "You now owe ₹ 0.00" in last_reply(db, PHONE)
