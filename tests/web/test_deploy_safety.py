"""A Procfile deploy fails closed: the sandbox is not public, a half-configured channel stops
the start instead of losing messages, nothing is called delivered that nobody received, and a
database outage answers 503 so providers deliver again later."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app import create_app
from market.config import Config
from market.db import db as database
from market.messaging import queue_outbound
from market.models import Buyer, Conversation, Message
from tests.conftest import make_config
from tests.web.conftest import login

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


def _sandbox_token(client, **kwargs) -> str:
    page = client.get("/sandbox", **kwargs)
    assert page.status_code == 200
    return page.data.split(b'name="csrf-token" content="')[1].split(b'"')[0].decode()


def _chat(client, phone: str, text: str, **kwargs) -> list[dict]:
    token = _sandbox_token(client, **kwargs)
    sent = client.post("/sandbox/send", data={"phone": phone, "text": text},
                       headers={"X-CSRFToken": token}, **kwargs)
    assert sent.status_code == 200, sent.get_json()
    return client.get(f"/sandbox/messages?phone={phone}", **kwargs).get_json()


# --- the sandbox ----------------------------------------------------------------------------

def test_the_sandbox_is_off_by_default_even_in_development():
    assert Config(APP_ENV="development").SANDBOX_ENABLED is False


def test_outside_this_machine_the_sandbox_needs_a_staff_login(app, client, admin_user):
    app.config["SANDBOX_ENABLED"] = True
    for path in ("/sandbox", "/sandbox/messages?phone=%2B9779812300009"):
        refused = client.get(path, environ_base=OUTSIDE)
        assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]
    refused = client.post("/sandbox/send", data={"phone": "9812300009", "text": "accept 1001"},
                          environ_base=OUTSIDE)
    assert refused.status_code in (302, 400)
    assert database.session.scalar(select(Message.id)) is None  # nothing was posted
    login(client, admin_user.email)
    assert client.get("/sandbox", environ_base=OUTSIDE).status_code == 200


def test_a_proxy_on_this_machine_does_not_make_the_world_local(app, client):
    app.config["SANDBOX_ENABLED"] = True
    forwarded = client.get("/sandbox", headers={"X-Forwarded-For": "198.51.100.4"})
    assert forwarded.status_code == 302


def test_behind_a_proxy_the_client_address_is_the_forwarded_one(database_url):
    app = create_app(make_config(database_url, PROXY_FIX_HOPS=1, SANDBOX_ENABLED=True))
    with app.app_context():
        client = app.test_client()
        # The platform's proxy runs on this machine and forwards a remote client.
        answer = client.get("/sandbox", headers={"X-Forwarded-For": "198.51.100.4"})
        assert answer.status_code == 302


def test_a_browser_never_reads_a_numbers_history_from_before_it_chatted(app, client, db):
    app.config["SANDBOX_ENABLED"] = True
    buyer = Buyer(phone="+9779812300011", name="Sita", shop_name="Sita Store", town="Kathmandu",
                  onboarded=True)
    db.add(buyer)
    db.flush()
    conv = Conversation(channel="whatsapp", address=buyer.phone, buyer_id=buyer.id)
    db.add(conv)
    db.flush()
    queue_outbound(db, conv, "Your order 1001 (Rs 3,869.00) is on its way to Sita Store")
    db.commit()
    transcript = _chat(client, "+9779812300011", "help")
    bodies = " ".join(m["body"] for m in transcript)
    assert transcript and transcript[0]["body"] == "help"
    assert "Sita Store" not in bodies and "1001" not in bodies


# --- misconfiguration -----------------------------------------------------------------------

@pytest.mark.parametrize("settings, says", [
    ({}, "SECRET_KEY"),
    ({"SECRET_KEY": "s", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32}, "TWILIO_AUTH_TOKEN"),
    ({"SECRET_KEY": "s", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "t"},
     "TWILIO_WHATSAPP_NUMBER"),
    ({"SECRET_KEY": "s", "META_ACCESS_TOKEN": "x"}, "META_PHONE_NUMBER_ID, META_APP_SECRET"),
    ({"SECRET_KEY": "s", "MEDIA_STORAGE": "s3"}, "S3_BUCKET"),
])
def test_production_refuses_to_start_half_configured(monkeypatch, settings, says):
    for name in ("SECRET_KEY", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "META_ACCESS_TOKEN",
                 "META_PHONE_NUMBER_ID", "META_APP_SECRET", "MEDIA_STORAGE",
                 "TWILIO_WHATSAPP_NUMBER", "TWILIO_SMS_NUMBER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(RuntimeError, match=says):
        Config.from_env(**settings)


def test_production_starts_when_configured_whole():
    cfg = Config.from_env(APP_ENV="production", SECRET_KEY="s", TWILIO_ACCOUNT_SID="AC1",
                          TWILIO_AUTH_TOKEN="t", TWILIO_SMS_NUMBER="+9779800000001")
    assert cfg.production_problems() == []


def _queued(db, channel: str, address: str) -> int:
    conv = Conversation(channel=channel, address=address)
    db.add(conv)
    db.flush()
    message = queue_outbound(db, conv, "New order 1001 from Sita Store")
    assert message is not None
    message_id = message.id
    db.commit()  # the send job runs inline after the commit
    return message_id


@pytest.mark.parametrize("channel, address", [("email", "vendor@example.com"),
                                              ("whatsapp", "+9779812300021")])
def test_in_production_a_channel_without_provider_fails_with_a_reason(app, db, channel,
                                                                      address):
    app.config["APP_ENV"] = "production"  # as the Procfile runs it, with no provider set
    message = db.get(Message, _queued(db, channel, address))
    assert message.status == "failed" and message.error_code == "no_channel"
    assert "configured" in (message.error_message or "")


def test_in_development_the_console_prints_and_never_says_delivered(app, db):
    assert db.get(Message, _queued(db, "sms", "+9779812300031")).status == "printed"


# --- the database is down -------------------------------------------------------------------

def test_a_database_outage_answers_503_with_retry_after(database_url):
    dead = "postgresql://postgres@127.0.0.1:1/nothing"
    app = create_app(make_config(dead, TWILIO_AUTH_TOKEN="down-token"))
    client = app.test_client()
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": "whatsapp:+9779812300041",
            "To": "whatsapp:+9779800000000", "Body": "2 bora chamal", "NumMedia": "0"}
    url = "http://localhost/webhooks/twilio/whatsapp"
    signature = RequestValidator("down-token").compute_signature(url, form)
    answer = client.post("/webhooks/twilio/whatsapp", data=form,
                         headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "30"
    assert client.get("/readyz").status_code == 503
    # Put the shared engine back on the test database for the tests that follow.
    create_app(make_config(database_url))
