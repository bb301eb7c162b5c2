"""What the buyer engine reads: `buyer_inputs` gathers, before each event, every fact the
pure engine may need (see the docstring of conversation/buyer.py): the parse of this message,
put on the event, and a `BuyerFacts` for the context — the profile, delivery towns, the
cached catalog, the listing facts of each SKU the message could touch, and the buyer's recent
orders."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from conversation.buyer import pay_offer_pick
from conversation.commands import Command, parse_command
from conversation.types import (
    BuyerFacts,
    BuyerProfile,
    Context,
    Event,
    OrderFacts,
    OrderItemFacts,
    ReorderLine,
)
from market.catalog_cache import current_catalog
from market.config import setting
from market.models import Buyer, Conversation, Order, Vendor
from market.payment_chat import account_facts
from market.pricing import listing_facts
from parsers import Catalog, ParseResult

log = logging.getLogger(__name__)
RECENT_ORDERS = 5


def buyer_inputs(session: Session, conv: Conversation, event: Event) -> tuple[Event, Context]:
    """The event as the buyer engine reads it (an onboarded buyer's order parsed, on
    `event.parse`) and everything it may read for it, gathered from the database."""
    buyer = conv.buyer
    if buyer is None:
        return event, Context(role="buyer", channel=conv.channel)
    if not buyer.profile_name and event.meta.get("ProfileName"):
        buyer.profile_name = str(event.meta["ProfileName"])[:120]
    config = current_app.config
    facts = BuyerFacts(profile=profile_of(buyer), towns=tuple(delivery_towns(session)),
                       handoff_hours=float(config.get("HANDOFF_HOURS", 12)),
                       draft_ttl_hours=float(config.get("DRAFT_TTL_HOURS", 24)),
                       country=str(config.get("DEFAULT_COUNTRY", "NP")))
    if buyer.onboarded or buyer.registered_by_staff:
        event, facts = _ordering_facts(session, conv, buyer, event, facts)
    return event, Context(role="buyer", channel=conv.channel, buyer=facts)


def profile_of(buyer: Buyer) -> BuyerProfile:
    return BuyerProfile(id=buyer.id, name=buyer.name, shop=buyer.shop_name, town=buyer.town,
                        language=buyer.language, currency=buyer.currency,
                        onboarded=bool(buyer.onboarded),
                        registered_by_staff=bool(buyer.registered_by_staff),
                        profile_name=buyer.profile_name, needs_phone=buyer.phone is None)


def delivery_towns(session: Session) -> list[str]:
    """Every town an active vendor delivers to, as spelled first."""
    seen: dict[str, str] = {}
    # Only the column: read on every buyer message, it need not build Vendor objects.
    towns = session.scalars(select(Vendor.delivery_towns).where(Vendor.is_active)
                            .order_by(Vendor.id))
    for listed in towns:
        for town in listed or []:
            seen.setdefault(str(town).strip().lower(), str(town).strip())
    return sorted(seen.values())


def _ordering_facts(session: Session, conv: Conversation, buyer: Buyer, event: Event,
                    facts: BuyerFacts) -> tuple[Event, BuyerFacts]:
    """The event with this message's parse, and `facts` with the catalog, the buyer's orders
    and the listing facts of every SKU the engine could price while handling this event."""
    catalog = current_catalog(session)
    said = event.text if event.kind == "text" else ""
    command = parse_command(said) if said else None
    # A photo's order is what OCR read in it, with its caption.
    wanted = event.order_text if event.kind != "timer" else ""
    parse = _parse(wanted, catalog) if wanted and command is None else None
    event = replace(event, parse=parse)
    facts = replace(facts, catalog=catalog, orders=tuple(recent_orders(session, buyer)))
    # `pay N`, or a tapped pay button of an order receipt (market/payment_chat.py).
    picked = pay_offer_pick(conv.state, conv.slots or {}, said) if command is None else None
    number = (command.arg if command is not None
              and command.name in ("status", "cancel", "pay") else picked)
    found = _order_of(session, buyer, number) if number else None
    if number:
        facts = replace(facts, order=order_facts(found) if found else None)
    if picked or (command is not None and command.name in ("pay", "balance")):
        facts = replace(facts, account=account_facts(session, buyer, found))
    if command is not None and command.name == "reorder":
        facts = replace(facts, last_order_lines=tuple(last_order_lines(session, buyer)))
    skus = _skus_to_price(conv, parse, command, catalog, facts.last_order_lines)
    offers = listing_facts(session, skus, buyer.town, buyer.currency)
    return event, replace(facts, offers=offers)


def _skus_to_price(conv: Conversation, parse: ParseResult | None, command: Command | None,
                   catalog: Catalog, reorder: Sequence[ReorderLine]) -> set[str]:
    """The parsed items and their alternatives, the draft's lines and choices, the last
    order's lines (for `reorder`) and what a price question names."""
    skus: set[str] = set()
    if parse is not None:
        skus.update(parse.asked)  # a price or stock question is answered from the listings
        for item in parse.items:
            skus.update((item.sku, *item.alternatives))
    for line in (conv.draft or {}).get("lines", []):
        skus.add(line["sku"])
    for question in (conv.draft or {}).get("questions", []):
        if question.get("kind") == "pick":
            skus.update(question["choices"])
    skus.update(line.sku for line in reorder)
    if command is not None and command.name == "quote" and command.arg:
        skus.update(sku for sku, _ in catalog.match(command.arg, limit=3))
    return skus


def _parse(said: str, catalog: Catalog) -> ParseResult | None:
    from parsers import LLMConfig, parse

    llm = LLMConfig.from_env() if current_app.config.get("OPENAI_API_KEY") else None
    # Intake caps what it stores, but OCR text, or rows stored before the cap, can be longer:
    # neither the parser nor the LLM gets more (a 1 MB body held the only worker for 11 s).
    said = said[:setting("MESSAGE_MAX_CHARS")]
    try:
        return parse(said, catalog, llm)
    except Exception:  # a parser bug must not stop the conversation; the buyer is asked again
        log.exception("parsing a buyer message failed")
        return None


def _order_of(session: Session, buyer: Buyer, number: str) -> Order | None:
    return session.scalar(select(Order).where(Order.buyer_id == buyer.id,
                                              Order.number == number.lstrip("#")))


def order_facts(order: Order) -> OrderFacts:
    """An order as plain data for the engine."""
    return OrderFacts(number=order.number, status=order.status, approval=order.approval,
                      vendor=order.vendor.business_name, total=order.total,
                      currency=order.currency,
                      items=tuple(OrderItemFacts(name=i.name, quantity=float(i.quantity),
                                                 unit=i.unit, subtotal=i.subtotal)
                                  for i in order.items))


def recent_orders(session: Session, buyer: Buyer) -> list[OrderFacts]:
    orders = session.scalars(select(Order).where(Order.buyer_id == buyer.id)
                             .options(selectinload(Order.vendor), selectinload(Order.items))
                             .order_by(Order.id.desc()).limit(RECENT_ORDERS))
    return [order_facts(o) for o in orders]


def last_order_lines(session: Session, buyer: Buyer) -> list[ReorderLine]:
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
    return [ReorderLine(sku=i.sku, base_quantity=float(i.quantity))
            for order in orders for i in order.items if i.sku]
