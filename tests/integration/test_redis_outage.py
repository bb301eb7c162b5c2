"""A Redis outage: the webhook keeps storing, the worker and its periodic duties survive, and
everything stored meanwhile is answered once Redis is back, without restarting anything.

The stack runs against a `redis-server` of this module's own (overriding `redis_url`), so the
test can stop and start it without touching the Redis other tests share."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import func, select

from market.db import db
from market.models import INBOUND, OUTBOUND, Conversation, Message
from tests.conftest import ROOT

PHONES = ["+9779811000001", "+9779811000002", "+9779811000003"]


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throwaway redis-server on a spare port, without persistence: a restart is empty, as
    after a real crash of an unpersisted Redis (queued jobs and marks are gone)."""

    def __init__(self) -> None:
        self.port = _spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        deadline = time.time() + 10
        while True:
            try:
                client.ping()
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, stopped at the end."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(own_redis: RedisServer) -> str:
    """The stack's Redis is the test's own one (overrides tests/conftest.py)."""
    return own_redis.url


def start_worker(stack, log: Path) -> subprocess.Popen[bytes]:
    """`flask --app app worker`, as stack.start_worker() runs it but logging to a file: an
    outage makes it log more than an unread pipe holds, and a full pipe would stall it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=stack.env,
        stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
    stack.workers.append(proc)
    return proc


def replies_to(phone: str) -> int:
    return db.session.scalar(
        select(func.count(Message.id)).join(Conversation)
        .where(Message.direction == OUTBOUND, Conversation.address == phone)) or 0


def unprocessed() -> int:
    return db.session.scalar(
        select(func.count(Message.id)).where(Message.direction == INBOUND,
                                             Message.processed_at.is_(None))) or 0


def test_messages_stored_during_a_redis_outage_are_answered_once_it_returns(stack, own_redis,
                                                                           tmp_path):
    for phone in PHONES:
        made = stack.cli("buyer", "create", phone, "--name", "Sita", "--shop", "Sita Store",
                         "--town", "Kathmandu")
        assert made.returncode == 0, made.stderr
    worker = start_worker(stack, tmp_path / "worker.log")
    assert stack.whatsapp(PHONES[0], "help")[0] == 200
    stack.twilio.wait_for(1)

    own_redis.stop()
    try:
        # Redis is down: each message is still stored and acknowledged (Twilio does not
        # retry a webhook, so a 500 here would be a message lost).
        for phone in PHONES:
            status, body = stack.whatsapp(phone, "help")
            assert status == 200 and "<Response" in body
        with stack.app.app_context():
            assert db.session.scalar(select(func.count(Message.id))
                                     .where(Message.direction == INBOUND)) == 1 + len(PHONES)
        # Long enough for the worker's loop and its periodic duties to meet the outage.
        time.sleep(3)
        assert worker.poll() is None, "the worker exited during the outage"
    finally:
        own_redis.start()  # empty: the jobs and marks of before are gone
    stack.wait(lambda: unprocessed() == 0, what="every stored message processed")
    sent = stack.twilio.wait_for(1 + len(PHONES))
    time.sleep(2)  # a second sweep finds nothing more to send
    assert len(stack.twilio.messages) == len(sent) == 1 + len(PHONES)
    with stack.app.app_context():
        assert replies_to(PHONES[0]) == 2
        assert [replies_to(p) for p in PHONES[1:]] == [1] * (len(PHONES) - 1)
    # The same worker process did it; its periodic thread runs again (the sweeper's lock key
    # exists only on the new, empty Redis if a sweep ran after the outage).
    assert worker.poll() is None
    assert stack.wait(lambda: stack.redis.exists(f"{stack.env['QUEUE_PREFIX']}periodic:sweep"),
                      what="a sweep after the outage")
    # And a message sent now is answered as usual.
    assert stack.whatsapp(PHONES[1], "help")[0] == 200
    assert len(stack.twilio.wait_for(2 + len(PHONES))) == 2 + len(PHONES)
