"""Paying with eSewa (ePay v2) against a fake eSewa on loopback: the chat's link opens our
page with the signed form (no inline script), the fake checks our signature, we check the
signature of eSewa's answer, and the payment counts only once the status check says
COMPLETE. Jobs run inline."""
from __future__ import annotations

import re
import urllib.parse

import requests
from sqlalchemy import select

from market.models import PaymentAttempt
from market.payments import esewa_response, esewa_signature
from tests.web.conftest import make_order
from tests.web.payments.kit import (
    balance_of,
    last_reply,
    payments_of,
    shopkeeper,
    whatsapp,
)

PHONE = "+9779812300702"
FIELD = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def _form_page(client, db, order):
    """Ask for a link in the chat; open it as the buyer's browser would."""
    whatsapp(client, PHONE, f"pay {order.number}")
    reply = last_reply(db, PHONE)
    url = re.search(r"http://localhost(/payments/esewa/pay/\S+)", reply)
    assert url, reply
    page = client.get(url.group(1))
    assert page.status_code == 200
    return page


def _fields(page) -> dict[str, str]:
    import html

    return {name: html.unescape(value)
            for name, value in FIELD.findall(page.get_data(as_text=True))}


def _post_to_esewa(esewa, fields) -> int:
    return requests.post(esewa.url + "/api/epay/main/v2/form", data=fields, timeout=5).status_code


def _open(path_and_query: str) -> str:
    parts = urllib.parse.urlsplit(path_and_query)
    return f"{parts.path}?{parts.query}"


def test_an_esewa_payment_counts_after_the_status_check(client, db, catalog, esewa):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    page = _form_page(client, db, order)
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "esewa.js" in html  # sent on by a script file
    assert f'action="{esewa.url}/api/epay/main/v2/form"' in html
    assert f"form-action {esewa.url}" in page.headers["Content-Security-Policy"]
    fields = _fields(page)
    assert fields["total_amount"] == "1934.50"
    assert fields["signed_field_names"] == "total_amount,transaction_uuid,product_code"
    assert _post_to_esewa(esewa, fields) == 200  # eSewa verified our signature

    success = esewa.complete(fields["transaction_uuid"])
    result = client.get(_open(success))
    assert result.status_code == 200
    assert "Payment received: Rs 1,934.50" in result.get_data(as_text=True)
    (payment,) = payments_of(db, buyer)
    assert payment.method == "esewa" and payment.order_id == order.id
    assert len(esewa.calls("/api/epay/transaction/status/")) == 1
    receipt = last_reply(db, PHONE)
    assert receipt.startswith(f"✅ Rs 1,934.50 received for order {order.number}, ref 000")
    # eSewa's redirect again: nothing more.
    client.get(_open(success))
    assert len(payments_of(db, buyer)) == 1


def test_signatures_are_checked_both_ways(client, db, catalog, esewa):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    fields = _fields(_form_page(client, db, order))
    # Ours, checked by eSewa: a form whose amount was changed in the browser is refused.
    assert _post_to_esewa(esewa, {**fields, "total_amount": "1.00"}) == 400
    assert _post_to_esewa(esewa, fields) == 200
    uuid = fields["transaction_uuid"]
    esewa.complete(uuid)
    # eSewa's, checked by us: tampered or unsigned data is refused before any status check.
    for data in (esewa.data(uuid, total_amount=1.0), esewa.data(uuid, signature="AAAA"),
                 "bm90IGpzb24=", ""):
        refused = client.get("/payments/esewa/success?" + urllib.parse.urlencode(
            {"data": data}))
        assert refused.status_code == 400
    assert esewa.calls("/api/epay/transaction/status/") == []
    assert payments_of(db, buyer) == []
    # The direct check of the function, with eSewa's documented field order.
    good = esewa_response(esewa.data(uuid), esewa.secret_key)
    assert good is not None and good["status"] == "COMPLETE"
    assert esewa_response(esewa.data(uuid), "another-secret") is None
    assert esewa_signature({"a": "1", "b": "2"}, "a,b", "k") != esewa_signature(
        {"a": "1", "b": "3"}, "a,b", "k")


def test_a_signed_success_is_not_counted_while_the_status_check_says_pending(
        client, db, catalog, esewa):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    fields = _fields(_form_page(client, db, order))
    _post_to_esewa(esewa, fields)
    uuid = fields["transaction_uuid"]
    success = esewa.complete(uuid)
    esewa.set_status(uuid, "PENDING")  # the redirect says COMPLETE; eSewa's server does not
    result = client.get(_open(success))
    assert "not complete yet" in result.get_data(as_text=True)
    assert payments_of(db, buyer) == []
    assert balance_of(db, buyer) == 0


def test_the_failure_page_says_it_did_not_go_through(client, db, catalog, esewa):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    fields = _fields(_form_page(client, db, order))
    _post_to_esewa(esewa, fields)
    esewa.set_status(fields["transaction_uuid"], "CANCELED")
    page = client.get(_open(fields["failure_url"]))
    assert "did not go through" in page.get_data(as_text=True)
    assert db.scalar(select(PaymentAttempt.status)) == "canceled"
    assert payments_of(db, buyer) == []


def test_with_khalti_configured_an_npr_buyer_gets_khalti_first(client, db, catalog, esewa,
                                                                chat_app):
    from tests.fakes.khalti import FakeKhalti

    with FakeKhalti() as khalti:
        chat_app.config.update(KHALTI_SECRET_KEY=khalti.secret_key,
                               KHALTI_BASE_URL=khalti.base_url)
        buyer = shopkeeper(db, PHONE)
        order = make_order(db, buyer)
        whatsapp(client, PHONE, f"pay {order.number}")
        assert khalti.url in last_reply(db, PHONE)
    assert db.scalar(select(PaymentAttempt.provider)) == "khalti"
