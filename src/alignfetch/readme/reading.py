"""Adopting an existing awesome list: its README in, sections and entries out.

Two layers. :func:`read_list` interprets the blocks :mod:`alignfetch.markdown`
finds: for each entry its file line, primary link and ID (classified through
:func:`alignfetch.ids.parse`, so every registered source gets its links), link
text, what the maintainer typed (title, authors, date, venue), what only the
maintainer can know (affiliation, venue, description, a tagline, extra links),
its badges, and any conflict between its own signals. It writes nothing and is
meant to be reused by anything that reads other people's lists. :func:`plan`
turns that into new sections and entries for an :class:`EntriesFile`, with the
duplicates, conflicts and skipped links an :class:`ImportReport` tells.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date as Date
from typing import Any
from urllib.parse import urlsplit

from alignfetch.errors import BadIdError
from alignfetch.list import ids
from alignfetch.list.entries import Entry, Section
from alignfetch.readme import markdown as md

__all__ = ["Found", "ImportReport", "ListReading", "plan", "read_list"]

NOT_SECTIONS = re.compile(
    r"^(table of contents|contents|toc|contributing|contribution|contributions|contributors|"
    r"how to contribute|licen[cs]e|star history|stargazers|star-history|citation|cite|"
    r"acknowledge?ments?|other language support|translations?)$",
    re.IGNORECASE,
)
"""Headings whose links are the page's furniture, not the list's content."""
ATTACHED = re.compile(
    r"^(abstract|data card|bibtex|citation|cite|details|more|summary|show more)$", re.IGNORECASE
)
"""``<details>`` summaries that belong to the entry above them, not a group of entries."""
GENERIC = re.compile(
    r"^(paper|papers|pdf|arxiv|abs|link|links|here|this|code|codes|github|repo|repository|"
    r"project|project page|homepage|website|site|official|unofficial|blog|demo|data|dataset|"
    r"datasets|download|huggingface|hugging face|hf|model|models|space|collection|"
    r"paper/project link|dataset link|datalinks|\d+)$",
    re.IGNORECASE,
)
"""Link texts that name the kind of a link, not what it is."""

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
_ARXIV_VENUE = re.compile(r"^arxiv(\s+(19|20)\d{2})?$", re.IGNORECASE)
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


# -- reading a list -----------------------------------------------------------------------


@dataclass
class Found:
    """One entry of a list as its file says it."""

    line: int
    ref: ids.Ref
    url: str
    """The primary link as written."""
    text: str
    """The primary link's text."""
    section: str
    title: str | None = None
    """What the maintainer typed as its title (a tagline for a repository)."""
    authors: list[str] = field(default_factory=list)
    date: str | None = None
    """A typed date as written (``28 Oct 2022``)."""
    iso_date: str | None = None
    """The typed date as ``YYYY-MM-DD``, when it names a day."""
    venue: str | None = None
    affiliation: str | None = None
    description: str | None = None
    links: list[tuple[str, str, int]] = field(default_factory=list)
    """Other links: (name, URL, line)."""
    badges: list[str] = field(default_factory=list)
    """Image targets (and badge links' targets) in the entry."""
    conflict: str | None = None
    replaced: md.Link | None = None
    """The link a conflict overruled."""
    via: str | None = None
    """For a paper that the list names only as another entry's link: that entry's ID."""

    @property
    def kind(self) -> str:
        """``paper``, ``dataset``, ``repo``, ``link``, ... (:data:`alignfetch.core.KINDS`)."""
        from alignfetch.workspace import KINDS

        return KINDS.get(self.ref.prefix, self.ref.prefix)


@dataclass(frozen=True)
class Skip:
    line: int
    url: str
    text: str
    reason: str


@dataclass
class ListReading:
    """Everything :func:`read_list` found: sections in order, entries, and the rest."""

    title: str | None
    sections: list[Section]
    found: list[Found]
    skipped: list[Skip]
    section_lines: dict[str, int] = field(default_factory=dict)
    """Each section's heading line, by slug."""


@dataclass
class _Sec:
    title: str
    level: int
    line: int
    parent: _Sec | None
    slug: str = ""
    used: bool = False
    furniture: bool = False
    """A table of contents, Contributing, License...: its links are not entries."""
    attached: bool = False
    """An entry's own ``<details>`` (Abstract, Data Card): its links are the entry's."""


