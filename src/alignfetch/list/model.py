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
