"""The vendor side at the service level (PostgreSQL, one rolled-back transaction per test,
jobs inline): vendor answers, re-routing, RFQ scoring, unlocks, quotes, expiry, lead credits,
reminders."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conversation.actions import AcceptQuote, OpenRFQ
from conversation.types import Event
from market import plans, rfqs
from market.db import utcnow
from market.engine import handle_inbound, run_engine
from market.messaging import Inbound, store_inbound
from market.models import (
    OUTBOUND,
    RFQ,
    AuditEvent,
    Buyer,
    Conversation,
    Lead,
    Listing,
    Message,
    Order,
    Product,
    Subscription,
    Vendor,
)
from market.orders import ItemSnapshot, create_order
from market.vendor_orders import remind_and_escalate

BUYER = "+9779812000001"
ANNAPURNA, HIMAL, SAGARMATHA, NYATAPOLA, DAIRY = (f"+977980100000{i}" for i in (1, 2, 3, 4, 6))


@pytest.fixture
def buyer(db, catalog) -> Buyer:
    """A Kathmandu shopkeeper registered by staff, on the demo catalog."""
    found = Buyer(phone=BUYER, name="Sita", shop_name="Sita Kirana Pasal", town="Kathmandu",
                  language="en", onboarded=True, registered_by_staff=True)
    db.add(found)
    db.flush()
    return found


def vendor(db, code: str) -> Vendor:
    return db.scalars(select(Vendor).where(Vendor.code == code)).one()


def place(db, buyer: Buyer, code: str, lines: list[tuple[str, int, str]]) -> Order:
    """An order priced from the vendor's listings, as the buyer flow makes it."""
    seller = vendor(db, code)
    items = []
    for sku, qty, unit in lines:
        product = db.scalars(select(Product).where(Product.sku == sku)).one()
        listing = db.scalars(select(Listing).where(Listing.product_id == product.id,
                                                   Listing.vendor_id == seller.id)).one()
        factor = Decimal(str(product.pack_units.get(unit, 1)))
        items.append(ItemSnapshot(sku=sku, name=product.name, quantity=Decimal(qty), unit=unit,
                                  unit_price=listing.price * factor, product_id=product.id))
    order = create_order(db, buyer, seller, items, actor="test")
    db.flush()
    return order


def says(db, phone: str, body: str, channel: str = "sms") -> list[str]:
    """Someone's message handled by the engine; returns the replies on that conversation."""
    conv_id, message_id = store_inbound(db, Inbound(channel, phone, "SM" + uuid.uuid4().hex,
                                                    body))
    conv = db.get(Conversation, conv_id)
    before = len(sent_to(db, phone, channel))
    handle_inbound(db, conv, db.get(Message, message_id))
    db.flush()
    return sent_to(db, phone, channel)[before:]


def sent_to(db, address: str, channel: str | None = None) -> list[str]:
    query = (select(Message.body).join(Conversation)
             .where(Message.direction == OUTBOUND, Conversation.address == address))
    if channel:
        query = query.where(Conversation.channel == channel)
    return list(db.scalars(query.order_by(Message.id)))


def test_accept_dispatch_deliver_moves_the_order_and_tells_the_buyer(db, buyer):
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    assert "accepted" in says(db, ANNAPURNA, "accept " + order.number)[0]
    assert order.status == "accepted"
    assert "dispatched" in says(db, ANNAPURNA, "pathaye " + order.number)[0]
    assert "delivered" in says(db, ANNAPURNA, f"{order.number} pugyo")[0]
    assert order.status == "delivered"
    told = sent_to(db, BUYER, "whatsapp")
    assert [("accepted" in told[0]), ("on its way" in told[1]), ("delivered" in told[2])] == [
        True, True, True]
    assert [e.to_status for e in order.events] == ["pending", "accepted", "dispatched",
                                                   "delivered"]
    assert order.events[1].actor == "vendor:V-KTM-ANNAPURNA"


def test_other_vendors_and_wrong_moves_are_refused(db, buyer):
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    reply = says(db, HIMAL, "accept " + order.number)
    assert "not one of your orders" in reply[0]
    assert order.status == "pending"
    reply = says(db, ANNAPURNA, "delivered " + order.number)
    assert "is pending; it cannot be marked delivered" in reply[0]
    assert "not one of your orders" in says(db, ANNAPURNA, "accept 999999")[0]
    assert sent_to(db, BUYER) == []


def test_buyer_is_told_in_nepali(db, buyer):
    buyer.language = "ne"
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    says(db, ANNAPURNA, "swikar " + order.number)
    assert "स्वीकार" in sent_to(db, BUYER)[0]


