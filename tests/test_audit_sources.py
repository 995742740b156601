"""Audit of issue 18, findings 2 and 4: dates that are no dates, upstream words in messages.

Finding 2: an answer whose dates are no dates (``2024-13-45``, ``0000-01-01``) is junk,
a failed fetch that keeps the last good record, not a record stored to crash `check`
and the citations later; and a cache an older alignfetch filled with one counts the
row as missing. Finding 4: what a server says (a GitHub error's ``message``, a header,
an exception's text quoting a feed) reaches stdout and stderr only cleaned and short.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from alignfetch import records, stored
from alignfetch.config import Settings
from alignfetch.errors import SourceError
from alignfetch.records import Link
from alignfetch.sources import Fetched, Outcome, Previous
from conftest import DATA, Fakes, add_sections, run, state
from fakes.server import Response

TRLX = "gh:CarperAI/trlx"
DATASET = "hf:Anthropic/hh-rlhf"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""C0 (but the tab and line break: `list` prints columns), DEL, C1, bidi embeddings,
overrides and isolates."""
ESC = "\x1b]0;PWNED\x07\x1b[31mRED\x9b2J\u202e"
JSON = {"Content-Type": "application/json; charset=utf-8"}


def trlx(**changes: Any) -> bytes:
    body = json.loads((DATA / "reference/github/repos_CarperAI_trlx.body.json").read_text())
    body.update(changes)
    return json.dumps(body).encode()


def row(folder: Path, rid: str) -> tuple[object, ...]:
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        found = db.execute(
            "SELECT record, raw, etag, fetched_at, changed_at FROM records WHERE id = ?", (rid,)
        ).fetchone()
    assert found is not None, rid
    return tuple(found)


def printable(result: Result) -> None:
    """Nothing a terminal would act on, and no traceback, in what a command printed."""
    for where, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        assert not CONTROLS.search(text), (where, text)
        assert "Traceback" not in text, (where, text)


@pytest.fixture
def code_list(fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "0")
    add_sections(listdir)
    return listdir


# -- finding 2: dates that are no dates -------------------------------------------------------

BAD_DATES = ["2024-13-45T00:00:00Z", "not a date", "9999-99-99T99:99:99Z", "0000-01-01T00:00:00Z"]


# Bug: GitHub's pushed_at was stored as sent; "2024-13-45T00:00:00Z" replaced the good
# value (refresh said it changed, exit 0), then `check` died in date.fromisoformat and
# `export --format csl-json` in int(); the other dates of the answer were not looked at.
@pytest.mark.parametrize("field", ["pushed_at", "created_at", "updated_at"])
@pytest.mark.parametrize("date", BAD_DATES)
def test_refresh_keeps_the_repository_when_github_sends_a_date_that_is_no_date(
    fakes: Fakes, code_list: Path, field: str, date: str
) -> None:
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    before = row(code_list, TRLX)
    fakes.server.fail(r"^/repos/", Response(200, trlx(**{field: date}), JSON), times=9)
    result = run("refresh", "--all")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Checked 1 entry: 1 failed.\n\nFailed (their last good data is kept):\n"
        f"- {TRLX}: GitHub's answer for {TRLX} is not a repository (not a repository "
        "object); check ALIGNFETCH_GITHUB_URL, or try again later.\n"
    )
    assert row(code_list, TRLX) == before
    for args in (["check", "--offline"], ["export", "--format", "csl-json"], ["render"]):
        done = run(*args)
        assert done.exit_code in (0, 1), (args, done.output)  # check may find things; no crash
        printable(done)


def test_add_of_a_repository_whose_last_push_is_no_date_writes_nothing(
    fakes: Fakes, code_list: Path
) -> None:
    # Bug: `add` stored the record with pushed_at "2024-13-45…" and said it was added.
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    before = state(code_list)
    fakes.server.fail(r"^/repos/", Response(200, trlx(pushed_at=BAD_DATES[0]), JSON), times=9)
    result = run("add", TRLX, "-s", "rlhf")
    assert (result.exit_code, result.stdout) == (1, "")
    assert "is not a repository (not a repository object)" in result.stderr
    assert state(code_list) == before


def test_a_real_answers_dates_still_pass() -> None:
    # The check must not refuse what GitHub, the Hub and arXiv really send.
    for good in ("2023-06-01T12:00:00Z", "2023-12-01T10:00:00.000Z", "2022-04-12", "9999-12-31"):
        assert stored.is_date(good), good
    for bad in [
        *BAD_DATES,
        "2024-W01-1",
        "20240101",
        "２０２４-01-01",
        "2024-01-01T25:00:00Z",
        20240101,
    ]:
        assert not stored.is_date(bad), bad


def cached_with(folder: Path, rid: str, **changes: Any) -> None:
    """An older alignfetch's cache: the row of ``rid`` holds ``changes`` in its record."""
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        (text,) = db.execute("SELECT record FROM records WHERE id = ?", (rid,)).fetchone()
        db.execute(
            "UPDATE records SET record = ? WHERE id = ?",
            (json.dumps({**json.loads(text), **changes}), rid),
        )


