"""The Procfile's processes, started as a platform starts them: for the Procfile test and the
end-to-end benchmark."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, str]:
    """The Procfile's lines, by process type."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if ": " in line)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Deployment:
    """The Procfile's processes, each in its own process group, with `env` as their
    environment (PATH must reach the project's `gunicorn` and `flask`)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[subprocess.Popen[bytes]] = []

    def run(self, name: str) -> subprocess.CompletedProcess[bytes]:
        """Run a one-off process type (`release`) to its end."""
        return subprocess.run(["/bin/sh", "-c", procfile()[name]], cwd=ROOT, env=self.env,
                              capture_output=True, timeout=120)

    def start(self, name: str) -> None:
        """Start a long-running process type (`web`, `worker`)."""
        self.procs.append(subprocess.Popen(
            ["/bin/sh", "-c", "exec " + procfile()[name]], cwd=ROOT, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def stop(self) -> None:
        """SIGTERM to each whole group, as a platform stops a dyno; SIGKILL after 30 s."""
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
