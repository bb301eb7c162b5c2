"""conversation.handle never raises, whatever arrives: random text in any script (orders,
questions, complaints, noise), photos with random OCR text, taps, timers, a parse that names
SKUs the catalog lacks, for buyers and vendors in any state. A raise here loses the buyer's
whole message to a generic apology, so hypothesis draws the events."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conversation import Context, Event, State, handle
from conversation import buyer as b
from conversation.actions import Action
from parsers import ParsedItem, ParseResult
from tests.unit.conversation.chat import START, Chat

PHRASES = ["2 bora chamal, dhara 5 ltr x4, chini 10 kg", "chini 5 kg... sorry, 2 kg only",
           "hijo ko dudh phuteko thiyo", "is maggi in stock? if yes send 2 cartons", "छ 0",
           "yes", "no", "1", "3", "agent", "help", "remove oil", "quote", "ruchi soya oil 2",
           "कल वाले ऑर्डर में मैगी की 2 पेटी खराब निकली", "चिनीको भाउ कति?", "🙏", "?", ""]
TEXTS = st.one_of(
    st.sampled_from(PHRASES),
    st.text(max_size=120),
    st.lists(st.one_of(st.sampled_from(PHRASES), st.text(max_size=6)), max_size=6)
    .map(" ".join),
    st.text(alphabet=st.characters(min_codepoint=0x0900, max_codepoint=0x097F), max_size=40),
)
STATES = st.sampled_from(sorted(b.BUYER_TRANSITIONS))
# A parse as an LLM or an older parser might hand over: unknown SKUs, odd units and intents.
PARSES = st.builds(
    ParseResult,
    items=st.lists(st.builds(ParsedItem, sku=st.sampled_from(["SUGAR", "COKE-500", "NOPE", ""]),
                             quantity=st.floats(min_value=0.001, max_value=1e6),
                             unit=st.sampled_from([None, "kg", "carton", "banana"]),
                             confidence=st.floats(min_value=0, max_value=1),
                             alternatives=st.lists(st.sampled_from(["COKE-2L", "X"]),
                                                   max_size=2).map(tuple)),
                   max_size=3),
    unmatched=st.lists(st.text(max_size=20), max_size=2),
    intent=st.sampled_from(["order", "question", "complaint", "greeting", "other", "??"]),
    asked=st.lists(st.sampled_from(["SUGAR", "MAGGI-70", "NOPE"]), max_size=3),
)
STEPS = st.one_of(
    st.tuples(st.just("say"), TEXTS),
    st.tuples(st.just("parsed"), TEXTS, PARSES),
    st.tuples(st.just("photo"), TEXTS, TEXTS),
    st.tuples(st.just("tap"), st.text(max_size=4)),
    st.tuples(st.just("tick"), st.integers(min_value=0, max_value=48)),
)


def play(chat: Chat, step: tuple) -> list[Action]:
    kind = step[0]
    if kind == "say":
        return chat.send(step[1])
    if kind == "parsed":
        return chat.send(step[1], parsed=step[2])
    if kind == "photo":
        chat.now += timedelta(seconds=5)
        return chat.run(Event(kind="image", now=chat.now, text=step[2], media_count=1,
                              ocr_text=step[1]))
    if kind == "tap":
        return chat.send("button", ButtonPayload=step[1])
    return chat.tick(timedelta(hours=step[1]))


@settings(max_examples=120, deadline=None)
@given(registered=st.booleans(), language=st.sampled_from([None, "en", "ne", "hi"]),
       start=STATES, steps=st.lists(STEPS, max_size=8))
def test_the_buyer_engine_never_raises(registered, language, start, steps):
    chat = Chat.registered(language=language) if registered else Chat(party={"id": 3})
    chat.state = State(name=start, language=language)
    for step in steps:
        actions = play(chat, step)
        assert isinstance(actions, list)
        assert chat.state.name in b.BUYER_TRANSITIONS


@settings(max_examples=60, deadline=None)
@given(text=TEXTS, opted_out=st.booleans(), kind=st.sampled_from(["text", "image", "timer"]))
def test_the_vendor_side_and_opted_out_numbers_never_raise(text, opted_out, kind):
    state, actions = handle(State(name="idle", opted_out=opted_out),
                            Event(kind=kind, now=START, text=text),
                            Context(role="vendor", party={"code": "V-X", "name": "X"}))
    assert isinstance(state, State) and isinstance(actions, list)
