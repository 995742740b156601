"""Reading an awesome-list README: Markdown in, headings and link blocks out.

This module owns the Markdown side of ``import`` (and of any later reader of
other people's lists): it parses with markdown-it-py (CommonMark plus GitHub's
tables and strikethrough) and walks the syntax tree into a flat, ordered list of
:class:`Heading`, :class:`Group` and :class:`Block` events. A block is one
candidate entry: a list item (with its nested items), a table row, a paragraph
or an HTML block, with every link in it (line, text, target, image or not) and
its text cut into visual lines with their emphasis. It knows nothing about IDs,
sources or entries.toml; :mod:`alignfetch.importer` interprets the blocks.

Links in raw HTML (``<a href>``, ``<img src>``) are read with the standard
library's HTML parser. Code spans and fences hold no links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Literal

from alignfetch.errors import InputError

if TYPE_CHECKING:
    from markdown_it.tree import SyntaxTreeNode

__all__ = ["Block", "Document", "Group", "Heading", "Line", "Link", "parse"]


@dataclass(frozen=True)
class Link:
    """One link (or image) as written."""

    url: str
    text: str
    """The link's text as a reader sees it (an image's alt text)."""
    line: int
    """1-based line of the file."""
    image: bool = False
    """An image (``![alt](src)``, ``<img src>``)."""
    wraps_image: bool = False
    """A link whose whole text is an image: a badge's target."""
    html: bool = False
    """Written as raw HTML."""
    inert: bool = False
    """Markdown link syntax inside an HTML block, which GitHub shows as text."""


@dataclass
class Line:
    """One visual line of a block (blocks are cut at line breaks and list items)."""

    text: str
    """Plain text (link texts included, images left out)."""
    style: Literal["strong", "em", "plain"]
    """``strong`` or ``em`` when the whole line is bold or italic."""
    line: int
    links: list[Link] = field(default_factory=list)
    depth: int = 0
    """0 for the block's own text, 1+ for nested list items."""
    label: str = ""
    """The words before a colon that opens a nested line (``Code: [Official](…)``)."""
    lead: str = ""
    """The text before the line's first link (``DeepMind, NeurIPS 2022. [``)."""


@dataclass
class Block:
    """A candidate entry: something that links to something."""

    kind: Literal["item", "row", "paragraph", "html", "heading"]
    line: int
    lines: list[Line]
    links: list[Link]
    """Every link and image in the block, in reading order."""
    cells: dict[str, str] = field(default_factory=dict)
    """A table row's cells by column name (lower-cased header text)."""
    end: int = 0
    """The block's last line in the file (1-based); 0 when not known."""

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines if line.text)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Group:
    """``<details><summary>text</summary>`` opening (``text``) or closing (None)."""

    text: str | None
    line: int


Event = Heading | Group | Block


@dataclass
class Document:
    events: list[Event]
    lines: int


MAX_NESTING = 100
"""Block nesting markdown-it will follow (a list item and its list count two)."""
_SPACE = re.compile(r"\s+")
_LABEL = re.compile(r"^\s*([^:\[\]()]{1,30}?)\s*[:：]\s*")
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def parse(text: str) -> Document:
    """The headings, ``<details>`` groups and link blocks of ``text``, in order."""
    from markdown_it import MarkdownIt
    from markdown_it.tree import SyntaxTreeNode

    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable(["table", "strikethrough"])
    tokens = md.parse(text)
    # At its nesting limit markdown-it stops reading, silently: say so instead.
    deepest = max(tokens, key=lambda t: t.level, default=None)
    if deepest is not None and deepest.level >= MAX_NESTING - 1:
        where = next((t.map[0] + 1 for t in reversed(tokens) if t.map), 1)
        raise InputError(
            f"Line {where} nests lists or quotes too deep to read (more than "
            f"{MAX_NESTING // 2} levels); flatten them and import again."
        )
    root = SyntaxTreeNode(tokens)
    events: list[Event] = []
    _walk(root, events)
    return Document(events, text.count("\n") + 1)


