"""The worker process outlives its failures: the periodic schedule and the RQ loop both go on
after an error (Redis unreachable, a duty or RQ itself failing), and text from providers is
cleaned before it is stored. No database or Redis needed."""
from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
import redis.exceptions
from flask import Flask

from jobs import schedule, worker
from market.messaging import Inbound, clean_text, sanitised


def _app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update({"QUEUE_PREFIX": "", "REDIS_URL": None, "SWEEP_INTERVAL_SECONDS": 1,
                       "MESSAGE_MAX_CHARS": 4096, **config})
    return app


def test_a_duty_that_cannot_take_its_lock_does_not_stop_the_others(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(schedule, "periodic_job_definitions", lambda: [
        schedule.Periodic("first", lambda: ran.append("first"), "SWEEP_INTERVAL_SECONDS"),
        schedule.Periodic("second", lambda: ran.append("second"), "SWEEP_INTERVAL_SECONDS"),
    ])
    app = _app(REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    locks = iter([redis.exceptions.ConnectionError("refused"), True])

    def won(_app: Flask, name: str, period: int) -> bool:
        outcome = next(locks)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(schedule, "_won_lock", won)
    schedule.run_due(app, {})
    assert ran == ["second"]


def test_the_schedule_thread_survives_any_exception(monkeypatch):
    calls: list[int] = []
    again = threading.Event()

    def run_due(app: Flask, last_run: dict[str, float]) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        again.set()

    monkeypatch.setattr(schedule, "run_due", run_due)
    stop = schedule.start_scheduler(_app(), tick_seconds=0.01)
    try:
        assert again.wait(10), "the schedule stopped after its first error"
    finally:
        stop.set()


class FakeWorker:
    """Stands in for rq's SimpleWorker: `work` does what the test scripted for it."""

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome
        self._shutdown_requested_date: datetime | None = None
        self.pubsub_thread = None

    def work(self, burst: bool = False, **_: Any) -> bool:
        if self.outcome == "redis down":
            raise redis.exceptions.ConnectionError("Error 111 connecting")
        if self.outcome == "signal":
            self._shutdown_requested_date = datetime.now()
        return False  # "gave up" (RQ's loop broke on an error) returns like this too


@pytest.fixture
def no_pauses(monkeypatch) -> list[float]:
    """Record the pauses instead of sleeping; leave the test's signal handlers alone."""
    pauses: list[float] = []
    monkeypatch.setattr(worker.time, "sleep", pauses.append)
    monkeypatch.setattr(worker.signal, "signal", lambda *_: None)
    return pauses


def test_the_worker_command_starts_a_new_worker_until_stopped_by_a_signal(no_pauses):
    outcomes = iter(["redis down", "redis down", "gave up", "signal", "never reached"])
    made: list[FakeWorker] = []

    def make() -> FakeWorker:
        made.append(FakeWorker(next(outcomes)))
        return made[-1]

    worker.work_until_stopped(make, burst=False)
    assert [w.outcome for w in made] == ["redis down", "redis down", "gave up", "signal"]
    # It waits between tries, longer while they keep failing: no busy loop.
    assert no_pauses == [1.0, 2.0, 4.0]


def test_a_worker_that_cannot_even_be_made_is_retried(no_pauses):
    attempts: list[int] = []

    def make() -> FakeWorker:
        attempts.append(1)
        if len(attempts) < 3:  # rq's constructor already talks to Redis
            raise redis.exceptions.ConnectionError("Error 111 connecting")
        return FakeWorker("signal")

    worker.work_until_stopped(make, burst=False)
    assert len(attempts) == 3 and no_pauses == [1.0, 2.0]


def test_burst_mode_stops_once(no_pauses):
    made: list[FakeWorker] = []
    worker.work_until_stopped(lambda: made.append(FakeWorker("gave up")) or made[-1], burst=True)
    assert len(made) == 1 and no_pauses == []


@pytest.mark.parametrize("raw, expected", [
    ("he\x00llo", "hello"),
    ("tab\tnew\nline\rok", "tab\tnew\nline\rok"),
    ("bell\x07 esc\x1b us\x1f", "bell esc us"),
    ("lone \ud800 low \udfff", "lone  low "),
    ("नमस्ते 🙏", "नमस्ते 🙏"),
])
def test_invalid_characters_are_removed(raw, expected):
    assert clean_text(raw) == expected


def test_an_inbound_message_is_cleaned_and_capped_everywhere():
    inbound = Inbound(channel="whatsapp", address="+9779812345678", provider_id="SM\x00" + "1",
                      body="a\x00" * 5000, media=[{"url": "http://x/\x00y"}],
                      meta={"ProfileName": "R\x00am", "nested": {"k\x00": ["v\x00"]}, "n": 5})
    with _app(MESSAGE_MAX_CHARS=100).app_context():
        clean = sanitised(inbound)
    assert clean.provider_id == "SM1" and clean.body == "a" * 100
    assert clean.media == [{"url": "http://x/y"}]
    assert clean.meta == {"ProfileName": "Ram", "nested": {"k": ["v"]}, "n": 5}
