"""The OpenAlex source (affiliations) against a fake OpenAlex on 127.0.0.1.

Everything goes through :func:`alignfetch.sources.openalex.fetch` and the project's HTTP
session; the fake (tests/fakes/openalex.py) answers ``GET /works?filter=doi:…`` in the
shapes OpenAlex documents. The expected affiliations were written by hand from the
papers (tests/data/openalex/README.md), not computed by the code under test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alignfetch.config import Settings
from alignfetch.errors import SourceError
from alignfetch.records import Affiliations, Author
from alignfetch.sources import Fetched, Outcome
from alignfetch.sources import openalex as source
from fakes.openalex import FakeOpenAlex, load
from fakes.server import FakeServer, Response

KEY = "oa_TestOnly_0123456789abcdefABCDEF"  # not a real key
MAILTO = "lists@example.org"


def settings(server: FakeServer, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "openalex_url": server.url,
        "backoff": 0.0,
        "timeout": 2.0,
        "retries": 1,
    }
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def openalex(server: FakeServer) -> FakeOpenAlex:
    fake = FakeOpenAlex(server)
    fake.works.update(load())
    return fake


def record(outcome: Outcome) -> Affiliations:
    assert isinstance(outcome, Fetched), outcome
    assert isinstance(outcome.record, Affiliations)
    return outcome.record


def work(key: str, *authors: tuple[str, list[dict[str, Any]]], doi: str | None = None) -> dict:
    """A small Work in OpenAlex's shape: ``authors`` are (name, institutions)."""
    return {
        "id": f"https://openalex.org/W{abs(hash(key)) % 10**10}",
        "doi": doi or f"https://doi.org/10.48550/arxiv.{key}",
        "display_name": f"Paper {key}",
        "authorships": [
            {
                "author_position": "first" if i == 0 else "middle",
                "author": {"id": f"https://openalex.org/A{i}", "display_name": name},
                "institutions": insts,
                "raw_author_name": name,
            }
            for i, (name, insts) in enumerate(authors)
        ],
    }


def inst(name: str, kind: str = "education", oid: str = "I1") -> dict[str, Any]:
    return {
        "id": f"https://openalex.org/{oid}",
        "display_name": name,
        "ror": "https://ror.org/05bqach95",
        "country_code": "US",
        "type": kind,
        "lineage": [f"https://openalex.org/{oid}"],
    }


# -- the reference list's papers ------------------------------------------------------


def test_reference_papers_give_their_institutions(
    server: FakeServer, openalex: FakeOpenAlex
) -> None:
    """Catches a conversion that reads the wrong field (raw strings, the last author),
    or keys the result by anything but ``openalex:<arXiv key>``."""
    got = source.fetch(["2305.01937", "2306.05685", "2305.16960"], settings(server), {})

    assert list(got) == ["openalex:2305.01937", "openalex:2306.05685", "openalex:2305.16960"]
    ntu = record(got["openalex:2305.01937"])
    assert ntu == Affiliations(
        id="openalex:2305.01937",
        found=True,
        authors=(
            Author("Cheng-Han Chiang", ("National Taiwan University",)),
            Author("Hung-yi Lee", ("National Taiwan University",)),
        ),
        affiliation="National Taiwan University",
    )
    judge = record(got["openalex:2306.05685"])
    assert judge.affiliation == "University of California, Berkeley"
    assert len(judge.authors) == 13
    assert judge.authors[8] == Author(
        "Dacheng Li", ("University of California, San Diego", "University of California, Berkeley")
    )
    assert record(got["openalex:2305.16960"]).affiliation == "Dartmouth College"
    fetched = got["openalex:2305.01937"]
    assert isinstance(fetched, Fetched)
    raw = json.loads(fetched.raw)
    assert raw["doi"] == "https://doi.org/10.48550/arxiv.2305.01937"
    assert set(raw) == {"id", "doi", "authorships"}  # what select= asked for, no more
    assert fetched.url == f"{server.url}/works/doi:10.48550/arxiv.2305.01937"


