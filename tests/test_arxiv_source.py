"""The arXiv source against a fake arXiv serving real recorded feeds.

The golden files (tests/golden/arxiv/) were written by hand from the feeds, not
by this code; each feed is served alone so its own version of a paper is the
one compared.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import etree

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, RateLimitError, SourceError
from alignfetch.records import Paper
from alignfetch.sources import Fetched
from alignfetch.sources import arxiv as source
from fakes.arxiv import RATE_EXCEEDED, UNAVAILABLE, FakeArxiv
from fakes.server import FakeServer, Response

HERE = Path(__file__).parent
GOLDEN = sorted((HERE / "golden" / "arxiv").glob("*.json"))


def settings(server: FakeServer, **kw: object) -> Settings:
    base = dict(
        arxiv_url=f"{server.url}/api/query", arxiv_delay=0.0, backoff=0.0, timeout=2.0, retries=2
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def test_there_is_a_golden_file_per_feed_and_68_papers() -> None:
    assert len(GOLDEN) == 22
    papers = {p["id"] for g in GOLDEN for p in json.loads(g.read_text())}
    assert len(papers) == 68


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.stem)
def test_feed_matches_golden(server: FakeServer, golden: Path) -> None:
    expected = json.loads(golden.read_text(encoding="utf-8"))
    FakeArxiv(server, [HERE / "data" / "arxiv" / f"{golden.stem}.xml"])
    keys = [p["id"].removeprefix("arxiv:") for p in expected]
    got = source.fetch(keys, settings(server), {}) if keys else {}
    assert len(server.requests()) == (1 if keys else 0)
    for want in expected:
        outcome = got[want["id"].removeprefix("arxiv:")]
        assert isinstance(outcome, Fetched)
        paper = outcome.record
        assert isinstance(paper, Paper)
        actual = {
            "id": paper.id,
            "version": paper.version,
            "title": paper.title,
            "authors": [a.name for a in paper.authors],
            "published": paper.published,
            "updated": paper.updated,
            "doi": paper.doi,
            "journal_ref": paper.journal_ref,
            "comment": paper.comment,
            "primary_category": paper.primary_category,
        }
        assert actual == want
        key = paper.id.removeprefix("arxiv:")
        assert paper.url == f"https://arxiv.org/abs/{key}"
        assert paper.pdf_url == f"https://arxiv.org/pdf/{key}"
        # The feed's own summary, whitespace joined by this test's rule (not the source's).
        summary = etree.fromstring(outcome.raw.encode()).findtext("{http://www.w3.org/2005/Atom}summary")
        assert summary and paper.abstract == re.sub(r"[ \t\r\n]+", " ", summary).strip(" ")
        assert f"/abs/{key}v{paper.version}</" in outcome.raw  # the raw entry is kept


def test_affiliations_are_kept(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "005.xml"])
    paper = source.fetch(["hep-ex/0406020"], settings(server), {})["hep-ex/0406020"].record
    assert isinstance(paper, Paper)
    assert paper.authors[0].affiliations  # 005 carries an <arxiv:affiliation>


# Issue 23: 250 IDs were three GETs of 100; by POST they are one request (2,000 a slice).
# With POST refused they are the GETs of 100 again (tests/test_speed2_arxivpost.py).
def test_many_ids_cost_one_request_per_hundred(server: FakeServer) -> None:
    arxiv = FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    template = arxiv.entry("1605.08386").decode()
    keys = [f"2301.{n:05d}" for n in range(1, 251)]
    for key in keys:
        arxiv.put(template.replace("1605.08386", key))
    got = source.fetch(keys, settings(server), {})
    assert all(isinstance(v, Fetched) for v in got.values()) and len(got) == 250
    requests = server.requests("/api/query")
    assert [(r.method, len(r.arg("id_list").split(","))) for r in requests] == [("POST", 250)]
    assert all(r.arg("max_results") == "2000" for r in requests)
    arxiv.refuse_post = 405
    server.log.clear()
    got = source.fetch(keys, settings(server), {})
    assert all(isinstance(v, Fetched) for v in got.values()) and len(got) == 250
    requests = [r for r in server.requests("/api/query") if r.method == "GET"]
    assert [len(r.arg("id_list").split(",")) for r in requests] == [100, 100, 50]
    assert all(r.arg("max_results") == "100" for r in requests)


def test_unknown_id_is_asked_again_once_then_not_found(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    got = source.fetch(["1605.08386", "2301.99999"], settings(server), {})
    assert isinstance(got["1605.08386"], Fetched)
    assert isinstance(got["2301.99999"], NotFoundError)
    assert "does not exist on arXiv" in str(got["2301.99999"])
    ids = [r.arg("id_list") for r in server.requests("/api/query")]
    assert ids == ["1605.08386,2301.99999", "2301.99999"]


def test_requests_are_polite(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    source.fetch(["1605.08386"], settings(server), {})
    (req,) = server.requests()
    assert req.headers["User-Agent"].startswith("alignfetch/")


def test_429_backs_off_then_succeeds(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", RATE_EXCEEDED, times=2)
    got = source.fetch(["1605.08386"], settings(server), {})
    assert isinstance(got["1605.08386"], Fetched)
    assert len(server.requests()) == 3


def test_retry_after_is_honoured(server: FakeServer) -> None:
    import time

    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", Response(503, "busy", {"Retry-After": "1"}), times=1)
    start = time.monotonic()
    source.fetch(["1605.08386"], settings(server), {})
    assert time.monotonic() - start >= 0.9
    assert len(server.requests()) == 2


@pytest.mark.parametrize(("fault", "status"), [(RATE_EXCEEDED, 429), (UNAVAILABLE, 503)])
def test_persistent_429_and_503_give_up_after_the_retries(
    server: FakeServer, fault: Response, status: int
) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", fault, times=100)
    with pytest.raises(RateLimitError) as err:
        source.fetch(["1605.08386"], settings(server, retries=3), {})
    assert f"HTTP {status}" in str(err.value) and err.value.status == status
    assert len(server.requests()) == 4  # the first try and three retries


def test_exponential_backoff_from_the_base(server: FakeServer) -> None:
    import time

    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", UNAVAILABLE, times=2)
    start = time.monotonic()
    source.fetch(["1605.08386"], settings(server, backoff=0.2), {})
    assert time.monotonic() - start >= 0.2 + 0.4 - 0.05


def test_400_says_the_request_was_malformed(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", Response(400, (HERE / "data" / "arxiv" / "008.xml").read_bytes()))
    with pytest.raises(SourceError) as err:
        source.fetch(["1605.08386"], settings(server), {})
    assert err.value.status == 400 and "malformed" in str(err.value)
    assert len(server.requests()) == 1  # a 400 is not retried


def test_timeout(server: FakeServer) -> None:
    FakeArxiv(server, [HERE / "data" / "arxiv" / "001.xml"])
    server.fail("/api/query", Response(200, "", delay=1.5))
    with pytest.raises(SourceError) as err:
        source.fetch(["1605.08386"], settings(server, timeout=0.5), {})
    assert "did not answer within 0.5 seconds" in str(err.value)


def test_unreachable_server() -> None:
    s = Settings(arxiv_url="http://127.0.0.1:9/api/query", arxiv_delay=0, retries=0)
    with pytest.raises(SourceError) as err:
        source.fetch(["1605.08386"], s, {})
    assert "could not be reached" in str(err.value)
