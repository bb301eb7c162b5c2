"""The deployment as the Procfile starts it: `release`, `web` (gunicorn) and `worker`, in
production mode (the default), against PostgreSQL, Redis and a fake Twilio on loopback."""
from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import CATALOG, ROOT
from tests.integration.conftest import ACCOUNT_SID, AUTH_TOKEN, Stack
from tests.procfile import Deployment, free_port, procfile

BUYER = "+9779812400001"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:  # not listening yet
        return 0, ""


def children_of(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def deployment(stack: Stack, tmp_path: Path) -> Iterator[tuple[Deployment, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**stack.env, "PORT": str(port), "WEB_CONCURRENCY": "2", "PUBLIC_BASE_URL": base,
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
           "SECRET_KEY": "procfile-secret", "SANDBOX_ENABLED": ""}
    env.pop("APP_ENV")  # production is what an unset APP_ENV means
    deploy = Deployment(env)
    try:
        yield deploy, base
    finally:
        deploy.stop()


def test_the_procfile_deploy_answers_a_buyer_and_serves_no_sandbox(stack, deployment):
    deploy, base = deployment
    assert deploy.run("release").returncode == 0
    imported = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "catalog",
                               "import", str(CATALOG)], cwd=ROOT, env=deploy.env,
                              capture_output=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    deploy.start("web")
    deploy.start("worker")
    stack.wait(lambda: get(base + "/readyz")[0] == 200, what="gunicorn ready")
    assert get(base + "/sandbox")[0] == 404

    form = {"MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": ACCOUNT_SID,
            "From": f"whatsapp:{BUYER}", "To": "whatsapp:+9779800000000", "Body": "namaste",
            "NumMedia": "0", "ProfileName": "Sita"}
    url = base + "/webhooks/twilio/whatsapp"
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(form).encode(), method="POST",
        headers={"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, form),
                 "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        assert response.status == 200
    reply = stack.wait(lambda: stack.twilio.to(f"whatsapp:{BUYER}"), what="the welcome")
    assert len(reply) == 1 and reply[0].body
    # One worker process per CPU by default: the Procfile's one worker starts the others.
    worker = deploy.procs[1]
    extra = (os.cpu_count() or 1) - 1
    stack.wait(lambda: len(children_of(worker.pid)) == extra, what=f"{extra} worker children")
    children = children_of(worker.pid)

    forged = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                    method="POST", headers={"X-Twilio-Signature": "forged"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)  # noqa: S310 (loopback)
    assert refused.value.code == 403

    # A platform stopping the worker signals its process; it takes its children with it.
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0
    assert [pid for pid in children if Path(f"/proc/{pid}").exists()
            and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]] == []


def test_production_will_not_start_without_a_secret_key(deployment):
    deploy, _ = deployment
    deploy.env.pop("SECRET_KEY")
    release = deploy.run("release")
    assert release.returncode != 0 and b"SECRET_KEY" in release.stderr


def test_the_procfile_is_what_the_contract_names():
    assert set(procfile()) == {"web", "worker", "release"}
    assert shlex.split(procfile()["worker"]) == ["flask", "--app", "app", "worker"]
