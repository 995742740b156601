"""Hub requests a few at a time, paper pages spread over the week, and `add` not waiting
on pages longer than on arXiv (issue 12).

Concurrency is read from the fake server (the most requests it served at once), with
a latency on every answer so that requests overlap when the client lets them.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError
from alignfetch.fetch.pipeline import due_pages
from alignfetch.records import PaperPage
from alignfetch.sources import Fetched, hf_datasets, hf_papers, hub
from conftest import DATA, Fakes, add_sections, run, state
from fakes.server import Response

KEYS = [f"2401.{n:05d}" for n in range(1, 15)]
PAGE = json.loads((DATA / "reference" / "hf" / "paper_2305.16960.json").read_text())
JSON = {"Content-Type": "application/json; charset=utf-8"}
STAMP = "%Y-%m-%d %H:%M:%S.%f"
RATE_LIMITED = (
    "The Hugging Face Hub is rate-limiting requests (HTTP 429) after 2 attempts; wait a few "
    "minutes and try again, or set HF_TOKEN for a higher limit."
)


def settings(fakes: Fakes, **kw: object) -> Settings:
    base: dict[str, object] = dict(
        hf_endpoint=fakes.server.url,
        arxiv_url=f"{fakes.server.url}/api/query",
        timeout=2.0,
        retries=1,
        backoff=0.0,
        arxiv_delay=0.0,
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def pages(fakes: Fakes, keys: list[str]) -> None:
    """A page for each key, each with its own upvotes (100 + its number)."""
    for key in keys:
        fakes.hub.papers[key] = dict(PAGE, id=key, upvotes=100 + int(key[-5:]))


def papers(fakes: Fakes, keys: list[str]) -> None:
    """arXiv entries (copies of a recorded one) and pages for ``keys``."""
    template = fakes.arxiv.entry("2305.01937").decode()
    for key in keys:
        fakes.arxiv.put(template.replace("2305.01937", key))
    pages(fakes, keys)


def asked(fakes: Fakes) -> list[str]:
    """The paper keys whose page was asked for, in order."""
    return [r.path.rsplit("/", 1)[1] for r in fakes.server.requests("^/api/papers/")]


# -- a few in flight, outcomes in order --------------------------------------------


def test_pages_are_asked_four_at_a_time(fakes: Fakes) -> None:
    pages(fakes, KEYS[:12])
    fakes.server.latency = 0.3
    got = hf_papers.fetch(KEYS[:12], settings(fakes), {})
    assert hub.IN_FLIGHT == 4
    assert fakes.server.max_in_flight[""] == 4
    assert sorted(asked(fakes)) == KEYS[:12]  # each once
    assert list(got) == KEYS[:12]
    assert [o.record for o in got.values() if isinstance(o, Fetched)] == [
        PaperPage(
            id=f"hfpaper:{k}",
            url=f"https://huggingface.co/papers/{k}",
            upvotes=100 + n,
            github_repo="https://github.com/agi-templar/Stable-Alignment",
        )
        for n, k in enumerate(KEYS[:12], start=1)
    ]


def test_datasets_are_asked_four_at_a_time_info_and_card_each(fakes: Fakes) -> None:
    body = fakes.hub.datasets["anthropic/hh-rlhf"]
    names = [f"bench/set-{n}" for n in range(8)]
    for name in names:
        fakes.hub.datasets[name] = dict(body, id=name)
        fakes.hub.card(name, DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md")
    fakes.server.latency = 0.3
    got = hf_datasets.fetch(names, settings(fakes), {})
    assert fakes.server.max_in_flight[""] == 4
    assert len(fakes.server.requests("^/api/datasets/")) == 8
    assert len(fakes.server.requests("/resolve/")) == 8
    assert list(got) == names
    assert [o.record.id for o in got.values() if isinstance(o, Fetched)] == [
        f"hf:{n}" for n in names
    ]


def test_a_slow_answer_does_not_reorder_the_outcomes(fakes: Fakes) -> None:
    keys = KEYS[:6]
    pages(fakes, keys)
    slow = dict(PAGE, id=keys[1], upvotes=102)
    fakes.server.fail(f"^/api/papers/{keys[1]}$", Response(200, json.dumps(slow), JSON, 0.6))
    got = hf_papers.fetch(keys, settings(fakes), {})
    assert list(got) == keys
    assert [
        (o.record.id, o.record.upvotes)  # type: ignore[union-attr]
        for o in got.values()
        if isinstance(o, Fetched)
    ] == [(f"hfpaper:{k}", 100 + n) for n, k in enumerate(keys, start=1)]


def test_a_rate_limit_mid_batch_stops_the_rest_and_fails_every_key_after_it(
    fakes: Fakes,
) -> None:
    keys = KEYS + [f"2402.{n:05d}" for n in range(1, 7)]  # 20
    pages(fakes, keys)
    fakes.server.latency = 0.1
    limited = f"^/api/papers/{keys[2]}$"
    fakes.server.fail(limited, Response(429, '{"error":"rate"}', {"Retry-After": "0"}), 99)
    outcomes = []
    for _ in range(2):
        got = hf_papers.fetch(keys, settings(fakes), {})
        assert list(got) == keys
        assert [type(o) for o in got.values()] == [Fetched] * 2 + [RateLimitError] * 18
        for key in keys[2:]:
            err = got[key]
            assert isinstance(err, RateLimitError)
            assert (str(err), err.status) == (RATE_LIMITED, 429)
        outcomes.append(
            [str(o) if isinstance(o, RateLimitError) else o.record for o in got.values()]
        )
    assert outcomes[0] == outcomes[1]  # whatever was in flight when the limit came
    assert len(fakes.server.requests(limited)) == 2 * 2  # two attempts, each run
    # Asking stopped: the keys well after the limited one were never asked for.
    assert not set(asked(fakes)) & set(keys[12:])


def test_a_hub_that_rate_limits_is_found_out_by_one_key_first(fakes: Fakes) -> None:
    pages(fakes, KEYS[:8])
    fakes.server.fail("^/api/papers/", Response(429, '{"error":"rate"}'), times=99)
    got = hf_papers.fetch(KEYS[:8], settings(fakes), {})
    assert all(isinstance(o, RateLimitError) for o in got.values())
    assert asked(fakes) == [KEYS[0], KEYS[0]]


def test_retry_talk_from_a_worker_is_said_once_and_whole(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alignfetch")
    pages(fakes, KEYS[:6])
    fakes.server.fail(f"^/api/papers/{KEYS[4]}$", Response(503, "busy"), times=1)
    got = hf_papers.fetch(KEYS[:6], settings(fakes, backoff=0.01, retries=2), {})
    assert all(isinstance(o, Fetched) for o in got.values())
    assert [r.getMessage() for r in caplog.records] == [
        "The Hugging Face Hub answered HTTP 503; retrying in 0.01 s (1/2)."
    ]


# -- which pages a refresh asks for ------------------------------------------------

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_seventh_of_the_due_pages_by_a_stable_hash() -> None:
    # sha1: 2401.00002 057f31fb..., 2401.00008 1069e702..., then 00009, 00001, 00010, ...
    week = timedelta(days=7)
    got = due_pages(KEYS, {k: ago(8) for k in KEYS}, week, NOW)
    assert got == ["2401.00002", "2401.00008"]


def test_the_oldest_due_pages_come_first() -> None:
    fetched = {k: ago(8) for k in KEYS}
    fetched["2401.00014"] = ago(9)  # the largest hash, but the oldest copy
    got = due_pages(KEYS, fetched, timedelta(days=7), NOW)
    assert got == ["2401.00002", "2401.00014"]


def test_pages_never_fetched_or_two_weeks_old_are_always_asked() -> None:
    fetched = {k: ago(8) for k in KEYS[3:]}
    for key in KEYS[10:]:
        fetched[key] = ago(14.5)
    got = due_pages(KEYS, fetched, timedelta(days=7), NOW)
    # 3 never fetched, 4 two weeks old, and 2 (14 / 7) of the week-old ones by hash.
    assert got == [
        "2401.00001",
        "2401.00002",
        "2401.00003",
        "2401.00008",
        "2401.00009",
        "2401.00011",
        "2401.00012",
        "2401.00013",
        "2401.00014",
    ]


def test_a_page_is_due_a_week_old_less_a_nightly_job_s_hour() -> None:
    week = timedelta(days=7)
    assert due_pages(["2305.01937"], {"2305.01937": ago(6.9)}, week, NOW) == []
    late_last_week = {"2305.01937": NOW - week + timedelta(minutes=30)}
    assert due_pages(["2305.01937"], late_last_week, week, NOW) == ["2305.01937"]
    assert due_pages(["2305.01937"], {"2305.01937": ago(7.1)}, week, NOW) == ["2305.01937"]
    assert due_pages(["2305.01937"], {"2305.01937": ago(1)}, week, NOW) == []


def age_all(folder: Path, days: float) -> None:
    """Every cached row fetched (and checked) ``days`` earlier than it was."""
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        for table, column in (("records", "fetched_at"), ("checks", "checked_at")):
            rows = db.execute(
                f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"
            ).fetchall()
            db.executemany(
                f"UPDATE {table} SET {column} = ? WHERE id = ?",
                [
                    ((datetime.strptime(at, STAMP) - timedelta(days=days)).strftime(STAMP), rid)
                    for rid, at in rows
                ],
            )


def test_a_list_s_pages_come_due_over_a_week_not_on_one_night(fakes: Fakes, listdir: Path) -> None:
    papers(fakes, KEYS)
    assert run("add", *KEYS, "-s", "evaluation").exit_code == 0
    assert sorted(asked(fakes)) == KEYS
    age_all(listdir, 7)
    nights = []
    for _ in range(8):
        fakes.server.log.clear()
        result = run("refresh")
        assert (result.exit_code, result.stdout) == (0, "Checked 14 entries: nothing changed.\n")
        nights.append(asked(fakes))
        age_all(listdir, 1)
    assert nights == [
        ["2401.00002", "2401.00008"],
        ["2401.00001", "2401.00009"],
        ["2401.00010", "2401.00013"],
        ["2401.00004", "2401.00005"],
        ["2401.00003", "2401.00011"],
        ["2401.00007", "2401.00012"],
        ["2401.00006", "2401.00014"],
        ["2401.00002", "2401.00008"],  # a week after the first night: those two again
    ]


def test_a_failed_paper_s_page_is_not_asked(fakes: Fakes, listdir: Path) -> None:
    papers(fakes, KEYS[:2])
    assert run("add", *KEYS[:2], "-s", "evaluation").exit_code == 0
    age_all(listdir, 8)
    del fakes.arxiv.entries[KEYS[0]]
    fakes.server.log.clear()
    result = run("refresh")
    assert result.exit_code == 1
    assert asked(fakes) == [KEYS[1]]


# -- add waits on pages no longer than on arXiv --------------------------------------


def page_row(folder: Path, key: str) -> str | None:
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        row = db.execute("SELECT record FROM records WHERE id = ?", (f"hfpaper:{key}",))
        found = row.fetchone()
    return None if found is None else str(found[0])


def test_add_leaves_a_slow_page_for_the_next_refresh(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "1")  # pages get 2 s: arXiv here takes less
    slow = "^/api/papers/2204.05862$"
    fakes.server.fail(slow, Response(503, "busy", {"Retry-After": "4"}), times=1)
    start = time.monotonic()
    result = run("add", "2305.16960", "2204.05862", "2305.01937", "-s", "evaluation")
    took = time.monotonic() - start
    assert result.exit_code == 0
    assert result.stderr == (
        "alignfetch: warning: The Hugging Face Hub had not sent the paper page of "
        "arxiv:2204.05862 after 2 seconds (as long as arXiv took, at least twice "
        "ALIGNFETCH_TIMEOUT); it was not waited for, and the next refresh asks for it.\n"
        "Added 3 entries to evaluation.\n"
    )
    assert took < 3.5  # the slow page answers only after 4 s
    assert page_row(listdir, "2305.16960") is not None
    assert page_row(listdir, "2305.01937") is not None  # no page: a row saying so
    # The late answer comes, and is stored nowhere.
    for _ in range(100):
        if len(fakes.server.requests(slow)) == 2:
            break
        time.sleep(0.1)
    assert len(fakes.server.requests(slow)) == 2
    time.sleep(0.3)
    assert page_row(listdir, "2204.05862") is None
    # A refresh the next night asks for that page alone, and keeps it.
    result = run("refresh", "--all")
    assert (result.exit_code, result.stderr) == (0, "")
    assert len(fakes.server.requests(slow)) == 3
    assert len(fakes.server.requests("^/api/papers/")) == 5
    assert '"upvotes": 2,' in (page_row(listdir, "2204.05862") or "")


def test_add_names_how_many_pages_were_not_waited_for(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "1")
    papers(fakes, KEYS[:6])
    for key in KEYS[3:5]:
        fakes.server.fail(f"^/api/papers/{key}$", Response(503, "", {"Retry-After": "4"}))
    result = run("add", *KEYS[:6], "-s", "evaluation")
    assert result.exit_code == 0
    assert result.stderr == (
        "alignfetch: warning: The Hugging Face Hub had not sent 2 of 6 paper pages after "
        "2 seconds (as long as arXiv took, at least twice ALIGNFETCH_TIMEOUT); they were not "
        "waited for, and the next refresh asks for them.\nAdded 6 entries to evaluation.\n"
    )
    assert [k for k in KEYS[:6] if page_row(listdir, k) is None] == KEYS[3:5]


def test_refresh_waits_for_every_page(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("add", "2305.16960", "-s", "evaluation").exit_code == 0
    age_all(listdir, 8)
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "1")
    fakes.hub.papers["2305.16960"]["upvotes"] = 99
    fakes.server.fail("^/api/papers/", Response(503, "busy", {"Retry-After": "3"}), times=1)
    result = run("refresh", "--all")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "Checked 1 entry: nothing changed.\n",
        "",
    )
    assert '"upvotes": 99' in (page_row(listdir, "2305.16960") or "")


def test_a_late_page_of_a_failed_add_is_stored_by_no_later_command(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_sections(listdir)
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "1")
    slow = "^/api/papers/2305.16960$"
    fakes.server.fail(slow, Response(503, "busy", {"Retry-After": "3"}), times=1)
    before = state(listdir)
    result = run("add", "2305.16960", "hf:nobody/nothing", "-s", "english")
    assert result.exit_code == 1
    assert state(listdir) == before
    for _ in range(60):  # the page's answer comes after the command ended
        if len(fakes.server.requests(slow)) == 2:
            break
        time.sleep(0.1)
    time.sleep(0.3)
    assert run("add", "2204.05862", "-s", "english").exit_code == 0
    assert page_row(listdir, "2204.05862") is not None
    assert page_row(listdir, "2305.16960") is None


def test_the_late_pages_warning_says_long_waits_in_plain_seconds() -> None:
    # Bug: "{:.3g}" writes a wait of 1234.6 s as "1.23e+03" (an import with arXiv's
    # 3-second delay waits that long).
    from alignfetch.fetch.pipeline import _late

    assert _late(["a", "b"], 6, 1234.6) == (
        "The Hugging Face Hub had not sent 2 of 6 paper pages after 1235 seconds (as long as "
        "arXiv took, at least twice ALIGNFETCH_TIMEOUT); they were not waited for, and the next "
        "refresh asks for them."
    )
    assert "after 2.5 seconds" in _late(["a"], 1, 2.5)
    assert "after 12.3 seconds" in _late(["a"], 1, 12.3)
