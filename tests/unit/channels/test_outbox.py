"""The outbox against the fake Twilio, jobs run inline: long replies queued as parts that each
leave once and in order, and a row tried before that asks Twilio before it is sent again."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from market.channels import OutboundMessage, adapter_for
from market.channels.interactive import MAX_INTERACTIVE_BODY, split_body
from market.channels.twilio import ContentCache
from market.db import utcnow
from market.messaging import queue_outbound, record_status, say
from market.models import OUTBOUND, Conversation, Message, Outbox
from market.tasks import SEND_JOB, enqueue
from tests.fakes.twilio import FakeTwilio

PHONE = "+9779812370001"
OPTIONS = ("Yes, place order", "No, drop it")
LONG = "\n".join(f"{i}. Sugar: 10 kg × Rs 97.21/kg = Rs 972.10 (2% volume discount)"
                 for i in range(1, 61)) + "\nTotal Rs 58,326.00\n1. Yes, place order\n2. No"


@pytest.fixture
def twilio(app: Any, db: Any) -> Iterator[FakeTwilio]:
    """The app sending through a fake Twilio."""
    ContentCache._memory.clear()
    with FakeTwilio() as fake:
        app.config.update(TWILIO_ACCOUNT_SID=fake.account_sid, TWILIO_AUTH_TOKEN=fake.auth_token,
                          TWILIO_API_BASE_URL=fake.url, TWILIO_WHATSAPP_NUMBER="+9779800000000",
                          TWILIO_SMS_NUMBER="+9779800000001")
        yield fake


@pytest.fixture
def conv(db: Any) -> Conversation:
    conversation = Conversation(channel="whatsapp", address=PHONE)
    db.add(conversation)
    db.flush()
    return conversation


def outbound(db: Any, conv: Conversation) -> list[Message]:
    """The conversation's outbound rows as the jobs left them."""
    db.expire_all()
    return list(db.scalars(select(Message).where(Message.conversation_id == conv.id,
                                                 Message.direction == OUTBOUND)
                           .order_by(Message.id)))


def tried_before(db: Any, conv: Conversation, body: str, **outbox: Any) -> Message:
    """A row whose send was claimed long ago by a worker that then died."""
    message = Message(conversation_id=conv.id, direction=OUTBOUND, channel="whatsapp",
                      body=body, media=[], meta={}, status="sending")
    message.outbox = Outbox(next_attempt_at=utcnow() - timedelta(hours=1), attempts=1,
                            claimed_at=utcnow() - timedelta(hours=1),
                            created_at=utcnow() - timedelta(hours=1), **outbox)
    db.add(message)
    db.commit()
    return message


def twilio_took(body: str) -> str:
    """Twilio accepts `body` for the buyer (the worker that sent it never stored the sid)."""
    return adapter_for("whatsapp").send(OutboundMessage(id=0, to=PHONE, body=body)).provider_id


def test_a_long_reply_is_queued_as_parts_each_sent_once_in_order(db, twilio, conv):
    first = say(db, conv, LONG, options=OPTIONS)
    db.commit()
    rows = outbound(db, conv)
    assert rows[0].id == first.id and len(rows) >= 3
    assert [r.body for r in rows] == split_body(LONG, last_limit=MAX_INTERACTIVE_BODY)
    assert [r.meta.get("options") for r in rows] == [None] * (len(rows) - 1) + [list(OPTIONS)]
    assert [r.meta["reply"] for r in rows] == [first.id] * len(rows)
    assert [m.body for m in twilio.messages] == [r.body for r in rows]
    assert [r.provider_id for r in rows] == [m.sid for m in twilio.messages]
    assert twilio.messages[-1].options == list(OPTIONS)


def test_a_short_reply_stays_one_row(db, twilio, conv):
    say(db, conv, "Total Rs 972.10", options=OPTIONS)
    db.commit()
    [row] = outbound(db, conv)
    assert row.meta == {"options": list(OPTIONS)} and row.provider_id == twilio.messages[0].sid


