"""Phone numbers in E.164 and configuration from the environment."""
from __future__ import annotations

import pytest

from market.config import Config, normalise_database_url
from market.phones import normalise_phone


@pytest.mark.parametrize("raw, expected", [
    ("whatsapp:+9779812345678", "+9779812345678"),
    ("+977 981-234-5678", "+9779812345678"),
    ("9812345678", "+9779812345678"),
    ("009779812345678", "+9779812345678"),
    ("tel:+919876543210", "+919876543210"),
    ("+91 98765 43210", "+919876543210"),
])
def test_phone_numbers_become_e164(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "hello", "12", "whatsapp:", "+0000"])
def test_what_is_not_a_phone_number_is_none(raw):
    assert normalise_phone(raw) is None


def test_india_as_default_region():
    assert normalise_phone("09876543210", "IN") == "+919876543210"


def test_postgres_urls_are_rewritten_for_psycopg3():
    assert normalise_database_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_database_url("postgresql://h/db") == "postgresql+psycopg://h/db"
    assert normalise_database_url("sqlite:///var/app.db") == "sqlite:///var/app.db"


def test_production_requires_a_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config.from_env()
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    assert Config.from_env().SECRET_KEY == "s3cret"


def test_production_is_the_default(monkeypatch):
    monkeypatch.delenv("APP_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config.from_env()
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    assert Config.from_env().APP_ENV == "production"


def test_environment_values_are_typed(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("SEND_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("DATABASE_URL", "postgres://x@y/z")
    cfg = Config.from_env()
    assert cfg.SEND_MAX_ATTEMPTS == 7
    assert cfg.DATABASE_URL.startswith("postgresql+psycopg://")
