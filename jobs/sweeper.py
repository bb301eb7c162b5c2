"""The sweeper: re-enqueues what a dead worker or a lost job left behind."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, or_, select

from jobs.outbound import claim_timeout
from jobs.runner import job
from market.alerts import unalerted_orders
from market.config import setting
from market.db import db, utcnow
from market.models import INBOUND, Message, Outbox
from market.tasks import SEND_JOB, enqueue

log = logging.getLogger(__name__)
BATCH = 500
# An order older than this and never alerted had its alert job lost; older ones are left to
# the reminders and the escalation to staff, so a restored backup does not alert old orders.
ALERT_LOOKBACK = timedelta(days=1)


@job()
def sweep() -> dict[str, int]:
    """Re-enqueue unprocessed inbound messages, outbox rows that are due and not being sent,
    and the alerts of placed orders whose alert job was lost."""
    session = db.session
    now = utcnow()
    stale = now - timedelta(seconds=setting("SWEEP_STALE_SECONDS"))
    conversations = session.scalars(
        select(Message.conversation_id)
        .where(Message.direction == INBOUND, Message.processed_at.is_(None),
               Message.created_at < stale)
        .group_by(Message.conversation_id)
        .order_by(func.min(Message.id))
        .limit(BATCH)
    ).all()
    outbox = session.scalars(
        select(Outbox.message_id)
        .where(Outbox.done.is_(False), Outbox.next_attempt_at <= now,
               or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - claim_timeout()),
               Outbox.created_at < stale)
        .order_by(Outbox.id)
        .limit(BATCH)
    ).all()
    orders = unalerted_orders(session, placed_between=(now - ALERT_LOOKBACK, stale),
                              limit=BATCH)
    session.rollback()
    for conversation_id in conversations:
        enqueue("jobs.inbound.process_conversation", conversation_id)
    for message_id in outbox:
        enqueue(SEND_JOB, message_id)
    for order_id in orders:
        enqueue("jobs.alerts.order_placed", order_id)
    if conversations or outbox or orders:
        log.info("sweeper re-enqueued %d conversations, %d outbound, %d order alerts",
                 len(conversations), len(outbox), len(orders))
    return {"conversations": len(conversations), "outbound": len(outbox),
            "order_alerts": len(orders)}
