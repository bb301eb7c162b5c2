"""Loading the catalog from CSV files in the shape of the demo catalog.

Rows that exist are updated; a bad row is reported with its file and line and skipped, so
one typo does not stop a thousand good rows.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session

from market import plans
from market.ledger import check_amount
from market.models import Listing, Plan, Product, Vendor
from market.phones import normalise_phone

BASE_UNITS = {"kg", "l", "piece", "packet", "bottle", "jar", "tin", "box"}
PACK_UNITS = {"kg", "g", "l", "ml", "piece", "packet", "bottle", "jar", "tin", "box", "carton",
              "sack", "crate", "tray", "dozen"}
VERIFICATION = {"pending", "verified", "rejected"}
# Vendor columns only an admin may change through an import (market/staff.py ROLES).
PROTECTED_VENDOR_FIELDS = ("plan", "verification", "phone")
FILES = ("products.csv", "vendors.csv", "listings.csv")
# A cell starting with one of these is a formula to a spreadsheet (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class RowError(ValueError):
    """A row that cannot be loaded; the message says why, in words staff understand."""


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        parts = [f"{kind}: {self.created.get(kind, 0)} new, {self.updated.get(kind, 0)} updated"
                 for kind in ("products", "vendors", "listings")
                 if kind in self.created or kind in self.updated]
        return "; ".join(parts) + (f"; {len(self.errors)} rows skipped" if self.errors else "")


Progress = Callable[[int, int], None]


def _decimal(value: str, name: str, minimum: Decimal = Decimal("0"), precision: int = 14,
             scale: int = 3) -> Decimal:
    """A number of the row that fits its numeric(precision, scale) column (rounded to its
    places), finite and at least `minimum`; else a RowError naming it."""
    try:
        return check_amount(value or "", precision=precision, scale=scale, minimum=minimum)
    except ValueError as exc:
        raise RowError(f"{name} {value!r} {exc}") from None


def _list(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split("|") if part.strip()]


ALERT_CHANNELS = ("sms", "whatsapp", "email")


def alert_channels(value: str) -> list[str]:
    """The optional `alert_channels` column of vendors.csv (`sms|whatsapp|email`), in that
    order; empty keeps the vendor's (a new vendor: SMS, and e-mail when it has an address)."""
    named = [part.lower() for part in _list(value)]
    wrong = [part for part in named if part not in ALERT_CHANNELS]
    if wrong:
        raise RowError(f"alert_channels {'|'.join(wrong)!r} is not sms, whatsapp or email")
    return [channel for channel in ALERT_CHANNELS if channel in named]


def _required(row: dict[str, str], *names: str) -> None:
    missing = [n for n in names if not (row.get(n) or "").strip()]
    if missing:
        raise RowError(f"missing {', '.join(missing)}")


def parse_pack_units(value: str) -> dict[str, float]:
    packs: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (value or "").split(";"))):
        unit, _, factor = part.partition(":")
        unit = unit.strip().lower()
        if unit not in PACK_UNITS:
            raise RowError(f"pack unit {unit!r} is not one of {', '.join(sorted(PACK_UNITS))}")
        packs[unit] = float(_decimal(factor, f"pack factor of {unit}", Decimal("0.001")))
    return packs


def parse_tiers(value: str) -> list[dict[str, float]]:
    tiers = []
    for part in filter(None, (p.strip() for p in (value or "").split(";"))):
        qty, _, pct = part.partition(":")
        percent = _decimal(pct, "tier percent")
        if percent >= 100:
            raise RowError(f"tier discount {pct}% must be below 100")
        tiers.append({"min_qty": float(_decimal(qty, "tier quantity")),
                      "percent_off": float(percent)})
    return sorted(tiers, key=lambda t: t["min_qty"])


def load_product(session: Session, row: dict[str, str], admin: bool = True) -> bool:
    _required(row, "sku", "name", "base_unit")
    base = row["base_unit"].strip().lower()
    if base not in BASE_UNITS:
        raise RowError(f"base_unit {base!r} is not one of {', '.join(sorted(BASE_UNITS))}")
    content = (row.get("content") or "").strip() or None
    if content:
        qty, _, unit = content.partition(" ")
        _decimal(qty, "content")
        if unit.strip().lower() not in {"g", "kg", "ml", "l"}:
            raise RowError(f"content {content!r} must be like '500 ml' or '1 kg'")
    sku = row["sku"].strip().upper()
    product = session.scalar(select(Product).where(Product.sku == sku))
    created = product is None
    if product is None:
        product = Product(sku=sku)
        session.add(product)
    product.name = row["name"].strip()
    product.category = (row.get("category") or "").strip() or None
    product.brand = (row.get("brand") or "").strip() or None
    product.base_unit = base
    product.pack_units = parse_pack_units(row.get("pack_units", ""))
    product.content = content
    product.aliases = _list(row.get("aliases", ""))
    product.active = True
    return created


def _plan(session: Session, code: str) -> Plan:
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise RowError(f"plan {code!r} does not exist")
    return plan


def _current_plan(session: Session, vendor: Vendor | None) -> str:
    sub = plans.current_subscription(session, vendor.id) if vendor is not None else None
    # A vendor made without a plan is put on the free one, as the admin's form does.
    return sub.plan.code if sub is not None else "free"


