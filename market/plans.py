"""Plans, vendors' subscriptions to them, and the lead credits a plan gives each month: which
subscription is current, spending one credit on an unlock, and the monthly reset. (The
buyer's money owed is another thing: market/ledger.py.) Nothing here commits."""
from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from market.db import utcnow
from market.models import Plan, Subscription, Vendor


def add_month(moment: datetime) -> datetime:
    """The same day and time a calendar month later (31 Jan → 28/29 Feb)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))



def is_current(now: datetime) -> ColumnElement[bool]:
    """The SQL condition of a running subscription: active, started, not past its expiry."""
    return and_(Subscription.status == "active", Subscription.starts_at <= now,
                or_(Subscription.expires_at.is_(None), Subscription.expires_at > now))


def current_subscription(session: Session, vendor_id: int, now: datetime | None = None,
                         lock: bool = False) -> Subscription | None:
    """The vendor's running subscription (the newest, should there be two)."""
    query = (select(Subscription)
             .where(Subscription.vendor_id == vendor_id, is_current(now or utcnow()))
             .order_by(Subscription.starts_at.desc()).limit(1))
    if lock:
        query = query.with_for_update()
    return session.scalar(query)


def current_plans(session: Session, vendor_ids: list[int],
                  now: datetime | None = None) -> dict[int, Plan]:
    """Each vendor's current plan, for lists."""
    subs = session.scalars(select(Subscription).where(Subscription.vendor_id.in_(vendor_ids),
                                                      is_current(now or utcnow()))
                           .order_by(Subscription.starts_at))
    return {sub.vendor_id: sub.plan for sub in subs}


def subscribe(session: Session, vendor: Vendor, plan: Plan) -> None:
    """Put the vendor on `plan` from now, with its month of lead credits; the subscription it
    replaces ends now. Nothing changes when the vendor is on that plan already."""
    now = utcnow()
    current = current_subscription(session, vendor.id, now)
    if current is not None and current.plan_id == plan.id:
        return
    if current is not None:
        current.status = "replaced"
        current.expires_at = now
    session.add(Subscription(vendor_id=vendor.id, plan_id=plan.id, starts_at=now,
                             credits_remaining=plan.unlocks_per_month, credits_reset_at=now))


def spend_lead_credit(sub: Subscription) -> bool:
    """Take one lead credit from the subscription; False when none is left this month."""
    if sub.credits_remaining <= 0:
        return False
    sub.credits_remaining -= 1
    return True


def credits_renew_on(sub: Subscription) -> datetime:
    """When the subscription's lead credits come back."""
    return add_month(sub.credits_reset_at or sub.starts_at)


def reset_lead_credits(session: Session, now: datetime) -> int:
    """Give active subscriptions a month old their plan's credits again; subscriptions past
    their expiry become expired with no credits. Returns how many were reset."""
    subs = session.scalars(
        select(Subscription).join(Plan, Subscription.plan_id == Plan.id)
        .where(Subscription.status == "active").with_for_update(of=Subscription)).all()
    reset = 0
    for sub in subs:
        if sub.expires_at is not None and sub.expires_at <= now:
            sub.status, sub.credits_remaining = "expired", 0
            continue
        if credits_renew_on(sub) <= now:
            sub.credits_remaining = sub.plan.unlocks_per_month
            sub.credits_reset_at = now
            reset += 1
    return reset
