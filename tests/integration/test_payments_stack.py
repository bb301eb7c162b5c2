"""Paying in the chat on the whole stack: the app over HTTP, an RQ worker in its own process,
PostgreSQL, Redis, the fake Twilio and a fake Khalti. The buyer asks for a link on WhatsApp,
pays at Khalti, and their browser comes back (twice) to our return page: the order is paid
once, the receipt arrives on WhatsApp once, and the JSON API shows the order paid."""
from __future__ import annotations

import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from market import ledger
from market.db import db
from market.models import Buyer, Payment
from tests.fakes.khalti import FakeKhalti
from tests.integration.test_buyer_conversation import PHONE, Buyer_, api, api_token, register

pytestmark = pytest.mark.integration


def test_pay_an_order_with_khalti_over_the_whole_stack(stack):
    with FakeKhalti() as khalti:
        settings = {"KHALTI_SECRET_KEY": khalti.secret_key, "KHALTI_BASE_URL": khalti.base_url}
        stack.app.config.update(settings)
        stack.env.update(settings)
        stack.load_catalog()
        register(stack)
        stack.start_worker()
        token = api_token(stack)
        buyer = Buyer_(stack)
        buyer.say("2 bora chamal")
        placed = buyer.say("yes")
        [order] = api(stack, token, f"/api/v1/orders?phone={PHONE}")
        assert f"PAY {order['number']}" in placed

        link = buyer.say(f"pay {order['number']}")
        (pidx,) = list(khalti.payments)
        assert f"?pidx={pidx}" in link and "Rs 3,869.00" in link
        khalti.pay(pidx)
        query = urllib.parse.urlencode(khalti.callback(pidx))

        def come_back(_: int) -> str:
            with urllib.request.urlopen(f"{stack.base_url}/payments/khalti/return?{query}",
                                        timeout=20) as page:
                return page.read().decode()

        # Three tabs come back at once (a double tap, a reload): one payment still.
        with ThreadPoolExecutor(3) as pool:
            pages = list(pool.map(come_back, range(3)))
        assert all("Payment received: Rs 3,869.00" in page for page in pages)

        stack.wait(lambda: any("✅" in r for r in buyer.replies()), what="the receipt")
        assert api(stack, token, f"/api/v1/orders/{order['number']}")[
            "payment_status"] == "paid"
        assert len([r for r in buyer.replies() if "✅" in r]) == 1
        with stack.app.app_context():
            buyer_row = db.session.scalar(select(Buyer).where(Buyer.phone == PHONE))
            assert ledger.balance(db.session, buyer_row.id) == 0
            assert len(db.session.scalars(select(Payment)).all()) == 1
