"""``alignfetch import``: adopting an existing awesome list into entries.toml.

:func:`adopt` reads a README (:func:`alignfetch.readme.reading.read_list`), plans new
sections and entries against what entries.toml holds (:func:`plan`: sections reused by
title and parent, entries by identity, duplicates merged, typed fields kept as the
maintainer's own), and appends them; an :class:`ImportReport` tells what happened.
Nothing is fetched: ``refresh`` fetches what the cache lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypedDict, Unpack

from alignfetch.adopt.look import Look, Placed, learn
from alignfetch.errors import InputError
from alignfetch.files import replace as replace_file
from alignfetch.list import entries as entries_mod
from alignfetch.list import ids
from alignfetch.list.checks import url_problem
from alignfetch.list.entries import EntriesFile, Entry, Section
from alignfetch.readme.fields import ARXIV_VENUE, squash
from alignfetch.readme.found import GENERIC, Found, Skip
from alignfetch.readme.reading import ListReading, classify, read_list, unique
from alignfetch.sources.url import file_name


class Options(TypedDict, total=False):
    keep_typed: bool
    """Keep typed titles and dates as overrides too."""
    dry_run: bool
    """Write nothing; report what would be written."""
    house_style: bool
    """Leave the page to alignfetch's own template instead of learning the list's look."""
    source: str
    """The README's file name: the learned template is named after it (``README.md.j2``)."""


