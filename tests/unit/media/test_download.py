"""Fetching buyers' media — the size limit, retries, provider auth kept to the
provider — against a real HTTP server on loopback."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from market.media_intake import (
    MediaRefused,
    Sources,
    download,
    fetch,
    twilio_auth,
    with_retries,
)

PAYLOAD = b"\xff\xd8\xff" + b"x" * 997  # 1000 bytes


class Server:
    """Endpoints that misbehave the ways media hosts do; counts the requests it saw."""

    def __init__(self) -> None:
        self.hits: dict[str, int] = {}
        self.failures = 0
        self.sent_endless = 0
        self.authorizations: list[str | None] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def sources(self) -> Sources:
        """This loopback server as a configured media base (as the tests' fake Twilio is)."""
        return Sources.from_config({"TWILIO_API_BASE_URL": self.url})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, data: bytes, length: int | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(data) if length is None else length))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path
                server.hits[path] = server.hits.get(path, 0) + 1
                server.authorizations.append(self.headers.get("Authorization"))
                if path == "/small":
                    self._send(200, PAYLOAD)
                elif path == "/announce-huge":
                    self._send(200, b"", length=10**9)
                elif path == "/endless":
                    self._endless()
                elif path == "/flaky":
                    if server.failures > 0:
                        server.failures -= 1
                        self._send(503, b"busy")
                    else:
                        self._send(200, PAYLOAD)
                elif path == "/graph/MEDIA1" and self._bearer():
                    self._send(200, json.dumps({"url": f"{server.url}/lookaside/MEDIA1",
                                                "mime_type": "image/jpeg"}).encode())
                elif path == "/lookaside/MEDIA1" and self._bearer():
                    self._send(200, PAYLOAD)
                elif path in ("/graph/MEDIA1", "/lookaside/MEDIA1"):
                    self._send(401, b"")
                else:
                    self._send(404, b"")

            def _bearer(self) -> bool:
                return self.headers.get("Authorization") == "Bearer meta-token"

            def _endless(self) -> None:
                # No Content-Length: the body ends when the connection does, i.e. never.
                self.send_response(200)
                self.end_headers()
                try:
                    while server.sent_endless < 10**9:
                        self.wfile.write(b"\0" * 65536)
                        server.sent_endless += 65536
                except OSError:
                    pass  # the client hung up, as it should

        return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    found = Server()
    thread = threading.Thread(target=found.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        found.httpd.shutdown()
        found.httpd.server_close()


def test_a_file_within_the_limit_arrives_whole(server):
    assert download(server.url + "/small", limit=1000, sources=server.sources) == PAYLOAD


def test_one_byte_over_the_limit_is_refused(server):
    with pytest.raises(MediaRefused) as refused:
        download(server.url + "/small", limit=999, sources=server.sources)
    assert refused.value.reason == "too_large"


def test_an_announced_size_over_the_limit_is_refused_before_reading(server):
    with pytest.raises(MediaRefused) as refused:
        download(server.url + "/announce-huge", limit=10_000, sources=server.sources)
    assert refused.value.reason == "too_large"


def test_an_endless_body_is_cut_off_at_the_limit(server):
    with pytest.raises(MediaRefused) as refused:
        download(server.url + "/endless", limit=1_000_000, sources=server.sources)
    assert refused.value.reason == "too_large"
    assert server.sent_endless < 10**9  # the server was hung up on long before the end


def test_network_errors_are_retried_then_the_file_arrives(server):
    server.failures = 2
    got = with_retries(lambda: download(server.url + "/flaky", limit=1000,
                                        sources=server.sources), delays=(0, 0, 0))
    assert got == PAYLOAD
    assert server.hits["/flaky"] == 3


def test_a_host_that_keeps_failing_gives_up_as_download_failed(server):
    server.failures = 10
    with pytest.raises(MediaRefused) as refused:
        with_retries(lambda: download(server.url + "/flaky", limit=1000,
                                      sources=server.sources), delays=(0, 0))
    assert refused.value.reason == "download_failed"
    assert server.hits["/flaky"] == 3


def test_a_missing_file_is_not_retried(server):
    with pytest.raises(MediaRefused) as refused:
        with_retries(lambda: download(server.url + "/gone", limit=1000,
                                      sources=server.sources), delays=(0, 0))
    assert refused.value.reason == "download_failed"
    assert server.hits["/gone"] == 1


def test_cloud_api_media_is_looked_up_then_fetched_with_the_token(server):
    config = {"META_GRAPH_BASE_URL": server.url + "/graph", "META_ACCESS_TOKEN": "meta-token",
              "MEDIA_MAX_BYTES": 5000}
    assert fetch({"meta_id": "MEDIA1"}, config) == PAYLOAD
    assert server.hits == {"/graph/MEDIA1": 1, "/lookaside/MEDIA1": 1}


TWILIO = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "secret",
          "TWILIO_API_BASE_URL": "http://127.0.0.1:8123"}


@pytest.mark.parametrize("url, credentials", [
    ("https://api.twilio.com/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1", True),
    ("https://mcs.us1.twilio.com/v1/Services/IS1/Media/ME1", True),
    ("http://127.0.0.1:8123/2010-04-01/Accounts/AC123/Messages/MM1/Media/ME1", True),
    ("http://api.twilio.com/2010-04-01/Accounts/AC123/Media/ME1", False),  # not over TLS
    ("https://api.twilio.com.evil.example/Media/ME1", False),
    ("https://eviltwilio.com/Media/ME1", False),
    ("http://127.0.0.1:5000/sandbox/media/a.jpg", False),  # our own sandbox
    ("http://127.0.0.1:8124/Media/ME1", False),
])
def test_twilio_credentials_go_to_twilio_only(url, credentials):
    assert (twilio_auth(url, TWILIO) == ("AC123", "secret")) is credentials


def test_without_twilio_credentials_nothing_is_sent(server):
    assert twilio_auth(server.url + "/small", {"TWILIO_API_BASE_URL": server.url}) is None
    config = {"MEDIA_MAX_BYTES": 5000, "TWILIO_API_BASE_URL": server.url}
    assert fetch({"url": server.url + "/small"}, config) == PAYLOAD
    assert server.authorizations == [None]
