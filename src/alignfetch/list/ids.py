"""Identifiers: whatever a maintainer pastes, to one canonical ``prefix:key``.

Each source parses its own forms (:func:`alignfetch.sources.arxiv.parse_id` and
friends); this module tries them in turn and says which forms exist when none
matches, before anything reaches the network. It also refuses, for every form,
what no ID may hold: control characters and the invisible characters that make
text read as it is not (an ID written to entries.toml with one could never be
fetched, rendered or removed).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from alignfetch.errors import BadIdError, cap_echo

if TYPE_CHECKING:
    from alignfetch.sources import Source


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


def of(canonical: str) -> Ref:
    """The reference of an ID a loaded list holds: canonical already (entries.toml's
    checks made it so), split, not parsed again (a refresh of 10,000 entries parsed
    each twice)."""
    prefix, _, key = canonical.partition(":")
    return Ref(prefix, key)


def identity(canonical: str) -> str:
    """The identity of a canonical ID string (see :attr:`Ref.identity`)."""
    prefix, _, key = canonical.partition(":")
    if prefix == "url" and not canonical.isascii():
        # An internationalized host is one host however it is spelled (Unicode or xn--).
        from alignfetch.sources import url

        return f"url:{url.identity(key)}"
    if prefix in ("arxiv", "url"):
        return canonical
    # Owner and name ignore case; a folder's path inside a repository does not.
    owner, name, *path = key.split("/")
    if prefix == "gh" and len(path) >= 2 and path[0] == "tree":
        path = path[2:]  # one folder (or repository) is one entry, whichever branch
    return "/".join([f"{prefix}:{owner.lower()}", name.lower(), *path])


MAX_LENGTH = 2048
"""The longest ID accepted: a URL's practical limit (browsers, sitemaps); a longer text
was pasted by mistake."""
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""C0 controls (tab and newline too: no ID holds them), DEL and C1 controls."""
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Bidi marks, embeddings, overrides and isolates: they reorder how the text reads."""
_HIDDEN = re.compile(f"{_CONTROL.pattern}|{_BIDI.pattern}")


def parse(text: str) -> Ref:
    """The canonical reference for ``text``, or :class:`BadIdError`.

    Sources are tried in the registry's order. A text that starts with a source's
    prefix (``gh:owner/repo``, as entries.toml holds IDs) is first put to that
    source alone, which is all that is imported: no other source claims such a
    text (each claims its own prefix or an ``http(s)://`` URL), so the answer is
    the same, found sooner and without loading the other sources.
    """
    cleaned = text.strip()
    _refuse_hidden(cleaned)
    try:
        ref = _parse(text, cleaned)
    except ValueError as err:
        # urllib's own refusal of a URL (``http://[::1``: "Invalid IPv6 URL").
        said = str(err)
        raise BadIdError(
            f"The text {cap_echo(cleaned)!r} is not a URL alignfetch can read "
            f"({cap_echo(said[:1].lower() + said[1:], 80)}); fix it and try again."
        ) from None
    if cleaned.isascii():
        return ref  # nearly every ID; ASCII has no invisible format character
    if ref.prefix == "url":
        # A host with a zero-width or other format character looks like another host;
        # a path may hold them (a Persian word keeps its zero-width non-joiner).
        from urllib.parse import urlsplit

        _refuse_format(cleaned, urlsplit(ref.key).netloc)
    else:
        _refuse_format(cleaned, cleaned)
    return ref


def _parse(text: str, cleaned: str) -> Ref:
    prefix, colon, _ = cleaned.partition(":")
    own = _own_source(prefix) if colon else None
    if own is not None:
        key = own.parse_id(cleaned)
        if key is not None:
            return Ref(prefix, key)
    return _parse_in_order(text, cleaned)


def _refuse_hidden(cleaned: str) -> None:
    """Refuse a text too long, or holding a control or bidi character, to be an ID."""
    if len(cleaned) > MAX_LENGTH:
        raise BadIdError(
            f"The text {cap_echo(cleaned)!r} is {len(cleaned):,} characters long, more than "
            f"any ID ({MAX_LENGTH:,} at most); check what was pasted."
        )
    m = _HIDDEN.search(cleaned)
    if m is not None:
        what = "control character" if _CONTROL.match(m[0]) else "bidi control character"
        raise BadIdError(
            f"The text {cap_echo(cleaned)!r} holds the {what} U+{ord(m[0]):04X}, which no ID "
            "may hold; remove it and try again."
        )


def _refuse_format(cleaned: str, part: str) -> None:
    """Refuse an invisible format character (U+200B zero-width space...) in ``part``."""
    for ch in part:
        if unicodedata.category(ch) == "Cf":
            raise BadIdError(
                f"The text {cap_echo(cleaned)!r} holds the invisible character "
                f"U+{ord(ch):04X} ({unicodedata.name(ch, 'a format character').lower()}), "
                "which no ID or host may hold; remove it and try again."
            )


@lru_cache(maxsize=64)
def _own_source(prefix: str) -> Source | None:
    """The source whose prefix ``prefix`` is, None for none (imported once each)."""
    from alignfetch.sources import MODULES, source

    return source(prefix) if prefix in MODULES else None


def _parse_in_order(text: str, cleaned: str) -> Ref:
    """:func:`parse` by trying every source in the registry's order."""
    for prefix, source in _sources().items():
        key = source.parse_id(cleaned)
        if key is not None:
            return Ref(prefix, key)
    raise BadIdError(
        f"The text {cap_echo(text)!r} is not an ID alignfetch knows; "
        f"use one of: {accepted_forms()}."
    )


@cache
def _sources() -> dict[str, Source]:
    """The sources' registry, imported once (a 10,000-entry list parses 10,000 IDs)."""
    from alignfetch.sources import SOURCES

    return SOURCES


def accepted_forms() -> str:
    from alignfetch.sources import SOURCES

    return "; ".join(f"{s.NAME}: " + ", ".join(s.FORMS) for s in SOURCES.values())


_PAGES = {
    "arxiv": "https://arxiv.org/abs/{}",
    "hf": "https://huggingface.co/datasets/{}",
    "hf-model": "https://huggingface.co/{}",
    "hf-space": "https://huggingface.co/spaces/{}",
    "hf-collection": "https://huggingface.co/collections/{}",
    "url": "{}",
}


def page(canonical: str) -> str:
    """The web page a canonical ID names, from the ID alone (what an entry without a
    cached record links to): ``gh:o/r/dir`` -> ``https://github.com/o/r/tree/HEAD/dir``,
    ``gh:o/r/tree/dev`` -> ``https://github.com/o/r/tree/dev``."""
    prefix, _, key = canonical.partition(":")
    if prefix == "gh":
        owner, name, *path = key.split("/")
        if path and not (len(path) >= 2 and path[0] == "tree"):
            path = ["tree", "HEAD", *path]  # GitHub resolves HEAD to the default branch
        return "/".join(["https://github.com", owner, name, *path])
    return _PAGES.get(prefix, "{}").format(key)


def kind(canonical: str) -> str:
    """The kind of entry a canonical ID names (``paper`` for ``arxiv:…``)."""
    from alignfetch.sources import KINDS

    return KINDS[canonical.partition(":")[0]]