def adopt(
    text: str,
    path: Path,
    load: Callable[[], EntriesFile],
    lock: Callable[[], AbstractContextManager[object]],
    venues: Callable[[list[str]], Mapping[str, str]] | None = None,
    **options: Unpack[Options],
) -> ImportReport:
    """Adopt the README ``text``: its sections and entries join the entries.toml at ``path``.

    entries.toml is created when absent (its title from the README's first heading) and
    appended to otherwise (read with ``load``, under ``lock``); what it already holds is
    left alone, so a second import adds nothing. A new list also gets the README's own
    look (:mod:`alignfetch.adopt.look`), as a template beside it, unless ``house_style``.
    ``venues`` gives the venues the cache knows for papers: a typed venue equal to one is
    not kept as an override.
    With ``dry_run`` nothing is written.
    """
    keep_typed = options.get("keep_typed", False)
    dry_run = options.get("dry_run", False)
    reading = read_list(text)
    if not reading.found and not reading.sections:
        raise InputError(
            "The file holds no links to import; give an awesome list's README (Markdown)."
        )
    with lock() if not dry_run else nullcontext():
        created = not path.exists()
        learning = created and not options.get("house_style", False)
        source = Path(options.get("source") or "README.md").name
        template = path.parent / f"{source}.j2"
        if learning and (template.exists() or template.is_symlink()):
            raise InputError(
                f"{template} exists already; move it away to learn the list's look, "
                "or import with --house-style to keep alignfetch's own page."
            )
        if created:
            title = reading.title or path.resolve().parent.name or "List"
            ef = entries_mod.new_file(path, title, template.name if learning else None)
        else:
            ef = load()
        new_sections, made, report = plan(reading, ef.sections, ef.entries, keep_typed=keep_typed)
        if venues is not None:
            # A typed venue the scholarly graph gives too is no override: the source keeps it.
            known = venues([e.id for e, _ in made if e.venue])
            made = [
                (replace(e, venue=None) if known.get(e.id) == e.venue else e, f) for e, f in made
            ]
            report.entries = made
        used = {slug for e, _ in made for slug in e.sections}
        parents = {s.slug: s.parent for s in report.sections}
        for slug in list(used):
            parent = parents.get(slug)
            while parent is not None:
                used.add(parent)
                parent = parents.get(parent)
        report.new_sections = [s for s in new_sections if s.slug in used]
        report.path = path.name
        report.created = created
        report.dry_run = dry_run
        if not made:
            return report
        ef.add_sections(report.new_sections)
        ef.add([e for e, _ in made])
        out = ef.dumps()
        entries_mod.check_file_text(path, out)  # what load() will say of it
        if created and not out.endswith("\n"):
            out += "\n"
        look = None
        if learning:
            written = {s.slug for s in report.new_sections}
            by_id = {e.id: e for e, _ in made}
            look = learn(
                text,
                report.new_sections,
                [Placed(e, f, e.section) for e, f in made]
                + [Placed(by_id[rid], f, slug) for rid, f, slug in report.crossed],
                {k: v for k, v in reading.section_lines.items() if k in written},
                sorted({s.line for s in reading.toc}),
                source,
            )
            report.look = (template.name, look)
        if not dry_run:
            if look is not None:
                replace_file(template, look.template)
            try:
                ef.write(out)
            except BaseException:
                if look is not None:
                    template.unlink(missing_ok=True)  # a new list's, written just now
                raise
        return report


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    path: str
    created: bool
    dry_run: bool
    sections: list[Section]
    """The sections of the list after the import (new ones at the end)."""
    new_sections: list[Section]
    entries: list[tuple[Entry, Found]]
    duplicates: dict[str, list[int]]
    conflicts: list[tuple[int, str]]
    skipped: list[Skip]
    existing: list[tuple[str, int]]
    """Entries already in entries.toml, with the line that names them."""
    title: str | None = None
    toc: list[Skip] = field(default_factory=list)
    """Links to the page's own headings (``#anchor``, ``./#anchor``): its table of contents."""
    look: tuple[str, Look] | None = None
    """The learned template's file name and what it holds, when the import learned one."""
    crossed: list[tuple[str, Found, str]] = field(default_factory=list)
    """Entries listed again under another heading (cross-listed): the ID, that place and
    its section."""

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, f in self.entries:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def json(self) -> dict[str, Any]:
        entries = []
        for entry, f in self.entries:
            data: dict[str, Any] = {"id": entry.id, "section": entry.section, "line": f.line}
            if entry.also:
                data["sections"] = list(entry.sections)
            data.update(entry.overrides())
            data["badges"] = list(f.badges)
            if f.via is not None:
                data["via"] = f.via
            data["typed"] = {
                "title": f.title,
                "date": f.date,
                "authors": list(f.authors),
                "venue": f.venue,
            }
            entries.append(data)
        return {
            "sections": [
                {"slug": s.slug, "title": s.title, "parent": s.parent} for s in self.new_sections
            ],
            "entries": entries,
            "duplicates": [{"id": k, "lines": v} for k, v in self.duplicates.items()],
            "cross_listed": [
                {"id": rid, "section": slug, "line": f.line} for rid, f, slug in self.crossed
            ],
            "conflicts": [{"line": line, "message": m} for line, m in self.conflicts],
            "skipped": [
                {"line": s.line, "url": s.url, "text": s.text, "reason": s.reason}
                for s in self.skipped
            ],
            "existing": [{"id": k, "line": line} for k, line in self.existing],
            "toc": [{"line": s.line, "url": s.url, "text": s.text} for s in self.toc],
            "look": None
            if self.look is None
            else {
                "template": self.look[0],
                "entries": self.look[1].entries,
                "shapes": self.look[1].shapes,
                "own": self.look[1].own,
                "fields": dict(sorted(self.look[1].bound.items())),
            },
        }

    def text(self) -> str:
        counts = self.counts()
        kinds = ", ".join(f"{n} {_plural(k, n)}" for k, n in sorted(counts.items()))
        n = len(self.entries)
        verb = "Would import" if self.dry_run else "Imported"
        if n:
            s = len(self.new_sections)
            head = (
                f"{verb} {n} {'entry' if n == 1 else 'entries'} ({kinds}) into {self.path}"
                + (f", with {s} new section{'s' if s != 1 else ''}" if s else "")
                + "."
            )
        else:
            head = f"Nothing new to import into {self.path}."
        lines = [head]
        if self.existing:
            lines.append(f"{len(self.existing)} already in the list, left as they are.")
        if self.look is not None:
            name, look = self.look
            verb = "Would learn" if self.dry_run else "Learned"
            one = look.own == 1
            lines.append(
                f"{verb} the list's look into {name}: {look.entries} "
                f"entr{'y' if look.entries == 1 else 'ies'} written from their fields, "
                f"{look.shapes} shape{'s' if look.shapes != 1 else ''} shared; "
                f"{look.own} keep{'s' if one else ''} a line of {'its' if one else 'their'} own."
            )
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        if self.crossed:
            n = len({rid for rid, _, _ in self.crossed})
            lines.append(
                f"{n} entr{'y is' if n == 1 else 'ies are'} listed under more than one heading "
                "(cross-listed: `sections = [...]`)."
            )
        if self.duplicates:
            lines.append("")
            lines.append("Duplicates (imported once, at their first line):")
            for rid, where in self.duplicates.items():
                lines.append(
                    f"  - {rid}: line {where[0]}, again at line(s) "
                    + ", ".join(str(w) for w in where[1:])
                )
        if self.conflicts:
            lines.append("")
            lines.append("Conflicts:")
            lines.extend(f"  - line {line}: {m}" for line, m in self.conflicts)
        if self.skipped:
            lines.append("")
            lines.append(f"Skipped {len(self.skipped)} link(s):")
            lines.extend(f"  - line {s.line}: {s.url} ({s.reason})" for s in self.skipped)
        if self.toc:
            lines.append("")
            n = len(self.toc)
            lines.append(
                f"{n} link{'s' if n != 1 else ''} to the page's own headings (table of contents), "
                f"on line{'s' if n != 1 else ''} "
                + _spans(sorted({s.line for s in self.toc}))
                + "."
            )
        return "\n".join(lines) + "\n"


