"""What vendors write is understood, in English, Nepali and Hindi."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conversation import Context, Event, Reply, State, handle
from conversation.actions import AnswerOrder, SubmitQuote, UnlockLead
from conversation.texts_vendor import VENDOR_TEXTS

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
VENDOR = Context(role="vendor", channel="sms", party={"code": "V-1", "name": "Annapurna"})


def run(text: str, language: str | None = None):
    return handle(State(language=language), Event(kind="text", now=NOW, text=text), VENDOR)


@pytest.mark.parametrize("text, status", [
    ("accept 1042", "accepted"), ("ACCEPT 1042", "accepted"), ("Accept order no. 1042", "accepted"),
    ("swikar 1042", "accepted"), ("thik cha 1042", "accepted"), ("1042 manjur", "accepted"),
    ("स्वीकार १०४२", "accepted"),
    ("dispatch 1042", "dispatched"), ("pathaye 1042", "dispatched"),
    ("1042 bhej diya", "dispatched"), ("भेजा 1042", "dispatched"),
    ("delivered 1042", "delivered"), ("1042 pugyo", "delivered"),
    ("1042 deliver bhayo", "delivered"),
    ("पुग्यो १०४२", "delivered"),
])
def test_order_answers_in_three_languages(text, status):
    _, actions = run(text)
    assert actions == [AnswerOrder(number="1042", to_status=status)]


@pytest.mark.parametrize("text, reason", [
    ("reject 1042 out of stock", "out of stock"),
    ("radda 1042 maal chaina", "maal chaina"),
    ("1042 asweekar stock sakiyo", "stock sakiyo"),
    ("reject 1042", None),
])
def test_reject_keeps_the_reason(text, reason):
    _, actions = run(text)
    assert actions == [AnswerOrder(number="1042", to_status="rejected", reason=reason)]


def test_unlock_and_quote():
    assert run("unlock R12")[1] == [UnlockLead("R12")]
    assert run("khol r-12")[1] == [UnlockLead("R12")]
    _, actions = run("quote R12 1850 per sack, delivery tomorrow")
    assert actions == [SubmitQuote(rfq_number="R12", price="1850", unit="sack",
                                   terms="delivery tomorrow")]
    _, actions = run("QUOTE r12 Rs 1,850.50/bora Delivery Friday")
    assert actions == [SubmitQuote(rfq_number="R12", price="1850.50", unit="sack",
                                   terms="Delivery Friday")]
    _, actions = run("rate R7 ९५०")
    assert actions == [SubmitQuote(rfq_number="R7", price="950")]


def test_unreadable_quote_explains_the_format():
    _, actions = run("quote R12 cheap")
    assert len(actions) == 1 and isinstance(actions[0], Reply)
    assert "QUOTE R12 1850 per sack" in actions[0].text


def test_anything_else_gets_the_vendor_help_in_the_vendors_language():
    for text in ("hello", "help", "accept", "1042"):
        _, actions = run(text)
        assert [type(a) for a in actions] == [Reply]
        assert "ACCEPT <n>" in actions[0].text
    _, actions = run("help", language="ne")
    assert "स्वीकार" in actions[0].text


def test_vendor_can_choose_a_language():
    state, actions = run("language hindi")
    assert state.language == "hi"
    assert "हिंदी" in actions[0].text


def test_every_text_exists_in_three_languages_with_the_same_placeholders():
    import string

    for key, by_language in VENDOR_TEXTS.items():
        assert set(by_language) == {"en", "ne", "hi"}, key
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(t) if f}
                  for lang, t in by_language.items()}
        assert fields["ne"] == fields["en"] == fields["hi"], key


def test_a_photo_gets_help_and_a_timer_gets_nothing():
    _, actions = handle(State(), Event(kind="image", now=NOW, media_count=1), VENDOR)
    assert "ACCEPT <n>" in actions[0].text
    assert handle(State(), Event(kind="timer", now=NOW), VENDOR) == (State(), [])
