"""End to end, as production runs: the Procfile's `web` (gunicorn) and `worker` against
PostgreSQL and Redis, with a fake Twilio whose every API call takes BENCH_PROVIDER_MS (200 ms,
about what the real API takes from Nepal or India).

    .venv/bin/python bench/bench_e2e.py

Two scenes, each run with the provider at its latency and again at 0 ms in the same run, so
the share of the time that is our own cost shows:
- chat: BENCH_SHOPS shopkeepers at once, each going through onboarding, an order and `yes`,
  waiting for each reply like a person; every reply's latency (webhook POST to the provider
  receiving the reply) → `e2e_reply_p95_ms`, and replies per second → `e2e_replies_per_s`;
- burst: the same shopkeepers each send an order at the same moment → `e2e_burst_s`, the time
  until the last of them has its priced draft.
Prints `bench NAME VALUE UNIT` lines.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dbtools import create_scratch_database, drop_database  # noqa: E402
from tests.fakes.twilio import FakeTwilio  # noqa: E402
from tests.procfile import Deployment, free_port  # noqa: E402

SHOPS = int(os.environ.get("BENCH_SHOPS", "100"))
PROVIDER_MS = float(os.environ.get("BENCH_PROVIDER_MS", "200"))
REPLY_TIMEOUT_S = 120.0
ACCOUNT = "AC" + "e" * 32
TOKEN = "bench-e2e-token"  # noqa: S105 (a throwaway token for local servers)
ORDER = "2 bora chamal, dhara 5 ltr x4, chini 10 kg"
CHAT = ("namaste", "Ram", "Ram Kirana", "Kathmandu", ORDER, "yes")


class SlowTwilio(FakeTwilio):
    """The fake Twilio, taking `latency` seconds to answer each message sent, as the real
    API does over a long network path."""

    latency = 0.0

    def _record(self, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        time.sleep(self.latency)
        return super()._record(params)


def deploy(env: dict[str, str], base: str) -> Deployment:
    """The catalog loaded, then the Procfile's web and worker started and ready."""
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "catalog", "import",
                    str(ROOT / "data" / "catalog")], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    deployment = Deployment(env)
    for name in ("web", "worker"):
        deployment.start(name)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return deployment
        except (OSError, urllib.error.HTTPError):
            time.sleep(0.3)
    deployment.stop()
    raise RuntimeError("the web process did not become ready")


class Shop:
    """One shopkeeper's phone: sends signed messages, waits for the service's replies."""

    def __init__(self, fake: FakeTwilio, base: str, phone: str) -> None:
        self.fake, self.base, self.phone = fake, base, phone
        self.url = base + "/webhooks/twilio/whatsapp"
        self.validator = RequestValidator(TOKEN)

    def replies(self) -> int:
        with self.fake.lock:
            return sum(1 for m in self.fake.messages if m.to == f"whatsapp:{self.phone}")

    def send(self, body: str) -> float:
        """Send `body`; returns when it was sent (time.monotonic)."""
        form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT,
                "From": f"whatsapp:{self.phone}", "To": "whatsapp:+9779800000000",
                "Body": body, "NumMedia": "0", "ProfileName": "Ram"}
        data = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(self.url, data=data, method="POST", headers={
            "X-Twilio-Signature": self.validator.compute_signature(self.url, form),
            "Content-Type": "application/x-www-form-urlencoded"})
        sent = time.monotonic()
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
            if answer.status != 200:
                raise RuntimeError(f"webhook answered {answer.status}")
        return sent

    def wait_reply(self, before: int, sent: float) -> float:
        """Seconds from `sent` until a reply beyond the first `before` arrived."""
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        with self.fake.condition:
            while time.monotonic() < deadline:
                if sum(1 for m in self.fake.messages
                       if m.to == f"whatsapp:{self.phone}") > before:
                    return time.monotonic() - sent
                self.fake.condition.wait(timeout=0.5)
        raise TimeoutError(f"no reply to {self.phone} within {REPLY_TIMEOUT_S:.0f} s")

    def say(self, body: str) -> float:
        before = self.replies()
        return self.wait_reply(before, self.send(body))

    def settle(self) -> None:
        """Let the replies to the last message finish arriving (long ones come in parts)."""
        time.sleep(0.5)