def read_list(text: str) -> ListReading:
    """The sections and entries of an awesome-list README (nothing is written)."""
    doc = md.parse(text)
    title: str | None = None
    skipped: list[Skip] = []
    events = doc.events
    if _REFUSED_HINT.search(html.unescape(text)):
        skipped.extend(_refused_links(text))
        events = [_scrub_event(e) for e in events]
    placed: list[tuple[Found, _Sec]] = []
    secs: list[_Sec] = []
    stack: list[_Sec] = []  # headings, then <details> groups
    root = _Sec("General", 0, 1, None)
    entry_heading: tuple[md.Heading, list[md.Block]] | None = None
    last_block: Found | None = None

    def current() -> _Sec:
        return stack[-1] if stack else root

    def flush() -> None:
        nonlocal entry_heading, last_block
        if entry_heading is not None:
            heading, blocks = entry_heading
            lines = [md.Line(heading.text, "strong", heading.line, list(heading.links))]
            links = list(heading.links)
            for b in blocks:
                for ln in b.lines:  # under the heading: details of the heading's entry
                    ln.depth += 1
                lines.extend(b.lines)
                links.extend(b.links)
            block = md.Block("heading", heading.line, lines, links)
            last_block = _entry(block, current(), placed, skipped)
            entry_heading = None

    levels = [e.level for e in events if isinstance(e, md.Heading)]
    top = min(levels, default=1)
    # The first heading names the list when it is the page's only top heading (or a "#").
    titled = bool(levels) and levels[0] == top and (top == 1 or levels.count(top) == 1)
    for event in events:
        if isinstance(event, md.Heading):
            flush()
            last_block = None
            web = [k for k in event.links if not k.image and not k.wraps_image and _web(k.url)]
            if titled:
                titled = False
                title = event.text or None
                _skip_all(event.links, "in the list's title", skipped)
                continue
            if web and not NOT_SECTIONS.match(event.text):
                entry_heading = (event, [])
                continue
            _skip_all(event.links, "in a heading", skipped)
            while stack and (stack[-1].level >= event.level or stack[-1].level < 0):
                stack.pop()
            sec = _Sec(
                event.text or f"Section {len(secs) + 1}",
                event.level,
                event.line,
                current() if stack else None,
            )
            sec.furniture = bool(NOT_SECTIONS.match(event.text)) or any(
                s.furniture for s in _parents(sec)
            )
            secs.append(sec)
            stack.append(sec)
        elif isinstance(event, md.Group):
            if event.text is None:
                if stack and stack[-1].level < 0:
                    flush()
                    stack.pop()
                continue
            flush()
            if last_block is not None and ATTACHED.match(event.text):
                stack.append(_Sec(event.text, -2, event.line, current(), attached=True))
                continue
            last_block = None
            sec = _Sec(event.text, -1, event.line, current() if stack else None)
            sec.furniture = any(s.furniture for s in _parents(sec))
            secs.append(sec)
            stack.append(sec)
        else:
            if entry_heading is not None:
                entry_heading[1].append(event)
                continue
            here = current()
            if here.attached and last_block is not None:
                _attach(last_block, event, skipped)
                continue
            if here.furniture:
                _skip_all(
                    event.links, f"under {here.title!r}, which is not a list section", skipped
                )
                continue
            last_block = _entry(event, here, placed, skipped)
    flush()
    skipped.sort(key=lambda s: s.line)  # the refused links among the others, in file order
    sections = _sections([root, *secs], placed)
    found = [f for f, _ in placed]
    return ListReading(
        title, sections, found, skipped, {s.slug: s.line for s in [root, *secs] if s.used}
    )


# -- links that are no links: javascript:, data:, file:, vbscript: -----------------------
# markdown-it (as GitHub) refuses to make a link of these schemes, so :func:`md.parse`
# leaves ``[text](javascript:...)`` in the text around it, where it would become an
# entry's description. They are found by a second parse that makes every link, told as
# skipped, and cut out of every text (their words stay, as a link's words do).

