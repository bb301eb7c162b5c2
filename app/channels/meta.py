"""WhatsApp through Meta's Cloud API (Graph `/{phone_number_id}/messages`)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from app.channels import ChannelError, OutboundMessage, SendResult


class MetaChannel:
    def __init__(self, base_url: str, phone_number_id: str, token: str) -> None:
        self.url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MetaChannel:
        return cls(config["META_GRAPH_BASE_URL"], config["META_PHONE_NUMBER_ID"] or "",
                   config["META_ACCESS_TOKEN"])

    def send(self, message: OutboundMessage) -> SendResult:
        payload = {"messaging_product": "whatsapp", "to": message.to.lstrip("+"),
                   "type": "text", "text": {"body": message.body}}
        try:
            response = httpx.post(self.url, json=payload, timeout=15,
                                  headers={"Authorization": f"Bearer {self.token}"})
        except httpx.HTTPError as exc:
            raise ChannelError(str(exc), code="network") from exc
        data = response.json() if response.content else {}
        if response.status_code >= 400:
            error = data.get("error", {}) if isinstance(data, dict) else {}
            raise ChannelError(error.get("message", response.text), code=str(error.get("code")),
                               permanent=response.status_code < 500 and response.status_code != 429)
        return SendResult(provider_id=data["messages"][0]["id"], status="sent")
