"""Benchmark alignfetch on a synthetic list of 10,000 entries served by the local fakes.

    python benchmarks/bench.py [--papers 9000 --datasets 500 --repos 500]

Prints figures; asserts nothing about time. Reports arXiv requests and wall
time of a full refresh (delay 0), of a second full refresh (conditional
requests), export and render time from the warm cache, peak memory, and the
start-up time of ``alignfetch --help``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from fakes.arxiv import FakeArxiv  # noqa: E402
from fakes.github import FakeGitHub  # noqa: E402
from fakes.hub import FakeHub  # noqa: E402
from fakes.openalex import FakeOpenAlex  # noqa: E402
from fakes.s2 import FakeS2  # noqa: E402
from fakes.server import FakeServer  # noqa: E402

DATA = ROOT / "tests" / "data"


def build(folder: Path, server: FakeServer, papers: int, datasets: int, repos: int) -> None:
    arxiv = FakeArxiv(server, [DATA / "reference" / "arxiv" / "2305.01937.xml"])
    hub = FakeHub(server, [DATA / "reference" / "hf"])
    github = FakeGitHub(server, DATA / "github", DATA / "reference" / "github")
    # The scholarly graph answers as for papers it does not know (null, no work): a night
    # asks it all the same (set ALIGNFETCH_S2_URL and ALIGNFETCH_OPENALEX_URL to the server).
    FakeS2(server, {})
    FakeOpenAlex(server)
    template = arxiv.entry("2305.01937").decode()
    paper_keys = [f"2401.{n:05d}" for n in range(1, papers + 1)]
    for key in paper_keys:
        arxiv.put(template.replace("2305.01937", key))
    info = json.loads((DATA / "reference" / "hf" / "api_datasets_Anthropic_hh-rlhf.json").read_text())
    card = DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md"
    for n in range(datasets):
        name = f"bench/dataset-{n}"
        body = dict(info, id=name, author="bench",
                    tags=[t for t in info["tags"] if not t.startswith("arxiv:")]
                    + [f"arxiv:{paper_keys[n % len(paper_keys)]}"])
        hub.datasets[name.lower()] = body
        hub.card(name, card)
    repo = json.loads((DATA / "reference" / "github" / "repos_CarperAI_trlx.body.json").read_text())
    for n in range(repos):
        github.put(dict(repo, id=900000 + n, name=f"repo-{n}", full_name=f"bench/repo-{n}",
                        html_url=f"https://github.com/bench/repo-{n}"))
    lines = ['[list]\ntitle = "Bench"\n', '[[sections]]\nslug = "papers"\ntitle = "Papers"\n',
             '[[sections]]\nslug = "datasets"\ntitle = "Datasets"\n',
             '[[sections]]\nslug = "codes"\ntitle = "Codes"\n']
    lines += [f'[[entries]]\nid = "arxiv:{k}"\nsection = "papers"\n' for k in paper_keys]
    lines += [f'[[entries]]\nid = "hf:bench/dataset-{n}"\nsection = "datasets"\n' for n in range(datasets)]
    lines += [f'[[entries]]\nid = "gh:bench/repo-{n}"\nsection = "codes"\n' for n in range(repos)]
    (folder / "entries.toml").write_text("\n".join(lines), encoding="utf-8")


def timed(label: str, fn, rows: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    rows.append((label, f"{time.perf_counter() - start:.2f} s"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=9000)
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--repos", type=int, default=500)
    parser.add_argument("--db", default=None, help="the cache's URL (default: SQLite beside the list)")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    server = FakeServer()
    os.environ.update(
        ALIGNFETCH_ARXIV_URL=f"{server.url}/api/query", ALIGNFETCH_ARXIV_DELAY="0",
        ALIGNFETCH_BACKOFF="0", HF_ENDPOINT=server.url, ALIGNFETCH_GITHUB_URL=server.url,
        ALIGNFETCH_S2_URL=server.url, ALIGNFETCH_S2_DELAY="0",
        ALIGNFETCH_OPENALEX_URL=server.url,
        # The fake, like GitHub, allows 60 requests an hour without a token, 5,000 with one.
        GITHUB_TOKEN="benchmark-token",
    )
    from alignfetch import Workspace
    from alignfetch.list.export import dumps

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder, server, args.papers, args.datasets, args.repos)
        total = args.papers + args.datasets + args.repos
        rows.append(("entries", f"{total:,}"))
        ws = Workspace(folder / "entries.toml", db=args.db)

        def count(pattern: str) -> int:
            return len(server.requests(pattern))

        report = timed("full refresh, cold cache (delay 0)", lambda: ws.refresh(everything=True), rows)
        rows.append(("  arXiv requests", str(count(r"^/api/query$"))))
        rows.append(("  Hub requests (datasets, cards, paper pages)",
                     str(count(r"^/(api/datasets|datasets|api/papers)/"))))
        rows.append(("  GitHub requests", str(count(r"^/repos/"))))
        rows.append(("  failures", str(len(report.failures))))
        server.log.clear()
        timed("full refresh again, warm cache", lambda: ws.refresh(everything=True), rows)
        rows.append(("  arXiv requests", str(count(r"^/api/query$"))))
        rows.append(("  GitHub requests (all 304)", str(count(r"^/repos/"))))
        rows.append(("  Hub requests (pages are weekly, cards only on a new commit)",
                     str(count(r"^/(api/datasets|datasets|api/papers)/"))))
        doc = timed("export from warm cache", lambda: ws.export(), rows)
        text = timed("  serialize JSON", lambda: dumps(doc), rows)
        rows.append(("  export size", f"{len(text.encode()) / 1e6:.1f} MB"))
        try:
            from alignfetch.render.page import render
        except ImportError:
            rows.append(("render", "not available"))
        else:
            page = timed("render from the export", lambda: render(doc), rows)
            rows.append(("  README size", f"{len(page.encode()) / 1e6:.1f} MB"))
    server.close()
    rows.append(("peak memory (max RSS, this process)",
                 f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"))
    runs = []
    for _ in range(7):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "alignfetch", "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    rows.append(("alignfetch --help (median of 7)", f"{statistics.median(runs) * 1000:.0f} ms"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
