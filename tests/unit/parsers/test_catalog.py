"""Catalog loading, the match index and single-product lookups."""

from __future__ import annotations

from parsers import Catalog, ProductSpec, parse_text
from parsers.catalog import _INDEX_CACHE


def spec(sku: str, name: str, aliases: tuple[str, ...] = (), **kw: object) -> ProductSpec:
    return ProductSpec(sku=sku, name=name, category=str(kw.get("category", "")),
                       brand=str(kw.get("brand", "")), base_unit=str(kw.get("base_unit", "kg")),
                       pack_units=dict(kw.get("pack_units", {})),  # type: ignore[arg-type]
                       content=kw.get("content"), aliases=aliases)  # type: ignore[arg-type]


def test_load_dir_reads_products(catalog: Catalog) -> None:
    assert len(catalog) == 95
    rice = catalog.get("RICE-MANSULI")
    assert rice is not None and rice.pack_units == {"sack": 25.0} and rice.content is None
    coke = catalog.get("COKE-500")
    assert coke is not None and coke.content == (500.0, "ml") and "कोक" in coke.aliases
    assert catalog.get("NOPE") is None and "SUGAR" in catalog


def test_match_for_single_product_commands(catalog: Catalog) -> None:
    assert catalog.match("oil")[0][0].startswith("OIL-")
    assert catalog.match("चिनी")[0][0] == "SUGAR"
    assert catalog.match("remove sugar please")[0][0] == "SUGAR"
    assert catalog.match("maggie")[0][0] == "MAGGI-70"
    assert catalog.match("iphone charger") == []
    assert len(catalog.match("oil", limit=2)) <= 2


def test_from_products_and_brand_names() -> None:
    catalog = Catalog.from_products([
        spec("A-1", "Himal Basmati Rice", ("himal",), brand="Himal", pack_units={"sack": 20}),
        spec("B-1", "Sagar Sugar", ("sagar chini",)),
    ], version="t-1")
    assert catalog.version == "t-1"
    assert [(i.sku, i.quantity, i.unit) for i in parse_text("himal 2 bora", catalog).items] == [
        ("A-1", 2, "sack")]
    assert parse_text("sagar chini 5 kg", catalog).items[0].sku == "B-1"


def test_index_is_built_once_per_version() -> None:
    products = [spec("X-1", "Tea Dust", ("chiya dust",))]
    first = Catalog.from_products(products, version="cache-test")
    second = Catalog.from_products(products, version="cache-test")
    assert first.index is second.index
    assert _INDEX_CACHE["cache-test"] is first.index
    changed = Catalog.from_products([spec("X-1", "Tea Dust", ("chiya dust", "ctc dust"))])
    assert changed.index is not first.index


def test_default_version_follows_content() -> None:
    a = Catalog.from_products([spec("X-1", "Tea Dust")])
    b = Catalog.from_products([spec("X-1", "Tea Dust")])
    c = Catalog.from_products([spec("X-1", "Tea Leaves")])
    assert a.version == b.version != c.version


def test_empty_catalog_parses_to_unmatched() -> None:
    result = parse_text("chini 5 kg", Catalog.from_products([]))
    assert result.items == [] and result.unmatched == ["chini"]
