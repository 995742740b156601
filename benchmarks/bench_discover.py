"""How well `discover` ranks: precision at 10 and 20 on the labelled development set.

The list is the reference list's papers (entries.toml's arXiv entries, their title and
abstract from tests/data/reference/arxiv/, the same records the tests build). The pool of
candidates is tests/data/discover/dev.json (real papers labelled positive or negative; those
already in the list are left out, as discover leaves them out) plus every paper of the
recorded arXiv API feeds in tests/data/arxiv/ as further negatives. The labels are read only
to count hits, never by the ranking.

Printed for two settings: no [discover] keywords (the ranking alone), and the README's
example keywords (words that occur in the reference list's README, not picked from dev.json);
each on the whole pool, and on a smaller sample (the pool less dev.json's positives whose IDs
end in an even digit). Nothing was tuned on dev.json: KEYWORD_BOOST and the vectorizer's
settings were set before the first run and kept. Also printed: scikit-learn's import time,
which `discover` pays once per run.

    python benchmarks/bench_discover.py
"""

from __future__ import annotations

import json
import time
import tomllib
from pathlib import Path

import feedparser

from alignfetch.discover import Candidate, Config, Listed, rank

ROOT = Path(__file__).parents[1]
DATA = ROOT / "tests" / "data"
KEYWORDS = Config(
    keywords=(
        "alignment",
        "aligned",
        "human feedback",
        "RLHF",
        "preference",
        "safety",
        "harmless",
        "red teaming",
        "LLM-as-a-judge",
    )
)
"""The README's example [discover] keywords: words of the reference list's README (each occurs
there at least twice), not of dev.json."""


def _atom(path: Path) -> list[tuple[str, str, str]]:
    out = []
    for e in feedparser.parse(path.read_bytes()).entries:
        if "/abs/" in e.get("id", "") and e.get("title"):
            key = e["id"].split("/abs/", 1)[1].rsplit("v", 1)[0]
            out.append(
                (
                    f"arxiv:{key}",
                    " ".join(e["title"].split()),
                    " ".join(e.get("summary", "").split()),
                )
            )
    return out


def listed() -> list[Listed]:
    entries = tomllib.loads((ROOT / "entries.toml").read_text(encoding="utf-8"))["entries"]
    sections = {e["id"]: e["section"] for e in entries if e["id"].startswith("arxiv:")}
    out = []
    for path in sorted((DATA / "reference" / "arxiv").glob("*.xml")):
        for rid, title, abstract in _atom(path):
            out.append(Listed(rid, sections[rid], f"{title}\n{abstract}"))
    return out


def pool(known: set[str]) -> tuple[list[Candidate], dict[str, bool]]:
    labels: dict[str, bool] = {}
    cands: dict[str, Candidate] = {}
    for item in json.loads((DATA / "discover" / "dev.json").read_text(encoding="utf-8")):
        rid = f"arxiv:{item['id']}"
        if rid in known:
            continue
        labels[rid] = item["label"] == "positive"
        cands[rid] = _cand(rid, item["title"], item["abstract"])
    for path in sorted((DATA / "arxiv").glob("*.xml")):
        for rid, title, abstract in _atom(path):
            if rid not in cands and rid not in known:
                labels[rid] = False
                cands[rid] = _cand(rid, title, abstract)
    return list(cands.values()), labels


def _cand(rid: str, title: str, abstract: str) -> Candidate:
    return Candidate(rid, title, (), abstract, None, (), ("arxiv",))


def precision(ranked: list[Candidate], labels: dict[str, bool], k: int) -> float:
    top = ranked[:k]
    return sum(labels[c.id] for c in top) / k


def main() -> None:
    start = time.perf_counter()
    import sklearn.feature_extraction.text  # noqa: F401  # what the first rank() pays

    print(f"scikit-learn import: {(time.perf_counter() - start) * 1000:.0f} ms")
    papers = listed()
    cands, labels = pool({p.id for p in papers})
    positives = sum(labels.values())
    print(f"list: {len(papers)} papers in {len({p.section for p in papers})} sections")
    print(
        f"pool: {len(cands)} candidates, {positives} positive (dev.json), "
        f"{len(cands) - positives} negative"
    )
    held = {c.id for c in cands if c.id in labels and int(c.id[-1]) % 2 == 1}
    for name, cfg in (("no keywords", Config()), ("[discover] keywords", KEYWORDS)):
        start = time.perf_counter()
        ranked = rank(cands, papers, cfg)
        took = time.perf_counter() - start
        p10, p20 = precision(ranked, labels, 10), precision(ranked, labels, 20)
        print(
            f"{name:22} P@10 {p10:.2f}  P@20 {p20:.2f}  (max P@20 {min(positives, 20) / 20:.2f})"
            f"  rank time {took * 1000:.0f} ms"
        )
        sub = [c for c in ranked if c.id in held or not labels[c.id]]
        sub_pos = sum(labels[c.id] for c in sub)
        print(
            f"{'  odd half':22} P@10 {precision(sub, labels, 10):.2f}  "
            f"(max {min(sub_pos, 10) / 10:.2f}: {sub_pos} positives among {len(sub)})"
        )
        for c in ranked[:20]:
            mark = "+" if labels[c.id] else "-"
            print(f"    {mark} {c.score:.3f} {c.section or '-':16} {c.title[:70]}")


if __name__ == "__main__":
    main()
