"""The order draft: plain JSON kept on the conversation between messages, and pure functions
that add to it, price it from listing facts and show it in the buyer's language.

A draft is `{"key", "touched_at", "reminded", "header", "lines": [...], "unmatched": [...],
"questions": [...]}`. A line holds what the buyer asked (`sku`, `name`, `text`, `quantity`,
`unit`, `base_quantity`, `base_unit`) and the offer last shown for it (`offer`, or `short`
saying why no vendor can take it). A question is a line the parser was unsure of
(`{"kind": "pick", "text", "quantity", "unit", "choices": [sku, ...]}`) or a removal that
matched several lines (`{"kind": "remove", "text", "choices": [line index, ...]}`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from conversation.offers import ListingFact, money, rank_offers, shortfall
from conversation.texts import amount, text, unit_name
from parsers import ProductSpec

# Below this confidence, a line with near alternatives is asked about instead of guessed.
SURE = 0.8
Facts = Mapping[str, Sequence[ListingFact]]


def new_draft(key: str, now: datetime, header: str = "draft_header") -> dict[str, Any]:
    """An empty draft; `key` is unique per buyer and draft (it guards against placing twice)."""
    return {"key": key, "touched_at": now.isoformat(), "reminded": False, "header": header,
            "lines": [], "unmatched": [], "questions": []}


def touch(draft: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The draft after buyer activity: its expiry clock restarts."""
    return {**draft, "touched_at": now.isoformat(), "reminded": False}


def _number(value: float) -> str:
    return f"{value:g}"


def base_quantity(product: ProductSpec, quantity: float, unit: str | None) -> float:
    """`quantity unit` in the product's base unit; the quantity as is when the unit cannot
    apply (a buyer's `2 sack` of bottles is still two of something, shown for checking)."""
    from parsers import to_base_quantity

    value = to_base_quantity(product, quantity, unit, strict=False) if product else None
    return float(value) if value is not None else float(quantity)


def make_line(product: ProductSpec, quantity: float, unit: str | None,
              said: str = "") -> dict[str, Any]:
    """A draft line for `quantity unit` of a catalog product."""
    return {"sku": product.sku, "name": product.name, "text": said,
            "quantity": float(quantity), "unit": unit or product.base_unit,
            "base_quantity": base_quantity(product, quantity, unit),
            "base_unit": product.base_unit, "offer": None, "short": None}


def set_quantity(line: dict[str, Any], product: ProductSpec, quantity: float, unit: str | None,
                 add: bool) -> dict[str, Any]:
    """The line with its quantity replaced (`sugar 20 kg`) or increased (`add 2 peti coke`)."""
    extra = base_quantity(product, quantity, unit)
    if not add:
        return {**line, "quantity": float(quantity), "unit": unit or line["base_unit"],
                "base_quantity": extra}
    total = line["base_quantity"] + extra
    same_unit = (unit or line["base_unit"]) == line["unit"]
    return {**line, "base_quantity": total,
            "quantity": line["quantity"] + float(quantity) if same_unit else total,
            "unit": line["unit"] if same_unit else line["base_unit"]}


