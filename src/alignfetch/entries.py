"""entries.toml: the human-edited list of what the list holds.

Read with tomllib and checked into :class:`EntriesFile`. Edits touch the text
only where they must (new tables, rendered with tomlkit, are appended; a removed
table's lines are cut), are checked by reading the result back, and are written
atomically (temporary file, then rename).
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ids
from .errors import AlignfetchError, BadIdError, EntriesFileError, InputError

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

    def section(self, slug: str) -> Section:
        for s in self.sections:
            if s.slug == slug:
                return s
        known = ", ".join(s.slug for s in self.sections) or "none yet"
        raise InputError(f"There is no section {slug!r} in {self.path.name}; use one of: {known}.")

    def find(self, entry_id: str) -> Entry | None:
        """The entry that is ``entry_id`` (a canonical ID, compared by identity)."""
        wanted = ids.identity(entry_id)
        for e in self.entries:
            if ids.identity(e.id) == wanted:
                return e
        return None

    def add(self, new: Iterable[Entry]) -> None:
        """Append ``new`` as [[entries]] tables at the end of the file, leaving the
        rest of it byte for byte (tomlkit would regroup interleaved tables)."""
        new = list(new)
        nl = "\r\n" if "\r\n" in self.text else "\n"
        tables = "\n".join(_table_text(e) for e in new).replace("\n", nl)
        base = self.text.rstrip()
        text = f"{base}{nl}{nl}{tables}" if base else tables
        self._edit(text, self.entries + new, self.raws + [_raw(e) for e in new])

    def remove(self, entry_id: str) -> Entry:
        """Cut the entry's table out of the text; comments above the next table stay."""
        entry = self.find(entry_id)
        if entry is None:
            raise InputError(f"{entry_id} is not in {self.path.name}; nothing was removed.")
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
                f"{entry.id} could not be cut out of {self.path.name} safely (its table is "
                "written in a way alignfetch does not edit); remove its lines by hand."
            )
        self._edit(text, rest, raws)
        return entry

    def _fits(self, text: str, raws: list[dict[str, Any]]) -> bool:
        """Whether ``text`` holds exactly ``raws`` as its entries, and all else unchanged."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
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
    kept; the caller checks the result with tomllib before trusting it.
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


def _raw(entry: Entry) -> dict[str, Any]:
    """The entry as tomllib reads it back from :func:`_table_text`."""
    raw: dict[str, Any] = tomllib.loads(_table_text(entry))["entries"][0]
    return raw


def _table_text(entry: Entry) -> str:
    """The entry as an [[entries]] table, written by tomlkit (imported only to edit)."""
    import tomlkit

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
    doc = tomlkit.document()
    aot = tomlkit.aot()
    aot.append(t)
    doc["entries"] = aot
    return tomlkit.dumps(doc)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that readers see the old or the new file, never half.

    A symbolic link is followed: its target is replaced, the link stays.
    """
    path = path.resolve()
    try:
        _replace(path, text)
    except OSError as err:
        raise AlignfetchError(
            f"{path} could not be written ({err.strerror or err}); check the folder and its "
            "permissions."
        ) from None


def _replace(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        except FileNotFoundError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: Path) -> EntriesFile:
    """Read and check ``path``; every problem is an :class:`EntriesFileError`."""
    try:
        with path.open(encoding="utf-8", newline="") as f:  # keep CRLF to write it back
            text = f.read()
        # A byte-order mark (Notepad writes one) is not TOML; it is put back on writing.
        bom = text.startswith("\ufeff")
        text = text.removeprefix("\ufeff")
    except FileNotFoundError:
        raise EntriesFileError(
            f"{path} does not exist; create it (see the README for the format) "
            "or point --entries at yours."
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise EntriesFileError(f"{path} could not be read ({err}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise EntriesFileError(f"{path} is not valid TOML ({err}); fix it and try again.") from None
    ef = _check(path, text, data)
    ef.bom = bom
    return ef


def _check(path: Path, text: str, data: dict[str, Any]) -> EntriesFile:
    name = path.name
    _no_unknown(data, set(TOP_LEVEL_KEYS), f"{name}")
    meta = data.get("list", {})
    if not isinstance(meta, dict):
        raise EntriesFileError(f"In {name}, [list] must be a table.")
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
        if not isinstance(title, str) or not title.strip():
            raise EntriesFileError(f"{where} ({slug}) needs a title.")
        try:
            check_text("title", title)
        except InputError as err:
            raise EntriesFileError(f"{where} ({slug}): {err}.") from None
        parent = raw.get("parent")
        if parent is not None and parent not in {s.slug for s in sections}:
            raise EntriesFileError(
                f"{where} ({slug}) names parent {parent!r}, which is not a section above it."
            )
        if any(s.slug == slug for s in sections):
            raise EntriesFileError(f"In {name}, the section slug {slug!r} appears twice.")
        _no_unknown(raw, {"slug", "title", "parent"}, f"{where} ({slug})")
        sections.append(Section(slug, title, parent))
    known = {s.slug for s in sections}
    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(_tables(data, "entries", name), 1):
        where = f"In {name}, entry {i}"
        given = raw.get("id")
        if not isinstance(given, str):
            raise EntriesFileError(f"{where} needs an id.")
        try:
            ref = ids.parse(given)
        except BadIdError as err:
            raise EntriesFileError(f"{where}: {err}") from None
        where = f"In {name}, entry {i} ({ref})"
        if ref.identity in seen:
            raise EntriesFileError(
                f"{where} repeats entry {seen[ref.identity]}; remove one of them."
            )
        seen[ref.identity] = i
        section = raw.get("section")
        if section not in known:
            raise EntriesFileError(f"{where} names section {section!r}, which is not defined.")
        entries.append(_entry(str(ref), section, raw, where))
    raws = [dict(r) for r in _tables(data, "entries", name)]
    rest = {k: v for k, v in data.items() if k != "entries"}
    return EntriesFile(path, text, dict(meta), sections, entries, raws, rest=rest)


def _tables(data: Mapping[str, Any], key: str, name: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise EntriesFileError(f"In {name}, {key} must be written as [[{key}]] tables.")
    return value


def _no_unknown(raw: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise EntriesFileError(
            f"{where} has unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}."
        )


def _entry(entry_id: str, section: str, raw: Mapping[str, Any], where: str) -> Entry:
    _no_unknown(raw, {"id", "section", "links", *OVERRIDES}, where)
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
    return Entry(entry_id, section, links=links, **values)


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


def check_text(key: str, value: str) -> str:
    """``value`` if it holds no control character or bidi override (tab and newline are
    fine); these would reach the terminal and the README, so they are refused."""
    m = _CONTROL.search(value)
    if m:
        raise InputError(
            f"the {key} holds the control character U+{ord(m[0]):04X}, which alignfetch "
            "does not write; remove it"
        )
    return value


def check_date(value: str) -> str:
    from datetime import date

    try:
        if not _DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise InputError(f"the date {value!r} is not a real date written as YYYY-MM-DD") from None
    return value


def check_links(links: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(links, dict):
        raise InputError("links must be a table of name = URL")
    out = []
    for name, url in links.items():
        if not isinstance(url, str) or not re.fullmatch(r"https?://\S+", url):
            raise InputError(f"the link {name!r} must be an http(s) URL, not {url!r}")
        check_text(f"link name {name!r}", str(name))
        check_text(f"link {name!r}", url)
        out.append((str(name), url))
    return tuple(out)
