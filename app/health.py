"""Liveness (`/healthz`) and readiness (`/readyz`: database and queue reachable)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from market.db import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> Any:
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # readiness reports any failure rather than raising it
        checks["database"] = f"error: {type(exc).__name__}"
    finally:
        db.session.rollback()
    if current_app.config.get("REDIS_URL"):
        from market.redis import redis_connection

        try:
            redis_connection().ping()
            checks["queue"] = "ok"
        except Exception as exc:  # as above
            checks["queue"] = f"error: {type(exc).__name__}"
    else:
        checks["queue"] = "in-process"
    ready = all(v in ("ok", "in-process") for v in checks.values())
    return jsonify(status="ok" if ready else "unavailable", **checks), 200 if ready else 503
