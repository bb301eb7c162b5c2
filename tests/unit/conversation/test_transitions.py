"""The buyer's states move only as BUYER_TRANSITIONS declares: every move seen while many
conversations are played (hypothesis draws them) is in the table, every state the table
names has a handler, and the check sees a move the table lacks."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from conversation import Context, Event, State
from conversation import buyer as b
from conversation.types import OrderFacts, ReorderLine
from parsers import ParsedItem, ParseResult
from tests.unit.conversation.chat import Chat

ORDER = "2 bora chamal, dhara 5 ltr x4, chini 10 kg"
COKE = ParseResult(items=[ParsedItem("COKE-500", 2, "carton", 0.6, "2 peti coke",
                                     ("COKE-2L",))])
MESSAGES = [
    # orders, unknown items and edits
    ORDER, "chini 10 kg", "chini 10 kg, iphone charger 2 pcs", "cement 50 bora", "sugar 20 kg",
    "add 2 peti coke", "add 1 bora chamal", "remove oil", "remove 2", "remove maggi",
    "hatau chini",
    # answers
    "yes", "no", "ho", "nahi", "0", "1", "2", "3", "5",
    # commands
    "help", "status", "status 1001", "status 999", "cancel", "cancel 1001", "cancel 1002",
    "reorder", "language ne", "english", "agent", "quote", "quote cement",
    "chini ko rate kati", "accept quote 2", "stop", "start",
    # onboarding answers and small talk
    "Ram Kirana", "ktm", "Delhi", "namaste", "thanks", "asdf qwerty", "",
]
PHOTOS = st.tuples(st.just("photo"), st.sampled_from(["", "chini 10 kg", "happy birthday"]),
                   st.sampled_from(["", "help", "2 bora chamal"]),
                   st.sampled_from([(), ("too_large",)]))
STEPS = st.one_of(
    st.tuples(st.just("say"), st.sampled_from(MESSAGES)),
    st.tuples(st.just("tap"), st.sampled_from(["1", "2", "3"])),
    st.just(("unsure",)),  # the parser is unsure: a question with numbered choices
    PHOTOS,
    st.tuples(st.just("tick"), st.integers(min_value=1, max_value=30)),
    st.just(("registered",)),  # staff register the buyer, maybe mid-onboarding
)
STARTS = {
    "new": lambda: Chat(party={"id": 1}),
    "new, with a profile name": lambda: Chat(party={"id": 1, "profile_name": "Ram K"}),
    "registered": lambda: Chat.registered(),
    "registered, in Nepali": lambda: Chat.registered(language="ne"),
}


def play(chat: Chat, step: tuple[Any, ...]) -> None:
    """One step of a conversation: a message, a tap, a photo, a timer, or staff's doing."""
    kind = step[0]
    if kind == "say":
        chat.send(step[1])
    elif kind == "tap":
        chat.send("button", ButtonPayload=step[1])
    elif kind == "unsure":
        chat.send("2 peti coke", parsed=COKE)
    elif kind == "photo":
        _, read, caption, errors = step
        chat.now += timedelta(seconds=5)
        chat.run(Event(kind="text" if caption else "image", now=chat.now, text=caption,
                       media_count=1, ocr_text=read, media_errors=errors))
    elif kind == "tick":
        chat.tick(timedelta(hours=step[1]))
    else:
        chat.party["registered_by_staff"] = True


def declared(before: str, after: str) -> bool:
    return after == before or after in b.BUYER_TRANSITIONS[before]


@settings(max_examples=150, deadline=None)
@given(start=st.sampled_from(sorted(STARTS)), steps=st.lists(STEPS, max_size=14))
def test_every_move_of_any_conversation_is_declared(start, steps):
    chat = STARTS[start]()
    chat.orders = [OrderFacts(number="1001", status="pending", vendor="Annapurna Traders",
                              total=Decimal("972.10")),
                   OrderFacts(number="1002", status="dispatched", vendor="Himal",
                              total=Decimal("1348.32"))]
    chat.last_order_lines = [ReorderLine("SUGAR", 60.0)]
    moves = []
    for step in steps:
        before = chat.state.name
        play(chat, step)
        moves.append((before, chat.state.name))
    assert [move for move in moves if not declared(*move)] == []


def test_every_state_of_the_table_has_a_handler_and_every_handler_a_row():
    named = set(b.BUYER_TRANSITIONS).union(*b.BUYER_TRANSITIONS.values())
    handled = set(b.ONBOARDING_STEPS) | set(b.STATES)
    assert named == handled == set(b.BUYER_TRANSITIONS)
    assert set(b.ONBOARDING_STEPS) == set(b.ONBOARDING) and set(b.STATES) == b.ORDERING


def test_a_buyer_registered_mid_onboarding_orders_at_once():
    chat = Chat(party={"id": 1})
    chat.send("namaste")
    assert chat.state.name == "ask_name"
    chat.party["registered_by_staff"] = True
    chat.send(ORDER)
    assert chat.state.name == "draft"  # ask_name -> draft: declared


def test_a_state_the_table_lacks_is_handled_as_idle():
    chat = Chat.registered()
    chat.state = State(name="retired_state", language="en")
    chat.send(ORDER)
    assert chat.state.name == "draft"


def test_the_check_sees_an_undeclared_move(monkeypatch):
    def back_to_onboarding(state: State, event: Event, ctx: Context) -> b.Result:
        return replace(state, name="ask_town"), []

    monkeypatch.setitem(b.STATES, "idle", back_to_onboarding)
    chat = Chat.registered()
    chat.state = State(name="idle", language="en")
    chat.send("namaste")
    assert not declared("idle", chat.state.name)


def test_a_buyer_no_longer_onboarded_is_asked_again_not_failed():
    chat = Chat(party={"id": 1})
    chat.state = State(name="draft", language="en")
    replies = chat.send("2 bora chamal")
    assert chat.state.name == "ask_name" and replies
