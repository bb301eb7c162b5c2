"""The engine's I/O half: build the pure engine's inputs from stored rows (the state, the
event with a buyer's order parsed on it, the context), then apply the actions it returns
through one table, APPLIERS, which names the function that performs each kind of action."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeAlias

from sqlalchemy import select
from sqlalchemy.orm import Session

import conversation as engine
from conversation.actions import (
    AcceptQuote,
    AnswerOrder,
    CancelOrder,
    OpenRFQ,
    PayOrder,
    PlaceOrders,
    Reply,
    SetOptOut,
    SubmitQuote,
    UnlockLead,
    UpdateBuyer,
)
from market import buyer_flow, payment_chat, vendor_flow
from market.buyer_context import buyer_inputs
from market.db import utcnow
from market.messaging import say
from market.models import Buyer, Conversation, Message, Vendor
from market.window import release_held

log = logging.getLogger(__name__)

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


def inputs_of(session: Session, conv: Conversation,
              event: engine.Event) -> tuple[engine.Event, engine.Context]:
    """The event as the engine reads it (a buyer's order parsed, on `event.parse`) and the
    facts it may read, gathered by the side of the market this party is on."""
    if conv.vendor_id:
        return event, vendor_flow.vendor_context(conv)
    return buyer_inputs(session, conv, event)


def reply(session: Session, conv: Conversation, action: Reply) -> None:
    say(session, conv, action.text, options=action.options, force=action.even_if_opted_out,
        kind=action.kind, values=action.values)


def set_opt_out(session: Session, conv: Conversation, action: SetOptOut) -> None:
    conv.opted_out = action.opted_out
    if conv.buyer is not None:
        conv.buyer.opted_out = action.opted_out
    log.info("conversation %s opted %s", conv.id, "out" if action.opted_out else "in")


Applier: TypeAlias = Callable[[Session, Conversation, Any], None]

# Every action the engine can return, and who performs it.
APPLIERS: dict[type[engine.Action], Applier] = {
    Reply: reply,
    SetOptOut: set_opt_out,
    UpdateBuyer: buyer_flow.update_buyer,
    PlaceOrders: buyer_flow.place_orders,
    CancelOrder: buyer_flow.cancel_order,
    OpenRFQ: vendor_flow.open_rfq,
    AcceptQuote: vendor_flow.accept_quote,
    AnswerOrder: vendor_flow.answer_order,
    UnlockLead: vendor_flow.unlock_lead,
    SubmitQuote: vendor_flow.submit_quote,
    PayOrder: payment_chat.pay_order,
}


def run_engine(session: Session, conv: Conversation, event: engine.Event) -> None:
    """Feed one event to the engine and apply what it says (replies are sent after the
    caller commits)."""
    event, ctx = inputs_of(session, conv, event)
    new_state, actions = engine.handle(state_of(conv), event, ctx)
    save_state(conv, new_state)
    for action in actions:
        APPLIERS[type(action)](session, conv, action)


def handle_inbound(session: Session, conv: Conversation, message: Message) -> None:
    """Run the engine on one stored inbound message and mark it processed."""
    link_party(session, conv)
    conv.last_inbound_at = message.created_at
    release_held(session, conv)  # WhatsApp's window is open again: what waited for it goes
    run_engine(session, conv, event_of(message))
    message.processed_at = utcnow()
    message.status = "processed"
