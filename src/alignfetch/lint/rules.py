"""``alignfetch check``: what a list says, compared with what its sources say.

This module runs the rules over one file: :func:`check_reading` over a README's
reading, :func:`check_entries` over entries.toml, with the IDs (:func:`wanted`) and
lines (:func:`entry_lines`) they need. The rules themselves live beside it:
:mod:`~alignfetch.lint.facts` (the sources' state and a paper's typed fields),
:mod:`~alignfetch.lint.naming` (mismatch, badge), :mod:`~alignfetch.lint.weblinks`
(link) and :mod:`~alignfetch.lint.toc` (toc); the findings and their formats are
:mod:`~alignfetch.lint.findings`', the ``[check]`` table
:mod:`~alignfetch.lint.config`'. Everything here is pure: the records come in
already fetched (:meth:`alignfetch.workspace.Workspace.check` resolves them through
the cache and the sources), and "today" is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date as Date
from typing import TYPE_CHECKING

from alignfetch.errors import BadIdError
from alignfetch.lint.config import Config as Config
from alignfetch.lint.config import Sink
from alignfetch.lint.config import check_rules as check_rules
from alignfetch.lint.config import config_from as config_from
from alignfetch.lint.facts import GONE as GONE
from alignfetch.lint.facts import Facts as Facts
from alignfetch.lint.facts import author_rules, date_rules, source_rules, title_rules
from alignfetch.lint.findings import RULES as RULES
from alignfetch.lint.findings import Finding as Finding
from alignfetch.lint.findings import Result as Result
from alignfetch.lint.findings import rules_text as rules_text
from alignfetch.lint.naming import badges, mismatch
from alignfetch.lint.toc import toc
from alignfetch.lint.weblinks import entry_links as entry_links
from alignfetch.lint.weblinks import (
    entry_web_links,
    invalid_links,
    link_rule,
    unchecked,
    web_links,
)
from alignfetch.lint.weblinks import reading_links as reading_links
from alignfetch.list import ids
from alignfetch.list.entries import Entry
from alignfetch.readme.reading import Found, ListReading
from alignfetch.records import Collection, Dataset, Model, Paper, Repo, Space

if TYPE_CHECKING:
    from alignfetch.lint.links import LinkAnswer

__all__ = [
    "RULES",
    "Config",
    "Facts",
    "Finding",
    "Result",
    "check_entries",
    "check_reading",
    "config_from",
    "entry_links",
    "reading_links",
]


# -- a README -----------------------------------------------------------------------------


def target(f: Found) -> ids.Ref:
    """The ID the entry's primary link goes to (before import's majority vote)."""
    if f.replaced is not None:
        try:
            return ids.parse(f.replaced.url)
        except BadIdError:
            pass
    return f.ref


def wanted(reading: ListReading) -> list[ids.Ref]:
    """The IDs a check of ``reading`` needs: each entry's target and its paper links."""
    out: dict[str, ids.Ref] = {}
    for f in reading.found:
        t = target(f)
        out.setdefault(str(t), t)
        for ref in _paper_links(f):
            out.setdefault(str(ref), ref)
    return list(out.values())


def _paper_links(f: Found) -> list[ids.Ref]:
    out = []
    for _, url, _line in f.links:
        try:
            ref = ids.parse(url)
        except BadIdError:
            continue
        if ref.prefix == "arxiv":
            out.append(ref)
    return out


