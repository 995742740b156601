"""What entries.toml may hold: the checks of a maintainer's values (text, dates, links)
and of the file's tables, as tomli read them, into sections and entries.

Every problem is one sentence: an :class:`~alignfetch.errors.InputError` for a value
given on the command line, an :class:`~alignfetch.errors.EntriesFileError` naming the
table and the key for the file. Reading the file is :func:`alignfetch.list.entries.load`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from alignfetch.errors import BadIdError, EntriesFileError, InputError, cap_echo
from alignfetch.list import ids
from alignfetch.list.model import ORDERS, OVERRIDES, TYPED, Entry, Section

TOP_LEVEL_KEYS = ("list", "sections", "entries", "discover", "check", "sources")
SOURCE_SWITCHES = ("semantic_scholar", "openalex", "web_pages")
"""``[sources]``: the sources that enrich entries, each on unless set to false."""
"""The tables entries.toml may hold; anything else is a mistake worth naming.
[discover] and [check] belong to those features, which validate their contents."""
LIST_KEYS = ("title", "order", "template")
"""Keys of [list]: the title, entry order within sections (file, newest, citations), a
template."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# What a maintainer's text may not hold: C0/C1 controls but tab and newline, DEL, and
# the bidi embeddings, overrides and isolates, which make text read as it is not.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


# -- values ----------------------------------------------------------------------------


def check_overrides(
    overrides: Mapping[str, str | None], links: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """Check the overrides of a new entry (``add --title ...``), as one sentence each;
    returns the links as an entry holds them."""
    try:
        for key, value in overrides.items():
            if value is not None:
                check_text(key, value)
        if overrides.get("date") is not None:
            check_date(str(overrides["date"]))
        return check_links(dict(links))
    except InputError as err:
        message = str(err)
        raise InputError(f"{message[:1].upper()}{message[1:]}.") from None


_MULTILINE = frozenset({"description"})
"""The only text a line break belongs in; a title, venue, affiliation, date, link or
template name is one line of the README, which a break would cut in two."""


def check_text(key: str, value: str) -> str:
    """``value`` if it holds no control character or bidi override (a tab and a newline
    only in a description); these would reach the terminal and the README, and a tab in
    one-line text would cut ``list``'s tab-separated columns."""
    m = _CONTROL.search(value)
    if m:
        raise InputError(
            f"the {key} holds the control character U+{ord(m[0]):04X}, which alignfetch "
            "does not write; remove it"
        )
    if key not in _MULTILINE:
        if "\n" in value or "\r" in value:
            raise InputError(f"the {key} holds a line break; write it on one line")
        if "\t" in value:
            raise InputError(f"the {key} holds a tab; write a space instead")
    return value


def check_date(value: str) -> str:
    from datetime import date

    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"the date {cap_echo(value)!r} is not a real date written as YYYY-MM-DD"
        ) from None
    return value


_HTTP_URL = re.compile(r"https?://\S+")


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an entry's link (a clause: ``not a valid URL (invalid IPv6
    URL)``), or None when it can: an http(s) URL without whitespace that urllib splits
    without complaint, whose port (if any) is a number and which names a host, and no
    user or password (the README would publish them)."""
    if not _HTTP_URL.fullmatch(url):
        return "not an http(s) URL"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - urllib checks the port only when it is asked for
    except ValueError as err:
        # urllib's words may quote the URL's own characters: none reaches the terminal raw.
        said = _CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", str(err))
        return f"not a valid URL ({cap_echo(said[:1].lower() + said[1:], 80)})"
    if not parts.hostname:
        return "not a valid URL (it names no host)"
    if "@" in parts.netloc:
        return CREDENTIALS
    if "%" in parts.hostname and ":" in parts.hostname:
        return (
            "an address no list should link (its IPv6 zone names a network interface of one "
            "machine)"
        )
    return None


CREDENTIALS = "a URL with a user name or password before its host, which a list would publish"
""":func:`url_problem`'s clause for ``https://user:password@host/``: a message that says it
does not repeat the URL."""


def check_links(links: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(links, dict):
        raise InputError("links must be a table of name = URL")
    out = []
    for name, url in links.items():
        said = repr(cap_echo(str(name), 60))
        if not isinstance(url, str) or not _HTTP_URL.fullmatch(url):
            given = repr(cap_echo(url)) if isinstance(url, str) else cap_echo(repr(url), 60)
            raise InputError(f"the link {said} must be an http(s) URL, not {given}")
        check_text(f"link name {said}", str(name))
        check_text(f"link {said}", url)
        problem = url_problem(url)
        if problem == CREDENTIALS:
            raise InputError(
                f"the link {said} holds a user name or password before its host, which a list "
                "would publish; remove them"
            )
        if problem is not None:
            raise InputError(f"the link {said} is {cap_echo(url)!r}, {problem}; fix it")
        out.append((str(name), url))
    return tuple(out)


# -- the file's tables -------------------------------------------------------------------


MAX_DEPTH = 32
"""The deepest nesting accepted in [discover] and [check], whose contents their features
check: far more than they use, and little enough for every comparison and edit to walk."""


def _depth(value: object) -> int:
    """How deep tables and arrays nest in ``value`` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth + 1)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


