"""Vendors (verification, documents, block, plan) and the catalog (aliases, listings, CSV)."""
from __future__ import annotations

import csv
import io

from sqlalchemy import func, select

from market.models import AuditEvent, Listing, Product, Subscription, Vendor, VendorDocument
from tests.conftest import CATALOG
from tests.web.conftest import csrf_token, post_form


def vendor(db, code="V-KTM-ANNAPURNA"):
    return db.scalar(select(Vendor).where(Vendor.code == code))


def test_vendor_filters(as_staff, catalog):
    page = as_staff.get("/admin/vendors?town=Kathmandu").get_data(as_text=True)
    assert "V-KTM-ANNAPURNA" in page and "V-BKT-NYATAPOLA" not in page
    page = as_staff.get("/admin/vendors?category=beverages").get_data(as_text=True)
    assert "V-KTM-HIMAL" in page and "V-KTM-ANNAPURNA" not in page
    page = as_staff.get("/admin/vendors?plan=premium").get_data(as_text=True)
    assert "V-KTM-HIMAL" in page
    page = as_staff.get("/admin/vendors?verification=rejected").get_data(as_text=True)
    assert "V-KTM-EVEREST" in page and "V-KTM-HIMAL" not in page
    page = as_staff.get("/admin/vendors?town=Nowhere").get_data(as_text=True)
    assert "no vendors" in page


def test_create_then_edit_a_vendor(as_staff, db, catalog):
    response = post_form(as_staff, "/admin/vendors/new", "/admin/vendors/new", {
        "code": "v-pkr-new", "business_name": "Pokhara New", "phone": "9801999999",
        "town": "Pokhara", "delivery_towns": "Pokhara, Syangja", "categories": "staples",
        "alert_channels": ["sms", "whatsapp"]})
    assert response.status_code == 302
    created = vendor(db, "V-PKR-NEW")
    assert created.phone == "+9779801999999"
    assert created.delivery_towns == ["Pokhara", "Syangja"]
    assert created.alert_channels == ["sms", "whatsapp"]
    assert created.verification == "pending"
    assert db.scalar(select(Subscription).where(Subscription.vendor_id == created.id)).plan.code \
        == "free"
    url = f"/admin/vendors/{created.id}/edit"
    post_form(as_staff, url, url, {"code": "V-PKR-NEW", "business_name": "Pokhara Newer",
                                   "town": "Pokhara", "delivery_towns": "", "categories": "",
                                   "alert_channels": ["email"]})
    db.refresh(created)
    assert created.business_name == "Pokhara Newer" and created.alert_channels == ["email"]
    taken = post_form(as_staff, url, url, {"code": "V-KTM-HIMAL", "business_name": "x"})
    assert "this code is taken" in taken.get_data(as_text=True)


def test_verify_and_reject_with_reason(as_staff, db, catalog):
    v = vendor(db, "V-KTM-HIMAL")
    page = f"/admin/vendors/{v.id}"
    refused = post_form(as_staff, page, f"{page}/reject", {"reason": ""})
    assert refused.status_code == 302
    db.refresh(v)
    assert v.verification == "verified"
    post_form(as_staff, page, f"{page}/reject", {"reason": "PAN certificate expired"})
    db.refresh(v)
    assert (v.verification, v.verification_note) == ("rejected", "PAN certificate expired")
    post_form(as_staff, page, f"{page}/verify", {})
    db.refresh(v)
    assert v.verification == "verified" and v.verification_note is None
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(v.id))
                         .order_by(AuditEvent.id)).all()
    assert actions == ["vendor.reject", "vendor.verify"]


def test_block_and_unblock(as_staff, db, catalog):
    v = vendor(db)
    page = f"/admin/vendors/{v.id}"
    post_form(as_staff, page, f"{page}/block", {"blocked": "1"})
    db.refresh(v)
    assert v.blocked and not v.is_active
    post_form(as_staff, page, f"{page}/block", {"blocked": "0"})
    db.refresh(v)
    assert not v.blocked


def test_document_upload_goes_to_media_and_downloads(as_staff, db, catalog):
    v = vendor(db)
    page = f"/admin/vendors/{v.id}"
    pdf = b"%PDF-1.4 registration certificate"
    post_form(as_staff, page, f"{page}/documents",
              {"document": (io.BytesIO(pdf), "../../reg cert.pdf", "application/pdf")},
              content_type="multipart/form-data")
    doc = db.scalar(select(VendorDocument).where(VendorDocument.vendor_id == v.id))
    assert doc.filename == "reg_cert.pdf" and doc.storage_key.startswith("vendor-documents/")
    download = as_staff.get(f"/admin/documents/{doc.id}")
    assert download.data == pdf
    assert "attachment" in download.headers["Content-Disposition"]
    html = post_form(as_staff, page, f"{page}/documents",
                     {"document": (io.BytesIO(b"<script>"), "x.html", "text/html")},
                     content_type="multipart/form-data", follow_redirects=True)
    assert "Upload a PDF" in html.get_data(as_text=True)


