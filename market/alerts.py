"""Telling people things outside the conversation they are in: vendors on each of their alert
channels (SMS, WhatsApp, e-mail), buyers on WhatsApp. Everything goes through the outbox
(market.messaging.queue_outbound); each is sent once the caller commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from conversation.texts import amount
from conversation.texts_vendor import vtext
from market.messaging import get_or_create_conversation, queue_outbound
from market.models import Buyer, Conversation, Message, Order, Vendor

ALERT_CHANNELS = ("sms", "whatsapp", "email")


@dataclass(frozen=True)
class Local:
    """A value that is itself a text, put in the language of each message it goes into."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str | None) -> str:
        return vtext(self.key, language, **self.values)


@dataclass(frozen=True)
class Money:
    """An amount, written as the reader of each message reads money (`Rs 1,850.00`)."""

    value: Decimal
    currency: str

    def render(self, language: str | None) -> str:
        return amount(self.value, self.currency, language)


@dataclass(frozen=True)
class ItemLines:
    """An order's lines, one per item, with prices as the reader reads money."""

    order: Order

    def render(self, language: str | None) -> str:
        currency = self.order.currency
        return "\n".join(
            f"• {item.name} — {quantity(item.quantity)} {item.unit} × "
            f"{amount(item.unit_price, currency, language)} = "
            f"{amount(item.subtotal, currency, language)}" for item in self.order.items)


