"""The cache's schema: its engine, the revision it is at, and its migrations.

Alembic owns the schema (``migrations/``); :func:`upgrade` migrates a database one
process at a time (a file lock beside a SQLite database, an advisory lock on
PostgreSQL), so processes that start at once on a new cache do not race.
:mod:`alignfetch.cache.db` opens the cache through these.
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text

from alignfetch.cache.rows import lenient_loads
from alignfetch.cache.urls import shown
from alignfetch.errors import AlignfetchError, LockError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATION_LOCK_TIMEOUT = 600.0
"""Seconds a process waits for another one's migration of the same cache."""


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


SQLITE_PAGE_SIZE = 32768
"""Bytes per page of a new SQLite cache (SQLite's largest is 65536, its default 4096)."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, json_deserializer=lenient_loads)
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
