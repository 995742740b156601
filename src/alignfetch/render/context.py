"""The variables a template sees, built from an export document.

This module owns what a template can read: the views (:class:`TocLine`,
:class:`SectionView`, :class:`ItemView`), the context built from a schema 1
document (:func:`_context`: the sections' tree, each entry's shown date, venue,
links, facts and summary, the headings' anchors; an entry with no cached record filled
in to its kind's shape by :func:`_as_known`), and the cleaning that comes
first (:func:`_clean`): a document read from a file (``render --from``) may hold
what no fetch would have stored, so control characters and bidi overrides leave
every text before a template sees any. Its only errors are the document's
(:class:`~alignfetch.errors.InputError`); it knows nothing of Jinja.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from alignfetch.errors import InputError
from alignfetch.list.export import display_date
from alignfetch.list.export import document_list as _sequence
from alignfetch.list.export import document_object as _mapping
from alignfetch.list.ids import page
from alignfetch.readme.text import _SPACE, _plain, anchor, card, human_date
from alignfetch.records import (
    SPACE_UP,
    Collection,
    Dataset,
    Link,
    Model,
    Paper,
    Repo,
    Space,
    strip_controls,
)
from alignfetch.render.said import said

SCHEMA_VERSION = 1
KINDS = ("paper", "dataset", "repo", "model", "space", "collection", "link")
ORDERS = ("file", "newest", "citations")

# -- the variables a template sees -----------------------------------------------------


@dataclass(frozen=True)
class TocLine:
    title: str
    anchor: str
    depth: int


@dataclass(frozen=True)
class ItemView:
    entry: Mapping[str, Any]
    kind: str
    date: str | None
    venue: str | None
    links: tuple[tuple[str, str], ...]
    paper: Mapping[str, Any] | None
    facts: tuple[str, ...] = ()
    summary: str | None = None
    exported: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The exported entry as the document has it (before an uncached one is filled in)."""

    @cached_property
    def look(self) -> dict[str, Any]:
        """What a list's own look shows of the entry (:func:`alignfetch.render.said.said`),
        worked out when a template first asks (the house style never does)."""
        return said(self.exported)


@dataclass
class SectionView:
    slug: str
    title: str
    parent: str | None
    depth: int
    level: int
    anchor: str = ""
    items: list[ItemView] = field(default_factory=list)
    children: list[SectionView] = field(default_factory=list)


# -- cleaning the document ---------------------------------------------------------------


def _clean(value: Any) -> Any:
    """``value`` with every text in it (keys too, at any depth) free of control characters
    and bidi overrides; newlines and tabs stay (an abstract's, a card's, a template's own
    multi-line ``[list]`` text), and the filters place them. What is clean already is
    given back as it is, not copied."""
    return _cleaned(value) if _unclean(value) else value


def _unclean(value: Any) -> bool:
    """Whether any text in ``value`` needs cleaning (a walk without copies: most exports
    are clean, and a long one holds a million texts)."""
    search = _UNCLEAN.search
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is dict:
            for k, x in v.items():
                if type(k) is not str or search(k):
                    return True
                if type(x) is str:
                    if search(x):
                        return True
                elif x is not None and type(x) is not int and type(x) is not bool:
                    stack.append(x)
        elif kind is list:
            stack.extend(v)
        elif kind is str:
            if search(v):
                return True
        elif kind is not int and kind is not float and kind is not bool and v is not None:
            return True  # anything else (a subclass, a view): the careful walk decides
    return False


