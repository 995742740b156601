"""The normalized records that flow from sources to the cache to render/export.

A source converts its raw upstream payload into one of these; nothing after the
cache ever looks at a raw payload. Records are plain frozen dataclasses that
round-trip through :func:`to_dict` / :func:`from_dict` (the cache's JSON column
and the export use the same form). Dates are ISO strings (``YYYY-MM-DD``).
"""

from __future__ import annotations

import copy
import dataclasses
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints


@dataclass(frozen=True)
class Author:
    name: str
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paper:
    """An arXiv paper, at its latest version."""

    kind: ClassVar[str] = "paper"
    id: str
    version: int
    title: str
    abstract: str
    authors: tuple[Author, ...]
    published: str
    updated: str
    primary_category: str
    categories: tuple[str, ...]
    comment: str | None
    journal_ref: str | None
    doi: str | None
    url: str
    pdf_url: str


@dataclass(frozen=True)
class PaperPage:
    """A paper's page on the Hugging Face Hub (huggingface.co/papers/ID)."""

    kind: ClassVar[str] = "paper_page"
    id: str
    """``hfpaper:<arXiv key>``."""
    url: str | None
    """None when the paper has no page (the Hub answered 404)."""
    upvotes: int | None = None
    github_repo: str | None = None


@dataclass(frozen=True)
class Dataset:
    """A dataset repository on the Hugging Face Hub."""

    kind: ClassVar[str] = "dataset"
    id: str
    title: str
    """The dataset's repository ID, ``Anthropic/hh-rlhf``."""
    url: str
    author: str | None
    sha: str | None
    last_modified: str | None
    created: str | None
    license: tuple[str, ...]
    languages: tuple[str, ...]
    task_categories: tuple[str, ...]
    size_categories: tuple[str, ...]
    downloads: int | None
    likes: int | None
    gated: str | None
    private: bool
    disabled: bool
    papers: tuple[str, ...]
    """Canonical IDs (``arxiv:2204.05862``) of the papers its ``arxiv:`` tags name."""
    summary: str | None = None
    """Markdown summary from the dataset card (its summary section or first paragraphs)."""


@dataclass(frozen=True)
class Model:
    """A model repository on the Hugging Face Hub."""

    kind: ClassVar[str] = "model"
    id: str
    title: str
    """The model's repository ID as the Hub answers it now (after any rename)."""
    url: str
    author: str | None
    sha: str | None
    last_modified: str | None
    created: str | None
    license: tuple[str, ...]
    pipeline_tag: str | None
    library: str | None
    base_models: tuple[str, ...]
    """Repository IDs of the models it derives from (the Hub's ``base_model:`` tags)."""
    parameters: int | None
    """Parameter count, where the Hub states it (from its safetensors files)."""
    downloads: int | None
    likes: int | None
    gated: str | None
    private: bool
    disabled: bool
    papers: tuple[str, ...]
    """Canonical IDs (``arxiv:1810.04805``) of the papers its ``arxiv:`` tags name."""
    summary: str | None = None
    """Markdown summary from the model card (its summary section or first paragraphs)."""


SPACE_UP = frozenset(
    {"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING", "APP_STARTING", "BUILDING", "SLEEPING"}
)
"""A Space's stages that mean it works (it sleeps when idle and wakes when visited)."""


@dataclass(frozen=True)
class Space:
    """A Space (a hosted demo app) on the Hugging Face Hub."""

    kind: ClassVar[str] = "space"
    id: str
    title: str
    """The card's title, else the Space's name."""
    url: str
    repo_id: str
    """``owner/name`` as the Hub answers it now (after any rename)."""
    author: str | None
    sha: str | None
    last_modified: str | None
    created: str | None
    description: str | None
    """The card's short description."""
    emoji: str | None
    sdk: str | None
    """``gradio``, ``streamlit``, ``docker`` or ``static``."""
    stage: str | None
    """Running state (``RUNNING``, ``SLEEPING``, ``RUNTIME_ERROR``, ``PAUSED``, ...)."""
    likes: int | None
    gated: str | None
    private: bool
    disabled: bool