def chat_scene(shops: list[Shop]) -> tuple[list[float], float]:
    """Everyone goes through the whole chat at once; (reply latencies, wall seconds)."""
    def converse(shop: Shop) -> list[float]:
        latencies = []
        for body in CHAT:
            latencies.append(shop.say(body))
            shop.settle()
        return latencies

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(shops)) as pool:
        results = list(pool.map(converse, shops))
    return [x for r in results for x in r], time.monotonic() - start


def burst_scene(shops: list[Shop]) -> float:
    """Everyone sends an order at the same moment; seconds until the last has its draft."""
    barrier = threading.Barrier(len(shops))

    def order(shop: Shop) -> float:
        before = shop.replies()
        barrier.wait()
        return shop.wait_reply(before, shop.send(ORDER))

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(shops)) as pool:
        list(pool.map(order, shops))
    return time.monotonic() - start


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def run(latency_ms: float, fake: SlowTwilio, base: str, tag: str) -> dict[str, float]:
    fake.latency = latency_ms / 1000
    shops = [Shop(fake, base, f"+97798{tag}{n:05d}") for n in range(SHOPS)]
    latencies, wall = chat_scene(shops)
    burst = burst_scene(shops)
    return {"p50": statistics.median(latencies) * 1000, "p95": percentile(latencies, 95) * 1000,
            "rps": len(latencies) / wall, "burst": burst}


def main() -> int:
    database = create_scratch_database(
        os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"), "bench")
    prefix = f"benche2e{uuid.uuid4().hex[:6]}:"
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results: dict[str, dict[str, float]] = {}
    with SlowTwilio(ACCOUNT, TOKEN) as fake:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database,
               "REDIS_URL": redis_url, "QUEUE_PREFIX": prefix, "SECRET_KEY": "bench-e2e",
               "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN,
               "TWILIO_API_BASE_URL": fake.url, "TWILIO_WHATSAPP_NUMBER": "+9779800000000",
               "TWILIO_SMS_NUMBER": "+9779800000001", "PUBLIC_BASE_URL": base,
               "PORT": str(port), "PATH": f"{Path(sys.executable).parent}:"
                                          f"{os.environ.get('PATH', '')}"}
        for name in ("APP_ENV", "SANDBOX_ENABLED", "OPENAI_API_KEY", "SMTP_URL"):
            env.pop(name, None)  # production, as the Procfile runs, with no LLM
        deployment = deploy(env, base)
        try:
            results["provider"] = run(PROVIDER_MS, fake, base, "1")
            results["loopback"] = run(0.0, fake, base, "2")
        finally:
            deployment.stop()
            from redis import Redis

            redis = Redis.from_url(redis_url)
            for key in redis.scan_iter(f"*{prefix}*"):
                redis.delete(key)
            drop_database(database)
    slow, fast = results["provider"], results["loopback"]
    print(f"bench e2e_reply_p50_ms {slow['p50']:.0f} ms")
    print(f"bench e2e_reply_p95_ms {slow['p95']:.0f} ms")
    print(f"bench e2e_burst_s {slow['burst']:.2f} s")
    print(f"bench e2e_replies_per_s {slow['rps']:.1f} replies/s")
    print(f"bench e2e_reply_p50_ms_provider_0ms {fast['p50']:.0f} ms")
    print(f"bench e2e_reply_p95_ms_provider_0ms {fast['p95']:.0f} ms")
    print(f"bench e2e_burst_s_provider_0ms {fast['burst']:.2f} s")
    print(f"bench e2e_replies_per_s_provider_0ms {fast['rps']:.1f} replies/s")
    print(f"bench e2e_provider_ms {PROVIDER_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
