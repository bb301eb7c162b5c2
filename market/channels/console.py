"""Development only: outbound messages are stored (by the caller) and printed, and marked
"printed", never "delivered": nobody received them."""
from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Sequence
from datetime import datetime

from market.channels.base import OutboundMessage, SendResult

log = logging.getLogger(__name__)


class ConsoleChannel:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def parts(self, body: str, options: Sequence[str]) -> list[str]:
        return [body]

    def find_sent(self, message: OutboundMessage, since: datetime) -> None:
        return None  # printing twice costs nothing

    def send(self, message: OutboundMessage) -> SendResult:
        options = f"  [{' | '.join(message.options)}]" if message.options else ""
        print(f"--> {self.channel} {message.to}: {message.body}{options}", file=sys.stderr,
              flush=True)
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}", status="printed")
