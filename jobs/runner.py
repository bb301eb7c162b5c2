"""Enqueueing jobs: onto RQ when REDIS_URL is set, otherwise into a thread of this process.

Jobs are plain functions taking ids. `job` wraps them so they run inside an app context and
always leave a clean session behind, wherever they run.
"""
from __future__ import annotations

import functools
import logging
import queue as queue_module
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context

from app.db import db
from jobs import queues

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

_worker_app: Flask | None = None
PENDING_TTL_SECONDS = 300


def job(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` in an app context (made once per worker process when none is pushed)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()
        with _app_for_worker().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return wrapper


def _app_for_worker() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def set_worker_app(app: Flask) -> None:
    """The worker command hands over the app it made, so jobs do not make another."""
    global _worker_app
    _worker_app = app


def redis_connection(app: Flask | None = None) -> Any:
    from redis import Redis

    app = app or current_app
    conn = app.extensions.get("redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["redis"] = conn
    return conn


def rq_queue(name: str, app: Flask | None = None) -> Any:
    from rq import Queue

    app = app or current_app
    cache = app.extensions.setdefault("rq_queues", {})
    if name not in cache:
        cache[name] = Queue(queues.qualified(name, app.config.get("QUEUE_PREFIX", "")),
                            connection=redis_connection(app))
    return cache[name]


def enqueue(
    fn: Callable[..., Any],
    *args: Any,
    queue: str = queues.DEFAULT,
    delay: timedelta | None = None,
) -> None:
    """Run `fn(*args)` in the background, after the caller's transaction has committed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        q = rq_queue(queue, app)
        if delay:
            q.enqueue_in(delay, fn, *args, job_timeout=120, failure_ttl=7 * 86400)
        else:
            q.enqueue(fn, *args, job_timeout=120, failure_ttl=7 * 86400)
        return
    app.extensions["inprocess_runner"].submit(fn, args, delay)


def _pending_key(app: Flask, conversation_id: int) -> str:
    return f"{app.config.get('QUEUE_PREFIX', '')}pending:conversation:{conversation_id}"


def enqueue_conversation(fn: Callable[..., Any], conversation_id: int) -> None:
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
    enqueue(fn, conversation_id, queue=queues.INBOUND)


def clear_pending(conversation_id: int) -> None:
    """Called by the conversation job when it starts (see enqueue_conversation)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("REDIS_URL"):
        redis_connection(app).delete(_pending_key(app, conversation_id))


class InProcessRunner:
    """The embedded default: one background thread runs jobs in order, like one RQ worker.

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


def init_app(app: Flask) -> None:
    threaded = bool(app.config.get("INPROCESS_THREAD", True))
    app.extensions["inprocess_runner"] = InProcessRunner(app, threaded=threaded)
    if threaded and not app.config.get("REDIS_URL"):
        # The embedded default has no worker process: the periodic duties (sweeper, draft
        # expiry, vendor reminders) run in a thread of the server, started by its first
        # request so that CLI commands (which make an app too) never start one.
        started = threading.Event()

        @app.before_request
        def _start_scheduler() -> None:
            if not started.is_set():
                started.set()
                from jobs.periodic import start_scheduler

                start_scheduler(app, tick_seconds=5.0)
