"""Delivering outbound messages through their channel, with retries and backoff, once.

Each outbox row is one provider message: a reply longer than its channel takes was queued as
several rows, its parts (market.messaging.queue_outbound), so a failed part is retried alone
and parts leave in order (a part waits while an earlier part of its reply is unsent).

Sending once. A send is claimed (committed) before the provider is called and settled (the
provider's id committed) after it answers. A worker can die in between, or an answer can be
lost on the network, and then nobody knows whether the provider has the message. So a row that
was tried before (its claim went stale and the sweeper handed it on, or an earlier attempt
failed) is not simply sent again:

1. a provider id already on the row settles it: a status callback names the row (its URL
   carries `?mid=`), so it can store the sid the dead worker never did; nothing is sent;
2. otherwise the channel is asked (`Channel.find_sent`): Twilio lists what it holds to that
   number since the row was made; a message with the row's body whose sid no other row holds
   is this one, and is recorded as its send; nothing is sent;
3. when the provider has no such message, it is sent; when it cannot be asked (Meta's Cloud
   API, e-mail, the console print) it is sent too. That is the remaining risk of a double send:
   a worker killed on a Meta send between Meta's answer and our commit, or a status callback
   and a lookup that both miss a message Twilio is still holding unsent.

So a message the provider can say it has is never sent twice, and one it does not have is
still sent.

WhatsApp's window. Each WhatsApp row is routed when it is claimed (market/window.py): inside
the user's 24-hour window it goes free-form; outside it as its approved template, or by SMS,
or it is held until the buyer writes. The decision is kept on the outbox row. A provider that
refuses a free-form send at once (Meta's 131047) has the row routed again as outside the window.

Provider limits (Twilio 429/20429/63018, Meta 130429/131056) are retried after a backoff, and
the conversation's later messages wait for the limited one, so nothing overtakes it.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, select, text, update

from jobs.runner import job
from market.channels import Channel, ChannelError, OutboundMessage, SendResult, adapter_for
from market.config import setting
from market.db import db, utcnow
from market.messaging import split_outbound
from market.models import Message, Outbox
from market.tasks import OUTBOUND, SEND_JOB, enqueue
from market.window import WINDOW_REFUSED, apply, route_for

log = logging.getLogger(__name__)

# First key of the advisory locks that serialise one conversation's sends.
OUTBOX_LOCK_CLASS = 7201
# A provider's clock and ours run a little apart: its record of a message we sent may look
# this much older than our row.
CLOCK_SKEW = timedelta(minutes=2)


def claim_timeout() -> timedelta:
    """A claim older than this is presumed to belong to a dead worker (SEND_CLAIM_TIMEOUT_SECONDS:
    longer than a live send can take, its HTTP timeouts included)."""
    return timedelta(seconds=setting("SEND_CLAIM_TIMEOUT_SECONDS"))


def backoff(attempt: int) -> timedelta:
    """10 s, 40 s, 2.5 min, 10 min ... capped at one hour."""
    return timedelta(seconds=min(3600, 10 * 4 ** max(0, attempt - 1)))


@dataclass(frozen=True)
class Claim:
    """A row claimed for sending, as its channel gets it."""

    message: OutboundMessage
    # Set when an earlier attempt may have reached the provider: ask before sending again.
    tried_since: datetime | None = None


@job(queue=OUTBOUND)
def send_message(message_id: int) -> str:
    """Send a conversation's due outbound messages, oldest first, up to this one (and the rest
    of its reply when it is a part of one).

    Replies leave in the order they were written even with several workers: sends of one
    conversation take a lock, and whoever holds it sends everything due before letting go.
    """
    message = db.session.get(Message, message_id)
    if message is None:
        db.session.rollback()
        return "missing"
    conversation_id, up_to = message.conversation_id, _reply_end(message)
    db.session.rollback()
    outcome = "skipped"
    with _conversation_send_lock(conversation_id):
        after = 0
        while (due_id := _next_due(conversation_id, after, up_to)) is not None:
            result = _send_one(due_id)
            if due_id == message_id:
                outcome = result
            after = due_id
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


def _in_reply(reply_id: int) -> ColumnElement[bool]:
    """Rows that are parts of the reply whose first part is `reply_id`."""
    return Message.meta["reply"].as_integer() == reply_id


def _reply_end(message: Message) -> int:
    """The id of the last part of `message`'s reply (its own id when it is whole)."""
    reply = message.meta.get("reply")
    if reply is None:
        return message.id
    last = db.session.scalar(
        select(Message.id).where(Message.conversation_id == message.conversation_id,
                                 Message.id >= reply, _in_reply(reply))
        .order_by(Message.id.desc()).limit(1))
    return max(message.id, last or message.id)


