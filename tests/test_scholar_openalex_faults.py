"""Every way an OpenAlex answer goes wrong is a SourceError with one sentence, per paper.

The faults are served by the fake OpenAlex (tests/fakes/openalex.py, and the shared
ones of tests/fakes/faults.py) on ``/works``; the module is driven through
:func:`alignfetch.sources.openalex.fetch` and the project's HTTP session. Retries: 1,
so two attempts. The sentences are written out: a test that computed them would only
compare the code with itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_scholar_openalex import openalex as openalex  # noqa: F401  # fixture
from test_scholar_openalex import settings as base_settings

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError, SourceError
from alignfetch.sources import Fetched
from alignfetch.sources import openalex as source
from fakes.faults import loop
from fakes.openalex import FakeOpenAlex
from fakes.server import FakeServer, Response

WHO = "the affiliations of arxiv:2305.01937"


def not_works(why: str, after: str = "") -> str:
    return (
        f"OpenAlex's answer for {WHO} is not a list of works ({why}){after}; "
        "check ALIGNFETCH_OPENALEX_URL, or try again later."
    )


TWICE = " after 2 attempts"
BROKE = f"OpenAlex's answer for {WHO} broke off after 2 attempts; try again later."
TOO_LARGE = (
    f"OpenAlex's answer for {WHO} was larger than ALIGNFETCH_MAX_BYTES (65536 bytes) "
    "and was not read; try again later."
)
# Fault -> (times served, the sentence). Twice is every attempt: what the validator
# finds unusable, or a status worth asking again, is retried.
SENTENCES = {
    "503": (2, f"OpenAlex answered HTTP 503 for {WHO} after 2 attempts; try again later."),
    "500": (2, f"OpenAlex answered HTTP 500 for {WHO} after 2 attempts; try again later."),
    "html": (2, not_works("an HTML page", TWICE)),
    "empty": (2, not_works("an empty page", TWICE)),
    "malformed": (2, not_works("not JSON", TWICE)),
    "nested": (2, not_works("JSON nested too deep", TWICE)),
    "not-an-object": (2, not_works("JSON that is not an object", TWICE)),
    "fake-gzip": (2, not_works("its gzip body could not be decoded", TWICE)),
    "wrong-types": (1, not_works("no results and meta")),
    "truncated": (2, BROKE),
    "reset": (2, BROKE),
    "huge": (1, TOO_LARGE),
    "huge-announced": (1, TOO_LARGE),
    "trickle": (
        1,
        f"OpenAlex did not answer for {WHO} within 1 seconds; try again later or raise "
        "ALIGNFETCH_TIMEOUT.",
    ),
    "redirect-loop": (
        1,
        f"OpenAlex redirected the request for {WHO} more than 10 times; "
        "check ALIGNFETCH_OPENALEX_URL.",
    ),
}


def settings(server: FakeServer, **kw: Any) -> Settings:
    """The source's test settings, with a shorter timeout and a small size cap."""
    return base_settings(server, **{"timeout": 1.0, "max_bytes": 65536, **kw})


def one_sentence(text: str) -> bool:
    return text.endswith(".") and ". " not in text and "\n" not in text


@pytest.mark.parametrize("fault", sorted(SENTENCES))
def test_each_fault_is_one_sentence_per_paper(
    server: FakeServer, openalex: FakeOpenAlex, fault: str
) -> None:
    """Catches a junk answer (HTML from a proxy, a cut or malformed body, a 5xx, a
    gigabyte) crashing the batch, being stored as "no work" (an empty record that would
    never be asked again), or failing with a traceback instead of a sentence."""
    times, sentence = SENTENCES[fault]
    openalex.fail(fault, times)
    server.route("GET", "/loop", lambda _req, _m: loop())

    got = source.fetch(["2305.01937", "2306.05685"], settings(server), {})

    assert list(got) == ["openalex:2305.01937", "openalex:2306.05685"]
    err = got["openalex:2305.01937"]
    assert isinstance(err, SourceError), err
    assert err.message == sentence
    assert one_sentence(err.message)
    assert err.source == "OpenAlex" and err.ids == ("2305.01937",)
    other = got["openalex:2306.05685"]
    assert isinstance(other, SourceError)
    assert other.message == sentence.replace("2305.01937", "2306.05685")


