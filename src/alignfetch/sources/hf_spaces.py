"""Hugging Face Spaces (hosted demo apps), through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``space_info``, one
request) and :func:`convert` (pure; the Hub's answer to a
:class:`~alignfetch.records.Space`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alignfetch.config import Settings
from alignfetch.records import Space
from alignfetch.sources import hub, hub_repo
from alignfetch.sources.hub_repo import PART

if TYPE_CHECKING:
    from huggingface_hub import SpaceInfo

    from alignfetch.sources import Outcome, Previous

NAME = "Hugging Face Spaces"
PREFIX = "hf-space"
FORMS = ("hf-space:owner/name", "https://huggingface.co/spaces/owner/name")

_KEY = rf"(?P<key>{PART}/{PART})"
_SHORT = re.compile(rf"hf-space:(?:spaces/)?{_KEY}/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/spaces/{_KEY}"
    r"(?:/(?:tree|blob|resolve|raw|discussions|commits|edit)(?:/[^?#\s]*)?)?/?(?:[?#].*)?"
)


def parse_id(text: str) -> str | None:
    """``owner/name`` for ``text``, or None if it is not a Space ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            return hub_repo.valid_key(m["key"])
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """``space_info`` for each key."""
    from alignfetch.sources import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        info_url = f"{settings.hf_endpoint}/api/spaces/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                hub_repo.shaped(partial(api.space_info, key, timeout=settings.timeout)),
                settings,
                source=NAME,
                ident=f"{PREFIX}:{key}",
                url=info_url,
            )
        assert info is not None
        answered = hub_repo.body(bodies, info_url)
        if answered is None:
            answered = hub_repo.body(bodies, f"{settings.hf_endpoint}/api/spaces/{info.id}")
        return Fetched(
            record=convert(info, key),
            raw=json.dumps({"space_info": answered}, ensure_ascii=False, sort_keys=True),
            url=info_url,
        )

    return hub.each(keys, one, NAME, PREFIX, settings)


def convert(info: SpaceInfo, key: str) -> Space:
    """A ``SpaceInfo`` as a normalized Space record."""
    card = hub_repo.card_fields(info.card_data)
    runtime = info.runtime
    return Space(
        id=f"{PREFIX}:{key}",
        title=_text(card.get("title")) or info.id,
        url=f"{hub.PUBLIC}/spaces/{info.id}",
        repo_id=info.id,
        author=info.author,
        sha=info.sha,
        last_modified=hub_repo.iso(info.last_modified),
        created=hub_repo.iso(info.created_at),
        description=_text(card.get("short_description")),
        emoji=_text(card.get("emoji")),
        sdk=info.sdk or _text(card.get("sdk")),
        stage=str(runtime.stage) if runtime is not None and runtime.stage else None,
        likes=hub_repo.count(info.likes),
        gated=hub_repo.gating(info.gated),
        private=bool(info.private),
        disabled=bool(info.disabled),
    )


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