@dataclass(frozen=True)
class Collection:
    """A collection (a curated set of models, datasets, Spaces, papers) on the Hub."""

    kind: ClassVar[str] = "collection"
    id: str
    title: str
    url: str
    slug: str
    """``owner/slug`` as the Hub answers it now (the slug follows the title)."""
    owner: str | None
    description: str | None
    items: int
    """Number of items in the collection."""
    upvotes: int | None
    last_updated: str | None
    private: bool


@dataclass(frozen=True)
class Repo:
    """A GitHub repository, or a folder inside one (``path``)."""

    kind: ClassVar[str] = "repo"
    id: str
    title: str
    """The folder's name for a folder, else the repository's name."""
    url: str
    """The repository's page, or the folder's (``/tree/<branch>/<path>``: the branch its ID
    names, else the default branch)."""
    full_name: str
    """``owner/name`` as GitHub answers it now (after any rename or transfer)."""
    path: str | None
    description: str | None
    stars: int | None
    pushed_at: str | None
    license: str | None
    archived: bool
    homepage: str | None
    topics: tuple[str, ...] = field(default=())
    default_branch: str | None = None
    redirected_from: str | None = None
    """``owner/name`` that was asked for, when GitHub redirected (renamed or moved)."""


@dataclass(frozen=True)
class Link:
    """Any other web page (``url:`` + the URL): never fetched; the maintainer's
    title and description (entries.toml overrides) are what the list shows."""

    kind: ClassVar[str] = "link"
    id: str
    title: str
    """The URL itself, for want of anything better."""
    url: str


Record = Paper | PaperPage | Dataset | Repo | Model | Space | Collection | Link
_TYPES: dict[str, type[Record]] = {
    t.kind: t for t in (Paper, PaperPage, Dataset, Repo, Model, Space, Collection, Link)
}


def page_id(paper: Paper) -> str:
    """The ID of a paper's Hugging Face page record."""
    return "hfpaper:" + paper.id.split(":", 1)[1]


def related_ids(record: Record) -> list[str]:
    """The records this one points to: a paper's page, a dataset's or model's papers."""
    if isinstance(record, Paper):
        return [page_id(record)]
    if isinstance(record, Dataset | Model):
        return list(record.papers)
    return []


def to_dict(record: Record) -> dict[str, Any]:
    """The record as JSON-ready data, ``kind`` first."""
    data: dict[str, Any] = {"kind": record.kind}
    # What dataclasses.asdict, then lists for tuples, give; without its deep copies.
    for name in _names(type(record)):
        value = getattr(record, name)
        data[name] = value if value is None or type(value) is str else plain(value)
    return data


_NAMES: dict[Any, tuple[str, ...]] = {}


