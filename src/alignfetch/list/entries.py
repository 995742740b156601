"""entries.toml: the human-edited list of what the list holds.

Read with tomli (the standard library's tomllib is a copy of it; tomli is compiled and
three times as fast, with the same TOML 1.0 and the same messages), checked
(:mod:`alignfetch.list.checks`) into :class:`EntriesFile`, and written atomically
(temporary file, then rename); a new file's text is made here too. Edits touch the
text only where they must and are checked by reading the result back
(:mod:`alignfetch.list.edits`); :class:`Section` and :class:`Entry` are
:mod:`alignfetch.list.model`'s. This module is where the rest of the package finds
them all.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli

from alignfetch.errors import AlignfetchError, EntriesFileError, InputError, cap_echo
from alignfetch.list import ids
from alignfetch.list.checks import _SLUG as _SLUG
from alignfetch.list.checks import MAX_DEPTH, check_contents, known_slugs
from alignfetch.list.checks import TOP_LEVEL_KEYS as TOP_LEVEL_KEYS
from alignfetch.list.checks import check_date as check_date
from alignfetch.list.checks import check_links as check_links
from alignfetch.list.checks import check_overrides as check_overrides
from alignfetch.list.checks import check_text as check_text
from alignfetch.list.model import OVERRIDES as OVERRIDES
from alignfetch.list.model import Entry as Entry
from alignfetch.list.model import Section as Section


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

    @property
    def sources_off(self) -> frozenset[str]:
        """The enriching sources ``[sources]`` switches off (``openalex = false``)."""
        switches = self.rest.get("sources", {})
        return frozenset(k for k, on in switches.items() if on is False)

    def section(self, slug: str) -> Section:
        for s in self.sections:
            if s.slug == slug:
                return s
        known = known_slugs(s.slug for s in self.sections) or "none yet"
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
        from alignfetch.list import edits  # only to write: reading commands do without it

        edits.append_entries(self, new)

    def add_sections(self, new: Iterable[Section]) -> None:
        """Append ``new`` as [[sections]] tables at the end of the file (before any
        entries added after them), leaving the rest of it byte for byte."""
        from alignfetch.list import edits

        edits.append_sections(self, new)

    def remove(self, entry_id: str) -> Entry:
        """Cut the entry's table out of the text; comments above the next table stay."""
        from alignfetch.list import edits

        return edits.remove_entry(self, entry_id)

    def dumps(self) -> str:
        """The edited file's text."""
        return "\ufeff" + self.text if self.bom else self.text

    def write(self, text: str) -> None:
        write_atomic(self.path, text)


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
    except ValueError as err:
        # Python's own limit on turning digits into an int (sys.get_int_max_str_digits):
        # tomli's int() of a longer integer raises it, a ValueError but no TOMLDecodeError.
        raise EntriesFileError(f"{invalid} ({_unreadable_value(text, err)}); {then}.") from None
    except RecursionError:
        raise EntriesFileError(
            f"{invalid}: it nests arrays, tables or keys deeper than can be read (no list "
            f"needs more than {MAX_DEPTH} levels); {then}."
        ) from None


_LONG_NUMBER = re.compile(r"[0-9][0-9_]{4300,}")


def _unreadable_value(text: str, err: ValueError) -> str:
    """What tomli could not read in ``text`` (a clause): an integer of more digits than
    Python turns into a number, with its line when it can be found."""
    limit = sys.get_int_max_str_digits()
    m = _LONG_NUMBER.search(text)
    if "digits" not in str(err) or m is None:
        return "a value could not be read"
    line = text.count("\n", 0, m.start()) + 1
    return f"the number at line {line} has more than {limit:,} digits, more than can be read"


def check_file_text(path: Path, text: str) -> EntriesFile:
    """``text`` checked as :func:`load` checks a file (for text about to be written)."""
    data = _parse(
        text.removeprefix("\ufeff"), f"{path} would not be valid TOML", "nothing was written"
    )
    return _check(path, text, data)


def _check(path: Path, text: str, data: dict[str, Any]) -> EntriesFile:
    meta, sections, entries, raws, rest = check_contents(path, data)
    return EntriesFile(path, text, meta, sections, entries, raws, rest=rest)


def new_file(path: Path, title: str, template: str | None = None) -> EntriesFile:
    """An entries file that does not exist yet: a [list] table with ``title`` (and the
    ``template`` its page is written with, when it has one of its own)."""
    import tomlkit

    doc = tomlkit.document()
    table = tomlkit.table()
    table["title"] = title
    if template is not None:
        table["template"] = template
    doc["list"] = table
    text = tomlkit.dumps(doc)
    return _check(path, text, tomli.loads(text))


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