def test_rejected_lines_go_to_the_next_vendor_or_the_buyer_is_told(db, buyer):
    # A second Kathmandu vendor for rice, dearer; nobody else has the mustard oil.
    rice = db.scalars(select(Product).where(Product.sku == "RICE-MANSULI")).one()
    db.add(Listing(vendor_id=vendor(db, "V-KTM-DAIRY").id, product_id=rice.id,
                   price=Decimal("80"), stock=Decimal("1000")))
    db.flush()
    order = place(db, buyer, "V-KTM-ANNAPURNA",
                  [("RICE-MANSULI", 2, "sack"), ("OIL-DHARA-1L", 3, "bottle")])
    says(db, ANNAPURNA, f"reject {order.number} stock sakiyo")
    assert order.status == "rejected" and order.reject_reason == "stock sakiyo"
    new = db.scalars(select(Order).where(Order.id != order.id)).one()
    assert new.vendor.code == "V-KTM-DAIRY" and new.status == "pending"
    assert [(i.sku, i.quantity, i.unit, i.unit_price) for i in new.items] == [
        ("RICE-MANSULI", Decimal("2"), "sack", Decimal("2000.00"))]
    assert any(new.number in body for body in sent_to(db, DAIRY, "sms"))
    told = "\n".join(sent_to(db, BUYER))
    assert "stock sakiyo" in told and new.number in told
    assert "no other supplier has Dhara Mustard Oil 1 L" in told
    # The second vendor rejects too: nobody is left, and the first is not asked again.
    says(db, DAIRY, f"reject {new.number} no truck")
    assert db.scalar(select(func.count(Order.id))) == 2
    assert "no other supplier has Mansuli Rice" in sent_to(db, BUYER)[-1]


def open_rfq(db, buyer, text="organic quinoa", quantity=10.0, unit="kg") -> RFQ:
    conv_id, _ = store_inbound(db, Inbound("whatsapp", buyer.phone, "SM" + uuid.uuid4().hex, ""))
    conv = db.get(Conversation, conv_id)
    conv.buyer_id = buyer.id
    from market.vendor_flow import open_rfq as apply_open_rfq

    apply_open_rfq(db, conv, OpenRFQ(text=text, quantity=quantity, unit=unit))
    db.flush()
    return db.scalars(select(RFQ).order_by(RFQ.id.desc())).first()


def test_rfq_goes_to_the_best_vendors_of_the_category_as_locked_leads(db, buyer):
    rfq = open_rfq(db, buyer, "basmati chamal premium", 10, "sack")
    assert rfq.number == f"R{rfq.id}" and rfq.category == "staples" and rfq.town == "Kathmandu"
    codes = [lead.vendor.code for lead in rfq.leads]
    # Only staples vendors that deliver to Kathmandu; verified premium first.
    assert codes == ["V-KTM-ANNAPURNA", "V-BKT-NYATAPOLA"]
    assert all(lead.locked for lead in rfq.leads)
    alert = sent_to(db, ANNAPURNA, "sms")[-1]
    assert rfq.number in alert and "basmati chamal premium" in alert and "10 sack" in alert
    assert "Kathmandu" in alert
    for secret in (BUYER, "Sita"):
        assert secret not in alert
    assert f"request {rfq.number}" in sent_to(db, BUYER)[-1]


def test_rfq_without_a_category_goes_to_at_most_five_and_skips_rejected(db, buyer):
    rfq = open_rfq(db, buyer)
    codes = {lead.vendor.code for lead in rfq.leads}
    assert len(codes) == 5 and "V-KTM-EVEREST" not in codes
    assert all(c.startswith(("V-KTM", "V-LTP", "V-BKT")) for c in codes)


def test_unlock_by_plan_by_credit_and_without_credits(db, buyer):
    rfq = open_rfq(db, buyer)
    now = utcnow()
    premium = says(db, ANNAPURNA, f"unlock {rfq.number}")[0]
    assert "free with your plan" in premium and BUYER in premium and "Sita Kirana" in premium
    sub = db.scalars(select(Subscription).where(
        Subscription.vendor_id == vendor(db, "V-LTP-SAGARMATHA").id)).one()
    assert sub.credits_remaining == 3
    paid = says(db, SAGARMATHA, f"unlock {rfq.number}")[0]
    assert "1 credit used, 2 left" in paid and BUYER in paid
    again = says(db, SAGARMATHA, f"UNLOCK {rfq.number}")[0]
    assert "already unlocked" in again and sub.credits_remaining == 2
    dairy = db.scalars(select(Subscription).where(
        Subscription.vendor_id == vendor(db, "V-KTM-DAIRY").id)).one()
    dairy.credits_remaining = 0
    refused = says(db, DAIRY, f"unlock {rfq.number}")[0]
    assert "no unlock credits left" in refused and BUYER not in refused
    leads = {lead.vendor.code: lead for lead in db.scalars(select(Lead))}
    assert leads["V-KTM-ANNAPURNA"].unlocked_via == "plan"
    assert leads["V-LTP-SAGARMATHA"].unlocked_via == "credit"
    assert leads["V-LTP-SAGARMATHA"].unlocked_at >= now
    assert leads["V-KTM-DAIRY"].locked
    assert "no request" in says(db, "+9779801000005", f"unlock {rfq.number}")[0]


