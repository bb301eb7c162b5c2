"""Staff actions in the admin reach the conversations: approving or declining an order held for
credit, and moving an order's status, tell the buyer (in their language) and the vendor, as the
vendor's own answers do. Jobs run inline; the console channel delivers at once."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from market.config import Config
from market.db import utcnow
from market.models import (
    AuditEvent,
    Conversation,
    CreditEntry,
    Listing,
    Message,
    Order,
    Product,
    Vendor,
)
from market.orders import ItemSnapshot, create_order
from market.vendor_orders import remind_and_escalate
from tests.web.conftest import make_buyer, make_order, post_form

ANNAPURNA = "+9779801000001"


def texts_to(db, address: str) -> list[str]:
    """Bodies of the messages sent to `address` (on any channel), oldest first."""
    return list(db.scalars(select(Message.body).join(Conversation)
                           .where(Conversation.address == address, Message.direction == "out")
                           .order_by(Message.id)))


def sent_alerts(db, number: str, kind: str = "order") -> list[Message]:
    return list(db.scalars(select(Message).where(
        Message.meta["order"].as_string() == number,
        Message.meta["alert"].as_string() == kind)))


def credit_held(db, buyer, limit: str = "1000") -> Order:
    """An order on credit held by placement (Rs 1,934.50 over a Rs 1,000 limit: not charged)."""
    buyer.credit_limit = Decimal(limit)
    return make_order(db, buyer, payment_method="credit", approval="held")


def decide(client, order: Order, decision: str, **kwargs):
    """An admin clicks Approve or Decline on the order's page."""
    page = f"/admin/orders/{order.number}"
    return post_form(client, page, f"{page}/approval", {"decision": decision}, **kwargs)


def held_then(client, db, decision: str) -> Order:
    """A held order of an English-speaking buyer, approved or declined; read afresh."""
    order = credit_held(db, make_buyer(db, language="en"))
    order_id = order.id
    decide(client, order, decision)
    return db.get(Order, order_id)


def owed(db, order_id: int) -> Decimal:
    return db.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0))
                     .where(CreditEntry.order_id == order_id))


def test_approving_a_held_order_charges_it_once_alerts_the_vendor_and_tells_the_buyer(
        as_admin, db, catalog):
    order = held_then(as_admin, db, "approved")
    order_id, number, phone = order.id, order.number, order.buyer.phone
    assert (order.approval, order.status) == ("approved", "pending")
    assert owed(db, order_id) == Decimal("1934.50")
    alerts = sent_alerts(db, number)
    assert {m.conversation.channel for m in alerts} == {"sms", "email"}
    assert all(m.status == "printed" for m in alerts if m.conversation.channel == "sms")
    assert f"New order {number}" in texts_to(db, ANNAPURNA)[-1]
    assert texts_to(db, phone) == [
        f"Your order {number} with Annapurna Traders (Rs 1,934.50) is approved on credit "
        "and has gone to the vendor."]
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "order.approval"))
    assert audit.detail["decision"] == "approved" and audit.staff_id is not None

    # A second click (another tab) changes nothing and charges nothing more.
    again = decide(as_admin, order, "approved", follow_redirects=True)
    assert "not waiting for approval" in again.get_data(as_text=True)
    assert owed(db, order_id) == Decimal("1934.50") and len(sent_alerts(db, number)) == 2


def test_an_approved_order_waits_for_its_vendor_from_the_approval(as_admin, db, catalog):
    order = credit_held(db, make_buyer(db))
    order.created_at = utcnow() - timedelta(hours=5)  # held all morning
    order_id, number = order.id, order.number
    db.flush()
    decide(as_admin, order, "approved")
    rules = {"remind_after": timedelta(minutes=30), "escalate_after": timedelta(minutes=120),
             "max_reminders": 2}
    assert remind_and_escalate(db, utcnow() + timedelta(minutes=5), **rules) == ([], [])
    assert remind_and_escalate(db, utcnow() + timedelta(minutes=31), **rules) == (
        [number], [])
    assert db.get(Order, order_id).escalated_at is None


def test_declining_tells_the_buyer_and_charges_nothing(as_admin, db, catalog):
    order = held_then(as_admin, db, "declined")
    order_id, number, phone = order.id, order.number, order.buyer.phone
    assert (order.approval, order.status) == ("declined", "rejected")
    assert owed(db, order_id) == 0
    assert sent_alerts(db, number) == []
    told = texts_to(db, phone)
    assert len(told) == 1 and f"your order {number} with Annapurna Traders" in told[0]
    assert "not approved" in told[0] and "credit limit" in told[0]


def test_a_held_order_the_buyer_cancelled_cannot_be_approved(as_admin, db, catalog):
    order = credit_held(db, make_buyer(db))
    order.status = "cancelled"
    db.flush()
    refused = decide(as_admin, order, "approved", follow_redirects=True)
    assert "it can only be declined" in refused.get_data(as_text=True)
    assert db.get(Order, order.id).approval == "held"
    assert sent_alerts(db, order.number) == []