_REFUSED = "javascript|vbscript|data|file"
_REFUSED_HINT = re.compile(rf"(?i)\b(?:{_REFUSED}):")
"""A cheap test, on the text with its entities decoded, that such a link may be there."""
_REFUSED_LINK = re.compile(
    rf"!?\[([^\]\n]*)\]\(\s*<?\s*(?i:{_REFUSED}):(?:[^()\n]|\([^()\n]*\))*\)"
)
"""``[text](javascript:alert(1))`` as it is left in the text: replaced by its text."""
_REFUSED_URL = re.compile(rf"<?\b(?i:{_REFUSED}):[^\s<>]+>?")
"""What remains of one (an autolink, a reference's definition): removed."""


def _refused_links(text: str) -> list[Skip]:
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
    return Skip(line, url, _SPACE.sub(" ", text).strip(), _not_web(scheme, what))


def _scrub(text: str) -> str:
    """``text`` without refused links: a link's words stay, its target goes."""
    if not _REFUSED_HINT.search(text):
        return text
    text = _REFUSED_LINK.sub(lambda m: m.group(1), text)
    return _SPACE.sub(" ", _REFUSED_URL.sub("", text)).strip()


def _scrub_event(event: md.Event) -> md.Event:
    """``event`` with every text scrubbed (a block's lines and links keep sharing links)."""
    if isinstance(event, md.Group):
        return event if event.text is None else replace(event, text=_scrub(event.text))
    done: dict[int, md.Link] = {}

    def link(k: md.Link) -> md.Link:
        if id(k) not in done:
            done[id(k)] = replace(k, text=_scrub(k.text)) if _REFUSED_HINT.search(k.text) else k
        return done[id(k)]

    if isinstance(event, md.Heading):
        links = tuple(link(k) for k in event.links)
        return replace(event, text=_scrub(event.text), links=links)
    lines = [
        replace(ln, text=_scrub(ln.text), lead=_scrub(ln.lead), links=[link(k) for k in ln.links])
        for ln in event.lines
    ]
    return replace(
        event,
        lines=lines,
        links=[link(k) for k in event.links],
        cells={name: _scrub(value) for name, value in event.cells.items()},
    )


def _parents(sec: _Sec) -> list[_Sec]:
    out: list[_Sec] = []
    p = sec.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def _sections(all_secs: list[_Sec], placed: list[tuple[Found, _Sec]]) -> list[Section]:
    """Slugs for the sections that hold entries (or whose subsections do)."""
    for _, here in placed:
        s: _Sec | None = here
        while s is not None:
            s.used = True
            s = s.parent
    taken: set[str] = set()
    out: list[Section] = []
    for sec in all_secs:
        if not sec.used:
            continue
        sec.slug = _unique(slugify(sec.title) or f"section-{len(out) + 1}", taken)
        parent = sec.parent.slug if sec.parent is not None and sec.parent.used else None
        out.append(Section(sec.slug, sec.title, parent))
    for f, here in placed:
        f.section = here.slug
    return out


def slugify(title: str) -> str:
    """``LLM for Safety & Safe-Alignment`` -> ``llm-for-safety-safe-alignment``."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60].strip("-")


def _unique(slug: str, taken: set[str]) -> str:
    base, n = slug, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _skip_all(links: Iterable[md.Link], where: str, skipped: list[Skip]) -> None:
    for k in links:
        if k.url.startswith("#"):
            continue
        what = (
            "Markdown inside an HTML block (text on GitHub)"
            if k.inert
            else "an image"
            if k.image
            else "a badge's link"
            if k.wraps_image
            else "a link"
        )
        skipped.append(Skip(k.line, k.url, k.text, f"{what} {where}"))


def _attach(entry: Found, block: md.Block, skipped: list[Skip]) -> None:
    """Links inside an entry's abstract or card: more links of that entry."""
    for k in block.links:
        if k.inert:
            skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry's details")))
        elif k.image or not _web(k.url):
            _skip_all([k], "inside an entry's details", skipped)
        else:
            _add_link(entry, k, skipped)


def _classify(url: str) -> ids.Ref | None:
    try:
        return ids.parse(url)
    except BadIdError:
        return None