def _next_due(conversation_id: int, after: int, up_to: int) -> int | None:
    """The conversation's oldest unsent row due now, after `after` and at most `up_to`
    (read afresh each time: sending one part lets the next go)."""
    found = db.session.scalar(
        select(Outbox.message_id).join(Message)
        .where(Message.conversation_id == conversation_id, Outbox.done.is_(False),
               Outbox.next_attempt_at <= utcnow(), Outbox.message_id > after,
               Outbox.message_id <= up_to)
        .order_by(Outbox.message_id).limit(1))
    db.session.rollback()
    return found


def _send_one(message_id: int, reroutes: int = 2) -> str:
    claim = _claim(message_id)
    if claim is None:
        return "skipped"
    try:
        adapter = adapter_for(claim.message.extra["channel"])
        outbound = _fit(adapter, claim.message)
        if claim.tried_since is not None:
            earlier = _sent_before(adapter, outbound, claim.tried_since)
            if earlier is not None:
                log.info("message %s was already with the provider as %s; not sent again",
                         message_id, earlier.provider_id)
                _sent(message_id, earlier)
                return "sent"
        result = adapter.send(outbound)
    except ChannelError as exc:
        if exc.code in WINDOW_REFUSED and reroutes > 0 and _outside_window(message_id, exc):
            return _send_one(message_id, reroutes - 1)  # routed again: template, SMS, held
        return _failed(message_id, exc)
    _sent(message_id, result)
    return "sent"


def _outside_window(message_id: int, exc: ChannelError) -> bool:
    """The provider refused the send as outside WhatsApp's window (nothing was sent): mark the
    row so its next routing takes the window as closed, or, when it was a template, rules
    templates out. Whether it may be routed again."""
    session = db.session
    message = session.get(Message, message_id, with_for_update=True)
    if message is None or message.outbox is None:
        session.rollback()
        return False
    meta = dict(message.meta or {})
    if message.outbox.route == "template" and not meta.get("no_template"):
        meta["no_template"] = True
    elif meta.get("window") != "closed":
        meta["window"] = "closed"
    else:
        session.rollback()
        return False
    message.meta = meta
    message.status = "pending"
    message.outbox.claimed_at = None
    message.outbox.route_reason = "; ".join(
        r for r in (message.outbox.route_reason, f"WhatsApp refused it ({exc.code})") if r)
    session.commit()
    return True


def _claim(message_id: int) -> Claim | None:
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
        or (outbox.claimed_at is not None and now - outbox.claimed_at < claim_timeout())
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
    if message.provider_id:
        # A status callback named the row while the worker that sent it never stored the
        # sid: the provider has it.
        if message.status in ("pending", "sending"):
            message.status = "queued"
        outbox.done = True
        outbox.claimed_at = None
        session.commit()
        return None
    if _earlier_part_unsent(message):
        session.rollback()  # its parts leave in order: the earlier part's send sends this too
        return None
    route = route_for(session, message, now)
    if route is not None and not apply(session, message, route):
        session.commit()  # held, or its words went another way: nothing to send here
        return None
    tried_since = outbox.created_at - CLOCK_SKEW if outbox.attempts > 0 else None
    outbox.claimed_at = now
    outbox.attempts += 1
    message.status = "sending"
    session.commit()
    return Claim(OutboundMessage(
        id=message.id, to=conv.address, body=message.body,
        subject=message.meta.get("subject"), options=tuple(message.meta.get("options", ())),
        status_callback=_status_callback(message.id),
        extra={"channel": message.channel, "language": conv.language,
               **message.meta.get("provider", {})},
    ), tried_since)