def price_line(line: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """The line with the best offer for its quantity, or the reason there is none."""
    options = facts.get(line["sku"], ())
    ranked = rank_offers(options, Decimal(str(line["base_quantity"])))
    if ranked:
        return {**line, "offer": ranked[0].to_dict(), "short": None}
    gap = shortfall(options, Decimal(str(line["base_quantity"])))
    limit = float(gap.limit) if gap.limit is not None else None
    return {**line, "offer": None, "short": {"reason": gap.reason, "limit": limit}}


def price(draft: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """Every line priced afresh and ordered by vendor (lines no vendor can take last), so the
    numbers the buyer sees are the numbers `remove 2` uses."""
    lines = [price_line(line, facts) for line in draft["lines"]]
    vendors: list[int] = []
    for line in lines:
        if line["offer"] and line["offer"]["vendor_id"] not in vendors:
            vendors.append(line["offer"]["vendor_id"])

    def rank(line: dict[str, Any]) -> int:
        return vendors.index(line["offer"]["vendor_id"]) if line["offer"] else len(vendors)

    return {**draft, "lines": sorted(lines, key=rank)}


def priced_lines(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for line in draft["lines"] if line.get("offer")]


def shown_prices(draft: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """What the buyer was shown per line (sku, vendor, unit price), to notice changes."""
    return [(line["sku"], (line.get("offer") or {}).get("vendor_id"),
             (line.get("offer") or {}).get("unit_price")) for line in draft["lines"]]


def total(lines: Sequence[dict[str, Any]]) -> Decimal:
    return money(sum((Decimal(line["offer"]["subtotal"]) for line in lines), Decimal("0")))


def quantity_text(line: Mapping[str, Any], language: str | None) -> str:
    """`2 बोरा (50 kg)`: what the buyer asked, and the base quantity when it differs."""
    shown = f"{_number(line['quantity'])} {unit_name(line['unit'], language)}"
    if line["unit"] != line["base_unit"]:
        shown += f" ({_number(line['base_quantity'])} {unit_name(line['base_unit'], language)})"
    return shown


def _line_text(n: int, line: dict[str, Any], language: str | None, currency: str,
               town: str) -> str:
    head = f"{n}. {line['name']}: {quantity_text(line, language)}"
    offer = line.get("offer")
    if offer:
        each = amount(offer["unit_price"], currency, language)
        sub = amount(offer["subtotal"], currency, language)
        shown = f"{head} × {each}/{unit_name(line['base_unit'], language)} = {sub}"
        if offer["percent_off"]:
            shown += f" ({text('tier_note', language, percent=_number(offer['percent_off']))})"
        return shown
    short = line.get("short") or {"reason": "none", "limit": None}
    limit = f"{_number(short['limit'] or 0)} {unit_name(line['base_unit'], language)}"
    why = {"moq": text("line_moq", language, quantity=limit),
           "stock": text("line_stock", language, quantity=limit)}.get(
        short["reason"], text("line_none", language, town=town))
    return f"{head} — {why}"


def render(draft: dict[str, Any], language: str | None, currency: str, town: str,
           header: str | None = None) -> str:
    """The draft as a chat message: lines grouped by vendor with totals, a grand total, what
    cannot be delivered, what the catalog lacks, and how to answer."""
    out = [text(header or draft.get("header") or "draft_header", language)]
    current = None
    for n, line in enumerate(draft["lines"], start=1):
        vendor = (line.get("offer") or {}).get("vendor_name")
        if vendor != current:
            if current is not None:
                out.append(_vendor_total(draft, current, language, currency))
            if vendor is not None:
                out.append(f"\n*{vendor}*")
            else:
                out.append("")
            current = vendor
        out.append(_line_text(n, line, language, currency, town))
    if current is not None:
        out.append(_vendor_total(draft, current, language, currency))
    lines = priced_lines(draft)
    if lines:
        out.append("\n" + text("grand_total", language,
                               amount=amount(total(lines), currency, language)))
    if draft.get("unmatched"):
        out.append(text("unmatched", language, items=", ".join(draft["unmatched"])))
    if lines:
        example = draft["lines"][0]["name"].split()[0].lower()
        out.append(text("draft_prompt", language, example=example))
    else:
        out.append(text("draft_prompt_empty", language))
    return "\n".join(out)


def _vendor_total(draft: dict[str, Any], vendor: str, language: str | None,
                  currency: str) -> str:
    lines = [line for line in priced_lines(draft) if line["offer"]["vendor_name"] == vendor]
    return text("vendor_total", language, vendor=vendor,
                amount=amount(total(lines), currency, language))


def draft_options(draft: dict[str, Any], language: str | None) -> tuple[str, ...]:
    """The buttons under a shown draft: confirm, drop and, with unknown items, get quotes."""
    options = [text("opt_confirm", language), text("opt_drop", language)]
    if draft.get("unmatched"):
        options.append(text("opt_quote", language))
    return tuple(options)


def numbered(options: Sequence[str]) -> str:
    """Choices as a numbered list, the form that works on every channel."""
    return "\n".join(f"{i}. {option}" for i, option in enumerate(options, start=1))
