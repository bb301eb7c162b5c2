"""The JSON API (bearer tokens from `flask staff token`).

Lists are bare JSON arrays (CONTRACT.md), paged with `limit` (1 to 200, default 200) and `page`
(from 1); when there is a next page its URL is in the `Link: <…>; rel="next"` header. A bad
parameter is a 400 with `{"error": "…"}`, never a 200 carrying an error or a 500.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, NoReturn

from flask import Blueprint, abort, g, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from market import ledger
from market.db import db
from market.models import RFQ, Buyer, Conversation, Message, Order, Vendor
from market.models.orders import ORDER_STATUSES
from market.phones import normalise_phone
from market.staff import staff_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PAGE_LIMIT = 200
# Offset pages stop here: deeper than 200,000 rows a client filters instead.
MAX_PAGE = 1000


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def bad_request(message: str) -> NoReturn:
    """Answer 400 with a JSON error now."""
    response = jsonify(error=message)
    response.status_code = 400
    abort(response)


@bp.before_request
def _refuse_nul() -> None:
    # PostgreSQL text cannot hold NUL: a NUL reaching a query would be a 500, so it is a 400.
    if "\x00" in request.path or any("\x00" in value
                                     for values in request.args.listvalues()
                                     for value in values):
        bad_request("NUL is not allowed in a URL")


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        staff = staff_for_token(db.session, token.strip()) if scheme.lower() == "bearer" else None
        if staff is None:
            # Unknown, revoked and expired tokens get the same answer.
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


@bp.errorhandler(400)
def bad(exc: Exception) -> Any:
    # bad_request() answers with its own JSON; this catches any other 400 (a broken request).
    response = getattr(exc, "response", None)
    return response if response is not None else (jsonify(error="bad request"), 400)


def _whole_number(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7 and low <= int(raw) <= high):
        bad_request(f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def paged(query: Select[Any]) -> tuple[list[Any], dict[str, str]]:
    """One page of `query` as `limit` and `page` ask, and the Link header to the next one."""
    limit = _whole_number("limit", PAGE_LIMIT, 1, PAGE_LIMIT)
    page = _whole_number("page", 1, 1, MAX_PAGE)
    rows = list(db.session.scalars(query.limit(limit + 1).offset((page - 1) * limit)))
    headers = {}
    if len(rows) > limit and page < MAX_PAGE:
        args = {**request.args.to_dict(), "limit": str(limit), "page": str(page + 1)}
        nxt = url_for(request.endpoint or "", **(request.view_args or {}), **args)
        headers["Link"] = f'<{nxt}>; rel="next"'
    return rows[:limit], headers


def _filtered(query: Any, model: Any, statuses: tuple[str, ...] | None = None) -> Any:
    """The list filters both lists share: the buyer's phone and the status."""
    phone = _phone_arg()
    if phone:
        query = query.join(Buyer, model.buyer_id == Buyer.id).where(Buyer.phone == phone)
    status = request.args.get("status")
    if status:
        if statuses is not None and status not in statuses:
            bad_request(f"status must be one of {', '.join(statuses)}")
        query = query.where(model.status == status)
    return query


def _phone_arg() -> str | None:
    raw = request.args.get("phone")
    return None if raw is None else _phone(raw)


def _phone(raw: str) -> str:
    """The E.164 number `raw` names, or a 400 now."""
    phone = normalise_phone(raw)
    if phone is None:
        bad_request(f"{raw[:40]!r} is not a phone number")
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
def orders() -> ResponseReturnValue:
    query = (select(Order).options(selectinload(Order.items), selectinload(Order.buyer),
                                   selectinload(Order.vendor))
             .order_by(Order.id.desc()))
    rows, headers = paged(_filtered(query, Order, ORDER_STATUSES))
    # Lists are bare JSON arrays of the objects CONTRACT.md describes.
    return jsonify([order_json(o) for o in rows]), 200, headers


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
def rfqs() -> ResponseReturnValue:
    rows, headers = paged(_filtered(select(RFQ).order_by(RFQ.id.desc()), RFQ))
    return jsonify([rfq_json(r) for r in rows]), 200, headers


@bp.get("/rfqs/<number>")
@token_required
def rfq(number: str) -> Any:
    found = db.session.scalar(select(RFQ).where(RFQ.number == number.upper()))
    if found is None:
        abort(404)
    return jsonify(rfq_json(found))


@bp.get("/conversations/<phone>/messages")
@token_required
def conversation_messages(phone: str) -> ResponseReturnValue:
    """The transcript, oldest first, a page at a time (`limit`, `page`)."""
    e164 = _phone(phone)
    conv_ids = select(Conversation.id).where(Conversation.address == e164)
    query = select(Message).where(Message.conversation_id.in_(conv_ids))
    if request.args.get("channel"):
        query = query.where(Message.channel == request.args["channel"])
    messages, headers = paged(query.order_by(Message.id))
    return jsonify([
        {"direction": m.direction, "channel": m.channel, "body": m.body, "status": m.status,
         "error_code": m.error_code, "media": len(m.media or []),
         "created_at": m.created_at.isoformat()}
        for m in messages
    ]), 200, headers


@bp.get("/buyers/<phone>")
@token_required
def buyer(phone: str) -> Any:
    """A buyer's profile and account: what they owe now and their credit limit."""
    e164 = _phone(phone)
    found = db.session.scalar(select(Buyer).where(Buyer.phone == e164))
    if found is None:
        abort(404)
    return jsonify({"phone": found.phone, "name": found.name, "shop": found.shop_name,
                    "town": found.town, "language": found.language,
                    "location": None,  # buyers do not share locations yet
                    "balance": float(ledger.balance(db.session, found.id)),
                    "credit_limit": _money(found.credit_limit)})


# A vendor's answered orders: those it took on, and those it turned down.
TAKEN = ("accepted", "dispatched", "delivered")


@bp.get("/vendors/<code>")
@token_required
def vendor(code: str) -> Any:
    """A vendor's standing: rating, how many orders it has had, and its reliability (the share
    of the orders it answered that it took on; null before it has answered any)."""
    found = db.session.scalar(select(Vendor).where(Vendor.code == code.strip().upper()))
    if found is None:
        abort(404)
    counts = dict(db.session.execute(
        select(Order.status, func.count(Order.id)).where(Order.vendor_id == found.id)
        .group_by(Order.status)).tuples().all())
    taken = sum(counts.get(status, 0) for status in TAKEN)
    answered = taken + counts.get("rejected", 0)
    return jsonify({"code": found.code, "name": found.business_name,
                    "rating": _money(found.rating), "orders": sum(counts.values()),
                    "reliability": round(taken / answered, 3) if answered else None})
