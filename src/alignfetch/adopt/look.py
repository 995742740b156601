"""A list's own look, learned from its README: the Jinja2 template ``import`` writes.

:func:`learn` turns the README an import read into a template that gives the page back:
the text around the entries verbatim; each section's heading from the section's title;
the table of contents' lines from the sections they name; and each entry's lines from its
fields. An entry's lines become a *shape* (:mod:`alignfetch.adopt.shapes`): its text with
every value entries.toml holds (its own link and other links, name, title, authors, venue,
date, affiliation, description) replaced by that field. Entries of the same shape share it;
a section's commonest shape is what a new entry of it gets; an entry whose shape no other
shares keeps its own (counted: :attr:`Look.own`). The template keeps each section's runs of
entries in the page's order (the ``arrange`` filter) and writes each entry with the
``fill`` filter over what :func:`alignfetch.render.said.said` shows of it: the list's words
until a source corrects them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from alignfetch.adopt.shapes import Part, generalize, numbered, separators, shape, shape_text
from alignfetch.list.entries import Entry, Section
from alignfetch.readme.found import Found
from alignfetch.readme.text import anchor


@dataclass
class Look:
    """A learned template and what it holds."""

    template: str
    entries: int = 0
    """Entry lines the template writes from fields."""
    shapes: int = 0
    """Shapes that two or more entries share."""
    own: int = 0
    """Entries whose shape no other shares: their own line, fields and all."""
    bound: Counter[str] = field(default_factory=Counter)
    """How many entries have each field in their shape."""


@dataclass
class Placed:
    """An entry's lines in the README: the entry and the Found that read them."""

    entry: Entry
    found: Found
    section: str


