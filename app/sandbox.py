"""A web chat that plays a WhatsApp phone against this server, through the real webhook.

Each message is posted to `/webhooks/twilio/whatsapp` with a valid Twilio signature, so it
takes exactly the road a real one takes. Served only when SANDBOX_ENABLED is set (`make run`
sets it).
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
    session,
)
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from market.db import db
from market.media_intake import SANDBOX_MEDIA_PATH
from market.models import Conversation, Message
from market.phones import normalise_phone

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")
IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
               "application/pdf": ".pdf"}


LOOPBACK = {"127.0.0.1", "::1"}


@bp.before_request
def _enabled() -> Any:
    """Served only when SANDBOX_ENABLED is set; to anyone but this machine, only to signed-in
    staff (the sandbox posts as any phone, signed as the provider would)."""
    if not current_app.config["SANDBOX_ENABLED"]:
        abort(404)
    if _from_this_machine():
        return None
    from admin.common import require_staff

    return require_staff()


def _from_this_machine() -> bool:
    # A proxy on this machine makes every client look local: forwarded requests never count.
    forwarded = request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded")
    return request.remote_addr in LOOPBACK and not forwarded


def _media_dir() -> Path:
    path = Path(current_app.config["MEDIA_ROOT"]) / "sandbox"
    path.mkdir(parents=True, exist_ok=True)
    return path


@bp.get("")
@bp.get("/")
def page() -> Any:
    return render_template("sandbox/chat.html")


def _signed_post(path: str, form: dict[str, str]) -> Any:
    from app.webhooks import signing_token

    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://localhost").rstrip("/")
    signature = RequestValidator(signing_token()).compute_signature(base + path, form)
    client = current_app.test_client()
    return client.post(path, data=form, base_url=base, headers={"X-Twilio-Signature": signature})


@bp.post("/send")
def send() -> Any:
    phone = normalise_phone(request.form.get("phone", ""), current_app.config["DEFAULT_COUNTRY"])
    if phone is None:
        return jsonify(error="enter a phone number, e.g. +9779812345678"), 400
    body = request.form.get("text", "").strip()
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": "ACsandbox",
        "From": f"whatsapp:{phone}", "To": "whatsapp:+10000000000", "Body": body,
        "NumMedia": "0",
    }
    if request.form.get("profile_name"):
        form["ProfileName"] = request.form["profile_name"]
    upload = request.files.get("image")
    if upload is not None and upload.filename:
        suffix = IMAGE_TYPES.get(upload.mimetype or "", ".bin")
        name = uuid.uuid4().hex + suffix
        upload.save(_media_dir() / name)
        form.update(NumMedia="1", MediaContentType0=upload.mimetype or "application/octet-stream",
                    MediaUrl0=_media_url(name))
    if not body and form["NumMedia"] == "0":
        return jsonify(error="type a message or attach an image"), 400
    _remember(phone)
    response = _signed_post("/webhooks/twilio/whatsapp", form)
    return jsonify(status=response.status_code, sid=form["MessageSid"]), (
        200 if response.status_code == 200 else 502)


# A browser sees of a phone's transcript only what came after it first chatted as that phone
# in the sandbox, never the history of a real buyer or vendor whose number it types.
SESSION_KEY = "sandbox_since"


def _remember(phone: str) -> None:
    """Note where this browser's part of `phone`'s transcript begins (kept for 20 phones)."""
    since: dict[str, int] = dict(session.get(SESSION_KEY, {}))
    if phone not in since:
        conv = _conversation(phone)
        last = db.session.scalar(select(func.max(Message.id)).where(
            Message.conversation_id == conv.id)) if conv is not None else None
        since[phone] = int(last or 0)
    session[SESSION_KEY] = dict(list(since.items())[-20:])


def _conversation(phone: str) -> Conversation | None:
    return db.session.scalar(select(Conversation).where(Conversation.channel == "whatsapp",
                                                        Conversation.address == phone))


def _media_url(name: str) -> str:
    # From the configured base, never the request's Host: the worker fetches this URL, and a
    # forged Host would send it anywhere (media_intake fetches the sandbox's uploads only from
    # SANDBOX_MEDIA_BASE_URL, under SANDBOX_MEDIA_PATH, and only while the sandbox is on).
    base = str(current_app.config.get("SANDBOX_MEDIA_BASE_URL") or "").rstrip("/")
    return f"{base}{SANDBOX_MEDIA_PATH}{name}"


@bp.get("/media/<name>")  # SANDBOX_MEDIA_PATH, under the blueprint's /sandbox
def media(name: str) -> Any:
    return send_from_directory(_media_dir(), name)


@bp.get("/messages")
def messages() -> Any:
    phone = normalise_phone(request.args.get("phone", ""), current_app.config["DEFAULT_COUNTRY"])
    since = session.get(SESSION_KEY, {})
    if phone is None or phone not in since:
        return jsonify([])
    conv = _conversation(phone)
    if conv is None:
        return jsonify([])
    rows = db.session.scalars(
        select(Message).where(Message.conversation_id == conv.id, Message.id > since[phone])
        .order_by(Message.id)
    ).all()
    return jsonify([{"id": m.id, "direction": m.direction, "body": m.body, "status": m.status,
                     "media": len(m.media or []), "options": m.meta.get("options", []),
                     "at": m.created_at.strftime("%H:%M")} for m in rows])