def _names(cls: Any) -> tuple[str, ...]:
    """A dataclass's field names, in order (looked up once per class)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def plain(value: Any) -> Any:
    """A record's value as JSON-ready data: lists, dicts and nested dataclasses as plain
    lists and dicts (what :func:`to_dict` and the export write)."""
    if value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, list | tuple):
        return [v if type(v) is str else plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(getattr(value, name)) for name in _names(type(value))}
    return copy.deepcopy(value)


def from_dict(data: dict[str, Any]) -> Record:
    """Inverse of :func:`to_dict`."""
    cls = _TYPES[data["kind"]]
    values: dict[str, Any] = {}
    for name in _names(cls):
        if name not in data:
            continue
        value = data[name]
        if name == "authors":
            value = tuple(Author(a["name"], tuple(a.get("affiliations", ()))) for a in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


# -- reading records back ----------------------------------------------------------------


def read(data: Any) -> Record | None:
    """The record that JSON ``data`` (a cache row) holds, or None when it is not one
    alignfetch can use: a field missing, or of the wrong type, or a date that is no date
    (:func:`is_date`; an older alignfetch stored what GitHub sent as is).

    Exactly :func:`from_dict` followed by a check of every field against its type
    (:func:`_exact_read`), but fast for the rows that are fine: each kind's fields
    are checked on the JSON itself by a plan built once, and anything the plan
    does not vouch for goes the exact way.
    """
    if type(data) is dict and type(kind := data.get("kind")) is str:
        plan = _plan(kind) if kind in _TYPES else None
        if plan is not None:
            record = plan(data)
            if record is not None:
                return record if _dated(record) else None
    return _exact_read(data)


def well_typed(record: Record) -> bool:
    """Whether every field of ``record`` has its declared type and every date is one
    (:func:`is_date`; what :func:`read` checks of a cached row): a source that built a
    record from a mistyped answer (a number where the Hub documents a name) must not
    store what no command could read back."""
    cls: Any = type(record)
    return _checker(cls)(record) and _dated(record)


DATE_FIELDS = ("published", "updated", "pushed_at", "last_modified", "created", "last_updated")
"""Fields that hold a date (:func:`is_date`), or None where a record may lack one."""
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][^\n]*)?\Z")


def is_date(text: object) -> bool:
    """Whether ``text`` is a real date as records keep one: ``YYYY-MM-DD``, alone or
    starting an ISO 8601 datetime (``2024-01-31T12:00:00Z``), in the years 1 to 9999.
    Every reader of a date (check, citations, the README) takes its first ten characters
    as the day: ``2024-13-45`` or ``0000-01-01`` would crash it."""
    from datetime import datetime

    try:
        return bool(type(text) is str and _DATE.match(text) and datetime.fromisoformat(text))
    except ValueError:
        return False


def _dated(record: Record) -> bool:
    """Whether each date field of ``record`` is None or a date (:func:`is_date`)."""
    return all(is_date(v) for n in DATE_FIELDS if (v := getattr(record, n, None)) is not None)


def _exact_read(data: Any) -> Record | None:
    """:func:`read`, the slow and plain way: build the record, then check it."""
    if not isinstance(data, dict):
        return None
    try:
        record = from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return record if well_typed(record) else None


def _exact_types(hint: Any) -> frozenset[type] | None:
    """The exact types a value of ``hint`` may have, when those decide it (``str | None``)."""
    if hint is None or hint is type(None):
        return frozenset({type(None)})
    if hint is float:
        return frozenset({int, float})  # JSON writes 3.0 as 3
    if hint in (str, int, bool):
        return frozenset({hint})  # JSON gives exact types: no bool for an int
    if get_origin(hint) in (Union, types.UnionType):
        parts = [_exact_types(arg) for arg in get_args(hint)]
        if all(p is not None for p in parts):
            return frozenset().union(*(p for p in parts if p is not None))
    return None


@cache
def _checker(hint: Any) -> Callable[[Any], bool]:
    """A test that a value has the type ``hint`` (a record's field types), built once."""
    exact = _exact_types(hint)
    if exact is not None:
        return lambda v: type(v) in exact
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [_checker(arg) for arg in get_args(hint)]
        return lambda v: any(check(v) for check in options)
    if origin is tuple:
        item = _checker(get_args(hint)[0])
        return lambda v: type(v) is tuple and all(map(item, v))
    if hint is Any:
        return lambda v: True
    if origin in (dict, list):
        return lambda v: isinstance(v, origin)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        checks = [(f.name, _checker(hints[f.name])) for f in dataclasses.fields(hint)]

        def check(v: Any) -> bool:
            if not isinstance(v, hint):
                return False
            for name, field_check in checks:  # noqa: SIM110  # a loop beats a generator here
                if not field_check(getattr(v, name)):
                    return False
            return True

        return check
    if isinstance(hint, type):
        return lambda v: isinstance(v, hint)
    return lambda v: True  # whatever a record may hold that JSON cannot mistype


_MISSING = object()


@cache
def _plan(kind: str) -> Callable[[dict[str, Any]], Record | None] | None:
    """A reader of a ``kind`` of record's JSON that checks each field as JSON gives it
    and builds the record; it returns None where :func:`_exact_read` must decide.
    None when a field has a type the plan does not know (then every row goes the
    exact way)."""
    cls = _TYPES[kind]
    hints = get_type_hints(cls)
    spec: list[tuple[str, Any, Callable[[Any], Any]]] = []  # name, default, convert
    for f in dataclasses.fields(cls):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            return None
        hint = hints[f.name]
        if f.default is not dataclasses.MISSING and not _checker(hint)(f.default):
            return None
        if f.name == "authors" or hint == tuple[Author, ...]:
            if f.name != "authors" or hint != tuple[Author, ...]:
                return None  # from_dict builds authors by name: the plan would not be it
            convert: Callable[[Any], Any] = _authors
        elif hint == tuple[str, ...]:
            convert = _strings
        elif (exact := _exact_types(hint)) is not None:
            convert = _exactly(exact)
        else:
            return None
        spec.append((f.name, f.default, convert))

    def plan(d: dict[str, Any]) -> Record | None:
        values = []
        for name, default, convert in spec:
            v = d.get(name, _MISSING)
            if v is _MISSING:
                if default is dataclasses.MISSING:
                    return None
                v = default  # the dataclass's default, as from_dict leaves it
            else:
                v = convert(v)
                if v is _MISSING:
                    return None
            values.append(v)
        record: Record = cls(*values)
        return record

    return plan


def _exactly(exact: frozenset[type]) -> Callable[[Any], Any]:
    """The value itself when its type is one of ``exact``, else :data:`_MISSING`."""
    return lambda v: v if type(v) in exact else _MISSING


def _strings(value: Any) -> Any:
    """A JSON list of strings as a tuple, else :data:`_MISSING`."""
    if type(value) is not list or any(type(x) is not str for x in value):
        return _MISSING
    return tuple(value)


def _authors(value: Any) -> Any:
    """A paper's authors from JSON (a list of ``{"name", "affiliations"}``), or :data:`_MISSING`
    where :func:`_exact_read` must decide."""
    if type(value) is not list:
        return _MISSING
    out = []
    for a in value:
        if type(a) is not dict:
            return _MISSING
        name, affiliations = a.get("name"), a.get("affiliations", ())
        if type(name) is not str or type(affiliations) not in (list, tuple):
            return _MISSING
        for x in affiliations:
            if type(x) is not str:
                return _MISSING
        out.append(Author(name, tuple(affiliations)))
    return tuple(out)


# -- cleaning fetched text ---------------------------------------------------------------

MULTILINE = frozenset({"abstract", "summary"})
"""Fields whose text keeps its line breaks and tabs (an abstract, a dataset card)."""
URL_FIELDS = frozenset({"url", "pdf_url", "homepage", "github_repo"})
"""Fields that hold a link; only http(s) links are kept."""

# C0 and C1 controls, DEL, and the bidi embeddings, overrides and isolates that can
# make text read differently from what it is (U+202A-U+202E, U+2066-U+2069).
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_BUT_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BLANKS = re.compile("[\t\n\r\f\v]")
_LABELS = {"url": "page", "pdf_url": "PDF link", "github_repo": "code link"}
_HTTP = re.compile(r"https?://[^\s]+\Z", re.IGNORECASE)
# A Markdown link or image whose target has a scheme that runs code or smuggles data.
_BAD_SCHEME = r"(?:javascript|vbscript|data)\s*:"
_CARD_LINK = re.compile(
    # The text holds no bracket; the target may hold one level of parentheses.
    r"(!?)\[([^\[\]\n]*)\]\(\s*<?\s*" + _BAD_SCHEME + r"(?:[^()\n]|\([^()\n]*\))*\)?",
    re.IGNORECASE,
)
_CARD_DEFINITION = re.compile(
    r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?\s*" + _BAD_SCHEME + r"[^\n]*(?:\n|\Z)",
    re.IGNORECASE | re.MULTILINE,
)
_CARD_AUTOLINK = re.compile(r"<\s*" + _BAD_SCHEME + r"[^>\n]*>", re.IGNORECASE)


def is_http(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL without whitespace."""
    return bool(_HTTP.match(url))


def strip_controls(text: str, *, multiline: bool = False) -> str:
    """``text`` without control characters or bidi overrides.

    A line break or tab in one-line text becomes a space (so words stay apart);
    ``multiline`` text keeps its newlines and tabs, with ``\\r\\n`` and ``\\r`` made
    ``\\n``.
    """
    if multiline:
        return _CONTROLS_BUT_LINES.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROLS.sub("", _BLANKS.sub(" ", text))


def clean_card(text: str) -> str:
    """A card's Markdown without links or images to ``javascript:``, ``vbscript:`` or
    ``data:`` targets: a link keeps its text, an image its alt text, and a
    reference definition or autolink to such a target goes."""
    text = _CARD_DEFINITION.sub("", text)
    text = _CARD_AUTOLINK.sub("", text)
    return _CARD_LINK.sub(lambda m: m[2], text)


def clean(record: Record) -> tuple[Record, list[str]]:
    """``record`` fit to store, and a warning per thing taken out of it.

    Pure: every text loses its control characters and bidi overrides (an
    abstract and a card keep newlines and tabs); a link that is not http(s) is
    dropped (a repository's page falls back to the one its name gives); a
    card's Markdown loses ``javascript:`` and ``data:`` links.
    """
    warnings: list[str] = []
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        old = getattr(record, f.name)
        new = _clean_value(old, multiline=f.name in MULTILINE)
        if f.name in URL_FIELDS and isinstance(new, str) and not is_http(new):
            warnings.append(
                f"The {_LABELS.get(f.name, f.name)} of {record.id}, {new!r}, is not an http(s) "
                "URL; it was dropped."
            )
            new = _fallback_url(record, f.name)
        elif f.name == "summary" and isinstance(new, str):
            carded = clean_card(new)
            if carded != new:
                warnings.append(
                    f"The card of {record.id} linked to javascript:, vbscript: or data: "
                    "targets; those links were dropped."
                )
            new = carded
        if new != old:
            values[f.name] = new
    return (dataclasses.replace(record, **values) if values else record), warnings


def _clean_value(value: Any, *, multiline: bool) -> Any:
    if isinstance(value, str):
        return strip_controls(value, multiline=multiline)
    if isinstance(value, Author):
        return Author(
            strip_controls(value.name), tuple(strip_controls(a) for a in value.affiliations)
        )
    if isinstance(value, tuple):
        return tuple(_clean_value(v, multiline=False) for v in value)
    return value


_PAGES = {
    "paper": "https://arxiv.org/abs/{}",
    "dataset": "https://huggingface.co/datasets/{}",
    "model": "https://huggingface.co/{}",
    "space": "https://huggingface.co/spaces/{}",
    "collection": "https://huggingface.co/collections/{}",
}
"""A record's page by kind, from its ID's key, for :func:`_fallback_url`."""


def _fallback_url(record: Record, name: str) -> str | None:
    """The link a record's ID gives, for a record whose own ``name`` link had to go;
    None for a link the record may lack."""
    key = record.id.split(":", 1)[1]
    if name == "pdf_url" and isinstance(record, Paper):
        return f"https://arxiv.org/pdf/{key}"
    if name != "url":
        return None
    if isinstance(record, Repo):
        base = f"https://github.com/{record.full_name}"
        return (
            f"{base}/tree/{record.default_branch or 'HEAD'}/{record.path}" if record.path else base
        )
    page = _PAGES.get(record.kind)
    return page.format(key) if page else None
