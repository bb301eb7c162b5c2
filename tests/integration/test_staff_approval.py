"""A buyer's order held over the credit limit, approved by an admin in the web admin, goes on
as if it had been placed within the limit: the vendor gets the order alert by SMS (real RQ
worker, fake Twilio) and the buyer hears on WhatsApp that it was approved."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.db import db
from market.models import CreditEntry, Message, Order
from market.staff import create_staff
from tests.integration.test_buyer_conversation import PHONE, Buyer_, register
from tests.web.conftest import PASSWORD, login, post_form

pytestmark = pytest.mark.integration
ANNAPURNA = "+9779801000001"


def test_a_held_order_approved_in_the_admin_reaches_the_vendor_and_the_buyer(stack):
    stack.load_catalog()
    register(stack, credit_limit="500")
    with stack.app.app_context():
        create_staff(db.session, "boss@example.com", "admin", PASSWORD)
        db.session.commit()
    stack.start_worker()
    buyer = Buyer_(stack)
    buyer.say("chini 10 kg")  # Rs 972.10 on a Rs 500 limit
    assert "wait for our staff to approve" in buyer.say("yes")
    with stack.app.app_context():
        order = db.session.scalars(select(Order)).one()
        number, order_id, total = order.number, order.id, order.total
        assert (order.approval, order.vendor.phone) == ("held", ANNAPURNA)
        # Placed and committed before the reply went out: nothing queued for the vendor.
        assert db.session.scalar(select(func.count(Message.id)).where(
            Message.meta["order"].as_string() == number)) == 0

    admin = stack.app.test_client()
    assert login(admin, "boss@example.com").status_code == 302
    page = f"/admin/orders/{number}"
    done = post_form(admin, page, f"{page}/approval", {"decision": "approved"},
                     follow_redirects=True)
    assert f"Order {number}: credit approved." in done.get_data(as_text=True)

    def vendor_alert() -> str | None:
        return next((m.body for m in stack.twilio.to(ANNAPURNA)
                     if f"New order {number}" in m.body), None)

    alert = stack.wait(vendor_alert, what=f"the SMS alert of order {number} to Annapurna")
    assert "Sita Store, Kathmandu" in alert and f"ACCEPT {number}" in alert

    def approval_told() -> str | None:
        return next((m.body for m in stack.twilio.to(f"whatsapp:{PHONE}")
                     if "approved on credit" in m.body), None)

    told = stack.wait(approval_told, what="the buyer to hear of the approval")
    assert told == (f"Your order {number} with Annapurna Traders (Rs 972.10) is approved on "
                    "credit and has gone to the vendor.")
    with stack.app.app_context():
        owed = db.session.scalar(select(func.sum(CreditEntry.amount))
                                 .where(CreditEntry.order_id == order_id))
    assert owed == total == Decimal("972.10")

    # The vendor answers the approved order as any other; the buyer hears of it.
    stack.sms(ANNAPURNA, f"accept {number}")
    stack.wait(lambda: any(f"accepted your order {number}" in m.body
                           for m in stack.twilio.to(f"whatsapp:{PHONE}")),
               what="the buyer to hear the vendor accepted")