def _entry(
    block: md.Block, sec: _Sec, placed: list[tuple[Found, _Sec]], skipped: list[Skip]
) -> Found | None:
    """The entry a block makes, or None (its links are then skipped, with why)."""
    choice = _primary(block)
    if choice is None:
        skipped.extend(
            Skip(k.line, k.url, k.text, _why_not(k, "outside any entry"))
            for k in block.links
            if not k.url.startswith("#")
        )
        return None
    link, ref = choice
    f = Found(block.line, ref, link.url, link.text, "")
    _conflict(f, block, link)
    _read_text(f, block)
    for k in block.links:
        if k is link:  # an overruled link is told among the conflicts
            continue
        if k.inert:
            skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry")))
        elif k.image or k.wraps_image:
            f.badges.append(k.url)
        elif not _web(k.url):
            if not k.url.startswith("#"):
                skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry")))
        else:
            _add_link(f, k, skipped)
    placed.append((f, sec))
    return f


def _primary(block: md.Block) -> tuple[md.Link, ids.Ref] | None:
    """The link an entry is about: the first that a source names (a paper, dataset,
    repository...) on the entry's own lines, else the first web link there; links
    on nested lines (``Code: [Official](…)``) are details of the entry."""
    own = {id(k) for ln in block.lines if ln.depth == 0 for k in ln.links}
    web = [k for k in block.links if not (k.image or k.wraps_image or k.inert) and _web(k.url)]
    for links in ([k for k in web if id(k) in own], web):
        refs = [(k, r) for k in links if (r := _classify(k.url)) is not None]
        named = [(k, r) for k, r in refs if r.prefix != "url"]
        if named or refs:
            return (named or refs)[0]
    return None


def _why_not(k: md.Link, where: str) -> str:
    if k.inert:
        return f"Markdown inside an HTML block, which GitHub shows as text, {where}"
    if k.image:
        return f"an image (a badge or picture) {where}"
    if k.wraps_image:
        return f"a badge's link {where}"
    if not k.url.strip():
        return f"an empty link {where}"
    if k.url.lower().startswith("mailto:"):
        return f"an e-mail address {where}"
    if _web(k.url):
        return f"the shape of an arXiv or Hub link, but no ID they know (a typo?), {where}"
    scheme = _SCHEME.match(k.url.strip())
    if scheme is not None:  # javascript: in an <a href>, ftp:, ssh:...
        return f"{_not_web(scheme.group(1).lower(), 'a link')}, {where}"
    return f"a relative link (a file beside the list) {where}"


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
"""A URL's scheme (a Windows drive letter, ``C:``, is one too: no web link either)."""


def _not_web(scheme: str, what: str) -> str:
    return f"{what} with the {scheme}: scheme, not http(s)"


_USABLE = re.compile(r"https?://[^\s/?#]+\S*$")
"""A link entries.toml can hold (what :func:`alignfetch.entries.check_links` accepts)."""


def _add_link(f: Found, k: md.Link, skipped: list[Skip]) -> None:
    if not _USABLE.match(k.url):
        skipped.append(Skip(k.line, k.url, k.text, "not a complete http(s) URL"))
        return
    ref = _classify(k.url)
    if ref is not None and ref.identity == f.ref.identity:
        skipped.append(Skip(k.line, k.url, k.text, f"the entry's own link again ({f.ref})"))
        return
    if any(url == k.url for _, url, _ in f.links):
        skipped.append(Skip(k.line, k.url, k.text, f"already a link of {f.ref}"))
        return
    name = _SPACE.sub(" ", k.text).strip() or urlsplit(k.url).netloc or "Link"
    base, n = name, 2
    while any(existing == name for existing, _, _ in f.links):
        name = f"{base} {n}"
        n += 1
    f.links.append((name, k.url, k.line))


_SPACE = re.compile(r"\s+")


def _conflict(f: Found, block: md.Block, link: md.Link) -> None:
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
    title = _squash(f.text)
    for full in votes:
        if _squash(full.split("/")[1]) and _squash(full.split("/")[1]) in title:
            votes[full] += 1
    mine = f"{owner}/{name}".lower()
    best = max(votes, key=lambda v: (votes[v], v == mine))
    if best == mine:
        return
    try:
        other = ids.parse("gh:" + spelled[best])
    except BadIdError:  # a badge URL naming no repository GitHub could have
        return
    badges = votes[best] - (1 if _squash(best.split("/")[1]) in title else 0)
    named_by = (["its title"] if badges < votes[best] else []) + (
        [f"{badges} badge{'s' if badges != 1 else ''}"] if badges else []
    )
    f.conflict = (
        f"The link goes to {f.ref}, but {' and '.join(named_by)} name {other}; imported as {other}."
    )
    f.replaced = link
    f.ref = other
    f.url = f"https://github.com/{spelled[best]}"


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _read_text(f: Found, block: md.Block) -> None:
    """Title, authors, date, venue, affiliation and description from the block's lines."""
    kind = f.kind
    primary_line = next((ln for ln in block.lines if any(k.url == f.url for k in ln.links)), None)
    strong = next((ln for ln in block.lines if ln.style == "strong"), None)
    text = _SPACE.sub(" ", f.text).strip()
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
    text = _SPACE.sub(" ", link_text).strip()
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
    if _YEAR.search(last) or _ARXIV_VENUE.match(last):
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


