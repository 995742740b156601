"""Issues 12 and 23's figures: each command's wall time as a ratio to ``python -c "import click"``.

    python benchmarks/bench_speed.py [--sizes 1000,10000,20000] [--runs 5]

Prints figures; asserts nothing about time. Every figure is the median of
``--runs`` runs of the real command in a fresh process (start-up included),
next to the median of ``python -c "import click"`` measured in the same run,
with alignfetch's bytecode compiled first (as an installed package has it).
A small list (12 entries) gives ``--help``, ``list``, ``show ID`` and
``sections`` (goal: at most 2x import click); each size in ``--sizes`` (a
synthetic list built by ``bench.py``, 90% papers, 5% datasets, 5% repositories,
cached by one cold refresh against the local fakes) gives ``render``,
``export`` and ``list`` twice: in full (no kept text: the first run after any
change) and kept (nothing changed since the last run: the text kept in
``.alignfetch/memo``; goals at 10,000: 0.4 s, 0.4 s, 0.25 s; at 1,000: 3x, 3x,
2x), a warm ``refresh --all`` at delay 0 (2 s), the peak memory of ``render`` (150 MB) and the
cache's bytes per entry (4 KB), and the time ``add`` of 1,000 new IDs spends
checking them against the list (in-process; it should grow linearly).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import build  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"

from fakes.server import FakeServer  # noqa: E402

GOALS = {
    "--help": "2x",
    "list": "2x",
    "show ID": "2x",
    "sections": "2x",
    "render (full)": "1 s at 10k",
    "export (full)": "1 s at 10k",
    "list (all, full)": "0.5 s at 10k",
    "render (kept)": "0.4 s at 10k, 3x at 1k",
    "export (kept)": "0.4 s at 10k, 3x at 1k",
    "list (all, kept)": "0.25 s at 10k, 2x at 1k",
    "refresh --all (warm)": "2 s at 10k",
    "render peak memory": "150 MB at 10k",
    "cache bytes per entry": "4 KB",
    "add: duplicate check": "linear (1,000 IDs)",
    "arXiv requests (cold refresh)": "5 at 10k (2,000 a POST)",
}


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run one process; its wall time in seconds and its peak memory in MB (which, on
    Linux, counts this process's own memory too: see :func:`peak`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024


_PEAK = (
    "import resource, subprocess, sys; "
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def peak(argv: list[str], env: dict[str, str]) -> float:
    """The command's peak memory in MB, taken through a small parent process.

    On Linux a child started by this (large) process counts this process's memory
    in its own peak, so the command runs under a small Python that reports it.
    """
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, *argv], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.split()[-1]) / 1024


def median(
    argv: list[str], env: dict[str, str], runs: int, before: Callable[[], None] = lambda: None
) -> tuple[float, float]:
    results = []
    for _ in range(runs):
        before()
        results.append(run(argv, env))
    return statistics.median(t for t, _ in results), max(m for _, m in results)


def cli(folder: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "alignfetch", "--entries", str(folder / "entries.toml"), *args]


def cached(folder: Path, server: FakeServer, papers: int, datasets: int, repos: int) -> None:
    """A list of that size, with every entry in its cache."""
    build(folder, server, papers, datasets, repos)
    from alignfetch import Workspace

    report = Workspace(folder / "entries.toml").refresh(everything=True)
    if report.failures:
        raise SystemExit(
            f"building the cache failed: {list(report.failures)[:3]} {report.text()[:800]}"
        )


def duplicate_check(folder: Path, new: int = 1000) -> float:
    """Milliseconds ``add`` of ``new`` IDs spends checking them against the list
    (given twice, in-process: the check before the lock and the one under it)."""
    from alignfetch.list import entries, ids
    from alignfetch.workspace.edits import check_new

    ef = entries.load(folder / "entries.toml")
    texts = [f"2501.{n:05d}" for n in range(1, new + 1)]
    refs = [ids.parse(t) for t in texts]
    times = []
    for _ in range(5):
        start = time.perf_counter()
        check_new(ef, texts, refs, "papers")
        check_new(ef, texts, refs, "papers")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,20000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    env: dict[str, str] = {}

    def serve() -> FakeServer:
        """A fresh set of fakes (one list each), which the processes below talk to."""
        server = FakeServer()
        env.update(
            os.environ,
            ALIGNFETCH_ARXIV_URL=f"{server.url}/api/query",
            ALIGNFETCH_ARXIV_DELAY="0",
            ALIGNFETCH_BACKOFF="0",
            HF_ENDPOINT=server.url,
            ALIGNFETCH_GITHUB_URL=server.url,
            ALIGNFETCH_S2_URL=server.url,
            ALIGNFETCH_S2_DELAY="0",
            ALIGNFETCH_OPENALEX_URL=server.url,
            GITHUB_TOKEN="benchmark-token",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
            HF_HUB_DISABLE_TELEMETRY="1",
        )
        os.environ.update(env)
        return server

    server = serve()
    # An installed alignfetch has its bytecode compiled; a figure that compiled every
    # module on each run would measure the compiler, not the command.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(SRC)], env=env, check=True)
    click_s, _ = median([sys.executable, "-c", "import click"], env, args.runs)
    rows: list[tuple[str, str, str, str]] = [
        ("python -c 'import click'", "", f"{click_s * 1000:.0f} ms", "1.0x")
    ]

    def timing(
        label: str, size: str, argv: list[str], before: Callable[[], None] = lambda: None
    ) -> float:
        seconds, _ = median(argv, env, args.runs, before)
        rows.append((label, size, f"{seconds * 1000:.0f} ms", f"{seconds / click_s:.1f}x"))
        return seconds

    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small"
        small.mkdir()
        cached(small, server, 10, 1, 1)
        timing("--help", "12", [sys.executable, "-m", "alignfetch", "--help"])
        timing("list", "12", cli(small, "list"))
        timing("show ID", "12", cli(small, "show", "arxiv:2401.00001"))
        timing("sections", "12", cli(small, "sections"))
        for size in sizes:
            folder = Path(tmp) / str(size)
            folder.mkdir()
            server.close()
            server = serve()
            datasets = repos = size // 20
            start = time.perf_counter()
            cached(folder, server, size - datasets - repos, datasets, repos)
            print(
                f"(cache of {size:,} entries built in {time.perf_counter() - start:.0f} s)",
                file=sys.stderr,
            )
            label = f"{size:,}"
            # A count, not a time: at arXiv's real pace each request is 3 s of waiting.
            asked = len(server.requests(r"^/api/query$"))
            rows.append(("arXiv requests (cold refresh)", label, str(asked), ""))
            commands = {
                ("render (full)", "render (kept)"): cli(
                    folder, "--offline", "render", "-o", str(folder / "README.md")
                ),
                ("export (full)", "export (kept)"): cli(
                    folder, "--offline", "export", "-o", str(folder / "out.json")
                ),
                ("list (all, full)", "list (all, kept)"): cli(folder, "--offline", "list"),
            }
            memo = folder / ".alignfetch" / "memo"
            for (full, _), argv in commands.items():
                # In full: the first run after a change, nothing kept (the memo removed).
                timing(full, label, argv, partial(shutil.rmtree, memo, ignore_errors=True))
            for (_, kept), argv in commands.items():
                # Kept: the memo holds the last full run's text, and nothing changed since.
                timing(kept, label, argv)
            timing("refresh --all (warm)", label, cli(folder, "-q", "refresh", "--all"))
            shutil.rmtree(memo, ignore_errors=True)  # the peak of a full render, not a kept one
            mb = peak(cli(folder, "--offline", "render", "-o", str(folder / "README.md")), env)
            rows.append(("render peak memory", label, f"{mb:.0f} MB", ""))
            cache = folder / ".alignfetch" / "cache.sqlite"
            rows.append(
                ("cache bytes per entry", label, f"{cache.stat().st_size / size / 1024:.1f} KB", "")
            )
            rows.append(("add: duplicate check", label, f"{duplicate_check(folder):.0f} ms", ""))
    server.close()
    print(f"medians of {args.runs} runs; ratio = time / import click")
    print(f"{'figure':<26} {'entries':>8} {'value':>10} {'ratio':>7}  goal")
    for label, size, value, ratio in rows:
        print(f"{label:<26} {size:>8} {value:>10} {ratio:>7}  {GOALS.get(label, '')}")


if __name__ == "__main__":
    main()
