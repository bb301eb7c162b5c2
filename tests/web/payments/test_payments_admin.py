"""Staff see online payments: each attempt with its provider, reference, status, amount and
the provider's answer; a reconciliation of what the provider and the ledger disagree on;
refunds (admins only, bounded) that reverse the entry; dues reminders turned off per buyer."""
from __future__ import annotations

import urllib.parse
from decimal import Decimal

from sqlalchemy import select

from market.models import AuditEvent, CreditEntry, Payment, PaymentAttempt
from tests.web.conftest import make_order, post_form
from tests.web.payments.kit import (
    balance_of,
    payments_of,
    shopkeeper,
    whatsapp,
)

PHONE = "+9779812300705"


def _paid_by_khalti(client, db, khalti, amount: int | None = None):
    buyer = shopkeeper(db, PHONE)
    order = make_order(db, buyer)
    whatsapp(client, PHONE, f"pay {order.number}")
    (pidx,) = list(khalti.payments)
    khalti.pay(pidx, amount=amount)
    client.get("/payments/khalti/return?" + urllib.parse.urlencode(khalti.callback(pidx)))
    return buyer, order, pidx


def test_the_payments_page_shows_each_attempt(as_staff, db, catalog, khalti):
    buyer, order, pidx = _paid_by_khalti(as_staff, db, khalti)
    attempt = db.scalar(select(PaymentAttempt))
    page = as_staff.get("/admin/payments").get_data(as_text=True)
    for shown in ("khalti", attempt.reference, "paid", "1,934.50", "Completed",
                  attempt.transaction_id, pidx):
        assert shown in page, shown
    listing = as_staff.get("/admin/payments/online?status=paid").get_data(as_text=True)
    assert attempt.reference in listing
    assert attempt.reference not in as_staff.get(
        "/admin/payments/online?status=pending").get_data(as_text=True)


def test_reconciliation_lists_what_provider_and_ledger_disagree_on(as_staff, db, catalog,
                                                                    khalti):
    buyer, order, pidx = _paid_by_khalti(as_staff, db, khalti)
    assert "nothing disagrees" in as_staff.get("/admin/payments/reconcile").get_data(
        as_text=True)
    # The money is refunded at Khalti's end; staff ask again.
    khalti.set_status(pidx, "Refunded", refunded=True)
    attempt = db.scalar(select(PaymentAttempt))
    post_form(as_staff, "/admin/payments/reconcile",
              f"/admin/payments/online/{attempt.id}/check", {"back": "reconcile"})
    page = as_staff.get("/admin/payments/reconcile").get_data(as_text=True)
    assert "counted in the ledger" not in page
    assert "Khalti says Refunded; the ledger has refunded 0" in page
    assert len(payments_of(db, buyer)) == 1  # asking again never posts twice


def test_a_mismatch_is_in_the_reconciliation(as_staff, db, catalog, khalti):
    _paid_by_khalti(as_staff, db, khalti, amount=1000)
    page = as_staff.get("/admin/payments/reconcile").get_data(as_text=True)
    assert "not counted: paid 10.00 NPR, asked 1934.50 NPR" in page


def test_plain_staff_may_not_refund(as_staff, db, catalog, khalti):
    _paid_by_khalti(as_staff, db, khalti)
    payment = db.scalar(select(Payment))
    assert "Refund" not in as_staff.get("/admin/payments").get_data(as_text=True)
    assert post_form(as_staff, "/admin/payments", f"/admin/payments/{payment.id}/refund",
                     {"amount": "100"}).status_code == 403
    assert db.scalar(select(CreditEntry).where(CreditEntry.kind == "refund")) is None


def test_refunds_are_bounded_and_reverse_the_entry(as_admin, db, catalog, khalti):
    client = as_admin
    buyer, order, _ = _paid_by_khalti(client, db, khalti)
    payment = db.scalar(select(Payment))
    action = f"/admin/payments/{payment.id}/refund"
    for amount in ("2000", "0", "NaN", "1e20"):
        refused = post_form(client, "/admin/payments", action, {"amount": amount},
                            follow_redirects=True)
        assert "Refund not recorded" in refused.get_data(as_text=True), amount
    assert db.scalar(select(CreditEntry).where(CreditEntry.kind == "refund")) is None

    done = post_form(client, "/admin/payments", action,
                     {"amount": "500", "note": "short delivery"}, follow_redirects=True)
    assert "Refund of 500.00 recorded." in done.get_data(as_text=True)
    db.refresh(order)
    assert order.payment_status == "partial"
    assert balance_of(db, buyer) == Decimal("500.00")
    assert db.scalar(select(AuditEvent.detail).where(
        AuditEvent.action == "payment.refund"))["note"] == "short delivery"
    # What is left of the payment bounds the next refund.
    assert "at most 1434.50" in post_form(client, "/admin/payments", action,
                                          {"amount": "1500"}, follow_redirects=True
                                          ).get_data(as_text=True)
    page = client.get("/admin/payments/reconcile").get_data(as_text=True)
    assert "refunded 500.00 in the ledger; Khalti still says Completed" in page


def test_staff_turn_a_buyers_reminders_off(as_staff, db):
    buyer = shopkeeper(db, PHONE)
    page = f"/admin/buyers/{buyer.id}"
    post_form(as_staff, page, f"{page}/reminders", {"on": "0"})
    db.refresh(buyer)
    assert buyer.payment_reminders is False
    assert "Dues reminders</dt><dd id=\"reminders\">off" in as_staff.get(page).get_data(
        as_text=True)