def test_staff_status_change_tells_a_nepali_buyer_in_nepali(as_staff, db, catalog):
    buyer = make_buyer(db, language="ne")
    order = make_order(db, buyer)
    number, phone = order.number, buyer.phone
    page = f"/admin/orders/{number}"
    post_form(as_staff, page, f"{page}/status", {"status": "accepted"})
    post_form(as_staff, page, f"{page}/status", {"status": "dispatched"})
    assert texts_to(db, phone) == [
        f"Annapurna Traders ले तपाईंको अर्डर {number} (रु 1,934.50) स्वीकार गर्नुभयो।",
        f"तपाईंको अर्डर {number} Annapurna Traders बाट पठाइएको छ।"]
    assert texts_to(db, ANNAPURNA) == []  # the vendor did it (staff for it): no news to them


def test_staff_cancel_tells_buyer_and_the_alerted_vendor_and_gives_credit_back(
        as_admin, db, catalog):
    buyer = make_buyer(db, language="en")
    order = credit_held(db, buyer, limit="5000")
    number, order_id, phone = order.number, order.id, buyer.phone
    decide(as_admin, order, "approved")
    page = f"/admin/orders/{number}"
    post_form(as_admin, page, f"{page}/status", {"status": "cancelled", "note": "shop closed"})

    assert db.get(Order, order_id).status == "cancelled"
    assert owed(db, order_id) == 0
    assert texts_to(db, phone)[-1] == (
        f"Your order {number} with Annapurna Traders was cancelled by our staff.")
    assert f"Order {number} (Rs 1,934.50, Ram Kirana, Kathmandu) was cancelled by our " \
        "staff" in texts_to(db, ANNAPURNA)[-1]
    assert len(sent_alerts(db, number, "cancelled")) == 2  # SMS and e-mail
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "order")
                        .order_by(AuditEvent.id)).all()
    assert events == ["order.approval", "order.status"]


def test_staff_reject_reroutes_as_a_vendor_reject_does(as_staff, db, catalog):
    rice = db.scalars(select(Product).where(Product.sku == "RICE-MANSULI")).one()
    annapurna = db.scalars(select(Vendor).where(Vendor.code == "V-KTM-ANNAPURNA")).one()
    dairy = db.scalars(select(Vendor).where(Vendor.code == "V-KTM-DAIRY")).one()
    db.add(Listing(vendor_id=dairy.id, product_id=rice.id, price=Decimal("80"),
                   stock=Decimal("1000")))
    buyer = make_buyer(db, language="en")
    order = create_order(db, buyer, annapurna, [ItemSnapshot(
        sku=rice.sku, name=rice.name, quantity=Decimal("25"), unit="kg",
        unit_price=Decimal("77.38"), product_id=rice.id)], actor="test")
    from jobs.alerts import order_placed

    db.flush()
    order_id, number, phone, dairy_id = order.id, order.number, buyer.phone, dairy.id
    order_placed(order_id)  # the vendor was alerted, and never answered (the job ends the session)
    page = f"/admin/orders/{number}"
    post_form(as_staff, page, f"{page}/status", {"status": "rejected", "note": "no answer"})

    told = texts_to(db, phone)
    assert told[0] == f"Annapurna Traders cannot supply your order {number} (no answer)."
    assert told[1].startswith("We passed it to Valley Dairy & Eggs: new order ")
    assert f"Our staff rejected order {number}" in texts_to(db, ANNAPURNA)[-1]
    new = db.scalars(select(Order).where(Order.vendor_id == dairy_id)).one()
    assert sent_alerts(db, new.number)  # the next vendor is alerted


def test_escalated_orders_have_a_filter_and_a_dashboard_count(as_staff, db, catalog):
    buyer = make_buyer(db)
    waiting, answered, quiet = (make_order(db, buyer) for _ in range(3))
    waiting.escalated_at = answered.escalated_at = utcnow()
    answered.status = "accepted"
    db.flush()
    page = as_staff.get("/admin/orders?escalated=yes").get_data(as_text=True)
    assert f">{waiting.number}</a>" in page and f">{answered.number}</a>" in page
    assert f">{quiet.number}</a>" not in page
    pending = as_staff.get("/admin/orders?escalated=yes&status=pending").get_data(as_text=True)
    assert f">{waiting.number}</a>" in pending and f">{answered.number}</a>" not in pending
    dashboard = as_staff.get("/admin/").get_data(as_text=True)
    assert '<b id="stat-escalated">1</b>' in dashboard
    assert "escalated=yes" in dashboard
    detail = as_staff.get(f"/admin/orders/{waiting.number}").get_data(as_text=True)
    assert 'id="escalated"' in detail


def test_vendor_tunables_come_from_the_environment(monkeypatch, app):
    from market.config import setting

    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("ORDER_REMIND_MINUTES", "7")
    monkeypatch.setenv("RFQ_LEADS", "9")
    config = Config.from_env()
    assert (config.ORDER_REMIND_MINUTES, config.RFQ_LEADS) == (7, 9)
    assert (config.ORDER_ESCALATE_MINUTES, config.LEAD_TTL_DAYS) == (120, 3)
    assert setting("RFQ_LEADS") == 5  # the test app was made without them
    app.config["RFQ_LEADS"] = config.RFQ_LEADS
    assert setting("RFQ_LEADS") == 9
