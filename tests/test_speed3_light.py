"""What a command on a SQLite cache does not load (issue 23: start-up is part of every
command's time, and of a nightly refresh's)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Fakes, add_sections, run

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


WARM = """
import sys
from alignfetch.cli import cli
try:
    cli.main(["refresh", "--all"], prog_name="alignfetch")
except SystemExit as exit:
    code = exit.code
print("SQLALCHEMY", "sqlalchemy" in sys.modules)
sys.exit(code)
"""


# Bugs: a warm refresh of a SQLite cache that imports SQLAlchemy (a fifth of a second
# of every nightly run) to read rows and write checks that SQLite's own SQL does; or,
# the other way, one that writes its checks where the full way would not (a check row
# for a record the cache does not hold, an error not forgotten, a change not written).
def test_a_warm_refresh_of_a_sqlite_cache_needs_no_sqlalchemy(
    fakes: Fakes, listdir: Path
) -> None:
    add_sections(listdir)
    for args in (("2305.01937", "-s", "evaluation"), ("gh:CarperAI/trlx", "-s", "rlhf")):
        assert run("add", *args).exit_code == 0
    cache = listdir / ".alignfetch" / "cache.sqlite"
    with sqlite3.connect(cache) as conn:  # an error an earlier refresh noted
        conn.execute(
            "UPDATE records SET last_error = 'down', error_count = 2 WHERE id = 'gh:CarperAI/trlx'"
        )
        before = dict(conn.execute("SELECT id, checked_at FROM checks"))

    def warm() -> str:
        out = subprocess.run(
            [sys.executable, "-c", WARM], cwd=listdir, env=dict(os.environ),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        return out.stdout

    assert warm() == "Checked 2 entries: nothing changed.\nSQLALCHEMY False\n"
    with sqlite3.connect(cache) as conn:
        after = dict(conn.execute("SELECT id, checked_at FROM checks"))
        error = conn.execute(
            "SELECT last_error, error_count FROM records WHERE id = 'gh:CarperAI/trlx'"
        ).fetchone()
    assert error == (None, 0)  # confirmed: its error forgotten
    assert after.keys() == before.keys()  # a check per record, none for anything else
    assert all(after[rid] is not None and after[rid] != before[rid] for rid in after if
               rid in ("arxiv:2305.01937", "gh:CarperAI/trlx"))  # fmt: skip

    # A change is written the full way (SQLAlchemy's upsert), and said.
    fakes.arxiv.put(
        fakes.arxiv.entry("2305.01937").decode().replace(
            "</entry>", "<arxiv:journal_ref>ACL 2023</arxiv:journal_ref></entry>"
        )
    )
    said = warm()
    assert "published: ACL 2023" in said and said.endswith("SQLALCHEMY True\n")


# Bug: a refresh that takes each loaded entry's ID as its reference without parsing it
# again, where the split differs from what parsing gives (a URL's own colons, a Hub
# kind's prefix): the wrong source, or the wrong key, would be asked.
def test_a_loaded_ids_reference_is_what_parsing_it_gives() -> None:
    from alignfetch.list import ids

    texts = [
        "2305.01937", "arXiv:hep-th/9901001v2", "https://arxiv.org/abs/2305.01937v3",
        "hf:Anthropic/hh-rlhf", "https://huggingface.co/datasets/Anthropic/hh-rlhf",
        "hf-model:meta-llama/Llama-2-7b", "hf-space:owner/space", "gh:CarperAI/trlx",
        "https://github.com/CarperAI/trlx/tree/main/examples",
        "https://example.org/a:b/page?x=1:2#frag", "url:https://example.org/p",
    ]  # fmt: skip
    for text in texts:
        ref = ids.parse(text)
        assert ids.of(str(ref)) == ref == ids.parse(str(ref)), text


def _paper(n: int) -> object:
    from alignfetch.records import Author, Paper

    return Paper(
        id=f"arxiv:2301.{n:05d}", version=1, title="T", abstract="A", authors=(Author("Ann", ()),),
        published="2023-01-01", updated="2023-01-01", primary_category="cs.CL",
        categories=("cs.CL",), comment=None, journal_ref=None, doi=None,
        url=f"https://arxiv.org/abs/2301.{n:05d}", pdf_url=f"https://arxiv.org/pdf/2301.{n:05d}",
    )  # fmt: skip


def _cache_of(tmp_path: Path, papers: int, raw: str = "") -> tuple[str, Path, list[str]]:
    from alignfetch.cache import db
    from alignfetch.sources import Fetched

    path = tmp_path / "cache.sqlite"
    url = f"sqlite:///{path}"
    cache = db.open_cache(url)
    made = [_paper(n) for n in range(1, papers + 1)]
    cache.put([Fetched(p, raw=raw, url="u") for p in made])  # type: ignore[arg-type]
    cache.engine.dispose()
    return url, path, [p.id for p in made]  # type: ignore[attr-defined]


# Bugs: SQLite's rows read through its driver, whose errors are not SQLAlchemy's: a damaged
# cache file (or a locked one) crashed a refresh with a traceback where it said in one
# sentence what is wrong, once the cache had been opened the full way.
def test_a_damaged_cache_file_is_one_sentence_whichever_way_it_is_read(tmp_path: Path) -> None:
    from alignfetch.config import Settings
    from alignfetch.errors import AlignfetchError
    from alignfetch.fetch.store import Store

    url, path, rids = _cache_of(tmp_path, 300, raw="x" * 20000)
    pages = path.stat().st_size // 32768
    with path.open("r+b") as f:  # pages in the middle of the file overwritten
        for page in range(pages // 2, pages // 2 + 3):
            f.seek(page * 32768)
            f.write(b"\xff" * 32768)
    store = Store(url, Settings())
    for read in (store.rows, store.times, store.seals):
        with pytest.raises(AlignfetchError, match="could not be read .* fix or delete it"):
            read(rids)
    store.cache  # noqa: B018  # opened the full way now: the same sentence
    for read in (store.rows, store.times, store.seals):
        with pytest.raises(AlignfetchError, match="could not be read .* fix or delete it"):
            read(rids)


# Bugs: a row whose fetch or check time is no time (text, a number: a cache written by
# hand or by another program) crashed every refresh, instead of counting as missing and
# being fetched again; or a naive time written as if it were UTC.
def test_a_row_whose_time_is_no_time_counts_as_missing(tmp_path: Path) -> None:
    from alignfetch.cache import sqlite_read
    from alignfetch.config import Settings
    from alignfetch.fetch.store import Store

    url, path, rids = _cache_of(tmp_path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE records SET fetched_at = 'garbage' WHERE id = ?", (rids[0],))
        conn.execute("UPDATE records SET fetched_at = 12345 WHERE id = ?", (rids[1],))
    store = Store(url, Settings())
    assert sorted(store.rows(rids)) == sorted(store.times(rids)) == [rids[2]]
    store.cache  # noqa: B018  # opened the full way now: the same rows
    assert sorted(store.rows(rids)) == sorted(store.times(rids)) == [rids[2]]
    from datetime import datetime

    with sqlite3.connect(path) as conn, pytest.raises(ValueError, match="naive"):
        sqlite_read.touch_in(conn, rids, datetime(2026, 1, 1), {})


# Bug: the CLI's main() freezing Python's collector of cycles when it returns, not when
# the process ends: a program that calls main() (a wrapper, a test run) would keep every
# object and every cycle made until then for good, and more with each call.
def test_main_leaves_the_collector_as_it_was_until_the_process_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from alignfetch.cli import main

    monkeypatch.setattr(sys, "argv", ["alignfetch", "--version"])
    for _ in range(2):
        with pytest.raises(SystemExit):
            main()
    assert gc.get_freeze_count() == 0


# Bugs: a refresh's checks written by the standard library in part when a write fails
# midway (the first 500 marked, the rest not, an error forgotten for a record whose
# check was not kept), or a failure that surfaces as a traceback: all or nothing, and
# one sentence, through the full way that said it before.
def test_checks_that_cannot_all_be_written_write_none_and_say_so(tmp_path: Path) -> None:
    from alignfetch.cache import db
    from alignfetch.config import Settings
    from alignfetch.errors import AlignfetchError
    from alignfetch.fetch.pipeline import FetchRun
    from alignfetch.fetch.store import Store
    from alignfetch.sources import Fetched

    url, path, rids = _cache_of(tmp_path, 700)
    db.open_cache(url).record_error({rids[0]: "down"})
    with sqlite3.connect(path) as conn:  # the 650th check refused, after 500 went in
        conn.execute(
            f"CREATE TRIGGER no BEFORE INSERT ON checks WHEN new.id = '{rids[649]}' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        before = conn.execute("SELECT * FROM checks ORDER BY id").fetchall()
        errors = conn.execute("SELECT id, error_count FROM records ORDER BY id").fetchall()
    store = Store(url, Settings())
    run = FetchRun()
    run.related = [Fetched(_paper(n), raw="", url="u", unchanged=True) for n in range(1, 701)]  # type: ignore[arg-type]
    with pytest.raises(AlignfetchError, match="could not be written .*disk full"):
        store.keep(run)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT * FROM checks ORDER BY id").fetchall() == before
        assert conn.execute("SELECT id, error_count FROM records ORDER BY id").fetchall() == errors
