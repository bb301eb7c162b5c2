"""Units: convert an ordered quantity to a product's base unit and back for display.

The rules are the ones the order scorer uses (shared/spec/order-parsing.md): pack units
multiply by their factor, a dozen is 12 pieces, grams and millilitres become kilograms and
litres, a weight or volume of a packaged product divides by its content, and the count units
(piece, packet, bottle, jar, tin) stand for one another when the product is counted in one.
"""

from __future__ import annotations

from parsers.catalog import ProductSpec, to_metric
from parsers.lexicon import COUNT_UNITS, UNIT_KEYS
from parsers.normalize import fold

CANONICAL_UNITS = ("kg", "g", "l", "ml", "piece", "packet", "bottle", "jar", "tin", "box",
                   "carton", "sack", "crate", "tray", "dozen")


class UnitMismatch(ValueError):
    """The unit cannot apply to this product (`2 sack` of a product sold in bottles)."""

    def __init__(self, product: ProductSpec, unit: str | None) -> None:
        super().__init__(f"{unit!r} does not fit {product.sku} (counted in {product.base_unit})")
        self.product = product
        self.unit = unit


def canonical_unit(word: str | None) -> str | None:
    """`bora` -> `sack`, `पेटी` -> `carton`, `kgs` -> `kg`; None when not a unit word."""
    if not word:
        return None
    if word in CANONICAL_UNITS:
        return word
    return UNIT_KEYS.get(fold(word))


def to_base_quantity(product: ProductSpec, quantity: float, unit: str | None,
                     strict: bool = True) -> float | None:
    """`quantity unit` of `product` in its base unit (`2 sack` of 25 kg rice -> 50.0).

    Raises UnitMismatch when the unit cannot apply, or returns None with `strict=False`.
    """
    canonical = canonical_unit(unit) if unit else product.base_unit
    q = float(quantity)
    if canonical == "dozen":
        q, canonical = q * 12, "piece"
    if canonical in product.pack_units:
        return q * product.pack_units[canonical]
    metric = to_metric(q, canonical) if canonical else None
    if canonical == product.base_unit:
        return q
    if metric is not None and metric[1] == product.base_unit:
        return metric[0]
    if canonical in COUNT_UNITS and product.base_unit in COUNT_UNITS:
        return q
    content = product.metric_content
    if metric is not None and content is not None and metric[1] == content[1] and content[0]:
        return metric[0] / content[0]
    if strict:
        raise UnitMismatch(product, unit)
    return None


def from_base_quantity(product: ProductSpec, base_quantity: float, unit: str,
                       strict: bool = True) -> float | None:
    """The inverse of `to_base_quantity`: how many `unit` make `base_quantity`."""
    one = to_base_quantity(product, 1.0, unit, strict=strict)
    if not one:
        return None
    return base_quantity / one


def _fmt(value: float) -> str:
    return str(int(round(value))) if abs(value - round(value)) < 1e-9 else f"{value:g}"


def display_quantity(product: ProductSpec, base_quantity: float) -> str:
    """A base-unit quantity as a buyer would say it: 50 kg of rice -> `2 sack`.

    The largest pack that divides the quantity exactly is used; otherwise whole packs plus
    the rest in base units (`2 sack + 5 kg`), or just base units below one pack.
    """
    packs = sorted(product.pack_units.items(), key=lambda kv: -kv[1])
    for unit, factor in packs:
        if factor > 0 and base_quantity >= factor and abs(base_quantity / factor
                                                          - round(base_quantity / factor)) < 1e-9:
            return f"{_fmt(base_quantity / factor)} {unit}"
    for unit, factor in packs:
        if factor > 0 and base_quantity > factor:
            whole = int(base_quantity // factor)
            rest = base_quantity - whole * factor
            return f"{whole} {unit} + {_fmt(rest)} {product.base_unit}"
    return f"{_fmt(base_quantity)} {product.base_unit}"
