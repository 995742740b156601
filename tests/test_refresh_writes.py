"""What a warm refresh reads and writes (issues 12 and 23): each row read once, unchanged
records of every kind marked checked in the narrow ``checks`` table and never rewritten, changed
ones (a new ETag included) written, failed ones left as they were; and the request
workers that keep each attempt's deadline without a thread per request.

The cache tests run on each backend (``db_url``: SQLite, and PostgreSQL when a test
server is given).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

from alignfetch.config import Settings
from alignfetch.sources import Fetched
from alignfetch.sources import github as github_source
from conftest import Fakes, add_sections, run
from fakes.server import Response

PAPER = "arxiv:2305.01937"
DATASET = "hf:Anthropic/hh-rlhf"
REPO = "gh:CarperAI/trlx"
PAGE = "hfpaper:2305.01937"
SCHOLARLY = ("s2:2305.01937", "openalex:2305.01937")
"""The scholarly graph's rows of the paper (Semantic Scholar's is asked at every fetch)."""
NAMED = "arxiv:2204.05862"
"""The paper the dataset names: asked for with the others, kept as a related record."""


def checked(url: str) -> dict[str, Any]:
    """When each record was last fetched or confirmed: the newer of its ``fetched_at``
    and its check's time (as the cache reads them), by ID."""
    from alignfetch.cache import db

    cache = db.open_cache(url)
    try:
        return {rid: row.fetched_at for rid, row in cache.get(cache_rows(url)).items()}
    finally:
        cache.engine.dispose()


