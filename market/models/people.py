"""Buyers, vendors and staff: the people the service talks to or works for."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    and_,
    false,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow

if TYPE_CHECKING:
    from market.models.market import Subscription


class Buyer(Base):
    """A shopkeeper who orders by WhatsApp. Created on first contact or by staff."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a WhatsApp user who withheld their number (a username) until they give it.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    # WhatsApp's business-scoped user id (Meta), which may come without the phone.
    wa_user_id: Mapped[str | None] = mapped_column(String(140), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    shop_name: Mapped[str | None] = mapped_column(String(160))
    town: Mapped[str | None] = mapped_column(String(80), index=True)
    language: Mapped[str | None] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal("0"))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reminders of dues (market/dues.py); staff turn them off for one buyer (issue 16).
    payment_reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # Whether notices WhatsApp will not carry (its window closed, no template) may go by SMS.
    sms_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Stopped marketing messages (Meta error 131050 or a user_preferences webhook).
    marketing_opt_out: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
    profile_name: Mapped[str | None] = mapped_column(String(120))
    # Staff-registered buyers skip onboarding; chat-registered ones finish it themselves.
    registered_by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Vendor(Base):
    """A wholesaler who stocks products and delivers to some towns."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    business_name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    town: Mapped[str | None] = mapped_column(String(80), index=True)
    delivery_towns: Mapped[list[Any]] = mapped_column(default=list)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    # pending -> verified | rejected (with a reason)
    verification: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    verification_note: Mapped[str | None] = mapped_column(Text)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_channels: Mapped[list[Any]] = mapped_column(default=lambda: ["sms"])
    rating: Mapped[Decimal | None] = mapped_column(Numeric(3, 2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="vendor", order_by="Subscription.starts_at"
    )
    documents: Mapped[list[VendorDocument]] = relationship(back_populates="vendor")

    @hybrid_property
    def is_active(self) -> bool:
        """May take orders: verified and not blocked (usable in queries too)."""
        return self.verification == "verified" and not self.blocked

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls) -> ColumnElement[bool]:
        return and_(cls.verification == "verified", cls.blocked.is_(False))

    def delivers_to(self, town: str | None) -> bool:
        """Whether `town` is one of the vendor's delivery towns (case and spaces aside)."""
        if not town:
            return False
        wanted = town.strip().lower()
        return any(str(t).strip().lower() == wanted for t in self.delivery_towns or [])


class VendorDocument(Base):
    """A verification document (registration, PAN/VAT certificate) kept in media storage."""

    __tablename__ = "vendor_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    vendor: Mapped[Vendor] = relationship(back_populates="documents")


class Staff(Base):
    """Someone who logs into the admin. Roles: admin, staff."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str | None] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # Kept in the session cookie; changed at logout, so a copied cookie stops working.
    session_nonce: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_token_hash", "token_hash", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime | None] = mapped_column()

    staff: Mapped[Staff] = relationship()
