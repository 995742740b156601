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
from typing import TYPE_CHECKING, Literal

from alignfetch.errors import InputError
from alignfetch.readme.htmltext import Anchors, Styled

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


@dataclass(frozen=True)
class Run:
    """A stretch of a line's text in one style, as its reader sees it."""

    text: str
    strong: bool = False
    em: bool = False
    link: int = -1
    """The index in :attr:`Line.links` of the link this text is the text of, else -1
    (below -1: a link's words whose link is on the line above, where its text starts)."""


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
    runs: list[Run] = field(default_factory=list)
    """The line's text cut where its style changes: which words are bold, italic or a
    link's text (what tells a bold name from a quoted title and an italic venue)."""
    soft: bool = False
    """The line continues the one before it after a soft line break (one paragraph's
    text wrapped in the file, not a break a reader sees)."""


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
    columns: list[tuple[str, list[Line]]] = field(default_factory=list)
    """A table row's cells in order: (lower-cased header text, the cell's lines)."""

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
    rest = [ln for child in item.children[1:] for ln in _nested(child, 1)]
    lists = any(c.type in ("bullet_list", "ordered_list") for c in item.children[1:])
    linked = any(not link.image for ln in own for link in ln.links)
    # An item of paragraphs only (a title, then its authors and links under a blank
    # line) is one entry; one with nested lists and no link of its own is a group.
    if head is None or not (linked or (not lists and any(ln.links for ln in rest))):
        _walk(item, out)
        return
    every = [*own, *rest]
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
            columns = [
                (names[i] if i < len(names) and names[i] else f"column {i + 1}", cells[i])
                for i in range(len(cells))
            ]
            out.append(Block("row", _start(row), lines, links, named, _end(row), columns))


def _html_block(node: SyntaxTreeNode, out: list[Event]) -> None:
    content = node.content
    line = _start(node)
    summary = _SUMMARY.search(content)
    opens = content.lower().count("<details")
    if summary is not None:
        text = _SPACE.sub(" ", _TAGS.sub(" ", summary.group(1))).strip()
        out.append(Group(text, line + content[: summary.start()].count("\n")))
    rows = _html_rows(content, line) if _TR.search(content) else []
    # Links outside the table's rows (a caption, a paragraph beside it) stay one block.
    rest = content
    for start, stop, _ in reversed(rows):
        rest = rest[:start] + "\n" * content.count("\n", start, stop) + rest[stop:]
    links = _html_links(rest, line, block=True)
    if links:
        text = _SPACE.sub(" ", _TAGS.sub(" ", rest)).strip()
        out.append(Block("html", line, [Line(text, "plain", line, links)], links, end=_end(node)))
    blocks = [row for _, _, row in rows if row is not None]
    if out and out[-1].__class__ is Block and blocks and links and links[0].line > blocks[0].line:
        out[-1:] = [*blocks, out[-1]]  # the text after the table comes after its rows
    else:
        out.extend(blocks)
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
        out.append(Line(text, style, b.line, b.links, depth, lead=lead, runs=b.runs, soft=b.soft))
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
    runs: list[Run] = field(default_factory=list)
    soft: bool = False


def _inline(
    nodes: list[SyntaxTreeNode], lines: list[_Building], styles: list[str], href: str | None
) -> None:
    for node in nodes:
        cur = lines[-1]
        kind = node.type
        if kind in ("softbreak", "hardbreak"):
            lines.append(_Building(cur.line + 1, soft=kind == "softbreak"))
        elif kind == "text" and href is None and cur.anchor is None:
            _put_text(cur, node.content, styles)
        elif kind in ("text", "code_inline"):
            at = cur.anchor[0] if cur.anchor is not None and href is None else _PENDING
            _put(cur, node.content, styles, at if "link" in styles or at >= 0 else -1)
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
            at = len(cur.links) - 1
            cur.runs[:] = [replace(r, link=at) if r.link == _PENDING else r for r in cur.runs]
            for b in lines[start:]:  # a link's words wrapped to the next line: still its words
                b.runs[:] = [replace(r, link=_WRAPPED) if r.link == _PENDING else r for r in b.runs]
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
        _put(b, text[start:end], [*styles, "link"], len(b.links))
        b.links.append(Link(target, text[start:end], b.line))
        pos = end
    _put(b, text[pos:], styles)


_PENDING = -2
"""The link index of a link's words until the link itself is read."""
_WRAPPED = -3
"""The link index of a link's words on a line after the link's own (the link is on the
line where its text starts)."""