def _start(node: SyntaxTreeNode) -> int:
    return (node.map[0] + 1) if node.map else 1


def _end(node: SyntaxTreeNode) -> int:
    """The node's last line in the file (1-based)."""
    return node.map[1] if node.map else _start(node)


def _walk(node: SyntaxTreeNode, out: list[Event]) -> None:
    for child in node.children:
        kind = child.type
        if kind == "heading":
            inline = child.children[0] if child.children else None
            lines = _lines(inline, _start(child)) if inline else []
            links = tuple(link for ln in lines for link in ln.links)
            text = " ".join(ln.text for ln in lines).strip()
            out.append(Heading(int(child.tag[1:]), text, _start(child), links))
        elif kind == "paragraph":
            _paragraph(child, out)
        elif kind in ("bullet_list", "ordered_list"):
            for item in child.children:
                _item(item, out)
        elif kind == "table":
            _table(child, out)
        elif kind == "html_block":
            _html_block(child, out)
        elif kind == "blockquote":
            _walk(child, out)
        # fences, code blocks and rules hold no links


def _paragraph(node: SyntaxTreeNode, out: list[Event]) -> None:
    """Every paragraph is a block, with links or not: text without links may
    describe the entry a linked heading opened."""
    lines = _lines(node.children[0], _start(node))
    if lines:
        _label(lines[0])
    links = [link for ln in lines for link in ln.links]
    out.append(Block("paragraph", _start(node), lines, links, end=_end(node)))


def _item(item: SyntaxTreeNode, out: list[Event]) -> None:
    """A list item whose own text links somewhere is one block, nested items and
    all; otherwise each nested item may be one."""
    head = item.children[0] if item.children and item.children[0].type == "paragraph" else None
    own = _lines(head.children[0], _start(head)) if head is not None else []
    if not any(not link.image for ln in own for link in ln.links):
        _walk(item, out)
        return
    every = list(own)
    for child in item.children[1:]:
        every.extend(_nested(child, 1))
    # "-[Name](url)" (no space) is no list item but a line of the paragraph above
    # it; its writer meant an item of its own.
    cuts = [i for i, ln in enumerate(every) if i and ln.links and ln.lead in ("-", "*", "+")]
    ends = [every[c].line - 1 for c in cuts] + [_end(item)]
    for start, end, last in zip([0, *cuts], [*cuts, len(every)], ends, strict=True):
        lines = every[start:end]
        if start:
            lines[0].depth = 0
        links = [link for ln in lines for link in ln.links]
        first = lines[0].line if start else _start(item)
        out.append(Block("item", first, lines, links, end=max(first, last)))


def _nested(node: SyntaxTreeNode, depth: int) -> list[Line]:
    """The lines of everything inside an item's block, nested items one deeper."""
    kind = node.type
    if kind in ("paragraph", "heading") and node.children:
        return _lines(node.children[0], _start(node), depth)
    if kind in ("bullet_list", "ordered_list"):
        out: list[Line] = []
        for item in node.children:
            for i, child in enumerate(item.children):
                got = _nested(child, depth + (0 if child.type == "paragraph" else 1))
                if i == 0 and got:
                    _label(got[0])
                out.extend(got)
        return out
    if kind == "html_block":
        links = _html_links(node.content, _start(node), block=True)
        text = _SPACE.sub(" ", _TAGS.sub(" ", node.content)).strip()
        return [Line(text, "plain", _start(node), links, depth)] if links or text else []
    if kind == "tr":  # cells have no line of their own
        return [
            ln
            for cell in node.children
            if cell.children
            for ln in _lines(cell.children[0], _start(node), depth)
        ]
    if kind in ("blockquote", "table", "thead", "tbody"):
        out = []
        for child in node.children:
            out.extend(_nested(child, depth))
        return out
    return []


def _label(line: Line) -> None:
    match = _LABEL.match(line.text)
    if match:
        line.label = match.group(1).strip()


