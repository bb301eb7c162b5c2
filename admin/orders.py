"""Orders: filters and search, keyset pages, detail with history, status changes and
approval of orders held for credit."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from market import staff_actions
from market.db import db
from market.models import ORDER_TRANSITIONS, Buyer, Order, Payment, Vendor
from market.models.orders import ORDER_STATUSES
from market.orders import TransitionError
from market.phones import normalise_phone

from . import bp
from .common import (
    PER_PAGE,
    actor,
    admin_required,
    audit,
    decode_cursor,
    encode_cursor,
    parse_day,
)
from .forms import StatusForm


def _filtered(args: Any) -> Any:
    q = select(Order)
    if args.get("number"):
        q = q.where(Order.number == args["number"].strip().lstrip("#"))
    if args.get("phone"):
        phone = normalise_phone(args["phone"])
        q = q.where(Order.buyer_id.in_(select(Buyer.id).where(Buyer.phone == (phone or ""))))
    if args.get("vendor"):
        q = q.where(Order.vendor_id.in_(
            select(Vendor.id).where(Vendor.code == args["vendor"].strip().upper())))
    if args.get("status"):
        q = q.where(Order.status == args["status"])
    if args.get("approval"):
        q = q.where(Order.approval == args["approval"])
    if args.get("escalated") == "yes":
        # Left unanswered by the vendor past ORDER_ESCALATE_MINUTES (jobs.vendor_duties).
        q = q.where(Order.escalated_at.is_not(None))
    start, end = parse_day(args.get("from")), parse_day(args.get("to"))
    if start:
        q = q.where(Order.created_at >= datetime.combine(start, time(), UTC))
    if end:
        q = q.where(Order.created_at < datetime.combine(end + timedelta(days=1), time(), UTC))
    return q


@bp.get("/orders")
def orders() -> Any:
    """Newest first, one keyset page at a time: (created_at, id) below the cursor, so the
    thousandth page costs what the first does (ix_orders_created_at_id)."""
    q = _filtered(request.args)
    cursor = decode_cursor(request.args.get("after"))
    if cursor:
        try:
            at, last_id = datetime.fromisoformat(cursor[0]), int(cursor[1])
        except (ValueError, TypeError, IndexError):
            abort(400)
        q = q.where(or_(Order.created_at < at, and_(Order.created_at == at, Order.id < last_id)))
    rows = list(db.session.scalars(
        q.options(selectinload(Order.buyer), selectinload(Order.vendor))
        .order_by(Order.created_at.desc(), Order.id.desc()).limit(PER_PAGE + 1)))
    more = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    after = encode_cursor(rows[-1].created_at, rows[-1].id) if more else None
    return render_template("admin/orders.html", orders=rows, after=after,
                           statuses=ORDER_STATUSES)


def _order(number: str) -> Order:
    return db.session.scalar(select(Order).where(Order.number == number)) or abort(404)


@bp.get("/orders/<number>")
def order(number: str) -> Any:
    found = _order(number)
    form = StatusForm()
    form.status.choices = [(s, s) for s in ORDER_TRANSITIONS.get(found.status, ())]
    payments = db.session.scalars(select(Payment).where(Payment.order_id == found.id)
                                  .order_by(Payment.id)).all()
    return render_template("admin/order.html", order=found, form=form, payments=payments)


@bp.post("/orders/<number>/status")
def order_status(number: str) -> Any:
    found = _order(number)
    form = StatusForm()
    form.status.choices = [(s, s) for s in ORDER_TRANSITIONS.get(found.status, ())]
    if not form.validate_on_submit():
        flash(f"Order {found.number} is {found.status}; pick one of the allowed statuses.",
              "error")
        return redirect(url_for("admin.order", number=number))
    before = found.status
    try:
        staff_actions.change_status(db.session, found, form.status.data, actor(),
                                    (form.note.data or "").strip() or None)
    except TransitionError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.order", number=number))
    audit("order.status", found, number=found.number, before=before, after=found.status,
          note=form.note.data or None)
    after = found.status
    db.session.commit()
    flash(f"Order {number} is now {after}.")
    return redirect(url_for("admin.order", number=number))


@bp.post("/orders/<number>/approval")
@admin_required
def order_approval(number: str) -> Any:
    """Release (or decline) an order held because it went over the buyer's credit limit; the
    buyer is told, and an approved order's vendor alerted."""
    found = _order(number)
    decision = request.form.get("decision")
    decide = {"approved": staff_actions.approve, "declined": staff_actions.decline}.get(
        decision or "")
    if decide is None:
        flash(f"Order {found.number} is not waiting for approval.", "error")
        return redirect(url_for("admin.order", number=number))
    try:
        decide(db.session, found, actor())
    except staff_actions.NotWaiting as exc:  # raised before anything changed
        flash(str(exc), "error")
        return redirect(url_for("admin.order", number=number))
    audit("order.approval", found, number=found.number, decision=decision)
    db.session.commit()
    flash(f"Order {number}: credit {decision}.")
    return redirect(url_for("admin.order", number=number))
