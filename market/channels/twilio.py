"""WhatsApp and SMS through Twilio's Messages API, with the official client.

WhatsApp options go out as buttons or a list picker: a Content API template per set of options
(its body the variable {{1}}, so one template serves every message with those options), made
once and remembered. Long bodies are cut into parts (`parts`) when they are queued; each part
is one row and one Twilio message. `find_sent` asks Twilio whether a message already left.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import current_app
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from twilio.rest.content.v1.content import ContentList

from market.channels.base import ChannelError, OutboundMessage, SendResult
from market.channels.interactive import (
    MAX_INTERACTIVE_BODY,
    Layout,
    layout,
    split_body,
    twilio_types,
)

log = logging.getLogger(__name__)

# Twilio error codes that will fail again however often they are retried.
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 63003, 63016, 63024}
# A remembered template is kept this long; a lost one is simply made again.
CONTENT_TTL_SECONDS = 30 * 86400
# Messages to one number in a day that a lookup reads (newest first): ours is among the newest.
LOOKUP_LIMIT = 200
# Twilio's states that say where a message it holds has got to; others (accepted, sending,
# scheduled) mean it is still on its way, which our rows call "queued".
KNOWN_STATES = ("queued", "sent", "delivered", "read", "failed", "undelivered")


def _made(listed: Any) -> datetime | None:
    """When Twilio made a listed message (the client leaves a date it cannot read a string)."""
    for value in (listed.date_created, listed.date_sent):
        if isinstance(value, datetime):
            return value
    return None


def _delivery_status(status: object) -> str:
    value = str(status or "").lower()
    return value if value in KNOWN_STATES else "queued"


class ContentCache:
    """Content SIDs by template key: in Redis when there is one (shared by every worker),
    else in this process."""

    _memory: ClassVar[dict[str, str]] = {}

    def __init__(self, redis: Any | None = None, prefix: str = "") -> None:
        self.redis = redis
        self.prefix = prefix

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ContentCache:
        if not config.get("REDIS_URL"):
            return cls()
        from market.redis import redis_connection

        return cls(redis_connection(current_app), config.get("QUEUE_PREFIX", "") or "")

    def _key(self, key: str) -> str:
        return f"{self.prefix}twilio:content:{key}"

    def get(self, key: str) -> str | None:
        if self.redis is None:
            return self._memory.get(key)
        found = self.redis.get(self._key(key))
        return found.decode() if isinstance(found, bytes) else found

    def put(self, key: str, sid: str) -> str:
        """Remember `sid` unless another worker got there first; returns the one kept."""
        if self.redis is None:
            return self._memory.setdefault(key, sid)
        self.redis.set(self._key(key), sid, nx=True, ex=CONTENT_TTL_SECONDS)
        return self.get(key) or sid

    def forget(self, key: str) -> None:
        if self.redis is None:
            self._memory.pop(key, None)
        else:
            self.redis.delete(self._key(key))


class TwilioChannel:
    def __init__(self, client: Client, sender: str, channel: str,
                 cache: ContentCache | None = None) -> None:
        self.client = client
        self.sender = sender
        self.channel = channel
        self.cache = cache or ContentCache()

    @classmethod
    def from_config(cls, config: Mapping[str, Any], channel: str) -> TwilioChannel:
        client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                        http_client=TwilioHttpClient(timeout=15))
        if config.get("TWILIO_API_BASE_URL"):
            # Every REST call is built from the domain's base URL; tests point it at a fake.
            client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
            client.content.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        key = "TWILIO_WHATSAPP_NUMBER" if channel == "whatsapp" else "TWILIO_SMS_NUMBER"
        sender = config.get(key) or config.get("TWILIO_SMS_NUMBER") or ""
        return cls(client, sender, channel, ContentCache.from_config(config))

    def _address(self, phone: str) -> str:
        return f"whatsapp:{phone}" if self.channel == "whatsapp" else phone

    def parts(self, body: str, options: Sequence[str]) -> list[str]:
        """Parts of at most 1,600 characters; on WhatsApp, options become buttons on the last
        part, whose body must then fit WhatsApp's shorter interactive limit."""
        shown = self.channel == "whatsapp" and layout(options) is not None
        return split_body(body, last_limit=MAX_INTERACTIVE_BODY if shown else None)

    def send(self, message: OutboundMessage) -> SendResult:
        """Send `message` as one Twilio message, with buttons when it has options."""
        if message.extra.get("content_sid"):
            # An approved template chosen by the caller goes out as it is.
            return self._create(message, None, message.extra["content_sid"],
                                message.extra.get("content_variables"), with_media=True)
        language = message.extra.get("language")
        shown = layout(message.options, language) if self.channel == "whatsapp" else None
        template = self._template(shown, language) if shown else None
        if template:
            return self._send_with_template(message, message.body, template, with_media=True)
        return self._create(message, message.body, with_media=True)

    def find_sent(self, message: OutboundMessage, since: datetime) -> list[SendResult]:
        """Twilio's messages from our number to `message.to` created since `since` whose body
        is this message's (a template renders the part it was given, so the body matches
        too), oldest first.

        The list is filtered by DateSent, which Twilio compares by whole GMT days, so the
        day of `since` is asked for and the rest is filtered here. A message Twilio has not
        yet handed on has no DateSent and is not listed; by the time a claim has gone stale
        (minutes) Twilio has long sent it, or failed it, when a resend is what is wanted.
        A caller's own template (`content_sid`) is matched on the body stored with it, which
        must then be the text the template renders.
        """
        since = since.astimezone(UTC)
        try:
            listed = self.client.messages.list(
                to=self._address(message.to), from_=self._address(self.sender),
                date_sent_after=since.replace(hour=0, minute=0, second=0, microsecond=0),
                limit=LOOKUP_LIMIT, page_size=LOOKUP_LIMIT)
        except TwilioRestException as exc:
            raise ChannelError(exc.msg or str(exc), code=str(exc.code or exc.status)) from exc
        except (TwilioException, OSError) as exc:
            raise ChannelError(str(exc), code="network") from exc
        body = message.body.strip()
        found = sorted(((made, m.sid, m.status) for m in listed
                        if m.sid and (m.body or "").strip() == body
                        and (made := _made(m)) is not None and made >= since),
                       key=lambda found: found[0])
        return [SendResult(provider_id=sid, status=_delivery_status(status))
                for _, sid, status in found]

    def _send_with_template(self, message: OutboundMessage, part: str,
                            template: tuple[str, str], with_media: bool) -> SendResult:
        key, sid = template
        try:
            return self._create(message, None, sid, json.dumps({"1": part}), with_media,
                                plain_on_reject=True)
        except _Rejected:
            # The template is gone or refused: forget it; the numbered text still works.
            log.warning("content template %s refused; sending plain text", sid)
            self.cache.forget(key)
            return self._create(message, part, with_media=with_media)

    def _template(self, shown: Layout, language: str | None) -> tuple[str, str] | None:
        """(cache key, content SID) of the template for these options, made when missing;
        None when Twilio will not make one (the plain body still carries the options)."""
        types = twilio_types(shown)
        digest = hashlib.sha256(json.dumps(
            [self.client.content.base_url, self.client.username, language or "en", types],
            sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
        found = self.cache.get(digest)
        if found:
            return digest, found
        request = ContentList.ContentCreateRequest({
            "friendly_name": f"options_{shown.kind}_{digest[:12]}",
            "language": language or "en", "variables": {"1": "message"}, "types": types})
        try:
            created = self.client.content.v1.contents.create(request)
        except (TwilioException, OSError) as exc:
            log.warning("could not make a content template: %s", exc)
            return None
        if not created.sid:
            return None
        return digest, self.cache.put(digest, created.sid)

    def _create(self, message: OutboundMessage, body: str | None, content_sid: str | None = None,
                content_variables: str | None = None, with_media: bool = False,
                plain_on_reject: bool = False) -> SendResult:
        kwargs: dict[str, Any] = {"to": self._address(message.to),
                                  "from_": self._address(self.sender)}
        if body is not None:
            kwargs["body"] = body
        if content_sid:
            kwargs["content_sid"] = content_sid
            kwargs["content_variables"] = content_variables
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        if with_media and message.media_urls:
            kwargs["media_url"] = list(message.media_urls)
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = exc.code if exc.code is not None else exc.status
            rejected = 400 <= exc.status < 500 and exc.status != 429
            if plain_on_reject and rejected:
                raise _Rejected from exc
            permanent = code in PERMANENT_CODES or rejected
            raise ChannelError(exc.msg or str(exc), code=str(code), permanent=permanent) from exc
        except (TwilioException, OSError) as exc:
            raise ChannelError(str(exc), code="network") from exc
        return SendResult(provider_id=sent.sid, status=sent.status or "queued")


class _Rejected(Exception):
    """Twilio refused a message built from a content template."""
