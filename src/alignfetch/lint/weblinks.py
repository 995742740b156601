"""The link rule: which of a list's links are web links, and what their answers mean.

This module owns choosing the links the rule asks (http(s) links that are no ID of
another kind: arXiv, the Hub and GitHub answer through their sources), and turning
the answers :func:`alignfetch.lint.links.check_links` gives into findings. The
asking itself is :mod:`alignfetch.lint.links`'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from alignfetch.errors import BadIdError, cap_echo
from alignfetch.lint.config import Sink
from alignfetch.lint.links import checkable, valid, web_scheme
from alignfetch.list import ids
from alignfetch.list.entries import Entry
from alignfetch.readme.reading import Found, ListReading

if TYPE_CHECKING:
    from alignfetch.lint.links import LinkAnswer

__all__ = ["entry_links", "entry_web_links", "link_rule", "reading_links", "unchecked", "web_links"]


def _web_link(url: str) -> bool:
    """A link the link rule asks: http(s), and no ID of another kind (arXiv, the Hub,
    GitHub: their sources say whether they are gone); or one that looks like a web link
    but is no URL (``https://[::1``), which the rule reports without asking."""
    if web_scheme(url) and not valid(url):
        return True
    if not checkable(url):
        return False
    try:
        return ids.parse(url).prefix == "url"
    except BadIdError:
        return False


def web_links(f: Found) -> list[tuple[str, int]]:
    """A README entry's web links (the primary one first) with their lines; images and
    badges are not among them."""
    out = [(f.url, f.line)] if f.ref.prefix == "url" else []
    out += [(url, line) for _, url, line in f.links]
    first: dict[str, int] = {}
    for url, line in out:
        if url not in first and _web_link(url):
            first[url] = line
    return list(first.items())


def entry_web_links(e: Entry) -> list[str]:
    out = [e.id.split(":", 1)[1]] if e.id.startswith("url:") else []
    out += [url for _, url in e.links]
    return [u for u in dict.fromkeys(out) if _web_link(u)]


def reading_links(reading: ListReading) -> list[str]:
    """The URLs the link rule asks for ``reading``."""
    return list(dict.fromkeys(u for f in reading.found for u, _ in web_links(f)))


def entry_links(entries: Sequence[Entry]) -> list[str]:
    """The URLs the link rule asks for entries.toml."""
    return list(dict.fromkeys(u for e in entries for u in entry_web_links(e)))


def link_rule(
    sink: Sink, rid: str, line: int | None, url: str, links: Mapping[str, LinkAnswer]
) -> None:
    if not valid(url):
        sink.add("link", rid, line, f"The link {cap_echo(url)} is not a valid URL.", found=url)
        return
    answer = links.get(url)
    if answer is None or not answer.broken:
        return
    if answer.status is not None:
        message = f"The link {url} answered HTTP {answer.status}."
    elif answer.refused is not None:
        message = f"The link {url} {answer.refused}; check asks only public addresses."
    else:
        message = f"The link {url} could not be reached ({answer.error})."
    sink.add("link", rid, line, message, found=url)


def unchecked(sink: Sink, urls: Sequence[str], links: Mapping[str, LinkAnswer]) -> None:
    """One warning per limit a run reached, with the number of this file's links it left."""
    left: dict[str, int] = {}
    for url in urls:
        answer = links.get(url)
        if answer is not None and answer.unchecked is not None:
            left[answer.unchecked] = left.get(answer.unchecked, 0) + 1
    for why, n in left.items():
        sink.note(
            "link",
            f"{n} link{'s were' if n != 1 else ' was'} left unchecked: {why}; "
            "the next check asks them first.",
        )
