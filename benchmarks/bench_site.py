"""Issue 22's figures: the site of a 10,000-entry list in headless Chromium.

    python benchmarks/bench_site.py [--entries 10000] [--runs 5]

Builds a synthetic export document (90% papers with a real-length abstract and ten
authors, 5% datasets, 5% repositories, in three sections of three sub-sections), writes
its site with `alignfetch.site.build` (timed), opens it from file:// in Debian's Chromium
through Playwright (tests/site_browser.py) and prints, each the median of ``--runs``:

- load: navigation start to the end of the load event (HTML parsed, the script's first
  pass over every entry done), and to the first frame painted after it;
- a keystroke: from the input event to the next frame painted, for a first letter
  (most entries still match), a text only one entry has (every other one hidden), and
  clearing the field
  (every entry shown again); the handler's own time beside it.

Goals (issue 22): load under 2 s, a keystroke under 100 ms. Each figure is also given as a
ratio to ``python -c "import click"`` measured in the same run, as the other benchmarks
do. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from site_browser import launch, missing  # noqa: E402

from alignfetch.site import build  # noqa: E402

TEXT = (
    "alignment preference reward model human feedback safety evaluation benchmark "
    "language policy optimization instruction tuning harmless helpful honest judge "
    "red teaming jailbreak robustness interpretability oversight scalable debate "
    "constitutional critique distillation calibration uncertainty"
)
WORDS = TEXT.split()
NAMES = (
    "Ada Lovelace",
    "Alan Turing",
    "Grace Hopper",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "John McCarthy",
    "Leslie Lamport",
    "Radia Perlman",
    "Ken Thompson",
    "Margaret Hamilton",
    "Tony Hoare",
    "Shafi Goldwasser",
)
VENUES = ("NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "NAACL", "AAAI", None, None, None)


def words(n: int, seed: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 13) % len(WORDS)] for i in range(n))


def document(entries: int) -> dict[str, Any]:
    """An export document of ``entries`` entries (schema version 1), made up."""
    sections: list[dict[str, Any]] = []
    for top in ("papers", "datasets", "code"):
        sections.append({"slug": top, "title": top.capitalize(), "parent": None})
        sections.extend(
            {"slug": f"{top}-{i}", "title": f"{top.capitalize()} {i}", "parent": top}
            for i in range(3)
        )
    out: list[dict[str, Any]] = []
    for n in range(entries):
        year = 2018 + n % 8
        day = f"{year}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
        base = {"overrides": {}, "links": {}, "date": None, "affiliation": None}
        if n % 20 < 18:
            key = f"{year % 100:02d}{n % 12 + 1:02d}.{n:05d}"
            venue = VENUES[n % len(VENUES)]
            out.append(
                {
                    **base,
                    "id": f"arxiv:{key}",
                    "kind": "paper",
                    "section": f"papers-{n % 3}",
                    "sections": [f"papers-{n % 3}"],
                    "title": f"On {words(6, n)} ({n})",
                    "abstract": (words(160, n) + ". ") * 1,
                    "authors": [NAMES[(n + i) % len(NAMES)] for i in range(10)],
                    "affiliations": [[] for _ in range(10)],
                    "published": day,
                    "journal_ref": None,
                    "doi": None,
                    "url": f"https://arxiv.org/abs/{key}",
                    "pdf_url": f"https://arxiv.org/pdf/{key}",
                    "hf_paper": None,
                    "code_url": None,
                    "description": None,
                    "venue": f"{venue} {year}" if venue else None,
                }
            )
        elif n % 20 == 18:
            name = f"org{n}/data{n}"
            out.append(
                {
                    **base,
                    "id": f"hf:{name}",
                    "kind": "dataset",
                    "section": f"datasets-{n % 3}",
                    "sections": [f"datasets-{n % 3}"],
                    "title": name,
                    "url": f"https://huggingface.co/datasets/{name}",
                    "created": f"{day}T00:00:00Z",
                    "license": ["mit"],
                    "languages": ["en"],
                    "papers": [],
                    "summary": words(60, n),
                    "description": f"A dataset of {words(8, n)}.",
                    "venue": None,
                }
            )
        else:
            name = f"owner{n}/repo{n}"
            out.append(
                {
                    **base,
                    "id": f"gh:{name}",
                    "kind": "repo",
                    "section": f"code-{n % 3}",
                    "sections": [f"code-{n % 3}"],
                    "title": name,
                    "url": f"https://github.com/{name}",
                    "full_name": name,
                    "description": f"Code for {words(12, n)}.",
                    "stars": (n * 37) % 20000,
                    "license": "MIT",
                    "topics": ["rlhf", "alignment"],
                    "venue": None,
                }
            )
    return {
        "schema_version": 1,
        "list": {"title": "Benchmark list"},
        "sections": sections,
        "entries": out,
    }


KEYSTROKE = """async (text) => {
  const input = document.getElementById("q");
  const t0 = performance.now();
  input.value = text;
  input.dispatchEvent(new Event("input", {bubbles: true}));
  const t1 = performance.now();
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const t2 = performance.now();
  return [t1 - t0, t2 - t0, document.getElementById("count").textContent];
}"""

LOADED = """async () => {
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
  const nav = performance.getEntriesByType("navigation")[0];
  return [nav.loadEventEnd, performance.now()];
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    why = missing()
    if why:
        raise SystemExit(f"bench_site: {why}")
    from playwright.sync_api import sync_playwright

    clicks = []
    for _ in range(args.runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import click"], check=True)
        clicks.append(time.perf_counter() - start)
    click_ms = statistics.median(clicks) * 1000

    doc = document(args.entries)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "site"
        builds = []
        for _ in range(args.runs):
            start = time.perf_counter()
            build(doc, out)
            builds.append((time.perf_counter() - start) * 1000)
        rows.append(("build (alignfetch.site.build)", statistics.median(builds)))
        size = (out / "index.html").stat().st_size
        url = (out / "index.html").as_uri()
        loads, painted = [], []
        strokes: dict[str, list[tuple[float, float]]] = {
            "first letter 'r'": [],
            "one entry's '(4321)'": [],
            "clearing": [],
        }
        with sync_playwright() as p:
            browser = launch(p)
            for _ in range(args.runs):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(url, wait_until="load")
                load_end, frame = page.evaluate(LOADED)
                loads.append(load_end)
                painted.append(frame)
                for label, text in (
                    ("first letter 'r'", "r"),
                    ("one entry's '(4321)'", "(4321)"),
                    ("clearing", ""),
                ):
                    handler, to_frame, count = page.evaluate(KEYSTROKE, text)
                    strokes[label].append((handler, to_frame))
                if errors:
                    raise SystemExit(f"bench_site: the page failed: {errors[0]}")
                page.close()
            browser.close()
    rows.append(("load: to the load event's end", statistics.median(loads)))
    rows.append(("load: to the first frame after", statistics.median(painted)))
    for label, values in strokes.items():
        rows.append((f"keystroke, {label}: handler", statistics.median(v[0] for v in values)))
        rows.append((f"keystroke, {label}: to next frame", statistics.median(v[1] for v in values)))
    print(
        f"{args.entries} entries, index.html {size / 1e6:.1f} MB; medians of {args.runs} runs; "
        "ratio = time / python -c 'import click'"
    )
    print(f"{'figure':<44} {'ms':>8} {'ratio':>7}")
    print(f"{'python -c import click':<44} {click_ms:>8.0f} {1:>6.1f}x")
    for label, ms in rows:
        print(f"{label:<44} {ms:>8.1f} {ms / click_ms:>6.2f}x")
    print("goals: load under 2,000 ms; a keystroke to its next frame under 100 ms")


if __name__ == "__main__":
    main()
