"""Fixtures of the parser tests: the demo catalog and a fake OpenAI-compatible server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from parsers import Catalog

REPO = Path(__file__).resolve().parents[3]
SHARED = (REPO / ".." / "shared").resolve()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The demo catalog committed in data/catalog (95 products)."""
    return Catalog.load_dir(REPO / "data" / "catalog")


@dataclass
class FakeOpenAI:
    """What the fake server answers next, and the requests it received."""

    base_url: str
    reply: Callable[[dict[str, Any]], tuple[int, Any]] = lambda body: (500, {"error": "unset"})
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)

    def answer_content(self, content: str) -> None:
        """Answer every request with a chat completion whose message content is `content`."""

        def reply(body: dict[str, Any]) -> tuple[int, Any]:
            return 200, {
                "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                "model": body.get("model", "gpt-4o-mini"),
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": content,
                                         "refusal": None}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }

        self.reply = reply

    def answer_items(self, items: list[dict[str, Any]], unmatched: list[str] | None = None) -> None:
        """Answer with a structured-output JSON document of these items."""
        self.answer_content(json.dumps({"items": items, "unmatched": unmatched or []}))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A loopback HTTP server answering POST /v1/chat/completions like OpenAI does."""
    state = FakeOpenAI(base_url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "body": body})
            if state.delay:
                time.sleep(state.delay)
            if self.path != "/v1/chat/completions":
                status, payload = 404, {"error": {"message": "not found"}}
            else:
                status, payload = state.reply(body)
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
