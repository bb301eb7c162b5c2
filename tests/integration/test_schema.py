"""Alembic is the only way a schema is made: one head, and the migrated schema is the models'."""
from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

import market.models  # noqa: F401  (registers the tables)
from market.db import Base, upgrade_database
from tests.conftest import ROOT


def test_migrations_have_exactly_one_head():
    script = ScriptDirectory.from_config(AlembicConfig(str(ROOT / "alembic.ini")))
    assert len(script.get_heads()) == 1, script.get_heads()


def _differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_migrated_postgresql_schema_equals_the_models(database_url):
    assert _differences(database_url) == []


@pytest.mark.parametrize("round_trip", [False, True])
def test_migrated_sqlite_schema_equals_the_models(tmp_path: Path, round_trip: bool):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade_database(url)
    if round_trip:  # every revision can be undone and redone
        from alembic import command

        cfg = AlembicConfig(str(ROOT / "alembic.ini"))
        cfg.set_main_option("sqlalchemy.url", url)
        command.downgrade(cfg, "base")
        command.upgrade(cfg, "head")
    assert _differences(url) == []
