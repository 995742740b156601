"""The README renderer: an export document (schema_version 1) in, Markdown out.

This module owns the list's Markdown: the Jinja2 environment and its filters,
the default template (``templates/awesome.md.j2``, the house style of
Awesome-LLM-Alignment), GitHub's heading anchors, splicing the generated text
between markers of an existing README, and the diff that ``render --check``
prints. Its only input is the document :mod:`alignfetch.export` builds; it
never looks at the cache or at upstream payloads.

Upstream text is data, not markup. Every filter that puts text into Markdown
escapes it for the place it goes, so that a title, abstract or dataset card
cannot open a tag, close the ``<details>`` block, start a heading or swallow
the rest of the page in a code fence.

Writing your own template
-------------------------
``render(doc, template=text)`` renders ``text`` with the same variables and
filters as the default template. Undefined names are errors (StrictUndefined).
A template is data, not code: it runs in Jinja's sandbox (no attributes that
start with ``_``, no reaching Python's internals), and ``{% include %}`` and
``{% import %}`` find only templates inside ``folder`` (the list's folder,
symbolic links resolved) and alignfetch's own (``awesome.md.j2``).
:func:`read_template` reads a template named in entries.toml, which must lie
inside the list's folder.
Autoescaping is off (the output is Markdown; escape with the filters below, which live in
:mod:`alignfetch.markdown_text`),
and block tags take their own line with them: the newline after a ``{% ... %}``
tag is dropped (``trim_blocks``), and so are spaces and tabs before it on its
line (``lstrip_blocks``).

Variables:

``doc``
    The export document as given.
``list``
    ``doc["list"]``: the ``[list]`` table of entries.toml (``list.title``, ...).
``toc``
    The table of contents, in page order: one :class:`TocLine` (``title``,
    ``anchor``, ``depth``) for the list's title (depth 0), then one per section
    (depth 1 for a top-level section, 2 for its children, ...).
``title_anchor``
    The anchor of the page's title heading (also ``toc[0].anchor``).
``sections``
    The top-level sections, each a :class:`SectionView`: ``slug``, ``title``,
    ``parent``, ``depth`` (1 for top level), ``level`` (its heading level: 2
    for ``##``, at most 6), ``anchor``, ``items`` (its entries, in the list's
    order) and ``children`` (its sub-sections). Walk them with
    ``{% for s in sections recursive %}...{{ loop(s.children) }}{% endfor %}``.
``all_sections``
    Every section as a :class:`SectionView`, in page order: each followed by its
    sub-sections (the walk above without the recursion: a recursive loop builds
    its whole text before it gives any, so the default template uses this one).
``items``
    Every entry of the document as an :class:`ItemView`, in the list's order.

Each :class:`ItemView` has ``entry`` (the exported entry, unchanged: use
``item.entry.title``, ``item.entry.abstract``, ...), ``kind`` (``paper``,
``dataset``, ``repo``, ``model``, ``space`` or ``collection``) and what the
house style derives from it:
``date`` (the ISO date shown, by the one rule of
:func:`alignfetch.export.display_date`: the entry's date override, else a
paper's ``published``, a dataset's first paper's ``published``, else the
dataset's creation day, a model's creation day; a repository, Space or
collection shows none, so only its override counts), ``venue``
(the venue override, else a paper's journal reference, else ``arXiv YEAR`` for
a paper or a dataset's paper), ``links`` (the ``(name, url)`` pairs to show,
``Paper`` first, then ``DOI`` when the paper has one; a model links each of
its papers, ``Paper`` or ``Paper 1``, ``Paper 2``, ...), ``paper`` (a dataset's
first linked paper, or None) and ``facts`` (short phrases about a Hub model,
Space or collection: its task, size, licence and gating; its SDK and, when it
does not work, its running state; its number of items). A model's date is its
creation day, a Space's or collection's only the override (see display_date).

Filters, by where the text goes:

``md``
    Inline Markdown text (headings, ``**bold**``, ``*italic*``, link text):
    whitespace collapsed, Markdown punctuation and ``< > &`` backslash-escaped.
``heading``
    A heading's text: kept as written, escaping only what Markdown would
    misread there (``\\ ` * _ [ ] ~ |``, ``&`` before an entity name, ``<``
    before a tag, a closing run of ``#``).
``code``
    A whole code span, backticks included: ``{{ title|code }}`` gives
    ``\\`title\\``` (a longer fence when the text holds backticks).
``url``
    A link target: must be http(s); spaces, quotes, brackets and parentheses
    are percent-encoded. ``urlpath`` percent-encodes a path such as
    ``owner/name``.
``abstract``
    Text inside an HTML block such as ``<details>``: ``& < >`` become
    entities and blank lines are dropped (a blank line would end the block).
``card``
    Markdown kept (a dataset card's summary) but made safe: ``<`` outside
    code fences becomes ``&lt;``, headings are turned into text (they would
    shift GitHub's anchors), and a fence left open is closed.
``human_date``
    ``2023-05-03`` -> ``3 May 2023``, in English whatever the locale.

The generated text ends with exactly one newline, and the same document gives
the same bytes.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from .errors import InputError
from .export import display_date, no_cycle_collection
from .markdown_text import (  # the filters and anchors, importable from here as before
    _SPACE,
    _plain,
    abstract,
    anchor,
    card,
    code,
    heading,
    human_date,
    md,
    url,
    urlpath,
)
from .records import SPACE_UP

__all__ = [
    "END_MARKER",
    "START_MARKER",
    "ItemView",
    "SectionView",
    "TocLine",
    "abstract",
    "anchor",
    "card",
    "code",
    "default_template",
    "diff",
    "heading",
    "human_date",
    "md",
    "read_template",
    "render",
    "splice",
    "url",
    "urlpath",
]

SCHEMA_VERSION = 1
START_MARKER = "<!-- alignfetch:start -->"
END_MARKER = "<!-- alignfetch:end -->"
DEFAULT_TEMPLATE = "awesome.md.j2"
KINDS = ("paper", "dataset", "repo", "model", "space", "collection", "link")
ORDERS = ("file", "newest")
_TEMPLATE_FILE = "<template>"
"""The file name Jinja gives a template compiled from a string, in tracebacks."""

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


# -- public API ----------------------------------------------------------------------


def render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
) -> str:
    """The README text for an export document.

    ``template`` is the text of a Jinja2 template; None means the packaged
    default. ``name`` is what errors call it (its path, say); ``folder`` is
    where its includes and imports may come from (besides alignfetch's own
    templates). Raises :class:`InputError` when the document is not a schema 1
    export or the template cannot be rendered.
    """
    with no_cycle_collection():
        return _render(doc, template, name=name, folder=folder)


def _render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
) -> str:
    what = f"template {name}" if name else "template"
    if template is None:
        what = "default template"
    source = default_template() if template is None else template
    # A template may show an abstract or card twice (a test, then the text), and link
    # names, venues, authors and dates recur from entry to entry: each text is escaped
    # once per render.
    filters = {name: _once(f) for name, f in FILTERS.items()}
    try:
        context = _context(doc, filters["card"], filters["human_date"])
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"The export is not well formed ({type(err).__name__}: {_clause(str(err))}); "
            "write it again with `alignfetch export`."
        ) from None
    env = _environment(folder, filters)
    try:
        compiled = env.from_string(source)
    except jinja2.TemplateSyntaxError as err:
        raise InputError(
            f"The {what} has a syntax error at line {err.lineno}: {_clause(err.message)}."
        ) from None
    try:
        # The pieces, joined once: the page is long and Template.render's text would be
        # copied again to end it with exactly one newline.
        pieces = list(compiled.generate(context))
    except jinja2.exceptions.SecurityError as err:
        raise InputError(
            f"The {what} tried something templates may not do{_where(err)} "
            f"({_clause(str(err))}); use only the variables and filters alignfetch documents."
        ) from None
    except jinja2.UndefinedError as err:
        raise InputError(
            f"The {what} uses an undefined value{_where(err)}: {_clause(err.message)}."
        ) from None
    except jinja2.TemplateSyntaxError as err:
        raise InputError(
            f"The {what} includes {err.name or 'a template'}, which has a syntax error at "
            f"line {err.lineno}: {_clause(err.message)}."
        ) from None
    except jinja2.TemplateNotFound as err:
        where = f"in {_shown(folder)} or " if folder is not None else ""
        raise InputError(
            f"The {what} includes {err.name!r}, which is not a template {where}among "
            "alignfetch's own; fix the name."
        ) from None
    except _Outside as err:
        raise InputError(
            f"The {what} includes {err.name!r}, which lies outside {_shown(folder)}; "
            "a template may include only templates inside that folder."
        ) from None
    except _Unreadable as err:
        raise InputError(f"The {what} includes {err.name!r}, but {err.reason}.") from None
    except RecursionError:
        raise InputError(
            f"The {what} recurses without end (does it include itself?); break the loop."
        ) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as err:
        # A template is a maintainer's program: its mistakes are input, not crashes.
        raise InputError(f"The {what} failed{_where(err)}: {_clause(str(err))}.") from None
    while pieces and not pieces[-1].strip("\n"):
        pieces.pop()
    if pieces:
        pieces[-1] = pieces[-1].rstrip("\n")
    pieces.append("\n")
    return "".join(pieces)


def read_template(path: Path, *, inside: Path | None = None) -> str:
    """The text of the template file ``path``; with ``inside``, only if the file lies
    inside that folder once every symbolic link is resolved (a template named in
    entries.toml, which a pull request can edit, may read nothing else)."""
    if inside is not None:
        root = inside.resolve()
        where = path if path.is_absolute() else inside / path
        if path.is_absolute() or not where.resolve().is_relative_to(root):
            raise InputError(
                f"The template {path} lies outside the list's folder; put it inside "
                "that folder and name it relative to entries.toml."
            )
        path = where
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"The template {path} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as err:
        raise InputError(
            f"The template {path} could not be read ({err.strerror or err}); fix the path."
        ) from None


def default_template() -> str:
    """The text of the packaged default template."""
    return (
        resources.files("alignfetch")
        .joinpath("templates", DEFAULT_TEMPLATE)
        .read_text(encoding="utf-8")
    )


def splice(existing: str, generated: str) -> str:
    """``existing`` with the text between its alignfetch markers replaced by ``generated``.

    Everything outside the markers, and the markers, stay as they are. Without
    markers the result is ``generated`` alone.
    """
    starts, ends = existing.count(START_MARKER), existing.count(END_MARKER)
    if starts == 0 and ends == 0:
        return generated
    if START_MARKER in generated or END_MARKER in generated:
        raise InputError(
            "The generated text contains an alignfetch marker itself, so it cannot be spliced."
        )
    if starts != 1 or ends != 1:
        raise InputError(
            f"The file must hold exactly one {START_MARKER} and one {END_MARKER} "
            f"(found {starts} and {ends})."
        )
    head_end = existing.index(START_MARKER) + len(START_MARKER)
    tail_start = existing.index(END_MARKER)
    if tail_start < head_end:
        raise InputError(f"The file has {END_MARKER} before {START_MARKER}; swap them.")
    return existing[:head_end] + "\n" + generated.strip("\n") + "\n" + existing[tail_start:]


def diff(old: str, new: str, path: str) -> str:
    """A unified diff from ``old`` (the file at ``path``) to ``new``; empty when equal."""
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"{path} (current)",
        tofile=f"{path} (rendered)",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


FILTERS = {
    "md": md,
    "heading": heading,
    "code": code,
    "url": url,
    "urlpath": urlpath,
    "abstract": abstract,
    "card": card,
    "human_date": human_date,
}


# -- building the context -------------------------------------------------------------


def _once(filter_: Callable[[object], str]) -> Callable[[object], str]:
    """``filter_`` remembering what it gave for each text: a filter is a pure function
    of its value, and only a ``str`` is remembered (``None`` and ``"None"``, say, may
    give different results). What raises is not remembered, so it raises each time."""
    seen: dict[str, str] = {}

    def remembered(value: object, *args: Any, **kwargs: Any) -> str:
        if args or kwargs or type(value) is not str:
            # Extra arguments go to the filter, whose own error then names it.
            return filter_(value, *args, **kwargs)
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = filter_(value)
            return result

    return remembered


def _environment(
    folder: Path | None = None, filters: Mapping[str, Callable[[object], str]] = FILTERS
) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [] if folder is None else [_FolderLoader(folder)]
    loaders.append(jinja2.PackageLoader("alignfetch", "templates"))
    env = _Sandbox(
        autoescape=False,  # the output is Markdown; the filters escape for each place
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=jinja2.ChoiceLoader(loaders),
    )
    env.filters.update(filters)
    return env


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, with a short way to what a template reads most: the values of an
    exported entry (a dict) and the fields of the views above and of a loop. The answers are the
    sandbox's own; only the detour is skipped (for a dict, a failed attribute lookup
    before the item lookup; for a view, the safety check of a field it knows is safe)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict:
            if attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
        elif attribute in _VIEW_FIELDS.get(kind, ()):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))
"""What ``getattr`` finds on a dict (its methods): the sandbox prefers these to its items."""
_VIEW_FIELDS: dict[type, frozenset[str]] = {
    view: frozenset(f.name for f in dataclasses.fields(view))
    for view in (TocLine, ItemView, SectionView)
}
# A loop's own counters (``loop.last``, ...), which the sandbox finds safe too.
_VIEW_FIELDS[jinja2.runtime.LoopContext] = frozenset(
    ("first", "last", "index", "index0", "revindex", "revindex0", "length", "depth", "depth0")
)


class _FolderLoader(jinja2.BaseLoader):
    """Templates inside one folder, and nothing that a name or a link leads out of it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        root = self.folder.resolve()
        path = (root / template).resolve()
        if Path(template).is_absolute() or not path.is_relative_to(root):
            raise _Outside(template)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise _Unreadable(template, err) from None
        return text, str(path), None