# -- planning an import -----------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, with ``dry_run``, would do)."""

    path: str
    created: bool
    dry_run: bool
    sections: list[Section]
    """The sections of the list after the import (new ones at the end)."""
    new_sections: list[Section]
    entries: list[tuple[Entry, Found]]
    duplicates: dict[str, list[int]]
    conflicts: list[tuple[int, str]]
    skipped: list[Skip]
    existing: list[tuple[str, int]]
    """Entries already in entries.toml, with the line that names them."""
    title: str | None = None

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, f in self.entries:
            out[f.kind] = out.get(f.kind, 0) + 1
        return out

    def json(self) -> dict[str, Any]:
        entries = []
        for entry, f in self.entries:
            data: dict[str, Any] = {"id": entry.id, "section": entry.section, "line": f.line}
            data.update(entry.overrides())
            data["badges"] = list(f.badges)
            if f.via is not None:
                data["via"] = f.via
            data["typed"] = {
                "title": f.title,
                "date": f.date,
                "authors": list(f.authors),
                "venue": f.venue,
            }
            entries.append(data)
        return {
            "sections": [
                {"slug": s.slug, "title": s.title, "parent": s.parent} for s in self.new_sections
            ],
            "entries": entries,
            "duplicates": [{"id": k, "lines": v} for k, v in self.duplicates.items()],
            "conflicts": [{"line": line, "message": m} for line, m in self.conflicts],
            "skipped": [
                {"line": s.line, "url": s.url, "text": s.text, "reason": s.reason}
                for s in self.skipped
            ],
            "existing": [{"id": k, "line": line} for k, line in self.existing],
        }

    def text(self) -> str:
        counts = self.counts()
        kinds = ", ".join(f"{n} {_plural(k, n)}" for k, n in sorted(counts.items()))
        n = len(self.entries)
        verb = "Would import" if self.dry_run else "Imported"
        if n:
            s = len(self.new_sections)
            head = (
                f"{verb} {n} {'entry' if n == 1 else 'entries'} ({kinds}) into {self.path}"
                + (f", with {s} new section{'s' if s != 1 else ''}" if s else "")
                + "."
            )
        else:
            head = f"Nothing new to import into {self.path}."
        lines = [head]
        if self.existing:
            lines.append(f"{len(self.existing)} already in the list, left as they are.")
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        if self.duplicates:
            lines.append("")
            lines.append("Duplicates (imported once, at their first line):")
            for rid, where in self.duplicates.items():
                lines.append(
                    f"  - {rid}: line {where[0]}, again at line(s) "
                    + ", ".join(str(w) for w in where[1:])
                )
        if self.conflicts:
            lines.append("")
            lines.append("Conflicts:")
            lines.extend(f"  - line {line}: {m}" for line, m in self.conflicts)
        if self.skipped:
            lines.append("")
            lines.append(f"Skipped {len(self.skipped)} link(s):")
            lines.extend(f"  - line {s.line}: {s.url} ({s.reason})" for s in self.skipped)
        return "\n".join(lines) + "\n"


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else kind + "s"


