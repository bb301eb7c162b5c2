"""The database: one engine per process, a scoped session per thread.

Model methods never commit; the edge (a view, a job, a CLI command) commits once.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes everywhere; SQLite drops the zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while the in-process worker writes; the busy timeout
    # makes concurrent writers wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


class Database:
    """Holds the engine and the thread-scoped session, bound when the app is made."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._autocommit: Engine | None = None
        self.session: scoped_session[Session] = scoped_session(
            # Expire on commit (the default): after a commit, rows are read again, so a job
            # never acts on state another worker has since changed.
            sessionmaker(expire_on_commit=True)
        )

    def init_app(self, app: Any) -> None:
        if self.engine is None or str(self.engine.url) != app.config["DATABASE_URL"]:
            if self.engine is not None:
                self.engine.dispose()
            if self._autocommit is not None:
                self._autocommit.dispose()
                self._autocommit = None
            self.engine = make_engine(app.config["DATABASE_URL"])
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.teardown_appcontext(self._teardown)

    def _teardown(self, _exc: BaseException | None) -> None:
        self.session.remove()

    @property
    def autocommit_engine(self) -> Engine:
        """A pool of connections born in autocommit, for the webhook's single-statement writes:
        no BEGIN/COMMIT round trips, no isolation toggling, no reset when returned. A dead
        connection is not pinged first; the caller retries once instead."""
        if self.engine is None:
            raise RuntimeError("the database is not bound to an app yet")
        if self._autocommit is None:
            kwargs: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"}
            if self.engine.dialect.name != "sqlite":
                kwargs.update(pool_pre_ping=False, pool_reset_on_return=None)
            self._autocommit = make_engine(str(self.engine.url.render_as_string(
                hide_password=False)), **kwargs)
        return self._autocommit

    @property
    def dialect(self) -> str:
        if self.engine is None:
            raise RuntimeError("the database is not bound to an app yet")
        return self.engine.dialect.name


db = Database()


def upgrade_database(url: str) -> None:
    """Run Alembic migrations to head: the only way a schema is made."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from market.config import ROOT

    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")