def learn(
    text: str,
    sections: Sequence[Section],
    placed: Sequence[Placed],
    headings: dict[str, int],
    toc: Sequence[int],
    source: str = "README.md",
) -> Look:
    """The template that writes ``text`` back from its entries (``placed``, in file order).

    ``headings`` gives each section's heading line, ``toc`` the lines of the page's table
    of contents (links to its own headings); ``source`` names the README in the
    template's header.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    trailing_newline = lines[-1] == ""
    if trailing_newline:
        lines.pop()
    spans = _spans(lines, placed)
    shapes: dict[tuple[Part, ...], str] = {}
    uses: Counter[str] = Counter()
    per_section: dict[str, Counter[str]] = {}
    own: dict[str, tuple[str, str]] = {}
    crossed: dict[str, str] = {}
    look = Look("")
    raw_shapes = [shape("\n".join(lines[a - 1 : b]), p.entry, p.found) for p, (a, b) in spans]
    seps = separators(raw_shapes)
    place, previous = 0, None
    for (p, _), raw_parts in zip(spans, raw_shapes, strict=True):
        place = place + 1 if p.section == previous else 1  # its place in its run
        previous = p.section
        parts = numbered(generalize(raw_parts, [n for n, _ in p.entry.links], seps), place)
        name = shapes.setdefault(tuple(parts), f"look_{len(shapes) + 1}")
        uses[name] += 1
        per_section.setdefault(p.section, Counter())[name] += 1
        if p.entry.id in own and own[p.entry.id][1] != p.section:
            crossed[f"{p.section} {p.entry.id}"] = name  # its shape under another heading
        own.setdefault(p.entry.id, (name, p.section))
        for part in parts:
            if isinstance(part, tuple) and part[0] not in ("link", "mdlink", "links"):
                look.bound[part[0]] += 1
    default = {s: c.most_common(1)[0][0] for s, c in per_section.items()}
    fallback = uses.most_common(1)[0][0] if uses else ""
    look.entries = len(spans)
    look.shapes = sum(1 for n in uses.values() if n > 1)
    look.own = sum(1 for n in uses.values() if n == 1)

    out: list[str] = [
        f"{{#- The look of {_comment(source)}, learned by `alignfetch import`: the page's own",
        "    text, and each entry written from its fields in entries.toml by its shape: the",
        "    entry's text with {name}, {title}, {authors}, {venue}, {date}, {affiliation},",
        "    {description}, {url} (its own link), {number} (its place in its run of entries),",
        "    {link:NAME} (a link's URL), {mdlink:NAME}",
        "    ([NAME](URL)) and {links:SEP} (each link as SEP[NAME](URL)) in place of its",
        "    values ({{ and }} are braces). Edit it as any template. -#}",
        "{% set shapes = {",
    ]
    out.extend(f"  {_str(name)}: {_str(shape_text(key))}," for key, name in shapes.items())
    out.append("} %}")
    out.append(f"{{% set default = {_dict(default)} %}}")
    # How the list writes a date and authors: an entry added since is written that way.
    out.append(f"{{% set ways = {_dict(_ways(placed))} %}}")
    out.append(f"{{% set fallback = {_str(fallback)} %}}")
    # An entry of its section's commonest shape is not named: a new one is of that shape too.
    unlike = {rid: name for rid, (name, slug) in own.items() if name != default.get(slug)}
    unlike.update(crossed)
    out.append(f"{{% set own = {_dict(unlike)} %}}")
    # The text between two entries of a run: the commonest once per run, the rest by entry.
    gaps: dict[str, str] = {}
    runs = _runs(spans)
    run_seps: list[str] = []
    for run in runs:
        between = [
            "".join(line + "\n" for line in lines[a[1] : b[0] - 1])
            for (_, a), (_, b) in zip(run, run[1:], strict=False)
        ]
        sep = Counter(between).most_common(1)[0][0] if between else "\n" * 0
        run_seps.append(sep)
        for (p, _), gap in zip(run, between, strict=False):
            if gap != sep:
                gaps[f"{p.section} {p.entry.id}"] = gap
    out.append(f"{{% set gaps = {_dict(gaps)} %}}")
    # Entries the list writes inside another's line (a paper named only as a repository's
    # link): no line of their own.
    spanned = {p.entry.id for p, _ in spans}
    within = sorted({p.entry.id for p in placed} - spanned)
    out.append(f"{{% set within = {_list(within)} %}}")
    out.append(
        "{% macro show(item, slug, sep, last, number) %}"
        "{% set key = slug ~ ' ' ~ item.entry.id %}"
        "{% set name = own.get(key) or own.get(item.entry.id) or default.get(slug) or fallback %}"
        "{{ item.look | fill(shapes[name], number, ways) }}{{ '\\n' }}"
        "{% if not last %}{{ gaps.get(key, sep) }}{% endif %}"
        "{% endmacro %}"
    )
    known = sorted({s.slug for s in sections})
    out.append(
        "{% macro heading(slug, typed) %}"
        "{{ section[slug].title if slug in section else typed }}{% endmacro %}"
    )
    out.append(f"{{% set learned = {json.dumps(known, ensure_ascii=False)} %}}")

    # The page: verbatim lines, headings, and a loop where each run of entries was.
    heading_at = {line: slug for slug, line in headings.items()}
    starts = {run[0][1][0]: i for i, run in enumerate(runs)}
    earlier: dict[str, list[str]] = {}
    last_run_of: dict[str, int] = {}
    for i, run in enumerate(runs):
        last_run_of[run[0][0].section] = i
    by_title = {s.slug: s.title for s in sections}
    last_line = max((run[-1][1][1] for run in runs), default=0)
    anchors = _anchors(lines, headings, by_title)
    n = 1
    body: list[str] = []
    while n <= len(lines):
        if n in starts:
            i = starts[n]
            run = runs[i]
            slug = run[0][0].section
            ids = [p.entry.id for p, _ in run]
            # The run's entries in the page's order; the section's last run also takes
            # the entries the page did not have (added since), after them.
            arranged = _list(ids)
            if last_run_of[slug] == i:
                arranged += ", " + (
                    f"{_list(earlier.get(slug, []))} + within" if earlier.get(slug) else "within"
                )
            earlier.setdefault(slug, []).extend(ids)
            body.append(
                f"{{% for item in listed.get({_str(slug)}, []) | arrange({arranged}) %}}"
                f"{{{{ show(item, {_str(slug)}, {_str(run_seps[i])}, loop.last, loop.index) }}}}"
                "{% endfor %}"
            )
            n = run[-1][1][1] + 1
            if n > last_line:
                body.append(_new_sections(lines, headings))
            continue
        raw = lines[n - 1]
        titled = heading_at.get(n)
        m = _ATX.match(raw)
        if titled is not None and m and m.group(2) == by_title.get(titled):
            call = f"heading({_str(titled)}, {_str(m.group(2))})"
            body.append(f"{_literal(m.group(1))}{{{{ {call} }}}}")
        elif n in toc and titled is None:
            body.append(_toc_line(raw, anchors, by_title))
            if n == toc[-1]:
                body.append(_new_toc_lines(lines, toc, anchors, sections))
        else:
            body.append(_literal(raw))
        n += 1
    out.extend(body)
    look.template = "\n".join(out) + ("\n" if trailing_newline else "")
    return look


# -- the table of contents ---------------------------------------------------------------------

_TOC_LINE = re.compile(r"^(\s*(?:[-*+]|\d+[.)])?\s*)\[([^\[\]]+)\]\(((?:\./)?#)([^()\s]+)\)(.*)$")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|<[^>]+>|[*_`]")


def _anchors(lines: list[str], headings: dict[str, int], titles: dict[str, str]) -> dict[str, str]:
    """Each section's anchor on the page as GitHub makes it (counting every heading)."""
    at = {line: slug for slug, line in headings.items()}
    seen: dict[str, int] = {}
    out: dict[str, str] = {}
    fenced = False
    for n, raw in enumerate(lines, 1):
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        m = _HEADING.match(raw) if not fenced else None
        if m is None:
            continue
        slug = at.get(n)
        text = titles[slug] if slug in titles else _MARKUP.sub(lambda k: k.group(1) or "", m[1])
        made = anchor(" ".join(text.split()), seen)
        if slug is not None:
            out[slug] = made
    return out


