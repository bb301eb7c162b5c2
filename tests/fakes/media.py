"""A media host on 127.0.0.1 that misbehaves the ways hostile or broken ones do, and a log of
this process's own network calls.

`MediaHost` serves:
  /photo                 the bytes of `photo` (an "internal" secret, when used as a target)
  /redirect?to=URL       a 307 to URL (what a provider host turned hostile would answer)
  /loop                  a 307 to itself, for ever
  /graph/ID              a Graph API media lookup: {"url": `graph_answer`}
  /trickle               `trickle_bytes` bytes announced, then one byte every `trickle_every`
                         seconds until the client hangs up (or all were sent)
It counts every TCP connection it accepts, so a test can prove nothing reached it.

`NetworkLog` (the `watch_network()` context) records the names this process resolves and the
addresses it connects to; it resolves no outside name and refuses any connection outside
loopback before it leaves, so a test of refusals never sends a packet to a private or metadata
address (nor a query to DNS), even when the code under test is wrong.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: MediaHost) -> None:
        self.host = host
        super().__init__(("127.0.0.1", 0), _handler(host))

    def get_request(self) -> Any:
        request = super().get_request()
        with self.host.lock:
            self.host.connections += 1
        return request


class MediaHost:
    """Start with `with MediaHost() as host:`; `host.url` is its base URL."""

    def __init__(self, photo: bytes = b"\xff\xd8\xff" + b"x" * 997) -> None:
        self.photo = photo
        self.lock = threading.Lock()
        self.connections = 0
        self.paths: list[str] = []
        self.authorizations: list[str | None] = []
        self.trickle_bytes = 100
        self.trickle_every = 0.5
        self.trickling = 0  # trickles being served right now
        self.trickle_sent: list[int] = []  # bytes each finished trickle sent
        self.trickle_hung_up: list[bool] = []  # whether the client hung up before the end
        self.trickle_started = threading.Event()
        self.graph_answer = ""  # the media URL a /graph/ID lookup names
        self._server = _CountingServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> MediaHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _trickle(self, handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(self.trickle_bytes))
        handler.end_headers()
        sent, hung_up = 0, False
        with self.lock:
            self.trickling += 1
        self.trickle_started.set()
        try:
            for index in range(self.trickle_bytes):  # bounded: it ends after trickle_bytes
                if index:
                    time.sleep(self.trickle_every)
                handler.wfile.write(b"\xff")
                handler.wfile.flush()
                sent += 1
        except OSError:
            hung_up = True
        finally:
            with self.lock:
                self.trickling -= 1
                self.trickle_sent.append(sent)
                self.trickle_hung_up.append(hung_up)


def _handler(host: MediaHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, data: bytes = b"", **headers: str) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            target = urllib.parse.urlsplit(self.path)
            with host.lock:
                host.paths.append(target.path)
                host.authorizations.append(self.headers.get("Authorization"))
            if target.path == "/photo":
                self._send(200, host.photo, Content_Type="image/jpeg")
            elif target.path == "/redirect":
                location = urllib.parse.parse_qs(target.query)["to"][0]
                self._send(307, Location=location)
            elif target.path == "/loop":
                self._send(307, Location=f"{host.url}/loop")
            elif target.path.startswith("/graph/"):
                answer = json.dumps({"url": host.graph_answer, "mime_type": "image/jpeg"})
                self._send(200, answer.encode(), Content_Type="application/json")
            elif target.path == "/trickle":
                host._trickle(self)
            else:
                self._send(404)

    return Handler


# --- this process's own network calls -------------------------------------------------------

@dataclass
class NetworkLog:
    resolved: list[str] = field(default_factory=list)  # hosts given to getaddrinfo
    connected: list[str] = field(default_factory=list)  # addresses connect() was called with
    refused: list[str] = field(default_factory=list)  # non-loopback ones, stopped here


_watching: list[NetworkLog] = []
_hooked = False


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    log = _watching[-1]
    if event == "socket.getaddrinfo":
        name = str(args[0])
        log.resolved.append(name)
        if name != "localhost" and not _is_loopback(name):
            raise socket.gaierror(socket.EAI_NONAME, f"the test resolves no outside name {name}")
    elif event == "socket.connect":
        address = args[1]
        host = str(address[0]) if isinstance(address, tuple) else str(address)
        log.connected.append(host)
        if not _is_loopback(host):
            log.refused.append(host)
            raise ConnectionRefusedError(f"the test refuses a connection to {host}")


@contextmanager
def watch_network() -> Iterator[NetworkLog]:
    """Record this process's resolutions and connections; only loopback ones go ahead."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)  # audit hooks cannot be removed: it idles outside the block
        _hooked = True
    log = NetworkLog()
    _watching.append(log)
    try:
        yield log
    finally:
        _watching.remove(log)
