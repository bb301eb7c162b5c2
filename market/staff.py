"""Staff credentials: Argon2id password hashes, the session nonce that lets a logout end
sessions server-side, and API bearer tokens (only hashes stored) that expire and can be
revoked."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from market.config import setting
from market.db import utcnow
from market.models import ApiToken, Staff

_hasher = PasswordHasher()
ROLES = ("admin", "staff")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(staff: Staff, password: str) -> bool:
    if not staff.password_hash:
        return False
    try:
        return _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_staff(session: Session, email: str, role: str, password: str,
                 name: str | None = None) -> Staff:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    email = email.strip().lower()
    if session.scalar(select(Staff).where(Staff.email == email)) is not None:
        raise ValueError(f"{email} already exists")
    staff = Staff(email=email, role=role, name=name, password_hash=hash_password(password))
    session.add(staff)
    session.flush()
    return staff


def session_nonce(staff: Staff) -> str:
    """The nonce a new admin session of `staff` carries (made on the first sign-in); every
    session of the account stays valid until rotate_session_nonce."""
    if not staff.session_nonce:
        staff.session_nonce = secrets.token_hex(32)
    return staff.session_nonce


def rotate_session_nonce(staff: Staff) -> None:
    """End every admin session of `staff` server-side (at logout): their cookies carry the old
    nonce, which no longer matches."""
    staff.session_nonce = secrets.token_hex(32)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, staff: Staff, days: int | None = None) -> str:
    """A new bearer token for `staff`, valid for `days` (API_TOKEN_DAYS by default); the plain
    token is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(days=days if days is not None else setting("API_TOKEN_DAYS"))
    session.add(ApiToken(staff_id=staff.id, token_hash=_token_hash(token),
                         expires_at=utcnow() + lifetime))
    session.flush()
    return token


def token_expires_at(row: ApiToken) -> datetime:
    """When a token stops working; one made before tokens had an expiry lasts API_TOKEN_DAYS
    from when it was made."""
    return row.expires_at or row.created_at + timedelta(days=setting("API_TOKEN_DAYS"))


def staff_for_token(session: Session, token: str) -> Staff | None:
    """Whose token this is, when it is known, not revoked, not expired, and its staff active
    (and note that it was used); None otherwise."""
    if not token:
        return None
    now = utcnow()
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                               ApiToken.revoked.is_(False))
    )
    if row is None or not row.staff.active or token_expires_at(row) <= now:
        return None
    row.last_used_at = now
    return row.staff


def revoke_tokens(session: Session, staff: Staff, token: str | None = None) -> int:
    """Revoke one token of `staff` (given in full) or, with none given, all of them; returns
    how many were revoked now."""
    query = update(ApiToken).where(ApiToken.staff_id == staff.id, ApiToken.revoked.is_(False))
    if token is not None:
        query = query.where(ApiToken.token_hash == _token_hash(token))
    return session.execute(query.values(revoked=True)).rowcount  # type: ignore[attr-defined]


def live_tokens(session: Session, staff: Staff) -> list[ApiToken]:
    """The tokens of `staff` that still work, newest first (for the admin's staff page)."""
    now = utcnow()
    rows = session.scalars(select(ApiToken).where(ApiToken.staff_id == staff.id,
                                                  ApiToken.revoked.is_(False))
                           .order_by(ApiToken.id.desc()))
    return [row for row in rows if token_expires_at(row) > now]


def revoke_token_id(session: Session, staff: Staff, token_id: int) -> bool:
    """Revoke the token `token_id` of `staff` (the admin's staff page knows tokens by id)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.staff_id != staff.id or row.revoked:
        return False
    row.revoked = True
    return True


def ensure_first_admin(session: Session, email: str | None, password: str | None) -> bool:
    """Create the admin from ADMIN_EMAIL/ADMIN_PASSWORD when there is no staff at all."""
    if not email or not password:
        return False
    if session.scalar(select(Staff.id).limit(1)) is not None:
        return False
    create_staff(session, email, "admin", password)
    return True
