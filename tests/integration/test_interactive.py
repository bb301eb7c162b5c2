"""Buttons and long messages, end to end: drafts carry confirm/cancel buttons made
once through the Content API, a tap answers like typing, long replies arrive in parts, SMS gets
plain text, and a Content API failure still leaves a usable plain message."""
from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import select

from market.channels.interactive import MAX_INTERACTIVE_BODY, split_body
from market.db import db
from market.models import OUTBOUND, Conversation, Message, Order
from tests.integration.test_buyer_conversation import ANNAPURNA_PHONE, PHONE, Buyer_, register

pytestmark = pytest.mark.integration

# Twenty-odd lines of a Kathmandu shop's weekly order: the priced draft runs past 1,600
# characters.
LONG_ORDER = ", ".join([
    "1 bora chamal", "1 bora basmati", "5 kg masoor dal", "5 kg moong dal", "5 kg chana dal",
    "5 kg toor dal", "5 kg urad dal", "10 kg chini", "dhara 5 ltr x4", "dhara 1 ltr x12",
    "fortune soyabean oil 1 l x12", "tata salt 1 kg x10", "tokla tea 500 g x6",
    "wai wai chicken x30", "rara noodles x30", "maggi 70 g x24", "parle g 100 g x24",
    "good day 100 g x12", "turmeric 200 g x5", "red chilli powder 200 g x5", "lux soap x12",
    "lifebuoy soap x12", "surf excel 1 kg x6", "wheel detergent 1 kg x6", "matchbox x20",
])


def latest(stack: Any, phone: str = PHONE) -> Any:
    return stack.twilio.to(f"whatsapp:{phone}")[-1]


def settle(stack: Any, phone: str = PHONE) -> None:
    """Wait until nothing more arrives for the buyer for a moment (all parts are in)."""
    count, quiet_since = -1, time.time()
    deadline = time.time() + 30
    while time.time() < deadline:
        now = len(stack.twilio.to(f"whatsapp:{phone}"))
        if now != count:
            count, quiet_since = now, time.time()
        elif time.time() - quiet_since > 1.0:
            return
        time.sleep(0.05)


def orders_of(stack: Any, phone: str = PHONE) -> list[tuple[str, str]]:
    with stack.app.app_context():
        rows = db.session.scalars(select(Order).join(Order.buyer)
                                  .where(Order.buyer.has(phone=phone))).all()
        return [(o.number, o.status) for o in rows]


def test_draft_buttons_are_made_once_and_a_tap_confirms(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    buyer = Buyer_(stack)

    draft = buyer.say("chini 10 kg, 1 bora chamal")
    assert "Grand total" in draft and "1. Yes, place order" in draft
    first = latest(stack)
    assert first.params["ContentSid"].startswith("HX") and "Body" not in first.params
    assert first.options == ["Yes, place order", "No, drop it"]
    [template] = stack.twilio.contents.values()
    assert template["language"] == "en"
    assert [a["id"] for a in template["types"]["twilio/quick-reply"]["actions"]] == ["1", "2"]
    assert template["types"]["twilio/text"]["body"] == "{{1}}"

    # The buyer taps "Yes, place order": Twilio sends the title as Body with the payload.
    placed = buyer.say("Yes, place order", ButtonText="Yes, place order", ButtonPayload="1")
    assert "Order placed" in placed
    assert [status for _, status in orders_of(stack)] == ["pending"]
    assert "Body" in latest(stack).params  # the confirmation has no choices, so no buttons

    buyer.say("chini 5 kg")
    second = latest(stack)
    assert second.params["ContentSid"] == first.params["ContentSid"]
    assert len(stack.twilio.contents) == 1  # one template serves every draft


def test_a_tapped_cancel_drops_the_draft(stack):
    stack.load_catalog()
    register(stack, phone="+9779812340002")
    stack.start_worker()
    buyer = Buyer_(stack, "+9779812340002")
    buyer.say("chini 10 kg")
    # The payload decides, not the words that come with it.
    buyer.say("ok", ButtonText="No, drop it", ButtonPayload="2")
    buyer.say("ho")  # nothing waits to be confirmed any more
    assert orders_of(stack, "+9779812340002") == []


def test_a_long_draft_arrives_in_parts_in_order(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    buyer = Buyer_(stack)
    buyer.say(LONG_ORDER, expect=2)
    settle(stack)
    parts = stack.twilio.to(f"whatsapp:{PHONE}")
    assert len(parts) >= 2
    assert all(len(p.body) <= 1600 for p in parts)
    assert parts[0].body.startswith("Your order")
    # Only the last part carries the buttons.
    assert [bool(p.params.get("ContentSid")) for p in parts] == [False] * (len(parts) - 1) + [True]
    assert parts[-1].options == ["Yes, place order", "No, drop it"]
    with stack.app.app_context():
        # Each part is a message of its own, sent once with its own sid.
        stored = [(m.body, m.provider_id, m.status) for m in db.session.scalars(
            select(Message).join(Conversation).where(
                Conversation.address == PHONE, Message.direction == OUTBOUND)
            .order_by(Message.id))]
    assert [(p.body, p.sid, "queued") for p in parts] == stored
    assert sum(len(body) for body, _, _ in stored) > 1600
    whole = "\n".join(body for body, _, _ in stored)
    assert split_body(whole, last_limit=MAX_INTERACTIVE_BODY) == [p.body for p in parts]

    buyer.say("yes")
    assert len(orders_of(stack)) == 3  # one order per vendor


def test_sms_gets_numbered_text_without_buttons(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    status, _ = stack.sms(PHONE, "chini 10 kg")
    assert status == 200
    [reply] = stack.wait(lambda: [m for m in stack.twilio.messages if m.to == PHONE],
                         what="the SMS draft")
    assert "1. Yes, place order" in reply.body and "2. No, drop it" in reply.body
    assert "ContentSid" not in reply.params and not stack.twilio.contents
    stack.sms(PHONE, "1")
    stack.wait(lambda: orders_of(stack), what="the order typed by SMS")


def test_content_api_failure_falls_back_to_plain_text(stack):
    stack.load_catalog()
    register(stack)
    stack.twilio.fail_content(1)
    stack.start_worker()
    buyer = Buyer_(stack)
    draft = buyer.say("chini 10 kg")
    plain = latest(stack)
    assert "ContentSid" not in plain.params and not stack.twilio.contents
    assert draft.endswith("1. Yes, place order\n2. No, drop it")
    assert "Order placed" in buyer.say("1")

    buyer.say("chini 5 kg")  # the failure was not remembered: the next draft has buttons
    assert latest(stack).options == ["Yes, place order", "No, drop it"]


def test_vendor_alert_by_sms_is_plain_and_whole(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    buyer = Buyer_(stack)
    buyer.say("chini 10 kg")
    buyer.say("yes")
    alerts = stack.wait(lambda: [m for m in stack.twilio.messages if m.to == ANNAPURNA_PHONE],
                        what="Annapurna's SMS alert")
    assert all("ContentSid" not in m.params and len(m.body) <= 1600 for m in alerts)
