"""Provider webhooks: verify, store once, commit, enqueue, answer. No parsing, no sending."""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError as SQLAlchemyOperationalError
from twilio.request_validator import RequestValidator

from market import tasks, window
from market.db import db
from market.messaging import Inbound, identify_whatsapp_user, intake_inbound, record_status
from market.models import Buyer, Conversation, Message
from market.phones import normalise_phone
from market.templates import REPLY_PREFIX

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signing_token() -> str:
    """The token Twilio signs with. Without Twilio credentials (local runs, the sandbox) a
    token derived from SECRET_KEY stands in, so the same verification path is always taken."""
    token = current_app.config.get("TWILIO_AUTH_TOKEN")
    if token:
        return token
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"sandbox-twilio-token", hashlib.sha256).hexdigest()


def public_url() -> str:
    """The URL the provider called, as it saw it: behind a proxy, our own URL differs."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = request.full_path if request.query_string else request.path
    if base:
        return base.rstrip("/") + path
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
    return f"{proto}://{host}{path}"


def _verify_twilio() -> dict[str, str]:
    form = request.form.to_dict(flat=True)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not RequestValidator(signing_token()).validate(
        public_url(), form, signature
    ):
        log.warning("refused a Twilio webhook with a bad signature from %s", request.remote_addr)
        abort(403)
    return form


def _twiml() -> Response:
    return Response(EMPTY_TWIML, status=200, mimetype="text/xml")


def _twilio_media(form: dict[str, str]) -> list[dict[str, Any]]:
    try:
        count = min(int(form.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    return [
        {"url": form[f"MediaUrl{i}"], "content_type": form.get(f"MediaContentType{i}")}
        for i in range(count)
        if form.get(f"MediaUrl{i}")
    ]


def _intake(inbound: Inbound) -> None:
    conversation_id, message_id = intake_inbound(db.autocommit_engine, inbound)  # committed
    if message_id is None:
        return
    try:
        if inbound.media:
            tasks.enqueue(tasks.PREPARE_MEDIA_JOB, message_id)  # fetch + OCR first
        else:
            tasks.enqueue_conversation(conversation_id)
    except Exception:
        # The message is stored: answering 500 would only lose it (Twilio does not retry) or
        # repeat it. The sweeper finds it unprocessed once the queue is back.
        log.exception("message %s stored but not enqueued; left to the sweeper", message_id)


def _twilio_inbound(channel: str) -> Response:
    form = _verify_twilio()
    sid = form.get("MessageSid") or form.get("SmsMessageSid")
    address = normalise_phone(form.get("From"), current_app.config["DEFAULT_COUNTRY"])
    if not sid or not address:
        # Signed but not a message we can attribute: accept it so Twilio does not retry.
        log.warning("signed %s webhook without MessageSid/From: %s", channel, sorted(form))
        return _twiml()
    meta = {k: form[k] for k in ("ProfileName", "WaId", "ButtonPayload", "ButtonText",
                                 "ListId", "ListTitle", "To") if form.get(k)}
    body = tapped_words(form.get("ButtonPayload")) or form.get("Body", "") or ""
    _intake(Inbound(channel=channel, address=address, provider_id=sid,
                    body=body, media=_twilio_media(form), meta=meta))
    return _twiml()


def tapped_words(payload: Any) -> str | None:
    """What a tapped template button says (`reply:accept 1042`): the words the person would
    have typed, read as if typed (market/templates.py sets such payloads)."""
    if isinstance(payload, str) and payload.startswith(REPLY_PREFIX):
        return payload[len(REPLY_PREFIX):].strip() or None
    return None


@bp.post("/twilio/whatsapp")
def twilio_whatsapp() -> Response:
    return _twilio_inbound("whatsapp")


@bp.post("/twilio/sms")
def twilio_sms() -> Response:
    return _twilio_inbound("sms")


@bp.post("/twilio/status")
def twilio_status() -> Response:
    form = _verify_twilio()
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    message_id = request.args.get("mid", type=int)
    code = form.get("ErrorCode") or None
    message = record_status(db.session, status, message_id=message_id,
                            provider_id=form.get("MessageSid") or form.get("SmsSid"),
                            error_code=code, error_message=form.get("ErrorMessage") or None)
    _after_failure(message, status, code)
    db.session.commit()
    return Response("", status=204)


def _after_failure(message: Message | None, status: str, code: str | None) -> None:
    """A WhatsApp send refused as outside the window (63016, 131047) takes the template or
    fallback path, once (market.window.refused); it is queued in this transaction."""
    if (message is not None and code in window.WINDOW_REFUSED
            and status.lower() in ("failed", "undelivered")):
        window.refused(db.session, message, code)


# --- WhatsApp Cloud API (Meta) -------------------------------------------------------------

@bp.get("/meta/whatsapp")
def meta_verify() -> Response:
    token = current_app.config.get("META_VERIFY_TOKEN")
    if (
        token
        and request.args.get("hub.mode") == "subscribe"
        and hmac.compare_digest(request.args.get("hub.verify_token", ""), token)
    ):
        return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")
    abort(403)


def _verify_meta() -> dict[str, Any]:
    secret = current_app.config.get("META_APP_SECRET")
    header = request.headers.get("X-Hub-Signature-256", "")
    if not secret or not header.startswith("sha256="):
        abort(403)
    expected = hmac.new(secret.encode(), request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(header[len("sha256="):], expected):
        abort(403)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        # Signed, so Meta's: refusing it would only have it delivered again for days.
        log.warning("signed Meta notification that is not a JSON object: %.200r",
                    request.get_data())
        return {}
    return payload


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects in a list of a notification; anything else there is ignored."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


MetaMessage = tuple[Any, dict[str, str]]


def _meta_events(payload: dict[str, Any]) -> tuple[list[MetaMessage], list[dict[str, Any]],
                                                     list[dict[str, Any]]]:
    """The messages (each with the profile names of its batch, by phone and by user id), the
    delivery statuses and the user preferences of a Cloud API notification, as delivered:
    each is read on its own later."""
    messages: list[MetaMessage] = []
    statuses: list[dict[str, Any]] = []
    preferences: list[dict[str, Any]] = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = _object(change.get("value"))
            names: dict[str, str] = {}
            for contact in _dicts(value.get("contacts")):
                name = _string(_object(contact.get("profile")).get("name"))
                for key in ("wa_id", "user_id"):
                    if contact.get(key):
                        names[str(contact[key])] = name
            raw = value.get("messages")
            messages.extend((m, names) for m in (raw if isinstance(raw, list) else []))
            statuses.extend(_dicts(value.get("statuses")))
            preferences.extend(_dicts(value.get("user_preferences")))
    return messages, statuses, preferences


def _meta_message(m: dict[str, Any], names: dict[str, str]) -> Inbound | None:
    """One Cloud API message as stored. Since 2026 Meta names users by a business-scoped user
    id (`from_user_id`) and may leave the phone (`from`) out for users with a username: the
    address is then the user id (market.messaging.identify_whatsapp_user joins the two)."""
    sender = m.get("from")
    sender = str(sender) if isinstance(sender, str | int) else ""
    user_id = _string(m.get("from_user_id") or m.get("user_id"))[:140]
    address = normalise_phone("+" + sender.lstrip("+")) if sender else None
    if not (address or user_id) or not _string(m.get("id")):
        return None
    kind = m.get("type")
    body, media, tapped = "", [], {}
    if kind == "text":
        body = _string(_object(m.get("text")).get("body"))
    elif kind in ("image", "document"):
        item = _object(m.get(kind))
        body = _string(item.get("caption"))
        media = [{"meta_id": item.get("id"), "content_type": item.get("mime_type")}]
    elif kind == "interactive":
        reply = _object(m.get("interactive"))
        picked = _object(reply.get("button_reply") or reply.get("list_reply"))
        body = _string(picked.get("title")) or str(picked.get("id") or "")
        tapped = {"ButtonPayload": str(picked["id"])} if picked.get("id") else {}
    elif kind == "button":
        button = _object(m.get("button"))
        body = tapped_words(button.get("payload")) or _string(button.get("text"))
        if _string(button.get("payload")).isdigit():
            tapped = {"ButtonPayload": button["payload"]}
    name = names.get(sender) or names.get(user_id)
    meta: dict[str, Any] = {"ProfileName": name} if name else {}
    if user_id:
        meta["user_id"] = user_id
    return Inbound(channel="whatsapp", address=address or user_id, provider_id=m["id"],
                   body=body, media=media, meta={**meta, **tapped})


def _identified(inbound: Inbound) -> Inbound:
    """`inbound` addressed to the conversation of the user it names (phone or user id)."""
    user_id = inbound.meta.get("user_id")
    if not user_id:
        return inbound
    phone = None if inbound.address == user_id else inbound.address
    address = identify_whatsapp_user(db.session, phone, user_id)
    db.session.commit()
    return replace(inbound, address=address)


# Meta: the user stopped marketing messages from businesses.
MARKETING_STOPPED = "131050"


def _meta_status(s: dict[str, Any]) -> None:
    """A Cloud API status: the delivery state, what Meta charges for the message (`pricing`:
    category and billable), and what a failure means (outside the window: the template or
    fallback path; marketing stopped: the buyer is marked)."""
    error = (_dicts(s.get("errors")) or [{}])[0]
    code, title = error.get("code"), error.get("title")
    code = str(code) if code is not None else None
    status = _string(s.get("status"))
    message = record_status(db.session, status, provider_id=_string(s.get("id")) or None,
                            error_code=code,
                            error_message=str(title) if title is not None else None)
    if message is None:
        return
    pricing = _object(s.get("pricing"))
    if pricing.get("category"):
        message.pricing_category = _string(pricing.get("category"))[:24] or None
    if isinstance(pricing.get("billable"), bool):
        message.billable = pricing["billable"]
    if code == MARKETING_STOPPED:
        _marketing(message.conversation.buyer, stopped=True)
    _after_failure(message, status, code)


def _marketing(buyer: Buyer | None, stopped: bool) -> None:
    if buyer is not None:
        buyer.marketing_opt_out = stopped


def _meta_preference(p: dict[str, Any]) -> None:
    """A `user_preferences` notification: the user stopped (or resumed) marketing messages."""
    if _string(p.get("category")) != "marketing_messages":
        return
    value = _string(p.get("value")).lower()
    if value not in ("stop", "resume"):
        return
    phone = normalise_phone("+" + _string(p.get("wa_id")).lstrip("+")) if p.get("wa_id") else None
    user_id = _string(p.get("user_id")) or None
    matches = [column == v for column, v in ((Buyer.phone, phone), (Buyer.wa_user_id, user_id))
               if v]
    if not matches:
        return
    for buyer in db.session.scalars(select(Buyer).where(or_(*matches))):
        _marketing(buyer, stopped=value == "stop")
    # A conversation's own record of the user id, for a buyer not linked by it yet.
    if user_id:
        for conv in db.session.scalars(select(Conversation).where(
                Conversation.user_id == user_id, Conversation.buyer_id.is_not(None))):
            _marketing(conv.buyer, stopped=value == "stop")


# The database itself is unreachable: Meta must deliver again (the app answers 503); what was
# stored already is recognised as a repeat then.
_OUTAGES = (SQLAlchemyOperationalError, psycopg.OperationalError)


def _each(items: list[Any], record: Callable[[Any], None], what: str) -> None:
    """Record each item in a transaction of its own; one that fails is logged and skipped."""
    for item in items:
        try:
            record(item)
            db.session.commit()
        except _OUTAGES:
            raise
        except Exception:
            db.session.rollback()
            log.exception("skipped %s that could not be recorded: %.200r", what, item)


@bp.post("/meta/whatsapp")
def meta_inbound() -> Response:
    """Each message and status of a notification on its own: one that cannot be read or
    stored is logged and skipped, the others are still stored, and the answer is 200 (Meta
    delivers anything else again for days)."""
    messages, statuses, preferences = _meta_events(_verify_meta())
    for m, names in messages:
        try:
            inbound = _meta_message(m, names) if isinstance(m, dict) else None
            if inbound is None:
                log.warning("skipped a Meta message without a sender or an id: %.200r", m)
                continue
            _intake(_identified(inbound))
        except _OUTAGES:
            raise
        except Exception:
            log.exception("skipped a Meta message that could not be stored: %.200r", m)
    _each(statuses, _meta_status, "a Meta status")
    _each(preferences, _meta_preference, "a Meta user preference")
    return Response("", status=200)
