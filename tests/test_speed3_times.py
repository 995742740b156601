"""Paper pages and OpenAlex records read only for their fetch time (issue 23, warm refresh).

A refresh decides whether to ask the Hub for a paper's page again, and OpenAlex for its
affiliations, from the rows' fetch times alone (:meth:`alignfetch.cache.db.Cache.times`),
read in SQL without decoding the records. The decisions must be the ones whole rows gave:
the newer of the record's time and its check's, a row that is no record at all counting
as missing. The real CLI runs against the fakes on 127.0.0.1, on each backend (``db_url``:
SQLite, and PostgreSQL when a test server is given).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, delete, insert, text, update
from sqlalchemy.pool import NullPool

from alignfetch.cache import db
from alignfetch.cache.models import CachedRecord, Check
from alignfetch.records import Affiliations, PaperPage
from alignfetch.sources import Fetched
from conftest import Fakes, add_sections, run
from fakes import openalex as oa_data

KEYS = ["2204.05862", "2206.08325", "2305.01937", "2305.14929", "2305.16960", "2306.05685"]
"""The reference papers the fake arXiv holds; OpenAlex knows the last three of them."""
NOW = datetime.now(UTC)


def days(n: float) -> datetime:
    return NOW - timedelta(days=n)


def added(db_url: str, listdir: Path) -> None:
    """The reference papers in the list, their pages and OpenAlex records cached."""
    add_sections(listdir)
    result = run("--db", db_url, "add", *KEYS, "-s", "evaluation")
    assert result.exit_code == 0, result.output


def timed(url: str, rid: str, fetched: datetime, checked: datetime | None = None) -> None:
    """Row ``rid`` fetched at ``fetched`` and, when given, checked at ``checked``."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            records, checks = CachedRecord.__table__, Check.__table__
            done = conn.execute(
                update(records).where(records.c.id == rid).values(fetched_at=fetched)
            )
            assert done.rowcount == 1, rid
            conn.execute(update(checks).where(checks.c.id == rid).values(checked_at=checked))
            if checked is not None:  # also after `stored`, whose change dropped the check
                conn.execute(delete(checks).where(checks.c.id == rid))
                conn.execute(insert(checks).values(id=rid, checked_at=checked))
    finally:
        engine.dispose()


