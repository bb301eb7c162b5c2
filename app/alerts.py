"""Telling people things outside the conversation they are in: vendors on each of their alert
channels (SMS, WhatsApp, e-mail), buyers on WhatsApp. Everything goes through the outbox
(app.messaging.queue_outbound); the caller commits and then enqueues the sends."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.messaging import get_or_create_conversation, queue_outbound
from app.models import Buyer, Conversation, Message, Order, Vendor
from conversation.texts_vendor import vtext

ALERT_CHANNELS = ("sms", "whatsapp", "email")


@dataclass(frozen=True)
class Local:
    """A value that is itself a text, put in the language of each message it goes into."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def render(key: str, language: str | None, values: dict[str, Any]) -> str:
    """Text `key` in `language`, with Local values rendered in the same language."""
    plain = {name: vtext(v.key, language, **v.values) if isinstance(v, Local) else v
             for name, v in values.items()}
    return vtext(key, language, **plain)


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


def alert_vendor(session: Session, vendor: Vendor, key: str, out: list[int], *,
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
        extra = dict(meta or {})
        if subject_key and conv.channel == "email":
            extra["subject"] = render(subject_key, lang, values)
        message = queue_outbound(session, conv, body, meta=extra)
        if message is not None:
            out.append(message.id)
            queued += 1
    return queued


def buyer_conversation(session: Session, buyer: Buyer) -> Conversation:
    """The buyer's WhatsApp conversation, where everything about their orders is told."""
    conv = get_or_create_conversation(session, "whatsapp", buyer.phone)
    if conv.buyer_id is None and conv.vendor_id is None:
        conv.buyer_id = buyer.id
    return conv


def tell_buyer(session: Session, buyer: Buyer, key: str, out: list[int],
               **values: Any) -> Message | None:
    """Queue text `key` to the buyer on WhatsApp, in the buyer's language."""
    conv = buyer_conversation(session, buyer)
    language = buyer.language or conv.language
    message = queue_outbound(session, conv, render(key, language, values))
    if message is not None:
        out.append(message.id)
    return message


def amount(value: Decimal | None) -> str:
    """Money as people write it: 1,850 or 1,850.50."""
    value = Decimal(value or 0)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


def quantity(value: Decimal | float | None) -> str:
    value = Decimal(str(value or 0)).normalize()
    return f"{value:f}"


def item_lines(order: Order) -> str:
    return "\n".join(f"• {item.name} — {quantity(item.quantity)} {item.unit} × "
                     f"{amount(item.unit_price)} = {amount(item.subtotal)}"
                     for item in order.items)


def order_values(order: Order) -> dict[str, Any]:
    """What an order alert or reminder says about an order."""
    buyer = order.buyer
    return {"number": order.number, "items": item_lines(order), "total": amount(order.total),
            "currency": order.currency, "shop": buyer.shop_name or buyer.name or "a shop",
            "town": buyer.town or "?"}


def alert_order(session: Session, order: Order, out: list[int],
                prefix: Local | None = None) -> int:
    """Send the new-order alert to the order's vendor: number, items, total, buyer's shop and
    town, and how to answer. Tagged so the alert job can tell it was already sent."""
    return alert_vendor(session, order.vendor, "order_alert", out,
                        subject_key="order_alert_subject",
                        meta={"alert": "order", "order": order.number},
                        prefix=prefix, **order_values(order))


def alert_cancelled(session: Session, order: Order, out: list[int]) -> int:
    """Tell the order's vendor the buyer cancelled it."""
    return alert_vendor(session, order.vendor, "order_cancelled", out,
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
