"""Background work as the services see it: what to run once the transaction commits, and
handing it to RQ (REDIS_URL set) or to a thread of this process (the embedded default).

Services never import jobs. They name them by dotted path (`"jobs.alerts.order_placed"`, as
microblog's `launch_task` enqueues `f"app.tasks.{name}"`) and record them on the session:
`after_commit(session, name, *ids)`, and `send_after_commit(session, message_id)` for each
outbox row. One session listener enqueues what a transaction recorded once it commits, and
forgets it if it rolls back, so a job never looks for rows that are not there. Each job
declares its own queue (`@job(queue=...)` in jobs/runner.py); the queue names live here.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import queue as queue_module
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from market.redis import redis_connection

log = logging.getLogger(__name__)

# Queue names, in one place. QUEUE_PREFIX keeps parallel test runs apart on one Redis.
INBOUND = "inbound"
OUTBOUND = "outbound"
DEFAULT = "default"
# Fetching and reading photos: slow (a download may take MEDIA_DOWNLOAD_DEADLINE_SECONDS), so
# `flask --app app worker` serves it with a worker of its own and text replies never wait.
MEDIA = "media"
QUEUES = (INBOUND, OUTBOUND, DEFAULT, MEDIA)

SEND_JOB = "jobs.outbound.send_message"
PROCESS_JOB = "jobs.inbound.process_conversation"
PREPARE_MEDIA_JOB = "jobs.media.prepare_message"
# A coalescing mark outlives a lost job by at most this long (the sweeper covers it too).
PENDING_TTL_SECONDS = 300
_AFTER_COMMIT = "after_commit_jobs"
_KEPT_SENDS = "kept_sends"


def qualified(name: str, prefix: str = "") -> str:
    return f"{prefix}{name}"


# --- Recording work for after the commit ------------------------------------------------------

def after_commit(session: Session, job_name: str, *args: Any,
                 delay: timedelta | None = None) -> None:
    """Enqueue job `job_name(*args)` once the session's transaction commits (never if it
    rolls back)."""
    session.info.setdefault(_AFTER_COMMIT, []).append((job_name, args, delay))


def send_after_commit(session: Session, message_id: int) -> None:
    """Send outbox row `message_id` once the transaction that wrote it commits."""
    after_commit(session, SEND_JOB, message_id)


def recorded(session: Session) -> list[tuple[str, tuple[Any, ...]]]:
    """What the session's open transaction will enqueue when it commits (for tests)."""
    return [(name, args) for name, args, _ in session.info.get(_AFTER_COMMIT, [])]


@event.listens_for(Session, "after_commit")
def _enqueue_recorded(session: Session) -> None:
    keep = _KEPT_SENDS in session.info
    for job_name, args, delay in session.info.pop(_AFTER_COMMIT, []):
        if keep and job_name == SEND_JOB and delay is None:
            session.info[_KEPT_SENDS].extend(args)
            continue
        try:
            enqueue(job_name, *args, delay=delay)
        except Exception:  # the commit happened; the sweeper finds what was not enqueued
            log.exception("enqueueing %s%r after commit failed", job_name, args)


@event.listens_for(Session, "after_rollback")
def _forget_recorded(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_KEPT_SENDS, None)


def keep_sends(session: Session) -> None:
    """Have the next commit hand this session's sends back (`kept_sends`) instead of
    enqueueing them: for a job that sends its replies itself, straight after its commit, which
    spares each reply a trip through the queue. What a dead job never sent, the sweeper does."""
    session.info[_KEPT_SENDS] = []


def kept_sends(session: Session) -> list[int]:
    """The outbox rows the last commit kept for the caller to send (see keep_sends)."""
    return list(session.info.pop(_KEPT_SENDS, []))


# --- Enqueueing ----------------------------------------------------------------------------

_resolved: dict[str, Callable[..., Any]] = {}


def resolve(job_name: str) -> Callable[..., Any]:
    """The job function a dotted name names (imported on first use, then remembered)."""
    fn = _resolved.get(job_name)
    if fn is None:
        module_name, _, attr = job_name.rpartition(".")
        fn = getattr(importlib.import_module(module_name), attr)
        _resolved[job_name] = fn
    return fn


