"""The nightly refresh: batches, change reports, failures kept apart, concurrency."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import tomlkit

from alignfetch import Workspace
from alignfetch.fetch.refresh import parse_duration
from conftest import Fakes, run, state
from fakes.server import Response


def new_version(fakes: Fakes, key: str, version: int, journal_ref: str | None = None) -> None:
    """Make the fake arXiv answer a new version of ``key`` (optionally published)."""
    entry = fakes.arxiv.entry(key).decode()
    entry = entry.replace(f"{key}v1", f"{key}v{version}")
    entry = re.sub(r"<updated>[^<]*</updated>", f"<updated>2024-01-0{version}T00:00:00Z</updated>", entry)
    if journal_ref:
        entry = entry.replace("</summary>", f"</summary>\n    <arxiv:journal_ref>{journal_ref}</arxiv:journal_ref>")
    fakes.arxiv.put(entry)


def write_papers(folder: Path, keys: list[str]) -> None:
    doc = tomlkit.parse((folder / "entries.toml").read_text())
    aot = tomlkit.aot()
    for key in keys:
        t = tomlkit.table()
        t["id"] = f"arxiv:{key}"
        t["section"] = "evaluation"
        aot.append(t)
    doc["entries"] = aot
    (folder / "entries.toml").write_text(tomlkit.dumps(doc))


# Issue 23: 250 papers were 3 GETs of 100; by POST (2,000 IDs a request) they are one.
def test_refresh_all_over_250_papers_costs_1_request(fakes: Fakes, listdir: Path) -> None:
    template = fakes.arxiv.entry("2305.01937").decode()
    keys = [f"2301.{n:05d}" for n in range(1, 251)]
    for key in keys:
        fakes.arxiv.put(template.replace("2305.01937", key))
    write_papers(listdir, keys)
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert fakes.arxiv_requests() == 1
    assert result.stdout.startswith("Checked 250 entries: 250 fetched for the first time.")
    again = run("refresh", "--all")
    assert fakes.arxiv_requests() == 2
    assert again.stdout == "Checked 250 entries: nothing changed.\n"


def test_new_version_and_journal_ref_are_reported_exactly(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "2306.05685", "-s", "evaluation").exit_code == 0
    new_version(fakes, "2305.01937", 2, journal_ref="ACL 2023")
    result = run("refresh", "--all", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert [(c["id"], c["what"], c["new"]) for c in report["changes"]] == [
        ("arxiv:2305.01937", "new_version", 2),
        ("arxiv:2305.01937", "published", "ACL 2023"),
    ]
    assert report["failures"] == []
    entry = json.loads(run("show", "2305.01937", "--json").stdout)
    assert entry["version"] == 2 and entry["journal_ref"] == "ACL 2023"
    text = run("refresh", "--all").stdout
    assert text == "Checked 2 entries: nothing changed.\n"


def test_stale_after_skips_fresh_entries(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert run("refresh").stdout == "Checked 0 entries (1 fresh enough, skipped): nothing changed.\n"
    assert fakes.arxiv_requests() == 1
    assert run("refresh", "--stale-after", "0").exit_code == 0
    assert fakes.arxiv_requests() == 2


def test_failed_entries_keep_their_data_and_fail_the_run(fakes: Fakes, listdir: Path) -> None:
    write_papers(listdir, ["2305.01937", "2306.05685"])
    assert run("refresh").exit_code == 0
    good = Workspace(listdir / "entries.toml").cache.get(["arxiv:2306.05685"])["arxiv:2306.05685"].record
    # the fake arXiv stops answering for one paper: it is dropped from the feed
    del fakes.arxiv.entries["2306.05685"]
    new_version(fakes, "2305.01937", 3)
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert "1 changed, 1 failed" in result.stdout
    assert "- arxiv:2306.05685: arxiv:2306.05685 does not exist on arXiv" in result.stdout
    assert "- arxiv:2305.01937: new version v3 (was v1)" in result.stdout
    row = Workspace(listdir / "entries.toml").cache.get(["arxiv:2306.05685"])["arxiv:2306.05685"]
    assert row.record == good and row.error_count == 1 and "does not exist" in (row.last_error or "")


def test_an_upstream_outage_fails_every_entry_but_loses_nothing(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    cache = Workspace(listdir / "entries.toml").cache
    before = cache.records(["arxiv:2305.01937"])
    fakes.server.fail("/api/query", Response(503, "down"), times=99)
    result = run("refresh", "--all")
    assert result.exit_code == 1 and "HTTP 503" in result.stdout
    assert cache.records(["arxiv:2305.01937"]) == before


def test_dry_run_writes_nothing(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    new_version(fakes, "2305.01937", 2)
    before = state(listdir)
    result = run("refresh", "--all", "--dry-run")
    assert result.exit_code == 0 and "new version v2" in result.stdout and "Dry run" in result.stdout
    assert state(listdir) == before


def test_only_one_kind(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    result = run("refresh", "--all", "--only", "dataset")
    assert result.stdout == "Checked 0 entries: nothing changed.\n"
    assert fakes.arxiv_requests() == 1


def test_bad_duration() -> None:
    assert parse_duration("12h").total_seconds() == 12 * 3600
    assert parse_duration("0").total_seconds() == 0
    result = run("refresh", "--stale-after", "soon")
    assert result.exit_code == 2 and "not a duration" in result.stderr


def _cli(folder: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alignfetch", *args], cwd=folder, capture_output=True, text=True,
        env=dict(os.environ), timeout=timeout,
    )


def test_concurrent_adds_lose_no_update(fakes: Fakes, listdir: Path) -> None:
    results: list[subprocess.CompletedProcess[str]] = []
    keys = ["2305.01937", "2306.05685", "2305.16960", "2305.14929"]
    threads = [
        threading.Thread(target=lambda k=k: results.append(_cli(listdir, "add", k, "-s", "evaluation")))
        for k in keys
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]
    doc = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert sorted(e["id"] for e in doc["entries"]) == sorted(f"arxiv:{k}" for k in keys)
    listed = run("list").stdout.splitlines()
    assert len(listed) == 4


def test_a_second_writer_waits_then_fails_clearly(fakes: Fakes, listdir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALIGNFETCH_LOCK_TIMEOUT", "0.5")
    before = state(listdir)
    with Workspace(listdir / "entries.toml").lock():
        blocked = _cli(listdir, "add", "2305.01937", "-s", "evaluation")
    assert blocked.returncode == 1
    assert "Another alignfetch process" in blocked.stderr and "try again" in blocked.stderr
    assert state(listdir) == before


def test_paper_pages_are_asked_for_again_only_weekly(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.16960", "-s", "evaluation").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 1
    assert run("refresh", "--all").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 1  # the page is a day old at most
    ws = Workspace(listdir / "entries.toml")
    from datetime import UTC, datetime, timedelta

    from alignfetch.cache.models import CachedRecord

    with ws.cache.session() as s:
        row = s.get(CachedRecord, "hfpaper:2305.16960")
        assert row is not None
        row.fetched_at = datetime.now(UTC) - timedelta(days=8)
    assert run("refresh", "--all").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 2