def _put(b: _Building, text: str, styles: list[str], link: int = -1) -> None:
    b.parts.append(text)
    if text:
        b.runs.append(Run(text, "strong" in styles, "em" in styles, link))
    emphasis = [s for s in styles if s in ("strong", "em")]
    if emphasis:
        b.styled.add(emphasis[0])
    else:
        b.unstyled.append(text)


_TR = re.compile(r"<tr\b[^>]*>", re.IGNORECASE)
_BOUNDS = re.compile(r"<tr\b[^>]*>|</tr\s*>|</?(?:table|thead|tbody|tfoot)\b[^>]*>", re.IGNORECASE)
_BLANK = " \t\r\n\u200b"
"""What a row's bounds skip: white space, and the zero-width spaces some lists indent with."""
_CELL = re.compile(r"<t([dh])\b([^>]*)>", re.IGNORECASE)
_CELL_END = re.compile(r"</t[dh]\s*>|<t[dh]\b", re.IGNORECASE)
_SPAN = re.compile(r"colspan\s*=\s*[\"']?(\d+)", re.IGNORECASE)


def _html_rows(content: str, first: int) -> list[tuple[int, int, Block | None]]:
    """An HTML ``<table>``'s rows: (start, end offsets in ``content``, the row's block, or
    None for a row without links: a header, a group's title). Each column is named by
    its header (``<th>`` cells, else the first row without links), as in a Markdown
    table, so a row reads like one."""
    out: list[tuple[int, int, Block | None]] = []
    names: list[str] = []
    # A row runs from one row tag to the next (a list may leave a <tr> or a </tr> out).
    bounds = [*_BOUNDS.finditer(content), None]
    for m, nxt in zip(bounds, bounds[1:], strict=False):
        assert m is not None
        stop = nxt.start() if nxt is not None else len(content)
        if nxt is not None and nxt.group().lower().startswith("</tr"):
            stop = nxt.end()
        body = content[m.end() : stop]
        if (
            not _CELL.search(body)
            or m.group().lower().startswith("</tr")
            and not body.strip(_BLANK).lower().startswith("<t")
        ):
            continue
        cells: list[tuple[str, list[Line], bool, int]] = []
        for c in _CELL.finditer(body):
            end_m = _CELL_END.search(body, c.end())
            inner = body[c.end() : end_m.start() if end_m else len(body)]
            at = first + content.count("\n", 0, m.end() + c.end())
            span = _SPAN.search(c.group(2))
            cells.append(
                (
                    inner,
                    _html_cell(inner, at),
                    c.group(1).lower() == "h",
                    int(span.group(1)) if span else 1,
                )
            )
        links = [k for _, lines, _, _ in cells for ln in lines for k in ln.links]
        texts = [" ".join(ln.text for ln in lines).strip() for _, lines, _, _ in cells]
        web = [k for k in links if not k.image]
        header = all(h for _, _, h, _ in cells) or (not names and not web)
        if cells and header:
            names = [t.lower() for t, c in zip(texts, cells, strict=True) for _ in range(c[3])]
        opening = m.start() if m.group().lower().startswith("<tr") else m.end()
        opening += len(content[opening:stop]) - len(content[opening:stop].lstrip(_BLANK))
        row_line = first + content.count("\n", 0, opening)
        row_end = first + content.count("\n", 0, len(content[:stop].rstrip(_BLANK)))
        if not links or (cells and header):
            out.append((opening, stop, None))
            continue
        columns: list[tuple[str, list[Line]]] = []
        named: dict[str, str] = {}
        col = 0
        for (_, lines, _, n), text in zip(cells, texts, strict=True):
            name = names[col] if col < len(names) and names[col] else f"column {col + 1}"
            columns.append((name, lines))
            named.setdefault(name, text)
            col += n
        every = [ln for _, lines in columns for ln in lines]
        out.append((opening, stop, Block("row", row_line, every, links, named, row_end, columns)))
    return out


def _html_cell(inner: str, line: int) -> list[Line]:
    """One cell of an HTML table as a line: its text, links and styles."""
    parser = Styled()
    parser.feed(inner)
    parser.close()
    links = _html_links(inner, line, block=True)
    runs = [Run(*r) for r in parser.runs]
    text = _SPACE.sub(" ", "".join(r.text for r in runs)).strip()
    if not text and not links:
        return []
    plain = "".join(r.text for r in runs if not r.strong)
    style: Literal["strong", "em", "plain"] = "strong" if text and not plain.strip() else "plain"
    return [Line(text, style, line, links, runs=runs)]


_INERT = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?(https?://[^\s)>]+)")
"""Markdown links written inside an HTML block (only to report them: they are text)."""


def _html_links(content: str, first: int, block: bool = False) -> list[Link]:
    parser = Anchors()
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
