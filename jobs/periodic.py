"""Periodic duties (the sweeper and friends), run by one scheduler thread per process.

With Redis, a lock per duty makes sure one worker runs it per period however many workers
there are; in-process, the web process runs them itself.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, or_, select

from app.db import db, utcnow
from app.models import INBOUND, Message, Outbox
from jobs import queues
from jobs.runner import enqueue, job, redis_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    name: str
    every_seconds: int
    fn: Callable[[], object]


DUTIES: list[Duty] = []


def every(seconds: int, name: str | None = None) -> Callable[[Callable[[], object]],
                                                          Callable[[], object]]:
    """Register a periodic duty."""

    def register(fn: Callable[[], object]) -> Callable[[], object]:
        DUTIES.append(Duty(name or fn.__name__, seconds, fn))
        return fn

    return register


@every(15, "sweep")
@job
def sweep() -> dict[str, int]:
    """Re-enqueue what a dead worker or a lost job left behind: unprocessed inbound messages
    and outbox rows that are due and not being sent."""
    from flask import current_app

    from jobs.inbound import process_conversation
    from jobs.outbound import CLAIM_TIMEOUT, send_message

    session = db.session
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["SWEEP_STALE_SECONDS"])
    conversations = session.scalars(
        select(Message.conversation_id)
        .where(Message.direction == INBOUND, Message.processed_at.is_(None),
               Message.created_at < stale)
        .group_by(Message.conversation_id)
        .order_by(func.min(Message.id))
        .limit(500)
    ).all()
    outbox = session.scalars(
        select(Outbox.message_id)
        .where(Outbox.done.is_(False), Outbox.next_attempt_at <= now,
               or_(Outbox.claimed_at.is_(None), Outbox.claimed_at < now - CLAIM_TIMEOUT),
               Outbox.created_at < stale)
        .order_by(Outbox.id)
        .limit(500)
    ).all()
    session.rollback()
    for conversation_id in conversations:
        enqueue(process_conversation, conversation_id, queue=queues.INBOUND)
    for message_id in outbox:
        enqueue(send_message, message_id, queue=queues.OUTBOUND)
    if conversations or outbox:
        log.info("sweeper re-enqueued %d conversations, %d outbound", len(conversations),
                 len(outbox))
    return {"conversations": len(conversations), "outbound": len(outbox)}


def run_due(app: Flask, last_run: dict[str, float]) -> None:
    """Run each duty whose period has passed (and, with Redis, whose lock we win)."""
    now = time.monotonic()
    for duty in DUTIES:
        # A duty's period may be overridden by config, e.g. SWEEP_INTERVAL_SECONDS.
        period = int(app.config.get(f"{duty.name.upper()}_INTERVAL_SECONDS", duty.every_seconds))
        previous = last_run.get(duty.name)
        if previous is not None and now - previous < period:
            continue
        last_run[duty.name] = now
        with app.app_context():
            if app.config.get("REDIS_URL"):
                prefix = app.config.get("QUEUE_PREFIX", "")
                key = f"{prefix}periodic:{duty.name}"
                if not redis_connection(app).set(key, "1", nx=True, ex=period):
                    continue
            try:
                duty.fn()
            except Exception:  # one failing duty must not stop the others
                log.exception("periodic duty %s failed", duty.name)


def load_duties() -> list[Duty]:
    """Import the modules whose duties register themselves with `every`."""
    from jobs import drafts, vendor_duties  # noqa: F401  (imported for their registrations)

    return DUTIES


def start_scheduler(app: Flask, tick_seconds: float = 1.0) -> threading.Event:
    """Start the scheduler thread; set the returned event to stop it."""
    load_duties()
    stop = threading.Event()
    last_run: dict[str, float] = {}

    def loop() -> None:
        while not stop.wait(tick_seconds):
            run_due(app, last_run)

    threading.Thread(target=loop, name="periodic", daemon=True).start()
    return stop
