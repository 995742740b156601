"""Edits of entries.toml's text that keep its formatting: adding, removing and
changing entries and sections.

New tables (:mod:`alignfetch.list.tables`) are appended or inserted; an existing
entry's table is parsed and rewritten by tomlkit on its own text (so its comments and
layout stay), and a removed table's lines are cut. Every edit is checked by reading
the whole file back with tomli before it is accepted: rewriting the whole file (as
tomlkit would) could move tables and lose comments, so an edit that cannot be made
in place is refused with a sentence saying to make it by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import tomli

from alignfetch.errors import EntriesFileError, InputError, cap_echo
from alignfetch.list.checks import check_contents
from alignfetch.list.model import Entry, Section
from alignfetch.list.tables import quoted as _quoted
from alignfetch.list.tables import section_raw, section_text, tables_text

if TYPE_CHECKING:
    # Only for the annotations: EntriesFile's methods call the edits here.
    from alignfetch.list.entries import EntriesFile


# -- where a table's lines are in the text ------------------------------------------------

_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_ENTRIES_HEADER = re.compile(
    r"^[ \t]*\[\[[ \t]*entries[ \t]*\]\][ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE
)


def _cut_table(text: str, index: int) -> str | None:
    """``text`` without its ``index``-th [[entries]] table, or None if it cannot tell.

    The comment and blank lines that end the table sit above the next one and are
    kept; the caller checks the result with tomli before trusting it.
    """
    bounds = _bounds(text, "entries", index)
    if bounds is None:
        return None
    start, own_end, end = bounds
    tail = text[own_end:end]
    head = text[:start]
    if not head.strip() or head.endswith(("\n\n", "\r\n\r\n")):
        tail = tail.lstrip("\r\n")
    out = head + tail + text[end:]
    if end == len(text):  # the last table: the file keeps one final line end
        out = out.rstrip("\r\n") + ("\r\n" if "\r\n" in text else "\n")
    return out


def _header(key: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*\[\[[ \t]*{key}[ \t]*\]\][ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE)


def _span(text: str, key: str, index: int) -> tuple[int, int] | None:
    """Where the ``index``-th ``[[key]]`` table's own lines are: from its header to
    its last line that is not blank or a comment (those sit above the next table)."""
    bounds = _bounds(text, key, index)
    return None if bounds is None else bounds[:2]


def _bounds(text: str, key: str, index: int) -> tuple[int, int, int] | None:
    """The ``index``-th ``[[key]]`` table: where its header starts, where its own lines
    end (before the blank and comment lines that sit above the next table), and where
    the next table starts (the text's end for the last one). Its sub-tables
    (``[key.links]``) are part of it."""
    headers = list(_header(key).finditer(text))
    if index >= len(headers):
        return None
    start = headers[index].start()
    sub = re.compile(rf"[ \t]*\[\[?[ \t]*{key}[ \t]*\.")
    following = _TABLE_HEADER.search(text, headers[index].end())
    while following is not None and sub.match(text, following.start()):
        following = _TABLE_HEADER.search(text, following.end())
    end = following.start() if following else len(text)
    lines = text[start:end].splitlines(keepends=True)
    keep = len(lines)
    while keep > 1 and (not lines[keep - 1].strip() or lines[keep - 1].lstrip().startswith("#")):
        keep -= 1
    return start, start + len("".join(lines[:keep])), end


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_newlines(fragment: str, nl: str) -> str:
    return re.sub(r"\r?\n", nl, fragment)


# -- appending and cutting, as EntriesFile.add, add_sections and remove do ---------------


def append_entries(ef: EntriesFile, new: Iterable[Entry]) -> None:
    """Append ``new`` as [[entries]] tables at the end of the file, leaving the
    rest of it byte for byte (tomlkit would regroup interleaved tables)."""
    new = list(new)
    nl = "\r\n" if "\r\n" in ef.text else "\n"
    # One tomlkit document for them all: tomlkit costs a millisecond a table,
    # and an import appends hundreds.
    written = tables_text(new)
    raws: list[dict[str, Any]] = tomli.loads(written).get("entries", [])
    tables = written.replace("\n", nl)
    base = ef.text.rstrip()
    text = f"{base}{nl}{nl}{tables}" if base else tables
    _edit(ef, text, ef.entries + new, ef.raws + raws)


def append_sections(ef: EntriesFile, new: Iterable[Section]) -> None:
    """Append ``new`` as [[sections]] tables at the end of the file (before any
    entries added after them), leaving the rest of it byte for byte."""
    new = list(new)
    if not new:
        return
    nl = "\r\n" if "\r\n" in ef.text else "\n"
    tables = "\n".join(section_text(s) for s in new).replace("\n", nl)
    base = ef.text.rstrip()
    text = f"{base}{nl}{nl}{tables}" if base else tables
    rest = dict(ef.rest)
    rest["sections"] = [*rest.get("sections", []), *(section_raw(s) for s in new)]
    try:
        data = tomli.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        data = {"entries": None}
    got = data.pop("entries", [])
    if data != rest or got != ef.raws:
        raise EntriesFileError(
            f"{ef.path.name} could not be edited safely; add the sections by hand."
        )
    ef.text = text
    ef.rest = rest
    ef.sections = [*ef.sections, *new]


def remove_entry(ef: EntriesFile, entry_id: str) -> Entry:
    """Cut the entry's table out of the text; comments above the next table stay."""
    entry = ef.find(entry_id)
    if entry is None:
        raise InputError(f"{cap_echo(entry_id)} is not in {ef.path.name}; nothing was removed.")
    index = ef.entries.index(entry)
    rest = ef.entries[:index] + ef.entries[index + 1 :]
    raws = ef.raws[:index] + ef.raws[index + 1 :]
    if not _ENTRIES_HEADER.search(ef.text):
        raise EntriesFileError(
            f"In {ef.path.name}, entries are written as an inline array; write each as an "
            "[[entries]] table so that alignfetch can edit the file."
        )
    text = _cut_table(ef.text, index)
    if text is None or not _fits(ef, text, raws):
        # Rewriting the whole file (as tomlkit would) could move tables and lose
        # comments; better to say so and let the maintainer cut it by hand.
        raise EntriesFileError(
            f"{cap_echo(entry.id)} could not be cut out of {ef.path.name} safely (its "
            "table is written in a way alignfetch does not edit); remove its lines by hand."
        )
    _edit(ef, text, rest, raws)
    return entry


def _fits(ef: EntriesFile, text: str, raws: list[dict[str, Any]]) -> bool:
    """Whether ``text`` holds exactly ``raws`` as its entries, and all else unchanged."""
    try:
        data = tomli.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        return False
    got = data.pop("entries", [])
    return data == ef.rest and got == raws


def _edit(ef: EntriesFile, text: str, entries: list[Entry], raws: list[dict[str, Any]]) -> None:
    if not _fits(ef, text, raws):
        raise EntriesFileError(
            f"{ef.path.name} could not be edited safely (are its entries written as an "
            "inline array?); write each entry as an [[entries]] table."
        )
    ef.text = text
    ef.entries = entries
    ef.raws = raws


# -- editing sections and entries in place ----------------------------------------------


def _accept(ef: EntriesFile, text: str, expected: dict[str, Any]) -> None:
    """Take ``text`` as the file's new text if it reads back as ``expected``."""
    try:
        data: dict[str, Any] | None = tomli.loads(text)
    except (ValueError, RecursionError):  # TOMLDecodeError is a ValueError
        data = None
    if data is None or data != expected:
        raise EntriesFileError(
            f"The edit of {ef.path.name} could not be made safely (its tables are written in "
            "a way alignfetch does not edit); make it by hand."
        )
    new = check_contents(ef.path, data)
    ef.text, ef.meta, ef.sections = text, new.meta, new.sections
    ef.entries, ef.raws, ef.rest = new.entries, new.raws, new.rest


def _data(ef: EntriesFile) -> dict[str, Any]:
    """The file's content as tomli read it."""
    out = dict(ef.rest)
    if ef.raws:
        out["entries"] = [dict(r) for r in ef.raws]
    return out


def add_section(ef: EntriesFile, section: Section) -> None:
    """Insert ``section`` as a [[sections]] table after the last one, or, with none yet,
    at the end (a file without sections has no entries: each names a section)."""
    nl = _newline(ef.text)
    table = _with_newlines(section_text(section), nl)
    text = ef.text
    count = len(list(_header("sections").finditer(text)))
    if ef.sections and count != len(ef.sections):
        raise EntriesFileError(
            f"In {ef.path.name}, sections are written as an inline array; write each as a "
            "[[sections]] table so that alignfetch can edit the file."
        )
    if ef.sections:
        span = _span(text, "sections", count - 1)
        assert span is not None
        end = span[1]
        head = text[:end] if text[:end].endswith(("\n", "\r")) else text[:end] + nl
        new = f"{head}{nl}{table}{text[end:]}"
    else:
        # No entry table can follow: check_contents refuses an entry whose section is not defined.
        # (A line reading "[[entries]]" inside a multi-line string is no table either.)
        base = text.rstrip()
        new = f"{base}{nl}{nl}{table}" if base else table
    expected = _data(ef)
    raw = {"slug": section.slug, "title": section.title}
    if section.parent is not None:
        raw["parent"] = section.parent
    expected["sections"] = [*expected.get("sections", []), raw]
    _accept(ef, new, expected)


def remove_section(ef: EntriesFile, slug: str) -> Section:
    """Cut the section's [[sections]] table out of the text; it must be empty."""
    section = ef.section(slug)
    index = ef.sections.index(section)
    span = _span(ef.text, "sections", index)
    if span is None or len(list(_header("sections").finditer(ef.text))) != len(ef.sections):
        raise EntriesFileError(
            f"The section {cap_echo(slug)!r} could not be cut out of {ef.path.name} safely "
            "(sections are written in a way alignfetch does not edit); remove its lines by hand."
        )
    start, end = span
    text = ef.text
    tail = text[end:]
    head = text[:start]
    # The blank line that separated the table from what follows goes with it.
    if not head.strip() or head.endswith(("\n\n", "\r\n\r\n")):
        tail = re.sub(r"^(?:[ \t]*\r?\n)+", "", tail)
    new = head + tail
    if not new.strip():
        new = ""
    elif not tail.strip():
        new = new.rstrip("\r\n") + _newline(text)
    expected = _data(ef)
    expected["sections"] = [s for s in expected.get("sections", []) if s.get("slug") != slug]
    if not expected["sections"]:
        del expected["sections"]
    _accept(ef, new, expected)
    return section


def edit_entry(ef: EntriesFile, entry_id: str, changes: Mapping[str, Any]) -> Entry:
    """Set (a string) or clear (None) keys of the entry's table, in place.

    ``changes`` maps ``section`` and override names to a value or None, ``links``
    to a mapping of link names to a URL or None (None removes the link), and
    ``sections`` to the slugs the entry is listed in (one is written ``section = "a"``,
    several ``sections = [...]``, where the other key was). Only the entry's own table
    is rewritten (by tomlkit, keeping its comments).
    """
    import tomlkit

    entry = ef.find(entry_id)
    if entry is None:
        raise InputError(f"The entry {cap_echo(entry_id)} is not in {ef.path.name}; add it first.")
    index = ef.entries.index(entry)
    span = _span(ef.text, "entries", index)
    if span is None or len(list(_ENTRIES_HEADER.finditer(ef.text))) != len(ef.entries):
        raise EntriesFileError(
            f"In {ef.path.name}, entries are written as an inline array; write each as an "
            "[[entries]] table so that alignfetch can edit the file."
        )
    start, end = span
    nl = _newline(ef.text)
    own = ef.text[start:end].replace("\r\n", "\n")
    if "sections" in changes:
        rest = {k: v for k, v in changes.items() if k != "sections"}
        own, changes = _sections_key(own, ef.raws[index], changes["sections"], rest)
    try:
        # tomlkit reads what tomli read, but by its own rules (and recursion): should it
        # refuse the table, the edit is refused as one it cannot make safely.
        doc = tomlkit.parse(own)
    except (ValueError, RecursionError):  # tomlkit's ParseError is a ValueError
        raise EntriesFileError(
            f"The edit of {ef.path.name} could not be made safely (the entry's table is "
            "written in a way alignfetch does not edit); make it by hand."
        ) from None
    table = doc["entries"][0]
    raw = dict(ef.raws[index])
    for key, value in changes.items():
        if key == "links":
            merged = dict(raw.get("links", {}))
            for name, url in value.items():
                if url is None:
                    merged.pop(name, None)
                else:
                    merged[name] = url
            links = table.get("links")
            if merged and isinstance(links, tomlkit.items.Table):
                # A [entries.links] table of its own: edit it key by key.
                for name in [n for n in links if n not in merged]:
                    del links[name]
                for name, url in merged.items():
                    links[name] = url
            elif merged:
                inline = tomlkit.inline_table()
                inline.update(merged)
                table["links"] = inline
            elif "links" in table:
                del table["links"]
            if merged:
                raw["links"] = merged
            else:
                raw.pop("links", None)
        elif value is None:
            raw.pop(key, None)
            if key in table:
                del table[key]
        else:
            raw[key] = value
            table[key] = value
    fragment = _with_newlines(tomlkit.dumps(doc), nl)
    # tomlkit may end the table with a newline the span did not hold.
    if not ef.text[start:end].endswith(("\n", "\r")):
        fragment = fragment.rstrip("\r\n")
    new = ef.text[:start] + fragment + ef.text[end:]
    expected = _data(ef)
    expected["entries"][index] = raw
    _accept(ef, new, expected)
    return ef.entries[index]


def _sections_key(
    own: str, raw: Mapping[str, Any], slugs: Sequence[str], changes: dict[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The entry's table text and ``changes`` that list it in ``slugs``: ``section``
    for one, ``sections`` for several, and the other key cleared. A one-line key being
    replaced is rewritten where it stands, so the table keeps its order."""
    key, value = ("section", slugs[0]) if len(slugs) == 1 else ("sections", list(slugs))
    other = "sections" if key == "section" else "section"
    changes = {**changes, key: value, other: None}
    if other in raw:
        line = re.compile(
            rf'^([ \t]*){other}([ \t]*=[ \t]*)(?:"[^"\\\n]*"|\[[^\]\n]*\])(?=[ \t]*(?:#|$))',
            re.MULTILINE,
        )
        written = (
            _quoted(value) if isinstance(value, str) else f"[{', '.join(map(_quoted, value))}]"
        )
        own = line.sub(lambda m: f"{m[1]}{key}{m[2]}{written}", own, count=1)
    return own, changes
