"""A warm refresh's writes and reads (issue 23): check times in a narrow table of their own.

A record upstream confirmed gets one small row in ``checks``, its wide row in
``records`` left byte for byte as it was; staleness reads the newer of the record's
``fetched_at`` and its check's time; migration 0003 upgrades a 0002 cache keeping every
record and its fetched time. The cache tests run on each backend (``db_url``: SQLite,
and PostgreSQL when a test server is given).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool

from alignfetch.cache import db
from alignfetch.records import Author, Paper, to_dict
from alignfetch.sources import Fetched
from conftest import Fakes, add_sections, run

PAPER = "arxiv:2305.01937"
REPO = "gh:CarperAI/trlx"
T0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def paper(n: int) -> Paper:
    return Paper(
        id=f"arxiv:2301.{n:05d}",
        version=1,
        title=f"Paper {n}",
        abstract="A",
        authors=(Author("Ann", ("Lab",)),),
        published="2023-01-01",
        updated="2023-01-01",
        primary_category="cs.CL",
        categories=("cs.CL",),
        comment=None,
        journal_ref=None,
        doi=None,
        url=f"https://arxiv.org/abs/2301.{n:05d}",
        pdf_url=f"https://arxiv.org/pdf/2301.{n:05d}",
    )


def engine_of(url: str) -> Any:
    return create_engine(url, poolclass=NullPool)


def table(url: str, name: str) -> dict[str, tuple[Any, ...]]:
    """Every row of table ``name`` by ID, as the database gives it back."""
    engine = engine_of(url)
    try:
        with engine.connect() as conn:
            return {
                r[0]: tuple(r)
                for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY id"))
                if not str(r[0]).startswith("pace:")
            }
    finally:
        engine.dispose()


def age(url: str, days: float) -> None:
    """Every record fetched, and every check made, ``days`` earlier than it was."""
    engine = engine_of(url)
    shift = (
        f"- interval '{days} days'" if engine.dialect.name == "postgresql" else f", '-{days} days'"
    )
    try:
        with engine.begin() as conn:
            for name, column in (("records", "fetched_at"), ("checks", "checked_at")):
                value = (
                    f"{column} {shift}"
                    if engine.dialect.name == "postgresql"
                    else f"strftime('%Y-%m-%d %H:%M:%f000', {column}{shift})"
                )
                conn.execute(text(f"UPDATE {name} SET {column} = {value}"))
    finally:
        engine.dispose()


def two_kinds(db_url: str, listdir: Path) -> None:
    add_sections(listdir)
    for ident, section in ((PAPER, "evaluation"), (REPO, "rlhf")):
        result = run("--db", db_url, "add", ident, "-s", section)
        assert result.exit_code == 0, result.output


# Bug: marking records checked rewrote each record's wide row (record, raw and all, some
# 2 KB) to move fetched_at, so a night where nothing changed wrote every record again.
def test_a_warm_refresh_leaves_every_record_row_as_it_was_and_writes_checks(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    two_kinds(db_url, listdir)
    records = table(db_url, "records")
    before = table(db_url, "checks")
    result = run("--db", db_url, "refresh", "--all")
    assert (result.exit_code, result.stdout) == (0, "Checked 2 entries: nothing changed.\n")
    assert table(db_url, "records") == records  # record, raw, changed_at, fetched_at: all
    after = table(db_url, "checks")
    confirmed = [PAPER, REPO, "s2:2305.01937"]  # the paper page and OpenAlex: not asked
    for rid in confirmed:  # stored (no time yet), then confirmed by this refresh
        assert before[rid][1] is None and after[rid][1] is not None, rid
    assert set(after) == set(records)  # one row per record, no more


# Bug: staleness read only records.fetched_at; with checks written instead, every
# refresh found every confirmed entry stale and asked upstream again, night after night.
def test_staleness_reads_the_check_time(fakes: Fakes, listdir: Path, db_url: str) -> None:
    two_kinds(db_url, listdir)
    age(db_url, 2)  # two days later: both entries are due
    papers, repos = len(fakes.server.requests(r"^/api/query")), len(fakes.github.requests())
    first = run("--db", db_url, "refresh")
    assert (first.exit_code, first.stdout) == (0, "Checked 2 entries: nothing changed.\n")
    assert len(fakes.server.requests(r"^/api/query")) == papers + 1
    assert len(fakes.github.requests()) == repos + 1
    assert fakes.github.statuses()[-1] == 304  # confirmed: a check, no record written
    asked = len(fakes.server.log)
    second = run("--db", db_url, "refresh")  # a minute later: both were checked just now
    assert (second.exit_code, second.stdout) == (
        0,
        "Checked 0 entries (2 fresh enough, skipped): nothing changed.\n",
    )
    assert len(fakes.server.log) == asked  # nobody was asked anything
    age(db_url, 2)  # and two days after the check, they are due again
    third = run("--db", db_url, "refresh")
    assert third.stdout == "Checked 2 entries: nothing changed.\n"


# Bug: a record stored by an alignfetch before 0003 (no check row) was trusted as cleaned
# and checked: an answer equal to it skipped cleaning, so a record an older version
# stored uncleaned stayed so. Such a record goes the full way once.
def test_a_record_without_a_check_is_cleaned_as_before(db_url: str) -> None:
    cache = db.open_cache(db_url)
    dirty = dataclasses.replace(paper(1), title="Title\u202e reversed")
    cache.put([Fetched(dirty, "", "http://x")], now=T0)
    engine = engine_of(db_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM checks"))
    engine.dispose()
    (row,) = cache.get([dirty.id]).values()
    assert not row.checked and row.parsed == dirty
    from alignfetch.fetch.pipeline import FetchRun, _clean, _confirm

    run_ = FetchRun(outcomes={dirty.id: Fetched(dirty, "", "http://x")})
    _confirm(run_, cache.get)
    _clean(run_)
    got = run_.outcomes[dirty.id]
    assert isinstance(got, Fetched) and not got.unchanged
    assert got.record.title == "Title reversed"  # cleaned, so stored clean
    # Stored (with a check row), the same answer is confirmed without cleaning again.
    cache.put([got], now=T0)
    again = FetchRun(outcomes={dirty.id: Fetched(got.record, "", "http://x")})
    _confirm(again, cache.get)
    confirmed = again.outcomes[dirty.id]
    assert isinstance(confirmed, Fetched) and confirmed.unchanged


# Bug: touch wrote every confirmed record's row (to forget errors it mostly had not), or
# forgot to forget the errors of a record upstream answered again.
def test_touch_writes_only_checks_and_forgets_errors(db_url: str) -> None:
    cache = db.open_cache(db_url)
    one, two = paper(1), paper(2)
    cache.put([Fetched(one, "", "http://x"), Fetched(two, "", "http://y")], now=T0)
    cache.record_error({two.id: "arXiv answered HTTP 503"}, now=T0 + timedelta(hours=1))
    records = table(db_url, "records")
    later = T0 + timedelta(days=3)
    cache.touch([one.id, two.id, "arxiv:2301.09999"], now=later)
    after = table(db_url, "records")
    assert after[one.id] == records[one.id]  # no error to forget: not written
    assert after[two.id][-1] == 0 and after[two.id][-3] is None  # its error forgotten
    rows = cache.get([one.id, two.id])
    assert [rows[r].fetched_at for r in (one.id, two.id)] == [later, later]
    assert set(table(db_url, "checks")) == {one.id, two.id}  # none for an unknown ID
    # A new fetch's time is the record's own, newer than its last check.
    new = Fetched(dataclasses.replace(one, title="New"), "", "http://x")
    cache.put([new], now=later + timedelta(days=1))
    assert cache.get([one.id])[one.id].fetched_at == later + timedelta(days=1)


# -- migration 0003 -----------------------------------------------------------------


# Bug: the migration that adds checks must keep every record and the time it was fetched;
# an upgraded cache's records count as fetched when they were, not as never checked.
def test_upgrading_a_0002_cache_keeps_records_and_their_fetch_times(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine, "0002")
    assert "checks" not in inspect(engine).get_table_names()
    one, two = paper(1), paper(2)
    with engine.begin() as conn:
        for i, p in enumerate((one, two)):
            conn.execute(
                text(
                    "INSERT INTO records (id, kind, record, raw, source_url, etag, fetched_at, "
                    "changed_at, last_error, last_error_at, error_count) VALUES (:id, 'paper', "
                    f"{'CAST(:r AS jsonb)' if engine.dialect.name == 'postgresql' else ':r'}, "
                    "'<e/>', 'http://x', NULL, :at, :at, NULL, NULL, 0)"
                ),
                {
                    "id": p.id,
                    "r": json.dumps(to_dict(p)),
                    "at": (T0 + timedelta(days=i)).replace(tzinfo=None)
                    if engine.dialect.name == "sqlite"
                    else T0 + timedelta(days=i),
                },
            )
    before = table(db_url, "records")
    engine.dispose()
    cache = db.open_cache(db_url)  # upgrades to the head
    assert db.current_revision(cache.engine) == db.HEAD_REVISION == "0004"
    assert table(db_url, "records") == before
    assert table(db_url, "checks") == {}
    rows = cache.get([one.id, two.id])
    assert {r: (row.parsed, row.fetched_at, row.checked) for r, row in rows.items()} == {
        one.id: (one, T0, False),
        two.id: (two, T0 + timedelta(days=1), False),
    }
