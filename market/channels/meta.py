"""WhatsApp through Meta's Cloud API (Graph `/{phone_number_id}/messages`).

Options go out as an `interactive` message (reply buttons up to three, a list up to ten) whose
ids are the options' numbers. Long bodies are cut into parts (`parts`) when they are queued,
buttons with the last; each part is one row and one Cloud API message.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
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

    def parts(self, body: str, options: Sequence[str]) -> list[str]:
        """Parts of at most 4,096 characters; the last carries the options and must fit the
        interactive limit."""
        shown = layout(options) is not None
        return split_body(body, MAX_TEXT, last_limit=MAX_INTERACTIVE_BODY if shown else None)

    def send(self, message: OutboundMessage) -> SendResult:
        """Send `message` as one Cloud API message: an approved template when one was chosen
        (market/window.py), else interactive when it has options, else text."""
        if message.extra.get("template"):
            return self._post(message, template_payload(message.extra["template"]))
        shown = layout(message.options, message.extra.get("language"))
        text = {"type": "text", "text": {"body": message.body}}
        if shown:
            return self._interactive_or_text(message, meta_interactive(shown, message.body), text)
        return self._post(message, text)

    def find_sent(self, message: OutboundMessage, since: datetime) -> None:
        """The Cloud API cannot be asked which messages it has: None, so a message whose earlier
        attempt may have reached Meta is sent again unless its wamid was stored.

        The residual risk: a worker killed after Meta accepted a message and before its
        wamid was committed sends it twice. Meta's status webhooks name the wamid, which no
        row holds in that case, so they cannot settle it either (sending our row id as
        `biz_opaque_callback_data`, which statuses echo, would let them).
        """
        return None

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
        payload = {"messaging_product": "whatsapp", **recipient(message.to), **content}
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


def recipient(address: str) -> dict[str, str]:
    """Who a message goes to: a phone number (`to`, digits only), or the business-scoped user
    id (`recipient`) of someone who withheld their number."""
    if address.startswith("+") or address.isdigit():
        return {"to": address.lstrip("+")}
    return {"recipient": address}


def template_payload(chosen: dict[str, Any]) -> dict[str, Any]:
    """The Cloud API `template` message for a chosen template (market.templates.Chosen): its
    body variables, and each quick-reply button's payload (what tapping it says)."""
    components: list[dict[str, Any]] = [{"type": "body", "parameters": [
        {"type": "text", "text": value} for value in chosen.get("variables") or []]}]
    for index, payload in enumerate(chosen.get("payloads") or []):
        components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                           "parameters": [{"type": "payload", "payload": payload}]})
    return {"type": "template", "template": {
        "name": chosen["name"], "language": {"code": chosen["language"]},
        "components": components}}
