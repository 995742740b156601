"""entries.toml: the human-edited list of what the list holds.

Read with tomli (the standard library's tomllib is a copy of it; tomli is compiled and
three times as fast, with the same TOML 1.0 and the same messages) and checked into
:class:`EntriesFile`. Edits touch the text
only where they must (new tables, rendered with tomlkit, are appended; a removed
table's lines are cut), are checked by reading the result back, and are written
atomically (temporary file, then rename).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

from alignfetch.errors import AlignfetchError, BadIdError, EntriesFileError, InputError, cap_echo
from alignfetch.list import ids

TOP_LEVEL_KEYS = ("list", "sections", "entries", "discover", "check")
"""The tables entries.toml may hold; anything else is a mistake worth naming.
[discover] and [check] belong to those features, which validate their contents."""
LIST_KEYS = ("title", "order", "template")
"""Keys of [list]: the title, entry order within sections (file, newest), a template."""
OVERRIDES = ("title", "description", "venue", "affiliation", "date")
"""Per-entry fields a maintainer may set; they win over fetched values."""
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
# What a maintainer's text may not hold: C0/C1 controls but tab and newline, DEL, and
# the bidi embeddings, overrides and isolates, which make text read as it is not.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    parent: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    """Canonical ``prefix:key``, whatever form the file spells it in."""
    section: str
    title: str | None = None
    description: str | None = None
    venue: str | None = None
    affiliation: str | None = None
    date: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    check_ignore: tuple[str, ...] = ()
    """Rules of ``alignfetch check`` not to apply to this entry (names checked there)."""

    def overrides(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in OVERRIDES if getattr(self, k)}
        if self.links:
            out["links"] = dict(self.links)
        return out


@dataclass
class EntriesFile:
    path: Path
    text: str
    """The file as read (with its own line endings); edits work on this text."""
    meta: dict[str, Any]
    """The [list] table."""
    sections: list[Section]
    entries: list[Entry] = field(default_factory=list)
    raws: list[dict[str, Any]] = field(default_factory=list)
    """Each entry's table as read, to check an edit changed nothing else."""
    rest: dict[str, Any] = field(default_factory=dict)
    """Everything else in the file as read, for the same check."""
    bom: bool = False
    _index: tuple[list[Entry], int, dict[str, Entry]] | None = field(
        default=None, repr=False, compare=False
    )

    def section(self, slug: str) -> Section:
        for s in self.sections:
            if s.slug == slug:
                return s
        known = _known(s.slug for s in self.sections) or "none yet"
        raise InputError(
            f"There is no section {cap_echo(slug)!r} in {self.path.name}; use one of: {known}."
        )

    def find(self, entry_id: str) -> Entry | None:
        """The entry that is ``entry_id`` (a canonical ID, compared by identity)."""
        # An index by identity, built on the first look-up and again whenever the list
        # of entries is another one (edits replace it): `show` and `cite ID...` on a
        # long list look up without comparing every entry.
        index = self._index
        if index is None or index[0] is not self.entries or index[1] != len(self.entries):
            by_identity: dict[str, Entry] = {}
            for e in self.entries:
                by_identity.setdefault(ids.identity(e.id), e)
            index = self._index = (self.entries, len(self.entries), by_identity)
        return index[2].get(ids.identity(entry_id))

    def add(self, new: Iterable[Entry]) -> None:
        """Append ``new`` as [[entries]] tables at the end of the file, leaving the
        rest of it byte for byte (tomlkit would regroup interleaved tables)."""
        new = list(new)
        nl = "\r\n" if "\r\n" in self.text else "\n"
        # One tomlkit document for them all: tomlkit costs a millisecond a table,
        # and an import appends hundreds.
        written = _tables_text(new)
        raws: list[dict[str, Any]] = tomli.loads(written).get("entries", [])
        tables = written.replace("\n", nl)
        base = self.text.rstrip()
        text = f"{base}{nl}{nl}{tables}" if base else tables
        self._edit(text, self.entries + new, self.raws + raws)

    def add_sections(self, new: Iterable[Section]) -> None:
        """Append ``new`` as [[sections]] tables at the end of the file (before any
        entries added after them), leaving the rest of it byte for byte."""
        new = list(new)
        if not new:
            return
        nl = "\r\n" if "\r\n" in self.text else "\n"
        tables = "\n".join(_section_text(s) for s in new).replace("\n", nl)
        base = self.text.rstrip()
        text = f"{base}{nl}{nl}{tables}" if base else tables
        rest = dict(self.rest)
        rest["sections"] = [*rest.get("sections", []), *(_section_raw(s) for s in new)]
        try:
            data = tomli.loads(text)
        except tomli.TOMLDecodeError:
            data = {}
        data.pop("entries", None)
        if data != rest or tomli.loads(text).get("entries", []) != self.raws:
            raise EntriesFileError(
                f"{self.path.name} could not be edited safely; add the sections by hand."
            )
        self.text = text
        self.rest = rest
        self.sections = [*self.sections, *new]

    def remove(self, entry_id: str) -> Entry:
        """Cut the entry's table out of the text; comments above the next table stay."""
        entry = self.find(entry_id)
        if entry is None:
            raise InputError(
                f"{cap_echo(entry_id)} is not in {self.path.name}; nothing was removed."
            )
        index = self.entries.index(entry)
        rest = self.entries[:index] + self.entries[index + 1 :]
        raws = self.raws[:index] + self.raws[index + 1 :]
        if not _ENTRIES_HEADER.search(self.text):
            raise EntriesFileError(
                f"In {self.path.name}, entries are written as an inline array; write each as an "
                "[[entries]] table so that alignfetch can edit the file."
            )
        text = _cut_table(self.text, index)
        if text is None or not self._fits(text, raws):
            # Rewriting the whole file (as tomlkit would) could move tables and lose
            # comments; better to say so and let the maintainer cut it by hand.
            raise EntriesFileError(
                f"{cap_echo(entry.id)} could not be cut out of {self.path.name} safely (its "
                "table is written in a way alignfetch does not edit); remove its lines by hand."
            )
        self._edit(text, rest, raws)
        return entry

    def _fits(self, text: str, raws: list[dict[str, Any]]) -> bool:
        """Whether ``text`` holds exactly ``raws`` as its entries, and all else unchanged."""
        try:
            data = tomli.loads(text)
        except tomli.TOMLDecodeError:
            return False
        got = data.pop("entries", [])
        return data == self.rest and got == raws

    def _edit(self, text: str, entries: list[Entry], raws: list[dict[str, Any]]) -> None:
        if not self._fits(text, raws):
            raise EntriesFileError(
                f"{self.path.name} could not be edited safely (are its entries written as an "
                "inline array?); write each entry as an [[entries]] table."
            )
        self.text = text
        self.entries = entries
        self.raws = raws

    def dumps(self) -> str:
        """The edited file's text."""
        return "\ufeff" + self.text if self.bom else self.text

    def write(self, text: str) -> None:
        write_atomic(self.path, text)


