"""Papers a warm refresh confirms without reading their records (issue 23).

A refresh reads each checked paper's row without its record (a seal: its ETag, which is
its arXiv entry's fingerprint, and its times); an entry arXiv sends again unchanged
confirms it, and only a changed entry's record is read. Migration 0004's triggers drop
the check of a record anything else changes or deletes, so a seal never vouches for a
record changed behind alignfetch's back. The cache tests run on each backend (``db_url``).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from test_db import BROKEN, corrupt
from test_scholar_graph import s2_data
from test_speed3_refresh import paper, table

from alignfetch.cache import db
from alignfetch.fetch.store import Store
from alignfetch.sources import Fetched
from conftest import Fakes, add_sections, run
from fakes.server import Request, Response

PAPER = "arxiv:2305.01937"
CACHE = Path(".alignfetch") / "cache.sqlite"


def execute(url: str, sql: str, **values: object) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), values)
    finally:
        engine.dispose()


def rows_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The IDs whose whole rows (records decoded) the store reads from now on."""
    read: list[str] = []
    whole = Store.rows

    def spy(self: Store, rids: Iterable[str]) -> dict[str, db.CachedRow]:
        wanted = list(rids)
        read.extend(wanted)
        return whole(self, wanted)

    monkeypatch.setattr(Store, "rows", spy)
    return read


def stored(listdir: Path, rid: str) -> tuple[object, ...]:
    with sqlite3.connect(listdir / CACHE) as conn:
        return tuple(conn.execute("SELECT * FROM records WHERE id = ?", (rid,)).fetchone())


def check_of(listdir: Path, rid: str) -> tuple[object, ...] | None:
    with sqlite3.connect(listdir / CACHE) as conn:
        found = conn.execute("SELECT * FROM checks WHERE id = ?", (rid,)).fetchone()
    return None if found is None else tuple(found)


def added(listdir: Path) -> str:
    result = run("add", PAPER, "-s", "evaluation")
    assert result.exit_code == 0, result.output
    return f"sqlite:///{listdir / CACHE}"


