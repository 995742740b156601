"""In-process figures for render and export: from loaded items to the text (issue 12).

    python benchmarks/bench_render.py FOLDER [--runs 5] [--memory]

FOLDER holds an entries.toml whose entries are all cached (bench_speed.py's
``cached`` builds one: ``python benchmarks/bench_render.py --build 10000 FOLDER``
builds it first against the local fakes). The items are loaded once, outside
the timings; then each figure is the median CPU time of ``--runs``: ``document`` (the
export document from the items), ``dumps`` (its JSON text), ``render`` (the
README text from the document, default template) and the sums ``export`` =
document + dumps and ``render (from items)`` = document + render, the part of
those commands that alignfetch spends after reading the cache. ``--memory``
adds tracemalloc's peak for each of the two (start-up and the loaded items not
included; Python's own allocations only, not the process's peak RSS, which also
counts what the heap cannot give back: measure that on the real command, e.g.
``/usr/bin/time -f %M alignfetch --offline render -o README.md``). Prints figures;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def build(folder: Path, size: int) -> None:
    """A list of ``size`` entries (90% papers, 5% datasets, 5% repositories), cached."""
    import os

    from bench_speed import cached

    from fakes.server import FakeServer

    server = FakeServer()
    os.environ.update(
        ALIGNFETCH_ARXIV_URL=f"{server.url}/api/query",
        ALIGNFETCH_ARXIV_DELAY="0",
        ALIGNFETCH_BACKOFF="0",
        HF_ENDPOINT=server.url,
        ALIGNFETCH_GITHUB_URL=server.url,
        GITHUB_TOKEN="benchmark-token",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    folder.mkdir(parents=True, exist_ok=True)
    other = size // 20
    try:
        cached(folder, server, size - 2 * other, other, other)
    finally:
        server.close()


def timed(fn: Callable[[], Any], runs: int) -> float:
    """The median CPU time of ``fn`` (steadier than wall time on a shared machine)."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def peak(fn: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", action="store_true")
    parser.add_argument("--build", type=int, metavar="SIZE", help="build a cached list first")
    args = parser.parse_args()
    if args.build:
        build(args.folder, args.build)

    from alignfetch import Workspace
    from alignfetch.list import export
    from alignfetch.render import page as render

    ws = Workspace(args.folder / "entries.toml")
    ef = ws.load()
    items = ws.store.items(ef.entries)
    doc = export.document(ef, items)
    rows = [
        ("document", timed(lambda: export.document(ef, items), args.runs)),
        ("dumps", timed(lambda: export.dumps(doc), args.runs)),
        ("render", timed(lambda: render.render(doc), args.runs)),
    ]
    rows.append(("export (document + dumps)", rows[0][1] + rows[1][1]))
    rows.append(("render (document + render)", rows[0][1] + rows[2][1]))
    print(f"{len(items):,} entries, median CPU time of {args.runs} runs")
    for label, seconds in rows:
        print(f"  {label:<28} {seconds * 1000:7.0f} ms")
    if args.memory:
        del doc
        whole_export = peak(lambda: export.dumps(export.document(ef, items)))
        whole_render = peak(lambda: render.render(export.document(ef, items)))
        print(f"  {'export peak (tracemalloc)':<28} {whole_export:7.1f} MB")
        print(f"  {'render peak (tracemalloc)':<28} {whole_render:7.1f} MB")


if __name__ == "__main__":
    main()
