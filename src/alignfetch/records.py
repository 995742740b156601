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
from dataclasses import dataclass, field
from typing import Any, ClassVar

MONTHS = {
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
"""A month's number by its English name or abbreviation, lower-cased (``sept`` -> 9): what
a list or a page may write in a date."""


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
    """Any other web page (``url:`` + the URL): what its HTML says of itself (Highwire
    ``citation_*`` tags, else OpenGraph and Twitter cards, else ``<title>``), or, for a
    page not read (a PDF, a page that is no HTML), its file name or URL as its title."""

    kind: ClassVar[str] = "link"
    id: str
    title: str
    """The page's title; else a PDF's file name, else the URL itself."""
    url: str
    description: str | None = None
    authors: tuple[str, ...] = ()
    issued: str | None = None
    """When the page says it was published: ``YYYY-MM-DD``, or ``YYYY-MM``, ``YYYY`` as
    precisely as the page gives it (no stored date field, which must name a day)."""
    venue: str | None = None
    """A paper page's conference or journal (``citation_conference_title``...)."""
    doi: str | None = None
    pdf_url: str | None = None
    site_name: str | None = None
    read: bool = False
    """True when the fields come from the page itself (False: made from the URL alone)."""


@dataclass(frozen=True)
class Scholarly:
    """Where an arXiv paper was published and how often it is cited (Semantic Scholar)."""

    kind: ClassVar[str] = "scholarly"
    id: str
    """``s2:<arXiv key>``."""
    found: bool
    """False when Semantic Scholar does not know the paper (its batch answered null)."""
    venue: str | None = None
    """The venue as lists write it, short name and year (``ACL 2023``); None for a
    preprint only."""
    venue_name: str | None = None
    """The venue's full name as Semantic Scholar gives it."""
    year: int | None = None
    publication_types: tuple[str, ...] = ()
    doi: str | None = None
    """The published version's DOI (not arXiv's own ``10.48550/…``)."""
    dblp: str | None = None
    """The DBLP key (``conf/acl/ChiangL23``)."""
    acl: str | None = None
    """The ACL Anthology ID (``2023.acl-long.870``)."""
    citation_count: int | None = None
    influential_citation_count: int | None = None


@dataclass(frozen=True)
class Affiliations:
    """The institutions of an arXiv paper's authors (OpenAlex)."""

    kind: ClassVar[str] = "affiliations"
    id: str
    """``openalex:<arXiv key>``."""
    found: bool
    """False when OpenAlex does not know the paper."""
    authors: tuple[Author, ...] = ()
    """Each author with their institutions, as OpenAlex's authorships give them."""
    affiliation: str | None = None
    """What a list shows: the institution most authors share (the first author's on a
    tie), in its short form when OpenAlex gives one."""


Record = (
    Paper | PaperPage | Dataset | Repo | Model | Space | Collection | Link | Scholarly
) | Affiliations
_TYPES: dict[str, type[Record]] = {
    t.kind: t
    for t in (
        Paper,
        PaperPage,
        Dataset,
        Repo,
        Model,
        Space,
        Collection,
        Link,
        Scholarly,
        Affiliations,
    )
}


def page_id(paper: Paper) -> str:
    """The ID of a paper's Hugging Face page record."""
    return "hfpaper:" + paper.id.split(":", 1)[1]


def scholarly_id(paper: Paper) -> str:
    """The ID of a paper's Semantic Scholar record (:class:`Scholarly`)."""
    return "s2:" + paper.id.split(":", 1)[1]


def affiliations_id(paper: Paper) -> str:
    """The ID of a paper's OpenAlex record (:class:`Affiliations`)."""
    return "openalex:" + paper.id.split(":", 1)[1]


def related_ids(record: Record) -> list[str]:
    """The records this one points to: a paper's page, a dataset's or model's papers."""
    if isinstance(record, Paper):
        return [page_id(record), scholarly_id(record), affiliations_id(record)]
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
        if name == "authors" and any(isinstance(a, dict) for a in value):
            # A paper's (and OpenAlex's) authors are Author objects; a web page's, names.
            value = tuple(Author(a["name"], tuple(a.get("affiliations", ()))) for a in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


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