def _toc_line(raw: str, anchors: dict[str, str], titles: dict[str, str]) -> str:
    """A line of the table of contents: written from the section it names (its title
    and anchor, in the line's own way), or as it is when it names no section."""
    m = _TOC_LINE.match(raw)
    if m is None:
        return _literal(raw)
    lead, text, mark, target, tail = m.groups()
    slug = next((s for s, a in anchors.items() if a == unquote(target).lower()), None)
    if slug is None or titles.get(slug) != text:
        return _literal(raw)
    key, said = _str(slug), _str(text)
    target_now = (
        f"{_str(mark + target)} if section[{key}].title == {said} "
        f"else {_str(mark)} ~ section[{key}].anchor"
    )
    return (
        f"{{% if {key} in section %}}{_inline(lead)}[{{{{ heading({key}, {said}) }}}}]"
        f"({{{{ {target_now} }}}}){_inline(tail)}{{{{ '\\n' }}}}{{% endif %}}"
    )


def _new_toc_lines(
    lines: list[str], toc: Sequence[int], anchors: dict[str, str], sections: Sequence[Section]
) -> str:
    """After the table of contents, a line for each section the learned page lacks, in
    the way the list writes a line of its depth."""
    depth = {s.slug: depth_of(s.slug, sections) for s in sections}
    ways: dict[int, tuple[str, str, str]] = {}
    for n in toc:
        m = _TOC_LINE.match(lines[n - 1])
        if m is None:
            continue
        slug = next((s for s, a in anchors.items() if a == unquote(m[4]).lower()), None)
        if slug is not None:
            ways.setdefault(depth[slug], (m[1], m[3], m[5]))
    if not ways:
        return ""
    first = ways[min(ways)]
    table = "{" + ", ".join(f"{d}: {_list(list(w))}" for d, w in sorted(ways.items())) + "}"
    return (
        f"{{% set toc_ways = {table} %}}"
        "{% for s in all_sections if s.slug not in learned %}"
        f"{{% set way = toc_ways.get(s.depth, {_list(list(first))}) %}}"
        "{{ way[0] }}[{{ s.title }}]({{ way[1] }}{{ s.anchor }}){{ way[2] }}{{ '\\n' }}"
        "{% endfor %}"
    )


def depth_of(slug: str, sections: Sequence[Section]) -> int:
    parent = next((s.parent for s in sections if s.slug == slug), None)
    return 1 + (0 if parent is None else depth_of(parent, sections))


_ATX = re.compile(r"^(#{1,6} +)(\S(?:.*\S)?)$")


