"""`GET /api/v1/buyers/<phone>` and `GET /api/v1/vendors/<code>` in the shapes CONTRACT.md
gives: a buyer's account as the ledger has it, a vendor's standing from its orders."""
from __future__ import annotations

import pytest

from market import ledger
from market.staff import create_staff, issue_token
from tests.web.conftest import make_buyer, make_order


@pytest.fixture
def token(db):
    return issue_token(db, create_staff(db, "api@example.com", "staff", "a long password 1"))


def get(client, token, path):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_a_buyer_shows_what_they_owe_and_their_limit(client, db, catalog, token):
    buyer = make_buyer(db, "+9779812500001", credit_limit=20000, language="ne")
    order = make_order(db, buyer)
    ledger.charge_order(db, order)
    db.flush()
    found = get(client, token, "/api/v1/buyers/9812500001").get_json()
    assert found == {"phone": "+9779812500001", "name": buyer.name, "shop": buyer.shop_name,
                     "town": buyer.town, "language": "ne", "location": None,
                     "balance": float(order.total), "credit_limit": 20000.0}
    assert get(client, token, "/api/v1/buyers/9812599999").status_code == 404
    assert get(client, token, "/api/v1/buyers/abc").status_code == 400


def test_a_vendor_shows_its_orders_and_how_often_it_takes_them_on(client, db, catalog, token):
    buyer = make_buyer(db, "+9779812500002")
    taken, turned_down, waiting = (make_order(db, buyer) for _ in range(3))
    taken.status, turned_down.status = "delivered", "rejected"
    db.flush()
    found = get(client, token, f"/api/v1/vendors/{taken.vendor.code.lower()}").get_json()
    assert found["code"] == taken.vendor.code and found["name"] == taken.vendor.business_name
    assert (found["orders"], found["reliability"]) == (3, 0.5)
    assert set(found) == {"code", "name", "rating", "orders", "reliability"}
    assert get(client, token, "/api/v1/vendors/V-NOBODY").status_code == 404
    assert client.get("/api/v1/vendors/V-NOBODY").status_code == 401
