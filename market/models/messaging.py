"""Conversations, the messages in them (both directions) and the outbox of unsent ones."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.models.people import Buyer, Vendor

INBOUND = "in"
OUTBOUND = "out"

# Outbound delivery states as Twilio reports them, plus our own before the provider has it,
# and "printed" for what the console channel (development only) wrote to the terminal.
# "held_for_window": a buyer notice WhatsApp would refuse now, sent when the buyer next writes;
# "rerouted": its words went another way (a template in another row, SMS, e-mail).
DELIVERY_STATES = ("pending", "held_for_window", "sending", "queued", "sent", "printed",
                   "delivered", "read", "failed", "undelivered", "rerouted")
# A later callback never moves a message back to an earlier state (callbacks arrive out of order).
DELIVERY_RANK = {s: i for i, s in enumerate(DELIVERY_STATES)}


class Conversation(Base):
    """One per address (E.164 phone or e-mail) and channel; holds the engine's state."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(200))
    buyer_id: Mapped[int | None] = mapped_column(ForeignKey("buyers.id"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"), index=True)
    state: Mapped[str] = mapped_column(String(40), default="new")
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    draft: Mapped[dict[str, Any] | None] = mapped_column()
    language: Mapped[str | None] = mapped_column(String(2))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_until: Mapped[datetime | None] = mapped_column()
    last_inbound_at: Mapped[datetime | None] = mapped_column()
    # WhatsApp's business-scoped user id (BSUID, `US.1349…`) of the person, when Meta sent
    # one; the address is their phone, or this id when they withheld the phone.
    user_id: Mapped[str | None] = mapped_column(String(140), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[Buyer | None] = relationship()
    vendor: Mapped[Vendor | None] = relationship()

    def required_buyer(self) -> Buyer:
        """The buyer this conversation is with; LookupError when it is not a buyer's."""
        if self.buyer is None:
            raise LookupError(f"conversation {self.id} is not a buyer's")
        return self.buyer

    def required_vendor(self) -> Vendor:
        """The vendor this conversation is with; LookupError when it is not a vendor's."""
        if self.vendor is None:
            raise LookupError(f"conversation {self.id} is not a vendor's")
        return self.vendor


class Message(Base):
    """A message in or out. `provider_id` (Twilio's MessageSid) is unique: replays store nothing."""

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        Index("ix_messages_unprocessed", "direction", "processed_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    # [{"url", "content_type", "storage_key"}]
    media: Mapped[list[Any]] = mapped_column(default=list)
    # Provider extras kept for the engine: ProfileName, button payloads, quick-reply options.
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="received")
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    sent_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    processed_at: Mapped[datetime | None] = mapped_column()
    # Inbound: how many times processing it has failed (a poison message stops at a limit).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    status_updated_at: Mapped[datetime | None] = mapped_column()
    # What the provider charges for it, as Meta's status webhooks say (`pricing`): category
    # (utility, marketing, service, authentication…) and whether it is billable.
    pricing_category: Mapped[str | None] = mapped_column(String(24))
    billable: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    conversation: Mapped[Conversation] = relationship()
    outbox: Mapped[Outbox | None] = relationship(back_populates="message", uselist=False)


class Outbox(Base):
    """Delivery bookkeeping for one outbound message: attempts, backoff, last error."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "done", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), unique=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    # How it went out and why (market/window.py): free_form, template, held, sms, email,
    # covered (its words went in a template or another channel) or dropped.
    route: Mapped[str | None] = mapped_column(String(16))
    template_key: Mapped[str | None] = mapped_column(String(60))
    route_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="outbox")


class MessageTemplate(Base):
    """One business-initiated message template in one language at one provider (Twilio's
    Content API or Meta's WABA), as `templates sync` made it, with its approval status."""

    __tablename__ = "message_templates"
    __table_args__ = (UniqueConstraint("key", "language", "provider"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(20), default="utility")
    # Twilio's content SID (HX…) or Meta's template id.
    provider_id: Mapped[str | None] = mapped_column(String(64))
    # draft (made, not yet submitted), pending, approved, rejected, paused, disabled…
    status: Mapped[str] = mapped_column(String(20), default="draft")
    reason: Mapped[str | None] = mapped_column(Text)
    # A digest of what was submitted: a changed definition is made anew.
    digest: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
