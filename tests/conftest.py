"""Shared fixtures. Tests run against real PostgreSQL and Redis (CONTRACT.md defaults).

Every test session gets a database of its own, made by Alembic, so parallel runs on one
server never meet; Redis keys are kept apart by a per-test queue prefix.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from market.config import Config
from market.db import db as database
from tests.dbtools import create_scratch_database, drop_database

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CATALOG = ROOT / "data" / "catalog"
BASE_DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head by Alembic."""
    url = create_scratch_database(BASE_DATABASE_URL, "t")
    yield url
    if database.engine is not None:
        database.engine.dispose()
    drop_database(url)


def make_config(database_url: str, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "APP_ENV": "development", "DATABASE_URL": database_url, "REDIS_URL": None,
        "SECRET_KEY": "test-secret",
        "INPROCESS_THREAD": False, "TWILIO_ACCOUNT_SID": None, "TWILIO_AUTH_TOKEN": None,
        "TWILIO_API_BASE_URL": None, "PUBLIC_BASE_URL": None, "SMTP_URL": None,
        "OPENAI_API_KEY": None, "ADMIN_EMAIL": None, "ADMIN_PASSWORD": None,
        "MEDIA_ROOT": "/tmp/wholesale-test-media",
    }
    values.update(overrides)
    return Config.from_env(**values)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on the test database, jobs run inline (no Redis), CSRF on as in production."""
    application = create_app(make_config(database_url))
    application.config["TESTING"] = True
    with application.app_context():
        yield application


@pytest.fixture
def db(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The session, inside a transaction rolled back after the test (commits are savepoints);
    the webhook's autocommit writes are made on the same connection, so they roll back too."""
    assert database.engine is not None
    connection = database.engine.connect()
    outer = connection.begin()
    database.session.remove()
    database.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    monkeypatch.setattr(type(database), "autocommit_engine", property(lambda _: connection))
    try:
        yield database.session
    finally:
        database.session.remove()
        outer.rollback()
        connection.close()
        database.session.configure(bind=database.engine,
                                   join_transaction_mode="conditional_savepoint")


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    """A Flask test client whose requests run inside the test's transaction."""
    return app.test_client()


@pytest.fixture
def catalog(db: Any) -> Any:
    """The demo catalog (products, vendors, listings) loaded into the test's transaction."""
    from market.catalog_import import import_dir

    report = import_dir(db, CATALOG)
    db.flush()
    return report


@pytest.fixture
def queue_prefix() -> str:
    """A Redis key prefix of this test's own, so queues of parallel tests never mix."""
    return f"t{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def redis_url() -> str:
    return REDIS_URL
