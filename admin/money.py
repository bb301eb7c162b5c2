"""Buyers' money: payments, the credit ledger and limits; vendors' plans and subscriptions."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import DecimalField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from market import payments as online
from market.db import db
from market.ledger import balance, record_payment
from market.models import Buyer, CreditEntry, Order, Payment, PaymentAttempt, Plan, Subscription
from market.models.payments import ATTEMPT_STATES
from market.tasks import after_commit

from . import bp
from .common import admin_required, audit, form_errors, paginate
from .forms import Amount, CreditLimitForm, PaymentForm, PlanForm


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


@bp.post("/buyers/<int:buyer_id>/reminders")
def buyer_reminders(buyer_id: int) -> Any:
    """Turn a buyer's dues reminders off or on again (they still get receipts and replies)."""
    found = _buyer(buyer_id)
    if not validate_csrf_form():
        return redirect(url_for("admin.buyer", buyer_id=found.id))
    found.payment_reminders = request.form.get("on") == "1"
    audit("buyer.payment_reminders", found, on=found.payment_reminders)
    db.session.commit()
    flash("Dues reminders " + ("on." if found.payment_reminders else "off."))
    return redirect(url_for("admin.buyer", buyer_id=found.id))


class RefundForm(FlaskForm):
    amount = DecimalField("Amount", places=2, validators=[InputRequired(), Amount(12, 2, "0.01")])
    note = StringField("Why", validators=[Optional(), Length(max=200)])


RECENT_ATTEMPTS = 20


@bp.get("/payments")
def payments() -> Any:
    """Online payment attempts (the newest) above the payments recorded in the ledger."""
    q = select(Payment).order_by(Payment.id.desc())
    page = paginate(db.session, q)
    attempts = db.session.scalars(select(PaymentAttempt).options(
        selectinload(PaymentAttempt.buyer), selectinload(PaymentAttempt.order))
        .order_by(PaymentAttempt.id.desc()).limit(RECENT_ATTEMPTS)).all()
    buyers = {b.id: b for b in db.session.scalars(
        select(Buyer).where(Buyer.id.in_([p.buyer_id for p in page.items])))}
    orders = {o.id: o for o in db.session.scalars(
        select(Order).where(Order.id.in_([p.order_id for p in page.items if p.order_id])))}
    return render_template("admin/payments.html", page=page, buyers=buyers, orders=orders,
                           attempts=attempts, refund_form=RefundForm(),
                           problems=len(online.reconciliation(db.session)))


@bp.get("/payments/online")
def payment_attempts() -> Any:
    """Every online payment attempt: provider, reference, status, amount, what the provider
    said when last asked."""
    q = select(PaymentAttempt).options(selectinload(PaymentAttempt.buyer),
                                       selectinload(PaymentAttempt.order))
    for name in ("status", "provider"):
        if request.args.get(name):
            q = q.where(getattr(PaymentAttempt, name) == request.args[name].strip())
    page = paginate(db.session, q.order_by(PaymentAttempt.id.desc()))
    return render_template("admin/payment_attempts.html", page=page, states=ATTEMPT_STATES,
                           providers=sorted(online.PROVIDERS))


@bp.get("/payments/reconcile")
def payment_reconciliation() -> Any:
    """Payments whose provider's word and our ledger disagree."""
    return render_template("admin/payment_reconcile.html",
                           problems=online.reconciliation(db.session))


@bp.post("/payments/online/<int:attempt_id>/check")
def payment_check(attempt_id: int) -> Any:
    """Ask the provider about an attempt again (a paid one too: a refund made at the
    provider then shows in the reconciliation). The answer is recorded by a job."""
    attempt = db.session.get(PaymentAttempt, attempt_id) or abort(404)
    if not validate_csrf_form():
        return redirect(url_for("admin.payment_attempts"))
    audit("payment.check", attempt, reference=attempt.reference)
    after_commit(db.session, "jobs.payments.lookup_again", attempt.id)
    db.session.commit()
    flash(f"Asked {online.NAMES[attempt.provider]} about {attempt.reference}.")
    back = "admin.payment_reconciliation" if request.form.get("back") == "reconcile" \
        else "admin.payment_attempts"
    return redirect(url_for(back))


@bp.post("/payments/<int:payment_id>/refund")
@admin_required
def payment_refund(payment_id: int) -> Any:
    """Record money given back: the ledger entry reversed, up to what is left of it."""
    payment = db.session.get(Payment, payment_id) or abort(404)
    form = RefundForm()
    if not form.validate_on_submit():
        flash(f"Refund not recorded: {form_errors(form)}", "error")
        return redirect(url_for("admin.payments"))
    try:
        entry = online.refund(db.session, payment, form.amount.data, staff=g.staff,
                              ip=request.remote_addr, note=(form.note.data or "").strip() or None)
    except ValueError as exc:  # raised before anything is written
        flash(f"Refund not recorded: Amount: {exc}", "error")
        return redirect(url_for("admin.payments"))
    db.session.commit()
    flash(f"Refund of {entry.amount} recorded.")
    return redirect(url_for("admin.payments"))


def validate_csrf_form() -> bool:
    """A bare button's CSRF token (forms without fields of their own)."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        flash("The form expired; try again.", "error")
        return False
    return True


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
