"""Login throttling per client (behind a proxy, through ProxyFix), logout that ends the session
on the server, and the security headers of every admin response."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, g

from app import create_app
from tests.conftest import make_config
from tests.web.conftest import PASSWORD, csrf_token

ATTACKER = {"X-Forwarded-For": "198.51.100.66"}
OWNER = {"X-Forwarded-For": "203.0.113.10"}


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app behind one proxy hop, as on a platform: every request comes from the proxy's
    address and carries the client's in X-Forwarded-For."""
    application = create_app(make_config(database_url, PROXY_FIX_HOPS=1))
    application.config["TESTING"] = True

    @application.before_request
    def _fresh_csrf_token() -> None:
        # The test's app context outlives each request, and with it `g`, where Flask-WTF keeps
        # the CSRF token it made; in production `g` is new per request, as here.
        g.pop("csrf_token", None)

    with application.app_context():
        yield application


def login_from(app, headers, email, password=PASSWORD):
    """Sign in with a client of its own (cookies) coming from the address in `headers`."""
    client = app.test_client()
    token = csrf_token(client, "/admin/login")
    response = client.post("/admin/login", data={"email": email, "password": password,
                                                 "csrf_token": token}, headers=headers)
    return client, response


def test_twenty_failures_from_one_client_do_not_lock_out_another(app, db, admin_user,
                                                                 staff_user):
    attacker = app.test_client()
    token = csrf_token(attacker, "/admin/login")
    answers = []
    for attempt in range(20):
        email = (admin_user.email, staff_user.email, "x@example.com", "y@example.com")[attempt % 4]
        answers.append(attacker.post("/admin/login", headers=ATTACKER, data={
            "email": email, "password": f"guess {attempt}", "csrf_token": token}).status_code)
    assert answers == [401] * 20
    # The owner, from another address behind the same proxy, gets straight in.
    owner, response = login_from(app, OWNER, admin_user.email)
    assert response.status_code == 302
    assert owner.get("/admin/").status_code == 200
    # The attacker is locked out now, even with the right password.
    _, response = login_from(app, ATTACKER, admin_user.email)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)


def test_guessing_at_one_account_locks_that_client_out_of_it_only(app, db, admin_user,
                                                                  staff_user):
    for _ in range(5):
        assert login_from(app, ATTACKER, admin_user.email, "bad password")[1].status_code == 401
    assert login_from(app, ATTACKER, admin_user.email)[1].status_code == 429
    # The same client may still sign in to an account it has not been guessing at ...
    assert login_from(app, ATTACKER, staff_user.email)[1].status_code == 302
    # ... and the account's owner, elsewhere, is not locked out at all.
    assert login_from(app, OWNER, admin_user.email)[1].status_code == 302


def test_an_account_under_attack_from_many_addresses_still_lets_its_owner_in(app, db,
                                                                             admin_user):
    for n in range(12):
        bot = {"X-Forwarded-For": f"198.51.100.{n + 1}"}
        assert login_from(app, bot, admin_user.email, "bad password")[1].status_code == 401
    # A bot that already failed gets no second guess while the account is under attack ...
    again = {"X-Forwarded-For": "198.51.100.1"}
    assert login_from(app, again, admin_user.email)[1].status_code == 429
    # ... but the owner, who has not failed, is let in with the right password.
    assert login_from(app, OWNER, admin_user.email)[1].status_code == 302


def test_a_cookie_copied_before_logout_no_longer_opens_the_admin(app, db, staff_user):
    browser, response = login_from(app, OWNER, staff_user.email)
    assert response.status_code == 302
    copied = browser.get_cookie("session")
    assert copied is not None
    thief = app.test_client()
    thief.set_cookie("session", copied.value)
    assert thief.get("/admin/").status_code == 200
    browser.post("/admin/logout", data={"csrf_token": csrf_token(browser, "/admin/")})
    assert browser.get("/admin/").status_code == 302
    refused = thief.get("/admin/orders")
    assert refused.status_code == 302 and "/admin/login" in refused.headers["Location"]
    # Signing in again works, and the new session is good.
    again, response = login_from(app, OWNER, staff_user.email)
    assert response.status_code == 302 and again.get("/admin/").status_code == 200


def test_a_session_without_its_nonce_is_not_signed_in(app, db, staff_user):
    browser, _ = login_from(app, OWNER, staff_user.email)
    with browser.session_transaction() as session:
        session.pop("nonce")
    assert browser.get("/admin/").status_code == 302


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/vendors",
                                  "/admin/static/admin.js"])
def test_admin_responses_carry_the_security_headers(app, db, staff_user, path):
    browser, _ = login_from(app, OWNER, staff_user.email)
    response = (app.test_client() if path == "/admin/login" else browser).get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_admin_pages_have_no_inline_script_the_policy_would_block(app, db, admin_user):
    browser, _ = login_from(app, OWNER, admin_user.email)
    for path in ("/admin/", "/admin/catalog/import", "/admin/staff", "/admin/buyers"):
        html = browser.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "style=" not in html
        assert browser.get(path).headers["Cache-Control"] == "no-store"
