"""A SQLite cache with the standard library: records for reading commands, rows and
check times for a refresh.

``list``, ``show`` and their kind only read records, and a refresh where nothing
changed reads rows and writes check times. SQLAlchemy and its ORM take longer to
import than such a command may take in all (a fifth of a second), so a SQLite cache
file that is at the newest schema revision is read here with :mod:`sqlite3`, and a
refresh's checks are written here (:func:`touch`, the one write); a command never
creates or upgrades a cache through this module. Anything else (PostgreSQL, a cache
that does not exist, one behind or ahead of :data:`HEAD_REVISION`, any error at all)
is not served here, and the caller opens the cache the full way
(:func:`alignfetch.db.open_cache`), which upgrades it or says in one sentence what is
wrong. A row that holds no record alignfetch can use counts as missing, as in
:meth:`alignfetch.db.Cache.records`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

from alignfetch.errors import AlignfetchError

if TYPE_CHECKING:  # the record types load with the first record read: a kept text reads none
    from alignfetch.cache.rows import CachedRow, FetchTime, Seal
    from alignfetch.records import Record

T = TypeVar("T")

REVISIONS = ("0001", "0002", "0003", "0004")
"""Every migration's revision, oldest first (a test keeps it equal to Alembic's history).

A cache at a revision not named here was written by a newer alignfetch."""
HEAD_REVISION = REVISIONS[-1]
"""The newest migration's revision (tests/test_db.py keeps it equal to Alembic's head).

Opening a cache compares the stored revision with it, so that Alembic, slow to
import, loads only when an upgrade is due; a cache at any other revision is
never read here."""

BATCH = 500
"""IDs per query (SQLite allows 999 parameters in its oldest builds)."""
BUSY_TIMEOUT = 30.0
"""Seconds to wait for a writer's lock, as the full cache does (``PRAGMA busy_timeout``)."""


def sqlite_path(url: str) -> Path | None:
    """The file a plain ``sqlite:///path`` URL names; None for any other URL (a query
    string, an escape, memory, another database), which the full way reads."""
    if not url.startswith("sqlite:///") or "?" in url or "%" in url or "#" in url:
        return None
    database = url.removeprefix("sqlite:///")
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _open(url: str, *, write: bool = False) -> sqlite3.Connection | None:
    """A connection in a transaction (for writing: holding SQLite's write lock) to the
    cache file at ``url``, when this module serves it (a file at the newest revision);
    else None. Never creates the file."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    try:
        # mode=ro / mode=rw: never creates the file.
        uri = "file:" + quote(str(path.resolve())) + ("?mode=rw" if write else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT, isolation_level=None)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        # One transaction: the revision and the rows are of the same moment.
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        revisions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError as err:
        conn.close()
        _locked(url, err)
        return None
    except sqlite3.Error:
        conn.close()
        return None
    if revisions != [(HEAD_REVISION,)]:
        conn.close()
        return None
    return conn


def _locked(url: str, err: sqlite3.Error) -> None:
    """Already waited BUSY_TIMEOUT for a locked cache: the full way would wait as long
    again, so say it here."""
    if "locked" in str(err):
        raise AlignfetchError(
            f"The cache at {url} is locked by another program; wait for it to finish "
            "and try again."
        ) from None


def records(url: str, ids: Iterable[str]) -> dict[str, Record] | None:
    """The readable records of ``ids`` in the SQLite cache at ``url``; None when this
    module does not serve that cache (see the module's docstring)."""
    from alignfetch.stored import read

    wanted = list(dict.fromkeys(ids))

    def records_in(conn: sqlite3.Connection) -> dict[str, Record] | None:
        out: dict[str, Record] = {}
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i : i + BATCH]
            query = f"SELECT id, record FROM records WHERE id IN ({','.join('?' * len(chunk))})"
            for rid, data in conn.execute(query, chunk):
                if data is None:
                    continue  # SQL NULL: no record (SQLAlchemy gives None too)
                if type(data) is not str:
                    return None  # not what SQLAlchemy's JSON column ever holds: the full way
                try:
                    value = json.loads(data)
                except (ValueError, RecursionError):
                    continue  # text that is not JSON: a damaged row, missing
                record = read(value)
                if record is not None:
                    out[rid] = record
        return out

    return _read(url, records_in)