def check_reading(
    reading: ListReading,
    text: str,
    file: str,
    facts: Mapping[str, Facts],
    *,
    today: Date,
    stale_months: int = 24,
    config: Config | None = None,
    ignores: Mapping[str, Iterable[str]] | None = None,
    links: Mapping[str, LinkAnswer] | None = None,
) -> list[Finding]:
    """Findings for one README: ``facts`` by canonical ID; ``ignores`` by identity;
    ``links``: the web links' answers by URL (none: the link rule is skipped)."""
    sink = Sink(file, config or Config(), ignores or {})
    seen: dict[str, int] = {}
    for f in reading.found:
        t = target(f)
        rid = str(t)
        # The work an entry is about, by import's reading (a link its own title and
        # badges overrule is the mismatch rule's business, not a duplicate).
        if f.ref.identity in seen:
            sink.add(
                "duplicate",
                str(f.ref),
                f.line,
                f"{f.ref} is already listed at line {seen[f.ref.identity]}.",
            )
        else:
            seen[f.ref.identity] = f.line
        fact = facts.get(rid, Facts())
        r = fact.record
        mismatch(sink, f, t, r)
        badges(sink, f, t, r)
        source_rules(sink, rid, f.line, fact, f.venue, today, stale_months)
        if isinstance(r, Paper):
            title_rules(sink, rid, f.line, f.title, r)
            author_rules(sink, rid, f.line, f.authors, r)
            date_rules(sink, rid, f.line, r, f.iso_date, f.date, f.venue)
        elif isinstance(r, Dataset):
            paper = _dataset_paper(f, r, facts)
            if paper is not None:
                author_rules(sink, rid, f.line, f.authors, paper, "its paper ")
                also = [d for d in (r.created, r.last_modified) if d]
                date_rules(
                    sink, rid, f.line, paper, f.iso_date, f.date, f.venue, also, "its paper "
                )
        if links is not None:
            for url, line in web_links(f):
                link_rule(sink, rid, line, url, links)
    if links is not None:
        invalid_links(sink, reading.skipped, _owners(reading), text)
        unchecked(sink, reading_links(reading), links)
    toc(sink, text)
    return sorted(sink.findings, key=lambda x: (x.line or 0, list(RULES).index(x.rule)))


def _owners(reading: ListReading) -> dict[int, str]:
    """The entry (the ID its link goes to) each of its lines belongs to: its own line and
    its other links' lines."""
    out: dict[int, str] = {}
    for f in reading.found:
        rid = str(target(f))
        for line in [f.line, *(line for _, _, line in f.links)]:
            out.setdefault(line, rid)
    return out


def _dataset_paper(f: Found, r: Dataset, facts: Mapping[str, Facts]) -> Paper | None:
    for ref in [*_paper_links(f), *(ids.parse(p) for p in r.papers)]:
        p = facts.get(str(ref), Facts()).record
        if isinstance(p, Paper):
            return p
    return None


# -- the list itself ----------------------------------------------------------------------


def check_entries(
    entries: Sequence[Entry],
    lines: Mapping[str, int],
    file: str,
    facts: Mapping[str, Facts],
    *,
    today: Date,
    stale_months: int = 24,
    config: Config | None = None,
    links: Mapping[str, LinkAnswer] | None = None,
) -> list[Finding]:
    """Findings for entries.toml: overrides against the sources, and the records' state;
    ``links``: the web links' answers by URL (none: the link rule is skipped)."""
    sink = Sink(file, config or Config(), {ids.identity(e.id): e.check_ignore for e in entries})
    same: dict[str, str] = {}
    for e in entries:
        line = lines.get(e.id)
        fact = facts.get(e.id, Facts())
        r = fact.record
        source_rules(sink, e.id, line, fact, e.venue, today, stale_months)
        if isinstance(r, Paper):
            if e.title:
                title_rules(sink, e.id, line, e.title, r)
            if e.date:
                date_rules(sink, e.id, line, r, e.date, e.date, None)
        if isinstance(r, Repo | Model | Space | Collection):
            now = r.full_name if isinstance(r, Repo) else r.id
            if isinstance(r, Repo) and r.path:
                now += "/" + r.path
            key = f"{r.kind}:{now.lower()}"
            if key in same:
                sink.add("duplicate", e.id, line, f"{e.id} is the same work as {same[key]}.")
            else:
                same[key] = e.id
        if links is not None:
            for url in entry_web_links(e):
                link_rule(sink, e.id, line, url, links)
    if links is not None:
        unchecked(sink, entry_links(entries), links)
    return sorted(sink.findings, key=lambda x: (x.line or 0, list(RULES).index(x.rule)))


_ENTRY_HEADER = re.compile(r"^[ \t]*\[\[[ \t]*entries[ \t]*\]\]", re.MULTILINE)


def entry_lines(text: str, entries: Sequence[Entry]) -> dict[str, int]:
    """Each entry's ``[[entries]]`` line in entries.toml, by ID (file order)."""
    starts = [text.count("\n", 0, m.start()) + 1 for m in _ENTRY_HEADER.finditer(text)]
    if len(starts) != len(entries):
        return {}
    return {e.id: line for e, line in zip(entries, starts, strict=True)}
