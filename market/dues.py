"""Dues on credit: when an order on the buyer's account is due (PAYMENT_DUE_DAYS after it
was placed, in the calendar days of PAYMENT_TIMEZONE), and the reminders around that day
(PAYMENT_REMINDER_DAYS: the day before, on the day, three days late by default). Each
reminder goes once per order and stage (a unique row), only while something is still owed,
and never to a buyer who sent STOP or whose reminders staff turned off. Never commits."""
from __future__ import annotations

import logging
import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from conversation.texts import amount, text
from market import ledger, payments
from market.alerts import buyer_conversation
from market.messaging import queue_outbound
from market.models import Buyer, DueReminder, Order

log = logging.getLogger(__name__)
DUE_KIND = "payment_due"


def zone() -> zoneinfo.ZoneInfo:
    """The time zone due dates are counted in (UTC when the name is unknown here)."""
    name = str(current_app.config.get("PAYMENT_TIMEZONE") or "UTC")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        log.warning("unknown PAYMENT_TIMEZONE %r; counting days in UTC", name)
        return zoneinfo.ZoneInfo("UTC")


def local_day(moment: datetime) -> date:
    """The calendar day `moment` falls on where the buyers are."""
    return moment.astimezone(zone()).date()


def due_on(order: Order) -> date | None:
    """When an order bought on credit is due; None for one that was not."""
    if order.payment_method != "credit":
        return None
    return local_day(order.created_at) + timedelta(days=int(current_app.config[
        "PAYMENT_DUE_DAYS"]))


def stages() -> list[int]:
    """The reminder days from the due date (negative: before it), as configured."""
    found = set()
    for part in str(current_app.config.get("PAYMENT_REMINDER_DAYS") or "").split(","):
        try:
            found.add(int(part.strip()))
        except ValueError:
            continue
    return sorted(found)


def remind(session: Session, now: datetime) -> list[str]:
    """Queue today's dues reminders; returns `number@stage` of each one sent."""
    days, today = stages(), local_day(now)
    if not days:
        return []
    due_days = int(current_app.config["PAYMENT_DUE_DAYS"])
    # Orders placed on a day that makes today one of their stages (a day either side, as
    # the local day of a UTC instant may differ).
    first = _start_of(today - timedelta(days=due_days + max(days) + 1))
    last = _start_of(today - timedelta(days=due_days + min(days) - 2))
    candidates = session.scalars(
        select(Order).where(Order.payment_method == "credit",
                            Order.status.not_in(("rejected", "cancelled")),
                            Order.payment_status != "paid",
                            Order.created_at >= first, Order.created_at < last)
        .options(selectinload(Order.buyer)).order_by(Order.id))
    owed: dict[int, dict[int, Decimal]] = {}
    sent = []
    for order in candidates:
        due = due_on(order)
        if due is None or (today - due).days not in days or not _wants_reminders(order.buyer):
            continue
        stage = (today - due).days
        if order.buyer_id not in owed:
            owed[order.buyer_id] = {d.order.id: d.owed for d in ledger.dues(session, order.buyer)}
        left = owed[order.buyer_id].get(order.id)
        if left and _remind(session, order, stage, due, left):
            sent.append(f"{order.number}@{stage}")
    return sent


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def _wants_reminders(buyer: Buyer) -> bool:
    return not buyer.opted_out and bool(buyer.payment_reminders)


def _remind(session: Session, order: Order, stage: int, due: date, left: Decimal) -> bool:
    """One reminder, unless it went already (the unique order and stage says so)."""
    if session.scalar(select(DueReminder.id).where(DueReminder.order_id == order.id,
                                                   DueReminder.stage == stage)) is not None:
        return False
    try:
        with session.begin_nested():
            row = DueReminder(order_id=order.id, stage=stage, due_on=due, amount=left)
            session.add(row)
            session.flush()
    except IntegrityError:
        return False  # another worker sent it a moment ago
    buyer = order.buyer
    conv = buyer_conversation(session, buyer)
    language = buyer.language or conv.language
    values = {"amount": amount(left, order.currency, language), "number": order.number,
              "due": due.isoformat(), "days": abs(stage)}
    key = ("due_before" if stage == -1 else "due_soon" if stage < 0
           else "due_today" if stage == 0 else "due_late")
    hint = ("due_pay_hint" if payments.provider_for(order.currency) is not None
            else "due_hint")
    body = text(key, language, **values) + "\n" + text(hint, language, number=order.number)
    message = queue_outbound(session, conv, body, meta={
        "kind": DUE_KIND, "language": language or "en", "stage": stage,
        "values": {name: str(value) for name, value in values.items()}})
    row.message_id = message.id if message is not None else None
    return message is not None