def test_at_most_n_vendors_unlock_one_rfq(db, buyer):
    rfq = open_rfq(db, buyer)
    rfq.max_unlocks = 1
    says(db, ANNAPURNA, f"unlock {rfq.number}")
    assert "already been unlocked by 1" in says(db, SAGARMATHA, f"unlock {rfq.number}")[0]


def test_quote_reaches_the_buyer_and_accepting_makes_an_order(db, buyer):
    rfq = open_rfq(db, buyer, "organic quinoa", 10, "kg")
    assert "UNLOCK" in says(db, ANNAPURNA, f"quote {rfq.number} 500 per kg")[0]
    says(db, ANNAPURNA, f"unlock {rfq.number}")
    says(db, SAGARMATHA, f"unlock {rfq.number}")
    assert "quote 1" in says(db, ANNAPURNA, f"quote {rfq.number} 520 per kg, delivery today")[0]
    assert "quote 2" in says(db, SAGARMATHA, f"quote {rfq.number} 480 per kg, delivery tomorrow")[0]
    told = sent_to(db, BUYER)
    assert told[-1] == (f"Quote 2 for {rfq.number}: Rs 480.00 per kg from a verified vendor in "
                        "Lalitpur, delivery tomorrow — reply ACCEPT QUOTE 2")
    conv = db.scalars(select(Conversation).where(Conversation.address == BUYER)).one()
    run_engine_action(db, conv, AcceptQuote(position=2))
    order = db.scalars(select(Order).where(Order.rfq_id == rfq.id)).one()
    assert order.vendor.code == "V-LTP-SAGARMATHA" and order.total == Decimal("4800.00")
    assert [(i.name, i.quantity, i.unit) for i in order.items] == [
        ("organic quinoa", Decimal("10"), "kg")]
    assert rfq.status == "closed"
    assert [q.status for q in rfq.quotes] == ["declined", "accepted"]
    assert order.number in sent_to(db, SAGARMATHA, "sms")[-1]
    assert "closed" in sent_to(db, ANNAPURNA, "sms")[-1]
    assert order.number in sent_to(db, BUYER)[-1]
    assert "closed" in says(db, DAIRY, f"unlock {rfq.number}")[0]


def run_engine_action(db, conv, action) -> None:
    from market.engine import APPLIERS

    APPLIERS[type(action)](db, conv, action)
    db.flush()


def test_rfq_expiry_tells_the_buyer_and_the_vendors(db, buyer):
    rfq = open_rfq(db, buyer)
    assert rfqs.expire_due(db, utcnow()) == []
    assert rfqs.expire_due(db, utcnow() + timedelta(days=3, minutes=1)) == [rfq.number]
    assert rfq.status == "expired"
    assert "expired with no quotes" in sent_to(db, BUYER)[-1]
    assert "it expired" in sent_to(db, ANNAPURNA, "sms")[-1]
    assert "expired" in says(db, ANNAPURNA, f"unlock {rfq.number}")[0]


def test_monthly_credit_reset_and_expired_subscriptions(db, buyer):
    subs = {s.vendor.code: s for s in db.scalars(select(Subscription))}
    now = utcnow()
    free, dairy = subs["V-LTP-SAGARMATHA"], subs["V-KTM-DAIRY"]
    free.credits_remaining, free.credits_reset_at = 0, now - timedelta(days=32)
    dairy.credits_remaining, dairy.credits_reset_at = 0, now - timedelta(days=10)
    subs["V-BRT-KOSHI"].expires_at = now - timedelta(days=1)
    assert plans.reset_lead_credits(db, now) == 1
    assert (free.credits_remaining, dairy.credits_remaining) == (3, 0)
    assert subs["V-BRT-KOSHI"].status == "expired"
    assert subs["V-BRT-KOSHI"].credits_remaining == 0


