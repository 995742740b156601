"""Reading the cache's rows: each record's row with its last check, as :class:`CachedRow`.

:func:`read_rows` serves :meth:`alignfetch.cache.db.Cache.get`: on SQLite in its own
SQL, the JSON and times decoded here (SQLAlchemy's per-value processing cost more than
the reading itself when a refresh reads some forty thousand rows), on PostgreSQL through
SQLAlchemy's types. A row that holds no record alignfetch can use counts as missing.
:func:`read_times` serves :meth:`~alignfetch.cache.db.Cache.times`: only each row's fetch
time and whether its record says ``found``, read in SQL without decoding the records.
:func:`read_seals` serves :meth:`~alignfetch.cache.db.Cache.seals`: a checked row's ETag,
times and errors, its record not read at all (a refresh's papers).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alignfetch.records import Record
from alignfetch.stored import read

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy import Connection

    from alignfetch.sources import Fetched


def lenient_loads(data: str | bytes) -> Any:
    """JSON from the database; text that is not JSON reads as None (an unreadable row)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


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
    alignfetch that cleans and checks what it stores (revision 0003 and later), and not
    changed by any other hand since (0004's triggers drop the check), so a fresh answer
    equal to it needs neither again. :attr:`fetched_at` is already the newer of the
    record's own time and its check's."""

    def same(self, item: Fetched, raw: str) -> bool:
        """Whether storing ``item`` (its raw payload stored as ``raw``) would change this
        row's data: the same record, payload, ETag and URL."""
        return (
            self.parsed == item.record
            and self.raw == raw
            and self.etag == item.etag
            and self.source_url == item.url
        )


def read_rows(conn: Connection, ids: Iterable[str]) -> dict[str, CachedRow]:
    """The readable rows of ``ids``, loaded a few hundred per query, each with its
    check time (``checks``) joined.

    SQLite's rows are read in its own SQL, their JSON and times decoded here
    (:func:`_utc`): SQLAlchemy's per-value processing cost more than the reading
    itself when a refresh reads some forty thousand rows. The collector of cycles
    is held off meanwhile: the rows make many objects and no cycles, and it ran
    dozens of times over them."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, CachedRow] = {}
    with no_collection():
        if conn.dialect.name == "sqlite":
            return sqlite_rows(_driver(conn), wanted)
        for values in _core_rows(conn, wanted):
            row = _row(*values)
            if row is not None:
                out[row.id] = row
    return out


def _row(
    rid: str, kind: str, record: Any, raw: str, url: str, etag: str | None, at: Any,
    changed: Any, error: str | None, error_at: Any, errors: int, check: Any, has: Any,
) -> CachedRow | None:
    """A row's values as read (times decoded), as its :class:`CachedRow`: its fetch time
    the newer of the record's and its check's; None when it holds no readable record."""
    parsed = read(record)
    if parsed is None:
        return None
    at = _newer(at, check)
    return CachedRow(rid, kind, record, raw, url, etag, at, changed, error, error_at, errors,
                     parsed, bool(has))  # fmt: skip


BATCH = 500
"""IDs per query (SQLite allows 999 parameters in its oldest builds)."""


def _core_rows(conn: Connection, wanted: list[str]) -> Iterator[tuple[Any, ...]]:
    """The rows of ``wanted`` (:data:`_ROW_COLUMNS`, the check's time, whether it has a
    check) through SQLAlchemy, its types decoding every value (PostgreSQL)."""
    return _joined(
        conn,
        wanted,
        lambda table, checks: [
            *(table.c[name] for name in _ROW_COLUMNS),
            checks.c.checked_at,
            checks.c.id.is_not(None),
        ],
    )


def _joined(
    conn: Connection,
    ids: Iterable[str],
    columns: Callable[[Any, Any], list[Any]],
    where: Callable[[Any, Any], Any] | None = None,
    *,
    checked: bool = False,
) -> Iterator[tuple[Any, ...]]:
    """``columns(records, checks)`` of the records of ``ids`` joined to their checks (only
    those that have one, when ``checked``), where ``where(records, checks)`` holds, a few
    hundred IDs per query, through SQLAlchemy (PostgreSQL's way; SQLite has its own SQL)."""
    from sqlalchemy import select

    from alignfetch.cache.models import CachedRecord, Check

    table, checks = CachedRecord.__table__, Check.__table__
    on = checks.c.id == table.c.id
    joined = table.join(checks, on) if checked else table.outerjoin(checks, on)
    wanted = list(dict.fromkeys(ids))
    for i in range(0, len(wanted), BATCH):
        query = select(*columns(table, checks)).select_from(joined)
        query = query.where(table.c.id.in_(wanted[i : i + BATCH]))
        if where is not None:
            query = query.where(where(table, checks))
        yield from conn.execute(query).all()


def sqlite_rows(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, CachedRow]:
    """What :func:`read_rows` makes of :func:`_core_rows`, on SQLite, through the driver's
    connection ``conn`` (SQLAlchemy's, or the standard library's own:
    :mod:`alignfetch.cache.sqlite_read`): in SQLite's own SQL, decoded here, the JSON
    leniently (:func:`lenient_loads`), the times as :class:`UTCDateTime` would, each
    distinct time once (a refresh stores its records with one time). Each row goes from
    the driver's tuple to its :class:`CachedRow` with no tuple between but its decoded
    values (there are tens of thousands in a refresh)."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, CachedRow] = {}
    columns = ", ".join(f"r.{name}" for name in _ROW_COLUMNS)
    utc = _utc_once()
    with no_collection():  # many objects, no cycles: the collector would only walk them
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i : i + BATCH]
            result = conn.execute(  # the driver's own placeholders: no types to apply
                f"SELECT {columns}, c.checked_at, c.id IS NOT NULL FROM records AS r "
                "LEFT OUTER JOIN checks AS c ON c.id = r.id "
                f"WHERE r.id IN ({', '.join('?' * len(chunk))})",
                tuple(chunk),
            )
            for row in result.fetchall():
                rid, kind, data, raw, url, etag, at, changed, error, error_at, n, check, has = row
                record: Any = None if data is None else lenient_loads(data)
                try:
                    made = _row(rid, kind, record, raw, url, etag, utc(at), utc(changed), error,
                                utc(error_at), n, utc(check), has)  # fmt: skip
                except (ValueError, TypeError):
                    continue  # a time that is no time: a damaged row, missing
                if made is not None:
                    out[rid] = made
    return out


def _utc_once() -> Callable[[Any], Any]:
    """:func:`_utc`, each distinct value decoded once (a refresh stores its records, and
    writes its checks, with one time each)."""
    seen: dict[Any, Any] = {None: None}

    def utc(value: Any) -> Any:
        moment = seen.get(value, _UNSEEN)
        if moment is _UNSEEN:
            moment = seen[value] = _utc(value)
        return moment

    return utc


def _newer(at: datetime, check: datetime | None) -> datetime:
    """A row's fetch time: the newer of its record's and its check's."""
    return check if check is not None and check > at else at


_UNSEEN = object()


@contextmanager
def no_collection() -> Iterator[None]:
    """Hold off Python's collector of cycles for a while (as it was, after)."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass(frozen=True, slots=True)
class FetchTime:
    """What :func:`read_times` reads of a row: when it was last fetched, and whether its
    record says it was found (a scholarly record's ``found``)."""

    at: datetime
    """The newer of the record's ``fetched_at`` and its check's, as :attr:`CachedRow.fetched_at`."""
    found: bool
    """Whether the record's ``found`` is JSON ``true`` (False when it is anything else,
    or absent: only scholarly records have it)."""


def read_times(conn: Connection, ids: Iterable[str]) -> dict[str, FetchTime]:
    """The fetch times of the rows of ``ids`` (:class:`FetchTime`), a few hundred per query,
    the records left undecoded: a refresh of 9,000 papers needs only these of their pages'
    and OpenAlex's rows, and decoding those 18,000 records took a tenth of its CPU.

    A row that is no record at all (SQL NULL, text that is not JSON, JSON that is no
    object) counts as missing, as it does for :func:`read_rows`. One whose JSON is an
    object but whose fields are missing or of the wrong type, which :func:`read_rows`
    counts as missing, counts here by its time (and ``found`` only when it is ``true``):
    the trade-off of not decoding it. Its record is fetched again once its time says so,
    and stored over it then."""
    if conn.dialect.name == "sqlite":
        return sqlite_times(_driver(conn), ids)
    from sqlalchemy import func, type_coerce
    from sqlalchemy.dialects.postgresql import JSONB

    def record(table: Any) -> Any:
        return type_coerce(table.c.record, JSONB)

    found = _joined(
        conn,
        ids,
        lambda table, checks: [
            table.c.id,
            table.c.fetched_at,
            checks.c.checked_at,
            record(table).contains({"found": True}),  # JSONB's @>: exactly true, of an object
        ],
        lambda table, _: func.jsonb_typeof(record(table)) == "object",
    )
    return {rid: FetchTime(_newer(at, check), bool(yes)) for rid, at, check, yes in found}


def sqlite_times(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, FetchTime]:
    """What :func:`read_times` reads, on SQLite, through the driver's connection ``conn``:
    in its own SQL, its JSON functions guarded by ``json_valid`` (the others fail on text
    that is not JSON), the times decoded here as :func:`sqlite_rows` decodes them."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, FetchTime] = {}
    utc = _utc_once()
    for i in range(0, len(wanted), BATCH):
        chunk = wanted[i : i + BATCH]
        result = conn.execute(
            "SELECT r.id, r.fetched_at, c.checked_at, "
            "CASE WHEN json_valid(r.record) THEN json_type(r.record, '$.found') = 'true' END "
            "FROM records AS r LEFT OUTER JOIN checks AS c ON c.id = r.id "
            f"WHERE r.id IN ({', '.join('?' * len(chunk))}) "
            "AND CASE WHEN json_valid(r.record) THEN json_type(r.record) = 'object' END",
            tuple(chunk),
        )
        for rid, at, check, found in result.fetchall():
            try:
                newer = _newer(utc(at), utc(check))
            except (ValueError, TypeError):
                continue  # a time that is no time: a damaged row, missing
            out[rid] = FetchTime(newer, bool(found))
    return out


@dataclass(frozen=True, slots=True)
class Seal:
    """What :func:`read_seals` reads of a checked row: all a refresh needs of a record
    upstream is likely to confirm unchanged, its record left unread."""

    id: str
    etag: str
    """The ETag the record was stored with (an arXiv paper's: its entry's fingerprint)."""
    fetched_at: datetime
    """As :attr:`CachedRow.fetched_at`: the newer of the record's time and its check's."""
    last_error: str | None
    last_error_at: datetime | None
    error_count: int


_SEAL_COLUMNS = ("id", "etag", "fetched_at", "last_error", "last_error_at", "error_count")


def read_seals(conn: Connection, ids: Iterable[str]) -> dict[str, Seal]:
    """The rows of ``ids`` that have a check and an ETag, as :class:`Seal`, their records
    neither read nor decoded: a warm refresh's 9,000 papers cost a tenth of its time to
    decode, only to be confirmed unchanged by their fingerprints.

    A check vouches for its record: it was written by an alignfetch that cleans and
    checks what it stores, and migration 0004's triggers drop the check of a record
    whose JSON or ETag anything else changes, and of a row deleted or inserted. A row
    that fails to read here is read the full way (:func:`read_rows`), which counts it as
    missing if it holds no usable record."""
    if conn.dialect.name == "sqlite":
        return sqlite_seals(_driver(conn), ids)
    sealed = _joined(
        conn,
        ids,
        lambda table, checks: [*(table.c[name] for name in _SEAL_COLUMNS), checks.c.checked_at],
        lambda table, _: table.c.etag.is_not(None),
        checked=True,
    )
    return {
        rid: Seal(rid, etag, _newer(at, check), error, error_at, n)
        for rid, etag, at, error, error_at, n, check in sealed
    }


def sqlite_seals(conn: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Seal]:
    """What :func:`read_seals` reads, on SQLite, through the driver's connection ``conn``,
    the times decoded as :func:`sqlite_rows` decodes them."""
    wanted = list(dict.fromkeys(ids))
    out: dict[str, Seal] = {}
    columns = ", ".join(f"r.{name}" for name in _SEAL_COLUMNS)
    utc = _utc_once()
    for i in range(0, len(wanted), BATCH):
        chunk = wanted[i : i + BATCH]
        result = conn.execute(
            f"SELECT {columns}, c.checked_at FROM records AS r "
            "JOIN checks AS c ON c.id = r.id "
            f"WHERE r.id IN ({', '.join('?' * len(chunk))}) AND r.etag IS NOT NULL",
            tuple(chunk),
        )
        for rid, etag, at, error, error_at, n, check in result.fetchall():
            try:
                out[rid] = Seal(rid, etag, _newer(utc(at), utc(check)), error, utc(error_at), n)
            except (ValueError, TypeError):
                continue  # a time that is no time: a damaged row, read the full way
    return out


def _driver(conn: Connection) -> sqlite3.Connection:
    """The standard library's connection under SQLAlchemy's (in its transaction)."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver  # type: ignore[no-any-return]


def vouched(row: CachedRow | Seal) -> bool:
    """Whether ``row`` had a check when it was read. A confirmation only renews such a
    check, never writes it anew: one a trigger dropped meanwhile (a hand changed the
    record while the refresh ran) stays dropped, and the next refresh reads the record."""
    return isinstance(row, Seal) or row.checked


def erred(row: CachedRow | Seal) -> bool:
    """Whether ``row`` holds a failure that a confirmation forgets."""
    return row.last_error is not None or row.last_error_at is not None or row.error_count != 0


def _utc(value: Any) -> Any:
    """A time as SQLite holds it (naive UTC text, :class:`UTCDateTime`) as an aware
    datetime; None stays None."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
