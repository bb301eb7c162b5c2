"""A reply reaches the buyer once, however the worker sending it dies: killed after Twilio
took the message but before its sid was stored, killed while the request was lost on the way,
or a long reply whose second part fails once."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from market.channels.interactive import MAX_INTERACTIVE_BODY, split_body
from market.db import db, utcnow
from market.models import OUTBOUND, Conversation, Message, Outbox
from tests.integration.test_buyer_conversation import PHONE, Buyer_, register
from tests.integration.test_interactive import LONG_ORDER

pytestmark = pytest.mark.integration

ADDRESS = f"whatsapp:{PHONE}"


def replies(stack: Any) -> list[Message]:
    with stack.app.app_context():
        rows = db.session.scalars(
            select(Message).join(Conversation)
            .where(Conversation.address == PHONE, Message.direction == OUTBOUND)
            .order_by(Message.id)).all()
        db.session.expunge_all()
        return list(rows)


def settled(stack: Any, count: int | None = None) -> list[Message] | None:
    """The replies once every one of them is done with (sent with its sid, or failed)."""
    rows = replies(stack)
    done = all(r.provider_id or r.status == "failed" for r in rows)
    return rows if rows and done and (count is None or len(rows) == count) else None


def restart_after_the_claim_went_stale(stack: Any) -> None:
    """Kill the worker mid-send (SIGKILL) and start another whose sweeper finds the claim."""
    stack.kill_workers()
    stack.twilio.release()
    stack.start_worker()


def test_a_reply_twilio_took_before_the_worker_died_is_not_sent_again(stack):
    stack.env["SEND_CLAIM_TIMEOUT_SECONDS"] = "2"
    stack.twilio.hold_next(record=True)  # Twilio takes it; the answer never reaches the worker
    stack.start_worker()
    assert stack.whatsapp(PHONE, "help")[0] == 200
    assert stack.twilio.wait_held(1) == 1
    [taken] = stack.twilio.to(ADDRESS)
    restart_after_the_claim_went_stale(stack)

    [reply] = stack.wait(lambda: settled(stack, 1), what="the reply to be settled")
    assert stack.twilio.to(ADDRESS) == [taken]  # the buyer has it once
    assert reply.provider_id == taken.sid and reply.status in ("sent", "delivered")
    assert reply.body == taken.body
    with stack.app.app_context():
        outbox = db.session.scalar(select(Outbox).where(Outbox.message_id == reply.id))
        assert outbox.done and outbox.attempts == 2  # the second attempt only asked Twilio


def test_a_reply_lost_on_the_way_when_the_worker_died_is_sent_once(stack):
    stack.env["SEND_CLAIM_TIMEOUT_SECONDS"] = "2"
    stack.twilio.hold_next(record=False)  # the request never reaches Twilio
    stack.start_worker()
    assert stack.whatsapp(PHONE, "help")[0] == 200
    assert stack.twilio.wait_held(1) == 1
    assert stack.twilio.to(ADDRESS) == []
    restart_after_the_claim_went_stale(stack)

    [reply] = stack.wait(lambda: settled(stack, 1), what="the reply to be sent")
    [sent] = stack.twilio.to(ADDRESS)
    assert reply.provider_id == sent.sid and reply.body == sent.body
    assert reply.status == "queued"


def test_a_long_reply_whose_second_part_fails_once_arrives_whole_and_once(stack):
    stack.load_catalog()
    register(stack)
    stack.twilio.fail_next(1, status=503, code=20503, message="Service unavailable", after=1)
    stack.start_worker()
    buyer = Buyer_(stack)
    buyer.say(LONG_ORDER)

    def failed_once() -> bool:
        return db.session.scalar(select(Outbox.id).where(Outbox.last_error.is_not(None),
                                                         Outbox.done.is_(False))) is not None

    stack.wait(failed_once, what="the second part to fail")
    with stack.app.app_context():
        # Pull the retry forward instead of waiting out the backoff.
        db.session.execute(update(Outbox).where(Outbox.done.is_(False))
                           .values(next_attempt_at=utcnow()))
        db.session.commit()
    rows = stack.wait(lambda: settled(stack), what="every part to be sent")

    received = stack.twilio.to(ADDRESS)
    assert [m.body for m in received] == [r.body for r in rows]  # each part once, in order
    assert [m.sid for m in received] == [r.provider_id for r in rows]
    assert len(rows) >= 2 and all(r.status == "queued" for r in rows)
    # The parts are the ones the whole draft always went out as, buttons on the last.
    whole = "\n".join(r.body for r in rows)
    assert rows[0].body.startswith("Your order") and "Grand total" in whole
    assert split_body(whole, last_limit=MAX_INTERACTIVE_BODY) == [r.body for r in rows]
    assert [bool(m.params.get("ContentSid")) for m in received] == \
        [False] * (len(rows) - 1) + [True]
    assert received[-1].options == ["Yes, place order", "No, drop it"]
    with stack.app.app_context():
        attempts = db.session.scalars(select(Outbox.attempts).order_by(Outbox.message_id)).all()
    assert attempts[:2] == [1, 2]  # only the failed part was tried again
