"""Storing messages: inbound exactly once per provider id, outbound through the outbox.

Everything here flushes but never commits: the caller (webhook, job) commits once, and each
outbound row queued here is sent once that commit happens (market.tasks.send_after_commit).
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Engine, bindparam, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from conversation.texts import text as reply_text
from market.channels import ChannelError, adapter_for
from market.config import setting
from market.db import UTCDateTime, utcnow
from market.models import INBOUND, OUTBOUND, Buyer, Conversation, Message, Outbox
from market.models.messaging import DELIVERY_RANK
from market.tasks import send_after_commit


def get_or_create_conversation(session: Session, channel: str, address: str) -> Conversation:
    """The conversation for (channel, address), made race-free by ON CONFLICT DO NOTHING."""
    found = session.scalar(
        select(Conversation).where(Conversation.channel == channel,
                                   Conversation.address == address)
    )
    if found is not None:
        return found
    conversation_id = _conversation_id(session.connection(), channel, address, cache=False)
    return session.get_one(Conversation, conversation_id)


def identify_whatsapp_user(session: Session, phone: str | None, user_id: str) -> str:
    """The conversation address of a WhatsApp user Meta names by business-scoped user id
    (`US.1349…`) and perhaps by phone: their phone when known, else the user id. Flushes.

    A user without a phone is a buyer known by user id (asked for a phone at onboarding).
    A later message with both ids joins them: the user-id conversation becomes the phone's
    (its history and buyer kept) when the phone has none of its own, and the buyer gets the
    phone; otherwise the phone's conversation and buyer learn the user id."""
    by_user = session.scalar(select(Conversation).where(
        Conversation.channel == "whatsapp", Conversation.user_id == user_id)
        .order_by(Conversation.id).limit(1))
    if phone is None:
        conv = by_user or get_or_create_conversation(session, "whatsapp", user_id)
        conv.user_id = user_id
        if conv.buyer_id is None and conv.vendor_id is None:
            buyer = session.scalar(select(Buyer).where(Buyer.wa_user_id == user_id))
            if buyer is None:
                buyer = Buyer(phone=None, wa_user_id=user_id)
                session.add(buyer)
                session.flush()
            conv.buyer_id = buyer.id
        session.flush()
        return conv.address
    by_phone = session.scalar(select(Conversation).where(
        Conversation.channel == "whatsapp", Conversation.address == phone))
    if by_phone is None and by_user is not None and by_user.address == user_id:
        by_user.address = phone
        by_phone = by_user
        if by_user.buyer is not None and by_user.buyer.phone is None and session.scalar(
                select(Buyer.id).where(Buyer.phone == phone)) is None:
            by_user.buyer.phone = phone
    if by_phone is not None:
        by_phone.user_id = by_phone.user_id or user_id
        buyer = by_phone.buyer
        if buyer is not None and buyer.wa_user_id is None and session.scalar(
                select(Buyer.id).where(Buyer.wa_user_id == user_id)) is None:
            buyer.wa_user_id = user_id
    else:
        get_or_create_conversation(session, "whatsapp", phone).user_id = user_id
    session.flush()
    return phone


@dataclass
class Inbound:
    """One inbound message as a provider delivered it, before it is stored."""

    channel: str
    address: str
    provider_id: str
    body: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


log = logging.getLogger(__name__)

# NUL, the other C0 controls but tab, newline and carriage return, and lone surrogates. No
# buyer types them, yet providers pass them on: PostgreSQL refuses NUL in text, UTF-8 cannot
# encode a surrogate, and one such character in a ProfileName failed its message forever.
_INVALID_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
PROVIDER_ID_LENGTH = 64  # messages.provider_id


def clean_text(value: str, limit: int | None = None) -> str:
    """`value` without the characters no message may hold, cut to `limit` characters."""
    cleaned = _INVALID_CHARACTERS.sub("", value)
    return cleaned if limit is None else cleaned[:limit]


