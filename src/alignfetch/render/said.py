"""What a list's own look shows of an entry: the maintainer's words until a source knows better.

A template learned from a list (``alignfetch import``) writes each entry as the list
wrote it, field by field: its name, title, authors, venue, date, affiliation,
description, its own link and its other links (:func:`said`). A value the maintainer
set as an override wins; else a value a source fetched (a title, the authors, a date:
a refresh's correction); else what the list typed (entries.toml's ``typed``). A fetched
date or author list is written the way the list writes its own (``Dec 2025``,
``Doe, Roe, and Poe``, ``Doe et al.``) when that way is recognised, else the typed text
stays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date as Date
from typing import Any

from alignfetch.errors import InputError
from alignfetch.list.export import display_date
from alignfetch.list.ids import page
from alignfetch.readme.text import md
from alignfetch.records import MONTHS

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def said(e: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a learned template shows for the exported entry ``e`` (cached or not)."""
    overrides = e.get("overrides") or {}
    typed = overrides.get("typed") or {}
    cached = e.get("cached") is not False
    fetched_title = e.get("title") if cached and not overrides.get("title") else None
    title = overrides.get("title") or ""
    if not title:
        said_title = typed.get("title") or ""
        title = _corrected(str(fetched_title), said_title) if fetched_title else said_title
    authors = typed.get("authors") or ""
    names = [str(a) for a in e.get("authors") or [] if a] if cached else []
    if names:
        shown = write_authors(names, authors) if authors else ", ".join(names)
        authors = _corrected(shown, authors)
    day = overrides.get("date") or (display_date(e) if cached else None)
    shown_date = typed.get("date") or ""
    if day:
        shown_date = write_date(str(day), shown_date) if shown_date else str(day)
    url = overrides.get("url") or (e.get("url") if cached else None) or page(str(e.get("id")))
    # A venue the scholarly graph gives (ACL 2023) corrects a typed `arXiv 2023`.
    venue = overrides.get("venue") or ""
    if not venue:
        fetched_venue = e.get("venue") if cached else None
        said_venue = typed.get("venue") or ""
        venue = _corrected(str(fetched_venue), said_venue) if fetched_venue else said_venue
    return {
        "id": e.get("id"),
        # How the list writes dates and authors is learned from what it typed: an entry
        # that typed none (added since) is written the way the rest of its list is (fill).
        "day": "" if typed.get("date") or not day else str(day)[:10],
        "names": [] if typed.get("authors") else [md(n) for n in names],
        "name": overrides.get("name") or "",
        "title": title,
        "authors": authors,
        "venue": venue,
        "date": shown_date,
        "affiliation": overrides.get("affiliation")
        or (str(e.get("affiliation") or "") if cached else ""),
        "description": overrides.get("description") or "",
        "url": url,
        "links": dict(overrides.get("links") or {}),
    }


FIELDS = ("name", "title", "authors", "venue", "date", "affiliation", "description", "url")
_FIELD = re.compile(r"\{\{|\}\}|\{([a-z]+)(?::([^{}]*))?\}")


def fill(look: object, shape: object = "", number: object = None, ways: object = None) -> str:
    """``shape``, an entry's learned shape, written with the fields of ``look`` (what
    :func:`said` gives): ``{title}``, ``{url}``..., ``{link:Code}`` (that link's URL),
    ``{mdlink:Code}`` (``[Code](URL)``), ``{links:SEP}`` (each of the entry's links as
    ``SEP[NAME](URL)``, in order), ``{number}`` (``number``: the entry's place in its
    run, for an ordered list); ``{{`` and ``}}`` are braces. ``ways`` holds how the list
    writes a ``date`` and ``authors`` (one of its own, ``Dec 2025``, ``Doe et al.``): an
    entry that typed neither is written that way."""
    if not isinstance(look, Mapping) or not isinstance(shape, str):
        raise InputError("fill writes an item's look with a shape: `item.look | fill(shape)`")
    links = look.get("links") or {}
    way = ways if isinstance(ways, Mapping) else {}

    def field(m: re.Match[str]) -> str:
        whole, key, arg = m.group(0), m.group(1), m.group(2)
        if whole in ("{{", "}}"):
            return whole[0]
        if key == "date" and look.get("day") and way.get("date"):
            return write_date(str(look["day"]), str(way["date"]))
        if key == "authors" and look.get("names") and way.get("authors"):
            return write_authors([str(n) for n in look["names"]], str(way["authors"]))
        if arg is None and key in FIELDS:
            return str(look.get(key) or "")
        if arg is None and key == "number":
            return "" if number is None else str(number)
        if key == "link" and arg is not None:
            return str(links.get(arg, ""))
        if key == "mdlink" and arg is not None:
            return f"[{arg}]({links.get(arg, '')})"
        if key == "links" and arg is not None:
            return "".join(f"{arg}[{name}]({url})" for name, url in links.items())
        raise InputError(
            f"The shape field {whole} is none alignfetch knows; use {{name}}, {{title}}, "
            "{authors}, {venue}, {date}, {affiliation}, {description}, {url}, {number}, "
            "{link:NAME}, {mdlink:NAME} or {links:SEP}, and {{ and }} for braces"
        )

    return _FIELD.sub(field, shape)


