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
from alignfetch.list.entries import Entry, Section
from alignfetch.readme.citation import parse_date, split_names
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
    cross: Mapping[str, frozenset[str]] | None = None,
) -> list[Finding]:
    """Findings for one README: ``facts`` by canonical ID; ``ignores`` by identity;
    ``links``: the web links' answers by URL (none: the link rule is skipped);
    ``cross``: the README's sections that entries.toml lists an entry in, by identity,
    for the entries it lists in several (:func:`cross_listed`)."""
    sink = Sink(file, config or Config(), ignores or {})
    cross = cross or {}
    seen: dict[str, int] = {}
    # A cross-listed entry's lines: where it is, and where else it is.
    sightings: dict[str, list[Found]] = {}
    for f in reading.found:
        if f.ref.identity in cross:
            sightings.setdefault(f.ref.identity, []).append(f)
    for f in reading.found:
        t = target(f)
        rid = str(t)
        # The work an entry is about, by import's reading (a link its own title and
        # badges overrule is the mismatch rule's business, not a duplicate).
        ident = f.ref.identity
        if ident in cross:
            _cross_duplicate(sink, f, cross[ident], sightings[ident])
        elif ident in seen:
            said = f"{f.ref} is already listed at line {seen[ident]}."
            sink.add("duplicate", str(f.ref), f.line, said)
        else:
            seen[ident] = f.line
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


def _cross_duplicate(sink: Sink, f: Found, listed: frozenset[str], all_: list[Found]) -> None:
    """The duplicate rule for an entry entries.toml lists in several sections (``listed``,
    as the README names them; ``all_``: everywhere the README lists it): once in each of
    them is what the list means. Twice in one section is a duplicate, and so is a place in
    a section entries.toml does not list it in, when the README lists it elsewhere too."""
    before = [g for g in all_ if g.section == f.section and g.line < f.line]
    if f.section in listed and before:
        said = f"already listed in this section at line {before[0].line}"
    elif f.section not in listed and len(all_) > 1:
        other = next(g for g in all_ if g is not f)
        said = f"listed at line {other.line} too, and entries.toml does not list it in this section"
    else:
        return
    sink.add("duplicate", str(f.ref), f.line, f"{f.ref} is {said}.")


def cross_listed(
    reading: ListReading, sections: Sequence[Section], entries: Sequence[Entry]
) -> dict[str, frozenset[str]]:
    """For each entry entries.toml lists in several sections, by identity: those sections
    as ``reading`` names them. A README section is entries.toml's of the same title under
    the same parent (as import matched them), else of the same slug."""
    several = [e for e in entries if e.also]
    if not several:
        return {}
    by_title = {(s.title, s.parent): s.slug for s in sections}
    slugs = {s.slug for s in sections}
    toml_of: dict[str, str] = {}
    for s in reading.sections:
        parent = toml_of.get(s.parent, s.parent) if s.parent else None
        toml_of[s.slug] = by_title.get((s.title, parent), s.slug if s.slug in slugs else "")
    readme_of: dict[str, set[str]] = {}
    for slug, toml in toml_of.items():
        readme_of.setdefault(toml, set()).add(slug)
    return {
        ids.identity(e.id): frozenset(r for s in e.sections for r in readme_of.get(s, ()))
        for e in several
    }


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
        source_rules(
            sink, e.id, line, fact, e.venue or dict(e.typed).get("venue"), today, stale_months
        )
        if isinstance(r, Paper):
            # What entries.toml pins (an override), else what the list typed: a list
            # adopted by import keeps its words in `typed`, and they may be wrong.
            typed = dict(e.typed)
            title = e.title or typed.get("title")
            if title:
                title_rules(sink, e.id, line, title, r)
            if e.date:
                date_rules(sink, e.id, line, r, e.date, e.date, None)
            elif typed.get("date") and (day := parse_date(typed["date"])):
                date_rules(sink, e.id, line, r, day, typed["date"], typed.get("venue"))
            if typed.get("authors"):
                author_rules(sink, e.id, line, split_names(typed["authors"]), r)
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
