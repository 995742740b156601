"""Reading records from a SQLite cache with the standard library, for reading commands.

``list``, ``show`` and their kind only read records. SQLAlchemy and its ORM
take longer to import than such a command may take in all, so a SQLite cache
file that is at the newest schema revision is read here, read-only, with
:mod:`sqlite3`: a command never creates, upgrades or writes a cache through
this module. Anything else (PostgreSQL, a cache that does not exist, one behind
or ahead of :data:`HEAD_REVISION`, any error at all) is not served here, and the
caller opens the cache the full way (:func:`alignfetch.db.open_cache`), which
upgrades it or says in one sentence what is wrong. A row that holds no record
alignfetch can use counts as missing, as in :meth:`alignfetch.db.Cache.records`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from alignfetch.errors import AlignfetchError

if TYPE_CHECKING:  # the record types load with the first record read: a kept text reads none
    from alignfetch.records import Record

REVISIONS = ("0001", "0002", "0003")
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


def records(url: str, ids: Iterable[str]) -> dict[str, Record] | None:
    """The readable records of ``ids`` in the SQLite cache at ``url``; None when this
    module does not serve that cache (see the module's docstring)."""
    path = sqlite_path(url)
    if path is None or not path.is_file():
        return None
    from alignfetch.stored import read

    wanted = list(dict.fromkeys(ids))
    out: dict[str, Record] = {}
    try:
        # mode=ro: never creates the file, never writes it.
        uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    except (sqlite3.Error, OSError, ValueError):
        return None
    try:
        # One read transaction: the revision and the rows are of the same moment.
        conn.execute("BEGIN")
        revisions = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        if revisions != [(HEAD_REVISION,)]:
            return None
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
    except sqlite3.OperationalError as err:
        if "locked" in str(err):
            # Already waited BUSY_TIMEOUT: the full way would wait as long again.
            raise AlignfetchError(
                f"The cache at {url} is locked by another program; wait for it to finish "
                "and try again."
            ) from None
        return None
    except (sqlite3.Error, ValueError, OverflowError):
        return None
    finally:
        conn.close()
    return out