def arrange(items: object, ids: object = (), rest: object = None) -> list[Any]:
    """A run of a section's entries on a learned page: the ``items`` whose IDs ``ids``
    names, in that order; with ``rest`` (a section's last run), then every other item
    whose ID ``rest`` does not name (an entry added since), in the list's order."""
    if not isinstance(items, Sequence) or not isinstance(ids, Sequence):
        raise InputError("arrange takes a section's items and a list of IDs")
    by_id: dict[str, Any] = {}
    for item in items:
        by_id.setdefault(str(item.entry.get("id")), item)
    out = [by_id[i] for i in ids if i in by_id]
    if rest is not None:
        if not isinstance(rest, Sequence):
            raise InputError("arrange's third argument is a list of IDs to leave out")
        seen = {*ids, *rest}
        out.extend(item for item in items if str(item.entry.get("id")) not in seen)
    return out


def _corrected(fetched: str, typed: str) -> str:
    """A source's text where the list typed ``typed``: the typed text when they say the
    same (the maintainer's Markdown stays as written), else the fetched text as inline
    Markdown that shows it as it is."""
    if typed and " ".join(fetched.split()) == " ".join(typed.split()):
        return typed
    return md(fetched)


# -- dates written the list's way ------------------------------------------------------

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "{y}-{m:02d}-{d:02d}"),
    (re.compile(r"^\d{4}/\d{2}/\d{2}$"), "{y}/{m:02d}/{d:02d}"),
    (re.compile(r"^\d{4}\.\d{2}\.\d{2}$"), "{y}.{m:02d}.{d:02d}"),
    (re.compile(r"^\d{4}-\d{2}$"), "{y}-{m:02d}"),
    (re.compile(r"^\d{4}/\d{2}$"), "{y}/{m:02d}"),
    (re.compile(r"^\d{4}\.\d{2}$"), "{y}.{m:02d}"),
    (re.compile(r"^\d{4}$"), "{y}"),
    (re.compile(r"^[A-Z][a-z]{2} \d{4}$"), "{mon} {y}"),
    (re.compile(r"^[A-Z][a-z]{2}\. \d{4}$"), "{mon}. {y}"),
    (re.compile(r"^[A-Z][a-z]{3,8} \d{4}$"), "{month} {y}"),
    (re.compile(r"^\d{1,2} [A-Z][a-z]{2} \d{4}$"), "{d} {mon} {y}"),
    (re.compile(r"^\d{1,2} [A-Z][a-z]{3,8} \d{4}$"), "{d} {month} {y}"),
    (re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}$"), "{mon} {d}, {y}"),
    (re.compile(r"^[A-Z][a-z]{3,8} \d{1,2}, \d{4}$"), "{month} {d}, {y}"),
)


def write_date(day: str, typed: str) -> str:
    """The ISO date ``day`` written as the list wrote ``typed`` (``Dec 2025``), or
    ``typed`` itself when its way is not one alignfetch can write again exactly."""
    value = _parts(day)
    if value is None:
        return typed
    own = _typed_parts(typed)
    for pattern, form in _SHAPES:
        if not pattern.match(typed):
            continue
        # The way is recognised only if it writes the typed date itself back exactly.
        if own is None or _format(form, *own) != typed:
            return typed
        return _format(form, *value)
    return typed


def _parts(day: str) -> tuple[int, int, int] | None:
    m = _ISO.match(day)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        Date(y, mo, d)
    except ValueError:
        return None
    return y, mo, d


def _typed_parts(typed: str) -> tuple[int, int, int] | None:
    """The year, month and day a typed date names (1 where it names none)."""
    text = typed.replace(",", " ").replace(".", " ").replace("/", " ").replace("-", " ")
    words = text.split()
    year = next((int(w) for w in words if len(w) == 4 and w.isdigit()), None)
    if year is None:
        return None
    month, day = 1, 1
    numbers = [int(w) for w in words if w.isdigit() and len(w) <= 2]
    named = [w for w in words if w.isalpha()]
    if named:
        number = MONTHS.get(named[0].lower())
        if number is None:
            return None
        month = number
        day = numbers[0] if numbers else 1
    elif numbers:
        month = numbers[0]
        day = numbers[1] if len(numbers) > 1 else 1
    return _parts(f"{year:04d}-{month:02d}-{day:02d}")


def _format(form: str, y: int, m: int, d: int) -> str:
    return form.format(y=y, m=m, d=d, mon=_MONTHS[m - 1], month=_FULL[m - 1])


# -- authors written the list's way ------------------------------------------------------

_ET_AL = re.compile(r"^([^,;]+?)(,?\s+et\.?\s+al\.?.*)$", re.IGNORECASE)


def write_authors(names: Sequence[str], typed: str) -> str:
    """``names`` written as the list wrote ``typed``: ``A, B, and C``, ``A and B``,
    ``A; B``, ``A et al.``; ``typed`` itself when its way is not recognised."""
    m = _ET_AL.match(typed.strip())
    if m:
        return f"{names[0]}{m.group(2)}" if typed == typed.strip() else typed
    sep = "; " if ";" in typed else ", "
    if not any(mark in typed for mark in (sep, " and ", " & ")):
        return sep.join(names)  # one name typed: the commonest way
    for last in (", and ", " and ", " & ", sep):
        parts = _split(typed, sep, last)
        if parts is not None and _join(parts, sep, last) == typed:
            return _join(list(names), sep, last)
    return typed


def _split(text: str, sep: str, last: str) -> list[str] | None:
    head, found, tail = text.rpartition(last)
    if not found:
        return [text] if sep not in text else None
    return [*head.split(sep), tail] if head else None


def _join(names: list[str], sep: str, last: str) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) == 2 and last == ", and ":
        return f"{names[0]} and {names[1]}"
    return sep.join(names[:-1]) + last + names[-1]
