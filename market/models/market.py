"""Requests for quotation, the leads they become, quotes, and the plans vendors pay for."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.models.people import Buyer, Vendor


class RFQ(Base):
    """What a buyer wants that the catalog lacks: what, how much, which town, by when."""

    __tablename__ = "rfqs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(60))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    unit: Mapped[str | None] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(80))
    needed_by: Mapped[datetime | None] = mapped_column()
    # open -> quoted -> closed (a quote accepted) | expired | cancelled
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    max_unlocks: Mapped[int] = mapped_column(Integer, default=5)
    expires_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buyer: Mapped[Buyer] = relationship()
    leads: Mapped[list[Lead]] = relationship(back_populates="rfq", order_by="Lead.score.desc()")
    quotes: Mapped[list[Quote]] = relationship(back_populates="rfq", order_by="Quote.id")


class Lead(Base):
    """An RFQ offered to one vendor; locked (no buyer contact) until the vendor unlocks it."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("rfq_id", "vendor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    locked: Mapped[bool] = mapped_column(Boolean, default=True)
    # How the lock was lifted: "plan" (premium, free) or "credit" (one monthly credit spent).
    unlocked_via: Mapped[str | None] = mapped_column(String(8))
    unlocked_at: Mapped[datetime | None] = mapped_column()
    alerted_at: Mapped[datetime | None] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rfq: Mapped[RFQ] = relationship(back_populates="leads")
    vendor: Mapped[Vendor] = relationship()


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (UniqueConstraint("rfq_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"))
    # The number the buyer sees ("accept quote 2"), counted per RFQ.
    position: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    unit: Mapped[str | None] = mapped_column(String(16))
    terms: Mapped[str | None] = mapped_column(Text)
    # offered -> accepted | declined
    status: Mapped[str] = mapped_column(String(10), default="offered")
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rfq: Mapped[RFQ] = relationship(back_populates="quotes")
    vendor: Mapped[Vendor] = relationship()


class Plan(Base):
    """What a vendor's subscription entitles it to."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    price_monthly: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    max_listings: Mapped[int | None] = mapped_column(Integer)  # None: unlimited
    unlocks_per_month: Mapped[int] = mapped_column(Integer, default=0)
    # Premium plans unlock leads without spending credits.
    free_unlocks: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_priority: Mapped[int] = mapped_column(Integer, default=0)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    credits_remaining: Mapped[int] = mapped_column(Integer, default=0)
    credits_reset_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), default="active")

    vendor: Mapped[Vendor] = relationship(back_populates="subscriptions")
    plan: Mapped[Plan] = relationship()


class Payment(Base):
    """Money received from a buyer, optionally against one order."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    method: Mapped[str] = mapped_column(String(20), default="cash")
    reference: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreditEntry(Base):
    """The buyer's ledger: orders on credit add, payments subtract; balance = sum of amounts."""

    __tablename__ = "credit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    kind: Mapped[str] = mapped_column(String(12))  # order | payment | adjustment
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Every staff action: who, what, on which row, from where."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    target_type: Mapped[str | None] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
