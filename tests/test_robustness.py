"""Failure paths found in review: each gives one sentence, the right exit code, and
leaves entries.toml, the cache and generated files as they were."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tomlkit

from alignfetch import Workspace
from alignfetch.config import Settings
from alignfetch.sources import arxiv as arxiv_source
from conftest import DATA, Fakes, add_sections, run, state
from fakes.arxiv import FakeArxiv
from fakes.server import FakeServer, Response


def one_sentence(result, code: int, phrase: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    message = result.stderr.strip()
    assert message.startswith("alignfetch: ") and "\n" not in message, message
    assert phrase in message, message


def test_offline_refresh_is_refused_without_a_request(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    requests = len(fakes.server.log)
    one_sentence(run("--offline", "refresh", "--all"), 2, "--offline")
    assert len(fakes.server.log) == requests


def test_a_nightly_refresh_catches_what_yesterdays_run_wrote(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    ws = Workspace(listdir / "entries.toml")
    with ws.cache.session() as s:
        from alignfetch.cache.models import CachedRecord

        row = s.get(CachedRecord, "arxiv:2305.01937")
        assert row is not None
        row.fetched_at = datetime.now(UTC) - timedelta(days=1) + timedelta(seconds=60)
    assert run("refresh").stdout == "Checked 1 entry: nothing changed.\n"


def test_a_cache_that_cannot_be_written(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    cache = listdir / ".alignfetch" / "cache.sqlite"
    before = state(listdir)
    ro = f"sqlite:///file:{cache}?mode=ro&uri=true"
    one_sentence(run("--db", ro, "add", "2306.05685", "-s", "evaluation"), 1, "could not be written")
    assert state(listdir) == before
    result = run("--db", ro, "refresh", "--all")
    one_sentence(result, 1, "could not be written")
    assert state(listdir) == before


def test_inline_entries_array_is_refused_before_anything_is_written(fakes: Fakes, listdir: Path) -> None:
    text = (listdir / "entries.toml").read_text()
    text = text.replace("[list]", 'entries = [ { id = "arxiv:2305.01937", section = "evaluation" } ]\n\n[list]')
    (listdir / "entries.toml").write_text(text)
    before = state(listdir)
    one_sentence(run("add", "2306.05685", "-s", "evaluation"), 2, "[[entries]] table")
    one_sentence(run("remove", "2305.01937"), 2, "[[entries]] table")
    assert state(listdir) == before
    assert not (listdir / ".alignfetch" / "cache.sqlite").exists()


def test_output_files_that_cannot_be_written_or_read(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    before = state(listdir)
    one_sentence(run("export", "-o", "nodir/x.json"), 1, "could not be written")
    one_sentence(run("render", "-o", "nodir/R.md"), 1, "could not be written")
    (listdir / "bin.md").write_bytes(b"\xff\xfe\x00 not utf-8")
    before = state(listdir)
    one_sentence(run("render", "--check", "-o", "bin.md"), 2, "UTF-8")
    one_sentence(run("render", "-o", "bin.md"), 2, "UTF-8")
    assert state(listdir) == before


@pytest.mark.parametrize(
    ("env", "args", "code", "phrase"),
    [
        ({"ALIGNFETCH_LOCK_TIMEOUT": "x"}, ["add", "2305.01937", "-s", "evaluation"], 2, "ALIGNFETCH_LOCK_TIMEOUT"),
        ({"ALIGNFETCH_ARXIV_DELAY": "inf"}, ["add", "2305.01937", "-s", "evaluation"], 2, "ALIGNFETCH_ARXIV_DELAY"),
        ({"ALIGNFETCH_TIMEOUT": "0"}, ["add", "2305.01937", "-s", "evaluation"], 2, "more than 0"),
        ({"ALIGNFETCH_TIMEOUT": "nan"}, ["add", "2305.01937", "-s", "evaluation"], 2, "ALIGNFETCH_TIMEOUT"),
        ({"ALIGNFETCH_RETRIES": "-1"}, ["add", "2305.01937", "-s", "evaluation"], 2, "ALIGNFETCH_RETRIES"),
        ({}, ["refresh", "--stale-after", "999999999w"], 2, "shorter duration"),
        ({}, ["--db", "nope", "add", "2305.01937", "-s", "evaluation"], 1, "could not be opened"),
        ({}, ["--db", "postgresql://u@127.0.0.1:1/x", "list"], 1, "could not be opened"),
        ({}, ["--db", "nope", "db", "current"], 1, "could not be read"),
    ],
)
def test_bad_settings(fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch,
                      env: dict[str, str], args: list[str], code: int, phrase: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    before = state(listdir)
    one_sentence(run(*args), code, phrase)
    assert state(listdir) == before


@pytest.mark.parametrize("bad", ["２３０５.０１９３７", "hf:Anthrópic/hh-rlhf", "9901.01937", "hep-th/0712001"])
def test_ids_outside_what_the_services_issue_are_refused_before_a_request(
    fakes: Fakes, listdir: Path, bad: str
) -> None:
    add_sections(listdir)
    one_sentence(run("add", bad, "-s", "evaluation"), 2, "is not an ID")
    assert fakes.server.log == []


def test_retry_after_never_beats_the_arxiv_interval() -> None:
    server = FakeServer()
    try:
        FakeArxiv(server, [DATA / "arxiv" / "001.xml"])
        server.fail("/api/query", Response(503, "busy", {"Retry-After": "0"}), times=1)
        s = Settings(arxiv_url=f"{server.url}/api/query", arxiv_delay=0.6, backoff=0.0, retries=2)
        start = time.monotonic()
        arxiv_source.fetch(["1605.08386"], s, {})
        assert len(server.requests()) == 2
        assert time.monotonic() - start >= 0.55
    finally:
        server.close()


def test_pacing_holds_across_batches() -> None:
    server = FakeServer()
    try:
        FakeArxiv(server, [DATA / "arxiv" / "001.xml", DATA / "arxiv" / "002.xml"])
        s = Settings(arxiv_url=f"{server.url}/api/query", arxiv_delay=0.4, backoff=0.0, retries=0)
        start = time.monotonic()
        arxiv_source.fetch(["1605.08386"], s, {})
        arxiv_source.fetch(["2104.12255"], s, {})
        assert time.monotonic() - start >= 0.35
    finally:
        server.close()


def test_an_unchanged_dataset_keeps_its_cached_card(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "hf:Anthropic/hh-rlhf", "-s", "english").exit_code == 0
    assert run("refresh", "--all").exit_code == 0
    (row,) = Workspace(listdir / "entries.toml").cache.get(["hf:Anthropic/hh-rlhf"]).values()
    assert "This repository provides access" in (json.loads(row.raw)["card"] or "")
    assert fakes.hub_requests("/resolve/") == 1


def test_render_from_a_malformed_export(fakes: Fakes, listdir: Path) -> None:
    doc = json.loads((DATA / "render" / "reference_export.json").read_text())
    doc["entries"][0]["links"] = ["x"]
    (listdir / "bad.json").write_text(json.dumps(doc))
    one_sentence(run("render", "--from", "bad.json"), 2, "not well formed")
    (listdir / "worse.json").write_text("{")
    one_sentence(run("render", "--from", "worse.json"), 2, "not an alignfetch export")


def test_crlf_and_symlinked_entries_files_are_kept(fakes: Fakes, listdir: Path) -> None:
    real = listdir / "real"
    real.mkdir()
    crlf = (listdir / "entries.toml").read_text().replace("\n", "\r\n")
    (real / "entries.toml").write_bytes(crlf.encode())
    (listdir / "entries.toml").unlink()
    (listdir / "entries.toml").symlink_to(real / "entries.toml")
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert (listdir / "entries.toml").is_symlink()
    data = (real / "entries.toml").read_bytes()
    assert data.startswith(crlf.encode()) and b'\r\nid = "arxiv:2305.01937"\r\n' in data
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_reading_commands_create_no_cache(fakes: Fakes, listdir: Path) -> None:
    text = (listdir / "entries.toml").read_text() + '\n[[entries]]\nid = "2305.01937"\nsection = "evaluation"\n'
    (listdir / "entries.toml").write_text(text)
    one_sentence(run("list"), 1, "not in the cache yet")
    one_sentence(run("export", "--strict"), 1, "no cached record yet")
    one_sentence(run("export"), 0, "no cached record yet")
    assert run("db", "current").stdout == "empty\n"
    assert not (listdir / ".alignfetch").exists()


def test_a_refresh_and_an_add_at_once(fakes: Fakes, listdir: Path) -> None:
    template = fakes.arxiv.entry("2305.01937").decode()
    keys = [f"2302.{n:05d}" for n in range(1, 301)]
    for key in keys:
        fakes.arxiv.put(template.replace("2305.01937", key))
    doc = tomlkit.parse((listdir / "entries.toml").read_text())
    aot = tomlkit.aot()
    for key in keys:
        t = tomlkit.table()
        t.update({"id": f"arxiv:{key}", "section": "evaluation"})
        aot.append(t)
    doc["entries"] = aot
    (listdir / "entries.toml").write_text(tomlkit.dumps(doc))
    results: dict[str, subprocess.CompletedProcess[str]] = {}

    def cli(name: str, *args: str) -> None:
        results[name] = subprocess.run([sys.executable, "-m", "alignfetch", *args], cwd=listdir,
                                       capture_output=True, text=True, env=dict(os.environ), timeout=120)

    threads = [threading.Thread(target=cli, args=("refresh", "refresh", "--all")),
               threading.Thread(target=cli, args=("add", "add", "2306.05685", "-s", "safety")),
               threading.Thread(target=cli, args=("refresh2", "refresh", "--all"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {k: r.returncode for k, r in results.items()} == {"refresh": 0, "add": 0, "refresh2": 0}, results
    listed = run("list").stdout.splitlines()
    assert len(listed) == 301 and any(line.startswith("arxiv:2306.05685\tsafety") for line in listed)
    with sqlite3.connect(listdir / ".alignfetch" / "cache.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
