"""Hugging Face Hub datasets, through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``dataset_info`` and, only
when the dataset's commit changed, its card), and :func:`convert` /
:func:`~alignfetch.sources.hub_repo.card_summary` (pure; the Hub's answers to a
:class:`~alignfetch.records.Dataset`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alignfetch.config import Settings
from alignfetch.records import Dataset
from alignfetch.sources import hub, hub_repo
from alignfetch.sources.hub_repo import (
    card_summary as card_summary,  # where tests and callers find it
)

if TYPE_CHECKING:
    from huggingface_hub import DatasetInfo

    from alignfetch.sources import Outcome, Previous

NAME = "Hugging Face datasets"
PREFIX = "hf"
FORMS = ("hf:owner/name", "https://huggingface.co/datasets/owner/name")

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9])?"
_KEY = rf"(?P<key>{_PART}/{_PART})"
_SHORT = re.compile(rf"hf:(?:datasets/)?{_KEY}/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/datasets/{_KEY}"
    r"(?:/(?:tree|blob|resolve|viewer|discussions|commits)(?:/[^?#\s]*)?)?/?(?:[?#].*)?"
)


def parse_id(text: str) -> str | None:
    """``owner/name`` for ``text``, or None if it is not a dataset ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            # The Hub refuses names with "--" or ".." in them.
            return None if "--" in m["key"] or ".." in m["key"] else m["key"]
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """``dataset_info`` for each key; the card only when the commit moved.

    A card that cannot be read never replaces the last good summary
    (:func:`~alignfetch.sources.hub_repo.card`).
    """
    from alignfetch.sources import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        ident = f"{PREFIX}:{key}"
        info_url = f"{settings.hf_endpoint}/api/datasets/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                partial(api.dataset_info, key, timeout=settings.timeout),
                settings,
                source=NAME,
                ident=ident,
                url=info_url,
            )
        assert info is not None
        before = previous.get(key)
        old = before.record if before is not None and isinstance(before.record, Dataset) else None
        card = hub_repo.card(
            info.id,
            info.sha,
            "dataset",
            settings,
            old,
            before,
            label="dataset",
            source=NAME,
            ident=ident,
        )
        raw = {
            "dataset_info": hub_repo.body(bodies, info_url),
            "card": card.text,
            "card_sha": card.sha,
        }
        return Fetched(
            record=convert(info, key, card.summary),
            raw=json.dumps(raw, ensure_ascii=False, sort_keys=True),
            url=info_url,
            warning=card.warning,
        )

    return hub.each(keys, one, NAME, PREFIX, settings)


def convert(info: DatasetInfo, key: str, summary: str | None) -> Dataset:
    """A ``DatasetInfo`` (and its card's summary) as a normalized dataset record."""
    tags = hub_repo.tag_list(info.tags)
    card = hub_repo.card_fields(info.card_data)
    return Dataset(
        id=f"{PREFIX}:{key}",
        title=info.id,
        url=f"{hub.PUBLIC}/datasets/{info.id}",
        author=info.author,
        sha=info.sha,
        last_modified=hub_repo.iso(info.last_modified),
        created=hub_repo.iso(info.created_at),
        license=hub_repo.listed(card.get("license"), tags, "license"),
        languages=hub_repo.listed(card.get("language"), tags, "language"),
        task_categories=hub_repo.listed(card.get("task_categories"), tags, "task_categories"),
        size_categories=hub_repo.listed(card.get("size_categories"), tags, "size_categories"),
        downloads=hub_repo.count(info.downloads),
        likes=hub_repo.count(info.likes),
        gated=hub_repo.gating(info.gated),
        private=bool(info.private),
        disabled=bool(info.disabled),
        papers=hub_repo.papers(tags),
        summary=summary,
    )
