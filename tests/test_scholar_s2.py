"""Semantic Scholar's batch source against the fake API on 127.0.0.1 (tests/fakes/s2.py).

The real module is driven end to end: settings point it at the fake, nothing of
alignfetch is mocked. Each test names the bug it catches.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.records import Scholarly
from alignfetch.sources import Fetched, semantic_scholar
from fakes.faults import FAULTS
from fakes.s2 import FakeS2, items, recorded
from fakes.server import FakeServer, Response

KEY = "s2-test-key-0123456789abcdefABCDEF"


@pytest.fixture
def s2(server: FakeServer) -> FakeS2:
    return FakeS2(server, items())


def settings(server: FakeServer, **kw: object) -> Settings:
    base = Settings(
        s2_url=server.url, s2_delay=0.0, retries=1, backoff=0.01, timeout=5.0, max_wait=1.0
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def fetch(server: FakeServer, keys: list[str], **kw: object) -> dict[str, object]:
    return dict(semantic_scholar.fetch(keys, settings(server, **kw), {}))


def record(out: dict[str, object], key: str) -> Scholarly:
    got = out[f"s2:{key}"]
    assert isinstance(got, Fetched), got
    assert isinstance(got.record, Scholarly)
    return got.record


def one_sentence(err: object) -> str:
    assert isinstance(err, SourceError), err
    text = err.message
    assert text.endswith(".") and "\n" not in text and "Traceback" not in text
    assert text.count(". ") == 0, text  # one sentence
    return text


# -- what a batch brings back ---------------------------------------------------------


def test_reference_papers_venues_and_fields(server: FakeServer, s2: FakeS2) -> None:
    """Bug: ACL 2023 / NeurIPS 2023 papers shown as arXiv, arXiv's own DOI kept as the
    published one, or the fields not asked for (the fake answers only the fields named)."""
    out = fetch(server, ["2305.01937", "2306.05685v2", "2204.05862", "2206.08325"])
    acl = record(out, "2305.01937")
    assert acl == Scholarly(
        id="s2:2305.01937",
        found=True,
        venue="ACL 2023",
        venue_name="Annual Meeting of the Association for Computational Linguistics",
        year=2023,
        publication_types=("JournalArticle", "Conference"),
        doi="10.18653/v1/2023.acl-long.870",
        dblp="conf/acl/ChiangL23",
        acl="2023.acl-long.870",
        citation_count=600,
        influential_citation_count=40,
    )
    nips = record(out, "2306.05685")  # asked with its version, keyed without
    assert (nips.venue, nips.doi, nips.dblp) == (
        "NeurIPS 2023",
        None,
        "conf/nips/ZhengC00WZL0LXZ23",
    )
    for key in ("2204.05862", "2206.08325"):
        pre = record(out, key)
        assert (pre.found, pre.venue, pre.venue_name, pre.doi) == (True, None, None, None)
    [batch] = s2.batches
    assert batch.ids == [
        "ARXIV:2305.01937",
        "ARXIV:2306.05685",
        "ARXIV:2204.05862",
        "ARXIV:2206.08325",
    ]
    assert set(batch.fields.split(",")) == {
        "venue",
        "publicationVenue",
        "journal",
        "year",
        "publicationTypes",
        "externalIds",
        "citationCount",
        "influentialCitationCount",
    }
    got = out["s2:2305.01937"]
    assert isinstance(got, Fetched)
    assert json.loads(got.raw)["externalIds"]["DBLP"] == "conf/acl/ChiangL23"
    assert got.url.startswith(server.url) and "ARXIV:2305.01937" in got.url


def test_unknown_id_is_a_record_not_found(server: FakeServer, s2: FakeS2) -> None:
    """Bug: S2's ``null`` for an unknown paper crashes the batch, is skipped (shifting
    every later item onto the wrong paper), or fails the key instead of saying "unknown"."""
    out = fetch(server, ["2305.01937", "2401.00001", "2306.05685"])
    assert record(out, "2401.00001") == Scholarly(id="s2:2401.00001", found=False)
    assert out["s2:2401.00001"].raw == "null"  # type: ignore[union-attr]
    assert record(out, "2306.05685").venue == "NeurIPS 2023"
    assert record(out, "2305.01937").venue == "ACL 2023"


def test_recorded_answer_with_null_first(server: FakeServer, s2: FakeS2) -> None:
    """Bug: the real answer's shape (leading null, empty ``venue``, null ``publicationTypes``,
    ``CorpusId`` numbers among the IDs) is not read, so real batches would fail."""
    rec = recorded("get_papers_return_not_found")
    body = json.dumps(rec["body"])
    headers = {k: v for k, v in rec["headers"].items() if k.lower() not in ("content-length",)}
    server.fail(r"^/paper/batch$", Response(rec["status"], body, headers))
    keys = ["2001.00001", "2001.00002", "2001.00003", "2001.00004"]
    out = fetch(server, keys)
    assert record(out, keys[0]).found is False
    first = record(out, keys[1])
    assert (first.found, first.venue, first.doi, first.citation_count) == (
        True,
        None,
        "10.2139/ssrn.288970",
        10670,
    )
    assert record(out, keys[2]).publication_types == ()


# -- batching and pacing ----------------------------------------------------------------


def test_thousand_keys_two_paced_requests(server: FakeServer, s2: FakeS2) -> None:
    """Bug: one request per paper (1,000 requests where 2 do), a batch over S2's limit of
    500 (refused with a 400), or batches sent back to back without the pacer (S2's
    public limit is one request a second)."""
    keys = [f"2401.{n:05d}" for n in range(1000)]
    out = fetch(server, keys, s2_delay=0.2)
    assert len(s2.batches) == 2
    assert [len(b.ids) for b in s2.batches] == [500, 500]
    assert s2.batches[0].ids[0] == "ARXIV:2401.00000"
    assert s2.batches[1].ids[-1] == "ARXIV:2401.00999"
    assert all(record(out, k).found is False for k in keys)
    # The module's pacer is the process-wide one of this interval (arXiv's way).
    assert net.pacer("s2", 0.2).interval == 0.2
    gap = s2.batches[1].at - s2.batches[0].at
    assert gap >= 0.2 - 0.01  # the pacer slept the interval (no upper bound: no flake)


def test_duplicate_and_bad_keys(server: FakeServer, s2: FakeS2) -> None:
    """Bug: a key asked twice costs two IDs of a batch, or a key that is no arXiv ID is
    sent (S2 answers the whole batch 400) instead of failing alone."""
    out = fetch(server, ["2305.01937", "2305.01937v1", "not-an-id"])
    assert s2.batches[0].ids == ["ARXIV:2305.01937"]
    assert record(out, "2305.01937").venue == "ACL 2023"
    assert "not an arXiv ID" in one_sentence(out["s2:not-an-id"])


# -- the API key ---------------------------------------------------------------------------


def test_api_key_sent_and_never_kept(server: FakeServer) -> None:
    """Bug: S2_API_KEY not sent as ``x-api-key`` (the fake refuses with 403), or an answer
    that echoes it (here in the venue's name) carries it into the record or raw payload."""
    papers = items()
    papers["2305.01937"]["venue"] = f"Venue {KEY}"
    papers["2305.01937"]["publicationVenue"] = {"name": f"Echo {KEY}", "alternate_names": []}
    papers["2305.01937"]["externalIds"] = {"ArXiv": "2305.01937"}
    s2 = FakeS2(server, papers, api_key=KEY)
    out = fetch(server, ["2305.01937", "2306.05685"], s2_api_key=KEY)
    assert s2.batches[0].status == 200
    assert {k.lower(): v for k, v in s2.batches[0].headers.items()}["x-api-key"] == KEY
    for got in out.values():
        assert isinstance(got, Fetched)
        assert KEY not in got.raw and KEY not in repr(got.record) and KEY not in got.url
    assert "[S2_API_KEY]" in record(out, "2305.01937").venue  # type: ignore[operator]


def test_rejected_api_key(server: FakeServer) -> None:
    """Bug: a wrong key is reported as a generic failure, or once per batch after asking
    again for every batch."""
    s2 = FakeS2(server, items(), api_key=KEY)
    keys = [f"2401.{n:05d}" for n in range(600)]
    out = fetch(server, keys, s2_api_key="wrong")
    assert len(s2.batches) == 1
    text = one_sentence(out["s2:2401.00599"])
    assert "S2_API_KEY" in text and "wrong" not in text


# -- failures: one sentence each, never a record --------------------------------------------


def test_429_backs_off_then_rate_limit(server: FakeServer, s2: FakeS2) -> None:
    """Bug: a 429 without Retry-After is not retried (or retried forever), or once refused
    the keys get records, a crash, or a non-rate-limit error; later batches asked anyway."""
    s2.limited = True
    keys = [f"2401.{n:05d}" for n in range(501)]
    out = fetch(server, keys, retries=2)
    assert s2.requests == 3  # the first batch, retried twice; the second never asked
    for k in ("2401.00000", "2401.00500"):
        err = out[f"s2:{k}"]
        assert isinstance(err, RateLimitError)
        assert "HTTP 429" in one_sentence(err) and "S2_API_KEY" in err.message


def test_429_then_success(server: FakeServer, s2: FakeS2) -> None:
    """Bug: the back-off gives up on the first 429 although S2 answers the retry."""
    server.fail(r"^/paper/batch$", Response(429, '{"message":"Too Many Requests."}'))
    out = fetch(server, ["2305.01937"], retries=2)
    assert record(out, "2305.01937").venue == "ACL 2023"
    assert s2.requests == 2


def test_400_fails_the_batch_with_s2_words(server: FakeServer, s2: FakeS2) -> None:
    """Bug: a 400 (S2 refusing the batch) crashes, is retried, or loses S2's reason."""
    server.fail(
        r"^/paper/batch$",
        Response(
            400,
            '{"error":"Unacceptable paper id: \'ARXIV:\'"}',
            {"Content-Type": "application/json"},
        ),
    )
    out = fetch(server, ["2305.01937", "2306.05685"])
    assert s2.requests == 1
    for k in ("2305.01937", "2306.05685"):
        text = one_sentence(out[f"s2:{k}"])
        assert "HTTP 400" in text and "Unacceptable paper id" in text and f"arxiv:{k}" in text


def test_fake_refuses_malformed_id_as_s2_does(server: FakeServer, s2: FakeS2) -> None:
    """Bug in the fake itself: a malformed ID must be a 400 with S2's error body, as the
    module's 400 handling assumes."""
    import requests

    r = requests.post(
        f"{server.url}/paper/batch",
        params={"fields": "year"},
        json={"ids": ["ARXIV:2305.01937", ""]},
        timeout=5,
    )
    assert r.status_code == 400 and "error" in r.json()
    r = requests.post(
        f"{server.url}/paper/batch",
        params={"fields": "bogus"},
        json={"ids": ["ARXIV:2305.01937"]},
        timeout=5,
    )
    assert r.json() == {"error": "Unrecognized or unsupported fields: [bogus]"}


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("503", "HTTP 503"),
        ("html", "an HTML page"),
        ("empty", "an empty page"),
        ("truncated", "broke off"),
        ("not-an-object", "not a paper"),
        ("nested", "nested too deep"),
        ("huge", "ALIGNFETCH_MAX_BYTES"),
        ("huge-announced", "ALIGNFETCH_MAX_BYTES"),
        ("reset", "broke off"),
    ],
)
def test_faults_are_one_sentence_errors(
    server: FakeServer, s2: FakeS2, fault: str, words: str
) -> None:
    """Bug: an outage or a junk answer (HTML, empty, cut, not a list of papers, too deep,
    too large, a reset) crashes the fetch or becomes a record that would replace a good one."""
    server.fail(r"^/paper/batch$", FAULTS[fault], times=10)
    out = fetch(server, ["2305.01937", "2306.05685"], max_bytes=1_000_000)
    assert set(out) == {"s2:2305.01937", "s2:2306.05685"}
    for got in out.values():
        assert words in one_sentence(got)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'[{"year": 2023', "not JSON"),
        (b'{"data": []}', "not a list"),
        (b"[null]", "holds 1 papers for 2 IDs"),
        (b"[null, null, null]", "holds 3 papers for 2 IDs"),
    ],
)
def test_malformed_or_wrong_length_answers(
    server: FakeServer, s2: FakeS2, body: bytes, words: str
) -> None:
    """Bug: malformed JSON, an object for a list, or a list of the wrong length (which
    would pair items with the wrong papers) read as records."""
    server.fail(
        r"^/paper/batch$", Response(200, body, {"Content-Type": "application/json"}), times=10
    )
    out = fetch(server, ["2305.01937", "2306.05685"])
    for got in out.values():
        assert words in one_sentence(got)


