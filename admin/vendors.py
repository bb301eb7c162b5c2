"""Vendors: list and filters, create/edit, verification with documents, block, plan."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import String, cast, select
from werkzeug.utils import secure_filename

from market import media, plans
from market.db import db, utcnow
from market.models import Listing, Plan, Subscription, Vendor, VendorDocument
from market.phones import normalise_phone

from . import bp
from .common import admin_required, audit, paginate, split_list
from .forms import DocumentForm, PlanChoiceForm, RejectForm, VendorForm

DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/webp"}


def _vendor(vendor_id: int) -> Vendor:
    return db.session.get(Vendor, vendor_id) or abort(404)


@bp.get("/vendors")
def vendors() -> Any:
    q = select(Vendor).order_by(Vendor.business_name, Vendor.id)
    args = request.args
    if args.get("q"):
        like = f"%{args['q'].strip()}%"
        q = q.where(Vendor.business_name.ilike(like) | Vendor.code.ilike(like)
                    | Vendor.phone.ilike(like))
    if args.get("town"):
        q = q.where(Vendor.town.ilike(args["town"].strip()))
    if args.get("category"):
        # Categories are a short JSON list; matching the quoted word is exact enough.
        q = q.where(cast(Vendor.categories, String).ilike(f'%"{args["category"].strip()}"%'))
    if args.get("verification"):
        q = q.where(Vendor.verification == args["verification"])
    if args.get("blocked") in ("yes", "no"):
        q = q.where(Vendor.blocked.is_(args["blocked"] == "yes"))
    if args.get("plan"):
        q = q.where(Vendor.id.in_(
            select(Subscription.vendor_id).join(Plan)
            .where(plans.is_current(utcnow()), Plan.code == args["plan"])))
    page = paginate(db.session, q)
    current = plans.current_plans(db.session, [v.id for v in page.items])
    return render_template("admin/vendors.html", page=page, plans=current,
                           all_plans=db.session.scalars(select(Plan).order_by(Plan.id)).all())


def _fill(vendor: Vendor, form: VendorForm) -> None:
    vendor.code = form.code.data.strip().upper()
    vendor.business_name = form.business_name.data.strip()
    vendor.phone = normalise_phone(form.phone.data) if form.phone.data else None
    vendor.email = (form.email.data or "").strip() or None
    vendor.town = (form.town.data or "").strip() or None
    vendor.delivery_towns = split_list(form.delivery_towns.data) or (
        [vendor.town] if vendor.town else [])
    vendor.categories = split_list(form.categories.data)
    vendor.alert_channels = list(form.alert_channels.data or [])


def _code_taken(code: str, vendor_id: int | None) -> bool:
    other = db.session.scalar(select(Vendor.id).where(Vendor.code == code.strip().upper()))
    return other is not None and other != vendor_id


@bp.route("/vendors/new", methods=["GET", "POST"])
def vendor_new() -> Any:
    form = VendorForm(alert_channels=["sms"])
    if form.validate_on_submit():
        if _code_taken(form.code.data, None):
            form.code.errors.append("this code is taken")
        else:
            vendor = Vendor(verification="pending")
            _fill(vendor, form)
            db.session.add(vendor)
            db.session.flush()
            free = db.session.scalar(select(Plan).where(Plan.code == "free"))
            if free is not None:
                plans.subscribe(db.session, vendor, free)
            audit("vendor.create", vendor, code=vendor.code)
            db.session.commit()
            flash(f"Vendor {vendor.code} created.")
            return redirect(url_for("admin.vendor", vendor_id=vendor.id))
    return render_template("admin/vendor_form.html", form=form, vendor=None)


@bp.route("/vendors/<int:vendor_id>/edit", methods=["GET", "POST"])
def vendor_edit(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    form = VendorForm(obj=vendor)
    if request.method == "GET":
        form.delivery_towns.data = ", ".join(vendor.delivery_towns or [])
        form.categories.data = ", ".join(vendor.categories or [])
    if form.validate_on_submit():
        if _code_taken(form.code.data, vendor.id):
            form.code.errors.append("this code is taken")
        else:
            _fill(vendor, form)
            audit("vendor.edit", vendor, code=vendor.code)
            db.session.commit()
            flash("Saved.")
            return redirect(url_for("admin.vendor", vendor_id=vendor.id))
    return render_template("admin/vendor_form.html", form=form, vendor=vendor)


@bp.get("/vendors/<int:vendor_id>")
def vendor(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    listings = paginate(db.session, select(Listing).where(Listing.vendor_id == vendor.id)
                        .order_by(Listing.id))
    plan_form = PlanChoiceForm()
    plan_form.plan.choices = [(p.code, p.name) for p in db.session.scalars(select(Plan))]
    sub = plans.current_subscription(db.session, vendor.id)
    if sub is not None:
        plan_form.plan.data = sub.plan.code
    return render_template("admin/vendor.html", vendor=vendor, listings=listings,
                           subscription=sub, reject_form=RejectForm(),
                           document_form=DocumentForm(), plan_form=plan_form)


@bp.post("/vendors/<int:vendor_id>/verify")
def vendor_verify(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    vendor.verification, vendor.verification_note = "verified", None
    audit("vendor.verify", vendor)
    db.session.commit()
    flash(f"{vendor.business_name} is verified.")
    return redirect(url_for("admin.vendor", vendor_id=vendor.id))


@bp.post("/vendors/<int:vendor_id>/reject")
def vendor_reject(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    form = RejectForm()
    if not form.validate_on_submit():
        flash("A rejection needs a reason.", "error")
        return redirect(url_for("admin.vendor", vendor_id=vendor.id))
    vendor.verification, vendor.verification_note = "rejected", form.reason.data.strip()
    audit("vendor.reject", vendor, reason=vendor.verification_note)
    db.session.commit()
    flash(f"{vendor.business_name} is rejected.")
    return redirect(url_for("admin.vendor", vendor_id=vendor.id))


@bp.post("/vendors/<int:vendor_id>/block")
def vendor_block(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    vendor.blocked = request.form.get("blocked") == "1"
    audit("vendor.block" if vendor.blocked else "vendor.unblock", vendor)
    db.session.commit()
    flash(f"{vendor.business_name} is {'blocked' if vendor.blocked else 'unblocked'}.")
    return redirect(url_for("admin.vendor", vendor_id=vendor.id))


@bp.post("/vendors/<int:vendor_id>/plan")
@admin_required
def vendor_plan(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    plan = db.session.scalar(select(Plan).where(Plan.code == request.form.get("plan", "")))
    if plan is None:
        abort(400)
    plans.subscribe(db.session, vendor, plan)
    audit("vendor.plan", vendor, plan=plan.code)
    db.session.commit()
    flash(f"{vendor.business_name} is on the {plan.name} plan.")
    return redirect(url_for("admin.vendor", vendor_id=vendor.id))


@bp.post("/vendors/<int:vendor_id>/documents")
def vendor_document(vendor_id: int) -> Any:
    vendor = _vendor(vendor_id)
    form = DocumentForm()
    upload = form.document.data if form.validate_on_submit() else None
    if upload is None or upload.mimetype not in DOCUMENT_TYPES:
        flash("Upload a PDF, JPEG, PNG or WebP file.", "error")
        return redirect(url_for("admin.vendor", vendor_id=vendor.id))
    try:
        key = media.store(upload.read(), upload.mimetype, "vendor-documents")
    except media.MediaError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.vendor", vendor_id=vendor.id))
    doc = VendorDocument(vendor_id=vendor.id, storage_key=key, content_type=upload.mimetype,
                         filename=(secure_filename(upload.filename or "") or "document")[:200])
    db.session.add(doc)
    db.session.flush()
    audit("vendor.document", vendor, document=doc.id, filename=doc.filename)
    db.session.commit()
    flash("Document uploaded.")
    return redirect(url_for("admin.vendor", vendor_id=vendor.id))


@bp.get("/documents/<int:document_id>")
def vendor_document_file(document_id: int) -> Any:
    doc = db.session.get(VendorDocument, document_id) or abort(404)
    link = media.url(doc.storage_key)
    if link:
        return redirect(link)
    try:
        data = media.open(doc.storage_key)
    except media.MediaError:
        abort(404)
    # Served as a download so an uploaded HTML/SVG can never run in the admin's origin.
    return Response(data, mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "X-Content-Type-Options": "nosniff"})