def _refuse_protected_changes(session: Session, vendor: Vendor | None, phone: str | None,
                              verification: str, plan: str) -> None:
    """Plain staff may not move a vendor's plan, verification or phone (who gets its order
    alerts): a row that would is refused whole. A new vendor's baseline is what the admin's
    form makes: free plan, pending verification, any phone."""
    before = {"plan": _current_plan(session, vendor),
              "verification": vendor.verification if vendor is not None else "pending",
              "phone": vendor.phone if vendor is not None else phone}
    after = {"plan": plan, "verification": verification, "phone": phone}
    changed = [name for name in PROTECTED_VENDOR_FIELDS if before[name] != after[name]]
    if changed:
        described = [name if name == "phone" else f"{name} ({before[name]} → {after[name]})"
                     for name in changed]
        raise RowError(f"only an admin may change {', '.join(described)}; the row is skipped")


def load_vendor(session: Session, row: dict[str, str], admin: bool = True) -> bool:
    _required(row, "code", "business_name")
    phone = None
    if (row.get("phone") or "").strip():
        phone = normalise_phone(row["phone"])
        if phone is None:
            raise RowError(f"phone {row['phone']!r} is not a phone number")
    verification = (row.get("verification") or "pending").strip().lower()
    if verification not in VERIFICATION:
        raise RowError(f"verification {verification!r} is not one of pending, verified, rejected")
    plan = _plan(session, (row.get("plan") or "free").strip().lower())
    code = row["code"].strip().upper()
    vendor = session.scalar(select(Vendor).where(Vendor.code == code))
    if not admin:
        _refuse_protected_changes(session, vendor, phone, verification, plan.code)
    channels = alert_channels(row.get("alert_channels") or "")
    created = vendor is None
    if vendor is None:
        vendor = Vendor(code=code, alert_channels=["sms"] + (["email"] if row.get("email") else []))
        session.add(vendor)
    if channels:
        vendor.alert_channels = channels
    vendor.business_name = row["business_name"].strip()
    vendor.phone = phone
    vendor.email = (row.get("email") or "").strip() or None
    vendor.town = (row.get("city") or "").strip() or None
    towns = _list(row.get("delivery_areas", ""))
    vendor.delivery_towns = towns or ([vendor.town] if vendor.town else [])
    vendor.categories = _list(row.get("categories", ""))
    vendor.verification = verification
    session.flush()
    plans.subscribe(session, vendor, plan)
    return created


def load_listing(session: Session, row: dict[str, str], admin: bool = True) -> bool:
    _required(row, "vendor_code", "sku", "price")
    vendor = session.scalar(select(Vendor).where(Vendor.code == row["vendor_code"].strip().upper()))
    if vendor is None:
        raise RowError(f"vendor {row['vendor_code']!r} does not exist")
    product = session.scalar(select(Product).where(Product.sku == row["sku"].strip().upper()))
    if product is None:
        raise RowError(f"product {row['sku']!r} does not exist")
    listing = session.scalar(
        select(Listing).where(Listing.vendor_id == vendor.id, Listing.product_id == product.id)
    )
    created = listing is None
    if listing is None:
        listing = Listing(vendor_id=vendor.id, product_id=product.id)
        session.add(listing)
    listing.price = _decimal(row["price"], "price", Decimal("0.01"), 12, 2)
    listing.currency = (row.get("currency") or "NPR").strip().upper()
    listing.moq = _decimal(row.get("moq") or "1", "moq", precision=12)
    listing.stock = _decimal(row.get("stock") or "0", "stock")
    listing.tiers = parse_tiers(row.get("tiers", ""))
    listing.active = True
    return created


LOADERS: dict[str, tuple[str, Callable[[Session, dict[str, str], bool], bool]]] = {
    "products.csv": ("products", load_product),
    "vendors.csv": ("vendors", load_vendor),
    "listings.csv": ("listings", load_listing),
}


def import_rows(session: Session, filename: str, rows: Iterable[tuple[int, dict[str, str]]],
                report: ImportReport, progress: Progress | None = None, total: int = 0,
                admin: bool = True) -> None:
    """Load numbered rows of one file; each row in a savepoint so a bad one leaves no trace.
    With `admin` False (plain staff), rows changing a vendor's plan, verification or phone
    are reported and skipped."""
    kind, loader = LOADERS[filename]
    for done, (line, row) in enumerate(rows, start=1):
        try:
            with session.begin_nested():
                created = loader(session, row, admin)
            report.count(kind, created)  # after the savepoint: its flush may still fail
        except RowError as exc:
            report.errors.append(f"{filename} line {line}: {exc}")
        except DataError as exc:
            # A text longer than its column, say: this row only, never the whole import.
            reason = str(exc.orig).splitlines()[0] if exc.orig else "a value does not fit"
            report.errors.append(f"{filename} line {line}: {reason}")
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)


def _unquote(cell: str) -> str:
    # The admin's export puts a quote before a cell a spreadsheet would run as a formula.
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def read_csv(text: str) -> list[tuple[int, dict[str, str]]]:
    """Rows numbered by their line in the file (the header is line 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [(reader.line_num, {k.strip(): _unquote(v or "") for k, v in row.items() if k})
            for row in reader]


def import_dir(session: Session, folder: Path, progress: Progress | None = None) -> ImportReport:
    """Import products, vendors and listings from a folder, in the order they depend on."""
    report = ImportReport()
    found = [name for name in FILES if (folder / name).exists()]
    if not found:
        raise FileNotFoundError(f"{folder} holds none of {', '.join(FILES)}")
    for name in found:
        rows = read_csv((folder / name).read_text(encoding="utf-8"))
        import_rows(session, name, rows, report, progress, len(rows))
    return report


def as_dict(report: ImportReport) -> dict[str, Any]:
    return {"created": report.created, "updated": report.updated, "errors": report.errors}
