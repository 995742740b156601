"""Hugging Face collections (curated sets of Hub items), through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``get_collection``, one
request) and :func:`convert` (pure; the Hub's answer to a
:class:`~alignfetch.records.Collection`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alignfetch.config import Settings
from alignfetch.records import Collection
from alignfetch.sources import hub, hub_repo
from alignfetch.sources.hub_repo import PART

if TYPE_CHECKING:
    from huggingface_hub import Collection as HubCollection

    from alignfetch.sources import Outcome, Previous

NAME = "Hugging Face collections"
PREFIX = "hf-collection"
FORMS = ("hf-collection:owner/slug", "https://huggingface.co/collections/owner/slug")

# A slug is the title made URL-safe, then (usually) "-" and the collection's 24-hex ID.
_KEY = rf"(?P<key>{PART}/[A-Za-z0-9](?:[A-Za-z0-9_.-]{{0,198}}[A-Za-z0-9])?)"
_SHORT = re.compile(rf"hf-collection:{_KEY}/?", re.IGNORECASE)
_URL = re.compile(rf"https?://(?:www\.)?huggingface\.co/collections/{_KEY}/?(?:[?#].*)?")


def parse_id(text: str) -> str | None:
    """``owner/slug`` for ``text``, or None if it is not a collection ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            return m["key"]
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """``get_collection`` for each key."""
    from alignfetch.sources import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        url = f"{settings.hf_endpoint}/api/collections/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                hub_repo.shaped(partial(api.get_collection, key)),
                settings,
                source=NAME,
                ident=f"{PREFIX}:{key}",
                url=url,
            )
        assert info is not None
        return Fetched(
            record=convert(info, key),
            raw=next(reversed(bodies.values()), ""),
            url=url,
        )

    return hub.each(keys, one, NAME, PREFIX, settings)


def convert(info: HubCollection, key: str) -> Collection:
    """A huggingface_hub ``Collection`` as a normalized collection record."""
    owner: object = info.owner  # the Hub sends an object; older clients kept a name
    name = owner.get("name") if isinstance(owner, dict) else owner
    return Collection(
        id=f"{PREFIX}:{key}",
        title=info.title,
        url=f"{hub.PUBLIC}/collections/{info.slug}",
        slug=info.slug,
        owner=str(name) if name else None,
        description=(info.description or "").strip() or None,
        items=len(info.items),
        upvotes=hub_repo.count(info.upvotes),
        last_updated=hub_repo.iso(info.last_updated),
        private=bool(info.private),
    )