def _cleaned(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return clean_text(value, limit)
    if isinstance(value, dict):
        return {clean_text(str(k), limit): _cleaned(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, limit) for v in value]
    return value


def _provider_id(value: str) -> str:
    """The id as stored: cleaned, and a longer one than the column holds replaced by a digest
    of it (still unique per id, so repeats are still recognised)."""
    cleaned = clean_text(value)
    if len(cleaned) <= PROVIDER_ID_LENGTH:
        return cleaned
    return "sha256:" + hashlib.sha256(cleaned.encode()).hexdigest()[:PROVIDER_ID_LENGTH - 7]


def sanitised(inbound: Inbound) -> Inbound:
    """`inbound` as it may be stored: its text, and every string among its extras, cleaned
    of invalid characters and cut to MESSAGE_MAX_CHARS (a 1 MB body once held the only
    worker for 11 s; Twilio itself allows 1,600 characters, Meta 4,096)."""
    limit = setting("MESSAGE_MAX_CHARS")
    return replace(inbound, provider_id=_provider_id(str(inbound.provider_id)),
                   body=clean_text(str(inbound.body or ""), limit),
                   media=_cleaned(inbound.media, limit), meta=_cleaned(inbound.meta, limit))


# The webhook's hot path is two statements in autocommit on a pooled connection: the ORM's
# unit of work costs more than the whole rest of the request. Both run on SQLite and PostgreSQL.
_INSERT_INBOUND = text(
    "INSERT INTO messages (conversation_id, direction, channel, provider_id, body, media, meta,"
    " status, created_at) VALUES (:conversation_id, :direction, :channel, :provider_id, :body,"
    " :media, :meta, 'received', :created_at)"
    " ON CONFLICT (provider_id) DO NOTHING RETURNING id"
).bindparams(bindparam("media", type_=JSON), bindparam("meta", type_=JSON),
             bindparam("created_at", type_=UTCDateTime))
_SELECT_CONVERSATION = text(
    "SELECT id FROM conversations WHERE channel = :channel AND address = :address")
_INSERT_CONVERSATION = text(
    "INSERT INTO conversations (channel, address, state, slots, opted_out, created_at,"
    " updated_at) VALUES (:channel, :address, 'new', :slots, false, :now, :now)"
    " ON CONFLICT (channel, address) DO NOTHING"
).bindparams(bindparam("slots", type_=JSON), bindparam("now", type_=UTCDateTime))

# Conversation ids never change and rows are never deleted by the service, so each process
# remembers them (bounded, dropped when full). A row deleted anyway fails the foreign key and
# is looked up again; only emptying the table with its id sequence restarted (as integration
# tests do) needs the memory cleared.
_conversation_ids: dict[tuple[str, str], int] = {}
_CONVERSATION_CACHE_SIZE = 50_000


def _conversation_id(conn: Connection, channel: str, address: str, cache: bool) -> int:
    key = (channel, address)
    found = _conversation_ids.get(key) if cache else None
    if found is not None:
        return found
    params = {"channel": channel, "address": address}
    found = conn.execute(_SELECT_CONVERSATION, params).scalar()
    if found is None:
        conn.execute(_INSERT_CONVERSATION, {**params, "slots": {}, "now": utcnow()})
        found = conn.execute(_SELECT_CONVERSATION, params).scalar_one()
    if cache:
        if len(_conversation_ids) >= _CONVERSATION_CACHE_SIZE:
            _conversation_ids.clear()
        _conversation_ids[key] = found
    return found


def _store(conn: Connection, inbound: Inbound, cache: bool) -> tuple[int, int | None]:
    conversation_id = _conversation_id(conn, inbound.channel, inbound.address, cache)
    message_id = conn.execute(_INSERT_INBOUND, {
        "conversation_id": conversation_id, "direction": INBOUND, "channel": inbound.channel,
        "provider_id": inbound.provider_id, "body": inbound.body, "media": inbound.media,
        "meta": inbound.meta, "created_at": utcnow(),
    }).scalar()
    return conversation_id, message_id


def store_inbound(session: Session, inbound: Inbound) -> tuple[int, int | None]:
    """Store a message in the session's transaction unless its provider id is already stored.

    Returns (conversation id, new message id or None for a repeat). Concurrent repeats are
    settled by the unique index, not by a read-then-write race. The text is `sanitised`.
    """
    return _store(session.connection(), sanitised(inbound), cache=False)


# The same INSERT in psycopg's own terms: on the webhook's hot path, SQLAlchemy's statement
# and result handling cost more CPU than PostgreSQL spends on the row.
_PG_INSERT_INBOUND = (
    "INSERT INTO messages (conversation_id, direction, channel, provider_id, body, media, meta,"
    " status, created_at) VALUES (%s, 'in', %s, %s, %s, %s, %s, 'received', now())"
    " ON CONFLICT (provider_id) DO NOTHING RETURNING id"
)


def _store_fast(conn: Connection, inbound: Inbound, cache: bool) -> tuple[int, int | None]:
    if conn.dialect.name != "postgresql":
        return _store(conn, inbound, cache)
    conversation_id = _conversation_id(conn, inbound.channel, inbound.address, cache)
    raw = conn.connection.dbapi_connection
    row = raw.execute(_PG_INSERT_INBOUND, (  # type: ignore[union-attr]
        conversation_id, inbound.channel, inbound.provider_id, inbound.body,
        Json(inbound.media), Json(inbound.meta))).fetchone()
    return conversation_id, (row[0] if row else None)


def intake_inbound(bind: Engine | Connection, inbound: Inbound) -> tuple[int, int | None]:
    """`store_inbound` for the webhook: committed on return, in one autocommit statement when
    the conversation is known to this process. `bind` is `db.autocommit_engine`, or a
    connection inside a transaction (tests), where nothing is cached. The text is
    `sanitised` first."""
    inbound = sanitised(inbound)
    if isinstance(bind, Connection):
        return _store_fast(bind, inbound, cache=False)
    try:
        with bind.connect() as conn:
            return _store_fast(conn, inbound, cache=True)
    except (IntegrityError, psycopg.IntegrityError):
        # A remembered conversation that no longer exists: forget it and look it up again.
        if _conversation_ids.pop((inbound.channel, inbound.address), None) is None:
            raise
    except DBAPIError as exc:
        # Connections are not pinged before use; a dead one is dropped and we try once more.
        if not exc.connection_invalidated:
            raise
    except psycopg.OperationalError:
        pass  # the raw driver's view of a dead connection: a fresh one is taken below
    with bind.connect() as conn:
        return _store_fast(conn, inbound, cache=True)


def give_up_inbound(session: Session, conv: Conversation, message: Message) -> None:
    """Mark inbound `message` failed after its last attempt (staff see it in the admin), and
    apologise to the sender once, unless staff have the conversation: the conversation then
    moves on to its next message."""
    why = (f"last error: {message.error_message}" if message.error_message
           else "the worker stopped each time")
    message.error_message = f"gave up after {message.attempts} attempts; {why}"
    message.status = "failed"
    message.processed_at = utcnow()
    conv.last_inbound_at = message.created_at
    log.error("inbound message %s of conversation %s %s", message.id, conv.id,
              message.error_message)
    if conv.handoff_until is not None and conv.handoff_until > utcnow():
        return
    language = conv.language or (conv.buyer.language if conv.buyer is not None else None)
    try:
        with session.begin_nested():  # an apology that fails must not hold the conversation
            say(session, conv, reply_text("message_failed", language))
    except Exception:
        log.exception("could not apologise for inbound message %s", message.id)


def queue_outbound(
    session: Session,
    conversation: Conversation,
    body: str,
    *,
    meta: dict[str, Any] | None = None,
    staff_id: int | None = None,
    force: bool = False,
) -> Message | None:
    """Add an outbound message and its outbox row, sent after the commit; nothing for an
    opted-out address. `force` is only for the one confirmation sent in answer to STOP.

    A body longer than the channel takes (`Channel.parts`) is queued as several messages, its
    parts, in order, each with its own outbox row and the options on the last: each part is
    sent once, and a failed part is retried alone. Returns the first part.
    """
    if conversation.opted_out and not force:
        return None
    message = Message(
        conversation_id=conversation.id, direction=OUTBOUND, channel=conversation.channel,
        body=body, media=[], meta=meta or {}, status="pending", sent_by_staff_id=staff_id,
        created_at=utcnow(),
    )
    message.outbox = Outbox(next_attempt_at=utcnow())
    session.add(message)
    session.flush()
    send_after_commit(session, message.id)
    split_outbound(session, message)
    return message


def channel_parts(channel: str, body: str, meta: dict[str, Any]) -> list[str]:
    """The messages `body` leaves as on `channel` under the current configuration."""
    if meta.get("provider"):
        return [body]  # a provider payload chosen by the caller (a template) goes as it is
    try:
        adapter = adapter_for(channel)
    except ChannelError:
        return [body]  # no provider to send with: the send fails and says why
    return adapter.parts(body, meta.get("options") or ()) or [body]


def split_outbound(session: Session, message: Message,
                   parts: list[str] | None = None) -> list[Message]:
    """Cut a queued outbound `message` into its parts: it keeps the first, a new row with its
    own outbox row follows for each other part (sent after the commit), the options go to
    the last. Parts carry meta `part`, `parts` and `reply` (the first part's id), which keep
    them in order when one fails. Returns the parts' rows; just `message` when it fits."""
    parts = parts if parts is not None else channel_parts(message.channel, message.body,
                                                          message.meta)
    if len(parts) < 2:
        return [message]
    common = {k: v for k, v in message.meta.items() if k != "options"}
    options = message.meta.get("options")
    rows = [message]
    message.body = parts[0]
    message.meta = {**common, "part": 1, "parts": len(parts), "reply": message.id}
    for number, part in enumerate(parts[1:], start=2):
        meta = {**common, "part": number, "parts": len(parts), "reply": message.id}
        if options and number == len(parts):
            meta["options"] = options
        row = Message(
            conversation_id=message.conversation_id, direction=OUTBOUND,
            channel=message.channel, body=part, media=[], meta=meta, status="pending",
            sent_by_staff_id=message.sent_by_staff_id, created_at=utcnow(),
        )
        row.outbox = Outbox(next_attempt_at=utcnow())
        session.add(row)
        session.flush()  # one at a time: ids follow the parts' order
        send_after_commit(session, row.id)
        rows.append(row)
    return rows


def say(session: Session, conv: Conversation, body: str, *, options: tuple[str, ...] = (),
        force: bool = False, kind: str = "", values: dict[str, str] | None = None
        ) -> Message | None:
    """A reply on `conv`, with `options` offered as buttons where the channel has them.
    `kind` (its text key) and `values` let the template of that kind say it when WhatsApp's
    window has closed by the time it is sent (a timer's reminder)."""
    meta: dict[str, Any] = {"options": list(options)} if options else {}
    if force:
        meta["even_if_opted_out"] = True
    if kind:
        meta.update(kind=kind, values=dict(values or {}), language=conv.language or "en")
    return queue_outbound(session, conv, body, meta=meta, force=force)


def record_status(
    session: Session,
    status: str,
    *,
    message_id: int | None = None,
    provider_id: str | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
) -> Message | None:
    """Apply a delivery status callback. Out-of-order callbacks never move a status back."""
    message = None
    if message_id is not None:
        message = session.get(Message, message_id, with_for_update=True)
    if message is None and provider_id:
        message = session.scalar(
            select(Message).where(Message.provider_id == provider_id).with_for_update()
        )
    if message is None or message.direction != OUTBOUND:
        return None
    if provider_id and not message.provider_id:
        message.provider_id = provider_id
    status = status.lower()
    if status not in DELIVERY_RANK:
        return message
    failed = status in ("failed", "undelivered")
    if failed or DELIVERY_RANK[status] > DELIVERY_RANK.get(message.status, -1):
        message.status = status
        message.status_updated_at = utcnow()
    if error_code:
        message.error_code = str(error_code)
        message.error_message = error_message
    return message