def _cleaned(value: Any) -> Any:
    if type(value) is str:
        return strip_controls(value, multiline=True) if _UNCLEAN.search(value) else value
    if isinstance(value, Mapping):
        pairs = [(_cleaned(k), _cleaned(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    if isinstance(value, list):
        items = [_cleaned(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, str):
        return _cleaned(str(value))
    return value


_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What :func:`alignfetch.records.strip_controls` takes out of multi-line text (and ``\r``)."""


# -- building the context -------------------------------------------------------------


def _context(
    doc: Mapping[str, Any],
    card_filter: Callable[[object], str] = card,
    date_filter: Callable[[object], str] = human_date,
) -> dict[str, Any]:
    if not isinstance(doc, Mapping) or doc.get("schema_version") != SCHEMA_VERSION:
        version = doc.get("schema_version") if isinstance(doc, Mapping) else None
        raise InputError(
            f"The export document has schema_version {version!r}; "
            f"this alignfetch renders version {SCHEMA_VERSION}."
        )
    meta = _mapping(doc.get("list"), "list")
    order = meta.get("order", "file")
    if order not in ORDERS:
        raise InputError(
            f"The list's order must be 'file', 'newest' or 'citations', not {order!r}."
        )
    views: dict[str, SectionView] = {}
    top: list[SectionView] = []
    orders: dict[str, str] = {}
    for raw in _sequence(doc.get("sections"), "sections"):
        s = _mapping(raw, "a section")
        slug, parent = s.get("slug"), s.get("parent")
        if s.get("order") is not None:
            if s["order"] not in ORDERS:
                raise InputError(
                    f"Section {slug!r} has the order {s['order']!r}, not one of "
                    f"{', '.join(ORDERS)}."
                )
            orders[str(slug)] = str(s["order"])
        if slug in views:
            raise InputError(f"The export document defines section {slug!r} twice.")
        if parent is not None and parent not in views:
            raise InputError(
                f"Section {slug!r} names parent {parent!r}, which is not a section above it."
            )
        depth = 1 if parent is None else views[parent].depth + 1
        view = SectionView(
            slug=str(slug),
            title=str(s.get("title", "")),
            parent=parent,
            depth=depth,
            level=min(depth + 1, 6),
        )
        views[view.slug] = view
        (top if parent is None else views[parent].children).append(view)
    items = []
    for raw in _sequence(doc.get("entries"), "entries"):
        e = _mapping(raw, "an entry")
        if e.get("kind") not in KINDS:
            raise InputError(
                f"Entry {e.get('id')!r} has kind {e.get('kind')!r}, not one of {', '.join(KINDS)}."
            )
        # Every section the entry is listed in (an older export says only ``section``);
        # a cross-listed entry is one item, shown under each.
        listed = e.get("sections", [e.get("section")])
        if not isinstance(listed, list) or not listed or listed[0] != e.get("section"):
            raise InputError(
                f"Entry {e.get('id')!r} has sections that are not a list of its sections "
                "starting with its section; write the export again with `alignfetch export`."
            )
        for slug in listed:
            if not isinstance(slug, str) or slug not in views:
                raise InputError(
                    f"Entry {e.get('id')!r} names section {slug!r}, "
                    "which the export document does not define."
                )
        if len(listed) > 1 and len(set(listed)) != len(listed):
            raise InputError(
                f"Entry {e.get('id')!r} names a section twice in its sections; "
                "write the export again with `alignfetch export`."
            )
        look = e
        if e.get("cached") is False:
            e = _as_known(e)
        try:
            item = _item(e, card_filter, date_filter, look)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            if isinstance(err, InputError):
                raise
            raise InputError(
                f"Entry {e.get('id')!r} is not well formed ({type(err).__name__}: "
                f"{_clause(str(err))}); write the export again with `alignfetch export`."
            ) from None
        items.append(item)
        for slug in listed:
            views[slug].items.append(item)
    for view in views.values():
        own = orders.get(view.slug) or order
        if own == "newest":
            # Stable, so equal dates keep the file's order; undated entries go last.
            view.items.sort(key=lambda i: i.date or "", reverse=True)
        elif own == "citations":
            view.items.sort(key=_cited, reverse=True)
    seen: dict[str, int] = {}
    # The title heading's text ends with the space before its badge.
    title = str(meta.get("title", ""))
    toc = [TocLine(title, anchor(_plain(title) + " ", seen), 0)]
    # A section with no entry in it or under it would be a heading over nothing: it is
    # left out of the page, and so of the table of contents and of the anchors' count.
    top = _holding(top)
    every = _walk(top)
    for view in every:
        view.anchor = anchor(_plain(view.title), seen)
        toc.append(TocLine(view.title, view.anchor, view.depth))
    return {
        "doc": doc,
        "list": meta,
        "toc": toc,
        "title_anchor": toc[0].anchor,
        "sections": top,
        "all_sections": every,
        "items": items,
        "section": views,
        "listed": {slug: view.items for slug, view in views.items()},
    }


def _cited(item: ItemView) -> int:
    """An entry's citation count for ``order = "citations"`` (-1 without one: last)."""
    count = item.entry.get("citation_count")
    return count if type(count) is int else -1


def _item(
    e: Mapping[str, Any],
    card_filter: Callable[[object], str] = card,
    date_filter: Callable[[object], str] = human_date,
    look: Mapping[str, Any] | None = None,
) -> ItemView:
    """The entry as the house style shows it. A link alignfetch fetched that is not
    http(s) (an old cache's) is left out; the entry's own page or a maintainer's link
    that is not is refused, naming the entry."""
    kind = e["kind"]
    links = list((e.get("links") or {}).items())
    for what, target in [("page", e.get("url")), *((f"link {n!r}", u) for n, u in links)]:
        if not _is_http(target):
            raise InputError(
                f"Entry {e.get('id')!r} has the {what} {target!r}, which is not an http(s) "
                "URL; fix it and render again."
            )
    if e.get("summary"):
        try:
            card_filter(e["summary"])
        except InputError as err:
            raise InputError(f"Entry {e.get('id')!r}: {err}") from None
    paper: Mapping[str, Any] | None = None
    venue = e.get("venue")
    shown = display_date(e)
    if kind == "paper":
        # A journal reference means the preprint was published: that is its venue now.
        if not venue and e.get("journal_ref"):
            venue = str(e["journal_ref"])
        if not venue and e.get("published"):
            venue = f"arXiv {str(e['published'])[:4]}"
        names = {name for name, _ in links}
        links.insert(0, ("Paper", e.get("url")))
        if e.get("doi") and "DOI" not in names:
            links.insert(1, ("DOI", f"https://doi.org/{e['doi']}"))
        if _is_http(e.get("code_url")) and "Github" not in names:
            links.append(("Github", e["code_url"]))
        hf_paper = e.get("hf_paper")
        if hf_paper and _is_http(hf_paper.get("url")) and "HuggingFace" not in names:
            links.append(("HuggingFace", hf_paper["url"]))
    elif kind == "dataset":
        papers = e.get("papers") or []
        paper = papers[0] if papers else None
        published = paper.get("published") if paper else None
        if paper:
            if not venue:
                venue = f"arXiv {str(published)[:4]}" if published else "arXiv"
            key = str(paper.get("id", "")).removeprefix("arxiv:")
            target = paper.get("url")
            if "Paper" not in {name for name, _ in links}:  # the maintainer's link wins
                links.insert(
                    0, ("Paper", target if _is_http(target) else f"https://arxiv.org/abs/{key}")
                )
    elif kind == "model":
        papers = e.get("papers") or []
        for i, p in enumerate(papers):
            key = str(p.get("id", "")).removeprefix("arxiv:")
            name = "Paper" if len(papers) == 1 else f"Paper {i + 1}"
            target = p.get("url")
            links.insert(i, (name, target if _is_http(target) else f"https://arxiv.org/abs/{key}"))
    if shown:
        try:
            date_filter(shown)
        except ValueError:
            raise InputError(
                f"Entry {e.get('id')!r} has the date {shown!r}, which is not a real date "
                "written as YYYY-MM-DD; fix it and render again."
            ) from None
    return ItemView(
        entry=e,
        kind=kind,
        date=shown,
        venue=venue,
        links=tuple([(str(n), str(u)) for n, u in links]),
        paper=paper,
        facts=_facts(e),
        summary=_unrepeated(e.get("summary"), e.get("description")),
        exported=look or {},
    )


_RECORDS = {t.kind: t for t in (Paper, Dataset, Repo, Model, Space, Collection, Link)}


def _exported(kind: str) -> dict[str, Any]:
    """What the export adds to a record of the kind (:func:`alignfetch.list.export.entry_json`),
    empty (made anew each time: a template must not share a list between entries)."""
    if kind == "paper":
        return {"affiliations": [], "hf_paper": None, "code_url": None}
    return {"gated": False, "gating": None} if kind in ("dataset", "model", "space") else {}


def _as_known(e: Mapping[str, Any]) -> dict[str, Any]:
    """An entry with no cached record (``"cached": false``) as a template sees it: every
    field a record of its kind would give there, empty (``""``, ``[]``, false or null),
    then what the list says of it; its title the typed one, else its ID (a paper's) or
    the ID's name; its page, the ID's; a repository's ``full_name``, the ID's owner/name."""
    kind, rid = e["kind"], str(e.get("id", ""))
    key = rid.partition(":")[2]
    out: dict[str, Any] = {
        f.name: _EMPTY.get(str(f.type), [] if str(f.type).startswith("tuple") else None)
        for f in dataclasses.fields(_RECORDS[kind])
        if f.name != "id"
    }
    out.update(_exported(kind))
    out.update(description=None, venue=None, affiliation=None, date=None, links={}, overrides={})
    out.update(e)
    out["title"] = e.get("title") or (rid if kind == "paper" else key)
    out["url"] = e.get("url") or page(rid)
    if kind == "repo":
        out["full_name"] = "/".join(key.split("/")[:2])
    return out


_EMPTY: dict[str, Any] = {"str": "", "bool": False}


def _unrepeated(summary: object, description: object) -> str | None:
    """A card's summary without the opening that the entry's description repeats (a
    maintainer often gives as ``--description`` the card's first sentence); None when
    nothing else is left. Words are compared without case, spacing or closing punctuation."""
    if not isinstance(summary, str) or not summary.strip():
        return None
    if not isinstance(description, str):
        return summary
    words = description.split()
    if not words:
        return summary
    words[-1] = words[-1].rstrip(".!?:;,")
    said = r"\s+".join(re.escape(w) for w in words if w)
    # The description must be the card's whole first sentence or paragraph, not the
    # start of one (which would leave the card beginning in mid-sentence).
    m = re.match(r"\s*" + said + r"(?:[.!?]+(?=\s|$)|[.!?:;,]*\s*(?:\n\s*\n|$))", summary, re.I)
    if m is None:
        return summary
    rest = summary[m.end() :].strip()
    return rest or None


def _facts(e: Mapping[str, Any]) -> tuple[str, ...]:
    """What a Hub model, Space or collection shows under its title. Counts that
    move every day (downloads, likes) are left out: each night would rewrite the page."""
    kind = e["kind"]
    out: list[str] = []
    if kind == "model":
        if e.get("pipeline_tag"):
            out.append(str(e["pipeline_tag"]))
        if isinstance(e.get("parameters"), int):
            out.append(f"{_count(e['parameters'])} parameters")
        if e.get("license"):
            out.append("licence " + ", ".join(str(x) for x in e["license"]))
        if e.get("gated"):
            out.append("gated")
    elif kind == "space":
        out.append(f"{e['sdk'].capitalize()} Space" if e.get("sdk") else "Space")
        if e.get("stage") and e["stage"] not in SPACE_UP:
            out.append(f"not running ({e['stage']})")
    elif kind == "collection":
        n = e.get("items")
        if isinstance(n, int):
            out.append(f"{n} item{'' if n == 1 else 's'}")
    return tuple(out)


def _count(n: int) -> str:
    """``8030261248`` -> ``8.0B``, ``26895998464`` -> ``27B``, ``110106428`` -> ``110M``."""
    for size, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)


_HTTP = re.compile(r"https?://", re.IGNORECASE)


def _is_http(value: object) -> bool:
    return isinstance(value, str) and _HTTP.match(value.strip()) is not None


def _holding(sections: Sequence[SectionView]) -> list[SectionView]:
    """The sections that hold an entry, themselves or in a sub-section; each keeps only
    such sub-sections."""
    out = []
    for s in sections:
        s.children = _holding(s.children)
        if s.items or s.children:
            out.append(s)
    return out


def _walk(sections: Sequence[SectionView]) -> list[SectionView]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s.children))
    return out


def _clause(message: str | None) -> str:
    """A message (the document's or a template's error) as a clause of one of our sentences."""
    return _SPACE.sub(" ", message or "unknown error").strip().rstrip(".")