class Contents(NamedTuple):
    """A file's tables as checked, for :class:`~alignfetch.list.entries.EntriesFile`."""

    meta: dict[str, Any]
    sections: list[Section]
    entries: list[Entry]
    raws: list[dict[str, Any]]
    rest: dict[str, Any]


def check_contents(path: Path, data: dict[str, Any]) -> Contents:
    """The tables of the file at ``path``, as tomli read them, checked."""
    name = path.name
    _no_unknown(data, set(TOP_LEVEL_KEYS), f"{name}")
    meta = data.get("list", {})
    if not isinstance(meta, dict):
        raise EntriesFileError(f"In {name}, [list] must be a table.")
    for feature in ("discover", "check"):
        # Their features check what the tables hold; the shape is the file's, and a table
        # nested without end would overflow every comparison of an edit.
        if feature in data and not isinstance(data[feature], dict):
            raise EntriesFileError(f"In {name}, [{feature}] must be a table.")
        if _depth(data.get(feature)) > MAX_DEPTH:
            raise EntriesFileError(
                f"In {name}, [{feature}] nests tables or arrays more than {MAX_DEPTH} levels "
                "deep; flatten it."
            )
    switches = data.get("sources", {})
    if not isinstance(switches, dict):
        raise EntriesFileError(f"In {name}, [sources] must be a table.")
    _no_unknown(switches, set(SOURCE_SWITCHES), f"In {name}, [sources]")
    for key, value in switches.items():
        if not isinstance(value, bool):
            raise EntriesFileError(
                f"In {name}, [sources] {key} must be true or false, not {cap_echo(repr(value))}."
            )
    _no_unknown(meta, set(LIST_KEYS), f"In {name}, [list]")
    if not isinstance(meta.get("title", ""), str):
        raise EntriesFileError(f"In {name}, [list] title must be a string.")
    if meta.get("order", "file") not in ORDERS:
        raise EntriesFileError(f'In {name}, [list] order must be "file", "newest" or "citations".')
    if not isinstance(meta.get("template", ""), str):
        raise EntriesFileError(f"In {name}, [list] template must be a path to a template file.")
    try:
        check_text("title", meta.get("title", ""))
        check_text("template", meta.get("template", ""))
    except InputError as err:
        raise EntriesFileError(f"In {name}, [list]: {err}.") from None
    sections: list[Section] = []
    for i, raw in enumerate(_tables(data, "sections", name), 1):
        where = f"In {name}, section {i}"
        slug, title = raw.get("slug"), raw.get("title")
        if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
            raise EntriesFileError(
                f"{where} needs a slug of lower-case letters, digits, '-' or '_'."
            )
        where = f"{where} ({cap_echo(slug)})"
        if not isinstance(title, str) or not title.strip():
            raise EntriesFileError(f"{where} needs a title.")
        try:
            check_text("title", title)
        except InputError as err:
            raise EntriesFileError(f"{where}: {err}.") from None
        parent = raw.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise EntriesFileError(
                f"{where}: parent must be the slug of a section above it, as a string."
            )
        if parent is not None and parent not in {s.slug for s in sections}:
            raise EntriesFileError(
                f"{where} names parent {cap_echo(parent)!r}, which is not a section above it."
            )
        if any(s.slug == slug for s in sections):
            raise EntriesFileError(f"In {name}, the section slug {cap_echo(slug)!r} appears twice.")
        _no_unknown(raw, {"slug", "title", "parent", "order"}, where)
        order = raw.get("order")
        if order is not None and order not in ORDERS:
            raise EntriesFileError(f'{where}: order must be "file", "newest" or "citations".')
        sections.append(Section(slug, title, parent, order))
    known = {s.slug for s in sections}
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    tables = _tables(data, "entries", name)
    for i, raw in enumerate(tables, 1):
        where = f"In {name}, entry {i}"
        given = raw.get("id")
        if not isinstance(given, str):
            raise EntriesFileError(f"{where} needs an id.")
        try:
            ref = ids.parse(given)
        except BadIdError as err:
            said = str(err)  # a sentence of its own: after the colon it goes on in lower case
            raise EntriesFileError(f"{where}: {said[:1].lower()}{said[1:]}") from None
        canonical = str(ref)
        where = f"In {name}, entry {i} ({cap_echo(canonical)})"
        identity = ids.identity(canonical)
        if identity in seen:
            raise EntriesFileError(f"{where} repeats entry {seen[identity]}; remove one of them.")
        seen[identity] = i
        listed = _sections(raw, where, known, sections)
        entry = _entry(canonical, listed[0], raw, where)
        entries.append(entry if len(listed) == 1 else replace(entry, also=listed[1:]))
    raws = [dict(r) for r in tables]
    rest = {k: v for k, v in data.items() if k != "entries"}
    return Contents(dict(meta), sections, entries, raws, rest)


