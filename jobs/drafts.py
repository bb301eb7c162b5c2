"""Periodic duty of the buyer side: drafts nobody confirms get a reminder, then expire
(DRAFT_TTL_HOURS, reminder at half of it), and a handoff to staff ends after HANDOFF_HOURS.

The duty only finds conversations that may be due and feeds each a timer event; the pure
engine decides what is due, so the rules live in one place (conversation/buyer.py).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, select

import conversation as engine
from jobs.runner import job
from market.config import setting
from market.db import db, utcnow
from market.engine import run_engine
from market.models import Conversation
from market.tasks import SEND_JOB, recorded

log = logging.getLogger(__name__)
DRAFT_STATES = ("draft", "clarify", "rfq_offer")


def due_conversations(now: datetime, ttl: timedelta) -> list[int]:
    """Buyer conversations with a draft idle for half its lifetime, or a handoff run out."""
    return list(db.session.scalars(
        select(Conversation.id).where(
            Conversation.buyer_id.is_not(None),
            or_(Conversation.state.in_(DRAFT_STATES) & (Conversation.updated_at <= now - ttl / 2),
                Conversation.handoff_until <= now))
        .order_by(Conversation.id).limit(500)))


def tick(conversation_id: int, now: datetime) -> int:
    """Feed one conversation a timer event under its row lock; returns messages queued."""
    session = db.session
    conv = session.scalar(select(Conversation).where(Conversation.id == conversation_id)
                          .with_for_update(skip_locked=True))
    if conv is None:  # gone, or a worker is handling its messages right now: next period
        session.rollback()
        return 0
    run_engine(session, conv, engine.Event(kind="timer", now=now))
    queued = sum(name == SEND_JOB for name, _ in recorded(session))
    session.commit()
    return queued


@job()
def draft_timers(now: datetime | None = None) -> int:
    """Remind about waiting drafts, expire old ones, end run-out handoffs; returns how many
    messages that queued."""
    now = now or utcnow()
    ttl = timedelta(hours=setting("DRAFT_TTL_HOURS"))
    ids = due_conversations(now, ttl)
    db.session.rollback()
    sent = sum(tick(conversation_id, now) for conversation_id in ids)
    if sent:
        log.info("draft timers: %d conversations ticked, %d messages", len(ids), sent)
    return sent
