"""Hugging Face daily papers (huggingface.co/papers): what the Hub's readers upvoted.

Not a kind of entry: it feeds ``discover``. Three layers as every source: the
query (a date, ``YYYY-MM-DD``), :func:`fetch` (``huggingface_hub``'s
``list_daily_papers`` through :func:`alignfetch.sources.hub.call`, which sets
the timeout and User-Agent and retries) and :func:`convert` (pure: the answer's
JSON to :class:`~alignfetch.sources.arxiv_rss.Announcement`\\ s with upvotes).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from alignfetch.errors import SourceError
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import hub
from alignfetch.sources.arxiv_rss import Announcement

if TYPE_CHECKING:
    from alignfetch.config import Settings

NAME = "Hugging Face daily papers"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The date that starts a ``publishedAt`` timestamp; anything else is no date."""


def fetch(day: str, settings: Settings) -> str | None:
    """The Hub's answer for the daily papers of ``day`` (``YYYY-MM-DD``), as JSON text;
    None when the Hub has no list for that day (it answered 404), which the caller
    says: an endpoint that lacks the API answers 404 too."""
    api = hub.api(settings)
    url = f"{settings.hf_endpoint}/api/daily_papers?date={day}"
    with hub.Capture() as bodies:
        # A generator: the request is sent, and its errors raised, while it is read.
        papers = hub.call(
            lambda: list(api.list_daily_papers(date=day)),
            settings,
            source=NAME,
            ident=f"the daily papers of {day}",
            url=url,
            missing_ok=True,  # no list for that day: no papers
        )
    if papers is None:
        return None
    return next(iter(bodies.values()), "[]")


def convert(text: str, url: str) -> list[tuple[Announcement, int]]:
    """Each daily paper with its upvotes, in the Hub's order; the same paper once."""
    try:
        body = json.loads(text)
        if not isinstance(body, list):
            raise ValueError
        items = [_one(item) for item in body]
    except (ValueError, TypeError, KeyError, AttributeError):
        raise SourceError(
            f"The Hugging Face Hub sent daily papers that alignfetch cannot read ({url}); "
            "try again later.",
            source=NAME,
            url=url,
        ) from None
    out: dict[str, tuple[Announcement, int]] = {}
    for item in items:
        if item is not None:
            out.setdefault(item[0].id, item)
    return list(out.values())


def _one(item: dict[str, Any]) -> tuple[Announcement, int] | None:
    paper = item.get("paper") or item
    key = arxiv_source.parse_id(str(paper["id"]))
    if key is None:  # the Hub also lists papers that are not on arXiv
        return None
    published = _DAY.match(str(paper.get("publishedAt") or item.get("publishedAt") or ""))
    return (
        Announcement(
            id=f"arxiv:{key}",
            version=1,
            announce_type="daily",
            title=" ".join(str(paper.get("title") or item.get("title") or "").split()),
            authors=tuple(str(a["name"]) for a in paper.get("authors") or ()),
            abstract=" ".join(str(paper.get("summary") or "").split()),
            categories=(),
            announced=published[0] if published else None,
        ),
        int(paper.get("upvotes") or 0),
    )
