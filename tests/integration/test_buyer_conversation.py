"""Whole buyer conversations through the signed webhook, with PostgreSQL, Redis, RQ
workers in subprocesses and the fake Twilio; orders checked through the JSON API."""
from __future__ import annotations

import json
import time
import urllib.request
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from market.db import db
from market.models import INBOUND, Buyer, Conversation, CreditEntry, Message, Order
from market.orders import transition
from market.staff import create_staff, issue_token

pytestmark = pytest.mark.integration
PHONE = "+9779812340001"
ANNAPURNA_PHONE = "+9779801000001"


class Buyer_:
    """One phone's side of the chat: send a message, wait for the replies it causes."""

    def __init__(self, stack: Any, phone: str = PHONE) -> None:
        self.stack, self.phone = stack, phone

    def replies(self) -> list[str]:
        return [m.body for m in self.stack.twilio.to(f"whatsapp:{self.phone}")]

    def say(self, body: str, expect: int = 1, **extra: str) -> str:
        """Send `body`; wait for `expect` more replies and return them joined."""
        before = len(self.replies())
        status, _ = self.stack.whatsapp(self.phone, body, **extra)
        assert status == 200
        deadline = time.time() + 30
        while len(self.replies()) < before + expect and time.time() < deadline:
            time.sleep(0.05)
        got = self.replies()[before:]
        assert len(got) >= expect, f"no reply to {body!r}; got {got}"
        return "\n".join(got)

    def processed(self) -> None:
        """Wait until every message the buyer sent has been handled."""
        def done() -> bool:
            return db.session.scalar(
                select(func.count(Message.id)).join(Conversation)
                .where(Conversation.address == self.phone, Message.direction == INBOUND,
                       Message.processed_at.is_(None))) == 0
        self.stack.wait(done, what="the buyer's messages to be handled")


def api_token(stack: Any) -> str:
    with stack.app.app_context():
        staff = create_staff(db.session, "ops@example.com", "staff", "a-long-password")
        token = issue_token(db.session, staff)
        db.session.commit()
    return token


def api(stack: Any, token: str, path: str) -> Any:
    request = urllib.request.Request(stack.base_url + path,
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def register(stack: Any, phone: str = PHONE, town: str = "Kathmandu",
             credit_limit: str = "0", language: str = "en") -> None:
    """A buyer registered by staff (the chat skips onboarding)."""
    with stack.app.app_context():
        db.session.add(Buyer(phone=phone, name="Sita", shop_name="Sita Store", town=town,
                             language=language, credit_limit=Decimal(credit_limit),
                             registered_by_staff=True, onboarded=True))
        db.session.commit()


def by_vendor(orders: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["vendor"]["code"]: o for o in orders}


def test_onboarding_order_clarify_edit_confirm_routes_orders_per_vendor(stack):
    stack.load_catalog()
    stack.start_worker()
    token = api_token(stack)
    buyer = Buyer_(stack)

    first = buyer.say("namaste", ProfileName="Ram Thapa")
    assert "what is your name" in first and '"Ram Thapa"' in first
    assert "name of your shop" in buyer.say("1")
    assert "Which town is Ram Kirana in?" in buyer.say("Ram Kirana")
    assert "All set, Ram Thapa!" in buyer.say("kathmandu")

    ask = buyer.say("chini 10 kg, 2 peti coke")  # 500 ml or 2.25 L? the parser is unsure
    assert "1. Coca-Cola 500 ml" in ask and "2. Coca-Cola 2.25 L" in ask
    draft = buyer.say("1")
    assert "Annapurna Traders" in draft and "Himal Distributors" in draft
    edited = buyer.say("sugar 20 kg")
    assert "Sugar: 20 kg × Rs 97.21/kg = Rs 1,944.20" in edited
    edited = buyer.say("add 1 bora chamal")
    assert "Mansuli Rice: 1 sack (25 kg) × Rs 77.38/kg = Rs 1,934.50" in edited
    assert "Grand total: Rs 6,494.22" in edited
    placed = buyer.say("yes")
    assert "Order placed" in placed and "cash on delivery" in placed

    orders = by_vendor(api(stack, token, f"/api/v1/orders?phone={PHONE}"))
    assert set(orders) == {"V-KTM-ANNAPURNA", "V-KTM-HIMAL"}
    annapurna, himal = orders["V-KTM-ANNAPURNA"], orders["V-KTM-HIMAL"]
    assert [(i["sku"], i["quantity"], i["unit"], i["unit_price"], i["subtotal"])
            for i in annapurna["items"]] == [("SUGAR", 20.0, "kg", 97.21, 1944.2),
                                             ("RICE-MANSULI", 25.0, "kg", 77.38, 1934.5)]
    assert annapurna["total"] == 3878.7 and annapurna["currency"] == "NPR"
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in himal["items"]] == [
        ("COKE-500", 48.0, 54.49)]  # 2 cartons of 24, Himal's 3% tier from 25 bottles
    assert himal["total"] == 2615.52
    assert annapurna["status"] == "pending" and annapurna["buyer"]["name"] == "Ram Thapa"
    assert f"#{annapurna['number']}" in placed and f"#{himal['number']}" in placed
    one = api(stack, token, f"/api/v1/orders/{annapurna['number']}")
    assert one["items"] == annapurna["items"]

    # The vendor hears of its order (the vendor side's alert job, enqueued after commit).
    stack.wait(lambda: stack.twilio.to(ANNAPURNA_PHONE), what="Annapurna's order alert")
    # Confirming again places nothing more.
    assert "no order waiting" in buyer.say("yes")
    assert len(api(stack, token, f"/api/v1/orders?phone={PHONE}")) == 2


