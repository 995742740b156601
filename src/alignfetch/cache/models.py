"""The cache's tables, as typed SQLAlchemy 2 models.

Alembic (``migrations/``) owns the schema; these models must agree with it, and
a test checks that they do, on SQLite and on PostgreSQL (where JSON is JSONB and
timestamps carry their time zone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out.

    SQLite stores naive UTC text; PostgreSQL a ``timestamp with time zone``.
    """

    impl = DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(DateTime(timezone=dialect.name == "postgresql"))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JSONDocument(TypeDecorator[Any]):
    """JSON; JSONB on PostgreSQL (binary, compared by value).

    Chosen when a dialect asks, so that PostgreSQL's dialect module (a twentieth of a
    second to import) loads only for a PostgreSQL cache, never for a SQLite one."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CachedRecord(Base):
    """The last good record of one upstream object, and how its last fetch went."""

    __tablename__ = "records"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    """Canonical ID with prefix: ``arxiv:2305.01937``, ``hf:Anthropic/hh-rlhf``."""
    kind: Mapped[str] = mapped_column(String(20), index=True)
    record: Mapped[dict[str, Any]] = mapped_column(JSONDocument())
    raw: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(String(200))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When upstream last answered for it (a 304 counts)."""
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When the normalized record last changed."""
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error_count: Mapped[int] = mapped_column(Integer, default=0)


class Check(Base):
    """When upstream last confirmed a record unchanged: one narrow row per record, so
    that a refresh where nothing changed writes these, not every record's wide row
    again. A record's last check is the newer of :attr:`checked_at` and its
    :attr:`CachedRecord.fetched_at`. A row here also says the record was stored or
    confirmed by an alignfetch that cleans and checks what it stores (0003 and later),
    and that no other hand changed it since: migration 0004's triggers drop the row of
    a record whose JSON or ETag changes, and of a row deleted or inserted, so a refresh
    trusts a checked paper without reading it (:func:`alignfetch.cache.rows.read_seals`)."""

    __tablename__ = "checks"
    __table_args__ = {"sqlite_with_rowid": False}  # as migration 0003 makes it

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    """The record's ID, as in :attr:`CachedRecord.id`."""
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """None: stored, and not confirmed since (the record's ``fetched_at`` says when)."""


class DiscoverListing(Base):
    """One day's answer of one discovery query (an arXiv feed, a day of Hub daily papers),
    as parsed announcements, so that ``discover`` asks nobody twice in a day."""

    __tablename__ = "discover_listings"

    key: Mapped[str] = mapped_column(String(500), primary_key=True)
    """``<source> <query> <UTC day of the fetch>``."""
    source: Mapped[str] = mapped_column(String(20))
    query: Mapped[str] = mapped_column(Text)
    """The feed URL, or the Hub's ``date=YYYY-MM-DD``."""
    day: Mapped[str] = mapped_column(String(10), index=True)
    """The UTC date (``YYYY-MM-DD``) the answer was fetched on."""
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    announcements: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument())


class Rejection(Base):
    """A paper a maintainer turned down: ``discover`` does not propose it again."""

    __tablename__ = "discover_rejections"

    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    """Canonical ID, ``arxiv:2305.01937``."""
    rejected_at: Mapped[datetime] = mapped_column(UTCDateTime())
