"""The periodic schedule, in one place (as redash's `periodic_job_definitions()`), and the
thread that runs it: in each worker, or in the web process when there is no Redis.

With Redis, a lock per duty makes sure one process runs it per period however many workers
there are. Every interval is a Config field, settable from the environment.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from jobs.drafts import draft_timers
from jobs.payments import check_open_payments, remind_dues
from jobs.sweeper import sweep
from jobs.templates import refresh_template_status
from jobs.vendor_duties import expire_rfqs, order_reminders, reset_lead_credits
from market.redis import redis_connection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    """A job run every `interval` seconds, that number read from Config field `setting`."""

    name: str
    fn: Callable[[], object]
    setting: str


def periodic_job_definitions() -> list[Periodic]:
    """Every periodic duty of the service."""
    return [
        Periodic("sweep", sweep, "SWEEP_INTERVAL_SECONDS"),
        Periodic("draft_timers", draft_timers, "DRAFT_TIMERS_INTERVAL_SECONDS"),
        Periodic("order_reminders", order_reminders, "ORDER_REMINDERS_INTERVAL_SECONDS"),
        Periodic("rfq_expiry", expire_rfqs, "RFQ_EXPIRY_INTERVAL_SECONDS"),
        Periodic("lead_credit_reset", reset_lead_credits, "LEAD_CREDIT_RESET_INTERVAL_SECONDS"),
        Periodic("payment_lookups", check_open_payments, "PAYMENT_LOOKUP_INTERVAL_SECONDS"),
        Periodic("dues_reminders", remind_dues, "PAYMENT_REMINDERS_INTERVAL_SECONDS"),
        Periodic("template_status", refresh_template_status,
                 "TEMPLATE_STATUS_INTERVAL_SECONDS"),
    ]


def run_due(app: Flask, last_run: dict[str, float]) -> None:
    """Run each duty whose period has passed (and, with Redis, whose lock we win)."""
    now = time.monotonic()
    for duty in periodic_job_definitions():
        period = int(app.config[duty.setting])
        previous = last_run.get(duty.name)
        if previous is not None and now - previous < period:
            continue
        last_run[duty.name] = now
        with app.app_context():
            # One failing duty (or Redis down, so no lock) must not stop the others; it is
            # tried again next period.
            try:
                if _won_lock(app, duty.name, period):
                    duty.fn()
            except (RedisConnectionError, RedisTimeoutError) as exc:
                log.warning("periodic duty %s skipped, Redis is unreachable: %s", duty.name, exc)
            except Exception:
                log.exception("periodic duty %s failed", duty.name)


def _won_lock(app: Flask, name: str, period: int) -> bool:
    """Whether this process runs duty `name` this period (always, without Redis)."""
    if not app.config.get("REDIS_URL"):
        return True
    key = f"{app.config.get('QUEUE_PREFIX', '')}periodic:{name}"
    return bool(redis_connection(app).set(key, "1", nx=True, ex=period))


def start_scheduler(app: Flask, tick_seconds: float = 1.0) -> threading.Event:
    """Start the scheduler thread; set the returned event to stop it."""
    stop = threading.Event()
    last_run: dict[str, float] = {}

    def loop() -> None:
        while not stop.wait(tick_seconds):
            try:
                run_due(app, last_run)
            except Exception:  # whatever happens, the schedule goes on at the next tick
                log.exception("the periodic schedule failed; trying again")

    threading.Thread(target=loop, name="periodic", daemon=True).start()
    return stop
