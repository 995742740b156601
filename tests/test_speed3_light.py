"""What a command on a SQLite cache does not load (issue 23: start-up is part of every
command's time, and of a nightly refresh's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = """
import sys
from datetime import UTC, datetime
from alignfetch.cache import db
from alignfetch.records import Author, Paper
from alignfetch.sources import Fetched

cache = db.open_cache(sys.argv[1])
paper = Paper(
    id="arxiv:2301.00001", version=1, title="T", abstract="A", authors=(Author("Ann", ()),),
    published="2023-01-01", updated="2023-01-01", primary_category="cs.CL",
    categories=("cs.CL",), comment=None, journal_ref=None, doi=None,
    url="https://arxiv.org/abs/2301.00001", pdf_url="https://arxiv.org/pdf/2301.00001",
)
cache.put([Fetched(paper, raw="", url="u")])
cache.touch([paper.id])
cache.record_error({"arxiv:2301.00002": "failed"})
assert cache.get([paper.id])[paper.id].parsed == paper
assert cache.times([paper.id])
print(sorted(m for m in sys.modules if m.startswith("sqlalchemy.dialects.postgresql")))
"""


# Bug: PostgreSQL's dialect module imported by every command on a SQLite cache (the
# models' JSONB variant, an upsert that imported both dialects to choose one): a
# twentieth of a second of every add, refresh and check, for a database it never uses.
def test_a_sqlite_cache_loads_no_postgresql_dialect(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cache.sqlite'}"
    # Created (and so migrated, through Alembic, which loads every dialect) beforehand:
    # the command measured opens a cache at the newest revision, as nearly all do.
    create = "import sys; from alignfetch.cache import db; db.open_cache(sys.argv[1])"
    subprocess.run([sys.executable, "-c", create, url], check=True)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# Bug: checks written through the driver in another shape than SQLAlchemy's own (an ISO
# "T", a time zone, seconds without their fraction): the ORM, which reads them back
# for PostgreSQL's sake and for `db` commands, would fail on them or misread the time.
def test_checks_written_through_the_driver_read_back_as_sqlalchemy_writes_them(
    tmp_path: Path,
) -> None:
    import sqlite3
    from datetime import UTC, datetime

    from sqlalchemy import select

    from alignfetch.cache import db
    from alignfetch.cache.models import Check
    from alignfetch.records import Author, Paper
    from alignfetch.sources import Fetched

    path = tmp_path / "cache.sqlite"
    cache = db.open_cache(f"sqlite:///{path}")
    paper = Paper(
        id="arxiv:2301.00001", version=1, title="T", abstract="A", authors=(Author("Ann", ()),),
        published="2023-01-01", updated="2023-01-01", primary_category="cs.CL",
        categories=("cs.CL",), comment=None, journal_ref=None, doi=None,
        url="https://arxiv.org/abs/2301.00001", pdf_url="https://arxiv.org/pdf/2301.00001",
    )  # fmt: skip
    at = datetime(2026, 12, 5, 21, 8, 29, 123456, tzinfo=UTC)
    cache.put([Fetched(paper, raw="", url="u")], now=at)
    cache.touch([paper.id], now=at)
    with cache.session() as s:
        assert s.execute(select(Check.checked_at)).scalar_one() == at
    with sqlite3.connect(path) as conn:
        (text,) = conn.execute("SELECT checked_at FROM checks").fetchone()
        (fetched,) = conn.execute("SELECT fetched_at FROM records").fetchone()
    assert text == fetched == "2026-12-05 21:08:29.123456"
    assert cache.get([paper.id])[paper.id].fetched_at == at
