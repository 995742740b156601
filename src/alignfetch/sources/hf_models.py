"""Hugging Face Hub models, through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure; ``hf-model:owner/name`` and a model's page
URL, which is any ``huggingface.co/owner/name`` whose first segment is not one
of the Hub's own pages), :func:`fetch` (``model_info`` and, only when the
model's commit moved, its card) and :func:`convert` (pure; the Hub's answers to
a :class:`~alignfetch.records.Model`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING

from alignfetch.config import Settings
from alignfetch.records import Model
from alignfetch.sources import hub, hub_repo
from alignfetch.sources.hub_repo import PART

if TYPE_CHECKING:
    from huggingface_hub import ModelInfo

    from alignfetch.sources import Outcome, Previous

NAME = "Hugging Face models"
PREFIX = "hf-model"
FORMS = ("hf-model:owner/name", "https://huggingface.co/owner/name")

# fmt: off
RESERVED = frozenset((
    "api", "blog", "brand", "buckets", "changelog", "chat", "code-of-conduct", "collections",
    "competitions", "content-guidelines", "datasets", "docs", "enterprise", "hardware",
    "inference", "inference-api", "inference-endpoints", "jobs", "join", "kernels", "learn",
    "login", "logout", "mcp", "models", "new", "new-dataset", "new-model", "new-space",
    "notifications", "oauth", "organizations", "papers", "posts", "pricing", "privacy",
    "search", "security", "settings", "spaces", "storage", "tasks", "terms-of-service",
    "welcome",
))
# fmt: on
"""First path segments that are the Hub's own pages, not an owner's models."""

_KEY = rf"(?P<key>(?P<owner>{PART})/{PART})"
_SHORT = re.compile(rf"hf-model:(?:models/)?{_KEY}/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/{_KEY}"
    r"(?:/(?:tree|blob|resolve|raw|discussions|commits|edit)(?:/[^?#\s]*)?)?/?(?:[?#].*)?"
)


def parse_id(text: str) -> str | None:
    """``owner/name`` for ``text``, or None if it is not a model ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            return None if m["owner"].lower() in RESERVED else hub_repo.valid_key(m["key"])
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """``model_info`` for each key; the card only when the commit moved."""
    from alignfetch.sources import Fetched

    api = hub.api(settings)

    def one(key: str) -> Fetched:
        ident = f"{PREFIX}:{key}"
        info_url = f"{settings.hf_endpoint}/api/models/{key}"
        with hub.Capture() as bodies:
            info = hub.call(
                hub_repo.shaped(partial(api.model_info, key, timeout=settings.timeout)),
                settings,
                source=NAME,
                ident=ident,
                url=info_url,
            )
        assert info is not None
        before = previous.get(key)
        old = before.record if before is not None and isinstance(before.record, Model) else None
        # A gated model's metadata is public but its files, card included, sit behind
        # the gate (401 or 403): the entry is still worth its metadata.
        card = hub_repo.card(
            info.id,
            info.sha,
            None,
            settings,
            old,
            before,
            label="model",
            source=NAME,
            ident=ident,
            gated_ok=True,
        )
        # After a rename the Hub redirects: the body is the one of the new name.
        answered = hub_repo.body(bodies, info_url)
        if answered is None:
            answered = hub_repo.body(bodies, f"{settings.hf_endpoint}/api/models/{info.id}")
        raw = {"model_info": answered, "card": card.text, "card_sha": card.sha}
        return Fetched(
            record=convert(info, key, card.summary),
            raw=json.dumps(raw, ensure_ascii=False, sort_keys=True),
            url=info_url,
            warning=card.warning,
        )

    return hub.each(keys, one, NAME, PREFIX, settings)


def convert(info: ModelInfo, key: str, summary: str | None) -> Model:
    """A ``ModelInfo`` (and its card's summary) as a normalized model record."""
    tags = hub_repo.tag_list(info.tags)
    card = hub_repo.card_fields(info.card_data)
    safetensors = info.safetensors
    return Model(
        id=f"{PREFIX}:{key}",
        title=info.id,
        url=f"{hub.PUBLIC}/{info.id}",
        author=info.author,
        sha=info.sha,
        last_modified=hub_repo.iso(info.last_modified),
        created=hub_repo.iso(info.created_at),
        license=hub_repo.listed(card.get("license"), tags, "license"),
        pipeline_tag=info.pipeline_tag,
        library=info.library_name,
        base_models=base_models(tags, card.get("base_model")),
        parameters=safetensors.total if safetensors is not None else None,
        downloads=hub_repo.count(info.downloads),
        likes=hub_repo.count(info.likes),
        gated=hub_repo.gating(info.gated),
        private=bool(info.private),
        disabled=bool(info.disabled),
        papers=hub_repo.papers(tags),
        summary=summary,
    )


def base_models(tags: Sequence[str], card_value: object) -> tuple[str, ...]:
    """The Hub's ``base_model:owner/name`` tags, else the card's ``base_model``.

    The tags come first: the Hub writes them with a base model's current name,
    while a card keeps whatever name its author typed (``base_model:finetune:…``
    and its kin name the same models again, with the relation).
    """
    named = [t.split(":", 1)[1] for t in tags if t.startswith("base_model:")]
    found = [n for n in named if ":" not in n]
    if not found:
        given = [card_value] if isinstance(card_value, str) else card_value
        if isinstance(given, list):
            found = [str(v) for v in given if v]
    return tuple(dict.fromkeys(found))
