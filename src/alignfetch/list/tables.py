"""Sections and entries written as new TOML tables, as tomlkit writes them.

An edit appends or inserts these; tomlkit is imported only when a string needs its
escaping (or for a section), so that reading the list never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import tomli

from alignfetch.list.model import OVERRIDES, Entry, Section


def section_text(section: Section) -> str:
    """The section as a [[sections]] table, written by tomlkit."""
    import tomlkit

    t = tomlkit.table()
    t["slug"] = section.slug
    t["title"] = section.title
    if section.parent is not None:
        t["parent"] = section.parent
    if section.order is not None:
        t["order"] = section.order
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(t)
    doc["sections"] = aot
    return tomlkit.dumps(doc)


def section_raw(section: Section) -> dict[str, Any]:
    """The section as tomli reads it back from :func:`section_text`."""
    raw = {"slug": section.slug, "title": section.title}
    if section.parent is not None:
        raw["parent"] = section.parent
    if section.order is not None:
        raw["order"] = section.order
    return raw


def _raw(entry: Entry) -> dict[str, Any]:
    """The entry as tomli reads it back from :func:`_table_text`."""
    raw: dict[str, Any] = tomli.loads(_table_text(entry))["entries"][0]
    return raw


def _table_text(entry: Entry) -> str:
    """The entry as an [[entries]] table, written by tomlkit (imported only to edit)."""
    return tables_text([entry])


def tables_text(entries: Iterable[Entry]) -> str:
    """Entries as [[entries]] tables, blank-line separated, as tomlkit writes them.

    tomlkit costs about a millisecond a table; an import appends hundreds. Entries
    whose strings hold no control character are written here, in exactly tomlkit's
    form (tests/test_import.py compares the two); the others go through tomlkit.
    """
    entries = list(entries)
    if all(_plain_strings(e) for e in entries):
        return "\n".join(_plain_table(e) for e in entries)
    return _tomlkit_tables(entries)


_NEEDS_TOMLKIT = re.compile(r"[\x00-\x1f\x7f]")
"""Characters the plain writer does not escape: such strings go through tomlkit."""
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _plain_strings(entry: Entry) -> bool:
    values = [entry.id, *entry.sections, *(getattr(entry, k) or "" for k in OVERRIDES)]
    values += [entry.name or "", entry.url or ""]
    values += [part for pairs in (entry.typed, entry.links) for pair in pairs for part in pair]
    return not any(_NEEDS_TOMLKIT.search(v) for v in values)


def quoted(text: str) -> str:
    """``text`` as a TOML basic string (for text without control characters)."""
    return _basic(text)


def _basic(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(text: str) -> str:
    return text if _BARE_KEY.fullmatch(text) else _basic(text)


def _plain_table(entry: Entry) -> str:
    if entry.also:  # listed in several sections
        where = f"sections = [{', '.join(_basic(s) for s in entry.sections)}]"
    else:
        where = f"section = {_basic(entry.section)}"
    lines = ["[[entries]]", f"id = {_basic(entry.id)}", where]
    if entry.name:
        lines.append(f"name = {_basic(entry.name)}")
    lines += [f"{k} = {_basic(getattr(entry, k))}" for k in OVERRIDES if getattr(entry, k)]
    if entry.url:
        lines.append(f"url = {_basic(entry.url)}")
    if entry.typed:
        pairs = ", ".join(f"{key} = {_basic(text)}" for key, text in entry.typed)
        lines.append(f"typed = {{{pairs}}}")
    if entry.links:
        pairs = ", ".join(f"{_key(name)} = {_basic(url)}" for name, url in entry.links)
        lines.append(f"links = {{{pairs}}}")
    return "\n".join(lines) + "\n"


def _tomlkit_tables(entries: Iterable[Entry]) -> str:
    import tomlkit

    aot = tomlkit.aot()
    for entry in entries:
        t = tomlkit.table()
        t["id"] = entry.id
        if entry.also:
            t["sections"] = list(entry.sections)
        else:
            t["section"] = entry.section
        if entry.name:
            t["name"] = entry.name
        for key in OVERRIDES:
            value = getattr(entry, key)
            if value:
                t[key] = value
        if entry.url:
            t["url"] = entry.url
        if entry.typed:
            typed = tomlkit.inline_table()
            typed.update(dict(entry.typed))
            t["typed"] = typed
        if entry.links:
            links = tomlkit.inline_table()
            links.update(dict(entry.links))
            t["links"] = links
        aot.append(t)
    doc = tomlkit.document()
    doc["entries"] = aot
    return tomlkit.dumps(doc)