def cache_rows(url: str) -> dict[str, dict[str, Any]]:
    """Every row of the records table by ID, as column -> value."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                r["id"]: dict(r)
                for r in conn.execute(text("SELECT * FROM records")).mappings()
                if not r["id"].startswith("pace:")
            }
    finally:
        engine.dispose()


@contextmanager
def statements(db_url: str) -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement sent to the cache meanwhile, with its parameters: on SQLite,
    as SQLite itself runs them (its trace, values written in: alignfetch speaks to a
    SQLite cache through SQLAlchemy or the standard library alike), on PostgreSQL as
    any SQLAlchemy engine sends them."""
    seen: list[tuple[str, Any]] = []
    if db_url.startswith("sqlite"):
        import sqlite3

        connect = sqlite3.connect

        def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
            conn = connect(*args, **kwargs)
            conn.set_trace_callback(lambda sql: seen.append((" ".join(sql.split()), _quoted(sql))))
            return conn

        sqlite3.connect = traced  # type: ignore[assignment]
        try:
            yield seen
        finally:
            sqlite3.connect = connect  # type: ignore[assignment]
        return

    def note(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        seen.append((" ".join(sql.split()), params))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _quoted(sql: str) -> list[str]:
    """The string values SQLite's trace wrote into a statement."""
    return [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", sql)]


def three_kinds(db_url: str, listdir: Path) -> dict[str, dict[str, Any]]:
    """A paper, a dataset and a repository, added to a list on ``db_url``; their rows."""
    add_sections(listdir)
    for ident, section in ((PAPER, "evaluation"), (DATASET, "english"), (REPO, "rlhf")):
        result = run("--db", db_url, "add", ident, "-s", section)
        assert result.exit_code == 0, result.output
    return cache_rows(db_url)


def flat(params: Any) -> list[str]:
    """The string parameters of one execution (a tuple, a dict, or many of either)."""
    if isinstance(params, dict):
        return [v for v in params.values() if isinstance(v, str)]
    if isinstance(params, list | tuple):
        return [
            s
            for p in params
            for s in (flat(p) if isinstance(p, list | tuple | dict) else [p])
            if isinstance(s, str)
        ]
    return []


def test_a_warm_refresh_rewrites_no_unchanged_record_of_any_kind(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    before = three_kinds(db_url, listdir)
    assert set(before) == {PAPER, DATASET, REPO, PAGE, NAMED, *SCHOLARLY}
    times = checked(db_url)
    with statements(db_url) as sent:
        result = run("--db", db_url, "refresh", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Checked 3 entries: nothing changed.\n"
    writes = [sql for sql, _ in sent if sql.upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    # Nothing written to the records table at all (issue 23: marking them checked used
    # to rewrite each wide row, some 2 KB, to move one date): the records came back
    # as they were (the paper page is weekly, not asked), and one narrow row each in
    # checks says so.
    assert not [sql for sql in writes if "RECORDS" in sql.upper().split(" SET ")[0]]
    assert [sql for sql in writes if sql.upper().startswith(("INSERT INTO CHECKS", "UPDATE CHECKS"))]
    assert cache_rows(db_url) == before  # every column of every row, byte for byte
    after = checked(db_url)
    for rid in (PAPER, DATASET, REPO, NAMED, "s2:2305.01937"):
        assert after[rid] > times[rid], rid
    assert after[PAGE] == times[PAGE]  # not asked: not checked


def test_the_cache_keeps_what_is_read_back_and_not_the_rest(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    rows = three_kinds(db_url, listdir)
    # A paper's source is the query for it alone, not its batch's (up to 100 IDs).
    assert rows[PAPER]["source_url"] == f"{fakes.server.url}/api/query?id_list=2305.01937"
    # A repository keeps its ETag (asked with If-None-Match), not GitHub's whole answer.
    assert rows[REPO]["raw"] == ""
    assert rows[REPO]["etag"] == fakes.github.served("CarperAI/trlx").headers["ETag"]
    # A dataset keeps its card: the next fetch compares the commit it was read at.
    assert (
        '"card_sha"' in rows[DATASET]["raw"]
        and "This repository provides access" in (rows[DATASET]["raw"])
    )
    result = run("--db", db_url, "refresh", "--all")
    assert result.exit_code == 0, result.output
    assert fakes.github.statuses()[-1] == 304
    assert fakes.hub_requests("/resolve/") == 1  # the card was read once, at the add


def test_only_the_records_that_changed_are_written(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    before = three_kinds(db_url, listdir)
    times = checked(db_url)
    served = fakes.github.update("CarperAI/trlx", stargazers_count=9000)
    result = run("--db", db_url, "refresh", "--all")
    assert result.exit_code == 0, result.output
    assert "- gh:CarperAI/trlx: stars " in result.stdout
    after = cache_rows(db_url)
    assert after[REPO]["etag"] == served.headers["ETag"] != before[REPO]["etag"]
    assert '"stars": 9000' in str(after[REPO]["record"]).replace("'", '"')
    assert after[REPO]["changed_at"] > before[REPO]["changed_at"]
    for rid in (PAPER, DATASET):  # checked, not rewritten
        assert after[rid] == before[rid]
        assert checked(db_url)[rid] > times[rid]


def test_a_new_etag_on_the_same_record_is_stored(fakes: Fakes, listdir: Path, db_url: str) -> None:
    before = three_kinds(db_url, listdir)
    # A field alignfetch does not keep: the record stays the same, the ETag does not.
    served = fakes.github.update("CarperAI/trlx", size=123456)
    assert run("--db", db_url, "refresh", "--all").exit_code == 0
    after = cache_rows(db_url)
    assert after[REPO]["record"] == before[REPO]["record"]
    assert after[REPO]["changed_at"] == before[REPO]["changed_at"]
    assert after[REPO]["etag"] == served.headers["ETag"]
    # So the next refresh asks with the new ETag, and GitHub says nothing changed.
    assert run("--db", db_url, "refresh", "--all").exit_code == 0
    last = fakes.github.requests()[-1]
    assert last.headers.get("If-None-Match") == served.headers["ETag"]
    assert fakes.github.statuses()[-1] == 304


def test_a_failed_fetch_is_neither_written_nor_marked_checked(
    fakes: Fakes, listdir: Path, db_url: str
) -> None:
    before = three_kinds(db_url, listdir)
    times = checked(db_url)
    fakes.server.fail("^/api/datasets/", Response(503, "down"), times=9)
    result = run("--db", db_url, "refresh", "--all")
    assert result.exit_code == 1
    after = cache_rows(db_url)
    kept = {
        k: v
        for k, v in after[DATASET].items()
        if k not in ("last_error", "last_error_at", "error_count")
    }
    assert kept == {k: before[DATASET][k] for k in kept}  # fetched_at did not move either
    assert after[DATASET]["error_count"] == 1
    assert "HTTP 503" in after[DATASET]["last_error"]
    assert checked(db_url)[DATASET] == times[DATASET]
    for rid in (PAPER, REPO):  # the others are checked as usual
        assert checked(db_url)[rid] > times[rid]
        assert after[rid]["last_error"] is None


def test_a_warm_refresh_reads_each_row_once(fakes: Fakes, listdir: Path, db_url: str) -> None:
    three_kinds(db_url, listdir)
    with statements(db_url) as sent:
        assert run("--db", db_url, "refresh", "--all").exit_code == 0
    asked: list[str] = []
    for sql, params in sent:
        if sql.upper().startswith("SELECT") and " FROM RECORDS" in sql.upper():
            asked += [p for p in flat(params) if ":" in p and not p.startswith("pace:")]
    assert sorted(asked) == sorted([PAPER, DATASET, REPO, PAGE, NAMED, *SCHOLARLY])


# -- the request workers ------------------------------------------------------------


def test_an_abandoned_attempt_keeps_no_later_request_waiting(fakes: Fakes) -> None:
    """Two attempts whose headers never end are each given up after twice the timeout;
    their workers are still stuck reading when the next request goes, which must not
    wait for them."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 4000
    fakes.server.fail("^/repos/", Response(raw=head, trickle=0.005), times=2)
    s = Settings(github_url=fakes.server.url, timeout=0.5, retries=0, backoff=0.0)
    for _ in range(2):
        start = time.monotonic()
        got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
        assert str(got) == (
            "GitHub did not answer within 0.5 seconds; try again later or raise ALIGNFETCH_TIMEOUT."
        )
        assert time.monotonic() - start < 2 * 0.5 + 0.5  # the headers alone take 20 s
    start = time.monotonic()
    got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
    assert isinstance(got, Fetched) and got.record.id == REPO
    assert time.monotonic() - start < 0.5
    assert len(fakes.github.requests()) == 3


def test_many_requests_in_a_row_each_keep_their_deadline(fakes: Fakes) -> None:
    """Workers are reused: after forty answers, a trickle is still cut off in time."""
    s = Settings(github_url=fakes.server.url, timeout=0.5, retries=0, backoff=0.0)
    for _ in range(40):
        assert isinstance(github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"], Fetched)
    fakes.server.fail("^/repos/", Response(200, b'{"id": 1}', trickle=0.2), times=1)
    start = time.monotonic()
    got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
    assert not isinstance(got, Fetched)
    assert time.monotonic() - start < 2 * 0.5 + 0.5


# -- the SQLite file ------------------------------------------------------------------


def test_a_new_sqlite_cache_has_32_kb_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path,
) -> None:
    import sqlite3

    from alignfetch.cache import db
    from alignfetch.records import Paper

    paper = Paper(
        id=PAPER,
        version=1,
        title="T",
        abstract="A",
        authors=(),
        published="2023-05-03",
        updated="2023-05-03",
        primary_category="cs.CL",
        categories=("cs.CL",),
        comment=None,
        journal_ref=None,
        doi=None,
        url="https://arxiv.org/abs/2305.01937",
        pdf_url="https://arxiv.org/pdf/2305.01937",
    )
    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as conn:  # a cache made before: 4 KB pages, a table in it
        conn.execute("CREATE TABLE before (a)")
    for path, size in ((tmp_path / "new.sqlite", 32768), (old, 4096)):
        cache = db.open_cache(db.sqlite_url(path))
        cache.put([Fetched(paper, "", "http://x/api/query?id_list=2305.01937")])
        assert db.open_cache(db.sqlite_url(path)).get([PAPER])[PAPER].parsed == paper
        cache.engine.dispose()
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA page_size").fetchone() == (size,)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# -- arXiv's feed, read in one pass --------------------------------------------------


def _fields(result: Any) -> dict[str, Any]:
    out = dict(vars(result))
    out["authors"] = [(a.name, a.affiliation) for a in result.authors]
    out["links"] = [(x.href, x.title, x.rel, x.content_type) for x in result.links]
    return out


ODD_FEED = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"
      xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <opensearch:totalResults>x7</opensearch:totalResults>
  <opensearch:itemsPerPage> 3 </opensearch:itemsPerPage>
  <entry>
    <!-- a comment where a field could be -->
    <id>http://arxiv.org/abs/2401.00001v2</id>
    <updated>2024-01-02T03:04:05Z</updated><published>2024-01-01T00:00:00Z</published>
    <title>  Two
      lines </title><title>A second title</title>
    <summary>Kept as it is,
  spaces and all. </summary>
    <author><name>A. Author</name><arxiv:affiliation>Lab</arxiv:affiliation>
      <arxiv:affiliation/><arxiv:affiliation>Other</arxiv:affiliation></author>
    <author><arxiv:affiliation>No name</arxiv:affiliation></author>
    <link href="https://arxiv.org/abs/2401.00001v2" rel="alternate" type="text/html"/>
    <link title="pdf" rel="related"/>
    <arxiv:primary_category term="cs.CL"/><arxiv:primary_category term="cs.AI"/>
    <category term="cs.CL"/><category/><category term="cs.LG"/>
    <arxiv:comment/><arxiv:doi>10.1/x</arxiv:doi>
  </entry>
  <entry><id>http://arxiv.org/abs/2401.00002v1</id><updated>2024-01-02T03:04:05Z</updated>
    <title>No published date: skipped</title></entry>
  <entry><title>No ID: skipped</title></entry>
</feed>
"""


def test_arxivs_feed_is_read_as_the_arxiv_package_reads_it() -> None:
    from arxiv import _feed

    from alignfetch.sources.arxiv import parse_feed
    from conftest import ARXIV_FEEDS

    feeds = [path.read_bytes() for path in ARXIV_FEEDS]
    assert len(feeds) >= 3
    for body in [*feeds, ODD_FEED, b"", b"<html><body>Busy</body></html>", b"\x00not xml"]:
        ours, theirs = parse_feed(body), _feed.parse(body)
        assert ours.header == theirs.header and ours.malformed == theirs.malformed
        assert [_fields(r) for r in ours.results] == [_fields(r) for r in theirs.results]
    (odd,) = parse_feed(ODD_FEED).results  # and, written out, what that means
    assert (odd.title, odd.summary) == (" Two lines ", "Kept as it is,\n  spaces and all. ")
    assert [(a.name, a.affiliation) for a in odd.authors] == [
        ("A. Author", ["Lab", "Other"]),
        ("", ["No name"]),
    ]
    assert (odd.primary_category, odd.categories) == ("cs.CL", ["cs.CL", "cs.LG"])
    assert (odd.comment, odd.doi, odd.journal_ref) == (None, "10.1/x", None)
    assert [link.href for link in odd.links] == ["https://arxiv.org/abs/2401.00001v2"]
    assert parse_feed(ODD_FEED).header.total_results == 0
    assert parse_feed(ODD_FEED).header.items_per_page == 3


def test_the_arxiv_package_still_pages_through_its_parse_feed_seam() -> None:
    """alignfetch replaces only ``Client._parse_feed``; were the package to page through
    another method, the replacement would silently stop being used."""
    import inspect

    import arxiv

    from alignfetch.sources.arxiv import _client_class

    assert "self._parse_feed(" in inspect.getsource(arxiv.Client._results)
    assert list(inspect.signature(arxiv.Client._parse_feed).parameters) == [
        "self",
        "url",
        "first_page",
        "_try_index",
    ]
    assert issubclass(_client_class(), arxiv.Client)
    assert _client_class()._parse_feed is not arxiv.Client._parse_feed
