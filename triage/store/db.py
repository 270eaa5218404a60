"""The database: SQLAlchemy engine, sessions and the asset table. SQLite (WAL) by default, any SQLAlchemy
URL otherwise; the schema is brought up to date by the Alembic migrations in `migrations/`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    TypeDecorator,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from triage.errors import InputError
from triage.settings import Settings


class Base(DeclarativeBase):
    pass


def now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class AssetRow(Base):
    """An asset: `pk` is also its id in the vector index."""

    __tablename__ = "assets"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    data: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=now, onupdate=now)


@dataclass(frozen=True)
class Database:
    engine: Engine
    sessions: sessionmaker

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        from sqlalchemy import text

        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


@contextmanager
def existing_database(settings: Settings) -> Iterator[Database]:
    """The database of a data directory that must already exist (the command line's way in), closed after."""
    if settings.database_url is None and not (settings.home / "triage.db").exists():
        raise InputError("home", f"no database at '{settings.home / 'triage.db'}'; give the data directory "
                                 "with --home or TRIAGE_HOME")
    database = open_database(settings.resolved_database_url)
    try:
        yield database
    finally:
        database.engine.dispose()


def open_database(url: str) -> Database:
    """Connect and migrate to the latest schema."""
    from triage.store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return Database(engine, make_sessions(engine))


def make_engine(url: str) -> Engine:
    """hide_parameters: a database error never writes note text or personal data into a log."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)


def make_sessions(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
