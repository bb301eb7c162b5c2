"""Signing in and out, with a limit on failed attempts per client.

Failures are counted per client address (as seen through ProxyFix, so each client behind a
platform's proxy has its own: set PROXY_FIX_HOPS) and per (client, account). A client that
keeps failing is locked out; a client that has not failed always gets in with the right
password, so nobody can lock an admin out by guessing at the admin's e-mail. While an account
is under attack from many addresses, each failing client is locked out of it after one try.
"""
from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from market.db import db, utcnow
from market.models import Staff
from market.staff import check_password, hash_password, rotate_session_nonce

from . import bp
from .common import audit, end_session, sign_in
from .forms import LoginForm

WINDOW_SECONDS = 15 * 60
# One client guessing at one account: locked out of that account after this many.
MAX_PER_CLIENT_ACCOUNT = 5
# One client guessing across accounts: locked out of every account after this many.
MAX_PER_CLIENT = 20
# Failures on one account from every client together that make it "under attack": then a
# client that has failed on it even once is locked out of it.
ACCOUNT_UNDER_ATTACK = 10
# Verifying against this keeps the time of a failed login the same whether the account exists.
_DUMMY_HASH = hash_password("not-a-real-password")


class _MemoryCounter:
    """Failures per key in this process (no Redis): timestamps inside the window."""

    def __init__(self) -> None:
        self._hits: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def count(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            hits = [t for t in self._hits.get(key, []) if now - t < WINDOW_SECONDS]
            self._hits[key] = hits
            return len(hits)

    def hit(self, key: str) -> None:
        with self._lock:
            self._hits.setdefault(key, []).append(time.monotonic())

    def clear(self, key: str) -> None:
        with self._lock:
            self._hits.pop(key, None)


class _RedisCounter:
    """Failures per key shared by every web process: a counter that expires with the window."""

    def __init__(self, conn: Any, prefix: str) -> None:
        self.conn, self.prefix = conn, prefix

    def count(self, key: str) -> int:
        return int(self.conn.get(self.prefix + key) or 0)

    def hit(self, key: str) -> None:
        pipe = self.conn.pipeline()
        pipe.incr(self.prefix + key)
        pipe.expire(self.prefix + key, WINDOW_SECONDS, nx=True)
        pipe.execute()

    def clear(self, key: str) -> None:
        self.conn.delete(self.prefix + key)


def _counter() -> Any:
    app = current_app
    found = app.extensions.get("admin_login_counter")
    if found is None:
        if app.config.get("REDIS_URL"):
            from market.redis import redis_connection

            found = _RedisCounter(redis_connection(app),
                                  f"{app.config.get('QUEUE_PREFIX', '')}admin:login:")
        else:
            found = _MemoryCounter()
        app.extensions["admin_login_counter"] = found
    return found


def _keys(email: str) -> tuple[str, str, str]:
    """The counters a failure adds to: (client, account), client, account."""
    client = request.remote_addr or "unknown"
    return f"pair:{client}|{email}", f"ip:{client}", f"acct:{email}"


def _limited(email: str) -> bool:
    """Whether this client may not try this account now (right password or not)."""
    pair, client, account = _keys(email)
    counter = _counter()
    failed_here = counter.count(pair)
    if failed_here >= MAX_PER_CLIENT_ACCOUNT or counter.count(client) >= MAX_PER_CLIENT:
        return True
    return failed_here > 0 and counter.count(account) >= ACCOUNT_UNDER_ATTACK


def _safe_next(target: str | None) -> str:
    # Only paths inside the admin: never an open redirect to another site.
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and parts.path.startswith("/admin"):
        return target
    return url_for("admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if g.staff is not None:
        return redirect(url_for("admin.dashboard"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("admin/login.html", form=form), 400 if request.method == "POST" \
            else 200
    email = form.email.data.strip().lower()
    if _limited(email):
        return render_template("admin/login.html", form=form,
                               error="Too many failed attempts. Try again in 15 minutes."), 429
    staff = db.session.scalar(select(Staff).where(Staff.email == email))
    if staff is None:
        check_password(Staff(password_hash=_DUMMY_HASH), form.password.data)
    if staff is None or not staff.active or not check_password(staff, form.password.data):
        for key in _keys(email):
            _counter().hit(key)
        g.staff = None
        audit("login.failed", None, email=email)
        db.session.commit()
        return render_template("admin/login.html", form=form,
                               error="Wrong e-mail or password."), 401
    # The client's own slate for this account is clean again; its count across accounts is
    # not (signing in to one account must not buy more guesses at another).
    _counter().clear(_keys(email)[0])
    staff.last_login_at = utcnow()
    sign_in(staff)
    g.staff = staff
    audit("login", staff)
    db.session.commit()
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout() -> Any:
    audit("logout", g.staff)
    # A new nonce ends this account's sessions server-side: a copy of the cookie taken before
    # now (another tab, another device, a stolen one) no longer signs anybody in.
    rotate_session_nonce(g.staff)
    db.session.commit()
    end_session()
    flash("Signed out.")
    return redirect(url_for("admin.login"))
