"""Development only: outbound messages are stored (by the caller) and printed, and marked
"printed", never "delivered": nobody received them."""
from __future__ import annotations

import logging
import sys
import uuid

from market.channels.base import OutboundMessage, SendResult

log = logging.getLogger(__name__)


class ConsoleChannel:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: OutboundMessage) -> SendResult:
        options = f"  [{' | '.join(message.options)}]" if message.options else ""
        print(f"--> {self.channel} {message.to}: {message.body}{options}", file=sys.stderr,
              flush=True)
        return SendResult(provider_id=f"console-{uuid.uuid4().hex}", status="printed")
