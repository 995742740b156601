"""The toc rule: ``#anchor`` links of a README that name no heading of it.

This module owns finding a Markdown file's headings and anchor links by a line
scan, and the text GitHub makes a heading's anchor from (the anchor itself is
:func:`alignfetch.readme.text.anchor`, as render writes it).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from alignfetch.errors import cap_echo
from alignfetch.lint.config import Sink
from alignfetch.readme.text import anchor

__all__ = ["heading_text", "toc"]


_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+[ \t]*)?$")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_HTML = re.compile(r"<[^>]+>")


def heading_text(raw: str) -> str:
    """The text GitHub makes a heading's anchor from: images dropped, links' text kept."""
    text = _IMAGE.sub("", raw)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # backslash escapes
    return text.replace("`", "").replace("*", "")


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_ANCHOR_LINK = re.compile(
    r"\]\(\s*<?(#[^)\t\n\v\f\r >]*)>?(?:\s+\"[^\"]*\")?\s*\)" r"|href=[\"'](#[^\"']*)[\"']"
)
"""A link to an anchor: its target ends at ASCII white space, as Markdown's does (a
U+2028 inside it does not hide it)."""
_LINES = re.compile(r"\r\n|\r|\n")
"""Line ends as Markdown counts them (``str.splitlines`` also breaks at U+2028, form
feeds and more, and would number the lines after one wrong)."""


def toc(sink: Sink, text: str) -> None:
    """``#anchor`` links that name no heading. A line scan, not a second Markdown
    parse (the file has been parsed once already; a parse is most of a check's time):
    ATX and setext headings outside fenced code, links ``](#…)`` and ``href="#…"``."""
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    links: list[tuple[int, str]] = []
    fence: str | None = None
    previous = ""
    for number, raw in enumerate(_LINES.split(text), 1):
        m = _FENCE.match(raw)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if m:
            fence = m.group(1)
            previous = ""
            continue
        if (h := _ATX.match(raw)) and raw.lstrip().startswith("#"):
            anchors.add(anchor(heading_text(h.group(1).strip()), seen))
        elif (
            _SETEXT.match(raw)
            and previous.strip()
            and not previous.lstrip().startswith(("#", "-", "*", "+", "|", "<", ">", "`"))
            and not _SETEXT.match(previous)
        ):
            anchors.add(anchor(heading_text(previous.strip()), seen))
        links.extend((number, a or b) for a, b in _ANCHOR_LINK.findall(raw))
        previous = raw
    for line, url in links:
        name = unquote(url[1:])
        if len(url) < 2 or name in anchors or name.lower() in anchors:
            continue
        sink.add(
            "toc", None, line, f"The link {cap_echo(url)} names no heading of the file.", found=url
        )
