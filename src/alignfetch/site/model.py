"""What the site shows of an export document: its sections and entries, checked and cleaned.

The page's template reads only what this module builds (:class:`Page`, :class:`Section`,
:class:`Entry`): every fact of an entry as plain text (the template escapes it), the links
it may show (http(s) only: a document read from a file may hold anything), the values the
page's script filters and sorts on, and each entry's lower-cased search text. A document
that is not an export of schema version 1 is an :class:`~alignfetch.errors.InputError`
naming what is wrong.

An entry's anchor (its ``id`` attribute, so ``index.html#<anchor>`` scrolls to it) is its
canonical ID with the prefix's own hyphens dropped and the first ``:`` made ``-``
(``arxiv:2306.05685`` -> ``arxiv-2306.05685``, ``gh:owner/name`` -> ``gh-owner/name``,
``hf-model:org/name`` -> ``hfmodel-org/name``), and every character but letters, digits
and ``-._~/`` percent-encoded: one ID, one anchor, the same on every build.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from alignfetch.errors import InputError
from alignfetch.list.export import display_date
from alignfetch.list.export import document_list as _sequence
from alignfetch.list.export import document_object as _mapping
from alignfetch.readme.text import human_date
from alignfetch.records import strip_controls

SCHEMA_VERSION = 1
KINDS = {
    "paper": "Paper",
    "dataset": "Dataset",
    "model": "Model",
    "space": "Space",
    "collection": "Collection",
    "repo": "Repository",
    "link": "Link",
}
"""Each kind an entry may have, with the word the page shows for it (and the kind filter)."""


@dataclass(frozen=True)
class Entry:
    id: str
    anchor: str
    kind: str
    kind_label: str
    title: str
    url: str | None
    section: str
    sections: tuple[str, ...]
    date: str | None
    shown_date: str
    year: str
    venue: str | None
    venue_group: str
    authors: tuple[str, ...]
    affiliation: str | None
    description: str | None
    abstract: str | None
    abstract_label: str
    links: tuple[tuple[str, str], ...]
    facts: tuple[tuple[str, str], ...]
    stars: int | None
    citations: int | None
    search: str
    """Lower-cased: what the search reads besides the abstract (lower-cased by the page)."""
    level: int
    within: str
    """The section slugs an entry is in, each with its parents, for the section filter."""


@dataclass
class Section:
    slug: str
    title: str
    parent: str | None
    depth: int
    entries: list[Entry] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    @property
    def level(self) -> int:
        return min(self.depth + 1, 6)

    @property
    def anchor(self) -> str:
        return "section-" + _encoded(self.slug)


@dataclass
class Page:
    title: str
    description: str | None
    sections: list[Section]
    """The top-level sections that hold an entry, themselves or under them."""
    every: list[Section]
    """Those sections and theirs, in page order (each followed by its sub-sections)."""
    entries: list[Entry]
    """Every entry once, in the list's order."""
    in_order: list[Entry]
    """Every entry once, in the page's order (section by section, as ``every`` walks)."""
    kinds: list[tuple[str, str]]
    years: list[str]
    venues: list[str]


def page(doc: object) -> Page:
    """The page of the export document ``doc`` (see the module's docstring)."""
    d = _mapping(doc, "the export document")
    if d.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"The export document has schema_version {d.get('schema_version')!r}; this "
            f"alignfetch builds a site from version {SCHEMA_VERSION}; write it again with "
            "`alignfetch export`."
        )
    meta = _mapping(d.get("list", {}), "list")
    views: dict[str, Section] = {}
    top: list[Section] = []
    for raw in _sequence(d.get("sections"), "sections"):
        s = _mapping(raw, "a section")
        slug, parent = s.get("slug"), s.get("parent")
        if not isinstance(slug, str) or not slug or slug in views:
            raise InputError(
                f"In the export document, section {slug!r} is not a new section's slug."
            )
        if parent is not None and parent not in views:
            raise InputError(
                f"Section {slug!r} names parent {parent!r}, which is not a section above it."
            )
        view = Section(
            slug=slug,
            title=_text(s.get("title")) or slug,
            parent=parent,
            depth=1 if parent is None else views[parent].depth + 1,
        )
        views[slug] = view
        (top if parent is None else views[parent].children).append(view)
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in _sequence(d.get("entries"), "entries"):
        e = _mapping(raw, "an entry")
        rid = e.get("id")
        if not isinstance(rid, str) or not rid or rid in seen:
            raise InputError(f"In the export document, entry ID {rid!r} is missing or repeated.")
        seen.add(rid)
        listed = e.get("sections", [e.get("section")])
        if not isinstance(listed, list) or not listed:
            raise InputError(f"Entry {rid!r} names no section; write the export again.")
        for slug in listed:
            if not isinstance(slug, str) or slug not in views:
                raise InputError(
                    f"Entry {rid!r} names section {slug!r}, which the export document does "
                    "not define."
                )
        home = views[listed[0]]
        entry = _entry(e, rid, listed, views, home)
        entries.append(entry)
        home.entries.append(entry)
    top = _holding(top)
    every = _walk(top)
    kinds = [(k, label) for k, label in KINDS.items() if any(x.kind == k for x in entries)]
    return Page(
        title=_text(meta.get("title")) or "Awesome list",
        description=_text(meta.get("description")),
        sections=top,
        every=every,
        entries=entries,
        in_order=[x for s in every for x in s.entries],
        kinds=kinds,
        years=sorted({x.year for x in entries if x.year}, reverse=True),
        venues=sorted({x.venue_group for x in entries if x.venue_group}, key=str.casefold),
    )


