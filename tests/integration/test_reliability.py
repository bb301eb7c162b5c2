"""Ordering across workers, a worker killed mid-job, delivery retries and failures."""
from __future__ import annotations

import time
import uuid

import psycopg
from sqlalchemy import func, select

from market.db import db
from market.models import INBOUND, OUTBOUND, Conversation, Message, Outbox

PHONE = "+9779811111111"


def processed_count() -> int:
    return db.session.scalar(
        select(func.count(Message.id)).where(Message.direction == INBOUND,
                                             Message.processed_at.is_not(None))) or 0


def test_messages_of_one_phone_are_handled_in_order_by_two_workers(stack):
    registered = stack.cli("buyer", "create", PHONE, "--name", "Sita", "--shop", "Sita Store",
                           "--town", "Kathmandu")
    assert registered.returncode == 0, registered.stderr
    stack.start_worker()
    stack.start_worker()
    bodies = ["help", "stop", "help", "start", "help", "stop", "start", "help"]
    for body in bodies:
        assert stack.whatsapp(PHONE, body)[0] == 200
    stack.wait(lambda: processed_count() == len(bodies), what="all messages processed")
    with stack.app.app_context():
        inbound = db.session.scalars(
            select(Message).where(Message.direction == INBOUND).order_by(Message.id)).all()
        # Handled in the order received: processing times follow arrival.
        times = [m.processed_at for m in inbound]
        assert times == sorted(times)
        assert [m.body for m in inbound] == bodies
    # stop/start alternation only makes sense in order: 'help' right after 'stop' is silent,
    # so the replies written prove the engine saw the messages in the order they came.
    expected = ["order", "START", "welcome back", "order", "START", "welcome back", "order"]

    def all_settled():
        rows = db.session.scalars(
            select(Message).where(Message.direction == OUTBOUND).order_by(Message.id)).all()
        # Judged on the message rows alone: one snapshot, whatever the outbox says meanwhile.
        settled = all(r.provider_id or r.status == "failed" for r in rows)
        return rows if len(rows) == len(expected) and settled else None

    replies = stack.wait(all_settled, what="every reply settled")
    for reply, word in zip(replies, expected, strict=True):
        assert word.lower() in reply.body.lower()
    # What reached the provider left in the order it was written (a reply still queued when
    # a later STOP was handled is withheld, as the buyer asked).
    sent_ids = [r.provider_id for r in replies if r.status != "failed"]
    assert [m.sid for m in stack.twilio.messages] == sent_ids
    assert len(sent_ids) >= 3


def _hold_conversation_lock(database_url: str, address: str) -> psycopg.Connection:
    """Lock the conversation row from outside, so a worker that takes the job stops mid-job."""
    conn = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute("SELECT id FROM conversations WHERE address = %s FOR NO KEY UPDATE", (address,))
    return conn


def test_worker_killed_mid_job_leaves_the_message_to_the_sweeper(stack, database_url):
    stack.start_worker("--no-scheduler")
    stack.whatsapp(PHONE, "help")
    stack.twilio.wait_for(1)  # the conversation exists and the first reply went out
    lock = _hold_conversation_lock(database_url, PHONE)
    try:
        stack.whatsapp(PHONE, "help", sid="SM" + uuid.uuid4().hex)
        time.sleep(1.5)  # the worker has taken the job and waits on the row lock
        stack.kill_workers()  # SIGKILL, mid-job
    finally:
        lock.rollback()
        lock.close()
    with stack.app.app_context():
        assert processed_count() == 1  # the second message is not lost, only unprocessed
    stack.start_worker()  # its scheduler runs the sweeper
    sent = stack.twilio.wait_for(2, timeout=30)
    assert len(sent) == 2
    time.sleep(2.5)  # further sweeps find nothing to do: answered once
    assert len(stack.twilio.messages) == 2
    with stack.app.app_context():
        assert processed_count() == 2


def test_a_failing_provider_is_retried_with_backoff(stack):
    stack.twilio.fail_next(1, status=503, code=20503, message="Service unavailable")
    stack.start_worker()
    stack.whatsapp(PHONE, "help")

    def retried():
        row = db.session.scalar(select(Outbox))
        return row if row is not None and row.last_error and not row.done else None

    row = stack.wait(retried, what="the first attempt to fail")
    assert "20503" in (row.last_error or "")
    with stack.app.app_context():
        # Pull the retry forward instead of waiting out the backoff.
        db.session.get(Outbox, row.id).next_attempt_at = row.created_at
        db.session.commit()
    sent = stack.twilio.wait_for(1, timeout=30)
    assert len(sent) == 1

    attempts: list[int] = []

    def delivered():
        message = db.session.scalar(select(Message).where(Message.direction == OUTBOUND))
        if message.status != "queued":  # judged on the message row: one snapshot
            return None
        attempts.append(message.outbox.attempts)
        return message

    message = stack.wait(delivered, what="the retry to succeed")
    assert message.status == "queued" and message.provider_id == sent[0].sid
    assert attempts == [2]


def test_a_permanent_provider_error_stays_visible_as_failed(stack):
    stack.twilio.fail_next(1, status=400, code=21211, message="The 'To' number is not valid.")
    stack.start_worker()
    stack.whatsapp(PHONE, "help")

    def failed():
        message = db.session.scalar(select(Message).where(Message.direction == OUTBOUND))
        if message is None or message.status != "failed":
            return None
        return message.error_code, message.error_message, message.outbox.done, \
            message.outbox.attempts

    code, text, done, attempts = stack.wait(failed, what="the send to fail")
    assert code == "21211"
    assert "not valid" in text
    assert done and attempts == 1
    assert stack.twilio.messages == []


def test_transcript_api_shows_both_directions_oldest_first(stack):
    stack.start_worker()
    stack.whatsapp(PHONE, "help")
    stack.twilio.wait_for(1)
    create = stack.cli("staff", "create", "ops@example.com", "--role", "staff",
                       "--password", "correct horse battery")
    assert create.returncode == 0, create.stderr
    token = stack.cli("staff", "token", "ops@example.com").stdout.strip()
    import json
    import urllib.request

    def get(path: str, auth: str | None) -> tuple[int, object]:
        request = urllib.request.Request(stack.base_url + path)
        if auth:
            request.add_header("Authorization", f"Bearer {auth}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, None

    assert get("/api/v1/conversations/+9779811111111/messages", None)[0] == 401
    assert get("/api/v1/conversations/+9779811111111/messages", "wrong")[0] == 401

    def transcript():
        status, body = get("/api/v1/conversations/9779811111111/messages", token)
        return body if status == 200 and len(body) == 2 and body[1]["status"] != "sending" \
            else None

    body = stack.wait(transcript, what="the transcript")
    assert [m["direction"] for m in body] == ["in", "out"]
    assert body[0]["body"] == "help" and body[0]["channel"] == "whatsapp"
    assert set(body[1]) >= {"direction", "channel", "body", "status", "created_at"}
    with stack.app.app_context():
        assert db.session.scalar(select(func.count(Conversation.id))) == 1
