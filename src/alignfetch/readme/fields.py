"""What an entry's own text says: its name, typed title, authors, date, venue, affiliation
and description, a table row's cells by their column's header, and a repository link its
badges contradict. A line that is a citation of parts is read by
:mod:`alignfetch.readme.citation`."""

from __future__ import annotations

import re
from dataclasses import replace

from alignfetch.errors import BadIdError
from alignfetch.list import ids
from alignfetch.readme import markdown as md
from alignfetch.readme.citation import (
    YEAR,
    authors_like,
    cite,
    clean_end,
    label_free,
    mixed,
    names_target,
    parse_date,
    set_authors,
    set_date,
    set_field,
    squash,
)
from alignfetch.readme.found import GENERIC, SPACE, Found
from alignfetch.records import strip_controls

__all__ = ["ARXIV_VENUE", "conflict", "read_text", "squash"]

ARXIV_VENUE = re.compile(r"^arxiv(\s+(19|20)\d{2})?$", re.IGNORECASE)
_SEPARATORS = " \t-–—:|,.;"
_BADGE_REPO = re.compile(
    r"^https?://img\.shields\.io/github/[a-z-]+/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE
)


def conflict(f: Found, block: md.Block, link: md.Link) -> None:
    """A repository link that its own title and badges contradict: follow the majority."""
    if f.ref.prefix != "gh":
        return
    owner, name = f.ref.key.split("/")[:2]
    votes: dict[str, int] = {f"{owner}/{name}".lower(): 1}
    spelled = {f"{owner}/{name}".lower(): f"{owner}/{name}"}
    for k in block.links:
        m = _BADGE_REPO.match(k.url) if k.image else None
        if m:
            full = f"{m.group(1)}/{m.group(2).removesuffix('.svg')}"
            votes[full.lower()] = votes.get(full.lower(), 0) + 1
            spelled.setdefault(full.lower(), full)
    if len(votes) < 2:
        return
    title = squash(f.text)
    for full in votes:
        if squash(full.split("/")[1]) and squash(full.split("/")[1]) in title:
            votes[full] += 1
    mine = f"{owner}/{name}".lower()
    best = max(votes, key=lambda v: (votes[v], v == mine))
    if best == mine:
        return
    try:
        other = ids.parse("gh:" + spelled[best])
    except BadIdError:  # a badge URL naming no repository GitHub could have
        return
    badges = votes[best] - (1 if squash(best.split("/")[1]) in title else 0)
    named_by = (["its title"] if badges < votes[best] else []) + (
        [f"{badges} badge{'s' if badges != 1 else ''}"] if badges else []
    )
    f.conflict = (
        f"The link goes to {f.ref}, but {' and '.join(named_by)} name {other}; imported as {other}."
    )
    f.replaced = link
    f.ref = other
    f.url = f"https://github.com/{spelled[best]}"


def read_text(f: Found, block: md.Block) -> None:
    """Title, authors, date, venue, affiliation and description from the block's lines."""
    kind = f.kind
    primary_line = next((ln for ln in block.lines if any(k.url == f.url for k in ln.links)), None)
    strong = next((ln for ln in block.lines if ln.style == "strong"), None)
    text = SPACE.sub(" ", f.text).strip()
    if block.columns:
        _columns(f, block)
    else:
        _lines(f, block, kind, text, primary_line, strong)
    for key in ("name", "title", "authors_text", "date", "venue", "affiliation", "description"):
        value = getattr(f, key)
        if value is not None:  # a tab or a wrapped line in the file is one space in a field
            setattr(f, key, SPACE.sub(" ", strip_controls(value)).strip() or None)


