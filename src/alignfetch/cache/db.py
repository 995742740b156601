"""The cache: opening it (migrated by :mod:`alignfetch.cache.schema`), reading and writing
records.

The cache is SQLite beside entries.toml by default, or any SQLAlchemy URL; a
PostgreSQL cache may be shared by many lists (README: Sharing a cache).
Alembic owns the schema. :func:`open_cache` upgrades a database that is behind
before anything reads it, so a user never runs a migration by hand (``alignfetch
db upgrade`` exists for those who want to); migrations run under a lock (a file
beside a SQLite database, an advisory lock on PostgreSQL), so processes that
start at once on a new cache do not race. A failed fetch never overwrites a good
record: :meth:`Cache.put` stores successes (an upsert, so concurrent writers
never collide), :meth:`Cache.record_error` touches only the error columns. A row
that cannot be read back as a record counts as missing, and the next fetch
overwrites it. Messages never show a URL's password.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Engine,
    Table,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alignfetch.cache.models import CachedRecord, Check
from alignfetch.cache.rows import CachedRow as CachedRow  # where callers find it
from alignfetch.cache.rows import FetchTime as FetchTime  # where callers find it
from alignfetch.cache.rows import Seal as Seal  # where callers find it
from alignfetch.cache.rows import _driver, erred, read_rows, read_seals, read_times, vouched
from alignfetch.cache.schema import (  # where callers have found them
    MIGRATION_LOCK_TIMEOUT as MIGRATION_LOCK_TIMEOUT,
)
from alignfetch.cache.schema import SQLITE_PAGE_SIZE as SQLITE_PAGE_SIZE
from alignfetch.cache.schema import alembic_config as alembic_config
from alignfetch.cache.schema import current_revision as current_revision
from alignfetch.cache.schema import head_revision as head_revision
from alignfetch.cache.schema import lock_key as lock_key
from alignfetch.cache.schema import make_engine as make_engine
from alignfetch.cache.schema import migrations_dir as migrations_dir
from alignfetch.cache.schema import upgrade as upgrade
from alignfetch.cache.sqlite_read import (
    HEAD_REVISION as HEAD_REVISION,  # the newest migration's, defined there
)
from alignfetch.cache.sqlite_read import REVISIONS as REVISIONS  # every migration's, oldest first
from alignfetch.cache.sqlite_read import touch_in
from alignfetch.cache.urls import backend as backend  # where callers have found them
from alignfetch.cache.urls import scrub
from alignfetch.cache.urls import shown as shown
from alignfetch.cache.urls import sqlite_url as sqlite_url
from alignfetch.errors import AlignfetchError, LockError
from alignfetch.records import Record, to_dict
from alignfetch.stored import read

if TYPE_CHECKING:
    from alignfetch.sources import Fetched

PACE_PREFIX = "pace:"
"""Rows of the records table whose ID starts so hold a shared pace, not a record."""


class Cache:
    """Records by canonical ID, with their payloads and fetch history."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def shared(self) -> bool:
        """True for a database server that many lists and processes may share."""
        return self.engine.dialect.name == "postgresql"

    @property
    def url(self) -> str:
        """The cache's URL as messages show it (no password)."""
        return shown(self.engine.url.render_as_string(hide_password=False))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a database failure becomes one sentence, and nothing is half-written."""
        try:
            with self._sessions.begin() as s:
                yield s
        except SQLAlchemyError as err:
            raise _db_error(self._url(), err, "written") from None

    def _url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    def get(self, ids: Iterable[str]) -> dict[str, CachedRow]:
        """The readable rows of ``ids``; a row that holds no valid record counts as missing.

        Plain values, a few hundred rows per query, each record parsed once
        (:attr:`CachedRow.parsed`), its ``fetched_at`` the newer of the record's and its
        last check's (:func:`alignfetch.cache.rows.read_rows`): refresh reads tens of
        thousands of rows, and the ORM's objects would cost more than the rows themselves.
        """
        try:
            with self.engine.connect() as conn:
                return read_rows(conn, ids)
        except (SQLAlchemyError, sqlite3.Error) as err:  # SQLite's rows come from its driver
            raise _db_error(self._url(), err, "read") from None

    def times(self, ids: Iterable[str]) -> dict[str, FetchTime]:
        """When each row of ``ids`` was last fetched, and whether its record says
        ``found``, its record not decoded (:func:`alignfetch.cache.rows.read_times`): a
        row that is no JSON object counts as missing, one whose fields are wrong counts
        by its time."""
        try:
            with self.engine.connect() as conn:
                return read_times(conn, ids)
        except (SQLAlchemyError, sqlite3.Error) as err:  # SQLite's rows come from its driver
            raise _db_error(self._url(), err, "read") from None

    def seals(self, ids: Iterable[str]) -> dict[str, Seal]:
        """The checked rows of ``ids`` that have an ETag, their records not read
        (:func:`alignfetch.cache.rows.read_seals`)."""
        try:
            with self.engine.connect() as conn:
                return read_seals(conn, ids)
        except (SQLAlchemyError, sqlite3.Error) as err:  # SQLite's rows come from its driver
            raise _db_error(self._url(), err, "read") from None

    def stored(self, ids: Iterable[str]) -> dict[str, Any]:
        """The stored JSON of the rows ``ids`` names, as it is, in batches of 500 IDs
        (also the rows that are no record: a link's last answer, a shared pace)."""
        table = CachedRecord.__table__
        wanted = list(dict.fromkeys(ids))
        out: dict[str, Any] = {}
        try:
            with self.engine.connect() as conn:
                for i in range(0, len(wanted), 500):
                    query = select(table.c.id, table.c.record).where(
                        table.c.id.in_(wanted[i : i + 500])
                    )
                    out.update({rid: data for rid, data in conn.execute(query)})
        except SQLAlchemyError as err:
            raise _db_error(self._url(), err, "read") from None
        return out

    def records(self, ids: Iterable[str]) -> dict[str, Record]:
        """The readable records of ``ids``: only their JSON is read, and parsed once."""
        out: dict[str, Record] = {}
        for rid, data in self.stored(ids).items():
            record = _record(data)
            if record is not None:
                out[rid] = record
        return out

    def put(self, items: Iterable[Fetched], now: datetime | None = None) -> None:
        """Store fresh records, all in one transaction.

        An upsert (``INSERT … ON CONFLICT``): a record another process stored
        meanwhile is updated, never a duplicate-key failure. ``changed_at`` moves
        only when the stored record differs.
        """
        now = now or datetime.now(UTC)
        values: dict[str, dict[str, Any]] = {}
        for item in items:
            values[item.record.id] = {
                "id": item.record.id,
                "kind": item.record.kind,
                "record": to_dict(item.record),
                "raw": item.raw,
                "source_url": item.url,
                "etag": item.etag,
                "fetched_at": now,
                "changed_at": now,
                "last_error": None,
                "last_error_at": None,
                "error_count": 0,
            }
        rows = list(values.values())
        if not rows:
            return
        with self.session() as s:
            s.execute(self._upsert(), rows)  # executemany: one statement, many rows
            # Stored by an alignfetch that cleans and checks: the next equal answer
            # needs neither again (CachedRow.checked). No time: fetched_at says it.
            s.execute(self._check_upsert(), [{"id": rid, "checked_at": None} for rid in values])

    def _check_upsert(self) -> Any:
        insert = _insert(self.engine)
        # On the table, not the ORM class: the ORM's bulk path inspected each of a
        # refresh's twenty thousand rows for nothing.
        table = cast("Table", Check.__table__)
        stmt = insert(table)
        return stmt.on_conflict_do_update(
            index_elements=[table.c.id], set_={"checked_at": stmt.excluded.checked_at}
        )

    def _upsert(self) -> Any:
        stmt = _insert(self.engine)(CachedRecord)
        new = stmt.excluded
        columns = [c.name for c in CachedRecord.__table__.columns]
        changes: dict[str, Any] = {c: new[c] for c in columns if c not in {"id", "changed_at"}}
        changes["changed_at"] = case(
            (CachedRecord.record == new.record, CachedRecord.changed_at), else_=new.changed_at
        )
        return stmt.on_conflict_do_update(index_elements=[CachedRecord.id], set_=changes)

    def touch(
        self,
        ids: Iterable[str],
        now: datetime | None = None,
        held: Mapping[str, CachedRow | Seal] | None = None,
    ) -> None:
        """Mark records as confirmed by upstream (a 304, or the same answer again)
        without changing them: one narrow row each in ``checks``.

        A record's wide row is written only to forget its errors, when it has any: a
        night where nothing changed rewrote every record (some 2 KB each) to move one
        date. ``held`` holds rows read a moment ago (:meth:`get`): those are not read
        again to learn whether they exist and have errors. A check for an ID the cache
        holds no record of creates nothing."""
        now = now or datetime.now(UTC)
        held = held or {}
        wanted = list(dict.fromkeys(ids))
        if self.engine.dialect.name == "sqlite":
            # One way for SQLite, with SQLAlchemy or without (a warm refresh): its own SQL.
            try:
                with self.session() as s:
                    touch_in(_driver(s.connection()), wanted, now, held)
            except sqlite3.Error as err:
                raise _db_error(self._url(), err, "written") from None
            return
        table = CachedRecord.__table__
        failed = or_(
            table.c.last_error.is_not(None),
            table.c.last_error_at.is_not(None),
            table.c.error_count != 0,
        )
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                known = [(r, erred(row)) for r in chunk if (row := held.get(r)) is not None]
                renew = {r for r in chunk if (row := held.get(r)) is not None and vouched(row)}
                unknown = [r for r in chunk if r not in held]
                if unknown:
                    known += s.execute(
                        select(table.c.id, failed).where(table.c.id.in_(unknown))
                    ).all()
                if not known:
                    continue
                if renew:  # only an existing check: see rows.vouched
                    s.execute(
                        update(Check)
                        .where(Check.id.in_(renew))
                        .values(checked_at=now)
                        .execution_options(synchronize_session=False)
                    )
                new = [{"id": r, "checked_at": now} for r, _ in known if r not in renew]
                if new:
                    s.execute(self._check_upsert(), new)
                errors = [rid for rid, erred in known if erred]
                if errors:
                    s.execute(
                        update(CachedRecord)
                        .where(CachedRecord.id.in_(errors))
                        .values(last_error=None, last_error_at=None, error_count=0)
                        .execution_options(synchronize_session=False)
                    )

    def record_error(self, errors: dict[str, str], now: datetime | None = None) -> None:
        """Note failures on records we already hold; their data stays as it was."""
        now = now or datetime.now(UTC)
        with self.session() as s:
            for rid, message in errors.items():
                s.execute(
                    update(CachedRecord)
                    .where(CachedRecord.id == rid)
                    .values(
                        last_error=message,
                        last_error_at=now,
                        error_count=func.coalesce(CachedRecord.error_count, 0) + 1,
                    )
                    .execution_options(synchronize_session=False)
                )

    # -- sharing (PostgreSQL) -------------------------------------------------------

    @contextmanager
    def advisory_lock(self, name: str, timeout: float, held: str) -> Iterator[None]:
        """Hold PostgreSQL's session advisory lock ``name``, waiting up to ``timeout`` seconds.

        Raises :class:`LockError` with the sentence ``held`` when another process
        keeps it longer. The lock dies with its connection: a killed process
        never leaves it behind.
        """
        with self._advisory(name, timeout) as got:
            if not got:
                raise LockError(held)
            yield

    @contextmanager
    def turn(self, name: str, timeout: float) -> Iterator[bool]:
        """Like :meth:`advisory_lock`, but after ``timeout`` go ahead without it (False)."""
        if not self.shared:
            yield True
            return
        with self._advisory(name, timeout) as got:
            yield got

    @contextmanager
    def _advisory(self, name: str, timeout: float) -> Iterator[bool]:
        key = lock_key(name)
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as err:
            raise _db_error(self._url(), err, "opened") from None
        with conn:
            try:
                deadline = time.monotonic() + timeout
                got = False
                while True:
                    got = bool(
                        conn.execute(
                            text("SELECT pg_try_advisory_lock(CAST(:key AS bigint))"),
                            {"key": key},
                        ).scalar()
                    )
                    if got or time.monotonic() >= deadline:
                        break
                    time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            except SQLAlchemyError as err:
                raise _db_error(self._url(), err, "read") from None
            try:
                yield got
            finally:
                # If the connection is gone, its lock went with it.
                with suppress(SQLAlchemyError):
                    if got:
                        conn.execute(
                            text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": key}
                        )

    @contextmanager
    def paced(self, name: str, interval: float) -> Iterator[None]:
        """Send one request to ``name`` at least ``interval`` seconds after any other's ended
        (:data:`alignfetch.http.policy.shared_pace`).

        Every process sharing this (PostgreSQL) cache holds the advisory lock
        ``name`` while it sends, and notes, in the records table's row
        ``pace:<name>``, when its request ended, by the database's clock: so any
        number of processes together keep to one request per ``interval``.
        """
        rid = PACE_PREFIX + name
        key = lock_key("alignfetch:" + rid)
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as err:
            raise _db_error(self._url(), err, "opened") from None
        try:
            conn.execute(text("SELECT pg_advisory_lock(CAST(:key AS bigint))"), {"key": key})
            last, now = conn.execute(
                select(
                    select(CachedRecord.fetched_at).where(CachedRecord.id == rid).scalar_subquery(),
                    func.clock_timestamp(),
                )
            ).one()
        except SQLAlchemyError as err:
            conn.invalidate()  # drops the connection, and any lock it took
            conn.close()
            raise _db_error(self._url(), err, "read") from None
        with conn:
            try:
                if last is not None:
                    wait = interval - (now - last).total_seconds()
                    if wait > 0:
                        time.sleep(min(wait, interval))
                yield
            finally:
                from sqlalchemy.dialects.postgresql import insert

                stamp = func.clock_timestamp()
                stmt = insert(CachedRecord).values(
                    id=rid,
                    kind="pace",
                    record={},
                    raw="",
                    source_url="",
                    fetched_at=stamp,
                    changed_at=stamp,
                    error_count=0,
                )
                try:
                    conn.execute(
                        stmt.on_conflict_do_update(
                            index_elements=[CachedRecord.id],
                            set_={"fetched_at": stmt.excluded.fetched_at},
                        )
                    )
                    conn.execute(
                        text("SELECT pg_advisory_unlock(CAST(:key AS bigint))"), {"key": key}
                    )
                except SQLAlchemyError:
                    conn.invalidate()  # never back to the pool holding the lock


def _insert(engine: Engine) -> Any:
    """The dialect's ``INSERT … ON CONFLICT`` (its module imported only for its own cache)."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    from sqlalchemy.dialects import sqlite

    return sqlite.insert


def readable(data: Any) -> bool:
    """Whether a row's JSON is a record alignfetch can use: every field there, rightly typed."""
    return _record(data) is not None


_record = read
"""The record a row's JSON holds, or None (:func:`alignfetch.stored.read`)."""


def open_cache(url: str) -> Cache:
    """Open (creating and upgrading as needed) the cache at a SQLAlchemy URL."""
    _regular_or_none(url)
    try:
        engine = make_engine(url)
        current = current_revision(engine)
        if current is not None and "," not in current and current not in REVISIONS:
            # Alembic would only say it cannot locate the revision; deleting a newer
            # alignfetch's cache (perhaps shared by other lists) is the wrong advice.
            raise AlignfetchError(
                f"The cache at {shown(url)} has schema revision {current}, which only a newer "
                "alignfetch knows; upgrade alignfetch (pip install -U alignfetch), or give "
                "another cache with --db."
            )
        if current != HEAD_REVISION:
            upgrade(engine)
    except AlignfetchError:
        raise
    except Exception as err:  # noqa: BLE001  # not SQLite, locked, read-only, no driver, bad URL
        raise _db_error(url, err, "opened") from None
    return Cache(engine)


def _regular_or_none(url: str) -> None:
    """A SQLite cache is a regular file or nothing yet: never a device, a FIFO or a
    folder, which SQLite would fail on with advice to delete them."""
    import stat

    if backend(url) != "sqlite":
        return
    try:
        from sqlalchemy.engine import make_url

        database = make_url(url).database
        mode = Path(database).stat().st_mode if database else None
    except (OSError, ValueError):
        return  # nothing there yet, or not a path: SQLite says what is wrong
    if mode is not None and not stat.S_ISREG(mode):
        raise AlignfetchError(
            f"The cache at {shown(url)} is a device, a FIFO or a folder, not a database file; "
            "give --db the URL of a file (sqlite:///path/to/cache.sqlite)."
        )


def revision_of(url: str) -> str | None:
    """The schema revision of the cache at ``url``; None for none (nothing is created)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    try:
        return current_revision(make_engine(url))
    except Exception as err:  # noqa: BLE001  # as in open_cache
        raise _db_error(url, err, "read") from None


def _db_error(url: str, err: BaseException, done: str) -> AlignfetchError:
    reason = scrub(str(getattr(err, "orig", None) or err).splitlines()[0], url)
    where = shown(url)
    if isinstance(err, ModuleNotFoundError) and err.name:
        return AlignfetchError(
            f"The cache at {where} needs the Python module {err.name}, which is not installed; "
            "install it (for PostgreSQL and psycopg: pip install 'alignfetch[postgres]')."
        )
    if "locked" in reason:
        return AlignfetchError(
            f"The cache at {where} is locked by another program; wait for it to finish and "
            "try again."
        )
    if done == "written":
        return AlignfetchError(
            f"The cache at {where} could not be written ({reason}); check its folder's free "
            "space and permissions."
        )
    if backend(url) == "postgresql" and isinstance(err, OperationalError):
        # A server that refused or a wrong database: deleting a shared cache would not help.
        return AlignfetchError(
            f"The cache at {where} could not be {done} ({reason}); check that the PostgreSQL "
            "server is running and that the URL's host, port, user and database are right."
        )
    return AlignfetchError(
        f"The cache at {where} could not be {done} ({reason}); fix or delete it "
        "(alignfetch rebuilds it from upstream)."
    )
