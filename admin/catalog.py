"""The catalog: products (their aliases drive parsing), listings, CSV import and export."""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import String, cast, select
from sqlalchemy.orm import selectinload

from market import import_progress as imports
from market import media, plans
from market.catalog_import import FORMULA_STARTS, RowError, parse_tiers, read_csv
from market.db import db
from market.models import Listing, Product, Vendor
from market.tasks import after_commit

from . import bp
from .common import audit, paginate, split_list
from .forms import ImportForm, ListingForm, ProductForm


@bp.get("/products")
def products() -> Any:
    q = select(Product).order_by(Product.sku)
    if request.args.get("q"):
        like = f"%{request.args['q'].strip()}%"
        q = q.where(Product.sku.ilike(like) | Product.name.ilike(like)
                    | cast(Product.aliases, String).ilike(like))
    if request.args.get("category"):
        q = q.where(Product.category == request.args["category"])
    return render_template("admin/products.html", page=paginate(db.session, q))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
def product(product_id: int) -> Any:
    item = db.session.get(Product, product_id) or abort(404)
    form = ProductForm(obj=item)
    if request.method == "GET":
        form.aliases.data = "\n".join(item.aliases or [])
    if form.validate_on_submit():
        before = list(item.aliases or [])
        item.name = form.name.data.strip()
        item.category = (form.category.data or "").strip() or None
        item.brand = (form.brand.data or "").strip() or None
        item.aliases = split_list(form.aliases.data.replace(",", "\n"))
        item.active = form.active.data
        audit("product.edit", item, sku=item.sku, aliases_before=before, aliases=item.aliases)
        db.session.commit()
        flash("Saved.")
        return redirect(url_for("admin.product", product_id=item.id))
    listings = db.session.scalars(select(Listing).where(Listing.product_id == item.id)
                                  .options(selectinload(Listing.vendor))
                                  .order_by(Listing.price)).all()
    return render_template("admin/product.html", product=item, form=form, listings=listings)


@bp.get("/listings")
def listings() -> Any:
    q = (select(Listing).join(Vendor).join(Product)
         .options(selectinload(Listing.vendor), selectinload(Listing.product))
         .order_by(Vendor.code, Product.sku))
    if request.args.get("vendor"):
        q = q.where(Vendor.code == request.args["vendor"].strip().upper())
    if request.args.get("sku"):
        q = q.where(Product.sku.ilike(f"%{request.args['sku'].strip()}%"))
    return render_template("admin/listings.html", page=paginate(db.session, q))


def _tiers_text(tiers: list[dict[str, Any]]) -> str:
    return ";".join(f"{t['min_qty']:g}:{t['percent_off']:g}" for t in tiers or [])


@bp.route("/listings/<int:listing_id>", methods=["GET", "POST"])
def listing(listing_id: int) -> Any:
    item = db.session.get(Listing, listing_id) or abort(404)
    form = ListingForm(obj=item)
    if request.method == "GET":
        form.tiers.data = _tiers_text(item.tiers)
    if form.validate_on_submit():
        try:
            tiers = parse_tiers(form.tiers.data or "")
        except RowError as exc:
            form.tiers.errors.append(str(exc))
        else:
            item.price, item.moq = form.price.data, form.moq.data
            item.stock = form.stock.data if form.stock.data is not None else Decimal("0")
            item.tiers, item.active = tiers, form.active.data
            audit("listing.edit", item, vendor=item.vendor.code, sku=item.product.sku,
                  price=item.price, stock=item.stock)
            db.session.commit()
            flash("Saved.")
            return redirect(url_for("admin.listing", listing_id=item.id))
    return render_template("admin/listing.html", listing=item, form=form)


@bp.route("/catalog/import", methods=["GET", "POST"])
def catalog_import() -> Any:
    form = ImportForm()
    if form.validate_on_submit():
        stored: list[list[str]] = []
        total = 0
        for upload in form.files.data:
            text = upload.read().decode("utf-8-sig", errors="replace")
            kind = imports.kind_of(text)
            if kind is None:
                form.files.errors.append(
                    f"{upload.filename}: not a products, vendors or listings CSV")
                continue
            total += len(read_csv(text))
            stored.append([kind, media.store(text.encode(), "text/csv", "imports")])
        if stored and not form.files.errors:
            import_id = imports.start(stored, total, g.staff.id)
            audit("catalog.import", ("import", import_id), files=[k for k, _ in stored],
                  rows=total)
            after_commit(db.session, "jobs.catalog.run_import", import_id, stored, g.staff.id)
            db.session.commit()
            return redirect(url_for("admin.catalog_import_status", import_id=import_id))
    return render_template("admin/import.html", form=form)


@bp.get("/catalog/import/<import_id>")
def catalog_import_status(import_id: str) -> Any:
    state = imports.progress(import_id)
    if state is None:
        abort(404)
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify({k: state.get(k) for k in ("status", "done", "total", "file", "summary",
                                                    "errors")})
    return render_template("admin/import_status.html", import_id=import_id, state=state)


def _cell(value: Any) -> Any:
    """Every cell a spreadsheet could run as a formula gets a leading quote (OWASP's CSV
    injection advice): `+1+cmd|...` is a formula as much as `=cmd|...`, so phone numbers are
    quoted too; the import takes the quote off again (market/catalog_import.py read_csv)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_response(name: str, header: list[str], rows: list[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[_cell(c) for c in r] for r in rows])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _packs(packs: dict[str, Any]) -> str:
    return ";".join(f"{unit}:{factor:g}" for unit, factor in (packs or {}).items())


@bp.get("/catalog/export/<name>")
def catalog_export(name: str) -> Any:
    audit("catalog.export", ("export", name))
    db.session.commit()
    if name == "products.csv":
        return _csv_response(name, ["sku", "name", "category", "brand", "base_unit",
                                    "pack_units", "content", "aliases"], [
            [p.sku, p.name, p.category or "", p.brand or "", p.base_unit, _packs(p.pack_units),
             p.content or "", "|".join(p.aliases or [])]
            for p in db.session.scalars(select(Product).order_by(Product.id))])
    if name == "vendors.csv":
        vendors = db.session.scalars(select(Vendor).order_by(Vendor.id)).all()
        current = plans.current_plans(db.session, [v.id for v in vendors])
        return _csv_response(name, ["code", "business_name", "phone", "email", "city",
                                    "delivery_areas", "categories", "plan", "verification",
                                    "alert_channels"], [
            [v.code, v.business_name, v.phone or "", v.email or "", v.town or "",
             "|".join(v.delivery_towns or []), "|".join(v.categories or []),
             current[v.id].code if v.id in current else "free", v.verification,
             "|".join(v.alert_channels or [])]
            for v in vendors])
    if name == "listings.csv":
        rows = db.session.scalars(select(Listing).options(
            selectinload(Listing.vendor), selectinload(Listing.product)).order_by(Listing.id))
        return _csv_response(name, ["vendor_code", "sku", "price", "currency", "moq", "stock",
                                    "tiers"], [
            [li.vendor.code, li.product.sku, f"{li.price:.2f}", li.currency, f"{li.moq:g}",
             f"{li.stock:g}", _tiers_text(li.tiers)]
            for li in rows])
    abort(404)