def test_a_fault_that_passes_is_retried(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a passing 503 (OpenAlex's documented "temporary issue; retry with
    backoff") failing the batch."""
    openalex.fail("503", 1)

    got = source.fetch(["2305.01937"], settings(server), {})

    assert isinstance(got["openalex:2305.01937"], Fetched)
    assert len(openalex.requests()) == 2


def test_429_stops_the_batch_without_retrying(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a 429 retried with back-off or asked again for the next hundred papers:
    OpenAlex sends it when the day's allowance is spent, so every later request only
    spends the user's time (and, with a key, counts against it)."""
    openalex.fail("429", 5)
    keys = [f"2303.{i:05d}" for i in range(150)]

    got = source.fetch(keys, settings(server, retries=3), {})

    assert len(openalex.requests()) == 1
    sentence = (
        "OpenAlex is refusing more requests (HTTP 429: Rate limit exceeded); set "
        "OPENALEX_API_KEY (a free key from openalex.org) for a larger daily allowance, or "
        "try again tomorrow."
    )
    for key in keys:
        err = got[f"openalex:{key}"]
        assert isinstance(err, RateLimitError)
        assert err.message == sentence and err.status == 429 and err.ids == (key,)


def test_429_with_a_key_names_the_key(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches advice to set OPENALEX_API_KEY given to a user who has set it."""
    openalex.fail("429", 1)

    got = source.fetch(["2305.01937"], settings(server, openalex_api_key="k" * 30), {})

    err = got["openalex:2305.01937"]
    assert isinstance(err, RateLimitError)
    assert err.message == (
        "OpenAlex is refusing more requests (HTTP 429: Rate limit exceeded); the daily "
        "allowance of OPENALEX_API_KEY is used up, try again tomorrow."
    )


def test_a_rejected_key_stops_the_batch(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a rejected key (401/403) asked again for every hundred papers."""
    server.fail(r"^/works$", Response(401, '{"error": "Invalid API key"}', {}), times=5)
    keys = [f"2303.{i:05d}" for i in range(150)]

    got = source.fetch(keys, settings(server, openalex_api_key="k" * 30), {})

    assert len(openalex.requests()) == 1
    err = got[f"openalex:{keys[-1]}"]
    assert isinstance(err, SourceError)
    assert err.message == (
        "OpenAlex refused the request (HTTP 401: Invalid API key); check OPENALEX_API_KEY, "
        "or try again later."
    )


def test_an_unreachable_host_is_one_sentence() -> None:
    """Catches a refused connection escaping as a requests exception (a traceback)."""
    s = Settings(openalex_url="http://127.0.0.1:9", retries=0, backoff=0.0, timeout=1.0)

    got = source.fetch(["2305.01937", "2306.05685"], s, {})

    for key in ("2305.01937", "2306.05685"):
        err = got[f"openalex:{key}"]
        assert isinstance(err, SourceError)
        assert err.message == (
            "OpenAlex could not be reached at http://127.0.0.1:9 (connection refused); "
            "check the network or ALIGNFETCH_OPENALEX_URL."
        )


def test_a_count_past_what_a_filter_can_match_is_junk(
    server: FakeServer, openalex: FakeOpenAlex
) -> None:
    """Catches trusting ``meta.count`` of an answer that is not for this filter (a proxy's
    listing, a changed API): the papers it lacks would be recorded as unknown to OpenAlex."""
    body = '{"meta": {"count": 90000000, "page": 1, "per_page": 100}, "results": []}'
    server.fail(r"^/works$", Response(200, body, {"Content-Type": "application/json"}))

    err = source.fetch(["2305.01937"], settings(server), {})["openalex:2305.01937"]

    assert isinstance(err, SourceError)
    assert err.message == not_works("it counts 90000000 works for at most 100 DOIs")


def test_a_work_without_a_doi_is_junk(server: FakeServer, openalex: FakeOpenAlex) -> None:
    """Catches a result that cannot be mapped back being skipped, which records its paper
    as unknown to OpenAlex for good."""
    body = '{"meta": {"count": 1, "page": 1, "per_page": 100}, "results": [{"id": "W1"}]}'
    server.fail(r"^/works$", Response(200, body, {"Content-Type": "application/json"}))

    err = source.fetch(["2305.01937"], settings(server), {})["openalex:2305.01937"]

    assert isinstance(err, SourceError)
    assert err.message == not_works("a work without a DOI")
