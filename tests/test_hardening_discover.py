"""discover, hardened (issue 18, items 4, 5, 10c and 12): what a poisoned listing, a failing
source, a day without daily papers and an old replacement do to the command.

Driven through the CLI against the fake feed and the fake Hub; the poisoned answers are the
recorded ones with a few characters put in.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import DATA, Fakes, run
from fakes.faults import FAULTS, loop
from fakes.rss import FakeRss
from fakes.server import Response

ROOT = Path(__file__).parents[1]
FEED = DATA / "discover" / "constructed_cs.CL+cs.LG.xml"
BOTH = "cs.CL+cs.LG"
HUB_PAPERS = 30  # in tests/data/hf/api_daily_papers.json
FEED_PAPERS = 5  # new or cross in the constructed feed, not in the list

# What must never reach a terminal or the nightly issue: C0 and C1 controls, DEL, and the
# bidi embeddings, overrides and isolates. Tab and newline are the text format's own.
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_IN_A_VALUE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def rss(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> FakeRss:
    fake = FakeRss(fakes.server)
    fake.serve(BOTH, FEED)
    monkeypatch.setenv("ALIGNFETCH_ARXIV_RSS_URL", f"{fakes.server.url}/rss")
    return fake


@pytest.fixture
def project(fakes: Fakes, rss: FakeRss, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's own list (six papers), fetched into its cache, reading cs.CL and cs.LG.
    The cache holds arxiv:2306.05685 at v4 and arxiv:2305.01937 at v1."""
    text = (ROOT / "entries.toml").read_text(encoding="utf-8")
    (tmp_path / "entries.toml").write_text(
        text + '\n[discover]\ncategories = ["cs.CL", "cs.LG"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert run("refresh").exit_code == 0
    return tmp_path


def yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


def found(stdout: str) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in json.loads(stdout)["candidates"]}


