"""What every admin view shares: who is signed in, role checks, audit, pagination, filters."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, abort, g, redirect, request, session, url_for
from sqlalchemy import Select
from sqlalchemy.orm import Session

from market import audit as audit_log
from market.db import db
from market.models import Staff
from market.staff import session_nonce

from . import bp

F = TypeVar("F", bound=Callable[..., Any])
PER_PAGE = 50
# Offset pages stop here; beyond it people filter instead of paging (and the database does
# not count its way through 100,000 rows).
MAX_PAGE = 200
OPEN_VIEWS = {"admin.login", "admin.static"}


@bp.before_request
def _load_staff() -> Any:
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is not None:
        staff = db.session.get(Staff, staff_id)
        if staff is not None and staff.active and session.get("pw") == _pw_tag(staff) \
                and staff.session_nonce and session.get("nonce") == staff.session_nonce:
            g.staff = staff
        else:
            end_session()
    if g.staff is None and request.endpoint not in OPEN_VIEWS:
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return None


def _pw_tag(staff: Staff) -> str:
    # A password change ends every other session of that account.
    return (staff.password_hash or "")[-16:]


def end_session() -> None:
    session.clear()
    # Flask-WTF caches the token in g; drop it so the next form gets a token of the new session.
    g.pop("csrf_token", None)


def sign_in(staff: Staff) -> None:
    end_session()  # a fresh session: no fixation
    session["staff_id"] = staff.id
    session["pw"] = _pw_tag(staff)
    # Checked on every request; logout rotates it, so the cookie dies on the server too.
    session["nonce"] = session_nonce(staff)
    session.permanent = False


# The admin runs no inline script or style and is never framed; its forms post to itself.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@bp.after_request
def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "admin.static":
        # Pages show buyers' data: not kept by the browser after logout or by a shared cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def admin_required(view: F) -> F:
    """Only the `admin` role passes; others get 403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if g.staff is None or g.staff.role != "admin":
            abort(403)
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def audit(action: str, target: Any = None, **detail: Any) -> None:
    """Write the current staff member's action to the audit log (committed with the view)."""
    audit_log.record(db.session, g.get("staff"), action, target, detail,
                     request.remote_addr if request else None)


def actor() -> str:
    return f"staff:{g.staff.email}"


@dataclass
class Page:
    items: list[Any]
    page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def paginate(session: Session, query: Select[Any], per_page: int = PER_PAGE) -> Page:
    """A limited-offset page: one row more than shown tells whether a next page exists."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    rows = list(session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))
    return Page(rows[:per_page], page, len(rows) > per_page and page < MAX_PAGE)


def encode_cursor(*values: Any) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> list[Any] | None:
    if not raw:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except ValueError:
        abort(400)
    if not isinstance(values, list):
        abort(400)
    return values


def page_url(**changes: Any) -> str:
    """The current list URL with some query arguments changed (filters kept)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    return url_for(request.endpoint or "admin.dashboard", **(request.view_args or {}), **args)


def split_list(text: str | None) -> list[str]:
    """Comma, pipe or newline separated words, trimmed, empties dropped, order kept."""
    raw = (text or "").replace("|", "\n").replace(",", "\n")
    seen: list[str] = []
    for part in (p.strip() for p in raw.splitlines()):
        if part and part not in seen:
            seen.append(part)
    return seen


def form_errors(form: Any) -> str:
    """A form's validation errors as one line for a flash message."""
    return "; ".join(f"{getattr(form, name).label.text}: {', '.join(errors)}"
                     for name, errors in form.errors.items() if name != "csrf_token")


def parse_day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _money(value: Any) -> str:
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def install_template_helpers(app: Flask) -> None:
    app.jinja_env.filters.setdefault("money", _money)
    app.jinja_env.filters.setdefault("when", _when)
    app.jinja_env.globals.setdefault("page_url", page_url)


def require_staff() -> Any:
    """For pages outside the admin that only staff may use: None when a staff member is signed
    in (as the admin checks it), else the redirect to the login page."""
    return _load_staff()