# Bugs: every paper's record read and decoded only for arXiv to confirm it (a tenth of a
# warm refresh of 10,000); a confirmed paper's check not written (stale the next night,
# so fetched in full again); a confirmed paper left out of Semantic Scholar's batch.
def test_a_paper_arxiv_confirms_is_not_read_and_its_check_is_written(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added(listdir)
    before, checked = stored(listdir, PAPER), check_of(listdir, PAPER)
    scholarly = fakes.s2.requests
    read = rows_read(monkeypatch)
    result = run("refresh", "--all")
    assert (result.exit_code, result.stdout) == (0, "Checked 1 entry: nothing changed.\n")
    assert PAPER not in read
    assert stored(listdir, PAPER) == before  # the wide row as it was
    after = check_of(listdir, PAPER)
    assert checked is not None and after is not None and after[1] is not None
    assert checked[1] is None or after[1] > checked[1]
    assert fakes.s2.requests == scholarly + 1
    # Fresh now: a refresh without --all skips it.
    assert run("refresh").stdout == "Checked 0 entries (1 fresh enough, skipped): nothing changed.\n"


# Bug: the record of a sealed paper whose entry changed was never read, so its news was
# "fetched for the first time" (shown as nothing) instead of the change it is.
def test_a_sealed_paper_whose_entry_changed_is_read_and_its_news_told(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    added(listdir)
    xml = fakes.arxiv.entry("2305.01937").decode()
    fakes.arxiv.put(xml.replace("</entry>", "<arxiv:journal_ref>ACL 2023</arxiv:journal_ref></entry>"))
    read = rows_read(monkeypatch)
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Checked 1 entry: 1 changed.\n\n- arxiv:2305.01937: published: ACL 2023\n"
    )
    assert PAPER in read


# Bugs: a seal's errors read wrong, so a confirmation kept the failures of the nights
# before; a sealed paper that failed reported as never fetched ("no data yet").
def test_a_sealed_paper_forgets_its_errors_and_keeps_its_data_when_it_fails(
    fakes: Fakes, listdir: Path
) -> None:
    url = added(listdir)
    db.open_cache(url).record_error({PAPER: "arXiv was down"})
    assert stored(listdir, PAPER)[-1] == 1  # error_count
    assert run("refresh", "--all").exit_code == 0
    assert stored(listdir, PAPER)[-3:] == (None, None, 0)

    fakes.server.fail(r"^/api/query$", Response(503, "down"), times=20)
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert "Failed (their last good data is kept):\n- arxiv:2305.01937:" in result.stdout


# Bug: a seal trusted for a record a hand made unreadable: it was confirmed, never fetched
# again, and every command went on treating the entry as not cached.
@pytest.mark.parametrize("how", ["missing fields", "not an object"])
def test_a_record_changed_behind_its_seal_is_read_and_fetched_again(
    fakes: Fakes, listdir: Path, how: str
) -> None:
    url = added(listdir)
    good = stored(listdir, PAPER)
    corrupt(url, PAPER, BROKEN[how])
    assert check_of(listdir, PAPER) is None
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert stored(listdir, PAPER)[2] == good[2]  # the record, fetched again
    assert run("list").exit_code == 0


# Bugs: no trigger (or one on SQLite only), so a record (or the fingerprint that confirms
# it) changed by hand kept the check that vouches for it; or one that fired on any write of the column, so that every
# record stored again, unchanged, lost its check; or a deleted record's check left for
# a row stored later by other hands.
def test_a_record_changed_or_deleted_by_any_hand_loses_its_check(db_url: str) -> None:
    cache = db.open_cache(db_url)
    one, two, three, four = paper(1), paper(2), paper(3), paper(4)
    cache.put([Fetched(p, "", p.url, f"entry:{p.id}") for p in (one, two, three, four)])
    ids = [one.id, two.id, three.id, four.id]
    assert set(cache.seals(ids)) == set(ids)

    corrupt(db_url, one.id, '{"kind": "paper", "id": "arxiv:2301.00001"}')
    execute(db_url, "UPDATE records SET record = record WHERE id = :id", id=two.id)
    execute(db_url, "UPDATE records SET error_count = 3 WHERE id = :id", id=two.id)
    execute(db_url, "DELETE FROM records WHERE id = :id", id=three.id)
    execute(db_url, "UPDATE records SET etag = 'entry:other' WHERE id = :id", id=four.id)
    assert set(cache.seals(ids)) == {two.id}
    assert set(table(db_url, "checks")) == {two.id}

    cache.put([Fetched(one, "", one.url, "entry:again")])  # alignfetch's own write: checked
    assert {k: s.etag for k, s in cache.seals(ids).items()} == {
        one.id: "entry:again",
        two.id: f"entry:{two.id}",
    }


# Bugs: a row without an ETag or without a check taken for a seal (one not stored by an
# alignfetch that checks, or a paper arXiv sent twice); a seal's time not the newer of its
# record's and its check's; its errors lost.
def test_seals_are_the_checked_rows_with_an_etag(db_url: str) -> None:
    from datetime import UTC, datetime, timedelta

    cache = db.open_cache(db_url)
    t0 = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    one, two, three = paper(1), paper(2), paper(3)
    cache.put([Fetched(one, "", one.url, "entry:1"), Fetched(two, "", two.url, None)], now=t0)
    cache.put([Fetched(three, "", three.url, "entry:3")], now=t0)
    execute(db_url, "DELETE FROM checks WHERE id = :id", id=three.id)
    cache.touch([one.id], now=t0 + timedelta(days=2))
    cache.record_error({one.id: "down"}, now=t0 + timedelta(days=3))
    seals = cache.seals([one.id, two.id, three.id, "arxiv:none"])
    assert list(seals) == [one.id]
    seal = seals[one.id]
    assert (seal.etag, seal.fetched_at, seal.last_error, seal.error_count) == (
        "entry:1",
        t0 + timedelta(days=2),
        "down",
        1,
    )
    assert seal.last_error_at == t0 + timedelta(days=3)


# Bug: checks made before the triggers kept, vouching for records a hand may have changed
# while nothing watched; or the upgrade losing records.
def test_upgrading_to_0004_drops_old_checks_and_keeps_records(db_url: str) -> None:
    engine = db.make_engine(db_url)
    db.upgrade(engine, "0003")
    engine.dispose()
    execute(
        db_url,
        "INSERT INTO records (id, kind, record, raw, source_url, etag, fetched_at, changed_at, "
        "error_count) VALUES ('arxiv:1', 'paper', '{}', '', 'u', 'entry:1', "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)",
    )
    execute(db_url, "INSERT INTO checks (id, checked_at) VALUES ('arxiv:1', NULL)")
    before = table(db_url, "records")
    cache = db.open_cache(db_url)  # upgrades to the head
    assert db.current_revision(cache.engine) == "0004"
    assert table(db_url, "records") == before
    assert table(db_url, "checks") == {}
    assert cache.seals(["arxiv:1"]) == {}
    assert _triggers(cache) == {
        "records_changed_unchecked",
        "records_deleted_unchecked",
        "records_inserted_unchecked",
    }