def stored(url: str, rid: str, record: str | None) -> None:
    """Row ``rid``'s record replaced by the text ``record``: on SQLite as it is, on
    PostgreSQL (whose JSONB holds only JSON) a JSON string for text that is not JSON."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        pg = engine.dialect.name == "postgresql"
        if pg and record is not None:
            try:
                json.loads(record)
            except ValueError:
                record = json.dumps(record)  # no record at all on PostgreSQL either
        value = "CAST(:r AS jsonb)" if pg else ":r"
        with engine.begin() as conn:
            conn.execute(text(f"UPDATE records SET record = {value} WHERE id = :id"),
                         {"r": record, "id": rid})  # fmt: skip
    finally:
        engine.dispose()


def pages_asked(fakes: Fakes, since: int) -> set[str]:
    """The papers whose Hub page was asked for after the first ``since`` requests."""
    return {
        r.path.removeprefix("/api/papers/")
        for r in fakes.server.log[since:]
        if r.path.startswith("/api/papers/")
    }


def openalex_asked(fakes: Fakes, since: int) -> set[str]:
    """The papers OpenAlex was asked about after its first ``since`` requests."""
    asked: set[str] = set()
    for req in fakes.openalex.requests()[since:]:
        for doi in req.arg("filter").removeprefix("doi:").split("|"):
            asked.add(doi.removeprefix("10.48550/arxiv."))
    return asked


def refresh(db_url: str) -> None:
    result = run("--db", db_url, "refresh", "--all")
    assert result.exit_code == 0, result.output


# -- paper pages -----------------------------------------------------------------------


# Bug: the narrow read took the record's fetched_at alone (a page confirmed yesterday, first
# fetched two weeks ago, asked again every night) or the check's alone (a page fetched
# yesterday after an old check asked again), or read no time at all (every page asked).
def test_a_page_is_asked_for_by_the_newer_of_its_fetch_and_check_times(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    added(db_url, listdir)
    timed(db_url, "hfpaper:2204.05862", days(1), None)  # yesterday: not due
    timed(db_url, "hfpaper:2206.08325", days(15), None)  # twice a week and more: always
    timed(db_url, "hfpaper:2305.01937", days(15), days(1))  # confirmed yesterday
    timed(db_url, "hfpaper:2305.14929", days(1), days(20))  # fetched again since its check
    timed(db_url, "hfpaper:2305.16960", days(2), days(2))
    timed(db_url, "hfpaper:2306.05685", days(15), days(16))  # both old: always
    since = len(fakes.server.log)
    refresh(db_url)
    assert pages_asked(fakes, since) == {"2206.08325", "2306.05685"}


# Bug: a page row whose text is no JSON (or, on PostgreSQL, JSON that is no object) counted
# by its time in the narrow read, so a broken page was never fetched again to mend it.
def test_a_page_row_that_is_no_record_counts_as_missing(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    added(db_url, listdir)
    for key in KEYS:
        timed(db_url, f"hfpaper:{key}", days(1), days(1))
    stored(db_url, "hfpaper:2305.16960", "{not json")
    stored(db_url, "hfpaper:2204.05862", "[1, 2]")
    since = len(fakes.server.log)
    refresh(db_url)
    assert pages_asked(fakes, since) == {"2305.16960", "2204.05862"}
    # Fetched again, the page's record is whole again.
    cache = db.open_cache(db_url)
    assert isinstance(cache.records(["hfpaper:2305.16960"])["hfpaper:2305.16960"], PaperPage)


# -- OpenAlex --------------------------------------------------------------------------


# Bug: the narrow read lost `found` (OpenAlex asked again weekly for papers it knows, or
# never again for those it did not know yet), or ignored the check time (a record confirmed
# two days ago asked again), or the week (every unknown paper asked every night).
def test_openalex_is_asked_again_weekly_for_a_paper_it_did_not_know(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    fakes.openalex.works.update(oa_data.load())  # 2305.01937, 2305.16960, 2306.05685
    added(db_url, listdir)
    cache = db.open_cache(db_url)
    found = {k: r.found for k, r in cache.records(f"openalex:{k}" for k in KEYS).items()
             if isinstance(r, Affiliations)}  # fmt: skip
    assert found == {f"openalex:{k}": k in oa_data.load() for k in KEYS}
    timed(db_url, "openalex:2204.05862", days(10), None)  # unknown, a week old: asked
    timed(db_url, "openalex:2206.08325", days(3), None)  # unknown, three days old: not
    timed(db_url, "openalex:2305.14929", days(10), days(2))  # unknown, confirmed lately
    timed(db_url, "openalex:2305.01937", days(30), None)  # known: never again
    timed(db_url, "openalex:2306.05685", days(30), days(20))  # known: never again
    stored(db_url, "openalex:2305.16960", "not json")  # no record at all: missing
    since = len(fakes.openalex.requests())
    refresh(db_url)
    assert openalex_asked(fakes, since) == {"2204.05862", "2305.16960"}


# -- the trade-off: records are not decoded --------------------------------------------


# Bug: the decision decoded every record again (a refresh of 9,000 papers decoded 18,000
# rows it needed only the times of). The trade-off, pinned: a row whose JSON is an object
# but whose fields are of the wrong type (which a whole read counts as missing) now counts
# by its time, and is fetched again when that says it is due; its `found` counts only when
# it is JSON true.
def test_a_wrongly_typed_row_counts_by_its_time(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    added(db_url, listdir)
    for key in KEYS:
        timed(db_url, f"hfpaper:{key}", days(1), None)
        timed(db_url, f"openalex:{key}", days(10), None)
    wrong_page = json.dumps({"kind": "paper_page", "id": "hfpaper:2306.05685", "url": 5})
    stored(db_url, "hfpaper:2306.05685", wrong_page)  # yesterday's: not due
    stored(db_url, "hfpaper:2305.01937", wrong_page.replace("2306.05685", "2305.01937"))
    timed(db_url, "hfpaper:2305.01937", days(15), None)  # twice a week old: asked
    for key, found in (("2204.05862", "true"), ("2206.08325", '"no"'), ("2305.14929", "1")):
        stored(db_url, f"openalex:{key}",
               f'{{"kind": "affiliations", "id": "openalex:{key}", "found": {found}, '
               '"authors": 5}')  # fmt: skip
    cache = db.open_cache(db_url)
    assert "hfpaper:2306.05685" not in cache.get(["hfpaper:2306.05685"])  # unreadable whole
    page_since, oa_since = len(fakes.server.log), len(fakes.openalex.requests())
    refresh(db_url)
    assert pages_asked(fakes, page_since) == {"2305.01937"}
    # found true: never asked again; "no" and 1 are not true: asked, a week old.
    assert openalex_asked(fakes, oa_since) == {
        "2206.08325", "2305.14929", "2305.01937", "2305.16960", "2306.05685",
    }  # fmt: skip


# -- the read itself -------------------------------------------------------------------


def _record(url: str, rid: str, data: str, fetched: datetime, checked: datetime | None) -> None:
    cache = db.open_cache(url)
    cache.put([Fetched(Affiliations(id=rid, found=False), "", "http://x")], now=fetched)
    stored(url, rid, data)
    timed(url, rid, fetched, checked)


# Bug: `found` read as truthy (a 1 or "true" taken for found, so never asked again), a row
# that is no JSON object counted, or a time read without its check's.
def test_the_narrow_read_of_each_kind_of_row(db_url: str) -> None:
    t0 = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    later = t0 + timedelta(days=3, microseconds=7)
    rows: dict[str, tuple[str, datetime | None]] = {
        "openalex:1": ('{"found": true}', None),
        "openalex:2": ('{"found": false}', later),
        "openalex:3": ('{"found": 1}', t0 - timedelta(days=1)),
        "openalex:4": ('{"found": "true"}', None),
        "openalex:5": ('{"kind": "affiliations"}', None),
        "openalex:6": ("[true]", None),
        "openalex:7": ('"found"', None),
        "openalex:8": ("null", None),
        "openalex:9": ("{broken", None),
    }
    for rid, (data, checked) in rows.items():
        _record(db_url, rid, data, t0, checked)
    got = db.open_cache(db_url).times([*rows, "openalex:10"])
    assert {rid: (t.at, t.found) for rid, t in got.items()} == {
        "openalex:1": (t0, True),
        "openalex:2": (later, False),
        "openalex:3": (t0, False),
        "openalex:4": (t0, False),
        "openalex:5": (t0, False),
    }
