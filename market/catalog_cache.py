"""The parser's view of the catalog, built from the Product table once per catalog version.

Building a `parsers.Catalog` (and its match index) costs far more than parsing a message, so
each process keeps the last one built and rebuilds only when the version changes: the number
of active products and the newest `updated_at` (an import, an edit or a deactivation moves
one of them).
"""
from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from market.models import Product

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def catalog_version(session: Session) -> str:
    """A string that changes whenever the active catalog does."""
    count, latest = session.execute(
        select(func.count(Product.id).filter(Product.active.is_(True)),
               func.max(Product.updated_at))).one()
    return f"{count}:{latest.isoformat() if latest else '-'}"


def spec_of(product: Product) -> Any:
    """A Product row as the parser's ProductSpec."""
    from parsers import ProductSpec

    content = None
    if product.content:
        amount, _, unit = product.content.strip().partition(" ")
        try:
            content = (float(amount), unit.strip())
        except ValueError:
            content = None
    return ProductSpec(
        sku=product.sku, name=product.name, category=product.category or "",
        brand=product.brand or "", base_unit=product.base_unit,
        pack_units={k: float(v) for k, v in (product.pack_units or {}).items()},
        content=content, aliases=tuple(product.aliases or ()))


def current_catalog(session: Session) -> Any:
    """The active catalog as a `parsers.Catalog`, rebuilt only when its version changed."""
    from parsers import Catalog

    version = catalog_version(session)
    key = f"{session.get_bind().engine.url}|{version}"
    with _lock:
        if _cache.get("key") == key:
            return _cache["catalog"]
    products = session.scalars(select(Product).where(Product.active.is_(True))
                               .order_by(Product.id)).all()
    catalog = Catalog.from_products([spec_of(p) for p in products], version=version)
    with _lock:
        _cache.update(key=key, catalog=catalog)
    return catalog
