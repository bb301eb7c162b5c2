"""Every admin CSV export quotes a cell a spreadsheet would run as a formula (OWASP), and the
import takes the quote off again so an export still imports back unchanged."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from market.models import Product, Vendor
from tests.web.conftest import post_form

NASTY = ["=cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
         "@SUM(1+9)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def rows(client, name):
    text = client.get(f"/admin/catalog/export/{name}").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", NASTY)
def test_a_vendor_named_like_a_formula_is_quoted_in_the_export(as_staff, db, catalog, name):
    annapurna = db.scalar(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA"))
    annapurna.business_name = name
    db.flush()
    exported = {r["code"]: r for r in rows(as_staff, "vendors.csv")}
    assert exported["V-KTM-ANNAPURNA"]["business_name"] == "'" + name


def test_every_export_quotes_every_formula_start(as_staff, db, catalog):
    rice = db.scalar(select(Product).where(Product.sku == "RICE-MANSULI"))
    rice.name, rice.brand, rice.aliases = "+1+cmd|' /C calc'!A0", "@x", ["-1+1", "chamal"]
    db.flush()
    product = {r["sku"]: r for r in rows(as_staff, "products.csv")}["RICE-MANSULI"]
    assert (product["name"], product["brand"], product["aliases"]) == \
        ("'+1+cmd|' /C calc'!A0", "'@x", "'-1+1|chamal")
    # Phone numbers start with + too: quoted, and every cell of every file is checked.
    for name in ("products.csv", "vendors.csv", "listings.csv"):
        for row in rows(as_staff, name):
            for cell in row.values():
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)
    vendors = {r["code"]: r for r in rows(as_staff, "vendors.csv")}
    assert vendors["V-KTM-ANNAPURNA"]["phone"] == "'+9779801000001"


def test_a_quoted_export_imports_back_unchanged(as_admin, db, catalog):
    annapurna = db.scalar(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA"))
    annapurna.business_name = "=cmd|' /C calc'!A0"
    db.flush()
    text = as_admin.get("/admin/catalog/export/vendors.csv").get_data()
    response = post_form(as_admin, "/admin/catalog/import", "/admin/catalog/import",
                         {"files": [(io.BytesIO(text), "vendors.csv")]},
                         content_type="multipart/form-data")
    status = as_admin.get(response.headers["Location"] + "?format=json").get_json()
    assert status["errors"] == []
    db.refresh(annapurna)
    assert annapurna.business_name == "=cmd|' /C calc'!A0"
    assert annapurna.phone == "+9779801000001"