def _table(table: SyntaxTreeNode, out: list[Event]) -> None:
    names: list[str] = []
    for part in table.children:
        for row in part.children:
            cells = [_lines(c.children[0], _start(row)) if c.children else [] for c in row.children]
            texts = [" ".join(ln.text for ln in cell).strip() for cell in cells]
            links = [link for cell in cells for ln in cell for link in ln.links]
            if part.type == "thead":
                names = [t.lower() for t in texts]
                if not links:
                    continue  # a header that links (a gallery of avatars) is a row too
            if not links:
                continue
            lines = [ln for cell in cells for ln in cell]
            named = {
                (names[i] if i < len(names) and names[i] else f"column {i + 1}"): texts[i]
                for i in range(len(texts))
            }
            out.append(Block("row", _start(row), lines, links, named, end=_end(row)))


def _html_block(node: SyntaxTreeNode, out: list[Event]) -> None:
    content = node.content
    line = _start(node)
    summary = _SUMMARY.search(content)
    opens = content.lower().count("<details")
    if summary is not None:
        text = _SPACE.sub(" ", _TAGS.sub(" ", summary.group(1))).strip()
        out.append(Group(text, line + content[: summary.start()].count("\n")))
    links = _html_links(content, line, block=True)
    if links:
        text = _SPACE.sub(" ", _TAGS.sub(" ", content)).strip()
        out.append(Block("html", line, [Line(text, "plain", line, links)], links, end=_end(node)))
    closes = content.lower().count("</details")
    unmatched = max(0, closes - (opens if summary is None else opens - 1))
    out.extend(Group(None, line + content.count("\n")) for _ in range(unmatched))


# -- inline content -------------------------------------------------------------------


def _lines(inline: SyntaxTreeNode, first: int, depth: int = 0) -> list[Line]:
    """An inline node's content cut at line breaks into :class:`Line` objects."""
    lines: list[_Building] = [_Building(first)]
    _inline(inline.children, lines, [], None)
    out = []
    for b in lines:
        text = _SPACE.sub(" ", "".join(b.parts)).strip()
        if not text and not b.links:
            continue
        style: Literal["strong", "em", "plain"] = "plain"
        if b.styled and not _SPACE.sub("", "".join(b.unstyled)):
            style = "strong" if b.styled == {"strong"} else "em" if b.styled == {"em"} else "plain"
        lead = _SPACE.sub(" ", b.lead or "").strip()
        out.append(Line(text, style, b.line, b.links, depth, lead=lead))
    return out


@dataclass
class _Building:
    line: int
    parts: list[str] = field(default_factory=list)
    unstyled: list[str] = field(default_factory=list)
    styled: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)
    lead: str | None = None
    anchor: tuple[int, int] | None = None
    """An open ``<a href>``: its index in ``links`` and where its text starts."""


def _inline(
    nodes: list[SyntaxTreeNode], lines: list[_Building], styles: list[str], href: str | None
) -> None:
    for node in nodes:
        cur = lines[-1]
        kind = node.type
        if kind in ("softbreak", "hardbreak"):
            lines.append(_Building(cur.line + 1))
        elif kind == "text" and href is None and cur.anchor is None:
            _put_text(cur, node.content, styles)
        elif kind in ("text", "code_inline"):
            _put(cur, node.content, styles)
        elif kind in ("strong", "em", "s"):
            _inline(node.children, lines, [*styles, kind], href)
        elif kind == "link":
            target = str(node.attrs.get("href", ""))
            if cur.lead is None:
                cur.lead = "".join(cur.parts)
            start = len(lines)
            text_at = len(cur.parts)
            only_images = bool(node.children) and all(
                c.type == "image" or (c.type == "text" and not c.content.strip())
                for c in node.children
            )
            _inline(node.children, lines, [*styles, "link"], target)
            inner = "".join(cur.parts[text_at:]) if len(lines) == start else ""
            text = _SPACE.sub(" ", inner).strip()
            if only_images:
                alts = [str(c.attrs.get("alt", "")) or c.content for c in node.children]
                text = _SPACE.sub(" ", " ".join(alts)).strip()
            cur.links.append(Link(target, text, cur.line, wraps_image=only_images))
        elif kind == "image":
            alt = _SPACE.sub(" ", node.content or str(node.attrs.get("alt", ""))).strip()
            cur.links.append(Link(str(node.attrs.get("src", "")), alt, cur.line, image=True))
            cur.styled.add("image")
        elif kind == "html_inline":
            found = _html_links(node.content, cur.line)
            cur.links.extend(found)
            if "</a" in node.content.lower() and cur.anchor is not None:
                at, start = cur.anchor
                words = _SPACE.sub(" ", "".join(cur.parts[start:])).strip()
                cur.links[at] = replace(cur.links[at], text=words)
                cur.anchor = None
            if found and not found[-1].image and "</a" not in node.content.lower():
                cur.anchor = (len(cur.links) - 1, len(cur.parts))
        else:
            _inline(node.children, lines, styles, href)


