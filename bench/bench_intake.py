"""Webhook intake benchmark: signed inbound messages per second and latency percentiles.

    .venv/bin/python bench/bench_intake.py

The real app (PostgreSQL + Redis, gunicorn) and a bare Flask endpoint returning 200 are served
by the same gunicorn settings and loaded by the same wrk script with 50 connections, in the
same run, so the ratio holds on a busy machine. Each request carries its own MessageSid and a
valid X-Twilio-Signature, as Twilio sends them. Prints `bench NAME VALUE UNIT` lines.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dbtools import create_scratch_database, drop_database  # noqa: E402

CONNECTIONS = 50
PHONES = 50
DURATION_S = int(os.environ.get("BENCH_SECONDS", "10"))
WARMUP_S = 3
TOKEN = "bench-auth-token"  # noqa: S105 (a throwaway token for a local server)
ACCOUNT = "AC" + "b" * 32
# The same settings for both servers; BENCH_GUNICORN overrides them to compare setups.
GUNICORN = os.environ.get(
    "BENCH_GUNICORN", "--workers 4 --worker-class sync").split() + [
    "--log-level", "warning", "--backlog", "2048"]


def make_requests(path: Path, url: str, count: int) -> None:
    validator = RequestValidator(TOKEN)
    with open(path, "w") as out:
        for n in range(count):
            form = {
                "SmsMessageSid": "", "NumMedia": "0", "ProfileName": f"Shop {n % PHONES}",
                "MessageType": "text", "SmsSid": "", "WaId": f"97798{n % PHONES:08d}",
                "SmsStatus": "received", "Body": "2 bora chamal, dhara 5 ltr x4, chini 10 kg",
                "To": "whatsapp:+9779800000000", "NumSegments": "1", "ReferralNumMedia": "0",
                "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT,
                "From": f"whatsapp:+97798{n % PHONES:08d}", "ApiVersion": "2010-04-01",
            }
            signature = validator.compute_signature(url, form)
            out.write(f"{signature}\t{urllib.parse.urlencode(form)}\n")


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), *GUNICORN, "--bind", f"127.0.0.1:{port}",
         target], cwd=ROOT, env=env)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return proc
        except urllib.error.HTTPError:
            return proc  # the bare app answers 404 on /healthz: it is up
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def run_wrk(port: int, requests: Path, seconds: int) -> dict[str, int]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s",
         "-s", str(ROOT / "bench" / "intake.lua"), f"http://127.0.0.1:{port}", "--",
         str(requests), "2"], capture_output=True, text=True, check=True)
    match = re.search(r"RESULT (.*)", out.stdout)
    if not match:
        raise RuntimeError(out.stdout + out.stderr)
    return {k: int(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def measure(target: str, env: dict[str, str], count: int) -> dict[str, float]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        requests = Path(tmp) / "requests.tsv"
        make_requests(requests, f"http://127.0.0.1:{port}/webhooks/twilio/whatsapp", count)
        server = serve(target, port, {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})
        try:
            run_wrk(port, requests, WARMUP_S)
            result = run_wrk(port, requests, DURATION_S)
        finally:
            server.terminate()
            server.wait(timeout=30)
    seconds = result["duration_us"] / 1e6
    return {"rps": result["requests"] / seconds, "p50_ms": result["p50_us"] / 1000,
            "p99_ms": result["p99_us"] / 1000,
            "bad": result["non2xx"] + result["errors"], "requests": result["requests"]}


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian package wrk); `make bench` installs it",
              file=sys.stderr)
        return 1
    url = create_scratch_database(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"), "bench")
    prefix = f"bench{uuid.uuid4().hex[:6]}:"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": url, "REDIS_URL": redis_url,
           "QUEUE_PREFIX": prefix, "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
           "SECRET_KEY": "bench", "APP_ENV": "development"}
    count = 80_000
    try:
        bare = measure("bench.bare_app:app", env, count)
        intake = measure("app:create_app()", env, count)
        engine = create_engine(url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT count(*) FROM messages")).scalar_one()
        engine.dispose()
    finally:
        from redis import Redis

        redis = Redis.from_url(redis_url)
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)
        drop_database(url)
    print(f"bench bare_msgs_per_s {bare['rps']:.0f} msgs/s")
    print(f"bench bare_p99_ms {bare['p99_ms']:.1f} ms")
    print(f"bench intake_msgs_per_s {intake['rps']:.0f} msgs/s")
    print(f"bench intake_p50_ms {intake['p50_ms']:.1f} ms")
    print(f"bench intake_p99_ms {intake['p99_ms']:.1f} ms")
    print(f"bench intake_failed_requests {intake['bad']:.0f} requests")
    print(f"bench intake_stored_messages {stored} messages")
    print(f"bench intake_vs_bare_ratio {intake['rps'] / bare['rps']:.3f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
