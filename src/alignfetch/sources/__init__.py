"""The upstream services, each behind the same small interface.

A source is a module with three layers: pure ID parsing (:func:`parse_id`),
the HTTP fetch (:func:`fetch`), and a pure conversion from the raw response to a
:mod:`alignfetch.records` record. They register here by ID prefix; everything
else finds them through :data:`SOURCES`.

Parsing an ID needs only the first layer: a source module and the modules its
fetch layer shares (:mod:`alignfetch.net`, :mod:`alignfetch.sources.hub`) import
the HTTP stack (requests, huggingface_hub, ssl, urllib.request) inside the
functions that send, so ``list`` or ``show`` never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from alignfetch.config import Settings
from alignfetch.errors import SourceError
from alignfetch.records import Record


@dataclass(frozen=True)
class Fetched:
    """A record fresh from upstream, with the payload it came from."""

    record: Record
    raw: str
    url: str
    etag: str | None = None
    unchanged: bool = False
    """Upstream confirmed the cached record (HTTP 304): keep it, only note the check."""
    warning: str | None = None
    """Something the user should hear that does not fail the ID (a card kept from before)."""


@dataclass(frozen=True)
class Previous:
    """What the cache already holds, for conditional requests."""

    record: Record
    raw: str
    etag: str | None


@dataclass(frozen=True)
class Confirmed:
    """Upstream sent again exactly what a cached record it was told of only by its ETag
    was made of (a refresh's sealed rows, :class:`alignfetch.cache.rows.Seal`): like a
    304, but the record was never read. Only arXiv answers so, and only when given such
    ETags (:func:`alignfetch.sources.arxiv.fetch`'s ``sealed``): never through :class:`Source`."""

    id: str
    """The record's ID (``arxiv:<key>``)."""


Outcome = Fetched | SourceError


class Source(Protocol):
    NAME: str
    PREFIX: str
    FORMS: tuple[str, ...]

    def parse_id(self, text: str) -> str | None: ...

    def fetch(
        self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]: ...


MODULES = {
    "arxiv": "arxiv",
    "hf": "hf_datasets",
    "gh": "github",
    "hf-space": "hf_spaces",
    "hf-collection": "hf_collections",
    # Hub models last: their URL form is any huggingface.co/owner/name not taken above.
    "hf-model": "hf_models",
    # url: claims any http(s) URL that no other source does, so it goes last.
    "url": "url",
}
"""Each source's module by ID prefix, in the order IDs are tried (:data:`SOURCES`)."""
KINDS = {
    "arxiv": "paper",
    "hf": "dataset",
    "gh": "repo",
    "hf-model": "model",
    "hf-space": "space",
    "hf-collection": "collection",
    "url": "link",
}
"""The kind of entry each ID prefix names (``refresh --only`` takes these)."""


def source(prefix: str) -> Source:
    """The source of ``prefix`` (a key of :data:`MODULES`), importing only its module."""
    module: Source = import_module(f"{__name__}.{MODULES[prefix]}")
    return module


if TYPE_CHECKING:
    SOURCES: dict[str, Source]
    """Every source by ID prefix, in the order IDs are tried."""


def __getattr__(name: str) -> Any:
    # SOURCES is built on first use: parsing an ID of a known prefix imports only
    # its own source (:func:`source`).
    if name == "SOURCES":
        registry = {prefix: source(prefix) for prefix in MODULES}
        globals()["SOURCES"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
