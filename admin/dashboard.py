"""The dashboard: orders and value per day, how often messages become orders, open RFQs,
failed messages."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from flask import render_template
from sqlalchemy import distinct, func, select

from market.db import db, utcnow
from market.models import INBOUND, OUTBOUND, RFQ, Conversation, Message, Order

from . import bp

DAYS = 14


def per_day(since: date) -> list[dict[str, Any]]:
    """Orders and their value for each of the last DAYS days (empty days included)."""
    day = func.date(Order.created_at)
    rows = db.session.execute(
        select(day, func.count(Order.id), func.coalesce(func.sum(Order.total), 0))
        .where(Order.created_at >= _start(since)).group_by(day)
    ).all()
    found = {str(d): (n, Decimal(v)) for d, n, v in rows}
    series = []
    for i in range(DAYS):
        d = str(since + timedelta(days=i))
        n, v = found.get(d, (0, Decimal("0")))
        series.append({"day": d, "orders": n, "value": v})
    return series


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def order_rate(since: date) -> dict[str, Any]:
    """The parse success figure, honestly a proxy: of the buyers' inbound messages, how many
    distinct drafts ended up as at least one order. A draft is made only when the parser
    understood the message, so drafts-that-became-orders / messages is a floor on the share
    of messages parsed (drafts abandoned by the buyer are not counted)."""
    messages = db.session.scalar(
        select(func.count(Message.id)).join(Conversation)
        .where(Message.direction == INBOUND, Message.created_at >= _start(since),
               Conversation.buyer_id.is_not(None))
    ) or 0
    drafts = db.session.scalar(
        select(func.count(distinct(Order.draft_key)))
        .where(Order.created_at >= _start(since), Order.draft_key.is_not(None))
    ) or 0
    rate = round(100 * drafts / messages, 1) if messages else None
    return {"messages": messages, "drafts": drafts, "rate": rate}


def bars(series: list[dict[str, Any]], key: str, height: int = 120) -> list[dict[str, Any]]:
    """Bar geometry for the inline SVG chart (no chart library needed)."""
    top = max((float(s[key]) for s in series), default=0) or 1
    return [{"x": i * 30 + 5, "h": round(float(s[key]) / top * height, 1), "label": s["day"][5:],
             "value": s[key]} for i, s in enumerate(series)]


@bp.get("/")
def dashboard() -> Any:
    since = (utcnow() - timedelta(days=DAYS - 1)).date()
    series = per_day(since)
    # Both ways: outbound not delivered, and inbound messages the bot could not handle.
    failed_q = (select(Message).where(Message.status.in_(("failed", "undelivered")))
                .order_by(Message.id.desc()))
    stats = {
        "orders": sum(s["orders"] for s in series),
        "value": sum((s["value"] for s in series), Decimal("0")),
        "open_rfqs": db.session.scalar(
            select(func.count(RFQ.id)).where(RFQ.status.in_(("open", "quoted")))) or 0,
        "failed": db.session.scalar(
            select(func.count(Message.id)).where(
                Message.direction == OUTBOUND, Message.created_at >= _start(since),
                Message.status.in_(("failed", "undelivered")))) or 0,
        # Inbound messages given up after MESSAGE_MAX_ATTEMPTS tries (jobs/inbound.py).
        "unhandled": db.session.scalar(
            select(func.count(Message.id)).where(
                Message.direction == INBOUND, Message.created_at >= _start(since),
                Message.status == "failed")) or 0,
        "held": db.session.scalar(
            select(func.count(Order.id)).where(Order.approval == "held")) or 0,
        "escalated": db.session.scalar(
            select(func.count(Order.id)).where(Order.escalated_at.is_not(None),
                                               Order.status == "pending")) or 0,
    }
    return render_template(
        "admin/dashboard.html", series=series, stats=stats, rate=order_rate(since),
        order_bars=bars(series, "orders"), value_bars=bars(series, "value"),
        failed=list(db.session.scalars(failed_q.limit(10))), days=DAYS)
