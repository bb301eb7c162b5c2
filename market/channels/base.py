"""What every channel adapter shares: the message it is given, what it answers, its error."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


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


# Provider answers that mean "too many, too fast": Twilio's 429 / 20429 and 63018 (the
# channel's rate), Meta's 130429 (throughput) and 131056 (messages to one user). They are
# retried after a backoff, the conversation's later messages waiting behind them.
RATE_LIMIT_CODES = frozenset({"429", "20429", "63018", "130429", "131056"})


class ChannelError(Exception):
    """A failed send. `permanent` ones (a bad number, an opted-out user) are not retried."""

    def __init__(self, message: str, code: str | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent and code not in RATE_LIMIT_CODES

    @property
    def rate_limited(self) -> bool:
        """The provider asked us to slow down: try again later, in order."""
        return self.code in RATE_LIMIT_CODES


class Channel(Protocol):
    """One way of reaching a person. Each outbound row is one provider message: a body longer
    than the channel takes is cut by `parts` when it is queued, and each part is a row."""

    def parts(self, body: str, options: Sequence[str]) -> list[str]:
        """`body` as the messages this channel sends it in, in order; `options` ride on the
        last one (which may therefore have to be shorter)."""
        ...

    def send(self, message: OutboundMessage) -> SendResult:
        """Hand `message` to the provider as one message."""
        ...

    def find_sent(self, message: OutboundMessage, since: datetime) -> list[SendResult] | None:
        """Messages the provider already holds that look like `message` (same address and
        body), made since `since` (UTC), oldest first; None when the provider cannot be asked.
        Used before sending again a message whose earlier attempt may have reached it."""
        ...