_TABLE_HEADER = re.compile(r"^[ \t]*\[", re.MULTILINE)
_SUBTABLE_HEADER = re.compile(r"[ \t]*\[\[?[ \t]*entries[ \t]*\.")
"""``[entries.links]``: a table inside the entry above it, so part of it."""
_ENTRIES_HEADER = re.compile(
    r"^[ \t]*\[\[[ \t]*entries[ \t]*\]\][ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE
)


def _cut_table(text: str, index: int) -> str | None:
    """``text`` without its ``index``-th [[entries]] table, or None if it cannot tell.

    The comment and blank lines that end the table sit above the next one and are
    kept; the caller checks the result with tomli before trusting it.
    """
    headers = list(_ENTRIES_HEADER.finditer(text))
    if index >= len(headers):
        return None
    start = headers[index].start()
    following = _TABLE_HEADER.search(text, headers[index].end())
    while following is not None and _SUBTABLE_HEADER.match(text, following.start()):
        following = _TABLE_HEADER.search(text, following.end())
    end = following.start() if following else len(text)
    lines = text[start:end].splitlines(keepends=True)
    keep = len(lines)
    while keep > 1 and (not lines[keep - 1].strip() or lines[keep - 1].lstrip().startswith("#")):
        keep -= 1
    tail = "".join(lines[keep:])
    head = text[:start]
    if not head.strip() or head.endswith(("\n\n", "\r\n\r\n")):
        tail = tail.lstrip("\r\n")
    out = head + tail + text[end:]
    if following is None:
        out = out.rstrip("\r\n") + ("\r\n" if "\r\n" in text else "\n")
    return out


def _section_raw(section: Section) -> dict[str, Any]:
    raw = {"slug": section.slug, "title": section.title}
    if section.parent is not None:
        raw["parent"] = section.parent
    return raw


def new_file(path: Path, title: str) -> EntriesFile:
    """An entries file that does not exist yet: a [list] table with ``title``."""
    import tomlkit

    doc = tomlkit.document()
    table = tomlkit.table()
    table["title"] = title
    doc["list"] = table
    text = tomlkit.dumps(doc)
    return _check(path, text, tomli.loads(text))


def _raw(entry: Entry) -> dict[str, Any]:
    """The entry as tomli reads it back from :func:`_table_text`."""
    raw: dict[str, Any] = tomli.loads(_table_text(entry))["entries"][0]
    return raw


def _table_text(entry: Entry) -> str:
    """The entry as an [[entries]] table, written by tomlkit (imported only to edit)."""
    return _tables_text([entry])