def test_unanswered_orders_are_reminded_then_escalated(db, buyer):
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    now = order.created_at
    rules = {"remind_after": timedelta(minutes=30), "escalate_after": timedelta(minutes=120),
             "max_reminders": 2}
    assert remind_and_escalate(db, now + timedelta(minutes=10), **rules) == ([], [])
    assert remind_and_escalate(db, now + timedelta(minutes=31), **rules) == (
        [order.number], [])
    assert remind_and_escalate(db, now + timedelta(minutes=40), **rules) == ([], [])
    assert "Reminder" in sent_to(db, ANNAPURNA, "sms")[-1]
    assert remind_and_escalate(db, now + timedelta(minutes=121), **rules) == (
        [], [order.number])
    assert order.escalated_at is not None
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "order.escalated")).one()
    assert audit.target_id == order.number


def test_order_alert_job_alerts_each_channel_once(db, buyer):
    from jobs.alerts import order_placed

    seller = vendor(db, "V-KTM-ANNAPURNA")
    seller.alert_channels = ["sms", "whatsapp", "email"]
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    order_id, number = order.id, order.number
    assert order_placed(order_id) == 3
    assert order_placed(order_id) == 0
    bodies = sent_to(db, ANNAPURNA, "sms") + sent_to(db, ANNAPURNA, "whatsapp")
    bodies += sent_to(db, "orders@annapurna.example", "email")
    assert len(bodies) == 3
    for body in bodies:
        assert f"New order {number}" in body and "Sita Kirana Pasal, Kathmandu" in body
        assert "Mansuli Rice — 2 sack × Rs 1,934.50 = Rs 3,869.00" in body
        assert f"ACCEPT {number}" in body
    email = db.scalars(select(Message).join(Conversation).where(
        Conversation.channel == "email")).one()
    assert email.meta["subject"] == f"New order {number} from Sita Kirana Pasal, Kathmandu"


def test_unused_engine_event_kinds_get_help(db, buyer):
    conv_id, _ = store_inbound(db, Inbound("sms", ANNAPURNA, "SM" + uuid.uuid4().hex, "hi"))
    conv = db.get(Conversation, conv_id)
    conv.vendor_id = vendor(db, "V-KTM-ANNAPURNA").id
    run_engine(db, conv, Event(kind="image", now=utcnow(), media_count=1))
    assert "ACCEPT <n>" in sent_to(db, ANNAPURNA)[-1]


def test_cancelled_order_is_told_to_the_vendor_once(db, buyer):
    from jobs.alerts import order_cancelled, order_placed
    from market.orders import transition

    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    order_id, number = order.id, order.number
    order_placed(order_id)
    order = db.get(Order, order_id)
    transition(order, "cancelled", actor="buyer")
    db.flush()
    assert order_cancelled(order_id) == 2  # SMS and e-mail, as the catalog sets them
    assert order_cancelled(order_id) == 0
    assert f"Order {number}" in sent_to(db, ANNAPURNA)[-1]
    assert "cancelled by the buyer" in sent_to(db, ANNAPURNA)[-1]


def test_rejected_credit_order_comes_off_the_account_and_the_new_one_goes_on(db, buyer):
    from market import ledger

    rice = db.scalars(select(Product).where(Product.sku == "RICE-MANSULI")).one()
    db.add(Listing(vendor_id=vendor(db, "V-KTM-DAIRY").id, product_id=rice.id,
                   price=Decimal("80"), stock=Decimal("1000")))
    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    order.payment_method = "credit"
    ledger.charge_order(db, order)
    db.flush()
    assert ledger.balance(db, buyer.id) == order.total
    says(db, ANNAPURNA, f"reject {order.number} no stock")
    assert ledger.balance(db, buyer.id) == Decimal("2000.00")


def test_the_sweeper_alerts_an_order_whose_alert_job_was_lost(db, buyer):
    from jobs.sweeper import sweep

    lost = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 1, "sack")])
    lost.created_at = utcnow() - timedelta(minutes=5)
    fresh = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    held = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 3, "sack")])
    held.created_at, held.approval = utcnow() - timedelta(minutes=5), "held"
    numbers = lost.number, fresh.number, held.number
    db.commit()  # as the buyer flow commits; its alert job was then lost
    assert sent_to(db, ANNAPURNA) == []
    assert sweep()["order_alerts"] == 1
    alerts = sent_to(db, ANNAPURNA)
    assert alerts and all(f"New order {numbers[0]}" in body for body in alerts)
    assert not any(number in body for body in alerts for number in numbers[1:])
    assert sweep()["order_alerts"] == 0  # alerted now: never twice


def test_the_buyer_reads_one_order_amount_the_same_way_everywhere(db, buyer):
    from market.buyer_flow import placed_message

    order = place(db, buyer, "V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    receipt = placed_message([order], "en")
    accepted = says(db, ANNAPURNA, "accept " + order.number) and sent_to(db, BUYER)[-1]
    assert "Rs 3,869.00" in receipt and "Rs 3,869.00" in accepted
    assert "NPR" not in receipt + accepted