def test_cancel_before_dispatch_only(stack):
    stack.load_catalog()
    register(stack, language="ne")
    stack.start_worker()
    token = api_token(stack)
    buyer = Buyer_(stack)
    buyer.say("chini 10 kg, 1 bora chamal")
    buyer.say("ho")
    [order] = api(stack, token, f"/api/v1/orders?phone={PHONE}")
    assert f"#{order['number']}" in buyer.say(f"cancel {order['number']}")
    assert api(stack, token, f"/api/v1/orders/{order['number']}")["status"] == "cancelled"

    buyer.say("chini 10 kg")
    buyer.say("ho")
    newest = api(stack, token, f"/api/v1/orders?phone={PHONE}&status=pending")[0]
    with stack.app.app_context():
        row = db.session.scalar(select(Order).where(Order.number == newest["number"]))
        transition(row, "accepted", actor="test")
        transition(row, "dispatched", actor="test")
        db.session.commit()
    refused = buyer.say(f"radda {newest['number']}")
    assert "रद्द गर्न मिल्दैन" in refused
    assert api(stack, token, f"/api/v1/orders/{newest['number']}")["status"] == "dispatched"


def test_reorder_repeats_the_last_order_at_todays_prices(stack):
    stack.load_catalog()
    register(stack, language="hi")
    stack.start_worker()
    token = api_token(stack)
    buyer = Buyer_(stack)
    buyer.say("chini 60 kg, 1 peti coke")
    buyer.say("1") if "Coca-Cola 2.25 L" in buyer.replies()[-1] else None
    buyer.say("haan")
    first = by_vendor(api(stack, token, f"/api/v1/orders?phone={PHONE}"))
    with stack.app.app_context():  # the price of sugar goes up before the buyer reorders
        from market.models import Listing, Product
        listing = db.session.scalar(select(Listing).join(Product).where(
            Product.sku == "SUGAR", Listing.vendor.has(code="V-KTM-ANNAPURNA")))
        listing.price = Decimal("101.00")
        db.session.commit()
    again = buyer.say("dobara")
    assert again.startswith("आपका पिछला ऑर्डर, आज के दाम पर:")
    assert "95.95" in again  # 101.00 less the 5% tier from 50 kg
    buyer.say("haan")
    orders = api(stack, token, f"/api/v1/orders?phone={PHONE}")
    assert len(orders) == 4
    repeat = by_vendor(orders[:2])
    assert {k: [(i["sku"], i["quantity"]) for i in o["items"]] for k, o in repeat.items()} == {
        k: [(i["sku"], i["quantity"]) for i in o["items"]] for k, o in first.items()}
    assert repeat["V-KTM-ANNAPURNA"]["items"][0]["unit_price"] == 95.95


def test_order_over_the_credit_limit_waits_for_staff(stack):
    stack.load_catalog()
    result = stack.cli("buyer", "create", PHONE, "--name", "Hari", "--shop", "Hari Store",
                       "--town", "Kathmandu", "--credit-limit", "2500", "--language", "en")
    assert result.returncode == 0, result.stderr
    stack.start_worker()
    token = api_token(stack)
    buyer = Buyer_(stack)
    buyer.say("chini 20 kg")  # Rs 1,944.20: within the limit, charged on credit
    assert "on credit" in buyer.say("yes")
    buyer.say("chini 10 kg")  # Rs 972.10 more would pass 2,500
    held = buyer.say("yes")
    assert "wait for our staff to approve" in held
    orders = api(stack, token, f"/api/v1/orders?phone={PHONE}")
    assert [(o["total"], o["approval"], o["payment_method"]) for o in orders] == [
        (972.1, "held", "credit"), (1944.2, "none", "credit")]
    with stack.app.app_context():
        owed = db.session.scalar(select(func.sum(CreditEntry.amount)))
    assert owed == Decimal("1944.20")
    assert "waiting for credit approval" in buyer.say("status")


def test_agent_handoff_keeps_the_bot_silent(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    buyer = Buyer_(stack)
    assert "someone from our team" in buyer.say("agent")
    stack.whatsapp(PHONE, "2 bora chamal")
    stack.whatsapp(PHONE, "help")
    buyer.processed()
    time.sleep(0.5)
    assert len(buyer.replies()) == 1
    with stack.app.app_context():  # staff hand the chat back in the admin
        conv = db.session.scalar(select(Conversation).where(Conversation.address == PHONE))
        conv.handoff_until = None
        db.session.commit()
    assert "Mansuli Rice" in buyer.say("2 bora chamal")


def test_two_messages_sent_at_once_are_handled_in_order(stack):
    stack.load_catalog()
    register(stack)
    stack.start_worker()
    stack.start_worker()
    token = api_token(stack)
    buyer = Buyer_(stack)
    stack.whatsapp(PHONE, "chini 10 kg, 1 bora chamal")
    stack.whatsapp(PHONE, "yes")
    stack.wait(lambda: len(buyer.replies()) >= 2, what="two replies")
    draft, placed = buyer.replies()[:2]
    assert draft.startswith("Your order:") and placed.startswith("Order placed")
    [order] = api(stack, token, f"/api/v1/orders?phone={PHONE}")
    assert order["total"] == 2906.6
