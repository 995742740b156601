"""Hugging Face paper pages (huggingface.co/papers/ID) of arXiv papers.

Not a kind of entry: it enriches paper entries with their page, upvotes and the
code repository the page links. Three layers as every source: :func:`parse_id`
(pure; a paper page URL is its arXiv paper), :func:`fetch` (``paper_info``; no
page is not an error) and :func:`convert` (pure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alignfetch.config import Settings
from alignfetch.records import PaperPage
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import hub

if TYPE_CHECKING:
    from huggingface_hub.hf_api import PaperInfo

    from alignfetch.sources import Outcome, Previous

NAME = "Hugging Face papers"
PREFIX = "hfpaper"
FORMS: tuple[str, ...] = ("https://huggingface.co/papers/2305.01937 (read as its arXiv paper)",)


def parse_id(text: str) -> str | None:
    """The arXiv key of a paper page URL (the arXiv source knows that form), or None."""
    return arxiv_source.parse_id(text) if "huggingface.co/papers/" in text else None


def fetch(
    keys: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    *,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """The page of each arXiv key; a paper without one gets a record with no URL.

    A few at a time (:func:`hub.each`); with ``deadline`` (``time.monotonic()``),
    keys whose page is not back by then are left out.
    """
    from alignfetch.sources import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        url = f"{settings.hf_endpoint}/api/papers/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                partial(api.paper_info, key),
                settings,
                source=NAME,
                ident=f"arxiv:{key}",
                url=url,
                missing_ok=True,
            )
        raw = next(iter(bodies.values()), "") if info is not None else ""
        return Fetched(record=convert(info, key), raw=raw, url=url)

    return hub.each(keys, one, NAME, "arxiv", settings, deadline=deadline)


def convert(info: PaperInfo | None, key: str) -> PaperPage:
    if info is None:
        return PaperPage(id=f"{PREFIX}:{key}", url=None)
    repo = info.github_repo if isinstance(info.github_repo, str) and info.github_repo else None
    upvotes = info.upvotes if isinstance(info.upvotes, int) else None
    return PaperPage(
        id=f"{PREFIX}:{key}",
        url=f"{hub.PUBLIC}/papers/{key}",
        upvotes=None if isinstance(upvotes, bool) else upvotes,
        github_repo=repo,
    )
