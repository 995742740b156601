"""Identifiers: whatever a maintainer pastes, to one canonical ``prefix:key``.

Each source parses its own forms (:func:`alignfetch.sources.arxiv.parse_id` and
friends); this module tries them in turn and says which forms exist when none
matches, before anything reaches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from .errors import BadIdError

if TYPE_CHECKING:
    from .sources import Source


@dataclass(frozen=True, order=True)
class Ref:
    """A canonical reference to an upstream object: ``arxiv:2305.01937``."""

    prefix: str
    key: str

    def __str__(self) -> str:
        return f"{self.prefix}:{self.key}"

    @property
    def identity(self) -> str:
        """What makes two references the same entry (GitHub and Hub names ignore case)."""
        return identity(str(self))


def identity(canonical: str) -> str:
    """The identity of a canonical ID string (see :attr:`Ref.identity`)."""
    prefix, _, key = canonical.partition(":")
    if prefix in ("arxiv", "url"):
        return canonical
    # Owner and name ignore case; a folder's path inside a repository does not.
    owner, name, *path = key.split("/")
    if prefix == "gh" and len(path) >= 3 and path[0] == "tree":
        path = path[2:]  # one folder is one entry, whichever branch its link names
    return "/".join([f"{prefix}:{owner.lower()}", name.lower(), *path])


def parse(text: str) -> Ref:
    """The canonical reference for ``text``, or :class:`BadIdError`.

    Sources are tried in the registry's order. A text that starts with a source's
    prefix (``gh:owner/repo``, as entries.toml holds IDs) is first put to that
    source alone, which is all that is imported: no other source claims such a
    text (each claims its own prefix or an ``http(s)://`` URL), so the answer is
    the same, found sooner and without loading the other sources.
    """
    cleaned = text.strip()
    prefix, colon, _ = cleaned.partition(":")
    own = _own_source(prefix) if colon else None
    if own is not None:
        key = own.parse_id(cleaned)
        if key is not None:
            return Ref(prefix, key)
    return _parse_in_order(text, cleaned)


@lru_cache(maxsize=64)
def _own_source(prefix: str) -> Source | None:
    """The source whose prefix ``prefix`` is, None for none (imported once each)."""
    from .sources import MODULES, source

    return source(prefix) if prefix in MODULES else None


def _parse_in_order(text: str, cleaned: str) -> Ref:
    """:func:`parse` by trying every source in the registry's order."""
    for prefix, source in _sources().items():
        key = source.parse_id(cleaned)
        if key is not None:
            return Ref(prefix, key)
    raise BadIdError(
        f"The text {text!r} is not an ID alignfetch knows; use one of: {accepted_forms()}."
    )


@cache
def _sources() -> dict[str, Source]:
    """The sources' registry, imported once (a 10,000-entry list parses 10,000 IDs)."""
    from .sources import SOURCES

    return SOURCES


def accepted_forms() -> str:
    from .sources import SOURCES

    return "; ".join(f"{s.NAME}: " + ", ".join(s.FORMS) for s in SOURCES.values())
