"""Links that are no links in a README: ``javascript:``, ``data:``, ``file:``, ``vbscript:``.

markdown-it (as GitHub) refuses to make a link of these schemes, so
:func:`alignfetch.readme.markdown.parse` leaves ``[text](javascript:...)`` in the text
around it, where it would become an entry's description. They are found by a second
parse that makes every link, told as skipped, and cut out of every text (their words
stay, as a link's words do).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote

from alignfetch.readme import markdown as md
from alignfetch.readme.found import SPACE, Skip
from alignfetch.records import strip_controls

_REFUSED = "javascript|vbscript|data|file"
REFUSED_HINT = re.compile(rf"(?i)\b(?:{_REFUSED}):")
"""A cheap test, on the text with its entities decoded, that such a link may be there."""
_REFUSED_LINK = re.compile(
    rf"!?\[([^\]\n]*)\]\(\s*<?\s*(?i:{_REFUSED}):(?:[^()\n]|\([^()\n]*\))*\)"
)
"""``[text](javascript:alert(1))`` as it is left in the text: replaced by its text."""
_REFUSED_URL = re.compile(rf"<?\b(?i:{_REFUSED}):[^\s<>]+>?")
"""What remains of one (an autolink, a reference's definition): removed."""


def refused_links(text: str) -> list[Skip]:
    """The links and images in ``text`` that markdown-it refuses to make, as skipped."""
    from markdown_it import MarkdownIt
    from markdown_it.common.normalize_url import validateLink

    parser = MarkdownIt("commonmark", {"maxNesting": md.MAX_NESTING})
    parser.enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    out: list[Skip] = []
    line = 1
    for token in parser.parse(text):
        if token.map:
            line = token.map[0] + 1
        if token.children is None:
            continue
        at = line
        words: list[str] | None = None
        target = ""
        for child in token.children:
            if child.type in ("softbreak", "hardbreak"):
                at += 1
            elif child.type == "link_open":
                target, words = str(child.attrGet("href") or ""), []
            elif child.type == "link_close" and words is not None:
                if not validateLink(target):
                    out.append(_refused(at, target, " ".join(words), "a link"))
                words = None
            elif child.type == "image":
                src = str(child.attrGet("src") or "")
                if not validateLink(src):
                    out.append(_refused(at, src, child.content, "an image"))
            elif words is not None and child.content:
                words.append(child.content)
    return out


def _refused(line: int, url: str, text: str, what: str) -> Skip:
    scheme = url.strip().split(":", 1)[0].lower()
    return Skip(line, url, SPACE.sub(" ", text).strip(), not_web(scheme, what))


def _scrub(text: str) -> str:
    """``text`` without refused links: a link's words stay, its target goes."""
    if not REFUSED_HINT.search(text):
        return text
    text = _REFUSED_LINK.sub(lambda m: m.group(1), text)
    return SPACE.sub(" ", _REFUSED_URL.sub("", text)).strip()


def scrub_event(event: md.Event) -> md.Event:
    """``event`` with every text scrubbed (a block's lines and links keep sharing links)."""
    return _mapped(event, _scrub, lambda url: url, REFUSED_HINT)


# What a README's text may hold that no field may: C0 and C1 controls, DEL and the bidi
# embeddings, overrides and isolates (records.strip_controls takes the same out).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_event(event: md.Event) -> md.Event:
    """``event`` with every text as a field may hold it: a heading, a ``<details>``
    summary, each line (its lead and label), each link's text and each table cell
    without control characters and bidi overrides (:func:`alignfetch.records.strip_controls`;
    a tab or line break becomes a space). A link's target keeps them percent-encoded, as
    markdown-it encodes a Markdown link's (an ``<a href>`` is taken as written), so that
    a refused link is told as it is and never reaches the terminal raw."""
    return _mapped(event, _clean, _encode_hidden, _HIDDEN)


def _clean(text: str) -> str:
    return SPACE.sub(" ", strip_controls(text)).strip()


def _encode_hidden(url: str) -> str:
    return _HIDDEN.sub(lambda m: quote(m[0], safe=""), url)


def _mapped(
    event: md.Event, text: Callable[[str], str], url: Callable[[str], str], hint: re.Pattern[str]
) -> md.Event:
    """``event`` with ``text`` applied to every text and ``url`` to every link's target,
    where ``hint`` finds something to change (a block's lines and links keep sharing
    links); the event itself when nothing changes."""

    def fix(value: str) -> str:
        return text(value) if hint.search(value) else value

    if isinstance(event, md.Group):
        return event if event.text is None else replace(event, text=fix(event.text))
    done: dict[int, md.Link] = {}

    def link(k: md.Link) -> md.Link:
        if id(k) not in done:
            new = k
            if hint.search(k.text):
                new = replace(new, text=text(k.text))
            if hint.search(k.url):
                new = replace(new, url=url(k.url))
            done[id(k)] = new
        return done[id(k)]

    if isinstance(event, md.Heading):
        links = tuple(link(k) for k in event.links)
        return replace(event, text=fix(event.text), links=links)
    texts = [t for ln in event.lines for t in (ln.text, ln.lead, ln.label)]
    texts += [t for k in event.links for t in (k.text, k.url)]
    texts += [t for cell in event.cells.items() for t in cell]
    if not any(hint.search(t) for t in texts):
        return event  # nearly every block: nothing to copy
    lines = [
        replace(
            ln,
            text=fix(ln.text),
            lead=fix(ln.lead),
            label=fix(ln.label),
            links=[link(k) for k in ln.links],
        )
        for ln in event.lines
    ]
    return replace(
        event,
        lines=lines,
        links=[link(k) for k in event.links],
        cells={fix(name): fix(value) for name, value in event.cells.items()},
    )


SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
"""A URL's scheme (a Windows drive letter, ``C:``, is one too: no web link either)."""


def not_web(scheme: str, what: str) -> str:
    return f"{what} with the {scheme}: scheme, not http(s)"