def _earlier_part_unsent(message: Message) -> bool:
    reply = message.meta.get("reply")
    if reply is None or reply == message.id:
        return False
    return db.session.scalar(
        select(Outbox.id).join(Message)
        .where(Message.conversation_id == message.conversation_id, Message.id >= reply,
               Message.id < message.id, _in_reply(reply), Outbox.done.is_(False))
        .limit(1)) is not None


def _later_parts(message: Message) -> list[Message]:
    """The unsent parts of `message`'s reply that come after it."""
    reply = message.meta.get("reply")
    if reply is None:
        return []
    return list(db.session.scalars(
        select(Message).join(Outbox)
        .where(Message.conversation_id == message.conversation_id, Message.id > message.id,
               _in_reply(reply), Outbox.done.is_(False))
        .order_by(Message.id)))


def _fit(adapter: Channel, outbound: OutboundMessage) -> OutboundMessage:
    """`outbound`, or its first part when the channel cannot take its body as one message
    (a row queued for another provider, or before bodies were split when queued): the row is
    cut into parts then, and the others are sent after this one."""
    parts = adapter.parts(outbound.body, outbound.options)
    if len(parts) < 2:
        return outbound
    session = db.session
    row = session.get(Message, outbound.id, with_for_update=True)
    if row is None or row.meta.get("provider"):
        session.rollback()
        return outbound
    split_outbound(session, row, parts)
    session.commit()
    return replace(outbound, body=parts[0], options=())


def _sent_before(adapter: Channel, outbound: OutboundMessage,
                 since: datetime) -> SendResult | None:
    """The provider's record of `outbound` from an earlier attempt, if it has one.

    A message with the same address and body that another row holds the id of is that row's
    (the same words sent twice on purpose), so it is not taken for this one.
    """
    found = [r for r in adapter.find_sent(outbound, since) or () if r.provider_id]
    if not found:
        return None
    taken = set(db.session.scalars(
        select(Message.provider_id).where(Message.provider_id.in_([r.provider_id for r in found]),
                                          Message.id != outbound.id)))
    db.session.rollback()
    return next((r for r in found if r.provider_id not in taken), None)


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
    most = current_app.config["SEND_MAX_ATTEMPTS"]
    # A provider's rate limit passes: such a message is tried for longer before it fails.
    give_up = exc.permanent or outbox.attempts >= (3 * most if exc.rate_limited else most)
    if give_up:
        message.status = "failed"
        outbox.done = True
        for part in _later_parts(message):
            # The rest of a reply alone would read as a different message (a total without
            # its lines): it fails with its first missing part.
            _fail_part(part, message)
        session.commit()
        log.warning("message %s failed for good: %s", message_id, outbox.last_error)
        return "failed"
    delay = backoff(outbox.attempts)
    message.status = "pending"
    outbox.next_attempt_at = utcnow() + delay
    later = [part.id for part in (_waiting_behind(message, outbox.next_attempt_at)
                                  if exc.rate_limited else _later_parts(message))]
    if later:
        # The reply's later parts (after a rate limit: all the conversation's later messages)
        # wait for this one and go after its retry, in order.
        session.execute(update(Outbox).where(Outbox.message_id.in_(later))
                        .values(next_attempt_at=outbox.next_attempt_at))
    session.commit()
    log.info("message %s failed (%s), retry in %s", message_id, outbox.last_error, delay)
    # One job sends them all, oldest first: the send of the last sends every earlier one due.
    enqueue(SEND_JOB, max([message_id, *later]), delay=delay)
    return "retry"


def _waiting_behind(message: Message, until: datetime) -> list[Message]:
    """The conversation's unsent messages after `message` that would go before `until`."""
    return list(db.session.scalars(
        select(Message).join(Outbox)
        .where(Message.conversation_id == message.conversation_id, Message.id > message.id,
               Outbox.done.is_(False), Outbox.next_attempt_at < until)
        .order_by(Message.id)))


def _fail_part(part: Message, failed: Message) -> None:
    part.status = "failed"
    part.error_code = "part_failed"
    part.error_message = f"part {failed.meta.get('part')} of this reply could not be sent"
    if part.outbox is not None:
        part.outbox.done = True
        part.outbox.last_error = part.error_message
