"""Alembic environment: the only way any schema is made, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

import market.models  # noqa: F401  (registers every table on the metadata)
from market.config import Config
from market.db import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # A caller (tests, the app's `db upgrade`) may pass a URL; otherwise the environment's.
    return config.get_main_option("sqlalchemy.url") or Config.from_env().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        section = config.get_section(config.config_ini_section, {})
        section["sqlalchemy.url"] = _url()
        connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
        with connectable.connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets ALTERs work on SQLite, which cannot alter most constraints in place.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