def outputs(*commands: list[str]) -> list[tuple[int, str, str]]:
    out = []
    for args in commands:
        done = run(*args)
        printable(done)
        out.append((done.exit_code, done.stdout, done.stderr))
    return out


READERS = (
    ["check", "--offline"],
    ["export", "--format", "csl-json"],
    ["export", "--format", "bibtex"],
    ["export"],
    ["render"],
    ["list"],
    ["show", TRLX],
)


# Bug: a cache written before the date check held pushed_at "2024-13-45T00:00:00Z";
# records.read served it, and `check` and `export --format csl-json` crashed on it.
# Read back, such a row must be what a missing row is: every reader says the same.
@pytest.mark.parametrize(
    ("rid", "field"),
    [
        (TRLX, "pushed_at"),
        (DATASET, "last_modified"),
        (DATASET, "created"),
        ("arxiv:2204.05862", "published"),
    ],
)
def test_a_cached_date_that_is_no_date_counts_as_a_missing_row(
    fakes: Fakes, code_list: Path, rid: str, field: str
) -> None:
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    assert run("add", DATASET, "-s", "english").exit_code == 0
    cached_with(code_list, rid, **{field: "2024-13-45T00:00:00Z"})
    bad = outputs(*READERS, ["show", rid])
    with sqlite3.connect(code_list / ".alignfetch" / "cache.sqlite") as db:
        db.execute("DELETE FROM records WHERE id = ?", (rid,))
    assert bad == outputs(*READERS, ["show", rid])


def test_the_fast_reader_and_the_exact_one_refuse_the_same_dates() -> None:
    # Bug: the per-kind plan of records.read served a row that the exact reader refuses
    # (or the other way round): `list` and `check` would disagree about the same cache.
    repo = records.to_dict(
        records.Repo(
            "gh:a/b", "b", "u", "a/b", None, None, 1, "2024-01-01T00:00:00Z", None, False, None
        )
    )
    assert stored.read(repo) is not None
    for date in [*BAD_DATES, "", "2024-W01-1"]:
        data = dict(repo, pushed_at=date)
        assert stored.read(data) is None and stored._exact_read(data) is None, date


# The Hub's dates pass through huggingface_hub's parser (a date that is no date fails the
# answer there); this pins that every Hub kind's is a failed fetch, old record kept.
@pytest.mark.parametrize(
    ("ident", "section", "store", "key", "field"),
    [
        (DATASET, "english", "datasets", "anthropic/hh-rlhf", "lastModified"),
        (DATASET, "english", "datasets", "anthropic/hh-rlhf", "createdAt"),
        (
            "hf-space:webml-community/ternary-bonsai-2-webgpu-kernels",
            "english",
            "spaces",
            "webml-community/ternary-bonsai-2-webgpu-kernels",
            "lastModified",
        ),
        (
            "hf-collection:prism-ml/bonsai-2-6aab292b9fa72a78652429df",
            "english",
            "collections",
            "prism-ml/bonsai-2-6aab292b9fa72a78652429df",
            "lastUpdated",
        ),
    ],
)
@pytest.mark.parametrize("date", ["2024-13-45T00:00:00.000Z", "0000-01-01T00:00:00.000Z"])
def test_a_hub_date_that_is_no_date_fails_the_fetch(
    fakes: Fakes,
    code_list: Path,
    ident: str,
    section: str,
    store: str,
    key: str,
    field: str,
    date: str,
) -> None:
    assert run("add", ident, "-s", section).exit_code == 0
    before = row(code_list, ident)
    bodies = getattr(fakes.hub, store)
    bodies[key] = dict(bodies[key], **{field: date})
    result = run("refresh", "--all")
    assert result.exit_code == 1, result.output
    assert (
        f"- {ident}: The Hugging Face Hub sent an answer for {ident} that alignfetch could not read"
        in result.stdout
    )
    assert row(code_list, ident) == before
    printable(result)


# -- finding 4: upstream words in messages -----------------------------------------------------

# Each: GitHub's answer (status, JSON message, extra headers), and what the message quotes.
GITHUB_ERRORS = {
    "403": (403, ESC, {}),
    "401": (401, ESC, {}),
    "418": (418, ESC, {}),
    "429": (429, ESC, {"retry-after": "5\x1b[2J"}),
    "403-retry-after": (403, ESC, {"retry-after": "\x1b]0;PWNED\x07"}),
    "403-rate-limit": (
        403,
        "API rate limit exceeded",
        {"x-ratelimit-remaining": "0", "x-ratelimit-limit": "60\x1b]0;PWNED\x07\x1b[2J"},
    ),
    "403-long": (403, "x" * 5000 + ESC, {}),
}


def github_error(fakes: Fakes, case: str) -> None:
    status, message, headers = GITHUB_ERRORS[case]
    fakes.server.fail(
        r"^/repos/",
        Response(status, json.dumps({"message": message}), {**JSON, **headers}),
        times=9,
    )