def anchor(rid: str) -> str:
    """The entry ``rid``'s anchor (the module's docstring says the scheme)."""
    prefix, colon, key = rid.partition(":")
    if not colon:
        return _encoded(rid)
    return _encoded(prefix.replace("-", "")) + "-" + _encoded(key)


def _encoded(text: str) -> str:
    return quote(text, safe="-._~/")


def _entry(
    e: Mapping[str, Any],
    rid: str,
    listed: Sequence[str],
    views: Mapping[str, Section],
    home: Section,
) -> Entry:
    kind = e.get("kind")
    if kind not in KINDS:
        raise InputError(f"Entry {rid!r} has kind {kind!r}, not one of {', '.join(KINDS)}.")
    cached = e.get("cached") is not False
    shown = _date(e, rid)
    papers = [p for p in (e.get("papers") or []) if isinstance(p, Mapping)]
    venue = _text(e.get("venue"))
    if not venue and kind == "paper":
        # A journal reference means the preprint was published: that is its venue now.
        venue = _text(e.get("journal_ref"))
        if not venue and _text(e.get("published")):
            venue = f"arXiv {str(e['published'])[:4]}"
    if not venue and kind == "dataset" and papers:
        year = str(papers[0].get("published") or "")[:4]
        venue = f"arXiv {year}" if year.isdigit() else "arXiv"
    scholarly = e.get("scholarly") if isinstance(e.get("scholarly"), Mapping) else {}
    citations = _count(e.get("citation_count"))
    if citations is None and scholarly:
        citations = _count(scholarly.get("citation_count"))
    stars = _count(e.get("stars"))
    authors = tuple(_text(a) or "" for a in _list(e.get("authors")) if _text(a))
    if kind == "dataset" and not authors and papers:
        authors = tuple(_text(a) or "" for a in _list(papers[0].get("authors")) if _text(a))
    affiliation = _text(e.get("affiliation"))
    if not affiliation:
        found: list[str] = []
        for names in _list(e.get("affiliations")):
            for name in _list(names):
                text = _text(name)
                if text and text not in found:
                    found.append(text)
        affiliation = "; ".join(found) or None
    description = _text(e.get("description"), multiline=True)
    abstract, label = _text(e.get("abstract"), multiline=True), "Abstract"
    if not abstract and _text(e.get("summary"), multiline=True):
        abstract, label = _text(e.get("summary"), multiline=True), "Card summary"
    if abstract and description and abstract.strip() == description.strip():
        abstract = None
    title = _text(e.get("title")) or rid
    within: list[str] = []
    for slug in listed:
        at: Section | None = views[slug]
        while at is not None:
            if at.slug not in within:
                within.append(at.slug)
            at = views[at.parent] if at.parent else None
    facts = _facts(e, kind, cached, stars, citations, listed, views)
    venue_group = _venue_group(venue)
    search = " ".join(
        t
        for t in (
            title,
            rid,
            " ".join(authors),
            affiliation,
            venue,
            description,
            _text(e.get("full_name")),
            " ".join(_text(t) or "" for t in _list(e.get("topics"))),
        )
        if t
    )
    return Entry(
        id=rid,
        anchor=anchor(rid),
        kind=str(kind),
        kind_label=KINDS[str(kind)],
        title=title,
        url=_http(e.get("url")),
        section=listed[0],
        sections=tuple(listed),
        date=shown,
        shown_date=human_date(shown) if shown else "",
        year=shown[:4] if shown else "",
        venue=venue,
        venue_group=venue_group,
        authors=authors,
        affiliation=affiliation,
        description=description,
        abstract=abstract,
        abstract_label=label,
        links=_links(e, kind, papers),
        facts=facts,
        stars=stars,
        citations=citations,
        search=_SPACES.sub(" ", search.lower()).strip(),
        level=min(home.level + 1, 6),
        within=" ".join(within),
    )


_SPACES = re.compile(r"\s+")
_YEAR_AT_END = re.compile(r"[\s,'’]*(?:19|20)\d\d$")
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _venue_group(venue: str | None) -> str:
    """A venue without its year (``NeurIPS 2022`` -> ``NeurIPS``): a venue recurs across
    years, and the filter and the chart count it once."""
    if not venue:
        return ""
    return _YEAR_AT_END.sub("", venue).strip() or venue


