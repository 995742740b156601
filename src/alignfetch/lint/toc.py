"""The toc rule: links of a README to its own headings that name no heading of it,
and a table of contents that lists one heading twice.

This module owns finding a Markdown file's headings, HTML anchors and links to them
by a line scan, telling a table of contents' lines from prose, and the text GitHub
makes a heading's anchor from (the anchor itself is
:func:`alignfetch.readme.text.anchor`, as render writes it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

from alignfetch.errors import cap_echo
from alignfetch.lint.config import Sink
from alignfetch.readme.text import anchor

__all__ = ["heading_text", "toc"]


_ATX = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)(.*?)(?:[ \t]+#+[ \t]*)?$")
# Each part stops at the next opener too, so that a heading of many "![" or "<" costs
# one pass, not one pass per opener (a 40,000-character heading took 13 s).
_IMAGE = re.compile(r"!\[[^\[\]]*\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_HTML = re.compile(r"<[^<>]+>")


def heading_text(raw: str) -> str:
    """The text GitHub makes a heading's anchor from: images dropped, links' text kept."""
    text = _IMAGE.sub("", raw)
    text = _LINK.sub(r"\1", text)
    text = _HTML.sub("", text)
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # backslash escapes
    return text.replace("`", "").replace("*", "")


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
"""An HTML tag (it ends before the next ``<``, so that a line of unclosed ``<a`` costs
one pass, not one pass per ``<``)."""
_ANY_TAG = re.compile(r"<[^<>]*>")
_ID = re.compile(r"(?<![\w-])(?:id|name)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+))")
"""An HTML element's ``id`` or ``name``: GitHub keeps it (as ``user-content-…``) and
scrolls to it for ``#…``, as lists of ``<a name="Smith19"></a>`` references rely on."""
_BACKTICKS = re.compile(r"`+")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])(?:\s|$)")
_LINES = re.compile(r"\r\n|\r|\n")
"""Line ends as Markdown counts them (``str.splitlines`` also breaks at U+2028, form
feeds and more, and would number the lines after one wrong)."""
_USER_CONTENT = "user-content-"


