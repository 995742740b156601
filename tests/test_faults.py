"""Upstream faults injected on every route, during `add` and during `refresh`, through the CLI.

Each fault (``fakes.faults``) is served by one route of the fake services: arXiv's
query, the Hub's dataset info, the dataset card, the paper page, GitHub's
repository. The expectations are written out per route and fault: the exit code,
the exact sentence, no traceback, entries.toml and the failed entries' cached
records left as they were, and the other entries refreshed.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import ARXIV_FEEDS, DATA, ENTRIES, Fakes, add_sections, run
from fakes.arxiv import FakeArxiv
from fakes.faults import FAULTS, loop
from fakes.github import FakeGitHub
from fakes.hub import FakeHub
from fakes.server import FakeServer

ROUTES = {
    "arxiv": r"^/api/query$",
    "dataset": r"^/api/datasets/",
    "card": r"/resolve/",
    "page": r"^/api/papers/",
    "github": r"^/repos/",
}
SERVICE = {
    "arxiv": "arXiv",
    "dataset": "The Hugging Face Hub",
    "card": "The Hugging Face Hub",
    "page": "The Hugging Face Hub",
    "github": "GitHub",
}
# A card is any text: JSON that is not an object is still a (strange) README.
CARD_IS_TEXT = {"not-an-object", "nested"}
LISTED = ["arxiv:2305.16960", "hf:Anthropic/hh-rlhf", "gh:CarperAI/trlx"]

# Why each fault fails, in the words of each kind of service (retries: 1, so 2 attempts).
ARXIV = {
    "503": "arXiv is unavailable (HTTP 503) after 2 attempts; wait a few minutes and try again.",
    "429-wait-too-long": "arXiv asks to wait 100000 seconds (HTTP 429), longer than "
    "ALIGNFETCH_MAX_WAIT (60 seconds); try again later.",
    "html": "arXiv's answer was not a valid feed (an HTML page) after 2 attempts; try again later.",
    "empty": "arXiv's answer was not a valid feed (an empty page) after 2 attempts; "
    "try again later.",
    "not-an-object": "arXiv's answer was not a valid feed (broken XML) after 2 attempts; "
    "try again later.",
    "nested": "arXiv's answer was not a valid feed (broken XML) after 2 attempts; try again later.",
    "fake-gzip": "arXiv's answer was not a valid feed (its gzip body could not be decoded) "
    "after 2 attempts; try again later.",
    "truncated": "arXiv broke off its answer after 2 attempts; try again later.",
    "reset": "arXiv broke off its answer after 2 attempts; try again later.",
    "raw-garbage": "arXiv broke off its answer after 2 attempts; try again later.",
    "redirect-loop": "arXiv redirected the request more than 10 times; check ALIGNFETCH_ARXIV_URL.",
    "trickle": "arXiv did not answer within 1 seconds; try again later or raise "
    "ALIGNFETCH_TIMEOUT.",
    "huge": "arXiv's answer was larger than ALIGNFETCH_MAX_BYTES (65536 bytes) and was not read; "
    "try again later.",
    "huge-announced": "arXiv's answer was larger than ALIGNFETCH_MAX_BYTES (65536 bytes) and was "
    "not read; try again later.",
}


def hub(ident: str, fault: str) -> str:
    return {
        "503": f"The Hugging Face Hub answered HTTP 503 for {ident} after 2 attempts; "
        "try again later.",
        "429-wait-too-long": f"The Hugging Face Hub asks to wait 100000 seconds (HTTP 429) for "
        f"{ident}, longer than ALIGNFETCH_MAX_WAIT (60 seconds); try again later.",
        "html": f"The Hugging Face Hub sent an answer for {ident} that is not valid (an HTML page) "
        "after 2 attempts; try again later.",
        "empty": f"The Hugging Face Hub sent an answer for {ident} that is not valid "
        "(an empty page) after 2 attempts; try again later.",
        "not-an-object": f"The Hugging Face Hub sent an answer for {ident} that is not valid "
        "(JSON that is not an object) after 2 attempts; try again later.",
        "nested": f"The Hugging Face Hub sent an answer for {ident} that is not valid "
        "(JSON nested too deep) after 2 attempts; try again later.",
        "fake-gzip": f"The Hugging Face Hub sent an answer for {ident} that is not valid "
        "(its gzip body could not be decoded) after 2 attempts; try again later.",
        "truncated": f"The Hugging Face Hub broke off its answer for {ident} after 2 attempts; "
        "try again later.",
        "reset": f"The Hugging Face Hub broke off its answer for {ident} after 2 attempts; "
        "try again later.",
        "raw-garbage": f"The Hugging Face Hub broke off its answer for {ident} after 2 attempts; "
        "try again later.",
        "redirect-loop": f"The Hugging Face Hub redirected the request for {ident} more than "
        "10 times; check HF_ENDPOINT.",
        "trickle": f"The Hugging Face Hub did not answer within 1 seconds for {ident}; "
        "try again later or raise ALIGNFETCH_TIMEOUT.",
        "huge": f"The Hugging Face Hub's answer for {ident} was larger than ALIGNFETCH_MAX_BYTES "
        "(65536 bytes) and was not read; try again later.",
        "huge-announced": f"The Hugging Face Hub's answer for {ident} was larger than "
        "ALIGNFETCH_MAX_BYTES (65536 bytes) and was not read; try again later.",
    }[fault]


def card(ident: str, fault: str, kept: bool) -> str:
    why = {
        "503": "HTTP 503",
        "429-wait-too-long": "HTTP 429",
        "html": "it is an HTML page",
        "empty": "it is empty",
    }.get(fault, "no valid answer")
    then = "its last good summary is kept" if kept else "it has no summary yet"
    return f"The dataset card of {ident} could not be read ({why}); {then}."


def github(ident: str, fault: str) -> str:
    return {
        "503": f"GitHub answered HTTP 503 for {ident} after 2 attempts; try again later.",
        # GitHub's 429 is never retried (its limits last up to an hour): reported at once.
        "429-wait-too-long": "GitHub is limiting requests (HTTP 429); wait 100000 "
        "seconds and try again, or set GITHUB_TOKEN.",
        "html": f"GitHub's answer for {ident} is not a repository (an HTML page); "
        "check ALIGNFETCH_GITHUB_URL, or try again later.",
        "empty": f"GitHub's answer for {ident} is not a repository (an empty page); "
        "check ALIGNFETCH_GITHUB_URL, or try again later.",
        "not-an-object": f"GitHub's answer for {ident} is not a repository (JSON that is not an "
        "object); check ALIGNFETCH_GITHUB_URL, or try again later.",
        "nested": f"GitHub's answer for {ident} is not a repository (JSON nested too deep); "
        "check ALIGNFETCH_GITHUB_URL, or try again later.",
        "fake-gzip": f"GitHub's answer for {ident} is not a repository (its gzip body could not "
        "be decoded); check ALIGNFETCH_GITHUB_URL, or try again later.",
        "truncated": f"GitHub's answer for {ident} broke off after 2 attempts; try again later.",
        "reset": f"GitHub's answer for {ident} broke off after 2 attempts; try again later.",
        "raw-garbage": f"GitHub's answer for {ident} broke off after 2 attempts; try again later.",
        "redirect-loop": f"GitHub redirected the request for {ident} more than 10 times; "
        "check ALIGNFETCH_GITHUB_URL.",
        "trickle": "GitHub did not answer within 1 seconds; try again later or raise "
        "ALIGNFETCH_TIMEOUT.",
        "huge": f"GitHub's answer for {ident} was larger than ALIGNFETCH_MAX_BYTES (65536 bytes) "
        "and was not read; try again later.",
        "huge-announced": f"GitHub's answer for {ident} was larger than ALIGNFETCH_MAX_BYTES "
        "(65536 bytes) and was not read; try again later.",
    }[fault]


CASES = [
    (route, fault)
    for route in ROUTES
    for fault in FAULTS
    if not (route == "card" and fault in CARD_IS_TEXT)
]


@pytest.fixture
def tight(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> Fakes:
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "1")
    monkeypatch.setenv("ALIGNFETCH_BACKOFF", "0")
    # Generous for a loaded machine; the trickle tests set 1 s (see ``timeout``).
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "5")
    monkeypatch.setenv("ALIGNFETCH_MAX_BYTES", "65536")
    fakes.server.route("GET", r"/loop", lambda req, m: loop())
    return fakes


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A list holding a paper (with a page), a dataset (with a card and a paper) and a
    repository, fetched once for the module from a fake server of its own."""
    folder = tmp_path_factory.mktemp("listed")
    (folder / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    add_sections(folder)
    server = FakeServer()
    hub_fake = FakeHub(server, [DATA / "hf", DATA / "reference" / "hf"])
    hub_fake.card(
        "Anthropic/hh-rlhf", DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md"
    )
    FakeGitHub(server, DATA / "github", DATA / "reference" / "github")
    FakeArxiv(server, ARXIV_FEEDS)
    with pytest.MonkeyPatch.context() as mp:
        for var, value in {
            "ALIGNFETCH_ARXIV_URL": f"{server.url}/api/query",
            "ALIGNFETCH_ARXIV_DELAY": "0",
            "ALIGNFETCH_GITHUB_URL": server.url,
            "HF_ENDPOINT": server.url,
        }.items():
            mp.setenv(var, value)
        mp.chdir(folder)
        for args in (
            ["2305.16960", "-s", "evaluation"],
            ["hf:Anthropic/hh-rlhf", "-s", "english"],
            ["gh:CarperAI/trlx", "-s", "rlhf"],
        ):
            assert run("add", *args).exit_code == 0
    server.close()
    # Every paper page is a week old, so that each refresh asks for it again.
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        db.execute(
            "UPDATE records SET fetched_at = ? WHERE id LIKE 'hfpaper:%'",
            ((datetime.now(UTC) - timedelta(days=8)).strftime("%Y-%m-%d %H:%M:%S.%f"),),
        )
    yield folder


def timeout(fault: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trickle outlasts 1 s; the other faults need no deadline that tight."""
    if fault == "trickle":
        monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "1")


def copy_of(listed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "list"
    shutil.copytree(listed, folder)
    monkeypatch.chdir(folder)
    return folder


def rows(folder: Path) -> dict[str, tuple[str, str]]:
    """Each cached record's JSON and when it was last fetched or confirmed (the newer of
    its fetched_at and its check's time: a confirmed record's row is not rewritten)."""
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        return {
            rid: (record, str(at))
            for rid, record, at in db.execute(
                "SELECT r.id, r.record, max(r.fetched_at, coalesce(c.checked_at, '')) "
                "FROM records AS r LEFT JOIN checks AS c ON c.id = r.id"
            )
        }


def no_traceback(result) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert result.exception is None or isinstance(result.exception, SystemExit)


# -- add ------------------------------------------------------------------------------


ADD = {
    "arxiv": ("2306.05685", "safety", "arxiv:2306.05685"),
    "dataset": ("hf:liyucheng/zhihu_rlhf_3k", "chinese", "hf:liyucheng/zhihu_rlhf_3k"),
    "card": ("hf:liyucheng/zhihu_rlhf_3k", "chinese", "hf:liyucheng/zhihu_rlhf_3k"),
    "page": ("2305.01937", "evaluation", "arxiv:2305.01937"),
    "github": ("gh:PKU-Alignment/safe-rlhf", "rlhf", "gh:PKU-Alignment/safe-rlhf"),
}


@pytest.mark.parametrize(("route", "fault"), CASES)
def test_a_fault_during_add(
    tight: Fakes,
    listed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    route: str,
    fault: str,
) -> None:
    folder = copy_of(listed, tmp_path, monkeypatch)
    timeout(fault, monkeypatch)
    entries = (folder / "entries.toml").read_bytes()
    before = rows(folder)
    text, section, ident = ADD[route]
    tight.server.fail(ROUTES[route], FAULTS[fault], times=99)
    result = run("add", text, "-s", section)
    no_traceback(result)
    if route == "page":
        page = hub(ident, fault)
        # A page the Hub will not give is a warning; the paper is added, the page not cached.
        assert result.exit_code == 0, result.stderr
        assert result.stderr == f"alignfetch: warning: {page}\nAdded 1 entry to evaluation.\n"
        assert ident in (folder / "entries.toml").read_text()
        assert "hfpaper:2305.01937" not in rows(folder)
        return
    if route == "card":
        # The dataset answered: it is added without a summary, and its card asked again later.
        assert result.exit_code == 0, result.stderr
        warning = card(ident, fault, kept=False)
        assert result.stderr == f"alignfetch: warning: {warning}\nAdded 1 entry to chinese.\n"
        raw = json.loads(
            sqlite3.connect(folder / ".alignfetch" / "cache.sqlite")
            .execute("SELECT raw FROM records WHERE id = ?", (ident,))
            .fetchone()[0]
        )
        assert raw["card"] is None and raw["card_sha"] is None
        assert json.loads(rows(folder)[ident][0])["summary"] is None
        return
    message = {
        "arxiv": ARXIV[fault] if route == "arxiv" else "",
        "dataset": hub(ident, fault) if route == "dataset" else "",
        "github": github(ident, fault) if route == "github" else "",
    }[route]
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"alignfetch: {message}\n")
    assert (folder / "entries.toml").read_bytes() == entries
    assert rows(folder) == before


# -- refresh --------------------------------------------------------------------------


def failed(lines: dict[str, str]) -> str:
    return "Failed (their last good data is kept):\n" + "".join(
        f"- {rid}: {msg}\n" for rid, msg in lines.items()
    )


@pytest.mark.parametrize(("route", "fault"), CASES)
def test_a_fault_during_refresh(
    tight: Fakes,
    listed: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    route: str,
    fault: str,
) -> None:
    folder = copy_of(listed, tmp_path, monkeypatch)
    timeout(fault, monkeypatch)
    entries = (folder / "entries.toml").read_bytes()
    before = rows(folder)
    if route == "card":
        tight.hub.set_sha("Anthropic/hh-rlhf", "0" * 40)  # a new commit: the card is asked for
    tight.server.fail(ROUTES[route], FAULTS[fault], times=99)
    result = run("refresh", "--all")
    no_traceback(result)
    after = rows(folder)
    assert (folder / "entries.toml").read_bytes() == entries
    if route == "arxiv":
        why = ARXIV[fault]
        expected = "Checked 3 entries: 2 failed.\n\n" + failed(
            {
                "hf:Anthropic/hh-rlhf": "hf:Anthropic/hh-rlhf names arxiv:2204.05862, "
                f"which failed: {why}",
                "arxiv:2305.16960": why,
            }
        )
        bad, good = ["arxiv:2305.16960", "hf:Anthropic/hh-rlhf"], ["gh:CarperAI/trlx"]
    elif route == "dataset":
        expected = "Checked 3 entries: 1 failed.\n\n" + failed(
            {"hf:Anthropic/hh-rlhf": hub("hf:Anthropic/hh-rlhf", fault)}
        )
        bad, good = ["hf:Anthropic/hh-rlhf"], ["arxiv:2305.16960", "gh:CarperAI/trlx"]
    elif route == "github":
        expected = "Checked 3 entries: 1 failed.\n\n" + failed(
            {"gh:CarperAI/trlx": github("gh:CarperAI/trlx", fault)}
        )
        bad, good = ["gh:CarperAI/trlx"], ["arxiv:2305.16960", "hf:Anthropic/hh-rlhf"]
    elif route == "page":
        expected = (
            "Checked 3 entries: nothing changed.\n\nWarnings:\n"
            f"- hfpaper:2305.16960: {hub('arxiv:2305.16960', fault)}\n"
        )
        bad, good = ["hfpaper:2305.16960"], LISTED
    else:  # card: the dataset answered, with a new commit; its summary is kept
        expected = (
            "Checked 3 entries: nothing changed.\n\nWarnings:\n"
            f"- hf:Anthropic/hh-rlhf: {card('hf:Anthropic/hh-rlhf', fault, kept=True)}\n"
        )
        bad, good = [], LISTED
        old, new = (json.loads(r["hf:Anthropic/hh-rlhf"][0]) for r in (before, after))
        assert new["sha"] == "0" * 40 and new["summary"] == old["summary"] is not None
    assert result.stdout == expected
    assert (result.exit_code, result.stderr) == (1 if bad and route != "page" else 0, "")
    for rid in bad:
        assert after[rid] == before[rid], rid
    for rid in good:
        assert after[rid][1] > before[rid][1], rid
    if route == "card":
        # The next refresh asks for the card again (the kept one is not the new commit's).
        tight.server.faults.clear()
        requests = tight.hub_requests("/resolve/")
        assert run("refresh", "--all").stdout == "Checked 3 entries: nothing changed.\n"
        assert tight.hub_requests("/resolve/") == requests + 1
        assert json.loads(rows(folder)["hf:Anthropic/hh-rlhf"][0])["summary"] == old["summary"]
