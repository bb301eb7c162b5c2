"""Throwaway PostgreSQL databases, migrated by Alembic: one per test session or benchmark run,
so parallel runs on one server never meet."""
from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from market.config import normalise_database_url
from market.db import upgrade_database


def create_scratch_database(base_url: str, prefix: str) -> str:
    """Create an empty database beside `base_url`'s, migrate it to head, return its URL."""
    base = make_url(normalise_database_url(base_url))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    return url


def drop_database(url: str) -> None:
    """Drop the database `url` names, closing whatever is still connected to it."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