# Bug: a GitHub 403 whose message held "ESC]0;PWNED BEL ESC[31mRED CSI 2J" printed it raw in
# refresh's report on stdout (retitling the terminal, clearing it); so did 401, 418 and 429
# messages and a rate-limit 403's x-ratelimit-limit header.
@pytest.mark.parametrize("case", GITHUB_ERRORS)
def test_a_github_error_is_reported_by_refresh_without_escapes(
    fakes: Fakes, code_list: Path, case: str
) -> None:
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    github_error(fakes, case)
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert f"- {TRLX}: " in result.stdout
    printable(result)
    failure = result.stdout.split(f"- {TRLX}: ", 1)[1]
    assert len(failure) < 600, failure  # GitHub's words are quoted, not a page of them
    if case != "403-rate-limit":
        assert "RED2J" in failure or "xxx" in failure  # the words are still quoted, cleaned


# Bug: the same messages reached add's one sentence on stderr raw.
@pytest.mark.parametrize("case", GITHUB_ERRORS)
def test_a_github_error_is_said_by_add_without_escapes(
    fakes: Fakes, code_list: Path, case: str
) -> None:
    before = state(code_list)
    github_error(fakes, case)
    result = run("add", TRLX, "-s", "rlhf")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("alignfetch: ") and result.stderr.count("\n") == 1
    printable(result)
    assert state(code_list) == before


def hostile_paper(fakes: Fakes) -> None:
    """arXiv's entry of the paper hh-rlhf names, its date C1 and bidi characters: the
    feed parser's error quotes it ("Invalid isoformat string: '2022…'")."""
    entry = fakes.arxiv.entry("2204.05862").decode()
    entry = re.sub(
        r"<published>[^<]*</published>", "<published>2022&#x9b;2J&#x202e;-04-12</published>", entry
    )
    fakes.arxiv.entries["2204.05862"] = {1: entry.encode()}


def hostile_hub(fakes: Fakes) -> None:
    """The Hub refuses the dataset with its words in the header and body full of escapes."""
    fakes.server.fail(
        r"^/api/datasets/",
        Response(
            403,
            json.dumps({"error": ESC * 100}),
            {**JSON, "X-Error-Message": "\x1b]0;PWNED\x07\x1b[2J" * 50},
        ),
        times=9,
    )


# A Hub entry's failures quote no upstream words raw: its paper's (the feed's text, as the
# parser's error repeats it) nor the Hub's own refusal. Pins the Hub side of finding 4.
@pytest.mark.parametrize("hostile", [hostile_paper, hostile_hub])
def test_a_hub_entrys_failure_is_printed_clean(fakes: Fakes, code_list: Path, hostile: Any) -> None:
    good = {key: dict(versions) for key, versions in fakes.arxiv.entries.items()}
    before = state(code_list)
    hostile(fakes)
    added = run("add", DATASET, "-s", "english")
    assert (added.exit_code, added.stdout) == (1, "")
    assert added.stderr.startswith("alignfetch: ") and added.stderr.count("\n") == 1
    printable(added)
    assert state(code_list) == before

    fakes.server.faults.clear()
    fakes.arxiv.entries.update(good)
    assert run("add", DATASET, "-s", "english").exit_code == 0
    hostile(fakes)
    refreshed = run("refresh", "--all")
    assert refreshed.exit_code == 1
    assert f"- {DATASET}: " in refreshed.stdout
    printable(refreshed)


class WordySource:
    """A source behind the interface whose failures and warnings quote a server's words raw,
    as any source module may (not a stand-in for alignfetch's code)."""

    NAME = "Wordy"
    PREFIX = "gh"
    FORMS = ("wordy",)

    def parse_id(self, text: str) -> str | None:
        return text

    def fetch(
        self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]:
        said = f"the server says {ESC} " + "x" * 5000
        return {
            keys[0]: SourceError(f"Wordy failed: {said}", source=self.NAME, ids=(keys[0],)),
            keys[1]: Fetched(
                Link(id=f"gh:{keys[1]}", title="b", url="https://b.example/"),
                raw="",
                url="https://b.example/",
                warning=said,
            ),
        }


# Bug: only GitHub's quotes were cleaned at construction; a source that quotes a server
# (every source may) sent its words raw and whole to refresh's report and add's stderr.
# The pipeline cleans and caps every failure and warning that leaves it, whatever source.
def test_every_failure_and_warning_leaves_the_pipeline_clean_and_capped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alignfetch.fetch import pipeline
    from alignfetch.list import ids
    from alignfetch.sources import SOURCES

    monkeypatch.setitem(SOURCES, "gh", WordySource())
    refs = [ids.parse("gh:a/a"), ids.parse("gh:b/b")]
    nothing = lambda _ids: {}  # noqa: E731  # an empty cache
    run_ = pipeline.fetch_outcomes(refs, Settings.from_env(), nothing, times=nothing)
    failed = run_.outcomes["gh:a/a"]
    assert isinstance(failed, SourceError)
    assert failed.message.startswith("Wordy failed: the server says ]0;PWNED[31mRED2J x")
    assert str(failed) == failed.message
    warning = run_.warnings["gh:b/b"]
    for text in (failed.message, warning):
        assert not CONTROLS.search(text) and len(text) <= pipeline.MESSAGE_CAP, text
        assert text.endswith("…")
