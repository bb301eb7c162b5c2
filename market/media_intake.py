"""The media of inbound messages: fetch each item with the provider's auth and a size limit,
check its real type from the bytes, store it (app/media.py) and read it (parsers.ocr).

Each item of `Message.media` ends up with what happened to it, so the engine can answer:

    {"url" | "meta_id", "content_type" (sniffed), "declared_type", "storage_key", "size",
     "ocr_text", "ocr_engine", "ocr_confidence", "error" (a reason), "prepared_at"}

Fetching and OCR take seconds, so they run in jobs/media.py outside the conversation's lock;
`claim` and `record` are the short transactions around them. Reasons in "error": the
parsers.ocr ones (empty, not_an_image, too_large, truncated, unsupported) and ours,
download_failed and ocr_failed.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy.orm import Session

from market import media
from market.db import utcnow
from market.models import Message

log = logging.getLogger(__name__)

# Longer than a job may run (RQ's job_timeout is 120 s): a claim older than this was left by
# a dead worker and may be taken over.
CLAIM_TIMEOUT = timedelta(minutes=3)
MAX_ATTEMPTS = 3
RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds between download attempts after a network error
TIMEOUT = (5, 20)  # connect, read (seconds)
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

def prepare_item(item: Mapping[str, Any], config: Mapping[str, Any] | None = None
                 ) -> dict[str, Any]:
    """Fetch, type-check, store and OCR one media item; what to record on it. No database."""
    config = config if config is not None else current_app.config
    declared = item.get("declared_type") or item.get("content_type")
    outcome: dict[str, Any] = {"declared_type": declared}
    try:
        data = fetch(item, config)
    except MediaRefused as exc:
        log.info("media item refused before download finished: %s", exc)
        return {**outcome, "error": exc.reason}
    outcome["size"] = len(data)
    kind = sniff_type(data)
    if kind is None:
        return {**outcome, "error": refusal_reason(data)}
    outcome.update(content_type=kind, storage_key=media.store(data, kind, "inbound"))
    return {**outcome, **read(data, config.get("OCR_ENGINE"))}


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


def read(data: bytes, engine: str | None) -> dict[str, Any]:
    """OCR the image; an undecodable one (bomb, truncated) becomes an error, not a crash."""
    from parsers.ocr import UnreadableImage, read_image

    try:
        result = read_image(data, engine=engine or None)
    except UnreadableImage as exc:
        log.info("photo refused by OCR: %s", exc)
        return {"error": exc.reason}
    except Exception:  # OCR engine missing or failing: the buyer is asked to type instead
        log.exception("OCR failed")
        return {"error": "ocr_failed"}
    return {"ocr_text": result.text, "ocr_engine": result.engine,
            "ocr_confidence": result.confidence}


# --- downloading ----------------------------------------------------------------------------

def fetch(item: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    """The item's bytes from its provider, within MEDIA_MAX_BYTES; MediaRefused otherwise."""
    limit = int(config.get("MEDIA_MAX_BYTES") or 10 * 1024 * 1024)
    if item.get("url"):
        url = str(item["url"])
        auth = twilio_auth(url, config)
        return with_retries(lambda: download(url, limit=limit, auth=auth))
    if item.get("meta_id"):
        return with_retries(lambda: _meta_download(str(item["meta_id"]), config, limit))
    raise MediaRefused("download_failed", "no url or media id")


def twilio_auth(url: str, config: Mapping[str, Any]) -> tuple[str, str] | None:
    """Twilio's credentials, for Twilio's hosts (or the configured API base) only: a media
    URL pointing anywhere else (our own sandbox) never receives them."""
    sid, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not sid or not token:
        return None
    target = urlsplit(url)
    host = (target.hostname or "").lower()
    if target.scheme == "https" and (host == "twilio.com" or host.endswith(".twilio.com")):
        return sid, token
    base = config.get("TWILIO_API_BASE_URL")
    if base:
        trusted = urlsplit(str(base))
        if (trusted.scheme, trusted.hostname, trusted.port) == (
                target.scheme, target.hostname, target.port):
            return sid, token
    return None


def _meta_download(media_id: str, config: Mapping[str, Any], limit: int) -> bytes:
    """Cloud API media: the Graph API names a short-lived URL, fetched with the same token."""
    token = config.get("META_ACCESS_TOKEN")
    if not token:
        raise MediaRefused("download_failed", "META_ACCESS_TOKEN is not set")
    headers = {"Authorization": f"Bearer {token}"}
    base = str(config.get("META_GRAPH_BASE_URL") or "").rstrip("/")
    info = download(f"{base}/{media_id}", limit=64 * 1024, headers=headers)
    try:
        url = json.loads(info)["url"]
    except (ValueError, KeyError, TypeError) as exc:
        raise MediaRefused("download_failed", "no url in the Graph API answer") from exc
    return download(str(url), limit=limit, headers=headers)


def download(url: str, *, limit: int, auth: tuple[str, str] | None = None,
             headers: Mapping[str, str] | None = None) -> bytes:
    """GET `url` (redirects followed; requests drops the credentials when the host changes),
    streaming, and stop as soon as more than `limit` bytes are announced or arrive."""
    try:
        with requests.get(url, auth=auth, headers=dict(headers or {}), stream=True,
                          timeout=TIMEOUT, allow_redirects=True) as response:
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise MediaRefused("download_failed", f"HTTP {response.status_code}")
            announced = response.headers.get("Content-Length")
            if announced and announced.isdigit() and int(announced) > limit:
                raise MediaRefused("too_large", f"{announced} bytes announced")
            return _read_limited(response, limit)
    except (requests.ConnectionError, requests.Timeout,
            requests.exceptions.ChunkedEncodingError) as exc:
        raise _Transient(str(exc)) from exc
    except requests.RequestException as exc:
        raise MediaRefused("download_failed", str(exc)) from exc


def _read_limited(response: requests.Response, limit: int) -> bytes:
    received = bytearray()
    for chunk in response.iter_content(CHUNK):
        received.extend(chunk)
        if len(received) > limit:
            raise MediaRefused("too_large", f"more than {limit} bytes")
    return bytes(received)


def with_retries(fetcher: Callable[[], bytes],
                 delays: tuple[float, ...] = RETRY_DELAYS) -> bytes:
    """Call `fetcher`, again after each delay while the network fails; then give up."""
    for delay in (*delays, None):
        try:
            return fetcher()
        except _Transient as exc:
            if delay is None:
                raise MediaRefused("download_failed", str(exc)) from exc
            log.info("media download failed (%s); retrying in %.1fs", exc, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")
