"""An entry's shape: its lines with each value entries.toml holds replaced by its field.

:func:`shape` finds, in an entry's Markdown, its own link, its other links (a whole
``[Code](…)`` when its text is the link's name), and the text of its name, title,
authors, venue, date, affiliation and description; :func:`generalize` turns a run of links
written alike into one field over all the entry's links, so that entries with other links
share the shape; :func:`shape_text` writes a shape as a learned template keeps it, the
text the ``fill`` filter of :mod:`alignfetch.render.said` writes back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from alignfetch.list.entries import Entry
from alignfetch.list.ids import page
from alignfetch.readme.found import Found

Part = str | tuple[str, str]
"""A shape's piece: literal text, or (field, link name) for a value."""

TEXT_FIELDS = ("description", "title", "authors", "affiliation", "venue", "name", "date")
"""The fields looked for in an entry's text, after its links (longest values first)."""


def shape(raw: str, entry: Entry, found: Found) -> list[Part]:
    """``raw`` (an entry's lines) with each value entries.toml holds replaced by its field."""
    taken: list[tuple[int, int, Part]] = []
    own_url = entry.url or page(entry.id)
    if found.url == own_url:
        _place_url(raw, found.url, ("url", ""), taken)
    for name, url in entry.links:
        if "{" not in name and "}" not in name:  # a brace would end the field's name
            _place_url(raw, url, ("link", name), taken)
    typed = dict(entry.typed)
    values = {
        "name": entry.name,
        "title": entry.title or typed.get("title"),
        "authors": typed.get("authors"),
        "venue": entry.venue or typed.get("venue"),
        "date": typed.get("date") or entry.date,
        "affiliation": entry.affiliation,
        "description": entry.description,
    }
    for key in sorted(TEXT_FIELDS, key=lambda k: -len(values[k] or "")):
        value = values[key]
        if value and (key != "date" or typed.get("date") or entry.date == value):
            _place_text(raw, value, (key, ""), taken)
    parts: list[Part] = []
    at = 0
    for start, end, part in sorted(taken):
        if start > at:
            parts.append(raw[at:start])
        parts.append(part)
        at = end
    if at < len(raw):
        parts.append(raw[at:])
    return parts


_URL_END = set(")\"'> \t\n|]")
_URL_START = set("(\"'< \t\n|[")


def _place_url(raw: str, url: str, part: Part, taken: list[tuple[int, int, Part]]) -> None:
    start = raw.find(url)
    while start >= 0:
        end = start + len(url)
        edges = (start == 0 or raw[start - 1] in _URL_START) and (
            end == len(raw) or raw[end] in _URL_END
        )
        if edges and not _overlaps(start, end, taken):
            # ``[Code](url)`` whose text is the link's name: the whole link is the field.
            label = raw.rfind("[", 0, start - 2) if raw[start - 2 : start] == "](" else -1
            if (
                part[0] == "link"
                and label >= 0
                and raw[label + 1 : start - 2] == part[1]
                and raw[end : end + 1] == ")"
                and not _overlaps(label, end + 1, taken)
            ):
                taken.append((label, end + 1, ("mdlink", part[1])))
                return
            taken.append((start, end, part))
            return
        start = raw.find(url, start + 1)


def generalize(parts: list[Part], names: Sequence[str], seps: Sequence[str]) -> list[Part]:
    """``parts`` with its run of the entry's links (``] [[Code](…)] [[Project](…)``: each
    link written the same way after the same separator, all of them, in order) made one
    loop over the entry's links, so that entries with other links share the shape."""
    at = [i for i, p in enumerate(parts) if isinstance(p, tuple) and p[0] == "mdlink"]
    if not at or [parts[i][1] for i in at] != list(names) or at[0] == 0:
        return parts
    if any(b != a + 2 for a, b in zip(at, at[1:], strict=False)):
        return parts
    between = {parts[i + 1] for i in at[:-1]}
    before = parts[at[0] - 1]
    if not isinstance(before, str):
        return parts
    if len(at) > 1:
        if len(between) != 1:
            return parts
        sep = str(next(iter(between)))
    else:
        sep = next((s for s in seps if before.endswith(s)), "")
    if not sep or not before.endswith(sep) or "{" in sep or "}" in sep:
        return parts
    head = before[: len(before) - len(sep)]
    return [*parts[: at[0] - 1], *([head] if head else []), ("links", sep), *parts[at[-1] + 1 :]]


_NUMBER = re.compile(r"^(\s*)(\d{1,9})(?=[.)](?:\s|$))")


def numbered(parts: list[Part], place: int) -> list[Part]:
    """``parts`` with an ordered list's number made the ``number`` field when it is the
    entry's place in its run (``1.``, ``2.``, ...), so that entries share a shape and an
    entry added later gets the next number."""
    first = parts[0] if parts else None
    m = _NUMBER.match(first) if isinstance(first, str) else None
    if first is None or m is None or int(m[2]) != place:
        return parts
    rest = str(first)[m.end() :]
    return [*([m[1]] if m[1] else []), ("number", ""), *([rest] if rest else []), *parts[1:]]


def separators(shapes: Sequence[list[Part]]) -> list[str]:
    """The separators between links that entries with two links or more use, commonest first."""
    seen: Counter[str] = Counter()
    for parts in shapes:
        at = [i for i, p in enumerate(parts) if isinstance(p, tuple) and p[0] == "mdlink"]
        for a, b in zip(at, at[1:], strict=False):
            if b == a + 2 and isinstance(parts[a + 1], str):
                seen[str(parts[a + 1])] += 1
    return [s for s, _ in seen.most_common()]


def _place_text(raw: str, value: str, part: Part, taken: list[tuple[int, int, Part]]) -> None:
    start = raw.find(value)
    while start >= 0:
        end = start + len(value)
        edges = not (value[0].isalnum() and start > 0 and raw[start - 1].isalnum()) and not (
            value[-1].isalnum() and end < len(raw) and raw[end].isalnum()
        )
        if edges and not _overlaps(start, end, taken):
            taken.append((start, end, part))
            return
        start = raw.find(value, start + 1)


def _overlaps(start: int, end: int, taken: list[tuple[int, int, Part]]) -> bool:
    return any(start < b and a < end for a, b, _ in taken)


def shape_text(parts: Sequence[Part]) -> str:
    """A shape as the template writes it: the entry's text, braces doubled, with each
    field in braces (``{title}``, ``{link:Code}``, ``{links:] [}``)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part.replace("{", "{{").replace("}", "}}"))
        elif part[0] in ("link", "mdlink", "links"):
            out.append(f"{{{part[0]}:{part[1]}}}")
        else:
            out.append(f"{{{part[0]}}}")
    return "".join(out)