def test_one_filter_of_dois_with_select(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a request that asks for one work at a time, for the whole Work (no
    ``select``: megabytes of abstracts and references), or pages of 25 (the default)."""
    source.fetch(["2305.01937", "2306.05685"], settings(server), {})

    (req,) = openalex.requests()
    assert req.arg("filter") == "doi:10.48550/arxiv.2305.01937|10.48550/arxiv.2306.05685"
    assert req.arg("per-page") == "100"
    assert req.arg("select") == "id,doi,authorships"
    assert "api_key" not in req.query and "mailto" not in req.query  # none set, none sent


def test_thousand_papers_cost_ten_paced_requests(
    server: FakeServer, openalex: FakeOpenAlex
) -> None:
    """Catches batches smaller than OpenAlex's 100 (or larger: a 400 from it), and
    requests sent back to back (OpenAlex's 100-a-second ceiling, shared by everyone on
    the user's key)."""
    keys = [f"2301.{i:05d}" for i in range(1000)]
    for i, key in enumerate(keys[::7]):
        openalex.works[key] = work(key, ("Ann Author", [inst(f"University {i}")]))

    got = source.fetch(keys, settings(server), {})

    asked = openalex.requests()
    assert len(asked) == 10
    assert all(len(r.arg("filter").split("|")) == 100 for r in asked)
    gaps = [b.at - a.at for a, b in zip(asked, asked[1:], strict=False)]
    assert min(gaps) >= source.INTERVAL * 0.9
    assert len(got) == 1000
    found = [k for k in keys if record(got[f"openalex:{k}"]).found]
    assert found == keys[::7]
    assert record(got["openalex:2301.00007"]).affiliation == "University 1"


def test_dois_map_back_in_any_case_and_order(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches mapping results by position (OpenAlex promises no order) or comparing DOIs
    with their case (DOIs ignore case; OpenAlex lower-cases them, a merged or older work
    may not), and old-style keys, whose DOI holds a slash."""
    openalex.works = {
        "math/0309136": work(
            "math/0309136",
            ("G. Perelman", [inst("Steklov Mathematical Institute")]),
            doi="https://doi.org/10.48550/arxiv.math/0309136",
        ),
        "2306.05685": work(
            "2306.05685",
            ("Lianmin Zheng", [inst("University of California, Berkeley")]),
            doi="10.48550/arXiv.2306.05685",
        ),
        "2305.01937": work(
            "2305.01937",
            ("Cheng-Han Chiang", [inst("National Taiwan University")]),
            doi="https://doi.org/10.48550/ARXIV.2305.01937",
        ),
    }

    got = source.fetch(["2305.01937", "2306.05685", "math/0309136"], settings(server), {})

    assert record(got["openalex:2305.01937"]).affiliation == "National Taiwan University"
    assert record(got["openalex:2306.05685"]).affiliation == "University of California, Berkeley"
    assert record(got["openalex:math/0309136"]).affiliation == "Steklov Mathematical Institute"


def test_a_paper_openalex_lacks_is_not_found(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a missing work reported as an error (every refresh would warn about a
    paper OpenAlex simply has not indexed) or dropped from the result (never recorded)."""
    got = source.fetch(["2305.01937", "2401.00001"], settings(server), {})

    missing = got["openalex:2401.00001"]
    assert isinstance(missing, Fetched)
    assert missing.record == Affiliations(id="openalex:2401.00001", found=False)
    assert record(got["openalex:2305.01937"]).found


def test_pages_are_followed_and_the_better_twin_kept(
    server: FakeServer, openalex: FakeOpenAlex
) -> None:
    """Catches reading only the first page: when OpenAlex holds some papers twice, a
    hundred DOIs match more than a hundred works, and the papers on page 2 would be
    recorded as unknown to OpenAlex, and never asked again. Also catches keeping the
    twin without institutions, whether it comes before or after the other."""
    keys = [f"2302.{i:05d}" for i in range(100)]
    openalex.works = {f"twin-{k}": work(k, ("Ann Author", [])) for k in keys[:30]}
    for i, k in enumerate(keys):
        openalex.works[k] = work(k, ("Ann Author", [inst(f"Lab {i}")]))
    openalex.extra = [work(k, ("Ann Author", [])) for k in keys[-10:]]  # twins after, too

    got = source.fetch(keys, settings(server), {})

    asked = openalex.requests()
    assert [r.arg("page") or "1" for r in asked] == ["1", "2"]
    assert [record(got[f"openalex:{k}"]).affiliation for k in keys] == [
        f"Lab {i}" for i in range(100)
    ]


def test_a_broken_work_fails_only_its_paper(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches one malformed work (authorships not a list) crashing the batch or being
    stored as a paper with no authors."""
    openalex.works["2306.05685"] = dict(openalex.works["2306.05685"], authorships="none")

    got = source.fetch(["2305.01937", "2306.05685"], settings(server), {})

    bad = got["openalex:2306.05685"]
    assert isinstance(bad, SourceError)
    assert bad.message == (
        "OpenAlex's work for the affiliations of arxiv:2306.05685 is not a Work object "
        "(authorships is not a list); try again later."
    )
    assert record(got["openalex:2305.01937"]).found


def test_not_an_arxiv_key_is_not_asked(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a key that is no arXiv ID put into the filter: a ``|`` or ``,`` in it
    would change the filter for every paper of the batch."""
    got = source.fetch(["2305.01937", "x|y,doi:1"], settings(server), {})

    bad = got["openalex:x|y,doi:1"]
    assert isinstance(bad, SourceError)
    assert bad.message == (
        "openalex:x|y,doi:1 does not name an arXiv paper; OpenAlex is asked for arXiv papers only."
    )
    (req,) = openalex.requests()
    assert req.arg("filter") == "doi:10.48550/arxiv.2305.01937"


def test_a_deadline_passed_sends_nothing(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches ``deadline`` ignored: ``add`` would wait on OpenAlex past what it allows
    the related sources, and the keys not asked must be left out, not failed."""
    assert source.fetch(["2305.01937"], settings(server), {}, deadline=0.0) == {}
    assert openalex.requests() == []


# -- the key and the address ----------------------------------------------------------


def test_key_and_mailto_are_sent(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches OPENALEX_API_KEY or OPENALEX_MAILTO not sent (OpenAlex's free allowance
    without a key is a hundredth of a dollar a day: a list's refresh would be refused)."""
    source.fetch(["2305.01937"], settings(server, openalex_api_key=KEY, openalex_mailto=MAILTO), {})

    (req,) = openalex.requests()
    assert req.arg("api_key") == KEY
    assert req.arg("mailto") == MAILTO


def test_key_and_mailto_are_never_kept(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches the key kept where an answer echoed it: in an institution's name, the raw
    work stored in the cache, or the message of an error that quotes the request."""
    echo = f"Echo api_key={KEY}&mailto={MAILTO}"
    openalex.works["2305.01937"]["authorships"][0]["institutions"][0]["display_name"] = echo
    s = settings(server, openalex_api_key=KEY, openalex_mailto=MAILTO)

    good = source.fetch(["2305.01937"], s, {})["openalex:2305.01937"]
    server.fail(
        r"^/works$",
        Response(400, json.dumps({"error": "Invalid query", "message": echo}), {}),
    )
    bad = source.fetch(["2306.05685"], s, {})["openalex:2306.05685"]

    assert isinstance(good, Fetched) and isinstance(bad, SourceError)
    kept = [good.raw, good.url, repr(good.record), bad.message, str(bad.url)]
    assert not any(KEY in text or MAILTO in text for text in kept)
    assert record(good).affiliation == "Echo api_key=[OPENALEX_API_KEY]&mailto=[OPENALEX_MAILTO]"
    assert bad.message == (
        "OpenAlex answered the request for the affiliations of arxiv:2306.05685 with HTTP 400: "
        "Echo api_key=[OPENALEX_API_KEY]&mailto=[OPENALEX_MAILTO]; try again later."
    )


# -- the displayed affiliation (pure) --------------------------------------------------


def shown(*authors: tuple[str, list[dict[str, Any]]]) -> str | None:
    return source.convert(work("2305.01937", *authors), "2305.01937").affiliation


def test_most_shared_institution_beats_the_first_authors() -> None:
    """Catches showing the first author's institution when most authors are elsewhere
    (2306.05685's first author is at Berkeley by chance, this one's is not)."""
    assert (
        shown(
            ("A", [inst("Stanford University", oid="I2")]),
            ("B", [inst("University of California, Berkeley", oid="I3")]),
            ("C", [inst("University of California, Berkeley", oid="I3")]),
        )
        == "University of California, Berkeley"
    )


def test_a_tie_goes_to_the_first_author() -> None:
    """Catches a tie settled by whichever institution a dict or a sort met first."""
    assert (
        shown(
            ("A", [inst("Zeta University", oid="I9")]),
            ("B", [inst("Alpha University", oid="I2")]),
            ("C", [inst("Alpha University", oid="I2")]),
            ("D", [inst("Zeta University", oid="I9")]),
        )
        == "Zeta University"
    )


def test_authors_without_an_institution_do_not_vote() -> None:
    """Catches authors with no institution counted as a shared "nobody" (which would win
    for a paper where most authors are unmatched) or a first author with none taking a
    tie: the tie goes to the first author who holds a tied institution."""
    assert (
        shown(
            ("A", []),
            ("B", []),
            ("C", [inst("Beta Institute", oid="I2")]),
            ("D", [inst("Gamma Institute", oid="I3")]),
        )
        == "Beta Institute"
    )
    assert shown(("A", []), ("B", [])) is None


def test_an_author_votes_once_per_institution() -> None:
    """Catches an institution listed twice for one author (OpenAlex matches each raw
    affiliation string) counting twice."""
    nyu = inst("New York University", oid="I5")
    assert (
        shown(
            ("A", [nyu, nyu]),
            ("B", [inst("Meta (United States)", "company", "I6")]),
            ("C", [inst("Meta (United States)", "company", "I6")]),
        )
        == "Meta"
    )


def test_a_company_loses_the_country_openalex_adds() -> None:
    """Catches ``Google (United States)`` shown as is (no list writes it), and Google's
    offices in two countries split into two institutions on the count."""
    got = source.convert(
        work(
            "2305.16960",
            ("A", [inst("Google (United Kingdom)", "company", "I7")]),
            ("B", [inst("Google (United States)", "company", "I8")]),
            ("C", [inst("Stanford University", oid="I2")]),
        ),
        "2305.16960",
    )
    assert got.affiliation == "Google"
    assert got.authors[0] == Author("A", ("Google (United Kingdom)",))  # the full name kept
    # A university's parenthesis is part of its name.
    assert shown(("A", [inst("University of Miami (Florida)")])) == "University of Miami (Florida)"


def test_no_work_converts_to_not_found() -> None:
    """Catches ``convert(None, key)`` raising instead of recording the absence."""
    assert source.convert(None, "2305.01937") == Affiliations(id="openalex:2305.01937", found=False)
