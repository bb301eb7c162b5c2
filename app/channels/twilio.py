"""WhatsApp and SMS through Twilio's Messages API, with the official client."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.channels import ChannelError, OutboundMessage, SendResult

# Twilio error codes that will fail again however often they are retried.
PERMANENT_CODES = {21211, 21408, 21610, 21612, 21614, 63003, 63016, 63024}


class TwilioChannel:
    def __init__(self, client: Client, sender: str, channel: str) -> None:
        self.client = client
        self.sender = sender
        self.channel = channel

    @classmethod
    def from_config(cls, config: Mapping[str, Any], channel: str) -> TwilioChannel:
        client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                        http_client=TwilioHttpClient(timeout=15))
        if config.get("TWILIO_API_BASE_URL"):
            # Every REST call is built from the domain's base URL; tests point it at a fake.
            client.api.base_url = config["TWILIO_API_BASE_URL"].rstrip("/")
        key = "TWILIO_WHATSAPP_NUMBER" if channel == "whatsapp" else "TWILIO_SMS_NUMBER"
        sender = config.get(key) or config.get("TWILIO_SMS_NUMBER") or ""
        return cls(client, sender, channel)

    def _address(self, phone: str) -> str:
        return f"whatsapp:{phone}" if self.channel == "whatsapp" else phone

    def send(self, message: OutboundMessage) -> SendResult:
        kwargs: dict[str, Any] = {
            "to": self._address(message.to),
            "from_": self._address(self.sender),
            "body": message.body,
        }
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        if message.media_urls:
            kwargs["media_url"] = list(message.media_urls)
        if message.extra.get("content_sid"):
            kwargs["content_sid"] = message.extra["content_sid"]
            kwargs["content_variables"] = message.extra.get("content_variables")
        try:
            sent = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            code = exc.code if exc.code is not None else exc.status
            permanent = code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429)
            raise ChannelError(exc.msg or str(exc), code=str(code), permanent=permanent) from exc
        except (TwilioException, OSError) as exc:
            raise ChannelError(str(exc), code="network") from exc
        return SendResult(provider_id=sent.sid, status=sent.status or "queued")