def test_a_send_twilio_already_has_is_recorded_and_not_sent_again(db, twilio, conv):
    message = tried_before(db, conv, "Your order 1001 is on its way")
    sid = twilio_took("Your order 1001 is on its way")
    enqueue(SEND_JOB, message.id)
    db.refresh(message)
    assert [m.sid for m in twilio.messages] == [sid]
    assert message.provider_id == sid and message.status == "sent"
    assert message.outbox.done and message.outbox.attempts == 2


def test_a_send_twilio_never_got_is_sent(db, twilio, conv):
    message = tried_before(db, conv, "Your order 1001 is on its way")
    enqueue(SEND_JOB, message.id)
    db.refresh(message)
    [sent] = twilio.messages
    assert message.provider_id == sent.sid and message.status == "queued"


def test_the_same_words_sent_on_purpose_before_are_not_taken_for_this_send(db, twilio, conv):
    earlier = queue_outbound(db, conv, "Thank you!")
    db.commit()
    message = tried_before(db, conv, "Thank you!")
    enqueue(SEND_JOB, message.id)
    db.refresh(message)
    db.refresh(earlier)
    assert len(twilio.messages) == 2
    assert [earlier.provider_id, message.provider_id] == [m.sid for m in twilio.messages]


def test_a_sid_a_status_callback_stored_settles_a_stale_send(db, twilio, conv):
    message = tried_before(db, conv, "Your order 1001 is on its way")
    record_status(db, "delivered", message_id=message.id, provider_id="SM" + "c" * 32)
    db.commit()
    enqueue(SEND_JOB, message.id)
    db.refresh(message)
    assert twilio.messages == []
    assert message.status == "delivered" and message.outbox.done


def test_a_row_too_long_for_the_channel_is_cut_when_it_is_sent(db, twilio, conv):
    # Queued whole (before bodies were cut when queued, or for Meta's longer limit).
    message = Message(conversation_id=conv.id, direction=OUTBOUND, channel="whatsapp",
                      body=LONG, media=[], meta={"options": list(OPTIONS)}, status="pending")
    message.outbox = Outbox(next_attempt_at=utcnow())
    db.add(message)
    db.commit()
    enqueue(SEND_JOB, message.id)
    rows = outbound(db, conv)
    assert [r.body for r in rows] == split_body(LONG, last_limit=MAX_INTERACTIVE_BODY)
    assert [m.body for m in twilio.messages] == [r.body for r in rows]
    assert [r.provider_id for r in rows] == [m.sid for m in twilio.messages]
    assert twilio.messages[-1].options == list(OPTIONS)


def test_the_rest_of_a_reply_fails_with_its_part_that_failed_for_good(db, twilio, conv):
    twilio.fail_next(1, status=400, code=21211, message="The 'To' number is not valid.")
    say(db, conv, LONG, options=OPTIONS)
    db.commit()
    rows = outbound(db, conv)
    assert twilio.messages == [] and len(rows) >= 3
    assert [r.status for r in rows] == ["failed"] * len(rows)
    assert [r.error_code for r in rows] == ["21211"] + ["part_failed"] * (len(rows) - 1)
    assert all(r.outbox.done for r in rows)


def test_later_parts_wait_for_an_earlier_part_to_be_retried(db, twilio, conv):
    twilio.fail_next(1, status=503, code=20503, message="Service unavailable")
    say(db, conv, LONG, options=OPTIONS)
    db.commit()
    rows = outbound(db, conv)
    assert twilio.messages == []
    assert [r.status for r in rows] == ["pending"] * len(rows)
    assert {r.outbox.next_attempt_at for r in rows} == {rows[0].outbox.next_attempt_at}
    assert rows[0].outbox.next_attempt_at > utcnow()

    for row in rows:  # the backoff is over
        row.outbox.next_attempt_at = utcnow()
    db.commit()
    enqueue(SEND_JOB, rows[0].id)
    rows = outbound(db, conv)
    assert [m.body for m in twilio.messages] == [r.body for r in rows]
    assert [r.outbox.attempts for r in rows] == [2] + [1] * (len(rows) - 1)
