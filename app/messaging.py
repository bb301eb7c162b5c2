"""Storing messages: inbound exactly once per provider id, outbound through the outbox.

Everything here flushes but never commits: the caller (webhook, job) commits once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import INBOUND, OUTBOUND, Conversation, Message, Outbox
from app.models.messaging import DELIVERY_RANK


def _insert(session: Session, model: type) -> Any:
    """An INSERT that understands ON CONFLICT on both databases we run on."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def get_or_create_conversation(session: Session, channel: str, address: str) -> Conversation:
    """The conversation for (channel, address), made race-free by ON CONFLICT DO NOTHING."""
    found = session.scalar(
        select(Conversation).where(Conversation.channel == channel,
                                   Conversation.address == address)
    )
    if found is not None:
        return found
    now = utcnow()
    stmt = _insert(session, Conversation).values(
        channel=channel, address=address, state="new", slots={}, opted_out=False,
        created_at=now, updated_at=now,
    ).on_conflict_do_nothing(index_elements=["channel", "address"])
    session.execute(stmt)
    return session.scalars(
        select(Conversation).where(Conversation.channel == channel,
                                   Conversation.address == address)
    ).one()


@dataclass
class Inbound:
    """One inbound message as a provider delivered it, before it is stored."""

    channel: str
    address: str
    provider_id: str
    body: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def store_inbound(session: Session, inbound: Inbound) -> tuple[int, int | None]:
    """Store a message unless its provider id is already stored.

    Returns (conversation id, new message id or None for a repeat). Concurrent repeats are
    settled by the unique index, not by a read-then-write race.
    """
    conversation = get_or_create_conversation(session, inbound.channel, inbound.address)
    stmt = (
        _insert(session, Message)
        .values(
            conversation_id=conversation.id, direction=INBOUND, channel=inbound.channel,
            provider_id=inbound.provider_id, body=inbound.body, media=inbound.media,
            meta=inbound.meta, status="received", created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["provider_id"])
        .returning(Message.id)
    )
    message_id = session.execute(stmt).scalar()
    return conversation.id, message_id


def queue_outbound(
    session: Session,
    conversation: Conversation,
    body: str,
    *,
    meta: dict[str, Any] | None = None,
    staff_id: int | None = None,
    force: bool = False,
) -> Message | None:
    """Add an outbound message and its outbox row; nothing for an opted-out address.

    `force` is only for the one confirmation sent in answer to STOP.
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
    return message


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