def rq_queue(name: str, app: Flask | None = None) -> Any:
    from rq import Queue

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cache = app.extensions.setdefault("rq_queues", {})
    if name not in cache:
        cache[name] = Queue(qualified(name, app.config.get("QUEUE_PREFIX", "")),
                            connection=redis_connection(app))
    return cache[name]


def enqueue(job_name: str, *args: Any, delay: timedelta | None = None) -> None:
    """Run job `job_name(*args)` in the background, on the queue the job declares. Call it
    after the commit (or use `after_commit`): the job reads what was committed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    fn = resolve(job_name)
    if app.config.get("REDIS_URL"):
        q = rq_queue(getattr(fn, "queue", DEFAULT), app)
        if delay:
            q.enqueue_in(delay, fn, *args, job_timeout=120, failure_ttl=7 * 86400)
        else:
            q.enqueue(fn, *args, job_timeout=120, failure_ttl=7 * 86400)
        return
    app.extensions["inprocess_runner"].submit(fn, args, delay)


def _pending_key(app: Flask, conversation_id: int) -> str:
    return f"{app.config.get('QUEUE_PREFIX', '')}pending:conversation:{conversation_id}"


def enqueue_conversation(conversation_id: int) -> None:
    """Enqueue processing of a conversation unless a job for it is already waiting.

    The waiting job clears the mark before it reads messages, so whatever was committed before
    that is handled by it, and whatever comes after enqueues anew: a burst from one phone
    becomes one job, and nothing is left behind. The mark expires in case a job is lost (the
    sweeper covers that too).
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        fresh = redis_connection(app).set(_pending_key(app, conversation_id), b"1", nx=True,
                                          ex=PENDING_TTL_SECONDS)
        if not fresh:
            return
        try:
            enqueue(PROCESS_JOB, conversation_id)
        except Exception:
            # A mark without its job would hold back this conversation's next messages.
            with contextlib.suppress(Exception):
                clear_pending(conversation_id)
            raise
        return
    enqueue(PROCESS_JOB, conversation_id)


def clear_pending(conversation_id: int) -> None:
    """Called by the conversation job when it starts (see enqueue_conversation)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        redis_connection(app).delete(_pending_key(app, conversation_id))


# --- The embedded default: jobs in a thread of this process ---------------------------------

class InProcessRunner:
    """One background thread runs jobs in order, like one RQ worker.

    With `threaded=False` (tests of the web layer) jobs run inline, after the request.
    """

    def __init__(self, app: Flask, threaded: bool) -> None:
        self.app = app
        self.threaded = threaded
        self._queue: queue_module.Queue[tuple[Callable[..., Any], tuple[Any, ...]]] = (
            queue_module.Queue()
        )
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...],
               delay: timedelta | None = None) -> None:
        if delay and self.threaded:
            timer = threading.Timer(delay.total_seconds(), self.submit, (fn, args))
            timer.daemon = True
            timer.start()
            return
        if not self.threaded:
            # Inline and re-entrant: a job that enqueues runs the next one after itself.
            self._queue.put((fn, args))
            if self._lock.acquire(blocking=False):
                try:
                    self.drain()
                finally:
                    self._lock.release()
            return
        self._ensure_thread()
        self._queue.put((fn, args))

    def drain(self) -> None:
        while True:
            try:
                fn, args = self._queue.get_nowait()
            except queue_module.Empty:
                return
            # A thread of its own, waited for: the job gets its own session, as in a worker,
            # and never ends the caller's (a view still using its rows after enqueueing).
            thread = threading.Thread(target=self._run, args=(fn, args), name="inline-job")
            thread.start()
            thread.join()

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="jobs", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            fn, args = self._queue.get()
            self._run(fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        with self.app.app_context():
            try:
                fn(*args)
            except Exception:  # a failing job must not kill the runner; the sweeper retries
                log.exception("in-process job %s%r failed", getattr(fn, "__name__", fn), args)


def init_app(app: Flask) -> InProcessRunner:
    """Give the app its in-process runner (used whenever REDIS_URL is not set)."""
    runner = InProcessRunner(app, threaded=bool(app.config.get("INPROCESS_THREAD", True)))
    app.extensions["inprocess_runner"] = runner
    return runner