def _lines(
    f: Found,
    block: md.Block,
    kind: str,
    text: str,
    primary_line: md.Line | None,
    strong: md.Line | None,
) -> None:
    """What a list item, a paragraph or a linked heading says, line by line."""
    cited = [(whole, parts) for whole, parts in _logical(block.lines) if mixed(whole)]
    cited = [(whole, parts) for whole, parts in cited if not whole.label]
    done = {id(ln) for _, parts in cited for ln in parts}
    if cited:
        # A citation: its quoted title, bold name, italic venue... each in its field; the
        # other lines (a TL;DR, the authors under it) say the rest.
        for whole, _ in cited:
            cite(f, whole, _index(whole, f.url))
    elif names_target(f, text):
        f.name = text
    elif text and not GENERIC.match(text) and not _classify_text(text, f):
        f.title = text
    elif strong is not None and strong.text:
        f.title = strong.text
    for ln in block.lines:
        if id(ln) in done or ln is strong or (ln is primary_line and ln.style == "strong"):
            continue
        plain = ln.text.strip()
        if ln.style == "em" and not ln.links:
            if kind == "repo" or (kind not in ("paper", "dataset") and f.description is None):
                if f.description is None:
                    f.description = plain
            elif not f.authors:
                set_authors(f, plain)
            continue
        if ln.links and ln.depth == 0 and ln.lead.rstrip(" [").endswith("."):
            _venue_line(f, ln.lead.rstrip(" [").rstrip(". "))
            continue
        day = parse_date(plain) if not ln.links else None
        if day is not None:
            f.date, f.iso_date = plain, day or None
            continue
        if not (ln.links or ln.label or f.authors) and authors_like(plain):
            set_authors(f, plain)
            continue
        if ln.label and ln.label.lower() in _SAID:
            body = plain[plain.find(":") + 1 :].lstrip(" ：:") if ":" in plain else plain
            if body and f.description is None:
                f.description = body
            continue
        if ln.label and ln.label.lower() in ("author", "authors") and not f.authors:
            set_authors(f, plain.split(":", 1)[-1])
            continue
        if ln is primary_line:
            tail = _tail(plain, f.text)
            if tail and f.description is None and _own_words(tail, ln, f.url):
                f.description = tail
            continue
        prose = (block.kind in ("paragraph", "item") and (ln.depth == 0 or not ln.label)) or (
            block.kind == "heading" and not ln.label
        )
        if prose and not ln.links and f.description is None and plain:
            f.description = plain


_SAID = ("summary", "description", "desc", "intro", "tl;dr", "tldr", "abstract")
"""Labels of a line that describes its entry (``TL;DR: …``)."""


def _logical(lines: list[md.Line]) -> list[tuple[md.Line, list[md.Line]]]:
    """The block's lines as its reader sees them: a line the file wraps (a soft break)
    joined to the line it continues (a bold title over two lines is one title)."""
    out: list[tuple[md.Line, list[md.Line]]] = []
    for ln in lines:
        if out and ln.soft and ln.depth == out[-1][1][-1].depth:
            whole, parts = out[-1]
            shift = len(whole.links)
            more = [replace(r, link=r.link + shift) if r.link >= 0 else r for r in ln.runs]
            last = whole.runs[-1] if whole.runs else None
            first = more[0] if more else None
            if last is not None and first is not None and _same(last, first):
                # the wrap was inside bold or italic words: still one stretch of them
                runs = [*whole.runs[:-1], replace(last, text=f"{last.text} {first.text}")]
                runs += more[1:]
            else:
                runs = [*whole.runs, md.Run(" "), *more]
            joined = md.Line(
                f"{whole.text} {ln.text}".strip(),
                "plain",
                whole.line,
                [*whole.links, *ln.links],
                whole.depth,
                whole.label,
                whole.lead,
                runs,
            )
            out[-1] = (joined, [*parts, ln])
        else:
            out.append((ln, [ln]))
    return out


def _same(a: md.Run, b: md.Run) -> bool:
    return (a.strong, a.em, a.link) == (b.strong, b.em, b.link)


def _index(line: md.Line, url: str) -> int:
    """The index of the entry's own link among a line's links (-1: not on this line)."""
    return next((i for i, k in enumerate(line.links) if k.url == url), -1)


def _classify_text(text: str, f: Found) -> bool:
    """Whether a link text is only an ID or URL (``2305.01937``, a bare URL)."""
    return text.startswith(("http://", "https://")) or text == f.ref.key


def _tail(line: str, link_text: str) -> str:
    """What a ``- [Name](url) - description`` line says after the name."""
    text = SPACE.sub(" ", link_text).strip()
    at = line.find(text) if text else -1
    rest = line[at + len(text) :] if at >= 0 else line
    before = line[:at] if at > 0 else ""
    out = rest.lstrip(_SEPARATORS + "]").rstrip()
    if before.rstrip().endswith((":", "：")):  # "Paper: [Title](…)": a label, no description
        before = ""
    if before.strip(_SEPARATORS + "[]"):
        out = (before.strip(_SEPARATORS + "[]") + " " + out).strip()
    return out


def _own_words(text: str, line: md.Line, url: str) -> bool:
    """Whether ``text`` says something besides the texts of the line's other links
    (``Videos``, ``Tweet``): a web link's words are its label, a refused link's are text."""
    for k in line.links:
        if k.text and k.url != url and k.url.lower().startswith(("http://", "https://")):
            text = text.replace(k.text, " ")
    return bool(re.search(r"\w", text))


