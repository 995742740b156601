"""Benchmark the citation exports on a synthetic list of papers, without fakes or cache.

    python benchmarks/bench_citations.py [--papers 10000] [--authors 8]

Prints figures; asserts nothing about time. Every paper has the same first author,
year and first title word, so every key collides (the worst case for suffixes), and
one author with an accent per paper (the path that goes through pylatexenc).
"""

from __future__ import annotations

import argparse
import time

from alignfetch.citations import cite_keys, to_bibtex, to_csl
from alignfetch.list.entries import Entry
from alignfetch.list.export import dumps
from alignfetch.records import Author, Paper
from alignfetch.workspace import Item

NAMES = ["Lianmin Zheng", "Wei-Lin Chiang", "Ying Sheng", "Thomas Müller", "Eric P. Xing"]


def items(papers: int, authors: int) -> list[Item]:
    out = []
    for i in range(papers):
        key = f"2301.{i:05d}"
        names = [NAMES[j % len(NAMES)] + (str(i) if j else "") for j in range(authors)]
        paper = Paper(
            id=f"arxiv:{key}", version=1, abstract="An abstract. " * 80,
            title=f"Judging LLM-as-a-judge with MT-Bench and Chatbot Arena, part {i}",
            authors=tuple(Author(n) for n in names), published="2023-06-09",
            updated="2023-06-09", primary_category="cs.CL", categories=("cs.CL",),
            comment=None, journal_ref=None, doi=None, url=f"https://arxiv.org/abs/{key}",
            pdf_url=f"https://arxiv.org/pdf/{key}",
        )  # fmt: skip
        out.append(Item(Entry(paper.id, "papers"), paper))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--authors", type=int, default=8)
    args = parser.parse_args()
    listed = items(args.papers, args.authors)
    start = time.perf_counter()
    keys = cite_keys(listed)
    keyed = time.perf_counter()
    bib = to_bibtex(listed, keys)
    written = time.perf_counter()
    csl = dumps(to_csl(listed, keys))
    done = time.perf_counter()
    print(f"{args.papers} papers, {args.authors} authors each, every key colliding")
    print(f"keys:     {keyed - start:6.2f} s")
    print(f"BibTeX:   {written - keyed:6.2f} s  {len(bib.encode()) / 1e6:6.1f} MB")
    print(f"CSL-JSON: {done - written:6.2f} s  {len(csl.encode()) / 1e6:6.1f} MB")


if __name__ == "__main__":
    main()
