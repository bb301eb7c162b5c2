"""A message that names products without ordering them: a price or stock question is answered
from the listings, a complaint about a delivery goes to staff. Neither becomes a draft."""
from __future__ import annotations

from datetime import timedelta

import pytest

from conversation.actions import Reply
from conversation.texts import text
from tests.unit.conversation.chat import Chat

COMPLAINTS = [
    ("en", "yesterday's coke delivery had 3 broken bottles, please check"),
    ("ne", "hijo ko dudh 2 crate aayo tara 5 packet phuteko thiyo"),
    ("hi", "कल वाले ऑर्डर में मैगी की 2 पेटी खराब निकली"),
]


@pytest.mark.parametrize(("language", "said"), COMPLAINTS)
def test_a_complaint_goes_to_staff_and_orders_nothing(language: str, said: str) -> None:
    chat = Chat.registered(language=language)
    assert chat.said(said) == text("complaint_staff", language)
    assert chat.state.draft is None and chat.state.name == "idle"
    assert chat.state.handoff_until == chat.now + timedelta(hours=12)
    # Staff have it now: the bot stays out until the hand-over ends, as after `agent`.
    assert chat.send("hello?") == []
    assert chat.replies(chat.tick(timedelta(hours=13))) == [text("agent_back", language)]


@pytest.mark.parametrize(("said", "answer"), [
    ("basmati chamal stock ma cha ki chaina?",
     "Basmati Rice: in stock, Rs 168.57 per kg (Annapurna Traders)."),
    ("is maggi available?", "Maggi Masala Noodles 70 g: in stock, Rs 22.92 per packet "
                            "(Himal Distributors)."),
    ("dhara 5 litre wala ko rate kati ho dai?",
     "Dhara Mustard Oil 5 L Jar: in stock, Rs 1,355.72 per jar (Annapurna Traders)."),
])
def test_a_price_or_stock_question_is_answered_from_the_listings(said: str, answer: str) -> None:
    chat = Chat.registered()
    assert chat.said(said) == answer
    assert chat.state.draft is None and chat.state.handoff_until is None


def test_a_question_in_nepali_is_answered_in_nepali() -> None:
    chat = Chat.registered(language="ne")
    assert chat.said("चिनीको भाउ कति छ आज?") == text(
        "stock_info", "ne", name="Sugar", price="रु 99.19", unit="केजी",
        vendor="Annapurna Traders")


def test_a_product_nobody_delivers_is_said_so() -> None:
    chat = Chat.registered(town="Pokhara")
    chat.offers = {}
    assert chat.said("sugar 50kg bag price?") == text("price_none", "en", name="Sugar",
                                                       town="Pokhara")


def test_a_question_while_a_draft_waits_keeps_the_draft() -> None:
    chat = Chat.registered()
    chat.send("chini 10 kg")
    before = chat.state.draft
    answer = chat.said("is maggi in stock?")
    assert answer.startswith("Maggi Masala Noodles 70 g: in stock")
    assert chat.state.name == "draft" and chat.state.draft == before


def test_a_question_then_an_order_in_one_message_is_an_order() -> None:
    chat = Chat.registered()
    actions = chat.send("is maggi in stock? if yes send 2 cartons")
    assert chat.state.name == "draft"
    assert [line[0] for line in chat.lines()] == ["MAGGI-70"]
    assert all(isinstance(a, Reply) for a in actions)