def _sections(
    raw: Mapping[str, Any], where: str, known: set[str], sections: list[Section]
) -> tuple[str, ...]:
    """The sections an entry is listed in: ``section = "a"``, or ``sections = ["a", "b"]``
    for an entry the list shows in several (each defined, none twice)."""
    if "sections" not in raw:
        section = raw.get("section")
        if section is not None and not isinstance(section, str):
            choices = known_slugs(s.slug for s in sections) or "none yet"
            raise EntriesFileError(
                f"{where}: section must be a section's slug written as a string; "
                f"use one of: {choices}."
            )
        if section not in known:
            shown = cap_echo(section) if section is not None else None
            raise EntriesFileError(f"{where} names section {shown!r}, which is not defined.")
        return (section,)
    if "section" in raw:
        raise EntriesFileError(
            f"{where} has both section and sections; keep one (sections = [...] lists them all)."
        )
    listed = raw["sections"]
    if not isinstance(listed, list) or not all(isinstance(s, str) for s in listed):
        choices = known_slugs(s.slug for s in sections) or "none yet"
        raise EntriesFileError(
            f'{where}: sections must be a list of section slugs, ["a", "b"]; '
            f"use some of: {choices}."
        )
    if not listed:
        raise EntriesFileError(f"{where} has an empty sections list; name at least one section.")
    for i, slug in enumerate(listed):
        if slug not in known:
            raise EntriesFileError(
                f"{where} names section {cap_echo(slug)!r}, which is not defined."
            )
        if slug in listed[:i]:
            raise EntriesFileError(
                f"{where} lists section {cap_echo(slug)!r} twice in sections; name it once."
            )
    return tuple(listed)


def known_slugs(slugs: Iterable[str]) -> str:
    """The slugs a message suggests, in the file's order."""
    return ", ".join(cap_echo(s, 60) for s in slugs)


def _tables(data: Mapping[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise EntriesFileError(f"In {name}, {key} must be written as [[{key}]] tables.")
    return value


def _no_unknown(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        # A quoted key may hold anything: shown as written only when it is plain text.
        shown = [cap_echo(k if k.isprintable() else repr(k), 60) for k in unknown[:10]]
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise EntriesFileError(
            f"{where} has unknown key(s) {', '.join(shown)}{more}; "
            f"allowed: {', '.join(sorted(allowed))}."
        )


_ENTRY_KEYS = frozenset(
    {"id", "section", "sections", "links", "check_ignore", "name", "url", "typed", *OVERRIDES}
)


def _entry(entry_id: str, section: str, raw: Mapping[str, Any], where: str) -> Entry:
    if len(raw) == 2 and "id" in raw and "section" in raw:
        return Entry(entry_id, section)  # most entries: nothing else to check
    _no_unknown(raw, set(_ENTRY_KEYS), where)
    values: dict[str, Any] = {}
    for key in OVERRIDES:
        if key in raw:
            value = raw[key]
            if not isinstance(value, str):
                raise EntriesFileError(f"{where}: {key} must be a string.")
            values[key] = value
    try:
        for key, value in values.items():
            check_text(key, value)
        if "date" in values:
            check_date(values["date"])
        links = check_links(raw.get("links", {}))
    except InputError as err:
        raise EntriesFileError(f"{where}: {err}.") from None
    ignore = raw.get("check_ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(r, str) for r in ignore):
        raise EntriesFileError(f'{where}: check_ignore must be a list of rule names, ["stale"].')
    listed = _listed(raw, where)
    return Entry(entry_id, section, links=links, check_ignore=tuple(ignore), **values, **listed)


def _one_line(key: str, value: object, where: str, what: str) -> str:
    """``value`` of the entry's ``key``: a string as :func:`check_text` allows it."""
    if not isinstance(value, str):
        raise EntriesFileError(f"{where}: {what}{key} must be a string.")
    try:
        return check_text(key, value)
    except InputError as err:
        said = f"{what}{key}: {err}" if what else str(err)  # "typed title: the title holds…"
        raise EntriesFileError(f"{where}: {said}.") from None


def _listed(raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """An entry's ``name``, ``url`` and ``typed`` (what the list says of it), checked."""
    out: dict[str, Any] = {}
    for key in ("name", "url"):
        if key in raw:
            out[key] = _one_line(key, raw[key], where, "")
    if "url" in out and (problem := url_problem(out["url"])) is not None:
        raise EntriesFileError(f"{where}: url {cap_echo(out['url'])!r} is {problem}.")
    typed = raw.get("typed", {})
    if not isinstance(typed, dict):
        raise EntriesFileError(
            f'{where}: typed must be a table of what the list says, {{title = "…"}}.'
        )
    _no_unknown(typed, set(TYPED), f"{where}: typed")
    pairs = [(key, _one_line(key, typed[key], where, "typed ")) for key in TYPED if key in typed]
    if pairs:
        out["typed"] = tuple(pairs)
    return out