_AUTOLINK = re.compile(r"(?<![^\s*_~(])(?:https?://|www\.)[^\s<]+", re.IGNORECASE)
"""A bare URL in text, where GitHub's autolink extension (GFM, "Autolinks (extension)")
finds one: at a line's start, after a space or one of ``*_~(``."""
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
_TRAILING = "?!.,:*_~"


def autolinks(text: str) -> list[tuple[int, int, str]]:
    """The bare URLs GitHub links in ``text``: (start, end, target), as GFM's autolink
    extension finds them (``www.`` gets ``http://``; trailing punctuation and an unmatched
    closing parenthesis are not part of the link; the domain needs a dot and no ``_`` in
    its last two labels)."""
    out = []
    for m in _AUTOLINK.finditer(text):
        found = m.group()
        while found:
            unmatched = found[-1] == ")" and found.count(")") > found.count("(")
            if found[-1] not in _TRAILING and not unmatched:
                break
            found = found[:-1]
        rest = found.split("://", 1)[-1]
        domain = _DOMAIN.match(rest)
        if domain is None or "_" in ".".join(domain.group().split(".")[-2:]):
            continue
        target = found if "://" in found else "http://" + found
        out.append((m.start(), m.start() + len(found), target))
    return out


def _put_text(b: _Building, text: str, styles: list[str]) -> None:
    """Text, with its bare URLs as links (GitHub autolinks them)."""
    pos = 0
    for start, end, target in autolinks(text) if "://" in text or "www." in text.lower() else ():
        _put(b, text[pos:start], styles)
        if b.lead is None:
            b.lead = "".join(b.parts)
        _put(b, text[start:end], [*styles, "link"])
        b.links.append(Link(target, text[start:end], b.line))
        pos = end
    _put(b, text[pos:], styles)


def _put(b: _Building, text: str, styles: list[str]) -> None:
    b.parts.append(text)
    emphasis = [s for s in styles if s in ("strong", "em")]
    if emphasis:
        b.styled.add(emphasis[0])
    else:
        b.unstyled.append(text)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool, int, list[str]]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        row = self.getpos()[0] - 1
        if tag == "a" and values.get("href"):
            self._open = []
            self.found.append((values["href"] or "", False, row, self._open))
        elif tag == "img" and values.get("src"):
            alt = [values.get("alt") or ""]
            self.found.append((values["src"] or "", True, row, alt))

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)


_INERT = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?(https?://[^\s)>]+)")
"""Markdown links written inside an HTML block (only to report them: they are text)."""


def _html_links(content: str, first: int, block: bool = False) -> list[Link]:
    parser = _Anchors()
    parser.feed(content)
    parser.close()
    out = []
    for url, image, row, text in parser.found:
        words = _SPACE.sub(" ", "".join(text)).strip()
        out.append(Link(url.strip(), words, first + row, image=image, html=True))
    if block:
        for m in _INERT.finditer(content):
            row = content.count("\n", 0, m.start())
            out.append(
                Link(
                    m.group(3),
                    m.group(2),
                    first + row,
                    image=bool(m.group(1)),
                    html=True,
                    inert=True,
                )
            )
    return out
