"""The JSON API (bearer tokens from `flask staff token`)."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.db import db
from market.models import RFQ, Buyer, Conversation, Message, Order
from market.phones import normalise_phone
from market.staff import staff_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PAGE_LIMIT = 200


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        staff = staff_for_token(db.session, token.strip()) if scheme.lower() == "bearer" else None
        if staff is None:
            response = jsonify(error="a valid bearer token is required")
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
            return response
        db.session.commit()  # records last_used_at
        g.staff = staff
        return view(*args, **kwargs)

    return wrapper


@bp.errorhandler(404)
def not_found(_exc: Exception) -> Any:
    return jsonify(error="not found"), 404


def _filtered(query: Any, model: Any) -> Any:
    """The list filters both lists share: the buyer's phone and the status."""
    phone = _phone_arg()
    if phone:
        query = query.join(Buyer, model.buyer_id == Buyer.id).where(Buyer.phone == phone)
    if request.args.get("status"):
        query = query.where(model.status == request.args["status"])
    return query


def _phone_arg() -> str | None:
    raw = request.args.get("phone")
    if raw is None:
        return None
    phone = normalise_phone(raw)
    if phone is None:
        abort(jsonify(error=f"{raw!r} is not a phone number"), 400)  # type: ignore[arg-type]
    return phone


def order_json(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "approval": order.approval,
        "buyer": {"phone": order.buyer.phone, "name": order.buyer.name,
                  "shop": order.buyer.shop_name, "town": order.buyer.town},
        "vendor": {"code": order.vendor.code, "name": order.vendor.business_name},
        "items": [{"sku": i.sku, "name": i.name, "quantity": float(i.quantity), "unit": i.unit,
                   "unit_price": _money(i.unit_price), "subtotal": _money(i.subtotal)}
                  for i in order.items],
        "total": _money(order.total),
        "currency": order.currency,
        "payment_method": order.payment_method,
        "payment_status": order.payment_status,
        "created_at": order.created_at.isoformat(),
    }


@bp.get("/orders")
@token_required
def orders() -> Any:
    query = (select(Order).options(selectinload(Order.items), selectinload(Order.buyer),
                                   selectinload(Order.vendor))
             .order_by(Order.id.desc()).limit(PAGE_LIMIT))
    query = _filtered(query, Order)
    # Lists are bare JSON arrays of the objects CONTRACT.md describes.
    return jsonify([order_json(o) for o in db.session.scalars(query)])


@bp.get("/orders/<number>")
@token_required
def order(number: str) -> Any:
    found = db.session.scalar(select(Order).where(Order.number == number))
    if found is None:
        abort(404)
    return jsonify(order_json(found))


def rfq_json(rfq: RFQ) -> dict[str, Any]:
    return {
        "number": rfq.number, "status": rfq.status, "text": rfq.text,
        "quantity": float(rfq.quantity) if rfq.quantity is not None else None, "unit": rfq.unit,
        "town": rfq.town, "buyer": {"phone": rfq.buyer.phone, "name": rfq.buyer.name},
        "needed_by": rfq.needed_by.isoformat() if rfq.needed_by else None,
        "expires_at": rfq.expires_at.isoformat() if rfq.expires_at else None,
        "created_at": rfq.created_at.isoformat(),
        "leads": [{"vendor": lead.vendor.code, "score": round(lead.score, 3),
                   "unlocked": not lead.locked, "unlocked_via": lead.unlocked_via}
                  for lead in rfq.leads],
        "quotes": [{"number": q.position, "vendor": q.vendor.code, "price": _money(q.price),
                    "currency": q.currency, "unit": q.unit, "terms": q.terms,
                    "status": q.status} for q in rfq.quotes],
    }


@bp.get("/rfqs")
@token_required
def rfqs() -> Any:
    query = _filtered(select(RFQ).order_by(RFQ.id.desc()).limit(PAGE_LIMIT), RFQ)
    return jsonify([rfq_json(r) for r in db.session.scalars(query)])


@bp.get("/rfqs/<number>")
@token_required
def rfq(number: str) -> Any:
    found = db.session.scalar(select(RFQ).where(RFQ.number == number.upper()))
    if found is None:
        abort(404)
    return jsonify(rfq_json(found))


@bp.get("/conversations/<phone>/messages")
@token_required
def conversation_messages(phone: str) -> Any:
    e164 = normalise_phone(phone)
    if e164 is None:
        return jsonify(error=f"{phone!r} is not a phone number"), 400
    conv_ids = select(Conversation.id).where(Conversation.address == e164)
    query = select(Message).where(Message.conversation_id.in_(conv_ids))
    if request.args.get("channel"):
        query = query.where(Message.channel == request.args["channel"])
    messages = db.session.scalars(query.order_by(Message.id)).all()
    return jsonify([
        {"direction": m.direction, "channel": m.channel, "body": m.body, "status": m.status,
         "error_code": m.error_code, "media": len(m.media or []),
         "created_at": m.created_at.isoformat()}
        for m in messages
    ])
