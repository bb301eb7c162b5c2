"""What every channel adapter shares: the message it is given, what it answers, its error."""
from __future__ import annotations

from dataclasses import dataclass, field
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


class ChannelError(Exception):
    """A failed send. `permanent` ones (a bad number, an opted-out user) are not retried."""

    def __init__(self, message: str, code: str | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class Channel(Protocol):
    def send(self, message: OutboundMessage) -> SendResult: ...
