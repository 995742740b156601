"""Section and Entry: what entries.toml holds, as values, and the overrides an entry may set.

Plain frozen dataclasses with no behaviour of the file: reading and checking it is
:mod:`alignfetch.list.checks` and :mod:`alignfetch.list.entries`, editing it
:mod:`alignfetch.list.edits`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

OVERRIDES = ("title", "description", "venue", "affiliation", "date")
"""Per-entry fields a maintainer may set; they win over fetched values."""
TYPED = ("title", "authors", "date", "venue")
"""What a list says of an entry that the sources know too (``typed = {...}``): shown as
the list wrote it until a fetched value exists, which then wins (a refresh's correction)."""


ORDERS = ("file", "newest", "citations")
"""How a section's entries are ordered: as the file lists them, newest first, or most
cited first (Semantic Scholar's count; entries without one last)."""


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    parent: str | None = None
    order: str | None = None
    """This section's own order (:data:`ORDERS`), else the list's."""


@dataclass(frozen=True)
class Entry:
    id: str
    """Canonical ``prefix:key``, whatever form the file spells it in."""
    section: str
    """The entry's first section (where a single-section list keeps it)."""
    title: str | None = None
    description: str | None = None
    venue: str | None = None
    affiliation: str | None = None
    date: str | None = None
    links: tuple[tuple[str, str], ...] = ()
    check_ignore: tuple[str, ...] = ()
    """Rules of ``alignfetch check`` not to apply to this entry (names checked there)."""
    name: str | None = None
    """The entry's own name as the list writes it (a bold label, a link's text)."""
    url: str | None = None
    """The entry's own link as the list writes it, when that is not its ID's page."""
    typed: tuple[tuple[str, str], ...] = ()
    """(field, text) pairs of :data:`TYPED`: what the list says, shown until fetched."""
    also: tuple[str, ...] = ()
    """The further sections a cross-listed entry is in (``sections = ["a", "b"]``), in order."""

    @property
    def sections(self) -> tuple[str, ...]:
        """Every section the entry is listed in: its first, then :attr:`also`."""
        return (self.section, *self.also)

    def overrides(self) -> dict[str, Any]:
        """Exactly what entries.toml sets for the entry beside its ID and section."""
        out: dict[str, Any] = {k: getattr(self, k) for k in OVERRIDES if getattr(self, k)}
        if self.name:
            out["name"] = self.name
        if self.url:
            out["url"] = self.url
        if self.typed:
            out["typed"] = dict(self.typed)
        if self.links:
            out["links"] = dict(self.links)
        return out