def _venue_line(f: Found, text: str) -> None:
    """``DeepMind, NeurIPS 2022`` -> affiliation, venue; ``arXiv 2023`` is typed."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return
    last = parts[-1]
    if YEAR.search(last) or ARXIV_VENUE.match(last):
        f.venue = last
        parts = parts[:-1]
    if parts:
        f.affiliation = ", ".join(parts)


# -- a table's row: each column kept by its header -----------------------------------------

_ROLES = {
    "title": ("title", "paper", "papers", "paper title", "paper name", "course name", "course"),
    "name": (
        "name",
        "project",
        "projects",
        "model",
        "models",
        "method",
        "tool",
        "tools",
        "benchmark",
        "dataset",
        "repo",
        "repository",
        "library",
        "agent",
        "framework",
        "abbr",
        "abbreviation",
        "short name",
    ),
    "description": (
        "summary",
        "description",
        "desc",
        "notes",
        "note",
        "introduction",
        "tl;dr",
        "tldr",
        "abstract",
        "comment",
        "comments",
        "highlights",
        "focus",
    ),
    "venue": ("publication", "venue", "conference", "journal", "published in", "pub", "conf"),
    "date": ("date", "release", "released", "release date", "time", "year", "published", "month"),
    "affiliation": (
        "institute",
        "institution",
        "institutions",
        "org",
        "organization",
        "organisation",
        "affiliation",
        "affiliations",
        "lab",
        "company",
        "team",
    ),
    "authors": ("author", "authors"),
}
_ROLE_OF = {h: role for role, heads in _ROLES.items() for h in heads}
_TITLE_CELL = re.compile(
    r"^\W*\[(?P<name>[^\[\]]{1,40})\]\s*(?P<title>.+?)\s*(?:\(@(?P<org>[^()]*)\))?\s*$"
)
"""``🔥[Mooncake] Mooncake: A KVCache-centric Architecture(@Moonshot AI)``."""


def _role(header: str) -> str | None:
    head = re.sub(r"[^\w;/()' -]", "", header).strip().lower()
    if head in _ROLE_OF:
        return _ROLE_OF[head]
    if re.search(r"universit|institut|affiliation|organi[sz]ation", head):
        return "affiliation"
    return None


def _cell_words(lines: list[md.Line]) -> str:
    """A cell's own words: its text without the text of its link labels (``[pdf]``)."""
    out = [label_free(ln) if ln.runs else ln.text for ln in lines]
    return SPACE.sub(" ", " ".join(out)).strip()


def _columns(f: Found, block: md.Block) -> None:
    """A table row: each cell in the field its column's header names; the first name or
    title column whose cell has words of its own says the entry's name or title."""
    named = False
    for header, lines in block.columns:
        role = _role(header)
        words = _cell_words(lines)
        if role is None or not words or words in ("-", "—", "–", "/"):
            continue
        if role in ("title", "name"):
            if named:
                continue
            named = True
            _name_cell(f, lines, words, role)
        elif role == "description" and f.description is None:
            f.description = words
        elif role == "date":
            if not set_date(f, words):
                set_field(f, "date", words)  # "F2015", "Spring 2019": as typed, no day
        elif role == "authors":
            set_authors(f, words)
        else:
            set_field(f, role, words)
    if not named:  # no column says what the row is: its link's text (or bold words) does
        text = SPACE.sub(" ", f.text).strip()
        if names_target(f, text):
            f.name = text
        elif text and not GENERIC.match(text.strip("[]")) and not _classify_text(text, f):
            f.title = text
        else:
            strong = next((ln for ln in block.lines if ln.style == "strong"), None)
            if strong is not None and strong.text:
                f.title = strong.text


def _name_cell(f: Found, lines: list[md.Line], words: str, role: str) -> None:
    """The cell of a row's name or title column: ``**Name** - summary``, a linked title,
    ``[Name] Title(@Org)``, or the name or title alone."""
    cited = [ln for ln in lines if mixed(ln)]
    m = _TITLE_CELL.match(words)
    if m is not None and role == "title":
        f.name = m.group("name").strip("* ")
        f.title = m.group("title").strip()
        if m.group("org"):
            f.affiliation = m.group("org").strip()
        return
    if cited:
        for ln in cited:
            cite(f, ln, _index(ln, f.url))
        return
    text = clean_end(words) if words.endswith(".") else words
    links = [k for ln in lines for k in ln.links if not k.image]
    alone = len(links) == 1 and SPACE.sub(" ", links[0].text).strip() == words
    if alone and links[0].url == f.url and names_target(f, words):
        role = "name"
    setattr(f, role, text)
