"""Signing in and out, roles, CSRF and the login rate limit."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from market.models import AuditEvent
from tests.web.conftest import PASSWORD, csrf_token, login, post_form

STAFF_PAGES = ["/admin/", "/admin/orders", "/admin/vendors", "/admin/vendors/new",
               "/admin/products", "/admin/listings", "/admin/catalog/import", "/admin/rfqs",
               "/admin/leads", "/admin/buyers", "/admin/payments", "/admin/plans",
               "/admin/conversations"]
ADMIN_PAGES = ["/admin/staff", "/admin/audit"]


@pytest.mark.parametrize("url", STAFF_PAGES + ADMIN_PAGES)
def test_anonymous_is_sent_to_the_login_form(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login")


def test_anonymous_post_is_refused_before_anything_happens(client, db):
    response = client.post("/admin/vendors/new", data={"code": "X", "business_name": "X"})
    assert response.status_code in (302, 400)


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_sees_every_staff_page(as_staff, url):
    assert as_staff.get(url).status_code == 200


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_staff_is_forbidden_admin_pages(as_staff, url):
    assert as_staff.get(url).status_code == 403


@pytest.mark.parametrize("url", STAFF_PAGES + ADMIN_PAGES)
def test_admin_sees_everything(as_admin, url):
    assert as_admin.get(url).status_code == 200


def test_login_lands_on_the_page_asked_for_and_never_off_site(client, staff_user):
    token = csrf_token(client, "/admin/login")
    response = client.post("/admin/login?next=/admin/orders",
                           data={"email": "CLERK@example.com ", "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/admin/orders"
    response = client.post("/admin/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    token = csrf_token(client, "/admin/login")
    response = client.post("/admin/login?next=//evil.example/x",
                           data={"email": staff_user.email, "password": PASSWORD,
                                 "csrf_token": token})
    assert response.headers["Location"] == "/admin/"


def test_wrong_password_is_refused_and_audited(client, db, staff_user):
    response = login(client, staff_user.email, "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "login.failed"))
    assert event.detail == {"email": staff_user.email}


def test_unknown_account_gets_the_same_answer(client, db):
    response = login(client, "nobody@example.com", "whatever123")
    assert response.status_code == 401
    assert "Wrong e-mail or password" in response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(client, staff_user):
    for _ in range(5):
        assert login(client, staff_user.email, "bad password").status_code == 401
    response = login(client, staff_user.email, PASSWORD)
    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_inactive_staff_cannot_sign_in_and_is_signed_out(client, db, staff_user):
    assert login(client, staff_user.email).status_code == 302
    staff_user.active = False
    db.flush()
    assert client.get("/admin/").status_code == 302
    assert login(client, staff_user.email).status_code == 401


def test_logout_ends_the_session(as_staff):
    token = csrf_token(as_staff, "/admin/")
    response = as_staff.post("/admin/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/login"
    assert as_staff.get("/admin/").status_code == 302


def test_logout_without_token_is_refused(as_staff):
    assert as_staff.post("/admin/logout").status_code == 400
    assert as_staff.get("/admin/").status_code == 200


def test_login_without_csrf_token_is_refused(client, staff_user):
    response = client.post("/admin/login", data={"email": staff_user.email,
                                                 "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("action", ["/admin/vendors/new", "/admin/catalog/import",
                                    "/admin/staff"])
def test_every_form_needs_its_csrf_token(as_admin, action):
    assert as_admin.post(action, data={"code": "V-X", "business_name": "X"}).status_code == 400


def test_session_cookie_is_httponly_and_samesite(client, staff_user):
    response = login(client, staff_user.email)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_ends_other_sessions(app, db, client, admin_user, staff_user):
    assert login(client, staff_user.email).status_code == 302
    other = app.test_client()
    assert login(other, admin_user.email).status_code == 302
    post_form(other, f"/admin/staff/{staff_user.id}", f"/admin/staff/{staff_user.id}",
              {"role": "staff", "active": "y", "password": "a brand new password"})
    assert client.get("/admin/").status_code == 302
