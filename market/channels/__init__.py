"""Channel adapters: one `send` per way of reaching a person, all with the same shape."""
from __future__ import annotations

from flask import current_app

from market.channels.base import (
    RATE_LIMIT_CODES,
    Channel,
    ChannelError,
    OutboundMessage,
    SendResult,
)

__all__ = ["RATE_LIMIT_CODES", "Channel", "ChannelError", "OutboundMessage", "SendResult",
           "adapter_for"]


def adapter_for(channel: str) -> Channel:
    """The adapter for a channel under the current configuration. Outside production a channel
    with no provider prints to the terminal; in production it has no adapter, and the send
    fails for good with a reason staff can read."""
    config = current_app.config
    if channel in ("whatsapp", "sms"):
        if config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN"):
            from market.channels.twilio import TwilioChannel

            return TwilioChannel.from_config(config, channel)
        if channel == "whatsapp" and config.get("META_ACCESS_TOKEN"):
            from market.channels.meta import MetaChannel

            return MetaChannel.from_config(config)
    if channel == "email" and config.get("SMTP_URL"):
        from market.channels.email import EmailChannel

        return EmailChannel.from_config(config)
    if config["APP_ENV"] != "production":
        from market.channels.console import ConsoleChannel

        return ConsoleChannel(channel)
    raise ChannelError(f"no provider is configured for {channel} messages ({NEEDS[channel]})",
                       code="no_channel", permanent=True)


NEEDS = {"whatsapp": "set TWILIO_* or META_*", "sms": "set TWILIO_*", "email": "set SMTP_URL"}
