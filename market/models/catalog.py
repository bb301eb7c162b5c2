"""The shared catalog (products) and each vendor's offer of a product (listings)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.db import Base, utcnow
from market.models.people import Vendor


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(60), index=True)
    brand: Mapped[str | None] = mapped_column(String(80))
    base_unit: Mapped[str] = mapped_column(String(16))
    # {"sack": 25} means one sack holds 25 base units.
    pack_units: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Net content of one base unit of a packaged product ("500 ml"); None for loose goods.
    content: Mapped[str | None] = mapped_column(String(40))
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    listings: Mapped[list[Listing]] = relationship(back_populates="product")


class Listing(Base):
    __tablename__ = "listings"
    __table_args__ = (UniqueConstraint("vendor_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="NPR")
    moq: Mapped[Decimal] = mapped_column(Numeric(12, 3), default=Decimal("1"))
    stock: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=Decimal("0"))
    # [{"min_qty": 10, "percent_off": 2.5}, ...], in base units.
    tiers: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    vendor: Mapped[Vendor] = relationship()
    product: Mapped[Product] = relationship(back_populates="listings")
