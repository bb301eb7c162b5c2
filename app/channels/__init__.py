"""Channel adapters: one `send` per way of reaching a person, all with the same shape."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import current_app


@dataclass(frozen=True)
class OutboundMessage:
    """What an adapter needs to deliver one message."""

    id: int
    to: str
    body: str
    subject: str | None = None
    options: tuple[str, ...] = ()
    media_urls: tuple[str, ...] = ()
    status_callback: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    status: str  # the provider's first status: queued, sent, ...


class ChannelError(Exception):
    """A failed send. `permanent` ones (a bad number, an opted-out user) are not retried."""

    def __init__(self, message: str, code: str | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...


def adapter_for(channel: str) -> Channel:
    """The adapter for a channel under the current configuration."""
    config = current_app.config
    if channel in ("whatsapp", "sms"):
        if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
            from app.channels.twilio import TwilioChannel

            return TwilioChannel.from_config(config, channel)
        if channel == "whatsapp" and config.get("META_ACCESS_TOKEN"):
            from app.channels.meta import MetaChannel

            return MetaChannel.from_config(config)
    if channel == "email" and config.get("SMTP_URL"):
        from app.channels.email import EmailChannel

        return EmailChannel.from_config(config)
    from app.channels.console import ConsoleChannel

    return ConsoleChannel(channel)
