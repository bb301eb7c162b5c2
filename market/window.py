"""WhatsApp's customer-service window, and what happens to a message outside it.

A business may write free-form to a WhatsApp user only within WHATSAPP_WINDOW_HOURS (24) of the
user's last message to it. Later, only an approved template goes: Twilio takes a free-form send
and fails it afterwards with error 63016 in the status callback, Meta answers 131047. So every
WhatsApp message is routed when it is sent (jobs/outbound.py, `route_for` + `apply`), when the
window is known, and the decision is kept on its outbox row (route, template key, why):

- `free_form`: the window is open (or the person never wrote and this is no notice we have a
  template for: the provider then says whether it went);
- `template`: the window is closed and an approved template stands for the message's kind
  (meta `kind` and `values`, set where it was queued): it goes as that template;
- `rerouted`: no template fits: a vendor gets it by SMS (and e-mail when it has one) unless its
  alert already went those ways; a buyer who allows SMS gets it by SMS;
- `held`: a buyer who does not allow SMS gets it the moment they write again (`release_held`);
- `covered`: its words are already on their way another way (the template of its first part,
  or the vendor's own SMS alert).

When WhatsApp still refuses a free-form send (its clock is not ours), `refused` queues the
message again with the window taken as closed, so it takes the template or fallback path once;
a refused template is queued once more with templates ruled out. Nothing loops: a message is
followed up at most once for each reason.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from market.config import fractional_setting
from market.db import utcnow
from market.messaging import get_or_create_conversation, queue_outbound
from market.models import INBOUND, OUTBOUND, Conversation, Message, Outbox, Vendor
from market.tasks import send_after_commit
from market.templates import Chosen, choose, provider_of

log = logging.getLogger(__name__)

# Provider errors that mean "outside the window" (Twilio, Meta).
WINDOW_REFUSED = frozenset({"63016", "131047"})
# A send this close to the window's end may reach WhatsApp after it: taken as closed.
MARGIN = timedelta(minutes=1)
# A held message waits for the buyer's next message, not for a time.
HELD_FOR = timedelta(days=3650)
# Meta meta keys of a message's bookkeeping that a re-queued copy must not inherit.
_PART_KEYS = ("part", "parts", "reply", "provider", "window_refused")


def window_hours() -> float:
    """WHATSAPP_WINDOW_HOURS as configured (fractional hours allowed)."""
    return fractional_setting("WHATSAPP_WINDOW_HOURS")


@dataclass(frozen=True)
class WindowState:
    """When the person last wrote, when the window closes, and whether it is open now."""

    last_inbound: datetime | None
    closes_at: datetime | None
    open: bool

    def describe(self) -> str:
        if self.last_inbound is None or self.closes_at is None:
            return "closed: they have never written"
        stamp = self.closes_at.strftime("%Y-%m-%d %H:%M UTC")
        return f"open until {stamp}" if self.open else f"closed since {stamp}"


def last_inbound(session: Session, conv: Conversation) -> datetime | None:
    """When the person last wrote on this conversation (stored, processed or not)."""
    latest = session.scalar(select(func.max(Message.created_at)).where(
        Message.conversation_id == conv.id, Message.direction == INBOUND))
    found = [t for t in (conv.last_inbound_at, latest) if t is not None]
    return max(found) if found else None


def state(session: Session, conv: Conversation, now: datetime | None = None) -> WindowState:
    """The window of `conv` at `now`."""
    now = now or utcnow()
    last = last_inbound(session, conv)
    if last is None:
        return WindowState(None, None, False)
    closes = last + timedelta(hours=window_hours())
    return WindowState(last, closes, now < closes - MARGIN)


def windowed(message: Message) -> bool:
    """Whether the window applies: WhatsApp through a real provider (the console, in
    development, has no window and no templates)."""
    return (message.channel == "whatsapp" and message.direction == OUTBOUND
            and has_app_context() and provider_of(current_app.config) is not None)


@dataclass(frozen=True)
class Route:
    """How one message goes, and why. `fallback`: the channels it goes by instead."""

    route: str
    reason: str
    chosen: Chosen | None = None
    fallback: tuple[str, ...] = ()


def route_for(session: Session, message: Message, now: datetime | None = None) -> Route | None:
    """The route of outbound `message` now; None when no window applies to it."""
    if not windowed(message):
        return None
    conv = message.conversation
    meta = message.meta or {}
    kind = meta.get("kind")
    if meta.get("window") == "closed":
        why = "WhatsApp refused it as outside the window"
    else:
        window = state(session, conv, now)
        if window.open:
            return Route("free_form", f"window {window.describe()}")
        if window.last_inbound is None and not kind:
            return Route("free_form", "they have never written and this is a reply, not a "
                         "notice: sent as it is (WhatsApp says if it refuses it)")
        why = f"window {window.describe()}"
    return _closed(session, message, conv, why)


def _closed(session: Session, message: Message, conv: Conversation, why: str) -> Route:
    meta = message.meta or {}
    part = int(meta.get("part") or meta.get("was_part") or 1)
    chosen, none_why = None, "templates ruled out after WhatsApp refused the template"
    if not meta.get("no_template"):
        buyer = conv.buyer
        chosen, none_why = choose(
            session, meta.get("kind"), meta.get("language") or conv.language,
            meta.get("values") or {}, provider_of(current_app.config) or "",
            marketing_allowed=not (buyer is not None and buyer.marketing_opt_out))
    if chosen is not None:
        key = f"{chosen.template.key}/{chosen.language}"
        if part > 1:
            return Route("covered", f"{why}; template {key} carries the whole message")
        return Route("template", f"{why}; sent as approved template {key}", chosen)
    why = f"{why}; {none_why}"
    if conv.vendor is not None:
        return _vendor_fallback(conv.vendor, meta, why)
    buyer = conv.buyer
    if buyer is not None and buyer.sms_allowed and buyer.phone:
        return Route("rerouted", f"{why}; sent by SMS (the buyer allows it)", fallback=("sms",))
    return Route("held", f"{why}; held until the buyer writes again")


def _vendor_fallback(vendor: Vendor, meta: dict[str, Any], why: str) -> Route:
    """A vendor must not miss an order: SMS to its phone and e-mail when it has one, except
    the ways its alert already went (alert_vendor queued one per alert channel)."""
    already = set(meta.get("alert_channels") or ())
    ways = [c for c, address in (("sms", vendor.phone), ("email", vendor.email))
            if address and c not in already]
    if ways:
        return Route("rerouted", f"{why}; sent by {' and '.join(ways)}", fallback=tuple(ways))
    if already & {"sms", "email"}:
        return Route("covered", f"{why}; the vendor has it by {' and '.join(sorted(already))}")
    return Route("held", f"{why}; the vendor has no phone or e-mail: held until it writes")


def apply(session: Session, message: Message, route: Route) -> bool:
    """Record `route` on the message's outbox row and do what it says; whether the message
    is to be sent now (free-form or as its template). Flushes, never commits."""
    outbox = message.outbox
    if outbox is None:
        raise LookupError(f"message {message.id} has no outbox row to route")
    outbox.route = route.route
    outbox.route_reason = route.reason[:2000]
    outbox.template_key = route.chosen.template.key if route.chosen else None
    if route.route == "free_form":
        return True
    if route.route == "template" and route.chosen is not None:
        words = message.body
        message.body = route.chosen.body  # what the person reads, and what Twilio lists
        message.meta = {**{k: v for k, v in message.meta.items() if k != "options"},
                        "free_form": message.meta.get("free_form") or words,
                        "provider": route.chosen.provider_payload(),
                        "language": route.chosen.language}
        return True
    outbox.claimed_at = None
    if route.route == "held":
        message.status = "held_for_window"
        outbox.next_attempt_at = utcnow() + HELD_FOR
        return False
    if route.route == "rerouted":
        ids = [_queue_fallback(session, message, channel) for channel in route.fallback]
        sent = [str(i) for i in ids if i is not None]
        outbox.route = route.fallback[0]
        outbox.route_reason = (route.reason + (f" (message {', '.join(sent)})" if sent else
                                               ""))[:2000]
    message.status = "rerouted"
    outbox.done = True
    return False


def _queue_fallback(session: Session, message: Message, channel: str) -> int | None:
    """Queue `message`'s words on `channel` to the same vendor or buyer; the new row's id."""
    conv = message.conversation
    party = conv.vendor if conv.vendor is not None else conv.buyer
    if party is None:
        return None
    address = getattr(party, "email", None) if channel == "email" else party.phone
    if not address:
        return None
    other = get_or_create_conversation(session, channel, address)
    if other.vendor_id is None and other.buyer_id is None:
        if conv.vendor_id is not None:
            other.vendor_id = conv.vendor_id
        else:
            other.buyer_id = conv.buyer_id
    meta = {k: v for k, v in (message.meta or {}).items()
            if k in ("kind", "values", "alert", "order", "rfq", "language")}
    meta["fallback_of"] = message.id
    if channel == "email":
        meta["subject"] = (message.meta or {}).get("subject") or message.body.splitlines()[0][:120]
    queued = queue_outbound(session, other, message.body, meta=meta)
    return queued.id if queued is not None else None


def release_held(session: Session, conv: Conversation) -> int:
    """The person wrote: what was held for the window goes now, free-form, oldest first, before
    the replies to what they wrote (those are queued later). Returns how many."""
    held = list(session.scalars(
        select(Message).join(Outbox)
        .where(Message.conversation_id == conv.id, Message.status == "held_for_window",
               Outbox.done.is_(False))
        .order_by(Message.id)))
    now = utcnow()
    for message in held:
        if message.outbox is None:
            continue
        message.status = "pending"
        message.outbox.next_attempt_at = now
        message.outbox.route_reason = ((message.outbox.route_reason or "")
                                       + "; released when they wrote again")[:2000]
        send_after_commit(session, message.id)
    return len(held)


def refused(session: Session, message: Message, code: str | None) -> Message | None:
    """WhatsApp refused `message` as outside its window (63016, 131047): queue its words again
    with the window taken as closed (template, else SMS or held), or, when it was already a
    template, with templates ruled out. Once per reason; None when nothing more is done."""
    if message.direction != OUTBOUND or message.channel != "whatsapp":
        return None
    meta = dict(message.meta or {})
    if meta.get("window_refused") is not None or meta.get("no_template"):
        return None  # already followed up, or there is no further way on WhatsApp
    was_template = message.outbox is not None and message.outbox.route == "template"
    if not was_template and meta.get("window") == "closed":
        return None
    follow = {k: v for k, v in meta.items() if k not in _PART_KEYS}
    follow.update(window="closed", retry_of=message.id, was_part=meta.get("part", 1))
    if was_template:
        follow["no_template"] = True
    again = queue_outbound(session, message.conversation, _words(message), meta=follow)
    message.meta = {**meta, "window_refused": again.id if again is not None else 0}
    if message.outbox is not None:
        step = (f"WhatsApp refused it ({code or 'outside the window'}); queued again as "
                f"message {again.id}" if again is not None else "WhatsApp refused it")
        message.outbox.route_reason = "; ".join(
            r for r in (message.outbox.route_reason, step) if r)[:2000]
    log.info("message %s refused by WhatsApp (%s); followed up by %s", message.id, code,
             again.id if again is not None else None)
    return again


def _words(message: Message) -> str:
    """The free-form words of `message` (a template send keeps them in meta)."""
    return str((message.meta or {}).get("free_form") or message.body)