@pytest.mark.parametrize(
    "item",
    [
        {"year": "2023"},
        {"citationCount": "many"},
        {"citationCount": True},
        {"externalIds": ["DBLP"]},
        {"publicationTypes": "Conference"},
        {"venue": 7},
        {"externalIds": {"ArXiv": "2306.05685"}},  # another paper in this one's place
        "a string",
    ],
)
def test_wrong_types_fail_the_item_only(server: FakeServer, s2: FakeS2, item: object) -> None:
    """Bug: a field of the wrong type (or another paper in this one's place) is stored as
    junk or crashes; or it fails the whole batch instead of its own paper."""
    body = json.dumps([item, None]).encode()
    server.fail(r"^/paper/batch$", Response(200, body, {"Content-Type": "application/json"}))
    out = fetch(server, ["2305.01937", "2401.00001"])
    assert "not a paper" in one_sentence(out["s2:2305.01937"])
    assert record(out, "2401.00001").found is False


def test_unreachable_halts(server: FakeServer) -> None:
    """Bug: a dead host is asked again for every batch (each waiting out its retries)."""
    url = server.url
    server.close()
    keys = [f"2401.{n:05d}" for n in range(501)]
    out = semantic_scholar.fetch(keys, settings(server, s2_url=url, retries=0), {})
    assert "ALIGNFETCH_S2_URL" in one_sentence(out["s2:2401.00500"])