def strings(value: Any) -> list[str]:
    """Every string in a JSON value, keys too."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


# -- item 4: no terminal escape or bidi override from a listing reaches any output ------

POISON = "\x1b]0;pwned\x07\x00\x9b31m\u202e\u2066"
"""A window-title escape (ESC ] 0 ; ... BEL), a NUL, the C1 CSI as a code point, a right-to-left
override and an isolate: what a daily paper of the audit held."""


def poisoned_daily_papers() -> str:
    body = json.loads((DATA / "hf" / "api_daily_papers.json").read_text(encoding="utf-8"))
    paper = body[0]["paper"]  # arxiv:2606.00467
    paper["title"] = f"Evil{POISON} title"
    paper["summary"] = f"An abstract{POISON} that\x1b[2J clears the screen."
    paper["authors"][0]["name"] = f"Mallory{POISON}"
    paper["authors"][1]["name"] = "\x1b\x07\x00\x9b\u202e \u2066"  # nothing left: no author
    return json.dumps(body)


def poisoned_feed() -> bytes:
    """The constructed feed with what XML lets through (character references to DEL, C1
    controls and bidi overrides, and the raw byte 0x9B) in a title, authors and categories."""
    feed = FEED.read_bytes()
    refs = b"&#x7f;&#x9b;&#x85;&#x8d;&#x202e;&#x2067;"
    title = b"<title>$H^3$Fusion"
    assert title in feed
    feed = feed.replace(title, b"<title>" + refs + b"\x9b$H^3$Fusion", 1)
    creator = b"<dc:creator>Selim Furkan Tekin"
    assert creator in feed
    feed = feed.replace(creator, b"<dc:creator>" + refs + b"Selim Furkan Tekin", 1)
    return feed.replace(b"<category>cs.LG</category>", b"<category>cs.LG" + refs + b"</category>")


@pytest.fixture
def poisoned(fakes: Fakes, rss: FakeRss, project: Path, tmp_path_factory: Any) -> None:
    fakes.hub.daily_papers = poisoned_daily_papers()
    path = tmp_path_factory.mktemp("feeds") / "poisoned.xml"
    path.write_bytes(poisoned_feed())
    rss.serve(BOTH, path)


def assert_clean(stdout: str, stderr: str) -> None:
    assert not UNSAFE.findall(stdout), stdout
    assert not UNSAFE.findall(stderr), stderr


# Bug caught: titles, authors, abstracts and dates of the Hub's daily papers and of the
# feed went to the terminal and into the nightly job's issue as they came, escapes and
# overrides included, in every format.
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_a_poisoned_listing_reaches_no_output_format(
    fakes: Fakes, project: Path, poisoned: None, fmt: str
) -> None:
    args = ["--json"] if fmt == "json" else ["--format", fmt]
    result = run("discover", "--top", "100", *args)
    assert result.exit_code == 0, result.output
    assert_clean(result.stdout, result.stderr)
    both = run("discover", "--json", "--top", "100")  # from the cache now
    data = found(both.stdout)
    assert not [s for s in strings(data) if UNSAFE_IN_A_VALUE.search(s)]
    evil = data["arxiv:2606.00467"]
    assert evil["title"] == "Evil]0;pwned31m title"
    assert evil["abstract"] == "An abstract]0;pwned31m that[2J clears the screen."
    assert evil["authors"] == ["Mallory]0;pwned31m", "R. Michael Alvarez"]
    assert evil["published"] == "2026-05-30"
    fusion = data["arxiv:2411.17792"]
    assert fusion["title"].endswith("$H^3$Fusion: Helpful, Harmless, Honest Fusion of Aligned LLMs")
    assert fusion["authors"][0].endswith("Selim Furkan Tekin")
    if fmt == "markdown":
        assert r"[Evil\]0;pwned31m title](https://arxiv.org/abs/2606.00467)" in result.stdout
    if fmt == "text":
        line = next(ln for ln in result.stdout.splitlines() if ln.startswith("arxiv:2606.00467"))
        assert line.count("\t") == 3 and line.endswith("\tEvil]0;pwned31m title")


# Bug caught: a cache that an earlier alignfetch filled from a poisoned listing was shown
# as stored (and --offline shows nothing else); the cleaning must be where listings are
# read, not only where they are fetched.
def test_a_poisoned_listing_already_in_the_cache_is_cleaned_when_read(
    fakes: Fakes, project: Path
) -> None:
    assert run("discover").exit_code == 0
    cache = project / ".alignfetch" / "cache.sqlite"
    with sqlite3.connect(cache) as conn:
        for key, raw in conn.execute("SELECT key, announcements FROM discover_listings"):
            rows = json.loads(raw)
            for row in rows:
                paper = row.get("paper", row)
                paper["title"] = POISON + paper["title"]
                paper["authors"] = [POISON + a for a in paper["authors"]]
                paper["categories"] = [POISON + c for c in paper["categories"]]
            conn.execute(
                "UPDATE discover_listings SET announcements = ? WHERE key = ?",
                (json.dumps(rows), key),
            )
    for args in (["--json"], ["--format", "markdown"], []):
        result = run("--offline", "discover", "--top", "100", *args)
        assert result.exit_code == 0, result.output
        assert_clean(result.stdout, result.stderr)
    data = found(run("--offline", "discover", "--json", "--top", "100").stdout)
    assert data["arxiv:2411.18444"]["title"].startswith("]0;pwned31mIs my Meeting Summary Good?")
    assert data["arxiv:2411.18444"]["categories"][0] == "]0;pwned31mcs.CL"


# Bug caught: a ``publishedAt`` that does not start with a date went out sliced to ten
# characters, escape and all (the Hub's client refuses such a date today; the conversion
# must not rely on it).
def test_a_daily_paper_date_that_is_no_date_is_none() -> None:
    from alignfetch.sources import hf_daily

    body = json.loads(poisoned_daily_papers())
    body[0]["paper"]["publishedAt"] = "\x1b[31m2026-05-30T00:00:00.000Z"
    body[1]["paper"]["publishedAt"] = "2026-05-30\x1b[2J"
    items = hf_daily.convert(json.dumps(body), "u")
    assert [a.announced for a, _ in items[:2]] == [None, "2026-05-30"]


# -- item 5: one failing source never hides the other -------------------------------


def fail_source(fakes: Fakes, monkeypatch: pytest.MonkeyPatch, where: str, fault: str) -> None:
    """Make ``where`` (arxiv or hf) fail with ``fault`` (a name of fakes.faults, or
    ``unknown-host``) on every request."""
    if fault == "unknown-host":
        # .invalid never resolves (RFC 6761): the name lookup fails, as without network.
        if where == "arxiv":
            monkeypatch.setenv("ALIGNFETCH_ARXIV_RSS_URL", "http://no-such-host.invalid/rss")
        else:
            monkeypatch.setenv("HF_ENDPOINT", "http://no-such-host.invalid")
        return
    fakes.server.route("GET", r"/loop", lambda req, m: loop())
    path = r"^/rss/" if where == "arxiv" else r"^/api/daily_papers$"
    fakes.server.fail(path, ELSEWHERE.get(fault) or FAULTS[fault], times=10)


ELSEWHERE = {
    "redirect-to-ftp": Response(302, b"", {"Location": "ftp://127.0.0.1/rss"}),
    "redirect-to-a-bad-url": Response(302, b"", {"Location": "http://[::1/rss"}),
}
"""Redirects the HTTP client refuses to follow itself (requests' InvalidSchema, InvalidURL)."""


NAMED = {"arxiv": "arXiv's listing ", "hf": "Hugging Face Hub "}


# Bug caught: an RSS redirect loop (requests' TooManyRedirects) ended discover in a
# traceback, and the Hub's daily papers, fetched fine, were never shown; the same for
# every other way one source can fail.
@pytest.mark.parametrize(
    "fault",
    [
        "redirect-loop",
        "redirect-to-ftp",
        "redirect-to-a-bad-url",
        "503",
        "html",
        "raw-garbage",
        "trickle",
        "unknown-host",
    ],
)
@pytest.mark.parametrize("where", ["arxiv", "hf"])
def test_one_failing_source_is_a_warning_and_the_other_is_still_shown(
    fakes: Fakes, project: Path, monkeypatch: pytest.MonkeyPatch, where: str, fault: str
) -> None:
    fail_source(fakes, monkeypatch, where, fault)
    result = run("discover", "--json", "--top", "100")
    assert result.exit_code == 1  # a source failed: the nightly job's log shows it
    shown = found(result.stdout)
    other = "hf" if where == "arxiv" else "arxiv"
    assert len(shown) == {"hf": HUB_PAPERS, "arxiv": FEED_PAPERS}[other]
    assert all(c["sources"] == [other] for c in shown.values())
    last = result.stderr.splitlines()[-1]
    assert last.startswith("alignfetch: ") and NAMED[where] in last, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.endswith(".\n")


# Bug caught: the nightly job's checklist lost the Hub's papers to an arXiv redirect loop.
def test_the_markdown_checklist_holds_the_hub_when_the_feed_loops(
    fakes: Fakes, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_source(fakes, monkeypatch, "arxiv", "redirect-loop")
    result = run("--quiet", "discover", "--format", "markdown", "--top", "100")
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == HUB_PAPERS
    assert result.stderr == (
        f"alignfetch: arXiv's listing {fakes.server.url}/rss/{BOTH} redirected more than 10 "
        "times (a redirect loop); check ALIGNFETCH_ARXIV_RSS_URL or try again later.\n"
    )


# Bug caught: with both sources looping, the command must fail in one line with nothing on
# stdout (so that the nightly job posts no empty checklist), not in a traceback.
def test_both_sources_looping_is_one_failure_and_no_checklist(
    fakes: Fakes, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_source(fakes, monkeypatch, "arxiv", "redirect-loop")
    fail_source(fakes, monkeypatch, "hf", "redirect-loop")
    result = run("discover", "--format", "markdown")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("alignfetch: arXiv's listing ")
    assert "The Hugging Face Hub redirected" in result.stderr
    assert result.stderr.count("\n") == 1


# Bug caught: --offline with today's feed cached but not the Hub's day ended the command,
# hiding the cached feed's candidates; a listing --offline lacks is one source failing.
def test_offline_without_one_sources_listing_still_shows_the_other(
    fakes: Fakes, project: Path
) -> None:
    assert run("discover", "--source", "arxiv").exit_code == 0
    result = run("--offline", "discover", "--json", "--top", "100")
    assert result.exit_code == 1
    assert set(found(result.stdout)) >= {"arxiv:2411.17792", "arxiv:2411.18444"}
    assert result.stderr.splitlines()[-1] == (
        f"alignfetch: The Hub's daily papers of {yesterday()} are not in the cache and "
        "--offline forbids fetching; run again without --offline."
    )


# -- item 10c: a day the Hub has no list for is said ---------------------------------


# Bug caught: a 404 for the daily papers (no list that day, or an HF_ENDPOINT without the
# API) counted as "no papers" without a word, and was cached as an empty day for good.
def test_a_daily_papers_404_is_said_and_asked_again(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    fakes.server.fail(r"^/api/daily_papers$", Response(404, '{"error":"Not Found"}'), times=1)
    result = run("discover", "--json", "--top", "100")
    assert result.exit_code == 0
    url = f"{fakes.server.url}/api/daily_papers?date={yesterday()}"
    assert result.stderr.splitlines()[0] == (
        f"alignfetch: The Hugging Face Hub has no daily papers list for {yesterday()} ({url} "
        "answered HTTP 404), so none of its papers are proposed; the next run asks again, and "
        "if every day says so, check HF_ENDPOINT."
    )
    assert len(found(result.stdout)) == FEED_PAPERS  # arXiv's are still given
    again = run("discover", "--json", "--top", "100")  # the Hub answers now
    assert len(found(again.stdout)) == FEED_PAPERS + HUB_PAPERS - 1
    assert "no daily papers" not in again.stderr
    assert len(fakes.server.requests(r"^/api/daily_papers$")) == 2


# -- item 12: only a higher version than the cache's is new --------------------------


def serve_feed(rss: FakeRss, folder: Path, replacements: dict[bytes, bytes]) -> None:
    feed = FEED.read_bytes()
    for old, new in replacements.items():
        assert old in feed
        feed = feed.replace(old, new)
    path = folder / "feed.xml"
    path.write_bytes(feed)
    rss.serve(BOTH, path)


def version_notes(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "has a new version" in line]


# Bug caught (the audit's): every run, --offline too, said `arxiv:2306.05685 (in the list)
# has a new version on arXiv (v2)` while the cache held v4: any replacement in a listing was
# called new, whatever version the cache held.
def test_an_older_version_than_the_cache_holds_is_not_new(
    fakes: Fakes, rss: FakeRss, project: Path, tmp_path_factory: Any
) -> None:
    # The feed's `replace` item becomes arxiv:2306.05685v2; the cache holds v4.
    serve_feed(rss, tmp_path_factory.mktemp("f"), {b"2305.01937": b"2306.05685"})
    for args in ([], ["--offline"]):
        result = run(*args, "discover", "--source", "arxiv")
        assert result.exit_code == 0, result.output
        assert version_notes(result.stderr) == []


# Bug caught: versions compared as text would call v10 older than v4 (and v2 newer).
@pytest.mark.parametrize(("announced", "new"), [(b"v5", True), (b"v10", True), (b"v4", False)])
def test_a_higher_version_is_new_compared_as_a_number(
    fakes: Fakes, rss: FakeRss, project: Path, tmp_path_factory: Any, announced: bytes, new: bool
) -> None:
    serve_feed(
        rss,
        tmp_path_factory.mktemp("f"),
        {b"2305.01937v2": b"2306.05685" + announced, b"2305.01937": b"2306.05685"},
    )
    result = run("discover", "--source", "arxiv")
    assert result.exit_code == 0
    expected = (
        f"alignfetch: arxiv:2306.05685 (in the list) has a new version on arXiv "
        f"({announced.decode()}); `alignfetch refresh` fetches it."
    )
    assert version_notes(result.stderr) == ([expected] if new else [])


# Bug caught: an entry whose ID names its version (`arxiv:2305.01937v2`) was told v2 is new
# although the list already names it.
def test_a_version_entries_toml_names_is_not_new(fakes: Fakes, project: Path) -> None:
    first = run("discover", "--source", "arxiv")
    assert len(version_notes(first.stderr)) == 1  # the cache holds v1, the feed says v2
    path = project / "entries.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('id = "arxiv:2305.01937"', 'id = "arxiv:2305.01937v2"'), encoding="utf-8"
    )
    assert version_notes(run("discover", "--source", "arxiv").stderr) == []