def _ways(placed: Sequence[Placed]) -> dict[str, str]:
    """One typed date and one typed author list of the commonest way the list writes
    them (``Dec 2025``; ``A et al``, ``A, B, and C``)."""
    dates: Counter[str] = Counter()
    first_date: dict[str, str] = {}
    authors: Counter[str] = Counter()
    first_authors: dict[str, str] = {}
    for p in placed:
        typed = dict(p.entry.typed)
        if typed.get("date"):
            way = re.sub(r"[0-9]", "0", re.sub(r"[A-Za-z]+", "A", typed["date"]))
            dates[way] += 1
            first_date.setdefault(way, typed["date"])
        if typed.get("authors"):
            text = typed["authors"]
            way = (
                "et al"
                if "et al" in text
                else ("; " if ";" in text else ", ")
                + (", and " if ", and " in text else " and " if " and " in text else "")
            )
            authors[way] += 1
            first_authors.setdefault(way, text)
    out: dict[str, str] = {}
    if dates:
        out["date"] = first_date[dates.most_common(1)[0][0]]
    if authors:
        out["authors"] = first_authors[authors.most_common(1)[0][0]]
    return out


def _new_sections(lines: list[str], headings: dict[str, int]) -> str:
    """Sections entries.toml has and the learned page does not: after the last entry,
    each under a heading as deep as the list's first section heading."""
    marks = "##"
    for line in sorted(headings.values()):
        m = _ATX.match(lines[line - 1]) if 0 < line <= len(lines) else None
        if m:
            marks = m.group(1).strip()
            break
    return (
        "{% for s in all_sections if s.slug not in learned %}"
        f"{{{{ '\\n' }}}}{marks} {{{{ s.title }}}}{{{{ '\\n\\n' }}}}"
        "{% for item in s.items %}{{ show(item, s.slug, '', loop.last, loop.index) }}{% endfor %}"
        "{% endfor %}"
    )


def _spans(lines: list[str], placed: Sequence[Placed]) -> list[tuple[Placed, tuple[int, int]]]:
    """Each entry's first and last line (blank lines after it left out), in file order;
    an entry whose lines overlap an earlier one's has none (its lines are that one's)."""
    out: list[tuple[Placed, tuple[int, int]]] = []
    taken = 0
    for p in sorted(placed, key=lambda p: p.found.line):
        first = p.found.line
        last = max(first, p.found.end or first)
        last = min(last, len(lines))
        while last > first and not lines[last - 1].strip():
            last -= 1
        if first <= taken or first > len(lines) or p.found.via is not None:
            continue  # a paper named as another entry's link is in that entry's lines
        out.append((p, (first, last)))
        taken = last
    return out


def _runs(
    spans: list[tuple[Placed, tuple[int, int]]],
) -> list[list[tuple[Placed, tuple[int, int]]]]:
    """Spans cut where the section changes: each run is one loop of the template."""
    runs: list[list[tuple[Placed, tuple[int, int]]]] = []
    for s in spans:
        if runs and runs[-1][-1][0].section == s[0].section:
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


# -- writing Jinja -----------------------------------------------------------------------------

_DELIMITERS = re.compile(r"\{[{%#]|[}%#]\}")


def _inline(text: str) -> str:
    """Literal text inside a macro: as it is, or as a string expression when it holds
    what Jinja would read (``{{``, ``{%``, ``{#``), or a line break (trim_blocks)."""
    if not text or (not _DELIMITERS.search(text) and "\n" not in text):
        return text
    return f"{{{{ {_str(text)} }}}}"


def _literal(line: str) -> str:
    """A line of the page as it is, or as one string expression when it holds what
    Jinja would read."""
    if not _DELIMITERS.search(line):
        return line
    return f"{{{{ {_str(line)} }}}}"


def _str(text: str) -> str:
    """A Jinja string literal for ``text`` (Jinja reads backslash escapes as Python does)."""
    return json.dumps(text, ensure_ascii=False)


def _list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_str(i) for i in items) + "]"


def _dict(mapping: dict[str, str]) -> str:
    return "{" + ", ".join(f"{_str(k)}: {_str(v)}" for k, v in mapping.items()) + "}"


def _comment(text: str) -> str:
    return text.replace("#}", "# }")


__all__ = ["Look", "Placed", "learn"]
