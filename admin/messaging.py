"""WhatsApp's business side: the message templates and their approval status, and what the
messages cost this month (Meta's `pricing` on each message: category and billable)."""
from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from flask import render_template
from sqlalchemy import select

from market import templates
from market.db import db, utcnow
from market.models import OUTBOUND, Conversation, Message, Order, Vendor

from . import bp


@bp.get("/templates")
def message_templates() -> Any:
    """One row per template, language and provider: status, provider id, last checked."""
    return render_template("admin/message_templates.html",
                           rows=templates.listing(db.session), definitions=templates.TEMPLATES)


def month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1, tzinfo=UTC)


@bp.get("/costs")
def message_costs() -> Any:
    """Messages sent this month per pricing category, and billable ones per order and vendor."""
    since = month_start(utcnow())
    sent = db.session.execute(
        select(Message.pricing_category, Message.billable, Message.meta,
               Conversation.vendor_id)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Message.direction == OUTBOUND, Message.created_at >= since)).all()
    categories: Counter[str] = Counter()
    by_order: Counter[str] = Counter()
    by_vendor_id: Counter[int] = Counter()
    buyer_notices: list[str] = []  # order numbers of billable messages to buyers
    for category, billable, meta, vendor_id in sent:
        categories[category or "not priced"] += 1
        if not billable:
            continue
        number = str((meta or {}).get("order") or "")
        if number:
            by_order[number] += 1
        if vendor_id:
            by_vendor_id[vendor_id] += 1
        elif number:
            buyer_notices.append(number)
    # A buyer's notice about an order counts for the order's vendor.
    vendor_of = dict(db.session.execute(select(Order.number, Order.vendor_id).where(
        Order.number.in_(set(buyer_notices)))).all()) if buyer_notices else {}
    for number in buyer_notices:
        if vendor_of.get(number):
            by_vendor_id[vendor_of[number]] += 1
    names = dict(db.session.execute(select(Vendor.id, Vendor.business_name).where(
        Vendor.id.in_(set(by_vendor_id)))).all()) if by_vendor_id else {}
    return render_template(
        "admin/message_costs.html", since=since, categories=categories.most_common(),
        total=len(sent), by_order=by_order.most_common(100),
        by_vendor=[(names.get(v, v), n) for v, n in by_vendor_id.most_common(100)])
