"""Provider webhooks: verify, store once, commit, enqueue, answer. No parsing, no sending."""
from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from market import tasks
from market.db import db
from market.messaging import Inbound, intake_inbound, record_status
from market.phones import normalise_phone

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
    if message_id is not None and inbound.media:
        tasks.enqueue(tasks.PREPARE_MEDIA_JOB, message_id)  # fetch + OCR first
    elif message_id is not None:
        tasks.enqueue_conversation(conversation_id)


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
    _intake(Inbound(channel=channel, address=address, provider_id=sid,
                    body=form.get("Body", "") or "", media=_twilio_media(form), meta=meta))
    return _twiml()


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
    record_status(db.session, status, message_id=message_id,
                  provider_id=form.get("MessageSid") or form.get("SmsSid"),
                  error_code=form.get("ErrorCode") or None,
                  error_message=form.get("ErrorMessage") or None)
    db.session.commit()
    return Response("", status=204)


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
        abort(400)
    return payload


def _meta_events(payload: dict[str, Any]) -> tuple[list[Inbound], list[dict[str, Any]]]:
    """Inbound messages and delivery statuses from a Cloud API notification."""
    messages: list[Inbound] = []
    statuses: list[dict[str, Any]] = []
    for entry in payload.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name")
                     for c in value.get("contacts") or []}
            for m in value.get("messages") or []:
                inbound = _meta_message(m, names)
                if inbound is not None:
                    messages.append(inbound)
            statuses.extend(value.get("statuses") or [])
    return messages, statuses


def _meta_message(m: dict[str, Any], names: dict[str, Any]) -> Inbound | None:
    address = normalise_phone("+" + str(m.get("from", "")).lstrip("+"))
    if not address or not m.get("id"):
        return None
    kind = m.get("type")
    body, media, tapped = "", [], {}
    if kind == "text":
        body = (m.get("text") or {}).get("body", "")
    elif kind in ("image", "document"):
        item = m.get(kind) or {}
        body = item.get("caption", "") or ""
        media = [{"meta_id": item.get("id"), "content_type": item.get("mime_type")}]
    elif kind == "interactive":
        reply = (m.get("interactive") or {})
        picked = reply.get("button_reply") or reply.get("list_reply") or {}
        body = picked.get("title", "") or picked.get("id", "")
        tapped = {"ButtonPayload": str(picked["id"])} if picked.get("id") else {}
    elif kind == "button":
        body = (m.get("button") or {}).get("text", "")
    meta = {"ProfileName": names.get(m.get("from"))} if names.get(m.get("from")) else {}
    return Inbound(channel="whatsapp", address=address, provider_id=m["id"], body=body,
                   media=media, meta={**meta, **tapped})


@bp.post("/meta/whatsapp")
def meta_inbound() -> Response:
    messages, statuses = _meta_events(_verify_meta())
    for inbound in messages:
        _intake(inbound)
    for s in statuses:
        errors = s.get("errors") or [{}]
        record_status(db.session, s.get("status", ""), provider_id=s.get("id"),
                      error_code=errors[0].get("code"), error_message=errors[0].get("title"))
    db.session.commit()
    return Response("", status=200)
