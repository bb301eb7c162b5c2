"""Messages that used to poison a conversation: NUL and other invalid characters, odd Meta
shapes, a message whose processing fails or kills the worker every time, and huge bodies.

Jobs run inline (no Redis) inside the test's rolled-back transaction; "answered" means the
conversation got an outbound message."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

import jobs.inbound
from conversation.texts import text
from market import tasks
from market.models import INBOUND, OUTBOUND, Conversation, Message
from tests.web.conftest import make_buyer

TOKEN = "poison-auth-token"
META_SECRET = "meta-secret"
PHONE = "+9779812300011"
OTHER = "+9779812300012"
APOLOGY = text("message_failed", None)


@pytest.fixture
def providers(app):
    """Twilio and Meta signatures are checked with these secrets."""
    app.config.update(TWILIO_AUTH_TOKEN=TOKEN, TWILIO_ACCOUNT_SID=None,
                      META_APP_SECRET=META_SECRET, MESSAGE_MAX_ATTEMPTS=3)
    return app


def twilio(client, body: str, phone: str = PHONE, **extra: str) -> int:
    form = {"MessageSid": "SM" + uuid.uuid4().hex, "From": f"whatsapp:{phone}",
            "To": "whatsapp:+9779800000000", "Body": body, "NumMedia": "0", **extra}
    url = "http://localhost/webhooks/twilio/whatsapp"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    return client.post("/webhooks/twilio/whatsapp", data=form,
                       headers={"X-Twilio-Signature": signature}).status_code


def meta(client, payload: Any) -> int:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/meta/whatsapp", data=body,
                       headers={"Content-Type": "application/json",
                                "X-Hub-Signature-256": signature}).status_code


def meta_text(phone: str, body: str, wamid: str | None = None) -> dict[str, Any]:
    return {"from": phone.lstrip("+"), "id": wamid or f"wamid.{uuid.uuid4().hex}",
            "type": "text", "text": {"body": body}}


def batch(*messages: Any, contacts: Any = None) -> dict[str, Any]:
    value: dict[str, Any] = {"messages": list(messages)}
    if contacts is not None:
        value["contacts"] = contacts
    return {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}


def inbound_of(db, phone: str) -> list[Message]:
    return list(db.scalars(select(Message).join(Conversation).where(
        Conversation.address == phone, Message.direction == INBOUND).order_by(Message.id)))


def replies_to(db, phone: str) -> list[str]:
    return list(db.scalars(select(Message.body).join(Conversation).where(
        Conversation.address == phone, Message.direction == OUTBOUND).order_by(Message.id)))


def count(db, direction: str = INBOUND) -> int:
    return db.scalar(select(func.count(Message.id)).where(Message.direction == direction))


# --- NUL and other invalid characters ------------------------------------------------------

def test_nul_in_a_twilio_body_is_stored_cleaned_and_answered(providers, client, db):
    assert twilio(client, "he\x00lp\x01\x1f\ttoo\r\n") == 200
    assert [m.body for m in inbound_of(db, PHONE)] == ["help\ttoo\r\n"]
    assert len(replies_to(db, PHONE)) == 1
    assert twilio(client, "help") == 200  # and the conversation goes on
    assert len(replies_to(db, PHONE)) == 2
    assert all(m.processed_at is not None for m in inbound_of(db, PHONE))


def test_nul_in_the_profile_name_is_stored_cleaned_and_answered(providers, client, db):
    assert twilio(client, "namaste", ProfileName="Ram\x00 Kirana") == 200
    first = inbound_of(db, PHONE)[0]
    assert first.meta["ProfileName"] == "Ram Kirana"
    assert first.status == "processed"
    assert len(replies_to(db, PHONE)) == 1
    assert twilio(client, "help", ProfileName="Ram\x00 Kirana") == 200
    assert len(replies_to(db, PHONE)) == 2


def test_lone_surrogates_and_nul_from_meta_are_cleaned(providers, client, db):
    # json.dumps writes "\ud800" and "\u0000" as escapes, as a provider's JSON may.
    assert meta(client, batch(meta_text(PHONE, "he\ud800l\x00p"),
                              contacts=[{"wa_id": PHONE.lstrip("+"),
                                         "profile": {"name": "Ram\udfff\x00"}}])) == 200
    [message] = inbound_of(db, PHONE)
    assert (message.body, message.meta["ProfileName"]) == ("help", "Ram")
    assert len(replies_to(db, PHONE)) == 1


# --- Meta batches -----------------------------------------------------------------------------

def test_a_bad_entry_in_a_meta_batch_does_not_lose_another_buyers_message(providers, client, db):
    long_id = "wamid." + "x" * 200  # longer than the column: kept as a digest of it
    payload = batch(
        meta_text(PHONE, "he\x00lp", "wamid.nul"), 1, "x",
        {"from": PHONE.lstrip("+"), "id": {"not": "an id"}, "type": "text"},
        meta_text(PHONE, "help", long_id),
        meta_text(OTHER, "help", "wamid.good"))
    payload["entry"].insert(0, "x")
    payload["entry"].append({"changes": ["x", {"value": ["x"]}]})
    assert meta(client, payload) == 200
    assert [m.provider_id for m in inbound_of(db, OTHER)] == ["wamid.good"]
    assert len(replies_to(db, OTHER)) == 1
    first, second = inbound_of(db, PHONE)
    assert (first.provider_id, first.body) == ("wamid.nul", "help")
    assert second.provider_id.startswith("sha256:") and len(second.provider_id) == 64
    assert meta(client, payload) == 200  # delivered again: every one is a repeat
    assert count(db) == 3


@pytest.mark.parametrize("payload", [
    {"entry": ["x"]},
    {"entry": "x"},
    {"entry": [{"changes": "x"}]},
    {"entry": [{"changes": [{"value": "x"}]}]},
    {"entry": [{"changes": [{"value": {"messages": [1]}}]}]},
    {"entry": [{"changes": [{"value": {"messages": "x", "contacts": [1, "x"]}}]}]},
    {"entry": [{"changes": [{"value": {"messages": [{"from": 9779812300011, "id": 5}]}}]}]},
    {"entry": [{"changes": [{"value": {"messages": [{"from": ["x"], "id": "wamid.1"}]}}]}]},
    {"entry": [{"changes": [{"value": {"statuses": [1, "x", {"status": 5, "errors": "x"}]}}]}]},
    ["not", "an", "object"],
    "just a string",
])
def test_odd_signed_meta_shapes_answer_200_and_store_nothing(providers, client, db, payload):
    assert meta(client, payload) == 200
    assert db.scalar(select(func.count(Message.id))) == 0


def test_a_signed_meta_body_that_is_not_json_answers_200(providers, client, db):
    body = b"\x00not json"
    signature = "sha256=" + hmac.new(META_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post("/webhooks/meta/whatsapp", data=body,
                           headers={"Content-Type": "application/json",
                                    "X-Hub-Signature-256": signature})
    assert response.status_code == 200
    assert db.scalar(select(func.count(Message.id))) == 0


# --- Poison messages ----------------------------------------------------------------------------

def _poisoned(monkeypatch, word: str, error: BaseException) -> list[int]:
    """Make processing of every message saying `word` raise `error`; returns the ids tried."""
    tried: list[int] = []
    real = jobs.inbound.handle_inbound

    def handle(session, conv, message):
        if message.body == word:
            tried.append(message.id)
            raise error
        return real(session, conv, message)

    monkeypatch.setattr(jobs.inbound, "handle_inbound", handle)
    return tried


def _run_conversation(db, phone: str) -> None:
    """Enqueue the conversation's job, as the sweeper does for a message left unprocessed."""
    conv_id = db.scalar(select(Conversation.id).where(Conversation.address == phone))
    tasks.enqueue(tasks.PROCESS_JOB, conv_id)


