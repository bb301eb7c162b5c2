"""The vendor side end to end: signed webhooks, PostgreSQL, Redis, an RQ worker, the fake
Twilio and a local SMTP server. Vendors answer by SMS; buyers hear about it on WhatsApp."""
from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from market.db import db, utcnow
from market.models import (
    RFQ,
    Buyer,
    Conversation,
    Listing,
    Message,
    Product,
    Subscription,
    Vendor,
)
from market.orders import ItemSnapshot, create_order
from market.staff import create_staff, issue_token
from market.tasks import enqueue
from tests.fakes.smtp import FakeSMTP

BUYER = "+9779812000001"
ANNAPURNA, HIMAL, SAGARMATHA, DAIRY = (f"+977980100000{i}" for i in (1, 2, 3, 6))


@dataclass
class Market:
    stack: Any
    smtp: FakeSMTP
    token: str

    def api(self, path: str) -> Any:
        request = urllib.request.Request(self.stack.base_url + "/api/v1" + path,
                                         headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def run(self, job_name: str, *args: Any) -> None:
        """Enqueue a job for the worker by name, as the service does after a commit."""
        with self.stack.app.app_context():
            enqueue(job_name, *args)

    def sms_with(self, phone: str, needle: str) -> str:
        """The SMS to `phone` that contains `needle`, once it has been sent."""
        def found() -> str | None:
            return next((m.body for m in self.stack.twilio.to(phone)
                         if not m.to.startswith("whatsapp:") and needle in m.body), None)
        return self.stack.wait(found, what=f"an SMS to {phone} saying {needle!r}")

    def whatsapp_with(self, phone: str, needle: str) -> str:
        def found() -> str | None:
            return next((m.body for m in self.stack.twilio.to(f"whatsapp:{phone}")
                         if needle in m.body), None)
        return self.stack.wait(found, what=f"a WhatsApp to {phone} saying {needle!r}")

    def place(self, code: str, lines: list[tuple[str, int, str]]) -> str:
        """An order made as the buyer flow makes it, then the alert job through the worker."""
        with self.stack.app.app_context():
            session = db.session
            buyer = session.scalars(select(Buyer).where(Buyer.phone == BUYER)).one()
            seller = session.scalars(select(Vendor).where(Vendor.code == code)).one()
            items = []
            for sku, qty, unit in lines:
                product = session.scalars(select(Product).where(Product.sku == sku)).one()
                listing = session.scalars(select(Listing).where(
                    Listing.product_id == product.id, Listing.vendor_id == seller.id)).one()
                items.append(ItemSnapshot(
                    sku=sku, name=product.name, quantity=Decimal(qty), unit=unit,
                    unit_price=listing.price * Decimal(str(product.pack_units.get(unit, 1))),
                    product_id=product.id))
            order = create_order(session, buyer, seller, items, actor="test")
            order_id, number = order.id, order.number
            session.commit()
        self.run("jobs.alerts.order_placed", order_id)
        return number

    def edit(self, fn: Any) -> None:
        with self.stack.app.app_context():
            fn(db.session)
            db.session.commit()


@pytest.fixture
def market(stack):
    """The demo catalog, a registered Kathmandu buyer, an API token, a worker that mails
    through a local SMTP server."""
    with FakeSMTP() as smtp:
        stack.env["SMTP_URL"] = smtp.url
        stack.load_catalog()
        with stack.app.app_context():
            buyer = Buyer(phone=BUYER, name="Sita", shop_name="Sita Kirana Pasal",
                          town="Kathmandu", language="en", onboarded=True,
                          registered_by_staff=True)
            db.session.add(buyer)
            db.session.flush()
            # She has written on WhatsApp lately, as a buyer who orders has: her 24-hour
            # window is open, so what she is told goes free-form (market/window.py).
            conv = Conversation(channel="whatsapp", address=BUYER, buyer_id=buyer.id,
                                state="idle", slots={})
            db.session.add(conv)
            db.session.flush()
            db.session.add(Message(conversation_id=conv.id, direction="in", channel="whatsapp",
                                   provider_id="SMsitawrote", body="hi", media=[], meta={},
                                   status="processed", processed_at=utcnow()))
            staff = create_staff(db.session, "ops@example.com", "staff", "correct horse")
            token = issue_token(db.session, staff)
            db.session.commit()
        stack.start_worker()
        yield Market(stack, smtp, token)


def test_order_alert_accept_dispatch_deliver_with_the_buyer_told(market):
    stack = market.stack
    number = market.place("V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    alert = market.sms_with(ANNAPURNA, f"New order {number}")
    assert "Sita Kirana Pasal, Kathmandu" in alert and "Mansuli Rice — 2 sack" in alert
    assert f"ACCEPT {number}" in alert and "Total: Rs 3,869.00" in alert
    mail = market.smtp.wait_for("orders@annapurna.example")
    assert len(mail) == 1 and mail[0].subject.startswith(f"New order {number}")
    assert f"REJECT {number}" in mail[0].body

    stack.sms(HIMAL, f"accept {number}")
    assert "not one of your orders" in market.sms_with(HIMAL, number)
    assert market.api(f"/orders/{number}")["status"] == "pending"

    stack.sms(ANNAPURNA, f"accept {number}")
    market.sms_with(ANNAPURNA, f"Order {number} is now accepted")
    market.whatsapp_with(BUYER, f"Annapurna Traders accepted your order {number}")
    stack.sms(ANNAPURNA, f"delivered {number}")
    market.sms_with(ANNAPURNA, "cannot be marked delivered")
    stack.sms(ANNAPURNA, f"pathaye {number}")
    market.whatsapp_with(BUYER, f"Your order {number} is on its way")
    stack.sms(ANNAPURNA, f"{number} pugyo")
    market.whatsapp_with(BUYER, f"marked your order {number} as delivered")
    assert market.api(f"/orders/{number}")["status"] == "delivered"


def test_reject_reroutes_to_the_next_vendor(market):
    def second_rice_vendor(session):
        rice = session.scalars(select(Product).where(Product.sku == "RICE-MANSULI")).one()
        dairy = session.scalars(select(Vendor).where(Vendor.code == "V-KTM-DAIRY")).one()
        session.add(Listing(vendor_id=dairy.id, product_id=rice.id, price=Decimal("80"),
                            stock=Decimal("1000")))
    market.edit(second_rice_vendor)
    number = market.place("V-KTM-ANNAPURNA", [("RICE-MANSULI", 2, "sack")])
    market.sms_with(ANNAPURNA, f"New order {number}")
    market.stack.sms(ANNAPURNA, f"reject {number} stock sakiyo")
    market.whatsapp_with(BUYER, "cannot supply your order")
    rerouted = market.whatsapp_with(BUYER, "Valley Dairy & Eggs: new order")
    orders = {o["number"]: o for o in market.api(f"/orders?phone={BUYER}")}
    assert orders[number]["status"] == "rejected"
    (new,) = [o for o in orders.values() if o["number"] != number]
    assert new["vendor"]["code"] == "V-KTM-DAIRY" and new["total"] == 4000.0
    assert new["number"] in rerouted
    market.sms_with(DAIRY, f"New order {new['number']}")


def test_rfq_leads_unlocks_quotes_and_accepted_quote(market):
    stack = market.stack
    market.edit(lambda s: setattr(_subscription(s, "V-KTM-DAIRY"), "credits_remaining", 0))
    stack.whatsapp(BUYER, "quote organic quinoa 10 kg")
    rfq = stack.wait(lambda: db.session.scalars(select(RFQ)).first(), what="an RFQ")
    number = rfq.number
    stack.wait(lambda: market.api(f"/rfqs/{number}")["leads"], what="leads")
    leads = market.api(f"/rfqs/{number}")["leads"]
    assert len(leads) == 5 and not any(lead["unlocked"] for lead in leads)
    assert [lead["score"] for lead in leads] == sorted((lead["score"] for lead in leads),
                                                       reverse=True)
    assert "V-KTM-EVEREST" not in {lead["vendor"] for lead in leads}
    locked = market.sms_with(ANNAPURNA, f"New request {number}")
    assert "quinoa" in locked and "Kathmandu" in locked
    for secret in (BUYER, "Sita"):
        assert secret not in locked
    market.whatsapp_with(BUYER, f"request {number}")

    stack.sms(ANNAPURNA, f"unlock {number}")
    assert BUYER in market.sms_with(ANNAPURNA, "free with your plan")
    stack.sms(SAGARMATHA, f"unlock {number}")
    assert BUYER in market.sms_with(SAGARMATHA, "1 credit used, 2 left")
    stack.sms(DAIRY, f"unlock {number}")
    assert BUYER not in market.sms_with(DAIRY, "no unlock credits left")

    stack.sms(ANNAPURNA, f"quote {number} 520 per kg, delivery today")
    market.whatsapp_with(BUYER, f"Quote 1 for {number}: Rs 520.00 per kg")
    stack.sms(SAGARMATHA, f"quote {number} 480 per kg, delivery tomorrow")
    assert market.whatsapp_with(BUYER, f"Quote 2 for {number}") == (
        f"Quote 2 for {number}: Rs 480.00 per kg from a verified vendor in Lalitpur, "
        "delivery tomorrow — reply ACCEPT QUOTE 2")

    stack.whatsapp(BUYER, "accept quote 2")
    stack.wait(lambda: market.api(f"/rfqs/{number}")["status"] == "closed", what="closed RFQ")
    detail = market.api(f"/rfqs/{number}")
    assert [(q["number"], q["vendor"], q["status"]) for q in detail["quotes"]] == [
        (1, "V-KTM-ANNAPURNA", "declined"), (2, "V-LTP-SAGARMATHA", "accepted")]
    unlocked = {lead["vendor"]: lead["unlocked_via"] for lead in detail["leads"]
                if lead["unlocked"]}
    assert unlocked == {"V-KTM-ANNAPURNA": "plan", "V-LTP-SAGARMATHA": "credit"}
    (order,) = market.api(f"/orders?phone={BUYER}")
    assert order["vendor"]["code"] == "V-LTP-SAGARMATHA" and order["total"] == 4800.0
    market.sms_with(SAGARMATHA, f"New order {order['number']}")
    market.sms_with(ANNAPURNA, f"Request {number}")
    assert "closed" in market.sms_with(ANNAPURNA, "the buyer chose another offer")


def _subscription(session, code: str) -> Subscription:
    return session.scalars(select(Subscription).join(Vendor).where(
        Vendor.code == code, Subscription.status == "active")).one()


def _open_rfq(market: Market, text: str) -> str:
    """An RFQ opened as the buyer flow opens one: routed to vendors, who are alerted."""
    from market import rfqs

    with market.stack.app.app_context():
        buyer = db.session.scalars(select(Buyer).where(Buyer.phone == BUYER)).one()
        rfq = rfqs.open_and_route(db.session, buyer, text=text, quantity=5, unit="sack",
                                  needed_by=None, conversation_id=None, now=utcnow())
        number = rfq.number
        db.session.commit()
    market.stack.wait(lambda: market.api(f"/rfqs/{number}")["leads"], what="leads")
    return number


def test_rfq_expires_and_the_buyer_is_told(market):
    number = _open_rfq(market, "basmati chamal premium")
    assert [lead["vendor"] for lead in market.api(f"/rfqs/{number}")["leads"]] == [
        "V-KTM-ANNAPURNA", "V-BKT-NYATAPOLA"]
    market.sms_with(ANNAPURNA, f"New request {number}")

    def past_due(session):
        session.scalars(select(RFQ)).one().expires_at = utcnow() - timedelta(minutes=1)
    market.edit(past_due)
    market.run("jobs.vendor_duties.expire_rfqs")
    market.whatsapp_with(BUYER, f"Your request {number} (basmati chamal premium) expired")
    assert market.api(f"/rfqs/{number}")["status"] == "expired"
    market.stack.sms(ANNAPURNA, f"unlock {number}")
    market.sms_with(ANNAPURNA, f"Request {number} is expired")


def test_monthly_credit_reset_gives_unlocks_back(market):
    def spent(days_ago: int):
        def edit(session):
            sub = _subscription(session, "V-LTP-SAGARMATHA")
            sub.credits_remaining = 0
            sub.credits_reset_at = utcnow() - timedelta(days=days_ago)
        return edit
    # Spent ten days after the last reset: nothing comes back, whenever the duty runs.
    market.edit(spent(10))
    number = _open_rfq(market, "organic quinoa")
    market.stack.sms(SAGARMATHA, f"unlock {number}")
    market.sms_with(SAGARMATHA, "no unlock credits left")
    market.edit(spent(32))
    market.run("jobs.vendor_duties.reset_lead_credits")
    market.stack.wait(lambda: _subscription(db.session, "V-LTP-SAGARMATHA").credits_remaining
                      == 3, what="credits reset")
    market.stack.sms(SAGARMATHA, f"unlock {number}")
    assert BUYER in market.sms_with(SAGARMATHA, "1 credit used, 2 left")
