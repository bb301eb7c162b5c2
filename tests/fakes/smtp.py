"""A local SMTP server (aiosmtpd) that keeps what it receives, for the e-mail channel's real
smtplib client to talk to."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class ReceivedMail:
    mail_from: str
    to: list[str]
    subject: str
    body: str
    message: EmailMessage


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeSMTP:
    """Start with `with FakeSMTP() as smtp:`; `smtp.url` is the SMTP_URL to configure."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.condition = threading.Condition()
        self.port = _free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeSMTP:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: one message fully received."""
        message = message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        mail = ReceivedMail(mail_from=envelope.mail_from, to=list(envelope.rcpt_tos),
                            subject=str(message["Subject"] or ""),
                            body=body.get_content() if body is not None else "",
                            message=message)  # type: ignore[arg-type]
        with self.condition:
            self.messages.append(mail)
            self.condition.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[ReceivedMail]:
        with self.condition:
            return [m for m in self.messages if address in m.to]

    def wait_for(self, address: str, count: int = 1, timeout: float = 45.0) -> list[ReceivedMail]:
        """Block until `count` messages reached `address` (or the timeout passes)."""
        deadline = time.time() + timeout
        with self.condition:
            while len([m for m in self.messages if address in m.to]) < count:
                left = deadline - time.time()
                if left <= 0:
                    break
                self.condition.wait(timeout=left)
            return [m for m in self.messages if address in m.to]
