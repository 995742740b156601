"""What an entry's own text says: its typed title, authors, date, venue, affiliation and
description, table cells by their column, and a repository link its badges contradict."""

from __future__ import annotations

import re
from datetime import date as Date

from alignfetch.errors import BadIdError
from alignfetch.list import ids
from alignfetch.readme import markdown as md
from alignfetch.readme.found import GENERIC, SPACE, Found

_MONTHS = {
    m: i
    for i, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        1,
    )
    for m in names
}
_DMY = re.compile(r"^(\d{1,2}) ([A-Za-z]+)\.? (\d{4})$")
_MDY = re.compile(r"^([A-Za-z]+)\.? (\d{1,2}),? (\d{4})$")
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_MY = re.compile(r"^([A-Za-z]+)\.? (\d{4})$")
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
ARXIV_VENUE = re.compile(r"^arxiv(\s+(19|20)\d{2})?$", re.IGNORECASE)
_SEPARATORS = " \t-–—:|,.;"
_BADGE_REPO = re.compile(
    r"^https?://img\.shields\.io/github/[a-z-]+/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)", re.IGNORECASE
)
_COLUMNS = {
    "affiliation": ("institute", "institution", "org", "organization", "affiliation", "lab"),
    "venue": ("publication", "venue", "conference", "journal", "published in"),
    "date": ("date", "release", "released", "release date", "time"),
    "description": ("summary", "description", "desc", "notes", "note", "introduction"),
}


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


def squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def read_text(f: Found, block: md.Block) -> None:
    """Title, authors, date, venue, affiliation and description from the block's lines."""
    kind = f.kind
    primary_line = next((ln for ln in block.lines if any(k.url == f.url for k in ln.links)), None)
    strong = next((ln for ln in block.lines if ln.style == "strong"), None)
    text = SPACE.sub(" ", f.text).strip()
    if text and not GENERIC.match(text) and not _classify_text(text, f):
        f.title = text
    elif strong is not None and strong.text:
        f.title = strong.text
    for ln in block.lines:
        if ln is strong or (ln is primary_line and ln.style == "strong"):
            continue
        plain = ln.text.strip()
        if ln.style == "em" and not ln.links:
            if kind == "repo" or (kind not in ("paper", "dataset") and f.description is None):
                if f.description is None:
                    f.description = plain
            elif not f.authors:
                f.authors = _names(plain)
            continue
        if ln.links and ln.depth == 0 and ln.lead.rstrip(" [").endswith("."):
            _venue_line(f, ln.lead.rstrip(" [").rstrip(". "))
            continue
        day = _date(plain) if not ln.links else None
        if day is not None:
            f.date, f.iso_date = plain, day or None
            continue
        names = "," in plain or " and " in plain
        if ln.depth > 0 and names and not (ln.links or ln.label or f.authors) and kind == "paper":
            f.authors = _names(plain)
            continue
        if ln.label and ln.label.lower() in ("summary", "description", "desc", "intro"):
            body = plain[plain.find(":") + 1 :].lstrip(" ：:") if ":" in plain else plain
            if body and f.description is None:
                f.description = body
            continue
        if ln.label and ln.label.lower() in ("author", "authors") and not f.authors:
            f.authors = _names(plain.split(":", 1)[-1])
            continue
        if ln is primary_line:
            tail = _tail(plain, f.text)
            if tail and f.description is None:
                f.description = tail
            continue
        prose = (ln.depth == 0 and block.kind in ("paragraph", "item")) or (
            block.kind == "heading" and not ln.label
        )
        if prose and not ln.links and f.description is None and plain:
            f.description = plain
    if block.cells:
        _cells(f, block)


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
    if before.strip(_SEPARATORS + "[]"):
        out = (before.strip(_SEPARATORS + "[]") + " " + out).strip()
    return out


def _venue_line(f: Found, text: str) -> None:
    """``DeepMind, NeurIPS 2022`` -> affiliation, venue; ``arXiv 2023`` is typed."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return
    last = parts[-1]
    if _YEAR.search(last) or ARXIV_VENUE.match(last):
        f.venue = last
        parts = parts[:-1]
    if parts:
        f.affiliation = ", ".join(parts)


def _cells(f: Found, block: md.Block) -> None:
    for column, value in block.cells.items():
        value = value.strip()
        if not value:
            continue
        for key, names in _COLUMNS.items():
            if column.strip().lower() not in names:
                continue
            if key == "date":
                day = _date(value)
                f.date, f.iso_date = value, day or None
            elif key == "affiliation" and f.affiliation is None:
                f.affiliation = value
            elif key == "venue" and f.venue is None:
                f.venue = value
            elif key == "description" and f.description is None:
                f.description = value


def _names(text: str) -> list[str]:
    text = re.sub(r"\bet al\.?", "", text.strip().rstrip("."))
    return [n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if n.strip()]


def _date(text: str) -> str | None:
    """``28 Oct 2022`` -> ``2022-10-28``; a month or year alone -> ``""``; not a date -> None.

    A year first is always year, month, day (``2023-05-03`` and ``2023/05/03`` are 3 May,
    as ISO 8601 and every list writing them means). A year last with numbers only
    (``03/05/2023``) is 3 May in Europe and 5 March in the United States, and one list
    may hold both: it is read as a date that names no certain day (``""``), so it is
    neither imported as a day nor compared with the paper's, even when one reading is
    impossible (``13/05/2023``), so that a list's dates are all read or none.
    """
    text = text.strip().rstrip(".")
    try:
        if m := _DMY.match(text):
            month = _MONTHS.get(m.group(2).lower())
            return Date(int(m.group(3)), month, int(m.group(1))).isoformat() if month else None
        if m := _MDY.match(text):
            month = _MONTHS.get(m.group(1).lower())
            return Date(int(m.group(3)), month, int(m.group(2))).isoformat() if month else None
        if m := _ISO.match(text):
            if m.group(3) is None:
                return "" if 1 <= int(m.group(2)) <= 12 else None
            return Date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        if (m := _MY.match(text)) and m.group(1).lower() in _MONTHS:
            return ""
        if m := _NUMERIC.match(text):
            first, second, year = (int(g) for g in m.groups())
            readings = ((year, second, first), (year, first, second))
            return "" if any(_real_day(*r) for r in readings) else None
    except ValueError:
        return None
    return None


def _real_day(year: int, month: int, day: int) -> bool:
    try:
        Date(year, month, day)
    except ValueError:
        return False
    return True
