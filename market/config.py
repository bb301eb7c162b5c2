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
    # How many proxies in front of the app set X-Forwarded-* (0: trust none of them).
    PROXY_FIX_HOPS: int = 0
    # Seconds a client is told to wait (Retry-After) when the database is unreachable.
    DB_OUTAGE_RETRY_AFTER: int = 30
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_WHATSAPP_NUMBER: str | None = None
    TWILIO_SMS_NUMBER: str | None = None
    TWILIO_API_BASE_URL: str | None = None
    # Where Twilio's media redirects point instead of its CDN (*.twiliocdn.com): a fake's.
    TWILIO_MEDIA_BASE_URL: str | None = None
    META_VERIFY_TOKEN: str | None = None
    META_APP_SECRET: str | None = None
    META_ACCESS_TOKEN: str | None = None
    META_PHONE_NUMBER_ID: str | None = None
    META_GRAPH_BASE_URL: str = "https://graph.facebook.com/v19.0"
    # The WhatsApp Business Account that owns the message templates (Meta channel).
    META_WABA_ID: str | None = None
    # WhatsApp's customer-service window: free-form messages go only this long after the
    # user's last message; later ones need an approved template (fractional hours allowed).
    WHATSAPP_WINDOW_HOURS: float = 24.0
    # How often the approval status of the message templates is asked of the provider.
    TEMPLATE_STATUS_INTERVAL_SECONDS: int = 3600
    OPENAI_API_KEY: str | None = None
    OPENAI_BASE_URL: str | None = None
    OPENAI_MODEL: str = "gpt-4o-mini"
    OCR_ENGINE: str = "tesseract"
    MEDIA_STORAGE: str = "local"
    MEDIA_ROOT: str = str(ROOT / "var" / "media")
    MEDIA_MAX_BYTES: int = 10 * 1024 * 1024
    # One media item's whole download (redirects and retries included) must end within this.
    MEDIA_DOWNLOAD_DEADLINE_SECONDS: int = 30
    S3_BUCKET: str | None = None
    S3_ENDPOINT_URL: str | None = None
    SMTP_URL: str | None = None
    MAIL_FROM: str = "orders@localhost"
    ADMIN_EMAIL: str | None = None
    ADMIN_PASSWORD: str | None = None
    # Payments larger than this (whole currency units) are recorded by an admin only.
    PAYMENT_STAFF_MAX: int = 100000
    # A bearer token from `flask staff token` stops working this many days after it is made.
    API_TOKEN_DAYS: int = 90
    DEFAULT_COUNTRY: str = "NP"
    # The web chat that plays a WhatsApp phone (`make run` turns it on; nothing else does).
    SANDBOX_ENABLED: bool = False
    # Where the worker fetches sandbox uploads from (never the request's Host): `make run`'s.
    SANDBOX_MEDIA_BASE_URL: str = "http://127.0.0.1:5000"
    # A message older than this and still unprocessed is presumed lost by a dead worker.
    SWEEP_STALE_SECONDS: int = 30
    # An inbound message whose processing failed this many times is given up (buyer told).
    MESSAGE_MAX_ATTEMPTS: int = 3
    # Inbound text is cut to this many characters before it is stored or parsed.
    MESSAGE_MAX_CHARS: int = 4096
    SEND_MAX_ATTEMPTS: int = 5
    # A send claimed longer ago than this is presumed dead (its worker killed) and tried again.
    SEND_CLAIM_TIMEOUT_SECONDS: int = 300
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
    # Worker threads of the one `worker` process besides its main one (jobs/worker.py): on the
    # text queues, so provider round trips overlap; and on the media queue, for photos.
    WORKER_THREADS: int = 8
    # Processes of the `worker` command (0: one per CPU): threads share one core each.
    WORKER_PROCESSES: int = 0
    MEDIA_WORKER_THREADS: int = 1
    # Online payments in the chat (market/payments.py): a provider is offered only when its
    # keys are set. Base URLs default to each provider's live API; the README names sandboxes.
    KHALTI_SECRET_KEY: str | None = None
    KHALTI_BASE_URL: str = "https://khalti.com/api/v2"
    ESEWA_PRODUCT_CODE: str | None = None
    ESEWA_SECRET_KEY: str | None = None
    # eSewa's host: the buyer's browser posts the signed form to {base}/api/epay/main/v2/form.
    ESEWA_BASE_URL: str = "https://epay.esewa.com.np"
    ESEWA_STATUS_URL: str = "https://epay.esewa.com.np/api/epay/transaction/status/"
    RAZORPAY_KEY_ID: str | None = None
    RAZORPAY_KEY_SECRET: str | None = None
    RAZORPAY_WEBHOOK_SECRET: str | None = None
    RAZORPAY_BASE_URL: str = "https://api.razorpay.com"
    # Seconds one call to a payment provider may take (a lookup not answered is tried later).
    PAYMENT_HTTP_TIMEOUT_SECONDS: int = 15
    # Minutes a payment link stays good; `pay` again within it gets the same link.
    PAYMENT_LINK_MINUTES: int = 30
    # How often unfinished payments are looked up at their provider, and for how many hours
    # after the link was made (a buyer may pay and never come back to the return page).
    PAYMENT_LOOKUP_INTERVAL_SECONDS: int = 300
    PAYMENT_LOOKUP_HOURS: int = 48
    # Credit terms: an order on credit is due this many days after it is placed.
    PAYMENT_DUE_DAYS: int = 15
    # Dues reminders, in days from the due date: -1 the day before, 0 on the day, 3 days late.
    PAYMENT_REMINDER_DAYS: str = "-1,0,3"
    # The time zone whose calendar days due dates and reminders are counted in.
    PAYMENT_TIMEZONE: str = "Asia/Kathmandu"
    PAYMENT_REMINDERS_INTERVAL_SECONDS: int = 3600
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
            elif f.type in ("float", float):
                setattr(cfg, f.name, float(raw))
            elif f.type in ("bool", bool):
                setattr(cfg, f.name, raw.lower() in ("1", "true", "yes", "on"))
            else:
                setattr(cfg, f.name, raw)
        for key, value in overrides.items():
            setattr(cfg, key, value)
        cfg.DATABASE_URL = normalise_database_url(cfg.DATABASE_URL)
        if cfg.APP_ENV == "production":
            problems = cfg.production_problems()
            if problems:
                raise RuntimeError("refusing to start with APP_ENV=production: "
                                   + "; ".join(problems))
        elif not cfg.SECRET_KEY:
            cfg.SECRET_KEY = secrets.token_hex(32)
        return cfg

    def production_problems(self) -> list[str]:
        """What would make a production deployment fail quietly: a missing secret (each
        gunicorn worker would make its own, and half the admin's forms would fail CSRF), and
        channels configured half way (every send or webhook would fail)."""
        problems = []
        if not self.SECRET_KEY:
            problems.append("SECRET_KEY must be set")
        if bool(self.TWILIO_ACCOUNT_SID) != bool(self.TWILIO_AUTH_TOKEN):
            problems.append("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither")
        if self.twilio_configured and not (self.TWILIO_WHATSAPP_NUMBER
                                           or self.TWILIO_SMS_NUMBER):
            problems.append("Twilio needs TWILIO_WHATSAPP_NUMBER or TWILIO_SMS_NUMBER to send")
        meta = {"META_ACCESS_TOKEN": self.META_ACCESS_TOKEN,
                "META_PHONE_NUMBER_ID": self.META_PHONE_NUMBER_ID,
                "META_APP_SECRET": self.META_APP_SECRET}
        if any(meta.values()) and not all(meta.values()):
            missing = ", ".join(name for name, value in meta.items() if not value)
            problems.append(f"the Meta channel is half configured: set {missing}")
        if self.MEDIA_STORAGE == "s3" and not self.S3_BUCKET:
            problems.append("MEDIA_STORAGE=s3 needs S3_BUCKET")
        problems += self.payment_problems()
        return problems

    def payment_problems(self) -> list[str]:
        """Payment providers configured half way: links that could never be confirmed."""
        problems = []
        if bool(self.ESEWA_PRODUCT_CODE) != bool(self.ESEWA_SECRET_KEY):
            problems.append("set both ESEWA_PRODUCT_CODE and ESEWA_SECRET_KEY, or neither")
        razorpay = {"RAZORPAY_KEY_ID": self.RAZORPAY_KEY_ID,
                    "RAZORPAY_KEY_SECRET": self.RAZORPAY_KEY_SECRET,
                    "RAZORPAY_WEBHOOK_SECRET": self.RAZORPAY_WEBHOOK_SECRET}
        if any(razorpay.values()) and not all(razorpay.values()):
            missing = ", ".join(name for name, value in razorpay.items() if not value)
            problems.append(f"Razorpay is half configured: set {missing}")
        providers = (self.KHALTI_SECRET_KEY, self.ESEWA_SECRET_KEY, self.RAZORPAY_KEY_ID)
        if any(providers) and not self.PUBLIC_BASE_URL:
            problems.append("payment links need PUBLIC_BASE_URL: providers send buyers back "
                            "to it")
        return problems

    @property
    def twilio_configured(self) -> bool:
        return bool(self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN)

    def as_flask(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def setting(name: str) -> int:
    """A tunable whole number from the app's config; outside an app, its default in Config."""
    return int(_configured(name))


def fractional_setting(name: str) -> float:
    """A tunable that may be fractional (hours of WhatsApp's window), read as `setting`."""
    return float(_configured(name))


def _configured(name: str) -> int | float | str:
    from flask import current_app, has_app_context

    default = getattr(Config, name)
    return current_app.config.get(name, default) if has_app_context() else default
