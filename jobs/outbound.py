"""Delivering outbound messages through their channel, with retries and backoff."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, text

from jobs.runner import job
from market.channels import ChannelError, OutboundMessage, SendResult, adapter_for
from market.db import db, utcnow
from market.models import Message, Outbox
from market.tasks import OUTBOUND, SEND_JOB, enqueue

log = logging.getLogger(__name__)

# A claim older than this is presumed to belong to a dead worker.
CLAIM_TIMEOUT = timedelta(minutes=5)
# First key of the advisory locks that serialise one conversation's sends.
OUTBOX_LOCK_CLASS = 7201


def backoff(attempt: int) -> timedelta:
    """10 s, 40 s, 2.5 min, 10 min ... capped at one hour."""
    return timedelta(seconds=min(3600, 10 * 4 ** max(0, attempt - 1)))


@job(queue=OUTBOUND)
def send_message(message_id: int) -> str:
    """Send a conversation's due outbound messages, oldest first, ending with this one.

    Replies leave in the order they were written even with several workers: sends of one
    conversation take a lock, and whoever holds it sends everything due before letting go.
    """
    conversation_id = db.session.scalar(
        select(Message.conversation_id).where(Message.id == message_id)
    )
    db.session.rollback()
    if conversation_id is None:
        return "missing"
    outcome = "skipped"
    with _conversation_send_lock(conversation_id):
        for due_id in _due_messages(conversation_id, up_to=message_id):
            result = _send_one(due_id)
            if due_id == message_id:
                outcome = result
    return outcome


@contextmanager
def _conversation_send_lock(conversation_id: int) -> Iterator[None]:
    """A PostgreSQL advisory lock on its own connection (commits in between do not drop it).
    SQLite runs jobs on one thread, so it needs none."""
    engine = db.engine
    if engine is None or engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k, :c)"),
                      {"k": OUTBOX_LOCK_CLASS, "c": conversation_id})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k, :c)"),
                         {"k": OUTBOX_LOCK_CLASS, "c": conversation_id})
            conn.commit()


def _due_messages(conversation_id: int, up_to: int) -> list[int]:
    ids = db.session.scalars(
        select(Outbox.message_id).join(Message)
        .where(Message.conversation_id == conversation_id, Outbox.done.is_(False),
               Outbox.next_attempt_at <= utcnow(), Outbox.message_id <= up_to)
        .order_by(Outbox.message_id)
    ).all()
    db.session.rollback()
    return list(ids) or [up_to]


def _send_one(message_id: int) -> str:
    claimed = _claim(message_id)
    if claimed is None:
        return "skipped"
    try:
        result = adapter_for(claimed.extra["channel"]).send(claimed)
    except ChannelError as exc:
        return _failed(message_id, exc)
    _sent(message_id, result)
    return "sent"


def _claim(message_id: int) -> OutboundMessage | None:
    """Mark the row as being sent (committed), so a second job for it does nothing."""
    session = db.session
    outbox = session.scalar(
        select(Outbox).where(Outbox.message_id == message_id).with_for_update()
    )
    now = utcnow()
    if (
        outbox is None
        or outbox.done
        or outbox.next_attempt_at > now
        or (outbox.claimed_at is not None and now - outbox.claimed_at < CLAIM_TIMEOUT)
    ):
        session.rollback()
        return None
    message = outbox.message
    conv = message.conversation
    if conv.opted_out and not message.meta.get("even_if_opted_out"):
        # Queued before the number said STOP: it is not sent.
        message.status, message.error_code = "failed", "opted_out"
        outbox.done = True
        session.commit()
        return None
    outbox.claimed_at = now
    outbox.attempts += 1
    message.status = "sending"
    session.commit()
    return OutboundMessage(
        id=message.id, to=conv.address, body=message.body,
        subject=message.meta.get("subject"), options=tuple(message.meta.get("options", ())),
        status_callback=_status_callback(message.id),
        extra={"channel": message.channel, "language": conv.language,
               **message.meta.get("provider", {})},
    )


def _status_callback(message_id: int) -> str | None:
    base = current_app.config.get("PUBLIC_BASE_URL")
    return f"{base.rstrip('/')}/webhooks/twilio/status?mid={message_id}" if base else None


def _sent(message_id: int, result: SendResult) -> None:
    session = db.session
    message = session.get(Message, message_id, with_for_update=True)
    if message is None or message.outbox is None:
        raise LookupError(f"outbound message {message_id} vanished while being sent")
    message.provider_id = message.provider_id or result.provider_id
    # A status callback may already have moved it further on; never move it back.
    if message.status in ("sending", "pending"):
        message.status = result.status
    message.status_updated_at = utcnow()
    message.outbox.done = True
    message.outbox.last_error = None
    session.commit()


def _failed(message_id: int, exc: ChannelError) -> str:
    session = db.session
    message = session.get(Message, message_id, with_for_update=True)
    if message is None or message.outbox is None:
        raise LookupError(f"outbound message {message_id} vanished while being sent")
    outbox = message.outbox
    outbox.last_error = f"{exc.code}: {exc}"
    outbox.claimed_at = None
    message.error_code = exc.code
    message.error_message = str(exc)
    give_up = exc.permanent or outbox.attempts >= current_app.config["SEND_MAX_ATTEMPTS"]
    if give_up:
        message.status = "failed"
        outbox.done = True
        session.commit()
        log.warning("message %s failed for good: %s", message_id, outbox.last_error)
        return "failed"
    delay = backoff(outbox.attempts)
    message.status = "pending"
    outbox.next_attempt_at = utcnow() + delay
    session.commit()
    log.info("message %s failed (%s), retry in %s", message_id, outbox.last_error, delay)
    enqueue(SEND_JOB, message_id, delay=delay)
    return "retry"
