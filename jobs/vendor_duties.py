"""Periodic duties of the vendor side (scheduled in jobs/schedule.py): reminding vendors of
unanswered orders (then telling staff), expiring RFQs, and the monthly reset of vendors'
lead credits."""
from __future__ import annotations

import logging
from datetime import timedelta

from jobs.runner import job
from market import plans, rfqs
from market.config import setting
from market.db import db, utcnow
from market.vendor_orders import remind_and_escalate

log = logging.getLogger(__name__)


@job()
def order_reminders() -> dict[str, list[str]]:
    """Remind vendors of pending orders and escalate the long-unanswered ones to staff."""
    session = db.session
    reminded, escalated = remind_and_escalate(
        session, utcnow(),
        remind_after=timedelta(minutes=setting("ORDER_REMIND_MINUTES")),
        escalate_after=timedelta(minutes=setting("ORDER_ESCALATE_MINUTES")),
        max_reminders=setting("ORDER_MAX_REMINDERS"))
    session.commit()
    if escalated:
        log.warning("orders escalated to staff: %s", ", ".join(escalated))
    return {"reminded": reminded, "escalated": escalated}


@job()
def expire_rfqs() -> list[str]:
    """Expire RFQs past their time and tell their buyers and vendors."""
    session = db.session
    expired = rfqs.expire_due(session, utcnow())
    session.commit()
    return expired


@job()
def reset_lead_credits() -> int:
    """Give subscriptions a month past their last reset their plan's lead credits again."""
    session = db.session
    count = plans.reset_lead_credits(session, utcnow())
    session.commit()
    if count:
        log.info("lead credits reset for %d subscriptions", count)
    return count
