"""The upstream services, each behind the same small interface.

A source is a module with three layers: pure ID parsing (:func:`parse_id`),
the HTTP fetch (:func:`fetch`), and a pure conversion from the raw response to a
:mod:`alignfetch.records` record. They register here by ID prefix; everything
else finds them through :data:`SOURCES`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..config import Settings
from ..errors import SourceError
from ..records import Record


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


Outcome = Fetched | SourceError


class Source(Protocol):
    NAME: str
    PREFIX: str
    FORMS: tuple[str, ...]

    def parse_id(self, text: str) -> str | None: ...

    def fetch(
        self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]: ...


def _registry() -> dict[str, Source]:
    from . import arxiv, github, hf_collections, hf_datasets, hf_models, hf_spaces

    # Hub models last: their URL form is any huggingface.co/owner/name not taken above.
    hub_kinds = (hf_spaces, hf_collections, hf_models)
    return {m.PREFIX: m for m in (arxiv, hf_datasets, github, *hub_kinds)}


def _fallback() -> dict[str, Source]:
    from . import url

    return {url.PREFIX: url}


SOURCES: dict[str, Source] = _registry()
# url: claims any http(s) URL that no other source does, so it goes last.
SOURCES.update(_fallback())
