"""The link rule: which of a list's links are web links, and what their answers mean.

This module owns choosing the links the rule asks (http(s) links that are no ID of
another kind: arXiv, the Hub and GitHub answer through their sources), turning the
answers :func:`alignfetch.lint.links.check_links` gives into findings, and the web
links that are no valid URL (:func:`invalid`, by entries.toml's rule
:func:`alignfetch.list.checks.url_problem`), which are findings and never asked.
The asking itself is :mod:`alignfetch.lint.links`'.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from alignfetch.errors import BadIdError, cap_echo
from alignfetch.lint.config import Sink
from alignfetch.lint.links import checkable, web_scheme
from alignfetch.list import ids
from alignfetch.list.checks import CREDENTIALS, url_problem
from alignfetch.list.entries import Entry
from alignfetch.readme.found import Skip
from alignfetch.readme.reading import Found, ListReading

if TYPE_CHECKING:
    from alignfetch.lint.links import LinkAnswer

__all__ = [
    "entry_links",
    "entry_web_links",
    "invalid",
    "invalid_links",
    "link_rule",
    "reading_links",
    "unchecked",
    "web_links",
]


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_REASON = re.compile(r"[^(]*?\((.*)\)")
_NOT_HTTP = "not an http(s) URL"
""":func:`~alignfetch.list.checks.url_problem`'s clause for a link that is no http(s) URL
(for a link written ``http://``, one with white space in it)."""
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@")


def invalid(url: str) -> str | None:
    """Why the web link ``url`` (http(s) as written) is no valid URL, as the reason of
    "The link … is not a valid URL (reason)"; None for a valid one, or a link that is no
    web link. The rule is entries.toml's (:func:`~alignfetch.list.checks.url_problem`):
    a port that is no number or past 65535, no host, a user name or password, an IPv6
    zone, brackets that close no address (markdown-it writes them ``%5B``, ``%5D``)."""
    if not web_scheme(url):
        return None
    # The scheme's case is no matter (``HTTPS://``); url_problem reads it lower-case.
    problem = url_problem(_SCHEME.sub(lambda m: m[0].lower(), url, count=1))
    if problem is None:
        return None
    if problem == CREDENTIALS:
        return "it holds a user name or password before its host, which the list publishes"
    if problem == _NOT_HTTP:  # http(s):// as written: white space after, or nothing
        return "it holds white space" if any(c.isspace() for c in url) else "it names no host"
    m = _REASON.fullmatch(problem)
    return m[1] if m else problem


def _without_credentials(url: str) -> str:
    """``url`` with what stands before its host's ``@`` (a user name, a password) cut out:
    a finding does not repeat them."""
    return _USERINFO.sub(r"\1…@", url)


def _invalid_finding(sink: Sink, rid: str | None, line: int | None, url: str, why: str) -> None:
    said = _without_credentials(url)
    sink.add(
        "link", rid, line, f"The link {cap_echo(said)} is not a valid URL ({why}).", found=said
    )


def invalid_links(
    sink: Sink, skipped: Iterable[Skip], owners: Mapping[int, str], text: str
) -> None:
    """A finding for each web link of a README that is no valid URL: those import
    reports and skips (an entry's own link, or another link of it, anywhere in the
    file), by line, each as the file's ``text`` writes it; ``owners``: the entry (its ID)
    a line belongs to. Nothing is asked."""
    lines: list[str] | None = None
    for skip in skipped:
        why = invalid(skip.url)
        if why is None:
            continue
        if lines is None:
            lines = re.split(r"\r\n|\r|\n", text)  # as markdown-it counts them
        raw = lines[skip.line - 1] if 0 < skip.line <= len(lines) else ""
        url = _as_written(raw, skip.url)
        # Why, in the terms of what the file says (``invalid IPv6 URL``, not the
        # normalized form's ``port could not be cast…``).
        why = invalid(url) or why
        _invalid_finding(sink, owners.get(skip.line), skip.line, url, why)


_WRITTEN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>()\"']*")


def _as_written(line: str, url: str) -> str:
    """The link ``url`` as the file's ``line`` writes it: markdown-it hands a link's target
    over normalized (``https://[::1`` becomes ``https://:1%5B:``), which the file does
    not say; ``url`` itself when no target on the line normalizes to it."""
    from markdown_it.common.normalize_url import normalizeLink

    for m in _WRITTEN.finditer(line):
        written = m[0]
        if written == url:
            return written
        for form in (written, html.unescape(written)):
            try:
                if normalizeLink(form) == url:
                    return written
            except ValueError:
                continue
    return url


def _web_link(url: str) -> bool:
    """A link the link rule takes: http(s), and no ID of another kind (arXiv, the Hub,
    GitHub: their sources say whether they are gone); or one that looks like a web link
    but is no valid URL (``https://[::1``), which the rule reports without asking."""
    if invalid(url) is not None:
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
    """The URLs the link rule asks for ``reading`` (none that is no valid URL)."""
    return list(
        dict.fromkeys(u for f in reading.found for u, _ in web_links(f) if invalid(u) is None)
    )


def entry_links(entries: Sequence[Entry]) -> list[str]:
    """The URLs the link rule asks for entries.toml (none that is no valid URL)."""
    return list(dict.fromkeys(u for e in entries for u in entry_web_links(e) if invalid(u) is None))


def link_rule(
    sink: Sink, rid: str, line: int | None, url: str, links: Mapping[str, LinkAnswer]
) -> None:
    why = invalid(url)
    if why is not None:
        _invalid_finding(sink, rid, line, url, why)
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
