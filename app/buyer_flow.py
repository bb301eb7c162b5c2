"""The buyer side of running the engine: the context it reads, the actions it returns.

`buyer_context` gathers, before each event, every fact the pure engine may need (see the
docstring of conversation/buyer.py): the profile, delivery towns, the cached catalog, this
message's parse, the listing facts of each SKU the message could touch, and the buyer's
recent orders. The appliers below persist what the engine decided; `PlaceOrders` prices each
line again from its listing row, so what is charged always comes from a listing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

import conversation as engine
from app import credit
from app.catalog_cache import current_catalog
from app.conversations import applies, say
from app.models import Buyer, Conversation, CreditEntry, Listing, Order, Vendor
from app.orders import ItemSnapshot, TransitionError, create_order, money, transition
from app.pricing import fact_of, listing_facts
from conversation.actions import CancelOrder, PlaceOrders, UpdateBuyer
from conversation.commands import parse_command
from conversation.offers import offer_for
from conversation.texts import amount, text

log = logging.getLogger(__name__)
RECENT_ORDERS = 5
PROFILE_FIELDS = {"name", "shop_name", "town", "language", "onboarded"}


# --- the context ------------------------------------------------------------------------------

def buyer_context(session: Session, conv: Conversation,
                  event: engine.Event | None = None) -> engine.Context:
    """Everything the buyer engine may read for this event, gathered from the database."""
    buyer = conv.buyer
    if buyer is None:
        return engine.Context(role="buyer", channel=conv.channel)
    if event is not None and not buyer.profile_name and event.meta.get("ProfileName"):
        buyer.profile_name = str(event.meta["ProfileName"])[:120]
    onboarded = bool(buyer.onboarded or buyer.registered_by_staff)
    extra: dict[str, Any] = {
        "towns": delivery_towns(session),
        "handoff_hours": current_app.config.get("HANDOFF_HOURS", 12),
        "draft_ttl_hours": current_app.config.get("DRAFT_TTL_HOURS", 24),
        "country": current_app.config.get("DEFAULT_COUNTRY", "NP"),
    }
    if onboarded:
        extra.update(_ordering_facts(session, conv, buyer, event))
    return engine.Context(role="buyer", channel=conv.channel, party=party_of(buyer),
                          extra=extra)


def party_of(buyer: Buyer) -> dict[str, Any]:
    return {"id": buyer.id, "phone": buyer.phone, "name": buyer.name, "shop": buyer.shop_name,
            "town": buyer.town, "language": buyer.language, "currency": buyer.currency,
            "onboarded": buyer.onboarded, "registered_by_staff": buyer.registered_by_staff,
            "profile_name": buyer.profile_name, "credit_limit": float(buyer.credit_limit or 0)}


def delivery_towns(session: Session) -> list[str]:
    """Every town an active vendor delivers to, as spelled first."""
    seen: dict[str, str] = {}
    vendors = session.scalars(select(Vendor).where(Vendor.verification == "verified",
                                                   Vendor.blocked.is_(False))
                              .order_by(Vendor.id))
    for vendor in vendors:
        for town in vendor.delivery_towns or []:
            seen.setdefault(str(town).strip().lower(), str(town).strip())
    return sorted(seen.values())


def _ordering_facts(session: Session, conv: Conversation, buyer: Buyer,
                    event: engine.Event | None) -> dict[str, Any]:
    """The catalog, this message's parse, the buyer's orders and the listing facts of every
    SKU the engine could price while handling this event."""
    catalog = current_catalog(session)
    said = event.text if event is not None and event.kind == "text" else ""
    command = parse_command(said) if said else None
    # A photo's order is what OCR read in it, with its caption.
    wanted = event.order_text if event is not None and event.kind != "timer" else ""
    parse = _parse(wanted, catalog) if wanted and command is None else None
    skus: set[str] = set()
    if parse is not None:
        for item in parse.items:
            skus.update((item.sku, *item.alternatives))
    for line in (conv.draft or {}).get("lines", []):
        skus.add(line["sku"])
    for question in (conv.draft or {}).get("questions", []):
        if question.get("kind") == "pick":
            skus.update(question["choices"])
    facts: dict[str, Any] = {"catalog": catalog, "parse": parse,
                             "orders": recent_orders(session, buyer)}
    if command is not None and command.name in ("status", "cancel") and command.arg:
        found = _order_of(session, buyer, command.arg)
        facts["order"] = order_facts(found) if found else None
    if command is not None and command.name == "reorder":
        facts["last_order_lines"] = last_order_lines(session, buyer)
        skus.update(line["sku"] for line in facts["last_order_lines"] if line["sku"])
    if command is not None and command.name == "quote" and command.arg:
        skus.update(sku for sku, _ in catalog.match(command.arg, limit=3))
    facts["offers"] = listing_facts(session, skus, buyer.town, buyer.currency)
    return facts


def _parse(said: str, catalog: Any) -> Any:
    from parsers import LLMConfig, parse

    llm = LLMConfig.from_env() if current_app.config.get("OPENAI_API_KEY") else None
    try:
        return parse(said, catalog, llm)
    except Exception:  # a parser bug must not stop the conversation; the buyer is asked again
        log.exception("parsing a buyer message failed")
        return None


def _order_of(session: Session, buyer: Buyer, number: str) -> Order | None:
    return session.scalar(select(Order).where(Order.buyer_id == buyer.id,
                                              Order.number == number.lstrip("#")))


def order_facts(order: Order) -> dict[str, Any]:
    """An order as plain data for the engine."""
    return {"number": order.number, "status": order.status, "approval": order.approval,
            "vendor": order.vendor.business_name, "total": str(order.total),
            "currency": order.currency, "draft_key": order.draft_key,
            "items": [{"sku": i.sku, "name": i.name, "quantity": float(i.quantity),
                       "unit": i.unit, "subtotal": str(i.subtotal)} for i in order.items]}


def recent_orders(session: Session, buyer: Buyer) -> list[dict[str, Any]]:
    orders = session.scalars(select(Order).where(Order.buyer_id == buyer.id)
                             .options(selectinload(Order.vendor), selectinload(Order.items))
                             .order_by(Order.id.desc()).limit(RECENT_ORDERS))
    return [order_facts(o) for o in orders]


def last_order_lines(session: Session, buyer: Buyer) -> list[dict[str, Any]]:
    """The lines of the buyer's last order: every vendor's part of the last confirmed draft."""
    last = session.scalar(select(Order).where(Order.buyer_id == buyer.id)
                          .order_by(Order.id.desc()).limit(1))
    if last is None:
        return []
    orders = [last]
    if last.draft_key:
        orders = list(session.scalars(select(Order).where(Order.buyer_id == buyer.id,
                                                          Order.draft_key == last.draft_key)
                                      .order_by(Order.id)))
    return [{"sku": i.sku, "base_quantity": float(i.quantity)}
            for order in orders for i in order.items if i.sku]


# --- after commit -------------------------------------------------------------------------------

def after_commit(session: Session, fn: Callable[..., Any], *args: Any) -> None:
    """Run `fn(*args)` once the session's transaction commits (never if it rolls back), e.g.
    to enqueue a job that must see the rows this transaction wrote."""
    session.info.setdefault("after_commit", []).append((fn, args))


@sa_event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for fn, args in session.info.pop("after_commit", []):
        try:
            fn(*args)
        except Exception:  # the commit happened; a lost alert is re-sent by the sweeper
            log.exception("after-commit hook %s failed", getattr(fn, "__name__", fn))


@sa_event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("after_commit", None)


def _enqueue_alert(order_id: int) -> None:
    try:
        from jobs.alerts import order_placed
    except ImportError:
        log.warning("jobs.alerts.order_placed is not there yet; order %s not alerted", order_id)
        return
    from jobs import queues
    from jobs.runner import enqueue

    enqueue(order_placed, order_id, queue=queues.DEFAULT)


# --- appliers -----------------------------------------------------------------------------------


@applies(UpdateBuyer)
def _update_buyer(session: Session, conv: Conversation, action: UpdateBuyer,
                  out: list[int]) -> None:
    if conv.buyer is None:
        return
    for key, value in action.changes.items():
        if key in PROFILE_FIELDS and value is not None:
            setattr(conv.buyer, key, value)


@applies(PlaceOrders)
def _place_orders(session: Session, conv: Conversation, action: PlaceOrders,
                  out: list[int]) -> None:
    buyer = conv.buyer
    language = action.language
    existing = _orders_of_draft(session, buyer, action.draft_key)
    if existing:
        numbers = ", ".join(f"#{o.number}" for o in existing)
        say(session, conv, text("already_placed", language, numbers=numbers), out)
        return
    try:
        with session.begin_nested():
            orders = place_orders(session, conv, buyer, action)
    except IntegrityError:
        # Placed by a racing worker between our check and our insert: the constraint held.
        numbers = ", ".join(f"#{o.number}" for o in _orders_of_draft(session, buyer,
                                                                      action.draft_key))
        say(session, conv, text("already_placed", language, numbers=numbers), out)
        return
    say(session, conv, placed_message(orders, language), out)
    for order in orders:
        if order.approval != "held":
            after_commit(session, _enqueue_alert, order.id)


def _orders_of_draft(session: Session, buyer: Buyer, key: str) -> list[Order]:
    return list(session.scalars(select(Order).where(Order.buyer_id == buyer.id,
                                                    Order.draft_key == key)
                                .order_by(Order.id)))


def place_orders(session: Session, conv: Conversation, buyer: Buyer,
                 action: PlaceOrders) -> list[Order]:
    """One order per vendor from the confirmed lines, priced from their listings; on credit
    when the buyer has a limit, held for staff when it would go over."""
    ids = [line["listing_id"] for line in action.lines]
    listings = {row.id: row for row in session.scalars(
        select(Listing).where(Listing.id.in_(ids)).options(
            selectinload(Listing.vendor), selectinload(Listing.product)))}
    by_vendor: dict[int, list[ItemSnapshot]] = {}
    vendors: dict[int, Vendor] = {}
    for line in action.lines:
        listing = listings.get(line["listing_id"])
        if listing is None or not listing.active:
            log.warning("listing %s vanished before order; line %s skipped",
                        line["listing_id"], line["sku"])
            continue
        quantity = Decimal(str(line["base_quantity"]))
        offer = offer_for(fact_of(listing), quantity)
        vendors[listing.vendor_id] = listing.vendor
        by_vendor.setdefault(listing.vendor_id, []).append(ItemSnapshot(
            sku=listing.product.sku, name=listing.product.name, quantity=quantity,
            unit=listing.product.base_unit, unit_price=offer.unit_price,
            product_id=listing.product_id))
    on_credit = money(buyer.credit_limit or 0) > 0
    room = credit.headroom(session, buyer) if on_credit else Decimal("0")
    orders = []
    for vendor_id, items in by_vendor.items():
        value = money(sum((i.subtotal for i in items), Decimal("0")))
        held = on_credit and value > room
        order = create_order(session, buyer, vendors[vendor_id], items, actor="buyer",
                             currency=buyer.currency,
                             payment_method="credit" if on_credit else "cod",
                             draft_key=action.draft_key, conversation_id=conv.id,
                             approval="held" if held else "none")
        if on_credit and not held:
            credit.charge_order(session, order)
            room -= value
        orders.append(order)
    session.flush()
    return orders


def placed_message(orders: list[Order], language: str) -> str:
    """The buyer's receipt: each order's number, vendor, amount and payment; held ones named."""
    rows = [text("placed_line", language, number=o.number, vendor=o.vendor.business_name,
                 amount=amount(o.total, o.currency, language),
                 payment=text("pay_credit" if o.payment_method == "credit" else "pay_cod",
                              language)) for o in orders]
    parts = [text("placed", language, count=len(orders), orders="\n".join(rows))]
    held = [f"#{o.number}" for o in orders if o.approval == "held"]
    if held:
        parts.append(text("held", language, numbers=", ".join(held)))
    parts.append(text("placed_footer", language))
    return "\n\n".join(parts)


@applies(CancelOrder)
def _cancel_order(session: Session, conv: Conversation, action: CancelOrder,
                  out: list[int]) -> None:
    buyer = conv.buyer
    order = session.scalar(select(Order).where(Order.buyer_id == buyer.id,
                                               Order.number == action.number)
                           .with_for_update())
    if order is None:
        say(session, conv, text("status_unknown", action.language, number=action.number), out)
        return
    try:
        transition(order, "cancelled", actor="buyer", note="cancelled by the buyer on chat")
    except TransitionError:
        status = text(f"status_{order.status}", action.language)
        say(session, conv, text("cancel_refused", action.language, number=order.number,
                                 status=status), out)
        return
    refund_credit(session, order)
    say(session, conv, text("cancelled", action.language, number=order.number), out)
    after_commit(session, _enqueue_cancelled, order.id)


def refund_credit(session: Session, order: Order) -> None:
    """Take a cancelled order off the buyer's account, if it was put there."""
    charged = session.scalar(select(CreditEntry).where(CreditEntry.order_id == order.id,
                                                       CreditEntry.kind == "order"))
    if charged is not None:
        session.add(CreditEntry(buyer_id=order.buyer_id, order_id=order.id,
                                amount=-money(charged.amount), kind="adjustment",
                                note=f"order {order.number} cancelled"))


def _enqueue_cancelled(order_id: int) -> None:
    # The vendor side may tell the vendor; skip quietly until it offers a job for that.
    try:
        from jobs.alerts import order_cancelled  # type: ignore[attr-defined]
    except ImportError:
        return
    from jobs import queues
    from jobs.runner import enqueue

    enqueue(order_cancelled, order_id, queue=queues.DEFAULT)