def plain_values(language: str | None, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with Local, Money and ItemLines rendered in `language`."""
    return {name: v.render(language) if isinstance(v, (Local, Money, ItemLines)) else v
            for name, v in values.items()}


def render(key: str, language: str | None, values: dict[str, Any]) -> str:
    """Text `key` in `language`, with Local, Money and ItemLines values rendered in the same
    language."""
    return vtext(key, language, **plain_values(language, values))


def notice_meta(key: str, language: str | None, values: dict[str, Any]) -> dict[str, Any]:
    """What a business-initiated message carries for its send (market/window.py): its kind
    (the text key), its values as the reader reads them, and the language, so that outside
    WhatsApp's window the approved template of that kind can say the same."""
    plain = plain_values(language, values)
    return {"kind": key, "language": language or "en",
            "values": {name: str(v) for name, v in plain.items()
                       if isinstance(v, (str, int, float, Decimal))}}


def _address(vendor: Vendor, channel: str) -> str | None:
    return vendor.email if channel == "email" else vendor.phone


def vendor_conversations(session: Session, vendor: Vendor) -> list[Conversation]:
    """One conversation per alert channel the vendor can be reached on (SMS when none is set)."""
    channels = [c for c in (vendor.alert_channels or []) if c in ALERT_CHANNELS] or ["sms"]
    found: list[Conversation] = []
    for channel in dict.fromkeys(channels):
        address = _address(vendor, channel)
        if not address:
            continue
        conv = get_or_create_conversation(session, channel, address)
        if conv.vendor_id is None and conv.buyer_id is None:
            conv.vendor_id = vendor.id
        found.append(conv)
    return found


def _vendor_language(convs: list[Conversation]) -> str | None:
    """A vendor who chose a language on one channel is written to in it on all of them."""
    return next((c.language for c in convs if c.language), None)


def alert_vendor(session: Session, vendor: Vendor, key: str, *,
                 subject_key: str | None = None, meta: dict[str, Any] | None = None,
                 prefix: Local | None = None, **values: Any) -> int:
    """Queue text `key` to the vendor on every alert channel; returns how many were queued."""
    convs = vendor_conversations(session, vendor)
    language = _vendor_language(convs)
    queued = 0
    for conv in convs:
        lang = conv.language or language
        body = render(key, lang, values)
        if prefix is not None:
            body = render(prefix.key, lang, prefix.values) + "\n" + body
        extra = {**notice_meta(key, lang, values), **(meta or {}),
                 "alert_channels": [c.channel for c in convs]}
        if subject_key and conv.channel == "email":
            extra["subject"] = render(subject_key, lang, values)
        message = queue_outbound(session, conv, body, meta=extra)
        if message is not None:
            queued += 1
    return queued


def buyer_conversation(session: Session, buyer: Buyer) -> Conversation:
    """The buyer's WhatsApp conversation, where everything about their orders is told: the
    one they write on (by phone, or by WhatsApp user id when they withheld the phone)."""
    if buyer.phone:
        conv = get_or_create_conversation(session, "whatsapp", buyer.phone)
    else:
        found = session.scalar(select(Conversation).where(
            Conversation.channel == "whatsapp", Conversation.buyer_id == buyer.id)
            .order_by(Conversation.id.desc()).limit(1))
        conv = found or get_or_create_conversation(session, "whatsapp",
                                                   buyer.wa_user_id or f"buyer:{buyer.id}")
    if conv.buyer_id is None and conv.vendor_id is None:
        conv.buyer_id = buyer.id
    return conv


def tell_buyer(session: Session, buyer: Buyer, key: str, **values: Any) -> Message | None:
    """Queue text `key` to the buyer on WhatsApp, in the buyer's language (with its kind and
    values, for the template that says it outside WhatsApp's window)."""
    conv = buyer_conversation(session, buyer)
    language = buyer.language or conv.language
    meta = notice_meta(key, language, values)
    if "number" in meta["values"]:
        meta["order"] = meta["values"]["number"]
    return queue_outbound(session, conv, render(key, language, values), meta=meta)


def quantity(value: Decimal | float | None) -> str:
    value = Decimal(str(value or 0)).normalize()
    return f"{value:f}"


def order_values(order: Order) -> dict[str, Any]:
    """What an order alert or reminder says about an order."""
    buyer = order.buyer
    return {"number": order.number, "items": ItemLines(order),
            "total": Money(order.total, order.currency),
            "shop": buyer.shop_name or buyer.name or "a shop", "town": buyer.town or "?"}


def alert_order(session: Session, order: Order, prefix: Local | None = None) -> int:
    """Send the new-order alert to the order's vendor: number, items, total, buyer's shop and
    town, and how to answer. Tagged so the alert job can tell it was already sent."""
    return alert_vendor(session, order.vendor, "order_alert",
                        subject_key="order_alert_subject",
                        meta={"alert": "order", "order": order.number},
                        prefix=prefix, **order_values(order))


def alert_cancelled(session: Session, order: Order) -> int:
    """Tell the order's vendor the buyer cancelled it."""
    return alert_vendor(session, order.vendor, "order_cancelled",
                        meta={"alert": "cancelled", "order": order.number},
                        **order_values(order))


def order_alerted(session: Session, order: Order, kind: str = "order") -> bool:
    """Whether alert `kind` for this order is already in the outbox (jobs may run twice)."""
    convs = select(Conversation.id).where(Conversation.vendor_id == order.vendor_id)
    found = session.scalar(
        select(Message.id).where(Message.conversation_id.in_(convs),
                                 Message.meta["order"].as_string() == order.number,
                                 Message.meta["alert"].as_string() == kind).limit(1))
    return found is not None


def unalerted_orders(session: Session, placed_between: tuple[datetime, datetime],
                     limit: int) -> list[int]:
    """Orders waiting for their vendor that were never alerted (their alert job was lost),
    placed in the given span: for the sweeper to alert again."""
    since, until = placed_between
    alerted = (select(Message.id)
               .join(Conversation, Message.conversation_id == Conversation.id)
               .where(Conversation.vendor_id == Order.vendor_id,
                      Message.meta["alert"].as_string() == "order",
                      Message.meta["order"].as_string() == Order.number)
               .exists())
    reachable = or_(Vendor.phone.is_not(None), Vendor.email.is_not(None))
    return list(session.scalars(
        select(Order.id).join(Vendor, Order.vendor_id == Vendor.id)
        .where(Order.status == "pending", Order.approval != "held", Order.created_at >= since,
               Order.created_at < until, reachable, ~alerted)
        .order_by(Order.id).limit(limit)))
