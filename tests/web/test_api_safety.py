"""The JSON API's edges: bad parameters are 400s with a JSON error, lists and transcripts come a
page at a time, and tokens expire and can be revoked (CLI and the admin's staff page)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from market.db import utcnow
from market.models import ApiToken, Message
from market.staff import create_staff, issue_token, revoke_tokens
from tests.web.conftest import make_buyer, make_conversation, make_order, post_form

PHONE = "+9779812345678"


@pytest.fixture
def ops(db):
    return create_staff(db, "ops@example.com", "staff", "a-long-password")


@pytest.fixture
def token(db, ops):
    return issue_token(db, ops)


def get(client, token, path):
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("path", ["/api/v1/orders?phone=abc", "/api/v1/rfqs?phone=abc",
                                  "/api/v1/conversations/abc/messages",
                                  "/api/v1/orders?status=lost",
                                  "/api/v1/orders?limit=0", "/api/v1/orders?limit=201",
                                  "/api/v1/orders?limit=ten", "/api/v1/orders?page=0",
                                  "/api/v1/orders?page=-1", "/api/v1/orders?limit=1e3",
                                  "/api/v1/orders?page=99999999999999999999",
                                  "/api/v1/orders?status=%00",
                                  "/api/v1/conversations/%2B977981%00/messages?limit=5",
                                  f"/api/v1/conversations/{PHONE}/messages?channel=%00"])
def test_a_bad_parameter_is_a_400_with_a_json_error(client, token, path):
    response = get(client, token, path)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.is_json and response.get_json()["error"]


@pytest.mark.parametrize("path", ["/api/v1/orders/%00", "/api/v1/rfqs/R%00",
                                  "/api/v1/orders/1%00", "/api/v1/rfqs/%00x"])
def test_a_nul_in_a_path_is_refused_not_a_500(client, token, path):
    response = get(client, token, path)
    assert response.status_code in (400, 404)
    assert response.is_json


def test_limit_and_page_walk_the_orders(client, db, catalog, token):
    buyer = make_buyer(db, PHONE)
    made = [make_order(db, buyer).number for _ in range(5)]
    newest_first = made[::-1]
    first = get(client, token, f"/api/v1/orders?phone={PHONE}&limit=2")
    assert [o["number"] for o in first.get_json()] == newest_first[:2]
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    second = get(client, token, first.headers["Link"].split(">")[0].lstrip("<"))
    assert [o["number"] for o in second.get_json()] == newest_first[2:4]
    last = get(client, token, f"/api/v1/orders?phone={PHONE}&limit=2&page=3")
    assert [o["number"] for o in last.get_json()] == newest_first[4:]
    assert "Link" not in last.headers
    assert get(client, token, "/api/v1/orders?limit=2&page=9").get_json() == []
    # The object shape is CONTRACT.md's, unchanged.
    assert {"number", "status", "buyer", "vendor", "items", "total", "currency",
            "payment_status", "created_at"} <= set(first.get_json()[0])


def test_lists_never_return_more_than_200(client, db, catalog, token):
    buyer = make_buyer(db, PHONE)
    for _ in range(203):
        make_order(db, buyer)
    assert len(get(client, token, "/api/v1/orders").get_json()) == 200
    assert len(get(client, token, "/api/v1/orders?page=2").get_json()) == 3
    assert get(client, token, "/api/v1/orders?limit=500").status_code == 400


def test_a_transcript_comes_a_page_at_a_time_oldest_first(client, db, token):
    conv = make_conversation(db, PHONE)
    for n in range(7):
        db.add(Message(conversation_id=conv.id, direction="in", channel="whatsapp",
                       body=f"message {n}", status="received", provider_id=f"SM-page-{n}"))
    db.flush()
    url = f"/api/v1/conversations/{PHONE}/messages"
    pages = [get(client, token, f"{url}?limit=3&page={p}") for p in (1, 2, 3)]
    bodies = [[m["body"] for m in page.get_json()] for page in pages]
    assert bodies == [["message 0", "message 1", "message 2"],
                      ["message 3", "message 4", "message 5"], ["message 6"]]
    assert "Link" in pages[0].headers and "Link" not in pages[2].headers
    assert {"direction", "channel", "body", "status", "created_at"} <= set(pages[0].get_json()[0])
    assert len(get(client, token, url).get_json()) == 7


def test_a_revoked_token_is_refused(client, db, ops, token):
    assert get(client, token, "/api/v1/orders").status_code == 200
    revoke_tokens(db, ops)
    db.flush()
    response = get(client, token, "/api/v1/orders")
    assert response.status_code == 401 and response.get_json()["error"]


def test_an_expired_token_is_refused(client, db, ops, token):
    row = db.scalar(select(ApiToken).where(ApiToken.staff_id == ops.id))
    assert row.expires_at > utcnow() + timedelta(days=89)  # API_TOKEN_DAYS, 90 by default
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.flush()
    assert get(client, token, "/api/v1/orders").status_code == 401


def test_a_token_from_before_expiry_dates_lasts_api_token_days(client, db, ops, token):
    row = db.scalar(select(ApiToken).where(ApiToken.staff_id == ops.id))
    row.expires_at = None
    row.created_at = utcnow() - timedelta(days=30)
    db.flush()
    assert get(client, token, "/api/v1/orders").status_code == 200
    row.created_at = utcnow() - timedelta(days=91)
    db.flush()
    assert get(client, token, "/api/v1/orders").status_code == 401


def test_the_cli_prints_an_expiring_token_and_revokes_them(app, client, db, ops):
    runner = app.test_cli_runner()
    made = runner.invoke(args=["staff", "token", "ops@example.com", "--days", "7"])
    assert made.exit_code == 0, made.output
    printed = made.stdout.strip()
    assert len(printed.split()) == 1  # only the token on stdout
    row = db.scalar(select(ApiToken).where(ApiToken.staff_id == ops.id))
    assert utcnow() + timedelta(days=6) < row.expires_at < utcnow() + timedelta(days=8)
    other = issue_token(db, ops)
    assert get(client, printed, "/api/v1/orders").status_code == 200
    one = runner.invoke(args=["staff", "revoke-token", "ops@example.com", "--token", printed])
    assert one.exit_code == 0 and "revoked 1 token" in one.stdout
    assert get(client, printed, "/api/v1/orders").status_code == 401
    assert get(client, other, "/api/v1/orders").status_code == 200
    every = runner.invoke(args=["staff", "revoke-token", "ops@example.com"])
    assert every.exit_code == 0 and "revoked 1 token" in every.stdout
    assert get(client, other, "/api/v1/orders").status_code == 401
    unknown = runner.invoke(args=["staff", "revoke-token", "nobody@example.com"])
    assert unknown.exit_code != 0


def test_an_admin_revokes_tokens_on_the_staff_page(as_admin, client, db, ops, token):
    other = issue_token(db, ops)
    page = f"/admin/staff/{ops.id}"
    html = as_admin.get(page).get_data(as_text=True)
    assert html.count("Revoke</button>") == 2
    newest = db.scalar(select(ApiToken).where(ApiToken.staff_id == ops.id)
                       .order_by(ApiToken.id.desc()))
    post_form(as_admin, page, f"{page}/tokens/revoke", {"token_id": str(newest.id)})
    assert get(client, other, "/api/v1/orders").status_code == 401
    assert get(client, token, "/api/v1/orders").status_code == 200
    post_form(as_admin, page, f"{page}/tokens/revoke", {})
    assert get(client, token, "/api/v1/orders").status_code == 401
    assert "no live tokens" in as_admin.get(page).get_data(as_text=True)
