"""`pay [N]` and `balance` (khata, hisab, बाँकी) in the pure engine: the words in three
languages, what the engine decides from the account facts, and what `balance` shows."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from conversation import Context, Event, State, handle
from conversation.actions import PayOrder, Reply
from conversation.commands import Command, parse_command
from conversation.types import (
    AccountFacts,
    BuyerFacts,
    BuyerProfile,
    DueFacts,
    OrderFacts,
    PaymentFacts,
)

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ORDER = OrderFacts(number="1004", status="accepted", vendor="Annapurna", total=Decimal("5813.20"))


@pytest.mark.parametrize("said, command", [
    ("pay", Command("pay")), ("PAY 1004", Command("pay", "1004")),
    ("pay #1004", Command("pay", "1004")), ("1004 pay", Command("pay", "1004")),
    ("bhuktani 1004", Command("pay", "1004")), ("भुक्तानी १००४", Command("pay", "1004")),
    ("tirnu", Command("pay")), ("भुगतान 1004", Command("pay", "1004")),
    ("bhugtan", Command("pay")), ("1004 ko bhuktani", Command("pay", "1004")),
    ("balance", Command("balance")), ("Balance?", Command("balance")),
    ("khata", Command("balance")), ("hisab", Command("balance")), ("बाँकी", Command("balance")),
    ("हिसाब", Command("balance")), ("बकाया", Command("balance")), ("baki kati", Command("balance")),
    ("pay 12", None), ("2 bora chamal", None),
])
def test_pay_and_balance_words(said, command):
    assert parse_command(said) == command


def _ctx(account: AccountFacts | None, order: OrderFacts | None = None,
         language: str = "en", currency: str = "NPR") -> Context:
    profile = BuyerProfile(id=7, name="Sita", shop="Sita Store", town="Kathmandu",
                           language=language, currency=currency, onboarded=True,
                           registered_by_staff=True)
    return Context(role="buyer", buyer=BuyerFacts(profile=profile, account=account,
                                                  order=order))


def _run(said: str, ctx: Context, state: State | None = None) -> tuple[State, list]:
    language = ctx.buyer.profile.language if ctx.buyer else "en"
    state = state or State(name="idle", language=language)
    return handle(state, Event(kind="text", now=NOW, text=said), ctx)


def _replies(actions) -> str:
    return "\n".join(a.text for a in actions if isinstance(a, Reply))


KHALTI = AccountFacts(provider="khalti")


def test_pay_for_an_order_asks_for_its_link():
    _, actions = _run("pay 1004", _ctx(replace(KHALTI, order_owed=Decimal("5813.20")), ORDER))
    assert actions == [PayOrder(number="1004", language="en")]


def test_pay_with_no_number_is_for_the_balance():
    _, actions = _run("pay", _ctx(replace(KHALTI, balance=Decimal("1200"))))
    assert actions == [PayOrder(number=None, language="en")]


@pytest.mark.parametrize("account, order, said", [
    (AccountFacts(provider=None, balance=Decimal("9")), None, "Paying online is not available"),
    (replace(KHALTI, order_owed=Decimal("0")), ORDER, "Order #1004 is paid already"),
    (KHALTI, replace(ORDER, status="cancelled"), "there is nothing to pay"),
    (KHALTI, None, "You owe nothing"),
    (replace(KHALTI, unpaid=(DueFacts("1005", Decimal("300")),)), None, "PAY 1005"),
])
def test_pay_answers_plainly_when_there_is_no_link_to_make(account, order, said):
    command = "pay 1004" if order is not None else "pay"
    _, actions = _run(command, _ctx(account, order))
    assert not [a for a in actions if isinstance(a, PayOrder)]
    assert said in _replies(actions)


def test_pay_for_an_order_that_is_not_theirs():
    _, actions = _run("pay 1099", _ctx(KHALTI, None))
    assert "1099" in _replies(actions) and not [a for a in actions if isinstance(a, PayOrder)]


def test_a_tapped_pay_button_of_a_receipt_asks_for_that_orders_link():
    state = State(name="idle", language="en", slots={"pay_offer": ["1004", "1005"]})
    ctx = _ctx(replace(KHALTI, order_owed=Decimal("5813.20")), ORDER)
    new_state, actions = handle(state, Event(kind="text", now=NOW, text="1",
                                             meta={"ButtonPayload": "1"}), ctx)
    assert actions == [PayOrder(number="1004", language="en")]
    assert "pay_offer" not in new_state.slots
    # Without an offer a bare number in idle is still "no draft".
    _, actions = _run("1", ctx)
    assert not [a for a in actions if isinstance(a, PayOrder)]


ACCOUNT = AccountFacts(
    balance=Decimal("7000"), credit_limit=Decimal("10000"), provider="khalti",
    today=date(2026, 11, 21),
    dues=(DueFacts("1001", Decimal("2000"), date(2026, 11, 18)),
          DueFacts("1003", Decimal("5000"), date(2026, 11, 21))),
    unpaid=(DueFacts("1006", Decimal("450.50")),),
    payments=(PaymentFacts(Decimal("3000"), date(2026, 11, 20), "khalti", "1001"),))


@pytest.mark.parametrize("language, said, expected", [
    ("en", "balance", ["Your account:", "You owe Rs 7,000.00.",
                       "Credit limit Rs 10,000.00: Rs 3,000.00 left to use.",
                       "• #1001: Rs 2,000.00, due 2026-11-18 (3 days late)",
                       "• #1003: Rs 5,000.00, due 2026-11-21 (today)",
                       "To pay on delivery:", "• #1006: Rs 450.50",
                       "• 2026-11-20: Rs 3,000.00 (khalti, #1001)", "Send PAY"]),
    ("ne", "khata", ["तपाईंको खाता:", "तपाईंको रु 7,000.00 बाँकी छ।",
                     "• #1001: रु 2,000.00, तिर्ने मिति 2026-11-18 (3 दिन ढिला)"]),
    ("ne", "बाँकी", ["तपाईंको खाता:", "उधारो सीमा रु 10,000.00: अझै रु 3,000.00"]),
    ("hi", "hisab", ["आपका खाता:", "आपका रु 7,000.00 बकाया है।",
                     "• #1003: रु 5,000.00, देय तिथि 2026-11-21 (आज)", "पिछले भुगतान:"]),
])
def test_balance_in_three_languages(language, said, expected):
    _, actions = _run(said, _ctx(ACCOUNT, language=language))
    reply = _replies(actions)
    for line in expected:
        assert line in reply, (line, reply)


def test_balance_of_a_buyer_who_paid_ahead_or_owes_nothing():
    ahead = _replies(_run("balance", _ctx(AccountFacts(balance=Decimal("-250"))))[1])
    assert "You have Rs 250.00 paid ahead." in ahead and "Send PAY" not in ahead
    clear = _replies(_run("balance", _ctx(AccountFacts()))[1])
    assert "You owe nothing." in clear
