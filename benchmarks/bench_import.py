"""Benchmark `alignfetch import` on a synthetic awesome list of about 1,000 links.

    python benchmarks/bench_import.py [--entries 250] [--repeat 5]

The list mixes the shapes real lists use (the reference's paragraphs with
badges, `- [Title](url)` items with nested author and code lines, table rows
with several links), four links an entry. Prints the best and median wall time of
reading the README (Markdown parse and interpretation), of a whole import into
an empty folder (entries.toml written), and of a second import that adds
nothing; plus a CPU yardstick, since shared machines are slow. Asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alignfetch import Workspace
from alignfetch.readme.reading import read_list


def readme(entries: int) -> str:
    """About four links an entry, in three styles, under year sections."""
    out = ["# Awesome Benchmark [![Awesome](https://awesome.re/badge.svg)](https://awesome.re)", ""]
    for n in range(entries):
        if n % 50 == 0:
            out += ["", f"## Part {n // 50}", ""]
        key = f"23{n // 1000 % 12 + 1:02d}.{n:05d}"
        style = n % 3
        if style == 0:
            out += [
                "---",
                f"**A paper about topic {n}** \\",
                "*Ada Lovelace, Alan Turing* \\",
                f"Lab {n}, NeurIPS 2023. [[Paper](https://arxiv.org/abs/{key})] "
                f"[[Github](https://github.com/lab{n}/code{n})] "
                f"[[Blog](https://blog.example.org/{n})] \\",
                "3 May 2023",
                "",
            ]
        elif style == 1:
            out += [
                f"- [Paper {n}](https://arxiv.org/pdf/{key}v2.pdf)",
                "  - Grace Hopper, Edsger Dijkstra",
                f"  - Code: [Official](https://github.com/org{n}/repo{n}), "
                f"[Data](https://huggingface.co/datasets/org{n}/data{n})",
                f"  - Site: [home](https://site{n}.example.org/)",
                "",
            ]
        else:
            out += [
                "| Project | Data | Org | Paper |",
                "|---|---|---|---|",
                f"| [proj{n}](https://github.com/team{n}/proj{n}) "
                f"| [d{n}](https://huggingface.co/datasets/team{n}/d{n}) | Team {n} "
                f"| [paper](https://arxiv.org/abs/{key}) [site](https://t{n}.example.org) |",
                "",
            ]
    return "\n".join(out) + "\n"


def timed(fn: Callable[[], object], repeat: int) -> str:
    """Best and median of ``repeat`` runs: on a shared machine the best is the cost,
    the median what a user waits."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return f"{min(runs):.3f} s best, {statistics.median(runs):.3f} s median"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    text = readme(args.entries)
    links = len(re.findall(r"\]\(https?://", text))
    read_list(text)  # imports and compiles what a first call would

    def whole() -> None:
        with tempfile.TemporaryDirectory() as folder:
            Workspace(Path(folder) / "entries.toml").import_markdown(text)

    with tempfile.TemporaryDirectory() as folder:
        ws = Workspace(Path(folder) / "entries.toml")
        report = ws.import_markdown(text)
        again = timed(lambda: ws.import_markdown(text), args.repeat)
    start = time.perf_counter()
    sum(range(10**6))
    yardstick = time.perf_counter() - start
    rows = [
        ("README", f"{len(text.splitlines())} lines, {links} links, {args.entries} blocks"),
        ("imported", f"{len(report.entries)} entries, {len(report.skipped)} skipped links"),
        ("read the README (parse + interpret)", timed(lambda: read_list(text), args.repeat)),
        ("import into an empty folder", timed(whole, args.repeat)),
        ("import again (adds nothing)", again),
        ("yardstick: sum(range(10**6))", f"{yardstick * 1000:.0f} ms (15 ms or so when idle)"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
