"""RFQs and their leads: who was matched, who unlocked, who quoted."""
from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.db import db
from market.models import RFQ, Buyer, Lead, Vendor

from . import bp
from .common import paginate


@bp.get("/rfqs")
def rfqs() -> Any:
    q = select(RFQ).options(selectinload(RFQ.buyer)).order_by(RFQ.id.desc())
    if request.args.get("status"):
        q = q.where(RFQ.status == request.args["status"])
    if request.args.get("q"):
        like = f"%{request.args['q'].strip()}%"
        q = q.where(RFQ.text.ilike(like) | RFQ.number.ilike(like)
                    | RFQ.buyer_id.in_(select(Buyer.id).where(Buyer.phone.ilike(like))))
    return render_template("admin/rfqs.html", page=paginate(db.session, q))


@bp.get("/rfqs/<number>")
def rfq(number: str) -> Any:
    found = db.session.scalar(select(RFQ).where(RFQ.number == number)) or abort(404)
    return render_template("admin/rfq.html", rfq=found)


@bp.get("/leads")
def leads() -> Any:
    q = (select(Lead).options(selectinload(Lead.rfq), selectinload(Lead.vendor))
         .order_by(Lead.id.desc()))
    if request.args.get("vendor"):
        q = q.where(Lead.vendor_id.in_(
            select(Vendor.id).where(Vendor.code == request.args["vendor"].strip().upper())))
    if request.args.get("unlocked") in ("yes", "no"):
        q = q.where(Lead.locked.is_(request.args["unlocked"] == "no"))
    return render_template("admin/leads.html", page=paginate(db.session, q))
