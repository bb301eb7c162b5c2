"""Paying in the chat (issue 16): each online payment attempt at a provider, and the dues
reminders already sent. The money itself is in `payments` and `credit_entries` (the ledger)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.models.orders import Order
from market.models.people import Buyer

# new: made, its link not yet asked of the provider · pending: the link is out, not yet paid ·
# paid: confirmed by a lookup and posted to the ledger (once) · mismatch: the provider says
# paid but the amount or reference disagree (flagged for staff, nothing posted) · failed,
# expired, canceled: the provider says so · refunded: the provider refunded it before we
# counted it · error: the provider would not make a link.
ATTEMPT_STATES = ("new", "pending", "paid", "mismatch", "failed", "expired", "canceled",
                  "refunded", "error")
OPEN_STATES = ("new", "pending")


class PaymentAttempt(Base):
    """One try at paying online: our reference, the link the provider made, what it said when
    last asked, and the ledger payment it became. The provider's transaction id is unique per
    provider, so one payment at a provider is counted once however often it is reported."""

    __tablename__ = "payment_attempts"
    __table_args__ = (
        UniqueConstraint("provider", "transaction_id"),
        Index("ix_payment_attempts_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Ours, sent to the provider (Khalti purchase_order_id, eSewa transaction_uuid, Razorpay
    # reference_id); it carries a random part, as the eSewa form page is found by it.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    provider: Mapped[str] = mapped_column(String(12))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    # None: a payment towards the buyer's balance rather than one order.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    language: Mapped[str | None] = mapped_column(String(2))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    status: Mapped[str] = mapped_column(String(12), default="new")
    # The provider's id of the link (Khalti pidx, Razorpay plink_…); eSewa has none.
    provider_ref: Mapped[str | None] = mapped_column(String(120), index=True)
    payment_url: Mapped[str | None] = mapped_column(Text)
    # The provider's id of the money paid (Khalti transaction_id, eSewa ref_id, Razorpay pay_…).
    transaction_id: Mapped[str | None] = mapped_column(String(120))
    # The status word the provider used when last asked, and its whole answer.
    provider_status: Mapped[str | None] = mapped_column(String(40))
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Why staff should look (an amount that disagrees, a refund the provider reports…).
    note: Mapped[str | None] = mapped_column(Text)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), unique=True)
    expires_at: Mapped[datetime | None] = mapped_column()
    checked_at: Mapped[datetime | None] = mapped_column()
    paid_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[Buyer] = relationship()
    order: Mapped[Order | None] = relationship()


class DueReminder(Base):
    """A dues reminder sent for one order at one stage (days from its due date): the unique
    pair makes each reminder go once, whichever worker runs the schedule."""

    __tablename__ = "due_reminders"
    __table_args__ = (UniqueConstraint("order_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id",
                                                              ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
