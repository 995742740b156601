"""The normalized records that flow from sources to the cache to render/export.

A source converts its raw upstream payload into one of these; nothing after the
cache ever looks at a raw payload. Records are plain frozen dataclasses that
round-trip through :func:`to_dict` / :func:`from_dict` (the cache's JSON column
and the export use the same form). Dates are ISO strings (``YYYY-MM-DD``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar


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
    data.update(dataclasses.asdict(record))
    out: dict[str, Any] = _lists(data)
    return out


def from_dict(data: dict[str, Any]) -> Record:
    """Inverse of :func:`to_dict`."""
    cls = _TYPES[data["kind"]]
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "authors":
            value = tuple(Author(a["name"], tuple(a.get("affiliations", ()))) for a in value)
        elif isinstance(value, list):
            value = tuple(value)
        values[f.name] = value
    return cls(**values)


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value