def _tables_text(entries: Iterable[Entry]) -> str:
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
    values = [entry.id, entry.section, *(getattr(entry, k) or "" for k in OVERRIDES)]
    values += [part for pair in entry.links for part in pair]
    return not any(_NEEDS_TOMLKIT.search(v) for v in values)


def _basic(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(text: str) -> str:
    return text if _BARE_KEY.fullmatch(text) else _basic(text)


def _plain_table(entry: Entry) -> str:
    lines = ["[[entries]]", f"id = {_basic(entry.id)}", f"section = {_basic(entry.section)}"]
    lines += [f"{k} = {_basic(getattr(entry, k))}" for k in OVERRIDES if getattr(entry, k)]
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
        t["section"] = entry.section
        for key in OVERRIDES:
            value = getattr(entry, key)
            if value:
                t[key] = value
        if entry.links:
            links = tomlkit.inline_table()
            links.update(dict(entry.links))
            t["links"] = links
        aot.append(t)
    doc = tomlkit.document()
    doc["entries"] = aot
    return tomlkit.dumps(doc)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    A symbolic link is followed: its target is replaced, the link stays. A device, FIFO or
    folder at the path is refused and left as it is.
    """
    from alignfetch.files import NotRegularFileError, replace

    path = path.resolve()
    try:
        replace(path, text)
    except NotRegularFileError:
        raise AlignfetchError(
            f"{path} is a device, a FIFO or a folder, not a regular file, and was left as it "
            "is; give the path of a file to write."
        ) from None
    except OSError as err:
        raise AlignfetchError(
            f"The file {path} could not be written ({err.strerror or err}); check the folder "
            "and its permissions."
        ) from None


def load(path: Path) -> EntriesFile:
    """Read and check ``path``; every problem is an :class:`EntriesFileError`."""
    from alignfetch.files import read_text

    try:
        # A regular file only, and capped: --entries /dev/zero or a FIFO is refused, not
        # read until memory runs out or a writer comes. Line ends kept to write it back.
        text = read_text(path, keep_lines=True)
        # A byte-order mark (Notepad writes one) is not TOML; it is put back on writing.
        bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff")
    except FileNotFoundError:
        raise EntriesFileError(
            f"The file {path} does not exist; create it with `alignfetch init`, "
            "or point --entries at yours."
        ) from None
    except OSError as err:
        raise EntriesFileError(
            f"The file {path} could not be read ({err.strerror or err}); "
            "point --entries at your entries.toml."
        ) from None
    except UnicodeDecodeError as err:
        raise EntriesFileError(f"The file {path} could not be read ({err}).") from None
    data = _parse(text, f"The file {path} is not valid TOML", "fix it and try again")
    ef = _check(path, text, data)
    ef.bom = bom
    return ef


def _parse(text: str, invalid: str, then: str) -> dict[str, Any]:
    """``text`` read by tomli; an :class:`EntriesFileError` starting ``invalid`` if it is
    not TOML, and one sentence, not a traceback, if it nests deeper than tomli follows."""
    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as err:
        raise EntriesFileError(f"{invalid} ({err}); {then}.") from None
    except RecursionError:
        raise EntriesFileError(
            f"{invalid}: it nests arrays, tables or keys deeper than can be read (no list "
            f"needs more than {MAX_DEPTH} levels); {then}."
        ) from None


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


def _check(path: Path, text: str, data: dict[str, Any]) -> EntriesFile:
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
    _no_unknown(meta, set(LIST_KEYS), f"In {name}, [list]")
    if not isinstance(meta.get("title", ""), str):
        raise EntriesFileError(f"In {name}, [list] title must be a string.")
    if meta.get("order", "file") not in ("file", "newest"):
        raise EntriesFileError(f'In {name}, [list] order must be "file" or "newest".')
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
        _no_unknown(raw, {"slug", "title", "parent"}, where)
        sections.append(Section(slug, title, parent))
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
        section = raw.get("section")
        if section is not None and not isinstance(section, str):
            choices = _known(s.slug for s in sections) or "none yet"
            raise EntriesFileError(
                f"{where}: section must be a section's slug written as a string; "
                f"use one of: {choices}."
            )
        if section not in known:
            shown = cap_echo(section) if section is not None else None
            raise EntriesFileError(f"{where} names section {shown!r}, which is not defined.")
        entries.append(_entry(canonical, section, raw, where))
    raws = [dict(r) for r in tables]
    rest = {k: v for k, v in data.items() if k != "entries"}
    return EntriesFile(path, text, dict(meta), sections, entries, raws, rest=rest)


def check_file_text(path: Path, text: str) -> EntriesFile:
    """``text`` checked as :func:`load` checks a file (for text about to be written)."""
    data = _parse(
        text.removeprefix("\ufeff"), f"{path} would not be valid TOML", "nothing was written"
    )
    return _check(path, text, data)


def _known(slugs: Iterable[str]) -> str:
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


_ENTRY_KEYS = frozenset({"id", "section", "links", "check_ignore", *OVERRIDES})


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
    return Entry(entry_id, section, links=links, check_ignore=tuple(ignore), **values)


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
    """``value`` if it holds no control character or bidi override (tab is fine, and a
    newline in a description); these would reach the terminal and the README."""
    m = _CONTROL.search(value)
    if m:
        raise InputError(
            f"the {key} holds the control character U+{ord(m[0]):04X}, which alignfetch "
            "does not write; remove it"
        )
    if key not in _MULTILINE and ("\n" in value or "\r" in value):
        raise InputError(f"the {key} holds a line break; write it on one line")
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


def check_links(links: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(links, dict):
        raise InputError("links must be a table of name = URL")
    out = []
    for name, url in links.items():
        said = repr(cap_echo(str(name), 60))
        if not isinstance(url, str) or not re.fullmatch(r"https?://\S+", url):
            given = repr(cap_echo(url)) if isinstance(url, str) else cap_echo(repr(url), 60)
            raise InputError(f"the link {said} must be an http(s) URL, not {given}")
        check_text(f"link name {said}", str(name))
        check_text(f"link {said}", url)
        out.append((str(name), url))
    return tuple(out)


# -- editing sections and entries in place ----------------------------------------------
# New tables are rendered by tomlkit and inserted; an existing entry's table is
# parsed and rewritten by tomlkit on its own text (so its comments and layout
# stay), and a removed table's lines are cut. Every edit is checked by reading
# the whole file back with tomli before it is accepted.

INIT_TEMPLATE = """\
# The list alignfetch keeps: sections, then entries. Comments survive alignfetch's edits.
# Add a section:  alignfetch sections add evaluation --title "LLM for Evaluation"
# Add an entry:   alignfetch add 2305.01937 --section evaluation

[list]
title = {title}
# order = "newest"           # within a section, newest first (default: "file", as written)
# template = "list.md.j2"    # your own Jinja2 template, relative to this file

# A section: a slug (lower-case letters, digits, '-' and '_'), a title and an
# optional parent defined above it.
#
# [[sections]]
# slug = "evaluation"
# title = "LLM for Evaluation"
# parent = "papers"

# An entry: any accepted ID form (alignfetch writes the canonical one), its
# section and optional overrides, which win over fetched values.
#
# [[entries]]
# id = "arxiv:2305.01937"
# section = "evaluation"
# venue = "ACL 2023"
# affiliation = "National Taiwan University"
# date = "2023-05-03"
# description = "A one-line description under the title."
# links = {{ Github = "https://github.com/..." }}
"""


def init_text(title: str) -> str:
    """A new entries.toml: a [list] table and a commented example section and entry."""
    import tomlkit

    return INIT_TEMPLATE.format(title=tomlkit.string(title).as_string())


def _header(key: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*\[\[[ \t]*{key}[ \t]*\]\][ \t]*(?:#[^\r\n]*)?\r?$", re.MULTILINE)


def _span(text: str, key: str, index: int) -> tuple[int, int] | None:
    """Where the ``index``-th ``[[key]]`` table's own lines are: from its header to
    its last line that is not blank or a comment (those sit above the next table)."""
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
    return start, start + len("".join(lines[:keep]))


def _section_text(section: Section) -> str:
    import tomlkit

    t = tomlkit.table()
    t["slug"] = section.slug
    t["title"] = section.title
    if section.parent is not None:
        t["parent"] = section.parent
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(t)
    doc["sections"] = aot
    return tomlkit.dumps(doc)


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _with_newlines(fragment: str, nl: str) -> str:
    return re.sub(r"\r?\n", nl, fragment)


def _accept(ef: EntriesFile, text: str, expected: dict[str, Any]) -> None:
    """Take ``text`` as the file's new text if it reads back as ``expected``."""
    try:
        data: dict[str, Any] | None = tomli.loads(text)
    except tomli.TOMLDecodeError:
        data = None
    if data is None or data != expected:
        raise EntriesFileError(
            f"The edit of {ef.path.name} could not be made safely (its tables are written in "
            "a way alignfetch does not edit); make it by hand."
        )
    new = _check(ef.path, text, data)
    ef.text, ef.meta, ef.sections = new.text, new.meta, new.sections
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
    table = _with_newlines(_section_text(section), nl)
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
        # No entry table can follow: _check refuses an entry whose section is not defined.
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

    ``changes`` maps ``section`` and override names to a value or None, and
    ``links`` to a mapping of link names to a URL or None (None removes the link).
    Only the entry's own table is rewritten (by tomlkit, keeping its comments).
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
    doc = tomlkit.parse(ef.text[start:end].replace("\r\n", "\n"))
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