def test_a_message_that_fails_every_time_is_given_up_after_n_tries(providers, client, db,
                                                                    monkeypatch):
    tried = _poisoned(monkeypatch, "poison", RuntimeError("engine bug"))
    assert twilio(client, "help") == 200
    assert twilio(client, "poison") == 200  # try 1 fails: left unprocessed
    assert replies_to(db, PHONE)[1:] == []
    assert twilio(client, "help") == 200  # try 2 comes first (oldest first) and fails
    poison = inbound_of(db, PHONE)[1]
    assert (poison.processed_at, poison.attempts) == (None, 2)
    assert len(replies_to(db, PHONE)) == 1
    _run_conversation(db, PHONE)  # the sweeper's turn: try 3 fails, and that was the last
    db.expire_all()
    messages = inbound_of(db, PHONE)
    assert [m.status for m in messages] == ["processed", "failed", "processed"]
    assert messages[1].attempts == 3 and len(tried) == 3
    assert "engine bug" in messages[1].error_message
    replies = replies_to(db, PHONE)
    assert replies.count(APOLOGY) == 1 and replies[1] == APOLOGY
    assert len(replies) == 3  # the message after it was answered too
    _run_conversation(db, PHONE)  # given up for good: no second apology, no fourth try
    assert len(replies_to(db, PHONE)) == 3 and len(tried) == 3


