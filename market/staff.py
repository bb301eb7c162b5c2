"""Staff credentials: Argon2id password hashes and API bearer tokens (only hashes stored)."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

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


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, staff: Staff) -> str:
    """A new bearer token for `staff`; the plain token is shown once and never stored."""
    token = secrets.token_urlsafe(32)
    session.add(ApiToken(staff_id=staff.id, token_hash=_token_hash(token)))
    session.flush()
    return token


def staff_for_token(session: Session, token: str) -> Staff | None:
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == _token_hash(token),
                               ApiToken.revoked.is_(False))
    )
    if row is None or not row.staff.active:
        return None
    row.last_used_at = utcnow()
    return row.staff


def ensure_first_admin(session: Session, email: str | None, password: str | None) -> bool:
    """Create the admin from ADMIN_EMAIL/ADMIN_PASSWORD when there is no staff at all."""
    if not email or not password:
        return False
    if session.scalar(select(Staff.id).limit(1)) is not None:
        return False
    create_staff(session, email, "admin", password)
    return True