def plan(
    reading: ListReading,
    existing_sections: list[Section],
    existing_entries: list[Entry],
    *,
    keep_typed: bool = False,
) -> tuple[list[Section], list[tuple[Entry, Found]], ImportReport]:
    """New sections and entries for a list that already holds ``existing_*``.

    Sections match existing ones by title and parent; entries by identity (so
    a second import adds nothing). The report's path and flags are the caller's.
    """
    # Sections: reuse an existing one of the same title under the same parent.
    rename: dict[str, str] = {}
    taken = {s.slug for s in existing_sections}
    new_sections: list[Section] = []
    known = list(existing_sections)
    for s in reading.sections:
        parent = rename.get(s.parent, s.parent) if s.parent else None
        same = next((e for e in known if e.title == s.title and e.parent == parent), None)
        if same is not None:
            rename[s.slug] = same.slug
            continue
        slug = _unique(s.slug, taken)
        rename[s.slug] = slug
        section = Section(slug, s.title, parent)
        new_sections.append(section)
        known.append(section)
    where: dict[str, int] = {}
    have = {ids.identity(e.id) for e in existing_entries}
    firsts: dict[str, Found] = {}
    duplicates: dict[str, list[int]] = {}
    existing: list[tuple[str, int]] = []
    kept: list[Found] = []
    skipped = list(reading.skipped)
    primaries = {f.ref.identity for f in reading.found}
    promoted: list[tuple[Found, Found]] = []
    for f in reading.found:
        ident = f.ref.identity
        if ident in firsts:
            first = firsts.get(ident)
            duplicates.setdefault(str(f.ref), [where[ident]]).append(f.line)
            if first is not None:
                for name, url, line in f.links:
                    _merge_link(first, name, url, line, skipped)
            else:
                skipped.extend(
                    Skip(line, url, name, f"in a duplicate of {f.ref}")
                    for name, url, line in f.links
                )
            continue
        where[ident] = f.line
        firsts[ident] = f
        if ident in have:
            existing.append((str(f.ref), f.line))
            continue
        kept.append(f)
    # A paper that the list names only as another entry's link is an entry too.
    for f in firsts.values():
        for name, url, line in f.links:
            ref = _classify(url)
            if ref is None or ref.prefix != "arxiv" or ref.identity in primaries:
                continue
            primaries.add(ref.identity)
            paper = Found(
                line,
                ref,
                url,
                name,
                f.section,
                title=name if not GENERIC.match(name) else None,
                via=str(f.ref),
            )
            promoted.append((f, paper))
    for host, paper in promoted:
        ident = paper.ref.identity
        if ident in have:
            existing.append((str(paper.ref), paper.line))
            continue
        where[ident] = paper.line
        at = next((i for i, k in enumerate(kept) if k is host), len(kept) - 1)
        kept.insert(at + 1, paper)
    made = [(_to_entry(f, rename.get(f.section, f.section), keep_typed), f) for f in kept]
    conflicts = [(f.line, f.conflict) for f in reading.found if f.conflict]
    report = ImportReport(
        path="",
        created=False,
        dry_run=False,
        sections=known,
        new_sections=new_sections,
        entries=made,
        duplicates=duplicates,
        conflicts=conflicts,
        skipped=skipped,
        existing=existing,
        title=reading.title,
    )
    return new_sections, made, report


def _merge_link(first: Found, name: str, url: str, line: int, skipped: list[Skip]) -> None:
    ref = _classify(url)
    if ref is not None and ref.identity == first.ref.identity:
        skipped.append(Skip(line, url, name, f"the entry's own link again ({first.ref})"))
    elif any(u == url for _, u, _ in first.links):
        skipped.append(Skip(line, url, name, f"already a link of {first.ref}"))
    else:
        base, n = name, 2
        while any(existing == name for existing, _, _ in first.links):
            name = f"{base} {n}"
            n += 1
        first.links.append((name, url, line))


def _to_entry(f: Found, section: str, keep_typed: bool) -> Entry:
    """What entries.toml keeps: only what the sources cannot know, unless ``keep_typed``."""
    title: str | None = None
    if f.kind in ("repo", "dataset") or f.ref.prefix.startswith("hf-"):
        # The source's title is the name in the ID: a different text is a tagline.
        name = f.ref.key.split("/")[-1] if f.kind == "repo" else f.ref.key
        if f.title and _squash(f.title) not in (_squash(name), _squash(f.ref.key)):
            title = f.title
    elif f.kind == "link":
        title = f.title or f.text or None
    if keep_typed and f.title and title is None:
        title = f.title
    venue = f.venue if f.venue and not _ARXIV_VENUE.match(f.venue) else None
    day = f.iso_date if keep_typed else None
    return Entry(
        str(f.ref),
        section,
        title=title,
        description=f.description or None,
        venue=venue,
        affiliation=f.affiliation or None,
        date=day,
        links=tuple((name, url) for name, url, _ in f.links),
    )
