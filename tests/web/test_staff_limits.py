"""What plain staff may not do that admins may: protected vendor fields through the CSV import,
large payments; and amounts that do not fit their column are form errors, never a 500."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from market.models import CreditEntry, Payment, Plan, Vendor
from market.plans import current_subscription
from tests.web.conftest import make_buyer, post_form

HEADER = "code,business_name,phone,email,city,delivery_areas,categories,plan,verification\n"
# The demo row of V-KTM-ANNAPURNA with its plan, verification and phone changed, and a new
# business name; and V-KTM-HIMAL with only its town changed.
CHANGED = ("V-KTM-ANNAPURNA,Annapurna Renamed,+9779809999999,orders@annapurna.example,"
           "Kathmandu,Kathmandu,staples,free,rejected\n")
HARMLESS = ("V-KTM-HIMAL,Himal Distributors,+9779801000002,sales@himal.example,Lalitpur,"
            "Kathmandu|Lalitpur,beverages,premium,verified\n")


def import_vendors(client, text):
    response = post_form(client, "/admin/catalog/import", "/admin/catalog/import",
                         {"files": [(io.BytesIO(text.encode()), "vendors.csv")]},
                         content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"] + "?format=json").get_json()


def vendor(db, code):
    found = db.scalar(select(Vendor).where(Vendor.code == code))
    db.refresh(found)
    return found


def plan_code(db, found):
    return current_subscription(db, found.id).plan.code


def test_staff_import_cannot_change_plan_verification_or_phone(as_staff, db, catalog):
    status = import_vendors(as_staff, HEADER + CHANGED + HARMLESS)
    assert status["status"] == "done"
    annapurna = vendor(db, "V-KTM-ANNAPURNA")
    assert (annapurna.phone, annapurna.verification, plan_code(db, annapurna)) == \
        ("+9779801000001", "verified", "premium")
    # The row is refused whole: not even its harmless name change is applied.
    assert annapurna.business_name == "Annapurna Traders"
    assert len(status["errors"]) == 1
    error = status["errors"][0]
    assert error.startswith("vendors.csv line 2: only an admin may change")
    assert "plan" in error and "verification" in error and "phone" in error
    # A row that changes none of them goes through.
    assert vendor(db, "V-KTM-HIMAL").town == "Lalitpur"
    assert "vendors: 0 new, 1 updated" in status["summary"]
    # The import form tells staff so before they upload.
    form = as_staff.get("/admin/catalog/import").get_data(as_text=True)
    assert "Only an admin may change a vendor's plan, verification or phone" in form


def test_staff_import_may_create_a_pending_free_vendor_but_not_a_verified_one(as_staff, db,
                                                                             catalog):
    status = import_vendors(as_staff, HEADER
                            + "V-NEW-1,New One,+9779801234567,,Pokhara,,,free,pending\n"
                            + "V-NEW-2,New Two,,,Pokhara,,,premium,verified\n")
    assert vendor(db, "V-NEW-1").phone == "+9779801234567"
    assert db.scalar(select(Vendor).where(Vendor.code == "V-NEW-2")) is None
    assert len(status["errors"]) == 1
    assert status["errors"][0].startswith(
        "vendors.csv line 3: only an admin may change plan (free → premium), "
        "verification (pending → verified)")


def test_admin_import_changes_plan_verification_and_phone(as_admin, db, catalog):
    status = import_vendors(as_admin, HEADER + CHANGED)
    assert status["errors"] == []
    annapurna = vendor(db, "V-KTM-ANNAPURNA")
    assert (annapurna.phone, annapurna.verification, plan_code(db, annapurna)) == \
        ("+9779809999999", "rejected", "free")


def test_staff_payment_above_the_threshold_is_refused(as_staff, db, app):
    app.config["PAYMENT_STAFF_MAX"] = 100000
    buyer = make_buyer(db)
    page = f"/admin/buyers/{buyer.id}"
    response = post_form(as_staff, page, f"{page}/payments",
                         {"amount": "100000.01", "method": "cash"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Payment not recorded" in html and "only an admin" in html
    assert db.scalar(select(func.count(Payment.id))) == 0
    assert db.scalar(select(func.count(CreditEntry.id))) == 0
    ok = post_form(as_staff, page, f"{page}/payments", {"amount": "100000", "method": "cash"},
                   follow_redirects=True)
    assert "Payment of 100000.00 recorded" in ok.get_data(as_text=True)


def test_admin_may_record_a_payment_above_the_staff_threshold(as_admin, db, app):
    app.config["PAYMENT_STAFF_MAX"] = 100000
    buyer = make_buyer(db)
    page = f"/admin/buyers/{buyer.id}"
    post_form(as_admin, page, f"{page}/payments", {"amount": "250000", "method": "bank"})
    assert db.scalar(select(Payment.amount)) == 250000


@pytest.mark.parametrize("amount", ["99999999999.99", "99,999,999,999.99", "1e20", "-5",
                                    "NaN", "Infinity", "-Infinity", "sNaN", "0.001"])
def test_an_amount_that_does_not_fit_is_a_form_error(as_admin, db, amount):
    buyer = make_buyer(db)
    page = f"/admin/buyers/{buyer.id}"
    response = post_form(as_admin, page, f"{page}/payments", {"amount": amount,
                                                              "method": "cash"},
                         follow_redirects=True)
    assert response.status_code == 200
    assert "Payment not recorded: Amount:" in response.get_data(as_text=True)
    assert db.scalar(select(func.count(Payment.id))) == 0


@pytest.mark.parametrize("limit", ["99999999999.99", "Infinity", "NaN", "-1"])
def test_a_credit_limit_that_does_not_fit_is_a_form_error(as_admin, db, limit):
    buyer = make_buyer(db)
    page = f"/admin/buyers/{buyer.id}"
    response = post_form(as_admin, page, f"{page}/credit-limit", {"credit_limit": limit},
                         follow_redirects=True)
    assert response.status_code == 200
    assert "Credit limit not saved" in response.get_data(as_text=True)
    db.refresh(buyer)
    assert buyer.credit_limit == 0


def test_plan_price_and_listing_price_that_do_not_fit_are_form_errors(as_admin, db, catalog):
    plan = db.scalar(select(Plan).where(Plan.code == "standard"))
    url = f"/admin/plans/{plan.id}"
    response = post_form(as_admin, url, url, {"name": "Standard", "price_monthly": "1e12",
                                              "unlocks_per_month": "20"})
    assert response.status_code == 200
    from market.models import Listing

    listing = db.scalar(select(Listing).limit(1))
    url = f"/admin/listings/{listing.id}"
    for price in ("99999999999.99", "Infinity"):
        response = post_form(as_admin, url, url, {"price": price, "moq": "1", "stock": "1e30"})
        assert response.status_code == 200


def test_import_of_a_price_that_does_not_fit_reports_the_row(as_admin, db, catalog):
    text = ("vendor_code,sku,price,currency,moq,stock,tiers\n"
            "V-KTM-ANNAPURNA,RICE-MANSULI,99999999999.99,NPR,1,10,\n"
            "V-KTM-ANNAPURNA,RICE-MANSULI,Infinity,NPR,1,10,\n"
            "V-KTM-ANNAPURNA,RICE-MANSULI,10,NEPALI RUPEES,1,10,\n"
            "V-KTM-ANNAPURNA,RICE-MANSULI,80,NPR,1,10,\n")
    response = post_form(as_admin, "/admin/catalog/import", "/admin/catalog/import",
                         {"files": [(io.BytesIO(text.encode()), "listings.csv")]},
                         content_type="multipart/form-data")
    status = as_admin.get(response.headers["Location"] + "?format=json").get_json()
    assert status["status"] == "done"
    assert [e[:27] for e in status["errors"]] == ["listings.csv line 2: price ",
                                                  "listings.csv line 3: price ",
                                                  "listings.csv line 4: value "]
    # The good row after them is loaded.
    assert "listings: 0 new, 1 updated" in status["summary"]

