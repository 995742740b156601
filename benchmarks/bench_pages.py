"""Hub requests a few at a time, and paper pages spread over the week (issue 12).

    python benchmarks/bench_pages.py [--latency 0.05] [--pages 200] [--papers 9000] [--nights 14]

Prints figures; asserts nothing about time. Against the local fakes, every
answer held back ``--latency`` seconds (a distant Hub):

1. ``--pages`` paper pages, fetched as ``add`` does (``Workspace.add`` of that
   many papers: one arXiv request, then the pages) and by the source alone
   (``hf_papers.fetch``): wall time and the most requests the fake served at once;
2. 100 datasets (info and card each) through the pipeline's ``batch``, as a
   refresh asks for them: wall time and requests in flight;
3. a list of ``--papers`` papers, fetched cold (night 0), then ``--nights``
   nightly ``refresh`` runs, the cache aged a day (``fetched_at``) before each:
   how many paper pages each night asks for (latency 0 here, for speed).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"

from bench import build  # noqa: E402

from fakes.arxiv import FakeArxiv  # noqa: E402
from fakes.hub import FakeHub  # noqa: E402
from fakes.server import FakeServer  # noqa: E402

DATA = ROOT / "tests" / "data"
PAGES = r"^/api/papers/"
STAMP = "%Y-%m-%d %H:%M:%S.%f"


def env(server: FakeServer) -> None:
    os.environ.update(
        ALIGNFETCH_ARXIV_URL=f"{server.url}/api/query",
        ALIGNFETCH_ARXIV_DELAY="0",
        ALIGNFETCH_BACKOFF="0",
        HF_ENDPOINT=server.url,
        ALIGNFETCH_GITHUB_URL=server.url,
        GITHUB_TOKEN="benchmark-token",
    )


def with_pages(server: FakeServer, keys: list[str]) -> None:
    """arXiv entries and Hub pages for ``keys`` (copies of recorded ones)."""
    arxiv = FakeArxiv(server, [DATA / "reference" / "arxiv" / "2305.01937.xml"])
    hub = FakeHub(server, [DATA / "reference" / "hf"])
    template = arxiv.entry("2305.01937").decode()
    page = json.loads((DATA / "reference" / "hf" / "paper_2305.16960.json").read_text())
    for key in keys:
        arxiv.put(template.replace("2305.01937", key))
        hub.papers[key] = dict(page, id=key)


def in_flight(server: FakeServer) -> int:
    return server.max_in_flight.get("", 0)


def fetch_pages(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    from alignfetch import Workspace
    from alignfetch.config import Settings
    from alignfetch.sources import hf_papers

    keys = [f"2402.{n:05d}" for n in range(1, args.pages + 1)]
    server = FakeServer()
    with_pages(server, keys)
    env(server)
    server.latency = args.latency
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "entries.toml").write_text(
            '[list]\ntitle = "Bench"\n\n[[sections]]\nslug = "papers"\ntitle = "Papers"\n',
            encoding="utf-8",
        )
        ws = Workspace(folder / "entries.toml")
        start = time.perf_counter()
        ws.add([f"arxiv:{k}" for k in keys], section="papers")
        took = time.perf_counter() - start
        arxiv_at = [r.at for r in server.requests(r"^/api/query$")]
        pages_at = [r.at for r in server.requests(PAGES)]
        rows.append((f"add of {args.pages} papers, latency {args.latency:g} s", f"{took:.2f} s"))
        rows.append(("  arXiv requests", str(len(arxiv_at))))
        rows.append(("  page requests", str(len(pages_at))))
        rows.append(("  pages in flight at most", str(in_flight(server))))
        with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
            stored = db.execute("SELECT count(*) FROM records WHERE id LIKE 'hfpaper:%'")
            rows.append(("  pages stored", str(stored.fetchone()[0])))
    server.log.clear()
    server.max_in_flight.clear()
    settings = Settings.from_env()
    start = time.perf_counter()
    got = hf_papers.fetch(keys, settings, {})
    took = time.perf_counter() - start
    rows.append((f"hf_papers.fetch of {args.pages} pages", f"{took:.2f} s"))
    rows.append(("  pages in flight at most", str(in_flight(server))))
    rows.append(("  pages fetched", str(sum(1 for v in got.values() if hasattr(v, "record")))))
    server.close()


def fetch_datasets(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    from alignfetch.config import Settings
    from alignfetch.fetch.pipeline import batch
    from alignfetch.sources import SOURCES

    server = FakeServer()
    hub = FakeHub(server, [DATA / "reference" / "hf"])
    info = json.loads(
        (DATA / "reference" / "hf" / "api_datasets_Anthropic_hh-rlhf.json").read_text()
    )
    card = DATA / "reference" / "hf" / "card_Anthropic_hh-rlhf_README.md"
    names = [f"bench/dataset-{n}" for n in range(100)]
    for name in names:
        hub.datasets[name.lower()] = dict(info, id=name, author="bench")
        hub.card(name, card)
    env(server)
    server.latency = args.latency
    start = time.perf_counter()
    got = batch(SOURCES["hf"], "hf", names, Settings.from_env(), lambda rids: {})
    took = time.perf_counter() - start
    rows.append(("100 datasets (info + card) through batch", f"{took:.2f} s"))
    rows.append(("  Hub requests", str(len(server.requests()))))
    rows.append(("  in flight at most", str(in_flight(server))))
    rows.append(("  fetched", str(sum(1 for v in got.values() if hasattr(v, "record")))))
    server.close()


def age(cache: Path, days: float) -> None:
    """Every row of the cache fetched ``days`` earlier than it was."""
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT id, fetched_at FROM records").fetchall()
        db.executemany(
            "UPDATE records SET fetched_at = ? WHERE id = ?",
            [
                ((datetime.strptime(at, STAMP) - timedelta(days=days)).strftime(STAMP), rid)
                for rid, at in rows
            ],
        )


def nights(args: argparse.Namespace, rows: list[tuple[str, str]]) -> None:
    from alignfetch import Workspace

    server = FakeServer()
    env(server)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build(folder, server, args.papers, 0, 0)
        ws = Workspace(folder / "entries.toml")
        counts = []
        for night in range(args.nights + 1):
            if night:
                age(folder / ".alignfetch" / "cache.sqlite", 1)
            server.log.clear()
            report = ws.refresh()
            assert not report.failures, report.failures
            counts.append(len(server.requests(PAGES)))
        rows.append((f"pages asked per night, {args.papers} papers (night 0 cold)", ""))
        for night, n in enumerate(counts):
            rows.append((f"  night {night}", str(n)))
        rows.append(("  most on one night after night 0", str(max(counts[1:], default=0))))
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--papers", type=int, default=9000)
    parser.add_argument("--nights", type=int, default=14)
    parser.add_argument("--skip-nights", action="store_true", help="only the wall times")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    fetch_pages(args, rows)
    fetch_datasets(args, rows)
    if not args.skip_nights:
        nights(args, rows)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
