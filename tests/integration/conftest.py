"""The whole stack on loopback: the app served over HTTP, RQ workers in subprocesses,
PostgreSQL, Redis and a fake Twilio that the real client talks to."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from redis import Redis
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from app import create_app
from market.db import db as database
from tests.conftest import CATALOG, ROOT, make_config
from tests.fakes.twilio import FakeTwilio

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "integration-auth-token"
KEEP_TABLES = {"alembic_version", "plans"}


def truncate_all(app: Flask) -> None:
    """Empty every table but the migrated reference data, between integration tests."""
    with app.app_context():
        session = database.session
        names = [t.name for t in reversed(database_tables()) if t.name not in KEEP_TABLES]
        session.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        session.commit()
    # Ids start again at 1: ids this process remembers would now name other conversations.
    from market import messaging

    messaging._conversation_ids.clear()


def database_tables() -> list[Any]:
    from market.db import Base

    return list(Base.metadata.sorted_tables)


class Stack:
    """Handles for one integration test: post signed webhooks, start and kill workers."""

    def __init__(self, app: Flask, env: dict[str, str], base_url: str, twilio: FakeTwilio,
                 redis: Redis) -> None:
        self.app = app
        self.env = env
        self.base_url = base_url
        self.twilio = twilio
        self.redis = redis
        self.workers: list[subprocess.Popen[bytes]] = []

    def post_signed(self, path: str, form: dict[str, str],
                    signature: str | None = None) -> tuple[int, str]:
        """POST a form over HTTP, signed with the auth token as Twilio signs it."""
        url = self.base_url + path
        if signature is None:
            signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        request = urllib.request.Request(
            url, data=urllib.parse.urlencode(form).encode(), method="POST",
            headers={"X-Twilio-Signature": signature,
                     "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def whatsapp(self, phone: str, body: str, sid: str | None = None,
                 **extra: str) -> tuple[int, str]:
        """A buyer's WhatsApp message, as Twilio would deliver it."""
        form = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                "From": f"whatsapp:{phone}", "To": "whatsapp:+9779800000000", "Body": body,
                "NumMedia": "0", **extra}
        return self.post_signed("/webhooks/twilio/whatsapp", form)

    def sms(self, phone: str, body: str, sid: str | None = None) -> tuple[int, str]:
        form = {"MessageSid": sid or "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
                "From": phone, "To": "+9779800000001", "Body": body, "NumMedia": "0"}
        return self.post_signed("/webhooks/twilio/sms", form)

    def start_worker(self, *extra_args: str) -> subprocess.Popen[bytes]:
        """An RQ worker in its own process, as `flask --app app worker` runs it."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", *extra_args],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True)
        self.workers.append(proc)
        return proc

    def kill_workers(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.workers.clear()

    def load_catalog(self, folder: Path = CATALOG) -> None:
        from market.catalog_import import import_dir

        with self.app.app_context():
            import_dir(database.session, folder)
            database.session.commit()

    def wait(self, predicate: Callable[[], Any], timeout: float = 45.0,
             what: str = "condition") -> Any:
        """Poll `predicate` until it returns something truthy; fail with `what` otherwise."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.app.app_context():
                try:
                    result = predicate()
                finally:
                    database.session.remove()
            if result:
                return result
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def stack(database_url: str, redis_url: str, queue_prefix: str,
          tmp_path: Path) -> Iterator[Stack]:
    """Everything running for real on loopback; workers are started by the test."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        holder: dict[str, str] = {}
        settings = {
            "REDIS_URL": redis_url, "QUEUE_PREFIX": queue_prefix,
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_WHATSAPP_NUMBER": "+9779800000000", "TWILIO_SMS_NUMBER": "+9779800000001",
            "TWILIO_API_BASE_URL": twilio.url, "TWILIO_MEDIA_BASE_URL": twilio.cdn_url,
            "SWEEP_INTERVAL_SECONDS": 1,
            "SWEEP_STALE_SECONDS": 2, "MEDIA_ROOT": str(tmp_path / "media"),
            "SANDBOX_ENABLED": True,
            # One worker process per start_worker(): tests count and kill them one by one
            # (the Procfile test runs the production default, one per CPU).
            "WORKER_PROCESSES": 1,
        }
        app = create_app(make_config(database_url, **settings))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        base_url = f"http://127.0.0.1:{server.server_port}"
        app.config["PUBLIC_BASE_URL"] = base_url
        app.config["SANDBOX_MEDIA_BASE_URL"] = base_url  # where the sandbox serves uploads
        holder["url"] = base_url
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        truncate_all(app)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
               "APP_ENV": "development", "SECRET_KEY": "test-secret", "PUBLIC_BASE_URL": base_url,
               "SANDBOX_MEDIA_BASE_URL": base_url,
               **{k: str(v) for k, v in settings.items()}}
        for key in ("OPENAI_API_KEY", "SMTP_URL", "ADMIN_EMAIL", "ADMIN_PASSWORD"):
            env.pop(key, None)
        redis = Redis.from_url(redis_url)
        stack = Stack(app, env, base_url, twilio, redis)
        try:
            yield stack
        finally:
            stack.kill_workers()
            server.shutdown()
            for key in redis.scan_iter(f"{queue_prefix}*"):
                redis.delete(key)
            for key in redis.scan_iter(f"rq:*{queue_prefix}*"):
                redis.delete(key)
            truncate_all(app)
            database.session.remove()
