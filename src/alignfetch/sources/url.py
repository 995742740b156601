"""Web links: any http(s) URL that no other source claims (``url:`` + the URL).

A blog post, a lab's website, a PDF on a lab's server, a GitHub profile: the
list keeps them as ``link`` entries. There is nothing upstream to ask, so
:func:`fetch` makes no request: it converts the URL into a
:class:`~alignfetch.records.Link` whose title is the URL itself; the title and
description a reader sees are the maintainer's (entries.toml overrides). This
source is registered last, so that every other source gets its URLs first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from alignfetch.config import Settings
from alignfetch.records import Link

if TYPE_CHECKING:
    from alignfetch.sources import Outcome, Previous

NAME = "Web link"
PREFIX = "url"
FORMS: tuple[str, ...] = ("any other http(s) URL, or url:https://…",)

_URL = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)
_MISTYPED = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/(?:datasets|papers)/"
    r"|doi\.org/10\.48550/|github\.com/[^/]+/[^/]+/(?:tree/|blob/(?:[^?#]*/)?\.\.?(?:[/?#]|$)))",
    re.IGNORECASE,
)
"""The shape of another source's ID: when that source refuses it, it is a typo, not a web page.
(A GitHub ``/blob/BRANCH/path`` link is a file, which is a web link, unless a ``.`` or ``..``
segment makes it climb out of where it seems to point.)"""
_BLOB = re.compile(
    r"https?://(?:www\.)?github\.com/[^/?#]+/[^/?#]+/blob/[^/?#]+/(?:[^?#]*/)?"
    r"(?P<file>[^/?#]+)/?(?:[?#].*)?",
    re.IGNORECASE,
)


def parse_id(text: str) -> str | None:
    """The URL, its scheme and host lower-cased, when no other source claims it."""
    from alignfetch.sources import SOURCES

    candidate = text.strip()
    candidate = candidate[4:] if candidate.lower().startswith("url:") else candidate
    if not _URL.fullmatch(candidate) or _MISTYPED.match(candidate):
        return None
    for prefix, source in SOURCES.items():
        if prefix != PREFIX and source.parse_id(candidate) is not None:
            return None
    parts = urlsplit(candidate)
    if not parts.hostname:
        return None
    parts.port  # noqa: B018 - urllib checks the port (a number, at most 65535) only when asked
    if "%" in parts.hostname and ":" in parts.hostname:
        # fe80::1%eth0: a zone names a network interface of the machine that wrote it.
        raise ValueError("its host names an IPv6 zone, a network interface of one machine")
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def identity(key: str) -> str:
    """What makes two links one entry: the key with its host IDNA-encoded, so that
    ``https://пример.рф/`` and ``https://xn--e1afmkfd.xn--p1ai/`` are the same page.

    The key keeps the host as the maintainer wrote it (a reader sees ``пример.рф``);
    only the comparison uses the encoded form. A host no IDNA encoding takes (an emoji
    IDNA 2008 refuses is encoded by the older IDNA 2003 rules) is compared as written.
    """
    scheme, sep, rest = key.partition("://")
    end = next((i for i, ch in enumerate(rest) if ch in "/?#"), len(rest))
    netloc = rest[:end]
    if not sep or netloc.isascii():
        return key
    host, colon, port = netloc.rpartition(":")
    if not colon or not port.isdigit():
        host, colon, port = netloc, "", ""
    return f"{scheme}://{_ascii_host(host)}{colon}{port}{rest[end:]}"


def _ascii_host(host: str) -> str:
    import idna  # requests' own dependency: the IDNA 2008 rules browsers follow (UTS 46)

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        pass
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def file_name(url: str) -> str | None:
    """The file a GitHub ``/blob/BRANCH/path`` link shows (``DeepSeek_R1.pdf``), else None."""
    m = _BLOB.fullmatch(url.strip())
    return unquote(m["file"]) if m else None


def convert(key: str) -> Link:
    """The record of a link: the URL is all that is known without the maintainer (a file
    on GitHub is named by its file)."""
    return Link(id=f"{PREFIX}:{key}", title=file_name(key) or key, url=key)


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """No request: a link's record is made from its URL."""
    from alignfetch.sources import Fetched

    return {k: Fetched(convert(k), raw="", url=k) for k in keys}