def _date(e: Mapping[str, Any], rid: str) -> str | None:
    try:
        shown = display_date(e)
    except (TypeError, KeyError, AttributeError):
        shown = None
    if shown is None:
        return None
    if not _DATE.fullmatch(shown[:10]):
        raise InputError(
            f"Entry {rid!r} has the date {shown!r}, which is not written as YYYY-MM-DD; "
            "fix it and build the site again."
        )
    try:
        human_date(shown[:10])
    except ValueError:
        raise InputError(
            f"Entry {rid!r} has the date {shown!r}, which is not a real date."
        ) from None
    return shown[:10]


def _links(
    e: Mapping[str, Any], kind: object, papers: Sequence[Mapping[str, Any]]
) -> tuple[tuple[str, str], ...]:
    """The links the entry shows, by the README's rule: the paper first, then its DOI, the
    list's own links, code and the Hugging Face page; a dataset's or model's papers."""
    out: list[tuple[str, str]] = []
    given = e.get("links")
    own: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    names = {str(n) for n in own}

    def add(name: str, target: object) -> None:
        url = _http(target)
        if url and all(url != u for _, u in out):
            out.append((name, url))

    if kind == "paper":
        add("Paper", e.get("url"))
        add("PDF", e.get("pdf_url"))
        if _text(e.get("doi")) and "DOI" not in names:
            add("DOI", f"https://doi.org/{e['doi']}")
    for i, p in enumerate(papers if kind in ("dataset", "model") else []):
        key = str(p.get("id", "")).removeprefix("arxiv:")
        name = "Paper" if len(papers) == 1 else f"Paper {i + 1}"
        add(name, p.get("url") or (f"https://arxiv.org/abs/{key}" if key else None))
    for name, target in own.items():
        add(_text(name) or "Link", target)
    if kind == "paper":
        if "Github" not in names:
            add("Code", e.get("code_url"))
        hf = e.get("hf_paper")
        if isinstance(hf, Mapping) and "HuggingFace" not in names:
            add("Hugging Face", hf.get("url"))
    if kind == "repo":
        add("Homepage", e.get("homepage"))
    return tuple(out)


def _facts(
    e: Mapping[str, Any],
    kind: object,
    cached: bool,
    stars: int | None,
    citations: int | None,
    listed: Sequence[str],
    views: Mapping[str, Section],
) -> tuple[tuple[str, str], ...]:
    """Short (name, value) facts shown under an entry."""
    out: list[tuple[str, str]] = []
    if stars is not None:
        out.append(("Stars", f"{stars:,}"))
    if citations is not None:
        out.append(("Citations", f"{citations:,}"))
    influential = _count(e.get("influential_citation_count"))
    if influential is not None:
        out.append(("Influential citations", f"{influential:,}"))
    licence = e.get("license")
    if isinstance(licence, list):
        licence = ", ".join(t for t in (_text(x) for x in licence) if t)
    if _text(licence):
        out.append(("Licence", str(_text(licence))))
    if kind == "repo" and e.get("archived") is True:
        out.append(("Archived", "yes"))
    for name, key in (
        ("Languages", "languages"),
        ("Size", "size_categories"),
        ("Tasks", "task_categories"),
    ):
        values = [t for t in (_text(x) for x in _list(e.get(key))) if t]
        if values:
            out.append((name, ", ".join(values)))
    if kind == "model":
        if _text(e.get("pipeline_tag")):
            out.append(("Task", str(_text(e.get("pipeline_tag")))))
        if _count(e.get("parameters")) is not None:
            out.append(("Parameters", f"{e['parameters']:,}"))
    if e.get("gated") is True:
        out.append(("Gated", "yes"))
    if kind == "space" and _text(e.get("sdk")):
        out.append(("SDK", str(_text(e.get("sdk")))))
    if kind == "collection" and _count(e.get("items")) is not None:
        out.append(("Items", str(e["items"])))
    source = _text(e.get("venue_source"))
    if source:
        out.append(("Venue from", source))
    if len(listed) > 1:
        out.append(("Also in", ", ".join(views[s].title for s in listed[1:])))
    if not cached:
        out.append(("Not fetched yet", "shown as entries.toml has it"))
    return tuple(out)


def _http(value: object) -> str | None:
    """``value`` when it is an http(s) URL: any other scheme (``javascript:``) is no link."""
    if not isinstance(value, str):
        return None
    url = strip_controls(value).strip()
    return url if re.match(r"https?://[^\s]", url, re.IGNORECASE) else None


def _count(value: object) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _text(value: object, *, multiline: bool = False) -> str | None:
    """``value`` as clean text (no control characters or bidi overrides), None when empty."""
    if value is None or isinstance(value, Mapping | list | bool):
        return None
    text = strip_controls(str(value), multiline=multiline).strip()
    return text or None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _holding(sections: Sequence[Section]) -> list[Section]:
    out = []
    for s in sections:
        s.children = _holding(s.children)
        if s.entries or s.children:
            out.append(s)
    return out


def _walk(sections: Sequence[Section]) -> list[Section]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s.children))
    return out
