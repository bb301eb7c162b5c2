"""WhatsApp through Meta's Cloud API (Graph `/{phone_number_id}/messages`).

Options go out as an `interactive` message (reply buttons up to three, a list up to ten) whose
ids are the options' numbers; long bodies leave as several messages, buttons with the last.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

# requests, as app.media_intake uses it (it comes with twilio); httpx is not installed.
import requests

from market.channels.base import ChannelError, OutboundMessage, SendResult
from market.channels.interactive import MAX_INTERACTIVE_BODY, layout, meta_interactive, split_body

log = logging.getLogger(__name__)

# Cloud API text messages take up to 4,096 characters.
MAX_TEXT = 4096


class MetaChannel:
    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MetaChannel:
        return cls(config["META_GRAPH_BASE_URL"], config["META_PHONE_NUMBER_ID"] or "",
                   config["META_ACCESS_TOKEN"])

    def send(self, message: OutboundMessage) -> SendResult:
        """Send `message` in as many parts as it needs; the first part's id is the message's."""
        shown = layout(message.options, message.extra.get("language"))
        parts = split_body(message.body, MAX_TEXT,
                           last_limit=MAX_INTERACTIVE_BODY if shown else None)
        first: SendResult | None = None
        for index, part in enumerate(parts):
            text = {"type": "text", "text": {"body": part}}
            if shown and index == len(parts) - 1:
                result = self._interactive_or_text(message, meta_interactive(shown, part), text)
            else:
                result = self._post(message, text)
            first = first or result
        assert first is not None  # noqa: S101 (split_body always gives a part)
        return first

    def _interactive_or_text(self, message: OutboundMessage, interactive: dict[str, Any],
                             text: dict[str, Any]) -> SendResult:
        try:
            return self._post(message, {"type": "interactive", "interactive": interactive})
        except ChannelError as exc:
            if not exc.permanent:
                raise
            # Refused as interactive: the numbered options in the text still work.
            log.warning("interactive message refused (%s); sending text", exc)
            return self._post(message, text)

    def _post(self, message: OutboundMessage, content: dict[str, Any]) -> SendResult:
        payload = {"messaging_product": "whatsapp", "to": message.to.lstrip("+"), **content}
        try:
            response = requests.post(self.url, json=payload, timeout=15,
                                     headers={"Authorization": f"Bearer {self.token}"})
        except requests.RequestException as exc:
            raise ChannelError(str(exc), code="network") from exc
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            raise ChannelError(error.get("message", response.text), code=str(error.get("code")),
                               permanent=response.status_code < 500 and response.status_code != 429)
        return SendResult(provider_id=data["messages"][0]["id"], status="sent")