def _spans(lines: list[int]) -> str:
    """``[3, 4, 5, 9]`` -> ``3-5, 9``."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].rpartition("-")[2] == str(line - 1):
            out[-1] = f"{out[-1].partition('-')[0]}-{line}"
        else:
            out.append(str(line))
    return ", ".join(out)


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else kind + "s"


def plan(
    reading: ListReading,
    existing_sections: list[Section],
    existing_entries: list[Entry],
    *,
    keep_typed: bool = False,
) -> tuple[list[Section], list[tuple[Entry, Found]], ImportReport]:
    """New sections and entries for a list that already holds ``existing_*``.

    Sections match existing ones by title and parent; entries by identity (so
    a second import adds nothing). The report's path and flags are the caller's.
    """
    # Sections: reuse an existing one of the same title under the same parent.
    rename: dict[str, str] = {}
    taken = {s.slug for s in existing_sections}
    new_sections: list[Section] = []
    known = list(existing_sections)
    for s in reading.sections:
        parent = rename.get(s.parent, s.parent) if s.parent else None
        same = next((e for e in known if e.title == s.title and e.parent == parent), None)
        if same is not None:
            rename[s.slug] = same.slug
            continue
        slug = unique(s.slug, taken)
        rename[s.slug] = slug
        section = Section(slug, s.title, parent)
        new_sections.append(section)
        known.append(section)
    where: dict[str, int] = {}
    have = {ids.identity(e.id) for e in existing_entries}
    firsts: dict[str, Found] = {}
    duplicates: dict[str, list[int]] = {}
    existing: list[tuple[str, int]] = []
    kept: list[Found] = []
    skipped = list(reading.skipped)
    primaries = {f.ref.identity for f in reading.found}
    promoted: list[tuple[Found, Found]] = []
    crossed: dict[str, list[tuple[Found, str]]] = {}
    for f in reading.found:
        ident = f.ref.identity
        first = firsts.get(ident)
        slug = rename.get(f.section, f.section)
        listed = {rename.get(first.section, first.section)} if first is not None else set()
        listed.update(s for _, s in crossed.get(ident, []))
        if first is not None and slug not in listed:
            # The same work under another heading: a survey files it under both topics.
            crossed.setdefault(ident, []).append((f, slug))
            for name, url, line in f.links:
                _merge_link(first, name, url, line, skipped)
            first.badges.extend(f.badges)
            continue
        if ident in firsts:
            duplicates.setdefault(str(f.ref), [where[ident]]).append(f.line)
            if first is not None:
                for name, url, line in f.links:
                    _merge_link(first, name, url, line, skipped)
                first.badges.extend(f.badges)  # every image of the README is accounted for
            else:
                skipped.extend(
                    Skip(line, url, name, f"in a duplicate of {f.ref}")
                    for name, url, line in f.links
                )
                skipped.extend(Skip(f.line, u, "", f"in a duplicate of {f.ref}") for u in f.badges)
            continue
        where[ident] = f.line
        firsts[ident] = f
        if ident in have:
            existing.append((str(f.ref), f.line))
            continue
        kept.append(f)
    # A paper that the list names only as another entry's link is an entry too (a learned
    # look writes it where the list does: in the other entry's line).
    for f in firsts.values():
        for name, url, line in f.links:
            ref = classify(url)
            if ref is None or ref.prefix != "arxiv" or ref.identity in primaries:
                continue
            primaries.add(ref.identity)
            paper = Found(
                line,
                ref,
                url,
                name,
                f.section,
                title=name if not GENERIC.match(name) else None,
                via=str(f.ref),
            )
            promoted.append((f, paper))
    for host, paper in promoted:
        ident = paper.ref.identity
        if ident in have:
            existing.append((str(paper.ref), paper.line))
            continue
        where[ident] = paper.line
        at = next((i for i, k in enumerate(kept) if k is host), len(kept) - 1)
        kept.insert(at + 1, paper)
    made = []
    for f in kept:
        entry = _to_entry(f, rename.get(f.section, f.section), keep_typed)
        also = tuple(slug for _, slug in crossed.get(f.ref.identity, []))
        made.append((replace(entry, also=also) if also else entry, f))
    conflicts = [(f.line, f.conflict) for f in reading.found if f.conflict]
    report = ImportReport(
        path="",
        created=False,
        dry_run=False,
        sections=known,
        new_sections=new_sections,
        entries=made,
        duplicates=duplicates,
        crossed=[(str(f.ref), g, s) for f in kept for g, s in crossed.get(f.ref.identity, [])],
        conflicts=conflicts,
        skipped=skipped,
        existing=existing,
        title=reading.title,
        toc=list(reading.toc),
    )
    return new_sections, made, report


def _merge_link(first: Found, name: str, url: str, line: int, skipped: list[Skip]) -> None:
    ref = classify(url)
    if ref is not None and ref.identity == first.ref.identity:
        skipped.append(Skip(line, url, name, f"the entry's own link again ({first.ref})"))
    elif any(u == url for _, u, _ in first.links):
        skipped.append(Skip(line, url, name, f"already a link of {first.ref}"))
    else:
        base, n = name, 2
        while any(existing == name for existing, _, _ in first.links):
            name = f"{base} {n}"
            n += 1
        first.links.append((name, url, line))


def _to_entry(f: Found, section: str, keep_typed: bool) -> Entry:
    """What entries.toml keeps: what the sources cannot know as overrides (a tagline, a
    venue, a description...), what they know too as the list typed it (``typed``: shown
    until fetched), the entry's name and its own link as written; with ``keep_typed``
    the typed title and date are overrides too."""
    title: str | None = None
    if f.kind in ("repo", "dataset") or f.ref.prefix.startswith("hf-"):
        # The source's title is the name in the ID: a different text is a tagline.
        name = f.ref.key.split("/")[-1] if f.kind == "repo" else f.ref.key
        if f.title and squash(f.title) not in (squash(name), squash(f.ref.key)):
            title = f.title
    elif f.kind == "link":
        # A file on GitHub (a /blob/ link) is named by its link's text, else by its file.
        named = file_name(f.url)
        text = f.text if not (named and f.text.strip() == f.url.strip()) else ""
        title = f.title or text or named or None
    if keep_typed and f.title and title is None:
        title = f.title
    arxiv_venue = bool(f.venue and ARXIV_VENUE.match(f.venue))
    venue = f.venue if f.venue and not arxiv_venue else None
    day = f.iso_date if keep_typed else None
    typed: list[tuple[str, str]] = []
    said_title = f.kind == "paper" or f.kind == "link"  # a repository's is its name
    if f.title and ((title is None and said_title) or keep_typed):
        typed.append(("title", f.title or ""))
    authors = getattr(f, "authors_text", None) or ", ".join(f.authors)
    if authors:
        typed.append(("authors", authors))
    if f.date:
        typed.append(("date", f.date))
    if arxiv_venue and f.venue:
        typed.append(("venue", f.venue))
    own = f.url.strip()
    return Entry(
        str(f.ref),
        section,
        title=title,
        description=f.description or None,
        venue=venue,
        affiliation=f.affiliation or None,
        date=day,
        links=tuple((name, url) for name, url, _ in f.links),
        name=f.name or None,
        url=own if own != ids.page(str(f.ref)) and url_problem(own) is None else None,
        typed=tuple((k, v) for k, v in typed if v),
    )
