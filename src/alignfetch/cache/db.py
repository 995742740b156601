"""The cache: opening it, migrating it, reading and writing records.

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

import hashlib
import json
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    case,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alignfetch.cache.models import CachedRecord, Check
from alignfetch.cache.sqlite_read import (
    HEAD_REVISION as HEAD_REVISION,  # the newest migration's, defined there
)
from alignfetch.cache.sqlite_read import REVISIONS as REVISIONS  # every migration's, oldest first
from alignfetch.cache.urls import backend as backend  # where callers have found them
from alignfetch.cache.urls import scrub
from alignfetch.cache.urls import shown as shown
from alignfetch.cache.urls import sqlite_url as sqlite_url
from alignfetch.errors import AlignfetchError, LockError
from alignfetch.records import Record, to_dict
from alignfetch.stored import read

if TYPE_CHECKING:

    from alembic.config import Config

    from alignfetch.sources import Fetched

MIGRATION_LOCK_TIMEOUT = 600.0
"""Seconds a process waits for another one's migration of the same cache."""
PACE_PREFIX = "pace:"
"""Rows of the records table whose ID starts so hold a shared pace, not a record."""


def migrations_dir() -> Path:
    """Alembic's script folder: shipped in the package, or the source tree's."""
    package = Path(__file__).resolve().parents[1]  # alignfetch/, above cache/
    for candidate in (package / "migrations", package.parents[1] / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise AlignfetchError("alignfetch's migrations are missing; reinstall alignfetch.")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _lenient_loads(data: str | bytes) -> Any:
    """JSON from the database; text that is not JSON reads as None (an unreadable row)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


SQLITE_PAGE_SIZE = 32768
"""Bytes per page of a new SQLite cache (SQLite's largest is 65536, its default 4096)."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_deserializer=_lenient_loads)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # busy_timeout makes a second writer wait for the database lock instead
            # of failing at once.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            # Pages of 32 KB instead of 4 KB, for a new cache (an existing one keeps its
            # size; nothing runs VACUUM): a paper's row is some 2 KB, so a 4 KB page held
            # one and left the rest empty, and the file was near twice its rows' size.
            cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cur.close()

    return engine


def current_revision(engine: Engine) -> str | None:
    """The revision stored in ``alembic_version``, read with a plain query; None when none."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:  # branches: not alignfetch's, but let Alembic sort them out
        return ",".join(sorted(rows))
    return rows[0] if rows else None


def head_revision(url: str) -> str | None:
    """The newest revision among the migration scripts, as Alembic finds it."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def lock_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a name."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def _sqlite_file(engine: Engine) -> Path | None:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision``, one process at a time.

    Another process may have migrated while this one waited: Alembic reads the
    revision again under the lock, so the second one finds nothing to do.
    """
    from alembic import command
    from filelock import FileLock, Timeout

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    path = _sqlite_file(engine)
    lock = (
        FileLock(f"{path}.lock", timeout=MIGRATION_LOCK_TIMEOUT)
        if path is not None
        else nullcontext()
    )
    try:
        with lock, engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                # Released when this transaction ends, with the migration committed.
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(CAST(:key AS bigint))"),
                    {"key": lock_key("alignfetch:migrate")},
                )
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except Timeout:
        raise LockError(
            f"Another alignfetch process has been migrating the cache at {shown(str(engine.url))} "
            f"for {MIGRATION_LOCK_TIMEOUT:g} seconds; wait for it to finish and try again."
        ) from None


_ROW_COLUMNS = (
    "id",
    "kind",
    "record",
    "raw",
    "source_url",
    "etag",
    "fetched_at",
    "changed_at",
    "last_error",
    "last_error_at",
    "error_count",
)


@dataclass(frozen=True, slots=True)
class CachedRow:
    """One row of the records table as plain values (:meth:`Cache.get`), its record parsed."""

    id: str
    kind: str
    record: dict[str, Any]
    """The record's JSON as stored."""
    raw: str
    source_url: str
    etag: str | None
    fetched_at: datetime
    changed_at: datetime
    last_error: str | None
    last_error_at: datetime | None
    error_count: int
    parsed: Record
    """The record :attr:`record` holds (only readable rows are returned)."""
    checked: bool = False
    """Whether the record has a row in ``checks``: it was stored or confirmed by an
    alignfetch that cleans and checks what it stores (revision 0003 and later), so a
    fresh answer equal to it needs neither again. :attr:`fetched_at` is already the
    newer of the record's own time and its check's."""

    def same(self, item: Fetched, raw: str) -> bool:
        """Whether storing ``item`` (its raw payload stored as ``raw``) would change this
        row's data: the same record, payload, ETag and URL."""
        return (
            self.parsed == item.record
            and self.raw == raw
            and self.etag == item.etag
            and self.source_url == item.url
        )


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

        Plain values read with a Core select, a few hundred rows per query, each
        record parsed once (:attr:`CachedRow.parsed`): refresh reads ten thousand
        rows, and the ORM's objects would cost more than the rows themselves.
        """
        try:
            with self.engine.connect() as conn:
                return self._rows(conn, ids)
        except SQLAlchemyError as err:
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

    @staticmethod
    def _rows(conn: Connection, ids: Iterable[str]) -> dict[str, CachedRow]:
        """The readable rows of ``ids``, loaded a few hundred per query, each with its
        check time (``checks``) joined.

        SQLite's rows are read in its own SQL, their JSON and times decoded here
        (:func:`_utc`): SQLAlchemy's per-value processing cost more than the reading
        itself when a refresh reads some forty thousand rows. The collector of cycles
        is held off meanwhile: the rows make many objects and no cycles, and it ran
        dozens of times over them."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, CachedRow] = {}
        with _no_collection():
            if conn.dialect.name == "sqlite":
                fetched = _sqlite_rows(conn, wanted)
            else:
                fetched = _core_rows(conn, wanted)
            for values in fetched:
                rid, kind, data, raw, url, etag, at, changed, error, error_at, errors = values[:11]
                check, has_check = values[11:]
                parsed = _record(data)
                if parsed is None:
                    continue
                out[rid] = CachedRow(
                    rid,
                    kind,
                    data,
                    raw,
                    url,
                    etag,
                    check if check is not None and check > at else at,
                    changed,
                    error,
                    error_at,
                    errors,
                    parsed,
                    bool(has_check),
                )
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
        from sqlalchemy.dialects import postgresql, sqlite

        pg = self.engine.dialect.name == "postgresql"
        # On the table, not the ORM class: the ORM's bulk path inspected each of a
        # refresh's twenty thousand rows for nothing.
        table = cast("Table", Check.__table__)
        stmt = (postgresql.insert if pg else sqlite.insert)(table)
        return stmt.on_conflict_do_update(
            index_elements=[table.c.id], set_={"checked_at": stmt.excluded.checked_at}
        )

    def _upsert(self) -> Any:
        from sqlalchemy.dialects import postgresql, sqlite

        pg = self.engine.dialect.name == "postgresql"
        stmt = (postgresql.insert if pg else sqlite.insert)(CachedRecord)
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
        held: Mapping[str, CachedRow] | None = None,
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
        table = CachedRecord.__table__
        failed = or_(
            table.c.last_error.is_not(None),
            table.c.last_error_at.is_not(None),
            table.c.error_count != 0,
        )
        with self.session() as s:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                known = [(r, _erred(row)) for r in chunk if (row := held.get(r)) is not None]
                unknown = [r for r in chunk if r not in held]
                if unknown:
                    known += s.execute(
                        select(table.c.id, failed).where(table.c.id.in_(unknown))
                    ).all()
                if not known:
                    continue
                s.execute(self._check_upsert(), [{"id": r, "checked_at": now} for r, _ in known])
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


BATCH = 500
"""IDs per query (SQLite allows 999 parameters in its oldest builds)."""


def _core_rows(conn: Connection, wanted: list[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``wanted`` (:data:`_ROW_COLUMNS`, the check's time, whether it has a
    check) through
    SQLAlchemy, its types decoding every value (PostgreSQL)."""
    table = CachedRecord.__table__
    checks = Check.__table__
    columns = [
        *(table.c[name] for name in _ROW_COLUMNS),
        checks.c.checked_at,
        checks.c.id.is_not(None),
    ]
    for i in range(0, len(wanted), BATCH):
        query = (
            select(*columns)
            .select_from(table.outerjoin(checks, checks.c.id == table.c.id))
            .where(table.c.id.in_(wanted[i : i + BATCH]))
        )
        yield from conn.execute(query).all()


def _sqlite_rows(conn: Connection, wanted: list[str]) -> Iterator[tuple[Any, ...]]:
    """:func:`_core_rows` on SQLite, in SQLite's own SQL, decoded here: the JSON
    leniently (:func:`_lenient_loads`), the times as :class:`UTCDateTime` would, each
    distinct time once (a refresh stores its records with one time)."""
    columns = ", ".join(f"r.{name}" for name in _ROW_COLUMNS)
    times: dict[Any, Any] = {None: None}

    def utc(value: Any) -> Any:
        moment = times.get(value, _UNSEEN)
        if moment is _UNSEEN:
            moment = times[value] = _utc(value)
        return moment

    for i in range(0, len(wanted), BATCH):
        chunk = wanted[i : i + BATCH]
        result = conn.exec_driver_sql(  # the driver's own placeholders: no types to apply
            f"SELECT {columns}, c.checked_at, c.id IS NOT NULL FROM records AS r "
            "LEFT OUTER JOIN checks AS c ON c.id = r.id "
            f"WHERE r.id IN ({', '.join('?' * len(chunk))})",
            tuple(chunk),
        )
        for row in result.all():
            rid, kind, data, raw, url, etag, at, changed, error, error_at, n, check, has = row
            yield (
                rid,
                kind,
                None if data is None else _lenient_loads(data),
                raw,
                url,
                etag,
                utc(at),
                utc(changed),
                error,
                utc(error_at),
                n,
                utc(check),
                has,
            )


_UNSEEN = object()


@contextmanager
def _no_collection() -> Iterator[None]:
    """Hold off Python's collector of cycles for a while (as it was, after)."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _erred(row: CachedRow) -> bool:
    """Whether ``row`` holds a failure that a confirmation forgets."""
    return row.last_error is not None or row.last_error_at is not None or row.error_count != 0


def _utc(value: Any) -> Any:
    """A time as SQLite holds it (naive UTC text, :class:`UTCDateTime`) as an aware
    datetime; None stays None."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


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
