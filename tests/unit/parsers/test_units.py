"""Units helpers: to base units and back for display."""

from __future__ import annotations

import pytest

from parsers import Catalog, UnitMismatch, display_quantity, to_base_quantity
from parsers.units import canonical_unit, from_base_quantity


def product(catalog: Catalog, sku: str):  # noqa: ANN201 - test helper
    found = catalog.get(sku)
    assert found is not None
    return found


@pytest.mark.parametrize(("sku", "quantity", "unit", "base"), [
    ("RICE-MANSULI", 2, "sack", 50), ("RICE-MANSULI", 2, "bora", 50),
    ("RICE-MANSULI", 500, "g", 0.5), ("RICE-MANSULI", 5, None, 5),
    ("EGGS", 2, "dozen", 24), ("EGGS", 1, "tray", 30), ("MILK-DDC-500", 2, "l", 4),
    ("MILK-DDC-500", 500, "ml", 1), ("SALT-TATA-1", 10, "kg", 10),
    ("OIL-DHARA-1L", 1, "carton", 12), ("OIL-DHARA-5L", 2, "piece", 2),
    ("BREAD-WHITE", 5, "piece", 5), ("PANEER-200", 1, "kg", 5), ("GHEE-AMUL-1L", 3, "tin", 3),
])
def test_to_base_quantity(catalog: Catalog, sku: str, quantity: float, unit: str | None,
                          base: float) -> None:
    assert to_base_quantity(product(catalog, sku), quantity, unit) == pytest.approx(base)


def test_unit_that_does_not_fit(catalog: Catalog) -> None:
    coke = product(catalog, "COKE-500")
    with pytest.raises(UnitMismatch) as info:
        to_base_quantity(coke, 2, "sack")
    assert "COKE-500" in str(info.value)
    assert to_base_quantity(coke, 2, "kg", strict=False) is None
    assert to_base_quantity(product(catalog, "GARLIC"), 1, "sack", strict=False) is None
    assert to_base_quantity(product(catalog, "WAIWAI-CHICKEN"), 1, "kg", strict=False) is None


def test_display_quantity(catalog: Catalog) -> None:
    rice = product(catalog, "RICE-MANSULI")
    assert display_quantity(rice, 50) == "2 sack"
    assert display_quantity(rice, 55) == "2 sack + 5 kg"
    assert display_quantity(rice, 10) == "10 kg"
    assert display_quantity(product(catalog, "MAGGI-70"), 96) == "1 carton"
    assert display_quantity(product(catalog, "MAGGI-70"), 30) == "30 packet"
    assert display_quantity(product(catalog, "RICE-BASMATI"), 10) == "2 packet"
    assert display_quantity(product(catalog, "SUGAR"), 2.5) == "2.5 kg"


def test_round_trip_and_canonical_names(catalog: Catalog) -> None:
    eggs = product(catalog, "EGGS")
    assert from_base_quantity(eggs, 60, "tray") == 2
    assert canonical_unit("पेटी") == "carton"
    assert canonical_unit("bora") == "sack"
    assert canonical_unit("kgs") == "kg"
    assert canonical_unit("banana") is None