class _Outside(Exception):
    """An include or import that leads out of the template folder."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Unreadable(Exception):
    """An included template that cannot be read as UTF-8 text."""

    def __init__(self, name: str, err: OSError | UnicodeDecodeError) -> None:
        super().__init__(name)
        self.name = name
        self.reason = (
            "it is not UTF-8 text"
            if isinstance(err, UnicodeDecodeError)
            else (f"it could not be read: {err.strerror or err}")
        )


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
        raise InputError(f"The list's order must be 'file' or 'newest', not {order!r}.")
    views: dict[str, SectionView] = {}
    top: list[SectionView] = []
    for raw in _sequence(doc.get("sections"), "sections"):
        s = _mapping(raw, "a section")
        slug, parent = s.get("slug"), s.get("parent")
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
        if e.get("section") not in views:
            raise InputError(
                f"Entry {e.get('id')!r} names section {e.get('section')!r}, "
                "which the export document does not define."
            )
        try:
            item = _item(e, card_filter, date_filter)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            if isinstance(err, InputError):
                raise
            raise InputError(
                f"Entry {e.get('id')!r} is not well formed ({type(err).__name__}: "
                f"{_clause(str(err))}); write the export again with `alignfetch export`."
            ) from None
        items.append(item)
        views[e["section"]].items.append(item)
    if order == "newest":
        for view in views.values():
            # Stable, so equal dates keep the file's order; undated entries go last.
            view.items.sort(key=lambda i: i.date or "", reverse=True)
    seen: dict[str, int] = {}
    # The title heading's text ends with the space before its badge.
    title = str(meta.get("title", ""))
    toc = [TocLine(title, anchor(_plain(title) + " ", seen), 0)]
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
    }


def _item(
    e: Mapping[str, Any],
    card_filter: Callable[[object], str] = card,
    date_filter: Callable[[object], str] = human_date,
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
                f"Entry {e.get('id')!r} has the date {shown!r}, which is not written as "
                "YYYY-MM-DD; fix it and render again."
            ) from None
    return ItemView(
        entry=e,
        kind=kind,
        date=shown,
        venue=venue,
        links=tuple([(str(n), str(u)) for n, u in links]),
        paper=paper,
        facts=_facts(e),
    )


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


def _walk(sections: Sequence[SectionView]) -> list[SectionView]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s.children))
    return out


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"In the export document, {what} must be an object.")
    return value


def _sequence(value: object, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InputError(f"In the export document, {what} must be a list.")
    return value


def _shown(folder: Path | None) -> str:
    return str(folder.resolve()) if folder is not None else "alignfetch's templates"


def _where(err: BaseException) -> str:
    """`` at line N`` for the deepest template line in the error's traceback."""
    tb = traceback.extract_tb(err.__traceback__)
    lines = [f.lineno for f in tb if f.filename == _TEMPLATE_FILE]
    return f" at line {lines[-1]}" if lines and lines[-1] else ""


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line of a Markdown file; str.splitlines would also split
    # at form feeds and U+2028, which a diff must show as they are.
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _clause(message: str | None) -> str:
    return _SPACE.sub(" ", message or "unknown error").strip().rstrip(".")
