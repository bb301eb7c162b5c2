"""Periodic duties of the vendor side: reminding vendors of unanswered orders (then telling
staff), expiring RFQs, and the monthly reset of lead-unlock credits."""
from __future__ import annotations

import logging
from datetime import timedelta

from app import rfqs
from app.db import db, utcnow
from app.vendor_orders import remind_and_escalate
from jobs.periodic import every
from jobs.runner import job
from jobs.sends import send_all

log = logging.getLogger(__name__)


@every(60, "order_reminders")
@job
def order_reminders() -> dict[str, list[str]]:
    """Remind vendors of pending orders and escalate the long-unanswered ones to staff."""
    session = db.session
    out: list[int] = []
    reminded, escalated = remind_and_escalate(
        session, utcnow(), out,
        remind_after=timedelta(minutes=rfqs.setting("ORDER_REMIND_MINUTES")),
        escalate_after=timedelta(minutes=rfqs.setting("ORDER_ESCALATE_MINUTES")),
        max_reminders=rfqs.setting("ORDER_MAX_REMINDERS"))
    session.commit()
    send_all(out)
    if escalated:
        log.warning("orders escalated to staff: %s", ", ".join(escalated))
    return {"reminded": reminded, "escalated": escalated}


@every(60, "rfq_expiry")
@job
def expire_rfqs() -> list[str]:
    """Expire RFQs past their time and tell their buyers and vendors."""
    session = db.session
    out: list[int] = []
    expired = rfqs.expire_due(session, utcnow(), out)
    session.commit()
    send_all(out)
    return expired


@every(3600, "credit_reset")
@job
def reset_credits() -> int:
    """Give subscriptions a month past their last reset their plan's unlock credits again."""
    session = db.session
    count = rfqs.reset_credits(session, utcnow())
    session.commit()
    if count:
        log.info("unlock credits reset for %d subscriptions", count)
    return count
