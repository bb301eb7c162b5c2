"""Running the pure engine against stored conversations: build its inputs, apply its actions."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import conversation as engine
from app.db import utcnow
from app.messaging import queue_outbound
from app.models import Buyer, Conversation, Message, Vendor

log = logging.getLogger(__name__)

Applier = Callable[[Session, Conversation, Any, list[int]], None]
APPLIERS: dict[type, Applier] = {}


def applies(action_type: type) -> Callable[[Applier], Applier]:
    """Register the function that performs one kind of engine action."""

    def register(fn: Applier) -> Applier:
        APPLIERS[action_type] = fn
        return fn

    return register


def state_of(conv: Conversation) -> engine.State:
    return engine.State(name=conv.state, slots=dict(conv.slots or {}), draft=conv.draft,
                        language=conv.language, opted_out=conv.opted_out,
                        handoff_until=conv.handoff_until)


def save_state(conv: Conversation, state: engine.State) -> None:
    conv.state = state.name
    conv.slots = dict(state.slots)
    conv.draft = state.draft
    conv.language = state.language
    conv.opted_out = state.opted_out
    conv.handoff_until = state.handoff_until


def event_of(message: Message) -> engine.Event:
    media = message.media or []
    kind = "image" if media and not message.body else "text"
    read = [str(item.get("ocr_text") or "").strip() for item in media]
    return engine.Event(kind=kind, now=utcnow(), text=tapped(message) or message.body or "",
                        media_count=len(media), meta=dict(message.meta or {}),
                        ocr_text="\n".join(r for r in read if r),
                        media_errors=tuple(str(i["error"]) for i in media if i.get("error")))


def tapped(message: Message) -> str | None:
    """The option number of a tapped button or list row (our buttons' ids are the numbers), so
    a tap reads exactly like typing the number; None for typed messages."""
    meta = message.meta or {}
    for key in ("ButtonPayload", "ListId"):
        value = str(meta.get(key) or "").strip()
        if value.isdigit():
            return value
    return None


def link_party(session: Session, conv: Conversation) -> None:
    """Tie a conversation to the vendor whose phone it is, or else to a buyer (made on first
    contact, not yet onboarded)."""
    if conv.vendor_id or conv.buyer_id or conv.channel == "email":
        return
    vendor = session.scalar(select(Vendor).where(Vendor.phone == conv.address))
    if vendor is not None:
        conv.vendor_id = vendor.id
        return
    buyer = session.scalar(select(Buyer).where(Buyer.phone == conv.address))
    if buyer is None:
        buyer = Buyer(phone=conv.address)
        session.add(buyer)
        session.flush()
    conv.buyer_id = buyer.id
    conv.buyer = buyer
    conv.language = conv.language or buyer.language


def context_of(session: Session, conv: Conversation,
               event: engine.Event | None = None) -> engine.Context:
    """The facts the engine may read, gathered by the side of the market this party is on."""
    if conv.vendor_id:
        from app import vendor_flow

        return vendor_flow.vendor_context(session, conv)
    from app import buyer_flow

    return buyer_flow.buyer_context(session, conv, event)


def run_engine(session: Session, conv: Conversation, event: engine.Event) -> list[int]:
    """Feed one event to the engine, apply what it says; returns new outbound message ids."""
    new_state, actions = engine.handle(state_of(conv), event, context_of(session, conv, event))
    save_state(conv, new_state)
    outbound: list[int] = []
    for action in actions:
        applier = APPLIERS.get(type(action))
        if applier is None:
            raise TypeError(f"no applier for engine action {type(action).__name__}")
        applier(session, conv, action, outbound)
    return outbound


def handle_inbound(session: Session, conv: Conversation, message: Message) -> list[int]:
    link_party(session, conv)
    conv.last_inbound_at = message.created_at
    outbound = run_engine(session, conv, event_of(message))
    message.processed_at = utcnow()
    message.status = "processed"
    return outbound


def say(session: Session, conv: Conversation, body: str, out: list[int], *,
        options: tuple[str, ...] = (), force: bool = False) -> None:
    """Queue a message on `conv` and note its id in `out`, for sending after the commit."""
    meta: dict[str, Any] = {"options": list(options)} if options else {}
    if force:
        meta["even_if_opted_out"] = True
    msg = queue_outbound(session, conv, body, meta=meta, force=force)
    if msg is not None:
        out.append(msg.id)


@applies(engine.Reply)
def _reply(session: Session, conv: Conversation, action: engine.Reply, out: list[int]) -> None:
    say(session, conv, action.text, out, options=action.options,
        force=action.even_if_opted_out)


@applies(engine.SetOptOut)
def _opt_out(session: Session, conv: Conversation, action: engine.SetOptOut,
             out: list[int]) -> None:
    conv.opted_out = action.opted_out
    if conv.buyer is not None:
        conv.buyer.opted_out = action.opted_out
    log.info("conversation %s opted %s", conv.id, "out" if action.opted_out else "in")


# Each side of the market registers the appliers of its own actions.
from app import buyer_flow as _buyer_flow  # noqa: E402,F401
from app import vendor_flow as _vendor_flow  # noqa: E402,F401

