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
