"""Orders (search, keyset pages, status, credit approval), buyers' money, plans, RFQs."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from market.db import utcnow
from market.models import RFQ, AuditEvent, Lead, Plan, Quote, Vendor
from tests.web.conftest import csrf_token, login, make_buyer, make_order, post_form


def test_find_an_order_by_phone_number_status_vendor_and_date(as_staff, db, catalog):
    ram, sita = make_buyer(db), make_buyer(db, "+9779800000002", name="Sita")
    mine = make_order(db, ram)
    theirs = make_order(db, sita, "V-KTM-HIMAL")
    theirs.created_at = utcnow() - timedelta(days=10)
    db.flush()

    def numbers(query):
        page = as_staff.get(f"/admin/orders?{query}").get_data(as_text=True)
        return {n for n in (mine.number, theirs.number) if f">{n}</a>" in page}

    assert numbers("phone=9812345678") == {mine.number}
    assert numbers("phone=%2B9779800000002") == {theirs.number}
    assert numbers(f"number={theirs.number}") == {theirs.number}
    assert numbers("vendor=v-ktm-himal") == {theirs.number}
    assert numbers("status=pending") == {mine.number, theirs.number}
    assert numbers("status=delivered") == set()
    since = (utcnow() - timedelta(days=2)).date().isoformat()
    assert numbers(f"from={since}") == {mine.number}


def test_orders_page_through_with_a_keyset_cursor(as_staff, db, catalog):
    buyer = make_buyer(db)
    made = [make_order(db, buyer) for _ in range(60)]
    first = as_staff.get("/admin/orders").get_data(as_text=True)
    assert f">{made[-1].number}</a>" in first and f">{made[0].number}</a>" not in first
    cursor = first.split("after=")[1].split('"')[0]
    second = as_staff.get(f"/admin/orders?after={cursor}").get_data(as_text=True)
    assert f">{made[0].number}</a>" in second and f">{made[-1].number}</a>" not in second
    shown = [o.number for o in made if f">{o.number}</a>" in first + second]
    assert len(shown) == 60
    assert as_staff.get("/admin/orders?after=garbage!").status_code == 400


def test_status_change_is_recorded_in_history_and_audit(as_staff, db, catalog):
    order = make_order(db, make_buyer(db))
    page = f"/admin/orders/{order.number}"
    post_form(as_staff, page, f"{page}/status", {"status": "accepted", "note": "called them"})
    db.refresh(order)
    assert order.status == "accepted"
    assert [(e.from_status, e.to_status, e.actor) for e in order.events][-1] == \
        ("pending", "accepted", "staff:clerk@example.com")
    html = as_staff.get(page).get_data(as_text=True)
    assert "called them" in html
    refused = post_form(as_staff, page, f"{page}/status", {"status": "pending"},
                        follow_redirects=True)
    assert "pick one of the allowed statuses" in refused.get_data(as_text=True)
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "order.status"))
    assert event.detail["before"] == "pending" and event.detail["after"] == "accepted"


def test_only_admins_approve_orders_held_for_credit(client, db, catalog, staff_user,
                                                    admin_user):
    order = make_order(db, make_buyer(db), approval="held")
    page = f"/admin/orders/{order.number}"
    login(client, staff_user.email)
    assert "Held for credit" not in client.get(page).get_data(as_text=True)
    assert post_form(client, page, f"{page}/approval",
                     {"decision": "approved"}).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, admin_user.email)
    assert "Held for credit" in client.get(page).get_data(as_text=True)
    post_form(client, page, f"{page}/approval", {"decision": "approved"})
    db.refresh(order)
    assert order.approval == "approved" and order.status == "pending"
    assert order.events[-1].note == "credit approved"


def test_declining_a_held_order_rejects_it(as_admin, db, catalog):
    order = make_order(db, make_buyer(db), approval="held")
    page = f"/admin/orders/{order.number}"
    post_form(as_admin, page, f"{page}/approval", {"decision": "declined"})
    db.refresh(order)
    assert (order.approval, order.status) == ("declined", "rejected")


def test_payment_against_an_order_lowers_the_balance(as_staff, db, catalog):
    from market.ledger import charge_order

    buyer = make_buyer(db)
    order = make_order(db, buyer, payment_method="credit")
    charge_order(db, order)
    db.flush()
    page = f"/admin/buyers/{buyer.id}"
    assert "1,934.50" in as_staff.get(page).get_data(as_text=True)
    post_form(as_staff, page, f"{page}/payments", {"amount": "1000", "method": "esewa",
                                                    "reference": "TX-1", "order": order.number})
    html = as_staff.get(page).get_data(as_text=True)
    assert '<dd id="balance">934.50' in html
    db.refresh(order)
    assert order.payment_status == "partial"
    assert "TX-1" in as_staff.get("/admin/payments").get_data(as_text=True)
    wrong = post_form(as_staff, page, f"{page}/payments", {"amount": "5", "method": "cash",
                                                          "order": "99999"},
                      follow_redirects=True)
    assert "has no order 99999" in wrong.get_data(as_text=True)
    zero = post_form(as_staff, page, f"{page}/payments", {"amount": "0", "method": "cash"},
                     follow_redirects=True)
    assert "Payment not recorded: Amount:" in zero.get_data(as_text=True)


def test_credit_limits_are_for_admins(client, db, staff_user, admin_user):
    buyer = make_buyer(db)
    page = f"/admin/buyers/{buyer.id}"
    login(client, staff_user.email)
    assert post_form(client, page, f"{page}/credit-limit",
                     {"credit_limit": "5000"}).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, admin_user.email)
    post_form(client, page, f"{page}/credit-limit", {"credit_limit": "5000"})
    db.refresh(buyer)
    assert str(buyer.credit_limit) == "5000.00"


def test_plans_are_edited_by_admins_only(client, db, staff_user, admin_user):
    plan = db.scalar(select(Plan).where(Plan.code == "standard"))
    url = f"/admin/plans/{plan.id}"
    login(client, staff_user.email)
    assert client.get(url).status_code == 403
    client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    login(client, admin_user.email)
    post_form(client, url, url, {"name": "Standard", "price_monthly": "1500",
                                 "unlocks_per_month": "20", "lead_priority": "1"})
    db.refresh(plan)
    assert (str(plan.price_monthly), plan.unlocks_per_month) == ("1500.00", 20)


def test_rfq_detail_shows_leads_unlocks_and_quotes(as_staff, db, catalog):
    buyer = make_buyer(db)
    rfq = RFQ(number="R77", buyer_id=buyer.id, text="<b>50 kg</b> jeera", town="Kathmandu")
    db.add(rfq)
    db.flush()
    himal = db.scalar(select(Vendor).where(Vendor.code == "V-KTM-HIMAL"))
    lead = Lead(rfq_id=rfq.id, vendor_id=himal.id, score=0.8, locked=False,
                unlocked_via="plan", unlocked_at=utcnow())
    db.add(lead)
    db.flush()
    db.add(Quote(rfq_id=rfq.id, vendor_id=himal.id, lead_id=lead.id, position=1, price=1850,
                 unit="sack", terms="delivery in 2 days"))
    db.flush()
    assert "R77" in as_staff.get("/admin/rfqs?status=open").get_data(as_text=True)
    html = as_staff.get("/admin/rfqs/R77").get_data(as_text=True)
    assert "&lt;b&gt;50 kg&lt;/b&gt; jeera" in html
    assert "V-KTM-HIMAL" in html and "0.800" in html and "delivery in 2 days" in html
    assert "R77" in as_staff.get("/admin/leads?vendor=V-KTM-HIMAL&unlocked=yes").get_data(
        as_text=True)


def test_missing_rows_are_404(as_admin):
    for url in ("/admin/orders/nope", "/admin/rfqs/nope", "/admin/buyers/999999",
                "/admin/vendors/999999", "/admin/products/999999", "/admin/listings/999999",
                "/admin/conversations/999999", "/admin/documents/999999",
                "/admin/catalog/import/nope", "/admin/catalog/export/secrets.csv",
                "/admin/plans/999999", "/admin/staff/999999"):
        assert as_admin.get(url).status_code == 404, url
