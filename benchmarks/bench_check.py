"""Benchmark `alignfetch check` of a synthetic 500-entry README from a warm cache.

    python benchmarks/bench_check.py [--entries 500] [--repeat 5]

The README mixes the reference's shapes: paragraph entries for papers (title,
authors, venue line, date), datasets with a paper link, and repositories with a
tagline and stars/last-commit badges, under a table of contents. Every record is
put in a fresh SQLite cache first (as a previous `check` or `refresh` would have),
so the run is what CI pays on a warm cache: read the file, look up the records,
apply every rule, write the findings. A few entries are planted wrong (a date, a
year, a badge) so that findings are written too. Prints best and median wall
time of `Workspace.check` and of the whole CLI in-process; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from alignfetch import Workspace
from alignfetch.cli import cli
from alignfetch.records import Author, Dataset, Paper, Record, Repo
from alignfetch.sources import Fetched


def corpus(entries: int) -> tuple[str, list[Record]]:
    out = ["# Awesome Benchmark", "", "- [Papers](#papers)", "- [Data](#data)", "- [Code](#code)"]
    records: list[Record] = []
    parts = {"papers": [], "data": [], "code": []}  # type: dict[str, list[str]]
    for n in range(entries):
        key = f"23{n // 1000 % 12 + 1:02d}.{n:05d}"
        title = f"A study of topic {n} in aligned language models"
        records.append(
            Paper(
                f"arxiv:{key}",
                1,
                title,
                "Abstract.",
                (Author("Ada Lovelace"), Author("Alan Turing")),
                "2023-05-03T00:00:00Z",
                "2023-05-03T00:00:00Z",
                "cs.CL",
                ("cs.CL",),
                None,
                None,
                None,
                f"https://arxiv.org/abs/{key}",
                f"https://arxiv.org/pdf/{key}",
            )
        )
        kind = n % 3
        day = "4 May 2023" if n % 50 == 7 else "3 May 2023"  # planted: a wrong date
        if kind == 0:
            parts["papers"] += [
                "---",
                f"**{title}** \\",
                "*Ada Lovelace, Alan Turing* \\",
                f"Lab {n}, arXiv 2023. [[Paper](https://arxiv.org/abs/{key})] \\",
                day,
                "",
            ]
        elif kind == 1:
            name = f"org{n}/data{n}"
            records.append(
                Dataset(
                    f"hf:{name}",
                    name,
                    f"https://huggingface.co/datasets/{name}",
                    f"org{n}",
                    None,
                    "2023-06-01",
                    "2023-05-10",
                    ("mit",),
                    ("en",),
                    (),
                    (),
                    1,
                    1,
                    None,
                    False,
                    False,
                    (f"arxiv:{key}",),
                )
            )
            year = "arXiv 2022" if n % 50 == 1 else "arXiv 2023"  # planted: a wrong year
            parts["data"] += [
                "---",
                f"**[`{name}`](https://huggingface.co/datasets/{name})**\\",
                "*Ada Lovelace, Alan Turing*\\",
                f"Org {n}, {year}. [[Paper](https://arxiv.org/abs/{key})] \\",
                "3 May 2023",
                "",
            ]
        else:
            full = f"team{n}/proj{n}"
            records.append(
                Repo(
                    f"gh:{full}",
                    f"proj{n}",
                    f"https://github.com/{full}",
                    full,
                    None,
                    f"Project {n}: fast RLHF training.",
                    10,
                    "2026-01-01T00:00:00Z",
                    "MIT",
                    False,
                    None,
                )
            )
            badge = f"team{n + 1}/proj{n + 1}" if n % 50 == 2 else full  # planted: a badge
            parts["code"] += [
                "---",
                f"**[`proj{n}: fast RLHF training`](https://github.com/{full})**\\",
                f"*Project {n}: fast RLHF training.*\\",
                f"![GitHub last commit](https://img.shields.io/github/last-commit/{badge}) "
                f"![GitHub stars](https://img.shields.io/github/stars/{badge})",
                "",
            ]
    for name, lines in parts.items():
        out += ["", f"## {name.title()}", "", *lines]
    return "\n".join(out) + "\n", records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text, records = corpus(args.entries)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "README.md").write_text(text, encoding="utf-8")
        ws = Workspace(folder / "entries.toml", offline=True)
        ws.cache.put(Fetched(r, "{}", r.id) for r in records)
        api, whole = [], []
        result = None
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = Workspace(folder / "entries.toml", offline=True).check([("README.md", text)])
            api.append(time.perf_counter() - start)
            start = time.perf_counter()
            out = CliRunner().invoke(
                cli,
                [
                    "--entries",
                    str(folder / "entries.toml"),
                    "--offline",
                    "check",
                    "--format",
                    "json",
                    str(folder / "README.md"),
                ],
            )
            whole.append(time.perf_counter() - start)
            assert out.exit_code in (0, 1), out.output
        assert result is not None
        print(
            f"entries in the README: {result.entries}; findings: {len(result.findings)} "
            f"({result.errors} errors, {result.warnings} warnings); unresolved: "
            f"{len(result.unresolved)}"
        )
        print(
            f"Workspace.check, warm cache: best {min(api):.3f} s, "
            f"median {statistics.median(api):.3f} s"
        )
        print(
            f"alignfetch --offline check --format json: best {min(whole):.3f} s, "
            f"median {statistics.median(whole):.3f} s"
        )


if __name__ == "__main__":
    main()
