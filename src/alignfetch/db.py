"""The SQLite cache: opening it, migrating it, reading and writing records.

Alembic owns the schema. :func:`open_cache` upgrades a database that is behind
before anything reads it, so a user never runs a migration by hand (``alignfetch
db upgrade`` exists for those who want to). A failed fetch never overwrites a
good record: :meth:`Cache.put` stores successes, :meth:`Cache.record_error`
touches only the error columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .errors import AlignfetchError
from .models import CachedRecord
from .records import Record, from_dict, to_dict

if TYPE_CHECKING:
    from alembic.config import Config

    from .sources import Fetched


def migrations_dir() -> Path:
    """Alembic's script folder: shipped in the package, or the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "migrations", here.parent.parent / "migrations"):
        if (candidate / "env.py").is_file():
            return candidate
    raise AlignfetchError("alignfetch's migrations are missing; reinstall alignfetch.")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # busy_timeout makes a second writer wait for the database lock instead
            # of failing at once.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

    return engine


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class Cache:
    """Records by canonical ID, with their payloads and fetch history."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a database failure becomes one sentence, and nothing is half-written."""
        try:
            with self._sessions.begin() as s:
                yield s
        except SQLAlchemyError as err:
            raise _db_error(str(self.engine.url), err, "written") from None

    def get(self, ids: Iterable[str]) -> dict[str, CachedRecord]:
        try:
            with self._sessions() as s:
                return self._rows(s, ids)
        except SQLAlchemyError as err:
            raise _db_error(str(self.engine.url), err, "read") from None

    def records(self, ids: Iterable[str]) -> dict[str, Record]:
        return {k: from_dict(v.record) for k, v in self.get(ids).items()}

    @staticmethod
    def _rows(s: Session, ids: Iterable[str]) -> dict[str, CachedRecord]:
        """The rows of ``ids`` in this session, loaded a few hundred per query."""
        wanted = list(dict.fromkeys(ids))
        out: dict[str, CachedRecord] = {}
        for i in range(0, len(wanted), 500):
            query = select(CachedRecord).where(CachedRecord.id.in_(wanted[i : i + 500]))
            out.update((r.id, r) for r in s.scalars(query))
        return out

    def put(self, items: Iterable[Fetched], now: datetime | None = None) -> None:
        """Store fresh records, all in one transaction."""
        now = now or datetime.now(UTC)
        items = list(items)
        with self.session() as s:
            rows = self._rows(s, (item.record.id for item in items))
            for item in items:
                data = to_dict(item.record)
                row = rows.get(item.record.id)
                if row is None:
                    row = CachedRecord(id=item.record.id, changed_at=now, error_count=0)
                    rows[row.id] = row
                    s.add(row)
                elif row.record != data:
                    row.changed_at = now
                row.kind = item.record.kind
                row.record = data
                row.raw = item.raw
                row.source_url = item.url
                row.etag = item.etag
                row.fetched_at = now
                row.last_error = None
                row.last_error_at = None
                row.error_count = 0

    def touch(self, ids: Iterable[str], now: datetime | None = None) -> None:
        """Mark records as confirmed by upstream (a 304) without changing them."""
        now = now or datetime.now(UTC)
        with self.session() as s:
            for row in self._rows(s, ids).values():
                row.fetched_at = now
                row.last_error = None
                row.last_error_at = None
                row.error_count = 0

    def record_error(self, errors: dict[str, str], now: datetime | None = None) -> None:
        """Note failures on records we already hold; their data stays as it was."""
        now = now or datetime.now(UTC)
        with self.session() as s:
            rows = self._rows(s, errors)
            for rid, message in errors.items():
                if (row := rows.get(rid)) is not None:
                    row.last_error = message
                    row.last_error_at = now
                    row.error_count = (row.error_count or 0) + 1


def open_cache(url: str) -> Cache:
    """Open (creating and upgrading as needed) the cache at a SQLAlchemy URL."""
    try:
        engine = make_engine(url)
        if current_revision(engine) != head_revision(url):
            upgrade(engine)
    except AlignfetchError:
        raise
    except Exception as err:  # noqa: BLE001  # not SQLite, locked, read-only, no driver, bad URL
        raise _db_error(url, err, "opened") from None
    return Cache(engine)


def revision_of(url: str) -> str | None:
    """The schema revision of the cache at ``url``; None for none (nothing is created)."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None
    try:
        return current_revision(make_engine(url))
    except Exception as err:  # noqa: BLE001  # as in open_cache
        raise _db_error(url, err, "read") from None


def _db_error(url: str, err: BaseException, done: str) -> AlignfetchError:
    reason = str(getattr(err, "orig", None) or err).splitlines()[0]
    if "locked" in reason:
        return AlignfetchError(
            f"The cache at {url} is locked by another program; wait for it to finish and try again."
        )
    if done == "written":
        return AlignfetchError(
            f"The cache at {url} could not be written ({reason}); check its folder's free "
            "space and permissions."
        )
    return AlignfetchError(
        f"The cache at {url} could not be {done} ({reason}); fix or delete it "
        "(alignfetch rebuilds it from upstream)."
    )
