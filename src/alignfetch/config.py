"""Settings that reach the sources: endpoints, politeness and credentials.

Read from the environment once per :class:`Settings` (the CLI's flags override
them by passing values in). Tests point the sources at a local server through
the same variables a user would set.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from . import __version__
from .errors import InputError

DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_RSS_URL = "https://rss.arxiv.org/rss"
DEFAULT_GITHUB_URL = "https://api.github.com"
DEFAULT_HF_ENDPOINT = "https://huggingface.co"
USER_AGENT = f"alignfetch/{__version__} (+https://pypi.org/project/alignfetch/)"


def _float(name: str, default: float, *, positive: bool = False) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{name} must be a number of seconds, not {raw!r}.") from None
    if not math.isfinite(value) or value < 0 or (positive and value == 0) or value > 86400:
        least = "more than 0" if positive else "0 or more"
        raise InputError(f"{name} must be {least} and at most 86400 seconds, not {raw!r}.")
    return value


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name} must be a whole number, not {raw!r}.") from None
    if not 0 <= value <= 100:
        raise InputError(f"{name} must be a whole number from 0 to 100, not {raw!r}.")
    return value


@dataclass(frozen=True)
class Settings:
    """Where the sources are and how politely to ask them."""

    arxiv_url: str = DEFAULT_ARXIV_URL
    arxiv_delay: float = 3.0
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0
    github_url: str = DEFAULT_GITHUB_URL
    hf_endpoint: str = DEFAULT_HF_ENDPOINT
    github_token: str | None = field(default=None, repr=False)
    hf_token: str | None = field(default=None, repr=False)
    user_agent: str = USER_AGENT
    lock_timeout: float = 120.0
    arxiv_rss_url: str = DEFAULT_ARXIV_RSS_URL

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            arxiv_url=env.get("ALIGNFETCH_ARXIV_URL") or DEFAULT_ARXIV_URL,
            arxiv_delay=_float("ALIGNFETCH_ARXIV_DELAY", 3.0),
            timeout=_float("ALIGNFETCH_TIMEOUT", 30.0, positive=True),
            retries=_int("ALIGNFETCH_RETRIES", 4),
            backoff=_float("ALIGNFETCH_BACKOFF", 1.0),
            github_url=(env.get("ALIGNFETCH_GITHUB_URL") or DEFAULT_GITHUB_URL).rstrip("/"),
            hf_endpoint=(env.get("HF_ENDPOINT") or DEFAULT_HF_ENDPOINT).rstrip("/"),
            github_token=env.get("GITHUB_TOKEN") or None,
            hf_token=env.get("HF_TOKEN") or None,
            lock_timeout=_float("ALIGNFETCH_LOCK_TIMEOUT", 120.0),
            arxiv_rss_url=(env.get("ALIGNFETCH_ARXIV_RSS_URL") or DEFAULT_ARXIV_RSS_URL).rstrip(
                "/"
            ),
        )
