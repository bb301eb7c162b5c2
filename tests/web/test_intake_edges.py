"""The HTTP edge: signatures behind proxies, Meta's webhook, status callbacks,
health checks and the sandbox. Jobs run inline (no Redis) inside a rolled-back transaction."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from market.messaging import queue_outbound
from market.models import INBOUND, OUTBOUND, Conversation, Message

TOKEN = "edge-auth-token"
PHONE = "+9779812300001"


@pytest.fixture
def twilio_app(app):
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID=None)
    return app


def _form(body: str = "help", sid: str | None = None) -> dict[str, str]:
    return {"MessageSid": sid or "SM" + uuid.uuid4().hex, "From": f"whatsapp:{PHONE}",
            "To": "whatsapp:+9779800000000", "Body": body, "NumMedia": "0"}


def _signed(url: str, form: dict[str, str]) -> str:
    return RequestValidator(TOKEN).compute_signature(url, form)


def stored(db, direction: str = INBOUND) -> int:
    return db.scalar(select(func.count(Message.id)).where(Message.direction == direction))


def test_signature_checked_against_the_public_url_behind_a_proxy(twilio_app, client, db):
    twilio_app.config["PUBLIC_BASE_URL"] = "https://wholesale.example.com"
    form = _form()
    good = _signed("https://wholesale.example.com/webhooks/twilio/whatsapp", form)
    # Signed for the URL Twilio called, not the one the app sees behind the proxy.
    wrong = _signed("http://localhost/webhooks/twilio/whatsapp", form)
    assert client.post("/webhooks/twilio/whatsapp", data=form,
                       headers={"X-Twilio-Signature": wrong}).status_code == 403
    assert stored(db) == 0
    response = client.post("/webhooks/twilio/whatsapp", data=form,
                           headers={"X-Twilio-Signature": good})
    assert response.status_code == 200
    assert response.mimetype == "text/xml" and b"<Response></Response>" in response.data
    assert stored(db) == 1


def test_x_forwarded_proto_is_honoured_without_a_public_url(twilio_app, client, db):
    form = _form()
    signature = _signed("https://localhost/webhooks/twilio/whatsapp", form)
    assert client.post("/webhooks/twilio/whatsapp", data=form,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    response = client.post("/webhooks/twilio/whatsapp", data=form,
                           headers={"X-Twilio-Signature": signature,
                                    "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert stored(db) == 1


def test_tampered_body_and_missing_signature_leave_nothing(twilio_app, client, db):
    form = _form("2 bora chamal")
    signature = _signed("http://localhost/webhooks/twilio/whatsapp", form)
    tampered = {**form, "Body": "200 bora chamal"}
    assert client.post("/webhooks/twilio/whatsapp", data=tampered,
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    assert client.post("/webhooks/twilio/sms", data=form).status_code == 403
    status = {"MessageSid": "SMx", "MessageStatus": "failed"}
    assert client.post("/webhooks/twilio/status", data=status).status_code == 403
    assert db.scalar(select(func.count(Message.id))) == 0
    assert db.scalar(select(func.count(Conversation.id))) == 0


def test_a_repeat_is_answered_200_and_stores_nothing_new(twilio_app, client, db):
    form = _form(sid="SM" + "a" * 32)
    signature = _signed("http://localhost/webhooks/twilio/whatsapp", form)
    for _ in range(3):
        assert client.post("/webhooks/twilio/whatsapp", data=form,
                           headers={"X-Twilio-Signature": signature}).status_code == 200
    assert stored(db) == 1
    assert stored(db, OUTBOUND) == 1  # one reply, not three


def test_status_callbacks_never_move_a_message_back(twilio_app, client, db):
    conv = Conversation(channel="whatsapp", address=PHONE)
    db.add(conv)
    db.flush()
    message = queue_outbound(db, conv, "your order 1001 is placed")
    message.provider_id = "SM" + "b" * 32
    db.flush()

    def callback(status: str, **extra: str) -> int:
        form = {"MessageSid": message.provider_id, "MessageStatus": status, **extra}
        url = f"http://localhost/webhooks/twilio/status?mid={message.id}"
        return client.post(f"/webhooks/twilio/status?mid={message.id}", data=form,
                           headers={"X-Twilio-Signature": _signed(url, form)}).status_code

    assert callback("delivered") == 204
    assert callback("sent") == 204  # late and out of order
    db.refresh(message)
    assert message.status == "delivered"
    assert callback("read") == 204
    db.refresh(message)
    assert message.status == "read"


def test_failed_callback_keeps_the_error_code(twilio_app, client, db):
    conv = Conversation(channel="sms", address=PHONE)
    db.add(conv)
    db.flush()
    message = queue_outbound(db, conv, "new order 1001")
    # As the send job leaves it: handed to Twilio, which reports the failure later.
    message.provider_id, message.status, message.outbox.done = "SM" + "c" * 32, "sent", True
    db.flush()
    form = {"MessageSid": message.provider_id, "MessageStatus": "undelivered",
            "ErrorCode": "30003", "ErrorMessage": "Unreachable destination handset"}
    signature = _signed("http://localhost/webhooks/twilio/status", form)
    assert client.post("/webhooks/twilio/status", data=form,
                       headers={"X-Twilio-Signature": signature}).status_code == 204
    db.refresh(message)
    assert (message.status, message.error_code) == ("undelivered", "30003")


def test_meta_verification_challenge(app, client):
    app.config["META_VERIFY_TOKEN"] = "verify-me"
    ok = client.get("/webhooks/meta/whatsapp?hub.mode=subscribe&hub.verify_token=verify-me"
                    "&hub.challenge=12345")
    assert ok.status_code == 200 and ok.data == b"12345"
    bad = client.get("/webhooks/meta/whatsapp?hub.mode=subscribe&hub.verify_token=nope"
                     "&hub.challenge=12345")
    assert bad.status_code == 403


def test_meta_messages_are_verified_and_stored_once(app, client, db):
    app.config["META_APP_SECRET"] = "meta-secret"
    payload = {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {
        "contacts": [{"wa_id": "9779812300002", "profile": {"name": "Ram Kirana"}}],
        "messages": [{"from": "9779812300002", "id": "wamid.ABC", "type": "text",
                      "text": {"body": "help"}}]}}]}]}
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(b"meta-secret", body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    assert client.post("/webhooks/meta/whatsapp", data=body,
                       headers={**headers, "X-Hub-Signature-256": "sha256=00"}).status_code == 403
    for _ in range(2):
        assert client.post("/webhooks/meta/whatsapp", data=body,
                           headers={**headers, "X-Hub-Signature-256": signature}).status_code == 200
    message = db.scalar(select(Message).where(Message.provider_id == "wamid.ABC"))
    assert message.body == "help" and message.meta["ProfileName"] == "Ram Kirana"
    assert stored(db) == 1


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["database"] == "ok"


def test_readiness_fails_when_the_queue_is_unreachable(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("redis", None)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["queue"].startswith("error")
    app.extensions.pop("redis", None)


def test_sandbox_goes_through_the_signed_webhook(app, client, db):
    app.config["SANDBOX_ENABLED"] = True
    page = client.get("/sandbox")
    assert page.status_code == 200 and b"csrf-token" in page.data
    token = page.data.split(b'name="csrf-token" content="')[1].split(b'"')[0].decode()
    response = client.post("/sandbox/send", data={"phone": "9812300003", "text": "help"},
                           headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_json()
    transcript = client.get("/sandbox/messages?phone=%2B9779812300003").get_json()
    assert [m["direction"] for m in transcript] == ["in", "out"]
    assert transcript[0]["body"] == "help"
    # Another browser sees nothing of that phone's conversation.
    assert app.test_client().get("/sandbox/messages?phone=%2B9779812300003").get_json() == []
    # Without the page's CSRF token the sandbox refuses, like every browser form.
    assert client.post("/sandbox/send", data={"phone": "9812300003",
                                              "text": "help"}).status_code == 400


def test_sandbox_is_off_unless_enabled(app, client):
    assert client.get("/sandbox").status_code == 404
    assert client.get("/sandbox/messages?phone=%2B9779812300003").status_code == 404
