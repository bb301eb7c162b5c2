"""The `job` decorator: a job declares its queue and runs inside an app context, leaving a
clean session behind, wherever it runs (an RQ worker, the in-process runner, a test).

Jobs take ids, reload their rows, call services and end at `commit()`; what they must
enqueue next the services record on the session (market.tasks.after_commit).
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, Protocol, TypeVar

from flask import Flask, has_app_context

from market.db import db
from market.tasks import DEFAULT

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)

_worker_app: Flask | None = None


class Job(Protocol[P, R_co]):
    """A job function: callable as before, and carrying the queue it runs on."""

    queue: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...


def job(queue: str = DEFAULT) -> Callable[[Callable[P, R]], Job[P, R]]:
    """Declare a job on `queue`; it runs in the current app context, or in the worker's."""

    def decorate(fn: Callable[P, R]) -> Job[P, R]:
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

        wrapper.queue = queue  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _app_for_worker() -> Flask:
    if _worker_app is None:
        raise RuntimeError("jobs run in an app context: start workers with "
                           "`flask --app app worker`")
    return _worker_app


def set_worker_app(app: Flask) -> None:
    """The worker command hands over the app it made, for jobs that arrive without one."""
    global _worker_app
    _worker_app = app
