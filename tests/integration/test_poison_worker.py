"""A message that kills the worker every time it is processed is given up after
MESSAGE_MAX_ATTEMPTS tries, with real workers killed mid-message."""
from __future__ import annotations

import psycopg
from sqlalchemy import select

from conversation.texts import text
from market.db import db
from market.models import INBOUND, Message

PHONE = "+9779811222333"


def _connect(database_url: str) -> psycopg.Connection:
    return psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))


def _blocked_backends(conn: psycopg.Connection) -> list[int]:
    """The sessions of this database waiting for a row lock."""
    return [pid for (pid,) in conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'").fetchall()]


def _first_message() -> Message | None:
    return db.session.scalar(select(Message).where(Message.direction == INBOUND)
                             .order_by(Message.id).limit(1))


def _attempts() -> int:
    message = _first_message()
    return message.attempts if message is not None else 0


def test_a_message_that_kills_the_worker_every_time_is_given_up(stack, database_url):
    made = stack.cli("buyer", "create", PHONE, "--name", "Sita", "--shop", "Sita Store",
                     "--town", "Kathmandu")
    assert made.returncode == 0, made.stderr
    # Processing this message writes the buyer's WhatsApp name, so while the buyer row is
    # locked from here every worker stops inside the message, where it is then killed.
    lock = _connect(database_url)
    lock.execute("SELECT id FROM buyers WHERE phone = %s FOR UPDATE", (PHONE,))
    watcher = _connect(database_url)
    watcher.autocommit = True
    try:
        stack.start_worker()
        assert stack.whatsapp(PHONE, "help", ProfileName="Sita Kirana")[0] == 200
        for attempt in (1, 2, 3):
            # Counted (and committed) before processing, then stuck inside the message.
            stack.wait(lambda n=attempt: _attempts() == n and _blocked_backends(watcher),
                       what=f"try {attempt} under way")
            stack.kill_workers()
            # The database drops the dead worker's session, as it does when its socket closes.
            for pid in _blocked_backends(watcher):
                watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
            if attempt < 3:
                stack.start_worker()  # the sweeper brings the conversation back
    finally:
        lock.rollback()
        lock.close()
    stack.start_worker()
    apology = stack.twilio.wait_for(1)
    assert [m.body for m in apology] == [text("message_failed", None)]
    with stack.app.app_context():
        message = _first_message()
        assert message is not None
        assert (message.status, message.attempts) == ("failed", 3)
        assert "worker stopped" in (message.error_message or "")
    # The conversation goes on.
    assert stack.whatsapp(PHONE, "help")[0] == 200
    sent = stack.twilio.wait_for(2)
    assert len(sent) == 2 and "order" in sent[1].body.lower()
    watcher.close()