def _targets(file: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Links to the checked file itself: the end of a Markdown link ``](…#…)`` and an
    ``href="…#…"``, each with the fragment as group 2. Before the ``#``: nothing, ``./``,
    or the file's own name (``README.md#a`` in README.md goes to the same page, on the
    repository's front page as on the file's); another file's anchors are not this
    rule's business. A Markdown target ends at ASCII white space, as Markdown's does (a
    U+2028 inside it does not hide it)."""
    name = PurePosixPath(file.replace("\\", "/")).name
    path = rf"((?:\./)?(?:{re.escape(name)})?)" if name else r"((?:\./)?)"
    return (
        re.compile(rf"\]\(\s*<?{path}(#[^)\t\n\v\f\r >]*)>?(?:\s+\"[^\"]*\")?\s*\)"),
        re.compile(rf"href=[\"']{path}(#[^\"']*)[\"']"),
    )


@dataclass(frozen=True)
class _Link:
    line: int
    url: str
    """The target as written (``#a``, ``./#a``, ``README.md#a``)."""
    name: str
    """The fragment, percent-decoded."""
    block: int | None
    """Which table of contents the link's line belongs to (None: the line is no
    table-of-contents line)."""


def toc(sink: Sink, text: str) -> None:
    """Links to the file's own headings that name no heading, and a table of contents
    that links to one heading twice. A line scan, not a second Markdown parse (the file
    has been parsed once already; a parse is most of a check's time), linear in the
    file's size: ATX and setext headings and HTML ``id``/``name`` anchors outside fenced
    code; links ``](#…)`` and ``href="#…"``, also written ``./#…`` or (in a file named
    so) ``README.md#…`` and ``./README.md#…``, outside code.

    A table-of-contents line is one whose first word is inside a link to a heading
    (``- [A](#a)``, ``2.1 [A](#a)``, ``[A](#a) | [B](#b)``, ``<td><a href="#a">A</a>``);
    consecutive ones, with blank lines, bare list items (a group's label) and lines of
    tags between them, make one table of contents. A heading it lists twice is a
    finding on the later link; a heading that prose or a "back to top" line links to
    again is none."""
    md_target, href_target = _targets(sink.file)
    seen: dict[str, int] = {}
    anchors: set[str] = set()
    ids: set[str] = set()
    links: list[_Link] = []
    fence: str | None = None
    previous = ""
    block, in_block = 0, False
    for number, raw in enumerate(_LINES.split(text), 1):
        m = _FENCE.match(raw)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if m:
            fence = m.group(1)
            previous, in_block = "", False
            continue
        heading = False
        if (h := _ATX.match(raw)) and raw.lstrip().startswith("#"):
            anchors.add(anchor(heading_text(h.group(1).strip()), seen))
            heading = True
        elif (
            _SETEXT.match(raw)
            and previous.strip()
            and not previous.lstrip().startswith(("#", "-", "*", "+", "|", "<", ">", "`"))
            and not _SETEXT.match(previous)
        ):
            anchors.add(anchor(heading_text(previous.strip()), seen))
            heading = True
        # Most lines have no code, tag or "#": the checks below cost a character scan.
        line = _without_code(raw) if "`" in raw else raw
        if "<" in line and "=" in line:
            for tag in _TAG.findall(line):
                ids.update(a or b or c for a, b, c in _ID.findall(tag))
        md = list(md_target.finditer(line)) if "#" in line else []
        html = list(href_target.finditer(line)) if "#" in line else []
        if heading:
            in_block = False
        elif (md or html) and _toc_line(line, md, html):
            if not in_block:
                block, in_block = block + 1, True
        elif in_block and (md or html or not _between_toc_lines(line)):
            in_block = False
        mine = block if in_block else None
        for t in sorted(md + html, key=lambda t: t.start()) if html else md:
            url = t.group(1) + t.group(2)
            links.append(_Link(number, url, unquote(t.group(2)[1:]), mine))
        previous = raw
    _report(sink, links, anchors, ids)


def _without_code(line: str) -> str:
    """``line`` with its inline code spans blanked (a link written inside one is shown,
    not followed): a run of backticks opens a span that the next run of the same length
    closes; one that nothing closes is text. One pass, whatever the runs."""
    runs = [(r.start(), r.end()) for r in _BACKTICKS.finditer(line)]
    closer: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        size = runs[i][1] - runs[i][0]
        closer[i] = last.get(size)
        last[size] = i
    out, pos, i = [], 0, 0
    while i < len(runs):
        j = closer[i]
        if j is None:
            i += 1
            continue
        out += [line[pos : runs[i][0]], " " * (runs[j][1] - runs[i][0])]
        pos, i = runs[j][1], j + 1
    out.append(line[pos:])
    return "".join(out)


def _toc_line(line: str, md: list[re.Match[str]], html: list[re.Match[str]]) -> bool:
    """No word before the line's first link to a heading: only list markers, numbers,
    tags, emphasis and emoji (``* 📖[A](#a)🔥``, ``2.1 [A](#a)``)."""
    starts = [_opening_bracket(line, md[0].start())] if md else []
    if html:
        starts.append(max(line.rfind("<", 0, html[0].start()), 0))
    prefix = line[: min(starts)]
    return not any(map(str.isalpha, _ANY_TAG.sub("", prefix) if "<" in prefix else prefix))


def _opening_bracket(line: str, close: int) -> int:
    """Where the link text closed at ``close`` opens (an image inside it included)."""
    depth = 0
    for i in range(close, -1, -1):
        ch = line[i]
        if i and line[i - 1] == "\\":
            continue
        if ch == "]":
            depth += 1
        elif ch == "[":
            depth -= 1
            if depth == 0:
                return i
    return close


def _between_toc_lines(line: str) -> bool:
    """A line without links to headings that may stand inside a table of contents:
    blank, tags only (``<tr>``, ``<!-- … -->``, ``</details>``), or a list item without
    any link (a group's label: ``- Programming``)."""
    if not any(ch.isalnum() for ch in _ANY_TAG.sub("", line)):
        return True
    return bool(_LIST_ITEM.match(line)) and "](" not in line and "href=" not in line


def _report(sink: Sink, links: list[_Link], anchors: set[str], ids: set[str]) -> None:
    lower_ids = {i.lower(): i for i in ids}
    listed: dict[tuple[int, str], _Link] = {}
    for link in links:
        if not link.name:
            continue  # "#" alone: the top of the page
        target = _target(link.name, anchors, ids, lower_ids)
        if target is None:
            sink.add(
                "toc",
                None,
                link.line,
                f"The link {cap_echo(link.url)} names no heading of the file.",
                found=link.url,
            )
            continue
        if link.block is None:
            continue
        first = listed.setdefault((link.block, target), link)
        if first is link:
            continue
        where = "earlier on this line" if first.line == link.line else f"at line {first.line}"
        sink.add(
            "toc",
            None,
            link.line,
            f"The link {cap_echo(link.url)} goes to the same heading as "
            f"{cap_echo(first.url)} {where}; the table of contents lists it twice.",
            found=link.url,
        )


def _target(name: str, anchors: set[str], ids: set[str], lower_ids: dict[str, str]) -> str | None:
    """The anchor a link's fragment goes to, as GitHub finds it: a heading's anchor or
    an element's id as written, then in lower case (``#Intro`` goes to "Intro"), then
    without GitHub's ``user-content-`` prefix; ``#top`` is the page's top (HTML's rule)
    when nothing else is named so. None: it goes nowhere."""
    for n in (name, name[len(_USER_CONTENT) :] if name.startswith(_USER_CONTENT) else None):
        if not n:
            continue
        if n in anchors or n in ids:
            return n
        low = n.lower()
        if low in anchors:
            return low
        if low in lower_ids:
            return lower_ids[low]
    return "top" if name.lower() == "top" else None