def test_deadline_leaves_later_batches_out(server: FakeServer, s2: FakeS2) -> None:
    """Bug: a deadline that has passed still sends every batch (a slow add waits on S2)."""
    import time

    out = semantic_scholar.fetch(
        ["2305.01937"], settings(server), {}, deadline=time.monotonic() - 1
    )
    assert out == {} and s2.requests == 0


def test_an_answer_is_parsed_once(
    server: FakeServer, s2: FakeS2, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: the batch answer parsed by the check that it is a JSON list and then again to
    read it (a nightly refresh's 9,000 papers, twice); or the check's JSON taken for
    another answer's (a retried one): the records would be another batch's."""
    keys = ["2305.01937", "2306.05685", "2204.05862"]
    parsed: list[int] = []
    loads = json.loads

    def counting(text: str | bytes, *args: object, **kw: object) -> object:
        value = loads(text, *args, **kw)  # type: ignore[arg-type]
        if isinstance(value, list) and len(value) == len(keys):
            parsed.append(len(text))
        return value

    monkeypatch.setattr(json, "loads", counting)
    first = fetch(server, keys)
    assert len(parsed) == 1
    monkeypatch.setattr(json, "loads", loads)
    server.fail(r"/paper/batch", Response(200, b"<html>a portal</html>"))  # retried once
    assert fetch(server, keys) == first
