"""The Redis connection (RQ's queues, coalescing marks, rate counters, template cache): one
client per app, made on first use. Only used when REDIS_URL is set."""
from __future__ import annotations

from typing import Any

from flask import Flask, current_app


def redis_connection(app: Flask | None = None) -> Any:
    """The app's Redis client (redis-py pools its connections and is safe across threads)."""
    from redis import Redis

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    conn = app.extensions.get("redis")
    if conn is None:
        conn = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["redis"] = conn
    return conn
