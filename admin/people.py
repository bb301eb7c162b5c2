"""Staff accounts and the audit log: admins only."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from market.db import db
from market.models import AuditEvent, Staff
from market.staff import (
    create_staff,
    hash_password,
    live_tokens,
    revoke_token_id,
    revoke_tokens,
    token_expires_at,
)

from . import bp
from .common import PER_PAGE, admin_required, audit, parse_day
from .forms import StaffEditForm, StaffForm


@bp.route("/staff", methods=["GET", "POST"])
@admin_required
def staff_list() -> Any:
    form = StaffForm()
    if form.validate_on_submit():
        try:
            member = create_staff(db.session, form.email.data, form.role.data,
                                  form.password.data, name=(form.name.data or None))
        except ValueError as exc:
            form.email.errors.append(str(exc))
        else:
            audit("staff.create", member, email=member.email, role=member.role)
            db.session.commit()
            flash(f"{member.email} can now sign in.")
            return redirect(url_for("admin.staff_list"))
    members = db.session.scalars(select(Staff).order_by(Staff.email)).all()
    return render_template("admin/staff.html", members=members, form=form)


@bp.route("/staff/<int:staff_id>", methods=["GET", "POST"])
@admin_required
def staff_edit(staff_id: int) -> Any:
    member = db.session.get(Staff, staff_id) or abort(404)
    form = StaffEditForm(obj=member)
    if form.validate_on_submit():
        if member.id == g.staff.id and (form.role.data != "admin" or not form.active.data):
            flash("You cannot demote or deactivate yourself.", "error")
            return redirect(url_for("admin.staff_edit", staff_id=member.id))
        member.role, member.active = form.role.data, form.active.data
        if form.password.data:
            member.password_hash = hash_password(form.password.data)
        audit("staff.edit", member, email=member.email, role=member.role,
              active=member.active, password_changed=bool(form.password.data))
        db.session.commit()
        flash("Saved.")
        return redirect(url_for("admin.staff_list"))
    return render_template("admin/staff_edit.html", member=member, form=form,
                           tokens=live_tokens(db.session, member), expires=token_expires_at)


@bp.post("/staff/<int:staff_id>/tokens/revoke")
@admin_required
def staff_revoke_tokens(staff_id: int) -> Any:
    """Revoke one API token of a staff member (`token_id`) or, without one, all of them."""
    member = db.session.get(Staff, staff_id) or abort(404)
    token_id = request.form.get("token_id", type=int)
    if token_id is not None:
        revoked = 1 if revoke_token_id(db.session, member, token_id) else 0
    else:
        revoked = revoke_tokens(db.session, member)
    audit("staff.revoke_tokens", member, email=member.email, token=token_id, revoked=revoked)
    db.session.commit()
    flash(f"Revoked {revoked} API token{'s' if revoked != 1 else ''} of {member.email}.")
    return redirect(url_for("admin.staff_edit", staff_id=member.id))


@bp.get("/audit")
@admin_required
def audit_log() -> Any:
    """Newest first, keyset on id (the primary key), filtered by who, what and when."""
    q = select(AuditEvent)
    args = request.args
    if args.get("staff"):
        q = q.where(AuditEvent.staff_id.in_(
            select(Staff.id).where(Staff.email == args["staff"].strip().lower())))
    if args.get("action"):
        q = q.where(AuditEvent.action.startswith(args["action"].strip(), autoescape=True))
    if args.get("target"):
        q = q.where(AuditEvent.target_type == args["target"].strip())
    start, end = parse_day(args.get("from")), parse_day(args.get("to"))
    if start:
        q = q.where(AuditEvent.created_at >= datetime.combine(start, time(), UTC))
    if end:
        q = q.where(AuditEvent.created_at < datetime.combine(end + timedelta(days=1), time(),
                                                             UTC))
    before = args.get("before", type=int)
    if before:
        q = q.where(AuditEvent.id < before)
    rows = list(db.session.scalars(q.order_by(AuditEvent.id.desc()).limit(PER_PAGE + 1)))
    more = rows[PER_PAGE - 1].id if len(rows) > PER_PAGE else None
    rows = rows[:PER_PAGE]
    who = {s.id: s.email for s in db.session.scalars(
        select(Staff).where(Staff.id.in_({r.staff_id for r in rows if r.staff_id})))}
    return render_template("admin/audit.html", events=rows, who=who, before=more)