def rows(url: str, ids: Iterable[str]) -> dict[str, CachedRow] | None:
    """:meth:`alignfetch.cache.db.Cache.get` of the SQLite cache at ``url``, or None when
    this module does not serve it."""
    from alignfetch.cache.rows import sqlite_rows

    return _read(url, lambda conn: sqlite_rows(conn, ids))


def times(url: str, ids: Iterable[str]) -> dict[str, FetchTime] | None:
    """:meth:`alignfetch.cache.db.Cache.times` of the SQLite cache at ``url``, or None when
    this module does not serve it."""
    from alignfetch.cache.rows import sqlite_times

    return _read(url, lambda conn: sqlite_times(conn, ids))


def seals(url: str, ids: Iterable[str]) -> dict[str, Seal] | None:
    """:meth:`alignfetch.cache.db.Cache.seals` of the SQLite cache at ``url``, or None when
    this module does not serve it."""
    from alignfetch.cache.rows import sqlite_seals

    return _read(url, lambda conn: sqlite_seals(conn, ids))


def _read(url: str, read: Callable[[sqlite3.Connection], T | None]) -> T | None:
    """``read(conn)`` in one read transaction of the cache at ``url``; None when this module
    does not serve it, or reading failed (the full way then says why)."""
    conn = _open(url)
    if conn is None:
        return None
    try:
        return read(conn)
    except sqlite3.OperationalError as err:
        _locked(url, err)
        return None
    except (sqlite3.Error, ValueError, OverflowError):
        return None
    finally:
        conn.close()


def touch(
    url: str, ids: Iterable[str], now: datetime, held: Mapping[str, CachedRow | Seal]
) -> bool:
    """:meth:`alignfetch.cache.db.Cache.touch` on the SQLite cache at ``url``, all or
    nothing; False when this module does not serve it or the write failed (nothing is
    written then, and the full way says why)."""
    conn = _open(url, write=True)
    if conn is None:
        return False
    try:
        touch_in(conn, ids, now, held)
        conn.execute("COMMIT")
    except sqlite3.Error as err:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(err, sqlite3.OperationalError):
            _locked(url, err)
        return False
    finally:
        conn.close()
    return True


def touch_in(
    conn: sqlite3.Connection,
    ids: Iterable[str],
    now: datetime,
    held: Mapping[str, CachedRow | Seal],
) -> None:
    """Mark the records ``ids`` confirmed at ``now`` in the transaction ``conn`` is in: one
    narrow row each in ``checks``, and each one's errors forgotten, as
    :meth:`alignfetch.cache.db.Cache.touch` says. In SQLite's own SQL, the time made once
    as SQLAlchemy stores it: SQLAlchemy's processing of each of a warm refresh's 20,000
    checks was most of the time this took. ``held`` holds rows read a moment ago (not
    read again to learn whether they exist and have errors)."""
    from alignfetch.cache.rows import erred, vouched

    if now.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")  # as UTCDateTime says
    stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    wanted = list(dict.fromkeys(ids))
    for i in range(0, len(wanted), BATCH):
        chunk = wanted[i : i + BATCH]
        known = [(r, erred(row)) for r in chunk if (row := held.get(r)) is not None]
        renew = {r for r in chunk if (row := held.get(r)) is not None and vouched(row)}
        unknown = [r for r in chunk if r not in held]
        if unknown:
            known += conn.execute(
                "SELECT id, (last_error IS NOT NULL OR last_error_at IS NOT NULL "
                "OR error_count != 0) IS 1 FROM records "
                f"WHERE id IN ({', '.join('?' * len(unknown))})",
                unknown,
            ).fetchall()
        if not known:
            continue
        renewed = [(stamp, r) for r in renew]
        conn.executemany("UPDATE checks SET checked_at = ? WHERE id = ?", renewed)
        conn.executemany(
            "INSERT INTO checks (id, checked_at) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            [(r, stamp) for r, _ in known if r not in renew],
        )
        errors = [rid for rid, failed in known if failed]
        if errors:
            conn.execute(
                "UPDATE records SET last_error = NULL, last_error_at = NULL, error_count = 0 "
                f"WHERE id IN ({', '.join('?' * len(errors))})",
                errors,
            )
