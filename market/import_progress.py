"""Progress of a catalog CSV import running in the background (jobs/catalog.py), for the
admin to poll.

Progress lives in Redis when the service has one (the job runs in a worker process), else in
this process's memory (the in-process runner shares it with the web views).
"""
from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from flask import current_app

from market.redis import redis_connection

TTL_SECONDS = 24 * 3600
HEADERS = {  # which file a CSV is, told by a column only it has
    "products.csv": "base_unit",
    "vendors.csv": "business_name",
    "listings.csv": "vendor_code",
}
_memory: dict[str, dict[str, Any]] = {}
_lock = threading.Lock()


def kind_of(text: str) -> str | None:
    """products.csv, vendors.csv or listings.csv, from the header line; None if none fits."""
    header = {h.strip() for h in text.lstrip("\ufeff").split("\n", 1)[0].split(",")}
    for name, column in HEADERS.items():
        if column in header:
            return name
    return None


def _key(import_id: str) -> str:
    return f"{current_app.config.get('QUEUE_PREFIX', '')}admin:import:{import_id}"


def save_progress(import_id: str, state: dict[str, Any]) -> None:
    if current_app.config.get("REDIS_URL"):
        redis_connection().set(_key(import_id), json.dumps(state), ex=TTL_SECONDS)
        return
    with _lock:
        _memory[import_id] = dict(state)


def progress(import_id: str) -> dict[str, Any] | None:
    if current_app.config.get("REDIS_URL"):
        raw = redis_connection().get(_key(import_id))
        return json.loads(raw) if raw else None
    with _lock:
        found = _memory.get(import_id)
        return dict(found) if found else None


def start(files: list[tuple[str, str]], total: int, staff_id: int) -> str:
    """Register an import of stored files [(kind, media key)] and return its id."""
    import_id = uuid.uuid4().hex
    save_progress(import_id, {"status": "queued", "done": 0, "total": total, "file": None,
                              "errors": [], "summary": "", "staff_id": staff_id})
    return import_id
