"""The media of inbound messages: fetch each item with the provider's auth and a size limit,
check its real type from the bytes, store it (app/media.py) and read it (parsers.ocr).

Each item of `Message.media` ends up with what happened to it, so the engine can answer:

    {"url" | "meta_id", "content_type" (sniffed), "declared_type", "storage_key", "size",
     "ocr_text", "ocr_engine", "ocr_confidence", "error" (a reason), "prepared_at"}

Fetching and OCR take seconds, so they run in jobs/media.py outside the conversation's lock;
`claim` and `record` are the short transactions around them. Reasons in "error": the
parsers.ocr ones (empty, not_an_image, too_large, truncated, unsupported) and ours,
download_failed and ocr_failed.

A media URL arrives in a webhook and may name anything, so it is fetched only from the
providers' hosts and the configured bases (`Sources`), judged with the parser the HTTP client
connects with (urllib3's), on every redirect hop, never on an address inside (loopback,
private, link-local, metadata) unless it is a configured base, and within one deadline for the
whole download, however slowly the bytes come.
"""
from __future__ import annotations

import contextvars
import ipaddress
import json
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from sqlalchemy.orm import Session
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NewConnectionError
from urllib3.util import Url, parse_url
from urllib3.util import connection as urllib3_connection

from market import media
from market.db import utcnow
from market.models import Message

log = logging.getLogger(__name__)

# Longer than a job may run (RQ's job_timeout is 120 s): a claim older than this was left by
# a dead worker and may be taken over.
CLAIM_TIMEOUT = timedelta(minutes=3)
MAX_ATTEMPTS = 3
RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds between download attempts after a network error
TIMEOUT = (5, 20)  # connect, read (seconds), each within the deadline below
DEADLINE_SECONDS = 30  # one item's whole download, when MEDIA_DOWNLOAD_DEADLINE_SECONDS is unset
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ACCEPTED = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")


