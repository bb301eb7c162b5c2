"""Fixtures for the admin's Flask client tests: staff accounts, signing in, CSRF tokens."""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from market.models import Buyer, Conversation, Vendor
from market.orders import ItemSnapshot, create_order
from market.staff import create_staff

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                   r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """Fetch a page and return the CSRF token of its first form."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    match = TOKEN.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, page: str, action: str, data: dict[str, Any],
              **kwargs: Any) -> Any:
    """POST `data` to `action` with the CSRF token taken from `page`, as a browser would."""
    return client.post(action, data={**data, "csrf_token": csrf_token(client, page)}, **kwargs)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return post_form(client, "/admin/login", "/admin/login",
                     {"email": email, "password": password})


@pytest.fixture
def admin_user(db: Any) -> Any:
    """An account with the admin role."""
    return create_staff(db, "boss@example.com", "admin", PASSWORD, name="Boss")


@pytest.fixture
def staff_user(db: Any) -> Any:
    """An account with the plain staff role."""
    return create_staff(db, "clerk@example.com", "staff", PASSWORD, name="Clerk")


@pytest.fixture
def as_admin(client: FlaskClient, admin_user: Any) -> FlaskClient:
    """The client, signed in as an admin."""
    assert login(client, admin_user.email).status_code == 302
    return client


@pytest.fixture
def as_staff(client: FlaskClient, staff_user: Any) -> FlaskClient:
    """The client, signed in as plain staff."""
    assert login(client, staff_user.email).status_code == 302
    return client


def make_buyer(db: Any, phone: str = "+9779812345678", **fields: Any) -> Buyer:
    buyer = Buyer(phone=phone, name=fields.pop("name", "Ram"),
                  shop_name=fields.pop("shop_name", "Ram Kirana"), town="Kathmandu", **fields)
    db.add(buyer)
    db.flush()
    return buyer


def make_order(db: Any, buyer: Buyer, vendor_code: str = "V-KTM-ANNAPURNA",
               **kwargs: Any) -> Any:
    vendor = db.scalar(select(Vendor).where(Vendor.code == vendor_code))
    item = ItemSnapshot(sku="RICE-MANSULI", name="Mansuli Rice", quantity=Decimal("25"),
                        unit="kg", unit_price=Decimal("77.38"))
    return create_order(db, buyer, vendor, [item], actor="test", **kwargs)


def make_conversation(db: Any, phone: str, buyer: Buyer | None = None) -> Conversation:
    conv = Conversation(channel="whatsapp", address=phone, buyer_id=buyer.id if buyer else None,
                        state="idle", slots={})
    db.add(conv)
    db.flush()
    return conv
