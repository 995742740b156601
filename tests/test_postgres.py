"""What a shared (PostgreSQL) cache adds: many lists, one cache, one arXiv pace.

These run only against a real server (ALIGNFETCH_TEST_PG; see conftest and the
README's Development notes); without one they are skipped, except in CI, where
that is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from alignfetch.cache import db
from conftest import ENTRIES, Fakes, rows, run

KEYS = [f"2302.{n:05d}" for n in range(1, 151)]


def make_list(folder: Path, keys: list[str]) -> Path:
    folder.mkdir()
    body = "".join(f'\n[[entries]]\nid = "arxiv:{k}"\nsection = "evaluation"\n' for k in keys)
    path = folder / "entries.toml"
    path.write_text(ENTRIES + body, encoding="utf-8")
    return path


def serve_papers(fakes: Fakes, keys: list[str]) -> None:
    template = fakes.arxiv.entry("2305.01937").decode()
    for key in keys:
        fakes.arxiv.put(template.replace("2305.01937", key))


def arxiv_times(fakes: Fakes) -> list[float]:
    """When each arXiv request arrived (filled as they come)."""
    times: list[float] = []
    for i, (method, pattern, handler) in enumerate(fakes.server.routes):
        if pattern.pattern == "/api/query":

            def timed(req, m, handler=handler):  # type: ignore[no-untyped-def]
                times.append(time.monotonic())
                return handler(req, m)

            fakes.server.routes[i] = (method, pattern, timed)
    return times


def asked(fakes: Fakes) -> Counter[str]:
    """How many times arXiv was asked for each ID."""
    return Counter(
        k for r in fakes.server.requests(r"^/api/query$") for k in r.arg("id_list").split(",")
    )


def cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "alignfetch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def test_a_record_fetched_for_one_list_is_reused_by_another(
    fakes: Fakes, tmp_path: Path, pg_url: str
) -> None:
    a = make_list(tmp_path / "a", ["2305.01937", "2306.05685"])
    b = make_list(tmp_path / "b", ["2305.01937"])
    assert run("--db", pg_url, "--entries", str(a), "refresh").exit_code == 0
    assert fakes.arxiv_requests() == 1
    result = run("--db", pg_url, "--entries", str(b), "refresh")
    assert (result.exit_code, result.stdout) == (
        0,
        "Checked 0 entries (1 fresh enough, skipped): nothing changed.\n",
    )
    assert fakes.arxiv_requests() == 1  # within --stale-after: upstream is not asked again
    listed = run("--db", pg_url, "--entries", str(b), "list")
    assert listed.stdout.startswith("arxiv:2305.01937\tevaluation\t2023-05-03\tCan Large")
    # Past --stale-after, it is fetched again.
    assert run("--db", pg_url, "--entries", str(b), "refresh", "--all").exit_code == 0
    assert fakes.arxiv_requests() == 2
    assert asked(fakes) == {"2305.01937": 2, "2306.05685": 1}


def test_writers_of_one_list_take_an_advisory_lock(
    fakes: Fakes, listdir: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALIGNFETCH_LOCK_TIMEOUT", "1")
    entries = listdir / "entries.toml"
    before = entries.read_bytes()
    holder = create_engine(pg_url, poolclass=NullPool).connect()
    key = db.lock_key(f"alignfetch:list:{entries.resolve()}")
    holder.execute(text("SELECT pg_advisory_lock(CAST(:k AS bigint))"), {"k": key})
    holder.commit()
    try:
        result = run("--db", pg_url, "add", "2305.01937", "-s", "evaluation")
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == (
            f"alignfetch: Another alignfetch process has held the lock on {entries.resolve()} "
            f"in the cache at {pg_url} for 1 seconds; wait for it to finish and try again.\n"
        )
        assert fakes.arxiv_requests() == 0
        assert entries.read_bytes() == before
        assert not (listdir / ".alignfetch").exists()  # no file lock: the database's
        assert [r[0] for r in rows(pg_url)] == []
        # Another list's lock is another lock.
        other = make_list(listdir / "other", [])
        assert (
            run(
                "--db", pg_url, "--entries", str(other), "add", "2305.01937", "-s", "evaluation"
            ).exit_code
            == 0
        )
    finally:
        holder.close()
    assert run("--db", pg_url, "add", "2306.05685", "-s", "evaluation").exit_code == 0
    assert entries.read_bytes() != before


def test_two_lists_refresh_at_once(
    fakes: Fakes, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_papers(fakes, KEYS)
    # Whichever goes first sends one arXiv request (a POST of up to 2,000 IDs), the other
    # one, for the 30 papers that only it lists.
    a = make_list(tmp_path / "a", KEYS[:120])
    b = make_list(tmp_path / "b", KEYS[30:])  # shares 90 papers with a
    times = arxiv_times(fakes)
    delay = 0.5
    monkeypatch.setenv("ALIGNFETCH_ARXIV_DELAY", str(delay))
    assert run("--db", pg_url, "db", "upgrade").exit_code == 0
    procs = [cli("--db", pg_url, "--entries", str(path), "-q", "refresh") for path in (a, b)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    # Each paper asked for once, whichever list asked; its Hub page too.
    assert asked(fakes) == Counter(KEYS)
    pages = Counter(r.path for r in fakes.server.requests(r"^/api/papers/"))
    assert pages == Counter(f"/api/papers/{k}" for k in KEYS)
    # Nothing lost: both lists have every record.
    for path, keys in ((a, KEYS[:120]), (b, KEYS[30:])):
        listed = run("--db", pg_url, "--entries", str(path), "list")
        assert listed.exit_code == 0, listed.stderr
        assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == [
            f"arxiv:{k}" for k in keys
        ]
    # Together, at most one arXiv request per ALIGNFETCH_ARXIV_DELAY.
    assert len(times) == 2
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= delay, gaps


def test_adds_on_two_lists_at_once_keep_one_arxiv_pace(
    fakes: Fakes, tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = make_list(tmp_path / "a", [])
    b = make_list(tmp_path / "b", [])
    times = arxiv_times(fakes)
    delay = 1.0
    monkeypatch.setenv("ALIGNFETCH_ARXIV_DELAY", str(delay))
    assert run("--db", pg_url, "db", "upgrade").exit_code == 0
    procs = [
        cli("--db", pg_url, "--entries", str(a), "-q", "add", "2305.01937", "-s", "evaluation"),
        cli("--db", pg_url, "--entries", str(b), "-q", "add", "2306.05685", "-s", "evaluation"),
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert asked(fakes) == {"2305.01937": 1, "2306.05685": 1}
    assert len(times) == 2 and times[1] - times[0] >= delay, times
    # The shared pace is one row of the cache, not a record any list can see.
    # Each paced service keeps its own shared pace (OpenAlex's, 0.1 s, beside arXiv's).
    assert [r[0] for r in rows(pg_url)] == [
        "arxiv:2305.01937",
        "arxiv:2306.05685",
        "hfpaper:2305.01937",
        "hfpaper:2306.05685",
        "openalex:2305.01937",
        "openalex:2306.05685",
        "pace:arxiv",
        "pace:openalex",
        "s2:2305.01937",
        "s2:2306.05685",
    ]
