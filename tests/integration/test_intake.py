"""Messages in, replies out, never lost — through the signed webhook, real services."""
from __future__ import annotations

import concurrent.futures
import time
import uuid

from sqlalchemy import func, select

from market.db import db
from market.models import INBOUND, OUTBOUND, Message

PHONE = "+9779812345678"


def count(direction: str, phone: str = PHONE) -> int:
    from market.models import Conversation

    return db.session.scalar(
        select(func.count(Message.id)).join(Conversation)
        .where(Message.direction == direction, Conversation.address == phone)
    ) or 0


def test_signed_message_gets_exactly_one_reply(stack):
    stack.start_worker()
    status, body = stack.whatsapp(PHONE, "help")
    assert status == 200 and "<Response" in body
    sent = stack.twilio.wait_for(1)
    assert len(sent) == 1
    assert sent[0].to == f"whatsapp:{PHONE}"
    assert sent[0].from_ == "whatsapp:+9779800000000"
    assert "order" in sent[0].body.lower()
    time.sleep(1.0)  # nothing more arrives later
    assert len(stack.twilio.messages) == 1


def test_forged_signature_is_refused_and_nothing_is_stored(stack):
    status, _ = stack.post_signed(
        "/webhooks/twilio/whatsapp",
        {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{PHONE}", "Body": "help"},
        signature="bm90IGEgc2lnbmF0dXJl")
    assert status == 403
    status, _ = stack.post_signed(
        "/webhooks/twilio/whatsapp",
        {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{PHONE}", "Body": "help"},
        signature="")
    assert status == 403
    with stack.app.app_context():
        assert count(INBOUND) == 0
        assert db.session.scalar(select(func.count(Message.id))) == 0


def test_same_sid_posted_20_times_at_once_is_one_message_and_one_reply(stack):
    stack.start_worker()
    sid = "SM" + uuid.uuid4().hex
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: stack.whatsapp(PHONE, "help", sid=sid), range(20)))
    assert [status for status, _ in results] == [200] * 20
    stack.twilio.wait_for(1)
    time.sleep(1.5)
    assert len(stack.twilio.messages) == 1
    with stack.app.app_context():
        assert count(INBOUND) == 1
        assert count(OUTBOUND) == 1


def test_status_callback_updates_the_message(stack):
    stack.twilio.callback_statuses = ("sent", "delivered", "read")
    stack.start_worker()
    stack.whatsapp(PHONE, "help")

    def read_status():
        message = db.session.scalar(select(Message).where(Message.direction == OUTBOUND))
        return message if message is not None and message.status == "read" else None

    message = stack.wait(read_status, what="the reply to be read")
    assert message.provider_id == stack.twilio.messages[0].sid


def test_failed_status_keeps_the_provider_error_code(stack):
    stack.twilio.callback_statuses = ("sent", "undelivered")
    stack.start_worker()
    stack.whatsapp(PHONE, "help")

    def undelivered():
        message = db.session.scalar(select(Message).where(Message.direction == OUTBOUND))
        return message if message is not None and message.status == "undelivered" else None

    message = stack.wait(undelivered, what="the undelivered callback")
    assert message.error_code == "63016"


def test_stop_silences_a_number_until_start(stack):
    stack.start_worker()
    stack.whatsapp(PHONE, "STOP")
    stack.twilio.wait_for(1)
    assert "START" in stack.twilio.messages[0].body
    stack.whatsapp(PHONE, "help")
    stack.whatsapp(PHONE, "2 bora chamal")
    stack.wait(lambda: count(INBOUND) == 3 and db.session.scalar(
        select(func.count(Message.id)).where(Message.processed_at.is_(None),
                                             Message.direction == INBOUND)) == 0,
        what="all three messages processed")
    time.sleep(0.5)
    assert len(stack.twilio.messages) == 1
    stack.whatsapp(PHONE, "start")
    sent = stack.twilio.wait_for(2)
    assert len(sent) == 2 and "welcome back" in sent[1].body.lower()
