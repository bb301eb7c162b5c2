"""What buyers owe: `balance` in three languages through the real webhook and engine, and
dues reminders the day before, on the day and three days late, each once, with a frozen
clock; none for a buyer who sent STOP or whose reminders staff turned off, none once paid."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

import jobs.payments
from jobs.schedule import periodic_job_definitions
from market import ledger
from market.models import DueReminder
from tests.web.conftest import make_order
from tests.web.payments.kit import (
    last_reply,
    sent,
    shopkeeper,
    whatsapp,
)

PHONE = "+9779812300704"
# 10:00 in Kathmandu (UTC+5:45) on 1 November; due after PAYMENT_DUE_DAYS = 15: 16 November.
PLACED = datetime(2026, 11, 1, 4, 15, tzinfo=UTC)
DUE = date(2026, 11, 16)


def _credit_order(db, buyer, placed=PLACED):
    order = make_order(db, buyer, payment_method="credit")
    order.created_at = placed
    ledger.charge_order(db, order)
    db.flush()
    return order


def _remind_on(monkeypatch, day: date, hour_utc: int = 3) -> list[str]:
    """Run the reminders job as the schedule would, with the clock frozen on `day`."""
    frozen = datetime(day.year, day.month, day.day, hour_utc, 0, tzinfo=UTC)
    monkeypatch.setattr(jobs.payments, "utcnow", lambda: frozen)
    return jobs.payments.remind_dues()


def _reminders(db, phone=PHONE) -> list[str]:
    return [m.body for m in sent(db, phone) if m.meta.get("kind") == "payment_due"]


def test_reminders_go_on_their_days_each_once(db, chat_app, catalog, khalti, monkeypatch):
    buyer = shopkeeper(db, PHONE, credit_limit=Decimal("50000"))
    number = _credit_order(db, buyer).number
    db.commit()
    assert "dues_reminders" in [p.name for p in periodic_job_definitions()]
    sent_on = {}
    for offset in range(-4, 7):
        day = DUE + timedelta(days=offset)
        sent_on[offset] = _remind_on(monkeypatch, day) + _remind_on(monkeypatch, day, 15)
    assert {k: v for k, v in sent_on.items() if v} == {
        -1: [f"{number}@-1"], 0: [f"{number}@0"], 3: [f"{number}@3"]}
    before, today, late = _reminders(db)
    assert before.startswith(f"Reminder: Rs 1,934.50 for order #{number} is due "
                             "tomorrow (2026-11-16).")
    assert f"PAY {number}" in before  # Khalti is configured: pay from the reminder
    assert "is due today (2026-11-16)" in today
    assert "was due on 2026-11-16, 3 days ago" in late
    assert [r.stage for r in db.scalars(select(DueReminder).order_by(DueReminder.id))] == [
        -1, 0, 3]


def test_the_days_and_terms_are_settings(db, chat_app, catalog, monkeypatch):
    chat_app.config.update(PAYMENT_DUE_DAYS=7, PAYMENT_REMINDER_DAYS="0, 1")
    buyer = shopkeeper(db, PHONE, credit_limit=Decimal("50000"))
    number = _credit_order(db, buyer).number
    db.commit()
    due = date(2026, 11, 8)
    assert _remind_on(monkeypatch, due - timedelta(days=1)) == []
    assert _remind_on(monkeypatch, due) == [f"{number}@0"]
    assert _remind_on(monkeypatch, due + timedelta(days=1)) == [f"{number}@1"]
    assert "Please pay your vendor or our staff" in _reminders(db)[0]  # no provider set


@pytest.mark.parametrize("why", ["stop", "flag", "paid", "cash_on_delivery"])
def test_no_reminder_when_stopped_turned_off_or_nothing_owed(db, chat_app, catalog,
                                                             monkeypatch, client, why):
    buyer = shopkeeper(db, PHONE, credit_limit=Decimal("50000"))
    order = _credit_order(db, buyer)
    if why == "flag":
        buyer.payment_reminders = False
    elif why == "paid":
        ledger.record_payment(db, buyer, order.total, method="cash", order=order)
    elif why == "cash_on_delivery":
        order.payment_method = "cod"
    db.commit()
    if why == "stop":
        whatsapp(client, PHONE, "STOP")
    assert _remind_on(monkeypatch, DUE) == []
    assert _reminders(db) == []


def test_balance_through_the_chat_in_three_languages(db, client, chat_app, catalog, khalti,
                                                     monkeypatch):
    buyer = shopkeeper(db, PHONE, credit_limit=Decimal("5000"))
    first = _credit_order(db, buyer)
    cod = make_order(db, buyer)  # cash on delivery, not on the account
    ledger.record_payment(db, buyer, Decimal("500"), method="cash")
    db.commit()

    whatsapp(client, PHONE, "balance")
    reply = last_reply(db, PHONE)
    assert "You owe Rs 1,434.50." in reply
    assert "Credit limit Rs 5,000.00: Rs 3,565.50 left to use." in reply
    assert f"• #{first.number}: Rs 1,434.50, due 2026-11-16" in reply
    assert f"• #{cod.number}: Rs 1,934.50" in reply
    assert "Rs 500.00 (cash)" in reply

    whatsapp(client, PHONE, "language ne")
    for word in ("khata", "बाँकी"):
        whatsapp(client, PHONE, word)
        reply = last_reply(db, PHONE)
        assert reply.startswith("तपाईंको खाता:") and "रु 1,434.50 बाँकी छ" in reply
    whatsapp(client, PHONE, "bhasa hindi")
    whatsapp(client, PHONE, "hisab")
    assert "आपका रु 1,434.50 बकाया है।" in last_reply(db, PHONE)


def test_pay_with_no_provider_configured_says_so(db, client, chat_app, catalog):
    buyer = shopkeeper(db, PHONE, credit_limit=Decimal("5000"))
    _credit_order(db, buyer)
    db.commit()
    whatsapp(client, PHONE, "pay")
    assert "Paying online is not available yet" in last_reply(db, PHONE)