def test_a_message_that_kills_the_worker_every_time_is_given_up(providers, client, db,
                                                                 monkeypatch):
    # SystemExit ends the job's thread as a killed worker ends its process: no except, no
    # rollback handler, only what was committed before survives.
    tried = _poisoned(monkeypatch, "crash", SystemExit(9))
    assert twilio(client, "crash") == 200
    for _ in range(2):
        _run_conversation(db, PHONE)
    assert len(tried) == 3
    assert twilio(client, "help") == 200  # the fourth pick gives up before processing
    assert len(tried) == 3
    db.expire_all()
    crash, after = inbound_of(db, PHONE)
    assert (crash.status, crash.attempts) == ("failed", 3)
    assert "3" in crash.error_message
    assert after.status == "processed"
    replies = replies_to(db, PHONE)
    assert replies[0] == APOLOGY and replies.count(APOLOGY) == 1 and len(replies) == 2


def test_the_apology_is_in_the_buyers_language(providers, client, db, monkeypatch):
    _poisoned(monkeypatch, "poison", RuntimeError("engine bug"))
    providers.config["MESSAGE_MAX_ATTEMPTS"] = 1
    buyer = make_buyer(db, PHONE, language="ne", onboarded=True)
    db.add(Conversation(channel="whatsapp", address=PHONE, buyer_id=buyer.id, language="ne",
                        state="idle", slots={}))
    db.flush()
    assert twilio(client, "poison") == 200
    assert replies_to(db, PHONE) == [text("message_failed", "ne")]


def test_failed_inbound_messages_are_marked_for_staff(providers, client, db, monkeypatch,
                                                      as_staff):
    _poisoned(monkeypatch, "poison", RuntimeError("engine bug"))
    providers.config["MESSAGE_MAX_ATTEMPTS"] = 1
    assert twilio(client, "poison") == 200
    conv_id = db.scalar(select(Conversation.id).where(Conversation.address == PHONE))
    html = as_staff.get(f"/admin/conversations/{conv_id}").get_data(as_text=True)
    assert 'class="tag failed"' in html and "not handled" in html and "engine bug" in html
    dashboard = as_staff.get("/admin/").get_data(as_text=True)
    assert 'id="stat-unhandled">1<' in dashboard


# --- Huge bodies ----------------------------------------------------------------------------

def test_a_huge_body_is_stored_capped_and_the_parser_sees_at_most_the_cap(providers, client, db,
                                                                          catalog, monkeypatch):
    import parsers

    providers.config["MESSAGE_MAX_CHARS"] = 4096
    make_buyer(db, PHONE, onboarded=True)
    seen: list[int] = []
    real = parsers.parse

    def parse(said, *args, **kwargs):
        seen.append(len(said))
        return real(said, *args, **kwargs)

    monkeypatch.setattr(parsers, "parse", parse)
    huge = ("2 bora chamal, chini 10 kg, " * 40_000)[:1_000_000]
    assert meta(client, batch(meta_text(PHONE, huge))) == 200
    [message] = inbound_of(db, PHONE)
    assert len(message.body) == 4096 and huge.startswith(message.body)
    assert message.status == "processed"
    assert seen and max(seen) <= 4096
    assert len(replies_to(db, PHONE)) == 1


def test_a_long_twilio_body_is_capped_too(providers, client, db):
    providers.config["MESSAGE_MAX_CHARS"] = 1000
    assert twilio(client, "x" * 300_000, ProfileName="R" * 300_000) == 200
    [message] = inbound_of(db, PHONE)
    assert len(message.body) == 1000 and len(message.meta["ProfileName"]) == 1000


def test_the_parser_never_sees_more_than_the_cap(providers, client, db, catalog, monkeypatch):
    import parsers

    # A row stored before the cap existed (OCR text can be as long): parsing cuts it too.
    providers.config["MESSAGE_MAX_CHARS"] = 500
    seen: list[int] = []
    real = parsers.parse
    monkeypatch.setattr(parsers, "parse",
                        lambda said, *a, **k: seen.append(len(said)) or real(said, *a, **k))
    buyer = make_buyer(db, PHONE, onboarded=True)
    conv = Conversation(channel="whatsapp", address=PHONE, buyer_id=buyer.id, state="idle",
                        slots={})
    db.add(conv)
    db.flush()
    db.add(Message(conversation_id=conv.id, direction=INBOUND, channel="whatsapp",
                   body="chini 10 kg, " * 10_000, media=[], meta={}, status="received"))
    db.flush()
    _run_conversation(db, PHONE)
    assert seen == [500]
    assert len(replies_to(db, PHONE)) == 1
