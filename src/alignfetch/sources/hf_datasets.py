"""Hugging Face Hub datasets, through ``huggingface_hub``.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``dataset_info`` and, only
when the dataset's commit changed, its card), and :func:`convert` (pure; the
Hub's answers to a :class:`~alignfetch.records.Dataset`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from . import Outcome, Previous

NAME = "Hugging Face datasets"
PREFIX = "hf"
FORMS = ("hf:owner/name", "https://huggingface.co/datasets/owner/name")

_PART = r"(?!.*(?:--|\.\.))[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?"
_KEY = rf"(?P<key>{_PART}/{_PART})"
_SHORT = re.compile(rf"hf:(?:datasets/)?{_KEY}/?")
_URL = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/datasets/{_KEY}"
    r"(?:/(?:tree|blob|resolve|viewer|discussions|commits)(?:/[^?#\s]*)?)?/?(?:[?#].*)?"
)


def parse_id(text: str) -> str | None:
    """``owner/name`` for ``text``, or None if it is not a dataset ID or link."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            return m["key"]
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    raise NotImplementedError("being written")
