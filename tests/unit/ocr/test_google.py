"""Cloud Vision engine against a local stand-in that speaks the Vision REST protocol."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from parsers.ocr import read_image

pytest.importorskip("google.cloud.vision")

VISION_TEXT = "1. chini 10 kg\n2) dhara tel 2 peti\n☐ maggi 5 packet\n"


class _FakeVision(BaseHTTPRequestHandler):
    """Answers POST /v1/images:annotate like the real service, recording each request."""

    requests: list[dict] = []
    answer: dict = {}

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests.append({"path": self.path, "headers": dict(self.headers),
                                    "body": json.loads(body or b"{}")})
        status = 200 if self.path.startswith("/v1/images:annotate") else 404
        payload = json.dumps(type(self).answer if status == 200 else {}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def fake_vision(monkeypatch) -> Iterator[type[_FakeVision]]:
    """A Vision stand-in on 127.0.0.1 with the env pointing the engine at it."""
    _FakeVision.requests = []
    _FakeVision.answer = {"responses": [{"fullTextAnnotation": {"text": VISION_TEXT}}]}
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeVision)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("GOOGLE_VISION_ENDPOINT", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("GOOGLE_API_KEY", "test-key")
    monkeypatch.setenv("OCR_ENGINE", "google")
    yield _FakeVision
    server.shutdown()
    server.server_close()


def test_google_engine_reads_through_the_vision_rest_api(fake_vision, list_image, make_bytes):
    result = read_image(make_bytes(list_image, "JPEG"))
    assert result.engine == "google"
    assert result.lines == ["chini 10 kg", "dhara tel 2 peti", "maggi 5 packet"]
    assert result.text == "chini 10 kg\ndhara tel 2 peti\nmaggi 5 packet"
    (call,) = fake_vision.requests
    assert call["path"].startswith("/v1/images:annotate")
    request = call["body"]["requests"][0]
    # The generated REST transport sends enums as numbers, which proto3 JSON accepts.
    assert request["features"][0]["type"] in ("DOCUMENT_TEXT_DETECTION", 11)
    assert base64.b64decode(request["image"]["content"])[:3] == b"\xff\xd8\xff"
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert headers.get("x-goog-api-key") == "test-key"


def test_google_engine_error_is_raised(fake_vision, list_image, make_bytes):
    from parsers.ocr.google import VisionError

    fake_vision.answer = {"responses": [{"error": {"code": 3, "message": "Bad image data."}}]}
    with pytest.raises(VisionError, match="Bad image data"):
        read_image(make_bytes(list_image, "PNG"), engine="google")


def test_unknown_engine_is_rejected(list_image, make_bytes):
    with pytest.raises(ValueError, match="unknown OCR engine"):
        read_image(make_bytes(list_image, "PNG"), engine="abbyy")


def test_google_engine_without_a_key_calls_anonymously(fake_vision, monkeypatch, list_image,
                                                       make_bytes):
    monkeypatch.delenv("GOOGLE_API_KEY")
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    assert read_image(make_bytes(list_image, "PNG")).lines[0] == "chini 10 kg"
    headers = {k.lower() for k in fake_vision.requests[0]["headers"]}
    assert "x-goog-api-key" not in headers