class MediaRefused(Exception):  # noqa: N818 - a refusal the buyer is told about, not a bug
    """The item cannot be used; `reason` says why, for the reply."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class _Transient(Exception):  # noqa: N818
    """A network failure or a 5xx/429 answer: worth another try."""


# --- the message's media list ---------------------------------------------------------------

def is_prepared(message: Message) -> bool:
    """True when every media item has been fetched and read (or refused)."""
    return all(item.get("prepared_at") for item in message.media or [])


def claim(session: Session, message_id: int,
          now: datetime | None = None) -> tuple[int, list[tuple[int, dict[str, Any]]]] | None:
    """Take the message's unprepared items for this job: (conversation id, [(index, item)]).

    None when the message is gone or another job is working on it (a fresh claim). Items
    claimed MAX_ATTEMPTS times already are given up as download_failed. Flushes, never commits.
    """
    now = now or utcnow()
    message = session.get(Message, message_id, with_for_update=True)
    if message is None:
        return None
    items = [dict(item) for item in message.media or []]
    todo: list[tuple[int, dict[str, Any]]] = []
    for index, item in enumerate(items):
        if item.get("prepared_at"):
            continue
        claimed = item.get("claimed_at")
        if claimed and now - datetime.fromisoformat(claimed) < CLAIM_TIMEOUT:
            return None
        attempts = int(item.get("attempts") or 0) + 1
        if attempts > MAX_ATTEMPTS:
            item.update(error="download_failed", prepared_at=now.isoformat())
            item.pop("claimed_at", None)
            continue
        item.update(claimed_at=now.isoformat(), attempts=attempts)
        todo.append((index, dict(item)))
    message.media = items
    session.flush()
    return message.conversation_id, todo


def record(session: Session, message_id: int, index: int, outcome: Mapping[str, Any]) -> None:
    """Write what became of item `index`; it counts as prepared from now on."""
    message = session.get(Message, message_id, with_for_update=True)
    if message is None or index >= len(message.media or []):
        return
    items = [dict(item) for item in message.media]
    if items[index].get("prepared_at"):
        return  # a job that outlived its claim finished first; keep what it wrote
    item = items[index]
    item.pop("claimed_at", None)
    item.update(outcome, prepared_at=utcnow().isoformat())
    message.media = items
    session.flush()


# --- one item: fetch, check, store, read ----------------------------------------------------

def prepare_item(item: Mapping[str, Any], config: Mapping[str, Any] | None = None,
                 deadline: float | None = None, catalog: Any = None) -> dict[str, Any]:
    """Fetch, type-check, store and OCR one media item; what to record on it. No database.

    The download gives up at `deadline` (a time.monotonic() instant) if that comes before its
    own MEDIA_DOWNLOAD_DEADLINE_SECONDS. With the `catalog`, OCR prefers its product words
    where the handwriting is ambiguous."""
    config = config if config is not None else current_app.config
    declared = item.get("declared_type") or item.get("content_type")
    outcome: dict[str, Any] = {"declared_type": declared}
    try:
        data = fetch(item, config, deadline)
    except MediaRefused as exc:
        log.info("media item refused before download finished: %s", exc)
        return {**outcome, "error": exc.reason}
    outcome["size"] = len(data)
    kind = sniff_type(data)
    if kind is None:
        return {**outcome, "error": refusal_reason(data)}
    outcome.update(content_type=kind, storage_key=media.store(data, kind, "inbound"))
    return {**outcome, **read(data, config.get("OCR_ENGINE"), catalog)}


def sniff_type(data: bytes) -> str | None:
    """The type the bytes really are, when it is one we read."""
    from parsers.ocr import sniff_image_type

    kind = sniff_image_type(data)
    return kind if kind in ACCEPTED else None


def refusal_reason(data: bytes) -> str:
    """Why bytes that are no accepted type were refused (empty, unsupported, not_an_image)."""
    from parsers.ocr import UnreadableImage, load_image

    try:
        load_image(data)  # refuses unknown magic bytes before decoding anything
    except UnreadableImage as exc:
        return exc.reason
    return "unsupported"


def read(data: bytes, engine: str | None, catalog: Any = None) -> dict[str, Any]:
    """OCR the image; an undecodable one (bomb, truncated) becomes an error, not a crash."""
    from parsers.ocr import UnreadableImage, read_image

    try:
        result = read_image(data, engine=engine or None, catalog=catalog)
    except UnreadableImage as exc:
        log.info("photo refused by OCR: %s", exc)
        return {"error": exc.reason}
    except Exception:  # OCR engine missing or failing: the buyer is asked to type instead
        log.exception("OCR failed")
        return {"error": "ocr_failed"}
    return {"ocr_text": result.text, "ocr_engine": result.engine,
            "ocr_confidence": result.confidence}


# --- where media may come from --------------------------------------------------------------

# The providers' own hosts and their subdomains, over HTTPS: Twilio's API and media CDN
# (api.twilio.com redirects to mms.twiliocdn.com), Meta's Graph API and media hosts
# (lookaside.fbsbx.com).
PROVIDER_HOSTS = ("twilio.com", "twiliocdn.com", "facebook.com", "fbsbx.com", "fbcdn.net",
                  "whatsapp.net")
# Twilio media stored before "Enforce HTTP Auth on Media URLs" redirects to Twilio's bucket on
# S3: that host only under that bucket (anyone can own a bucket there).
PROVIDER_PATHS = (("s3-external-1.amazonaws.com", "/media.twiliocdn.com/"),)
TWILIO_HOSTS = ("twilio.com",)  # Twilio's credentials go there (and to TWILIO_API_BASE_URL)
META_HOSTS = ("facebook.com", "fbsbx.com", "whatsapp.net")  # and Meta's token there
# Where app/sandbox.py serves its uploads, under SANDBOX_MEDIA_BASE_URL.
SANDBOX_MEDIA_PATH = "/sandbox/media/"
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, host, port


def _parse(url: str) -> Url | None:
    """`url` as urllib3 reads it: the very parser requests connects with, so the host checked
    is the host reached (urlsplit reads `https://evil.com\\@api.twilio.com/` as Twilio's)."""
    try:
        return parse_url(url)
    except (LocationParseError, ValueError):
        return None


def _host(host: str | None) -> str:
    return (host or "").strip("[]").rstrip(".").lower()


def _origin(parsed: Url | None) -> Origin | None:
    if parsed is None:
        return None
    scheme = (parsed.scheme or "").lower()
    if scheme not in DEFAULT_PORTS or not parsed.host:
        return None
    return scheme, _host(parsed.host), parsed.port or DEFAULT_PORTS[scheme]


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, as the HTTP client will connect; None if none."""
    return _origin(_parse(url))


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _refuse(url: str, why: str) -> MediaRefused:
    log.warning("media URL refused (%s): %.200r", why, url)
    return MediaRefused("download_failed", f"{why}: {url[:200]}")


@dataclass(frozen=True)
class Sources:
    """Where media may be fetched from: the providers' hosts over HTTPS, on public addresses
    only, and the configured bases (`bases`: origin and path prefix), which may be anywhere,
    this machine included (the tests' fake Twilio, `make run`'s sandbox)."""

    bases: tuple[tuple[Origin, str], ...] = ()
    hosts: tuple[str, ...] = PROVIDER_HOSTS
    paths: tuple[tuple[str, str], ...] = PROVIDER_PATHS

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Sources:
        """The providers' hosts, the configured provider bases, and the sandbox's uploads while
        the sandbox is on."""
        wanted = [(config.get(name), "/") for name in
                  ("TWILIO_API_BASE_URL", "TWILIO_MEDIA_BASE_URL", "META_GRAPH_BASE_URL")]
        if config.get("SANDBOX_ENABLED"):
            wanted.append((config.get("SANDBOX_MEDIA_BASE_URL"), SANDBOX_MEDIA_PATH))
        bases = []
        for url, prefix in wanted:
            origin = origin_of(str(url)) if url else None
            if origin is not None:
                bases.append((origin, prefix))
        return cls(bases=tuple(bases))

    def check(self, url: str) -> Origin:
        """The origin `url` would be fetched from, when it is an allowed source; MediaRefused
        otherwise. Nothing is looked up or connected to here."""
        parsed = _parse(url)
        origin = _origin(parsed)
        if parsed is None or origin is None:
            raise _refuse(url, "not an http(s) URL")
        if parsed.auth:
            raise _refuse(url, "credentials in the URL")
        path = parsed.path or "/"
        if any(origin == base and path.startswith(prefix) for base, prefix in self.bases):
            return origin
        scheme, host, _ = origin
        if scheme == "https" and (_under(host, self.hosts) or any(
                host == known and path.startswith(prefix) for known, prefix in self.paths)):
            return origin
        raise _refuse(url, "not a media host of the providers")

    def addresses(self, scheme: str, host: str, port: int) -> list[str] | None:
        """Where a connection to host:port may go: None for a configured base (anywhere, as
        usual), else the host's addresses, every one of them public; MediaRefused otherwise.
        Checked when the connection is made, so what was checked is what is reached."""
        origin = (scheme, _host(host), port)
        if any(origin == base for base, _ in self.bases):
            return None
        name = origin[1]
        if scheme != "https" or not (_under(name, self.hosts)
                                     or any(name == known for known, _ in self.paths)):
            raise _refuse(f"{scheme}://{host}:{port}", "not a media host of the providers")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise _Transient(f"{host} does not resolve: {exc}") from exc
        found: list[str] = []
        for info in infos:
            address = str(info[4][0])
            if not _public(address):
                raise _refuse(f"{scheme}://{host}:{port}", f"{host} resolves to {address}")
            found.append(address)
        return found


def _public(address: str) -> bool:
    """True for an address on the internet: not loopback, private, link-local (the cloud
    metadata service's 169.254.169.254), shared, reserved or multicast."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


# --- downloading ----------------------------------------------------------------------------

def fetch(item: Mapping[str, Any], config: Mapping[str, Any],
          deadline: float | None = None) -> bytes:
    """The item's bytes from its provider, within MEDIA_MAX_BYTES and within
    MEDIA_DOWNLOAD_DEADLINE_SECONDS (retries included), or by `deadline` (a time.monotonic()
    instant) if sooner; MediaRefused otherwise."""
    limit = int(config.get("MEDIA_MAX_BYTES") or 10 * 1024 * 1024)
    seconds = float(config.get("MEDIA_DOWNLOAD_DEADLINE_SECONDS") or DEADLINE_SECONDS)
    ends = time.monotonic() + seconds
    ends = ends if deadline is None else min(ends, deadline)
    sources = Sources.from_config(config)
    if item.get("url"):
        url = str(item["url"])
        auth = twilio_auth(url, config)
        return with_retries(lambda: download(url, limit=limit, sources=sources, deadline=ends,
                                             auth=auth), deadline=ends)
    if item.get("meta_id"):
        meta_id = str(item["meta_id"])
        return with_retries(lambda: _meta_download(meta_id, config, limit, sources, ends),
                            deadline=ends)
    raise MediaRefused("download_failed", "no url or media id")


def twilio_auth(url: str, config: Mapping[str, Any]) -> tuple[str, str] | None:
    """Twilio's credentials, for Twilio's hosts over HTTPS (or the configured API base) only,
    judged by the host the HTTP client will reach: a media URL pointing anywhere else (our own
    sandbox, or `https://evil.com\\@api.twilio.com/`) never receives them."""
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not sid or not token:
        return None
    target = origin_of(url)
    if target is None:
        return None
    if target[0] == "https" and _under(target[1], TWILIO_HOSTS):
        return sid, token
    base = config.get("TWILIO_API_BASE_URL")
    if base and origin_of(str(base)) == target:
        return sid, token
    return None


def meta_headers(url: str, config: Mapping[str, Any]) -> dict[str, str]:
    """Meta's access token, for the Graph API base and Meta's media hosts over HTTPS only."""
    token = config.get("META_ACCESS_TOKEN")
    target = origin_of(url)
    if not token or target is None:
        return {}
    base = config.get("META_GRAPH_BASE_URL")
    if (target[0] == "https" and _under(target[1], META_HOSTS)) or (
            base and origin_of(str(base)) == target):
        return {"Authorization": f"Bearer {token}"}
    return {}


def _meta_download(media_id: str, config: Mapping[str, Any], limit: int, sources: Sources,
                   deadline: float) -> bytes:
    """Cloud API media: the Graph API names a short-lived URL, fetched with the same token."""
    if not config.get("META_ACCESS_TOKEN"):
        raise MediaRefused("download_failed", "META_ACCESS_TOKEN is not set")
    base = str(config.get("META_GRAPH_BASE_URL") or "").rstrip("/")
    lookup = f"{base}/{urllib.parse.quote(media_id, safe='')}"
    info = download(lookup, limit=64 * 1024, sources=sources, deadline=deadline,
                    headers=meta_headers(lookup, config))
    try:
        url = str(json.loads(info)["url"])
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaRefused("download_failed", "no url in the Graph API answer") from exc
    return download(url, limit=limit, sources=sources, deadline=deadline,
                    headers=meta_headers(url, config))


def download(url: str, *, limit: int, sources: Sources | None = None,
             deadline: float | None = None, auth: tuple[str, str] | None = None,
             headers: Mapping[str, str] | None = None) -> bytes:
    """GET `url` from an allowed source, streaming, and stop as soon as more than `limit`
    bytes are announced or arrive, or at `deadline` (a time.monotonic() instant; default
    DEADLINE_SECONDS from now), whatever the download is doing then.

    Redirects are followed here, at most MAX_REDIRECTS, each hop checked like the first;
    `auth` and `headers` go to the first hop's origin only (as requests strips them when the
    host changes). `sources` defaults to the providers' hosts alone."""
    sources = sources if sources is not None else Sources()
    deadline = deadline if deadline is not None else time.monotonic() + DEADLINE_SECONDS
    with _Transfer(sources, deadline) as transfer, _session() as session:
        try:
            return _follow(session, transfer, url, limit, auth, dict(headers or {}))
        except MediaRefused:
            raise
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError, OSError) as exc:
            transfer.check()  # cut at the deadline: refused, not worth another try
            raise _Transient(str(exc)) from exc
        except requests.RequestException as exc:
            transfer.check()
            raise MediaRefused("download_failed", str(exc)) from exc


def _follow(session: requests.Session, transfer: _Transfer, url: str, limit: int,
            auth: tuple[str, str] | None, headers: dict[str, str]) -> bytes:
    first = transfer.sources.check(url)
    for _hop in range(MAX_REDIRECTS + 1):
        mine = transfer.sources.check(url) == first
        with session.get(url, auth=auth if mine else None, headers=headers if mine else {},
                         stream=True, timeout=transfer.timeout(),
                         allow_redirects=False) as response:
            if response.is_redirect:
                url = urllib.parse.urljoin(url, response.headers["Location"])
                continue
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise MediaRefused("download_failed", f"HTTP {response.status_code}")
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > limit:
                raise MediaRefused("too_large", f"{announced} bytes announced")
            return _read_limited(response, limit, transfer)
    raise MediaRefused("download_failed", f"more than {MAX_REDIRECTS} redirects")


def _read_limited(response: requests.Response, limit: int, transfer: _Transfer) -> bytes:
    received = bytearray()
    for chunk in response.iter_content(CHUNK):
        received.extend(chunk)
        if len(received) > limit:
            raise MediaRefused("too_large", f"more than {limit} bytes")
        transfer.check()
    transfer.check()  # a body cut at the deadline can look like a short, complete one
    return bytes(received)


def with_retries(fetcher: Callable[[], bytes], delays: tuple[float, ...] = RETRY_DELAYS,
                 deadline: float | None = None) -> bytes:
    """Call `fetcher`, again after each delay while the network fails, unless the delay would
    end past `deadline` (a time.monotonic() instant); then give up."""
    for delay in (*delays, None):
        try:
            return fetcher()
        except _Transient as exc:
            late = deadline is not None and delay is not None and (
                time.monotonic() + delay >= deadline)
            if delay is None or late:
                raise MediaRefused("download_failed", str(exc)) from exc
            log.info("media download failed (%s); retrying in %.1fs", exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


# --- the connection: checked where it is made, cut at the deadline --------------------------

_TRANSFER: contextvars.ContextVar[_Transfer] = contextvars.ContextVar("media_transfer")


class _Transfer:
    """One download under way: where it may connect, until when, and the sockets it opened.

    Read timeouts bound each wait, not the whole: a host sending a byte every few seconds
    would hold the worker for ever. At the deadline a timer shuts the open sockets down, which
    ends whatever read, TLS handshake or wait is under way in the downloading thread.
    """

    def __init__(self, sources: Sources, deadline: float) -> None:
        self.sources = sources
        self.deadline = deadline
        self.expired = False
        self._done = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._expire)
        self._timer.daemon = True
        self._token: contextvars.Token[_Transfer] | None = None

    def __enter__(self) -> _Transfer:
        self._token = _TRANSFER.set(self)
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()
        if self._token is not None:
            _TRANSFER.reset(self._token)

    def check(self) -> None:
        """MediaRefused once the deadline has passed."""
        if self.expired or time.monotonic() >= self.deadline:
            raise MediaRefused("download_failed", "not downloaded within the deadline")

    def timeout(self) -> tuple[float, float]:
        """The connect and read timeouts of the next request, never past the deadline."""
        self.check()
        left = self.deadline - time.monotonic()
        return min(TIMEOUT[0], left), min(TIMEOUT[1], left)

    def opened(self, sock: socket.socket) -> None:
        """Keep a handle on a new connection, to cut it at the deadline."""
        with self._lock:
            # A duplicate descriptor of the same socket: shutting it down ends the connection
            # even after TLS wraps (and detaches) the original object.
            handle = sock.dup()
            self._sockets.append(handle)
            if self.expired:
                handle.shutdown(socket.SHUT_RDWR)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed by the other side


class _CheckedConnectionMixin:
    """urllib3's connection, made only where the current transfer's Sources allow: to a
    configured base as usual, else to the checked public addresses of the name, never to a
    second lookup of it (which could answer differently)."""

    media_scheme = "http"
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        transfer = _TRANSFER.get(None)
        if transfer is None:
            raise MediaRefused("download_failed", "media is fetched through download() only")
        addresses = transfer.sources.addresses(self.media_scheme, self.host, self.port)
        if addresses is None:
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        else:
            sock = self._connect_to(addresses)
        transfer.opened(sock)
        return sock

    def _connect_to(self, addresses: list[str]) -> socket.socket:
        error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except OSError as exc:
                error = exc
        conn = cast(HTTPConnection, self)
        if isinstance(error, TimeoutError):
            raise ConnectTimeoutError(conn, f"connecting to {self.host} timed out")
        raise NewConnectionError(conn, f"failed to connect to {self.host}: {error}")


class _CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    media_scheme = "http"


class _CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    media_scheme = "https"


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def _session() -> requests.Session:
    session = requests.Session()
    # No proxy or .netrc from the environment: the connection goes where it was checked, and
    # carries only the credentials given here.
    session.trust_env = False
    adapter = _CheckedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
