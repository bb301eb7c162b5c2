"""Orders (one per vendor per confirmed draft), their items as snapshots, and status history."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.models.people import Buyer, Vendor

ORDER_STATUSES = ("pending", "accepted", "dispatched", "delivered", "rejected", "cancelled")
# Which status may follow which; anything else is refused with a clear answer.
ORDER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "pending": ("accepted", "rejected", "cancelled"),
    "accepted": ("dispatched", "cancelled", "rejected"),
    "dispatched": ("delivered",),
    "delivered": (),
    "rejected": (),
    "cancelled": (),
}


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        # Placing twice from the same draft is impossible: one order per draft and vendor.
        UniqueConstraint("draft_key", "vendor_id", name="uq_orders_draft_key_vendor"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_status_created_at", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    draft_key: Mapped[str | None] = mapped_column(String(64))
    rfq_id: Mapped[int | None] = mapped_column(ForeignKey("rfqs.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # Orders over the buyer's credit limit wait for staff: none | held | approved | declined
    approval: Mapped[str] = mapped_column(String(10), default="none")
    payment_method: Mapped[str] = mapped_column(String(10), default="cod")
    payment_status: Mapped[str] = mapped_column(String(10), default="unpaid")
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    note: Mapped[str | None] = mapped_column(Text)
    reject_reason: Mapped[str | None] = mapped_column(Text)
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    escalated_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    buyer: Mapped[Buyer] = relationship()
    vendor: Mapped[Vendor] = relationship()
    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )


class OrderItem(Base):
    """A line as it was when ordered: name, unit and price are copies, not references."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str | None] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    order: Mapped[Order] = relationship(back_populates="items")


class OrderEvent(Base):
    """Status history: who moved the order, from what, to what, and why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