def _triggers(cache: db.Cache) -> set[str]:
    query = (
        "SELECT trigger_name FROM information_schema.triggers "
        "WHERE event_object_schema = current_schema()"
        if cache.shared
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    with cache.engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


# Bugs: no trigger on insert, so a row a hand put back with INSERT OR REPLACE (which fires
# no delete trigger on SQLite) kept the check that vouched for the row it replaced.
def test_a_row_replaced_by_hand_loses_its_check(fakes: Fakes, listdir: Path) -> None:
    added(listdir)
    good = stored(listdir, PAPER)
    with sqlite3.connect(listdir / CACHE) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO records SELECT id, kind, ?, raw, source_url, etag, "
            "fetched_at, changed_at, last_error, last_error_at, error_count FROM records "
            "WHERE id = ?",
            (BROKEN["missing fields"], PAPER),
        )
    assert check_of(listdir, PAPER) is None
    assert run("refresh", "--all").exit_code == 0
    assert stored(listdir, PAPER)[2] == good[2]  # fetched again


# Bug: a confirmation that wrote its check anew: a record a hand damaged while upstream
# was being asked (its check dropped by the trigger) was vouched for again, sealed at the
# next refresh, and never healed. A paper is confirmed by its seal, a repository by a 304
# on its whole row.
@pytest.mark.parametrize(
    ("rid", "section", "method", "path", "junk"),
    [
        (PAPER, "evaluation", "POST", "/api/query", BROKEN["missing fields"]),
        ("gh:CarperAI/trlx", "rlhf", "GET", "/repos/CarperAI/trlx", '{"kind": "repo"}'),
    ],
    ids=["sealed", "read"],
)
def test_a_record_changed_while_a_refresh_runs_is_not_vouched_for(
    fakes: Fakes, listdir: Path, rid: str, section: str, method: str, path: str, junk: str
) -> None:
    add_sections(listdir)
    assert run("add", rid, "-s", section).exit_code == 0
    good = stored(listdir, rid)
    (_, pattern, answer) = next(
        r for r in fakes.server.routes if r[0] == method and r[1].search(path)
    )

    def damaging(req: Request, m: re.Match[str]) -> Response:
        with sqlite3.connect(listdir / CACHE) as conn:
            conn.execute("UPDATE records SET record = ? WHERE id = ?", (junk, rid))
        return answer(req, m)

    fakes.server.routes.insert(0, (method, pattern, damaging))
    assert run("refresh", "--all").exit_code == 0
    assert check_of(listdir, rid) is None
    fakes.server.routes.pop(0)
    assert run("refresh", "--all").exit_code == 0
    assert stored(listdir, rid)[2] == good[2]


# Bug: a seal whose time is no time raised out of the refresh (a traceback) instead of
# counting as missing, as the full way counts it.
def test_a_sealed_row_with_a_damaged_time_is_fetched_again(fakes: Fakes, listdir: Path) -> None:
    added(listdir)
    with sqlite3.connect(listdir / CACHE) as conn:
        conn.execute("UPDATE records SET fetched_at = 'not a time' WHERE id = ?", (PAPER,))
    result = run("refresh")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Checked 1 entry")
    assert run("list").exit_code == 0


# Bug: a sealed paper taken for one never fetched when Semantic Scholar first names its
# venue, so the publication was not news (it is only for a paper fetched just now).
def test_a_sealed_papers_first_venue_is_news(fakes: Fakes, listdir: Path) -> None:
    fakes.server.fail(r"^/paper/batch$", Response(503, "{}"), times=3)  # add's attempts
    added(listdir)
    assert check_of(listdir, "s2:2305.01937") is None
    fakes.s2.papers.update(s2_data.items())
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert "- arxiv:2305.01937: was published: ACL 2023" in result.stdout


# Bug: the trigger's DELETE named `checks` without its schema, so it followed the caller's
# search_path: a hand at another schema's cache dropped this one's checks, or failed.
def test_the_trigger_follows_its_own_schema(pg_url: str) -> None:
    cache = db.open_cache(pg_url)
    one = paper(1)
    cache.put([Fetched(one, "", one.url, "entry:1")])
    with cache.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    base = pg_url.split("?", 1)[0]  # the server's default search_path: public, not the cache
    execute(base, f'UPDATE "{schema}".records SET record = \'{{"kind": "paper"}}\'')
    assert cache.seals([one.id]) == {}


# Bug: a confirmation that wrote anew a check a trigger dropped after the row was read (on
# either backend's way of touching); or one that no longer gave a check to a record read
# whole without one (stored before the checks, or after the upgrade dropped them).
def test_a_confirmation_renews_only_the_checks_its_rows_had(db_url: str) -> None:
    cache = db.open_cache(db_url)
    one, two = paper(1), paper(2)
    cache.put([Fetched(p, "", p.url, f"entry:{p.id}") for p in (one, two)])
    execute(db_url, "DELETE FROM checks WHERE id = :id", id=two.id)
    held = {**cache.get([one.id, two.id]), **cache.seals([one.id])}
    assert not held[two.id].checked
    corrupt(db_url, one.id, '{"kind": "paper"}')  # by a hand, after the rows were read
    cache.touch([one.id, two.id], held=held)
    assert set(table(db_url, "checks")) == {two.id}
