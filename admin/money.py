"""Buyers' money: payments, the credit ledger and limits; vendors' plans and subscriptions."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from market.db import db
from market.ledger import balance, record_payment
from market.models import Buyer, CreditEntry, Order, Payment, Plan, Subscription

from . import bp
from .common import admin_required, audit, form_errors, paginate
from .forms import CreditLimitForm, PaymentForm, PlanForm


@bp.get("/buyers")
def buyers() -> Any:
    q = select(Buyer).order_by(Buyer.id.desc())
    if request.args.get("q"):
        like = f"%{request.args['q'].strip()}%"
        q = q.where(Buyer.phone.ilike(like) | Buyer.name.ilike(like)
                    | Buyer.shop_name.ilike(like) | Buyer.profile_name.ilike(like))
    if request.args.get("town"):
        q = q.where(Buyer.town.ilike(request.args["town"].strip()))
    if request.args.get("owing") == "yes":
        q = q.where(Buyer.id.in_(select(CreditEntry.buyer_id).group_by(CreditEntry.buyer_id)
                                 .having(func.sum(CreditEntry.amount) > 0)))
    page = paginate(db.session, q)
    balances = dict(db.session.execute(
        select(CreditEntry.buyer_id, func.sum(CreditEntry.amount))
        .where(CreditEntry.buyer_id.in_([b.id for b in page.items]))
        .group_by(CreditEntry.buyer_id)).all())
    return render_template("admin/buyers.html", page=page, balances=balances)


def _buyer(buyer_id: int) -> Buyer:
    return db.session.get(Buyer, buyer_id) or abort(404)


@bp.get("/buyers/<int:buyer_id>")
def buyer(buyer_id: int) -> Any:
    found = _buyer(buyer_id)
    ledger = paginate(db.session, select(CreditEntry).where(CreditEntry.buyer_id == found.id)
                      .order_by(CreditEntry.id.desc()))
    orders = db.session.scalars(select(Order).where(Order.buyer_id == found.id)
                                .order_by(Order.id.desc()).limit(20)).all()
    return render_template("admin/buyer.html", buyer=found, ledger=ledger, orders=orders,
                           balance=balance(db.session, found.id),
                           payment_form=PaymentForm(),
                           limit_form=CreditLimitForm(credit_limit=found.credit_limit))


@bp.post("/buyers/<int:buyer_id>/payments")
def buyer_payment(buyer_id: int) -> Any:
    found = _buyer(buyer_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        flash(f"Payment not recorded: {form_errors(form)}", "error")
        return redirect(url_for("admin.buyer", buyer_id=found.id))
    if not _may_record(form.amount.data):
        flash(f"Payment not recorded: Amount: only an admin may record a payment above "
              f"{current_app.config['PAYMENT_STAFF_MAX']:,}.", "error")
        return redirect(url_for("admin.buyer", buyer_id=found.id))
    order = None
    if form.order.data:
        order = db.session.scalar(select(Order).where(
            Order.number == form.order.data.strip().lstrip("#"), Order.buyer_id == found.id))
        if order is None:
            flash(f"This buyer has no order {form.order.data}.", "error")
            return redirect(url_for("admin.buyer", buyer_id=found.id))
    try:
        payment = record_payment(db.session, found, form.amount.data, method=form.method.data,
                                 reference=(form.reference.data or "").strip() or None,
                                 order=order, staff_id=g.staff.id)
    except ValueError as exc:
        flash(f"Payment not recorded: Amount: {exc}", "error")
        return redirect(url_for("admin.buyer", buyer_id=found.id))
    audit("payment.record", payment, buyer=found.phone, amount=payment.amount,
          order=order.number if order else None)
    db.session.commit()
    flash(f"Payment of {payment.amount} recorded.")
    return redirect(url_for("admin.buyer", buyer_id=found.id))


def _may_record(amount: Decimal) -> bool:
    """Plain staff record payments up to PAYMENT_STAFF_MAX; a larger one lifts the buyer's
    headroom as much as a credit limit would, and credit limits are for admins."""
    return g.staff.role == "admin" or amount <= current_app.config["PAYMENT_STAFF_MAX"]


@bp.post("/buyers/<int:buyer_id>/credit-limit")
@admin_required
def buyer_credit_limit(buyer_id: int) -> Any:
    found = _buyer(buyer_id)
    form = CreditLimitForm()
    if not form.validate_on_submit():
        flash(f"Credit limit not saved: {form_errors(form)}", "error")
        return redirect(url_for("admin.buyer", buyer_id=found.id))
    before = found.credit_limit
    found.credit_limit = form.credit_limit.data
    audit("buyer.credit_limit", found, before=before, after=found.credit_limit)
    db.session.commit()
    flash("Credit limit saved.")
    return redirect(url_for("admin.buyer", buyer_id=found.id))


@bp.get("/payments")
def payments() -> Any:
    q = select(Payment).order_by(Payment.id.desc())
    page = paginate(db.session, q)
    buyers = {b.id: b for b in db.session.scalars(
        select(Buyer).where(Buyer.id.in_([p.buyer_id for p in page.items])))}
    orders = {o.id: o for o in db.session.scalars(
        select(Order).where(Order.id.in_([p.order_id for p in page.items if p.order_id])))}
    return render_template("admin/payments.html", page=page, buyers=buyers, orders=orders)


@bp.get("/plans")
def plans() -> Any:
    subs = paginate(db.session, select(Subscription)
                    .options(selectinload(Subscription.vendor), selectinload(Subscription.plan))
                    .order_by(Subscription.id.desc()))
    return render_template("admin/plans.html", plans=db.session.scalars(
        select(Plan).order_by(Plan.price_monthly)).all(), subscriptions=subs)


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@admin_required
def plan(plan_id: int) -> Any:
    found = db.session.get(Plan, plan_id) or abort(404)
    form = PlanForm(obj=found)
    if form.validate_on_submit():
        form.populate_obj(found)
        found.lead_priority = found.lead_priority or 0
        audit("plan.edit", found, code=found.code, price=found.price_monthly,
              unlocks=found.unlocks_per_month)
        db.session.commit()
        flash("Plan saved.")
        return redirect(url_for("admin.plans"))
    return render_template("admin/plan.html", plan=found, form=form)