def test_only_admins_change_a_vendors_plan(client, db, catalog, staff_user, admin_user):
    from tests.web.conftest import login

    v = vendor(db, "V-BKT-NYATAPOLA")
    page = f"/admin/vendors/{v.id}"
    login(client, staff_user.email)
    assert post_form(client, page, f"{page}/plan", {"plan": "premium"}).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, admin_user.email)
    post_form(client, page, f"{page}/plan", {"plan": "premium"})
    active = db.scalars(select(Subscription).where(Subscription.vendor_id == v.id,
                                                   Subscription.status == "active")).all()
    assert [s.plan.code for s in active] == ["premium"]


def test_aliases_are_editable_and_searchable(as_staff, db, catalog):
    rice = db.scalar(select(Product).where(Product.sku == "RICE-MANSULI"))
    url = f"/admin/products/{rice.id}"
    post_form(as_staff, url, url, {"name": "Mansuli Rice", "category": "staples",
                                   "aliases": "mansuli\nchamal\nmota chamal, मोटा चामल",
                                   "active": "y"})
    db.refresh(rice)
    assert rice.aliases == ["mansuli", "chamal", "mota chamal", "मोटा चामल"]
    assert "RICE-MANSULI" in as_staff.get("/admin/products?q=mota").get_data(as_text=True)


def test_listing_edit_checks_tiers(as_staff, db, catalog):
    listing = db.scalar(select(Listing).limit(1))
    url = f"/admin/listings/{listing.id}"
    bad = post_form(as_staff, url, url, {"price": "80", "moq": "1", "stock": "10",
                                         "tiers": "10:150", "active": "y"})
    assert "must be below 100" in bad.get_data(as_text=True)
    post_form(as_staff, url, url, {"price": "80.50", "moq": "2", "stock": "10",
                                   "tiers": "50:5; 10:2.5", "active": "y"})
    db.refresh(listing)
    assert str(listing.price) == "80.50"
    assert listing.tiers == [{"min_qty": 10.0, "percent_off": 2.5},
                             {"min_qty": 50.0, "percent_off": 5.0}]


def upload(client, files):
    return post_form(client, "/admin/catalog/import", "/admin/catalog/import",
                     {"files": [(io.BytesIO(data), name) for name, data in files]},
                     content_type="multipart/form-data")


def test_csv_import_runs_in_a_job_and_reports_bad_rows(as_admin, db):
    # An admin: the demo vendors are verified and on paid plans (tests/web/test_staff_limits.py
    # has what plain staff may import).
    as_staff = as_admin
    files = [(n, (CATALOG / n).read_bytes())
             for n in ("listings.csv", "products.csv", "vendors.csv")]
    bad = b"sku,name,category,brand,base_unit,pack_units,content,aliases\n" \
          b"X-1,Thing,misc,,furlong,,,\n"
    response = upload(as_staff, files + [("extra.csv", bad)])
    assert response.status_code == 302
    status = as_staff.get(response.headers["Location"] + "?format=json").get_json()
    assert status["status"] == "done"
    assert status["done"] == status["total"] == 95 + 8 + 220 + 1
    assert len(status["errors"]) == 1
    assert status["errors"][0].startswith("products.csv line 2: base_unit 'furlong' is not")
    assert db.scalar(select(func.count(Listing.id))) == 220
    page = as_staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "furlong" in page and "products: 95 new" in page


def test_import_refuses_a_file_of_unknown_shape(as_staff, db):
    response = upload(as_staff, [("x.csv", b"a,b\n1,2\n")])
    assert response.status_code == 200
    assert "not a products, vendors or listings CSV" in response.get_data(as_text=True)


def test_export_has_the_import_shape_and_round_trips(as_staff, db, catalog):
    for name in ("products.csv", "vendors.csv", "listings.csv"):
        exported = as_staff.get(f"/admin/catalog/export/{name}").get_data(as_text=True)
        original = (CATALOG / name).read_text(encoding="utf-8")
        ours = list(csv.DictReader(io.StringIO(exported)))
        theirs = list(csv.DictReader(io.StringIO(original)))
        # vendors.csv carries the optional alert_channels column too (CONTRACT.md).
        extra = ["alert_channels"] if name == "vendors.csv" else []
        assert list(ours[0]) == list(theirs[0]) + extra
        assert len(ours) == len(theirs)
    products = as_staff.get("/admin/catalog/export/products.csv").get_data(as_text=True)
    assert "RICE-MANSULI,Mansuli Rice,staples,,kg,sack:25,," in products
    vendors = as_staff.get("/admin/catalog/export/vendors.csv").get_data(as_text=True)
    assert "V-KTM-ANNAPURNA,Annapurna Traders,'+9779801000001," in vendors
    response = upload(as_staff, [("products.csv", products.encode()),
                                 ("vendors.csv", vendors.encode())])
    status = as_staff.get(response.headers["Location"] + "?format=json").get_json()
    assert status["errors"] == []
    assert "products: 0 new, 95 updated; vendors: 0 new, 8 updated" in status["summary"]


def test_export_defuses_spreadsheet_formulas(as_staff, db, catalog):
    rice = db.scalar(select(Product).where(Product.sku == "RICE-MANSULI"))
    rice.name = "=HYPERLINK(\"http://x\")"
    db.flush()
    products = as_staff.get("/admin/catalog/export/products.csv").get_data(as_text=True)
    assert "RICE-MANSULI,\"'=HYPERLINK(" in products
