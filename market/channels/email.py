"""E-mail through SMTP, configured by one URL: smtp://user:pass@host:port (smtps:// for TLS,
?starttls=1 to upgrade a plain connection)."""
from __future__ import annotations

import smtplib
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from market.channels.base import ChannelError, OutboundMessage, SendResult


class EmailChannel:
    def __init__(self, url: str, sender: str) -> None:
        self.url = urlsplit(url)
        self.sender = sender

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EmailChannel:
        return cls(config["SMTP_URL"], config.get("MAIL_FROM") or "orders@localhost")

    def _connect(self) -> smtplib.SMTP:
        host = self.url.hostname or "127.0.0.1"
        if self.url.scheme == "smtps":
            return smtplib.SMTP_SSL(host, self.url.port or 465, timeout=15)
        smtp = smtplib.SMTP(host, self.url.port or 25, timeout=15)
        if parse_qs(self.url.query).get("starttls", ["0"])[0] in ("1", "true"):
            smtp.starttls()
        return smtp

    def parts(self, body: str, options: Sequence[str]) -> list[str]:
        return [body]  # e-mail has no length limit worth cutting at

    def find_sent(self, message: OutboundMessage, since: datetime) -> None:
        return None  # SMTP cannot be asked what it delivered

    def send(self, message: OutboundMessage) -> SendResult:
        email = EmailMessage()
        message_id = f"<{uuid.uuid4().hex}@{self.sender.split('@')[-1]}>"
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject or message.body.splitlines()[0][:120]
        email["Message-ID"] = message_id
        email.set_content(message.body)
        try:
            with self._connect() as smtp:
                if self.url.username:
                    smtp.login(unquote(self.url.username), unquote(self.url.password or ""))
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(str(exc), code="recipient_refused", permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(str(exc), code="smtp") from exc
        return SendResult(provider_id=message_id, status="sent")
