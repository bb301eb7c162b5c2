"""Settings read from the environment, once, when the app is made.

Secrets only ever come from the environment; the defaults make `make run` work on a laptop
(embedded SQLite, jobs in-process, outbound messages printed instead of sent).
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalise_database_url(url: str) -> str:
    """Accept Heroku/Render style `postgres://` URLs and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _int(name: str, default: int) -> int:
    return int(_env(name, str(default)))  # type: ignore[arg-type]


@dataclass
class Config:
    APP_ENV: str = "production"
    SECRET_KEY: str = ""
    DATABASE_URL: str = f"sqlite:///{ROOT / 'var' / 'app.db'}"
    REDIS_URL: str | None = None
    QUEUE_PREFIX: str = ""
    PUBLIC_BASE_URL: str | None = None
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_WHATSAPP_NUMBER: str | None = None
    TWILIO_SMS_NUMBER: str | None = None
    TWILIO_API_BASE_URL: str | None = None
    META_VERIFY_TOKEN: str | None = None
    META_APP_SECRET: str | None = None
    META_ACCESS_TOKEN: str | None = None
    META_PHONE_NUMBER_ID: str | None = None
    META_GRAPH_BASE_URL: str = "https://graph.facebook.com/v19.0"
    OPENAI_API_KEY: str | None = None
    OPENAI_BASE_URL: str | None = None
    OPENAI_MODEL: str = "gpt-4o-mini"
    OCR_ENGINE: str = "tesseract"
    MEDIA_STORAGE: str = "local"
    MEDIA_ROOT: str = str(ROOT / "var" / "media")
    MEDIA_MAX_BYTES: int = 10 * 1024 * 1024
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    SMTP_URL: str | None = None
    MAIL_FROM: str = "orders@localhost"
    ADMIN_EMAIL: str | None = None
    ADMIN_PASSWORD: str | None = None
    DEFAULT_COUNTRY: str = "NP"
    # The web chat that plays a WhatsApp phone (`make run` turns it on; nothing else does).
    SANDBOX_ENABLED: bool = False
    # A message older than this and still unprocessed is presumed lost by a dead worker.
    SWEEP_STALE_SECONDS: int = 30
    SEND_MAX_ATTEMPTS: int = 5
    DRAFT_TTL_HOURS: int = 24
    HANDOFF_HOURS: int = 12
    # The vendor side: reminders of unanswered orders, then staff; RFQ leads and their life.
    ORDER_REMIND_MINUTES: int = 30
    ORDER_ESCALATE_MINUTES: int = 120
    ORDER_MAX_REMINDERS: int = 2
    RFQ_LEADS: int = 5
    LEAD_MAX_UNLOCKS: int = 10
    LEAD_TTL_DAYS: int = 3
    RFQ_STATS_DAYS: int = 90
    # The periodic schedule (jobs/schedule.py): how often each duty runs.
    SWEEP_INTERVAL_SECONDS: int = 15
    DRAFT_TIMERS_INTERVAL_SECONDS: int = 300
    ORDER_REMINDERS_INTERVAL_SECONDS: int = 60
    RFQ_EXPIRY_INTERVAL_SECONDS: int = 60
    LEAD_CREDIT_RESET_INTERVAL_SECONDS: int = 3600
    # Tests and the sandbox turn this off to run jobs inline in the request's thread.
    INPROCESS_THREAD: bool = True

    @classmethod
    def from_env(cls, **overrides: object) -> Config:
        cfg = cls()
        for f in fields(cls):
            raw = _env(f.name)
            if raw is None:
                continue
            if f.type in ("int", int):
                setattr(cfg, f.name, int(raw))
            elif f.type in ("bool", bool):
                setattr(cfg, f.name, raw.lower() in ("1", "true", "yes", "on"))
            else:
                setattr(cfg, f.name, raw)
        for key, value in overrides.items():
            setattr(cfg, key, value)
        cfg.DATABASE_URL = normalise_database_url(cfg.DATABASE_URL)
        if not cfg.SECRET_KEY:
            if cfg.APP_ENV == "production":
                raise RuntimeError("SECRET_KEY must be set when APP_ENV=production")
            cfg.SECRET_KEY = secrets.token_hex(32)
        return cfg

    @property
    def twilio_configured(self) -> bool:
        return bool(self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN)

    def as_flask(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def setting(name: str) -> int:
    """A tunable number from the app's config; outside an app, its default in Config."""
    from flask import current_app, has_app_context

    if has_app_context():
        return int(current_app.config.get(name, getattr(Config, name)))
    return int(getattr(Config, name))
