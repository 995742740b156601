"""Settings that reach the sources: endpoints, politeness and credentials.

Read from the environment once per :class:`Settings` (the CLI's flags override
them by passing values in). Tests point the sources at a local server through
the same variables a user would set.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from alignfetch.errors import InputError
from alignfetch.version import __version__

DEFAULT_S2_URL = "https://api.semanticscholar.org/graph/v1"
DEFAULT_OPENALEX_URL = "https://api.openalex.org"
DEFAULT_ARXIV_URL = "https://export.arxiv.org/api/query"
DEFAULT_ARXIV_RSS_URL = "https://rss.arxiv.org/rss"
DEFAULT_GITHUB_URL = "https://api.github.com"
DEFAULT_HF_ENDPOINT = "https://huggingface.co"
USER_AGENT = f"alignfetch/{__version__} (+https://pypi.org/project/alignfetch/)"
DEFAULT_MAX_BYTES = 20_000_000


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


def _bytes(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise InputError(f"{name} must be a whole number of bytes, not {raw!r}.") from None
    if value < 1024:
        raise InputError(f"{name} must be at least 1024 bytes, not {raw!r}.")
    return value


def _flag(name: str) -> bool:
    """``1`` is yes; unset, empty or ``0`` is no; anything else is a mistake worth a sentence."""
    raw = os.environ.get(name, "").strip()
    if raw not in ("", "0", "1"):
        raise InputError(f"{name} must be 1 (yes) or 0 (no), not {raw!r}.")
    return raw == "1"


def _url(name: str, default: str) -> str:
    """An endpoint from the environment: http(s) with a host, without a trailing slash."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip()
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018  # a port that is not a number raises here
    except ValueError:
        ok = False
    if not ok:
        raise InputError(
            f"{name} must be an http(s) URL with a host, such as {default}, not {raw!r}."
        )
    return value.rstrip("/")


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
    max_bytes: int = DEFAULT_MAX_BYTES
    """The largest answer read from upstream; a larger one fails its IDs."""
    max_wait: float = 60.0
    """The longest ``Retry-After`` waited for; a longer one is reported as a rate limit."""
    allow_private_network: bool = False
    """Whether URLs from a list may reach loopback, private and other non-public
    addresses (see :mod:`alignfetch.addresses`); ``ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1``."""
    s2_url: str = DEFAULT_S2_URL
    """Semantic Scholar's Academic Graph API (``ALIGNFETCH_S2_URL``)."""
    s2_delay: float = 1.0
    """Seconds between two Semantic Scholar requests (one a second, its public limit)."""
    s2_api_key: str | None = field(default=None, repr=False)
    """``S2_API_KEY``, sent as ``x-api-key``; never stored, printed or exported."""
    openalex_url: str = DEFAULT_OPENALEX_URL
    """OpenAlex's API (``ALIGNFETCH_OPENALEX_URL``)."""
    openalex_api_key: str | None = field(default=None, repr=False)
    """``OPENALEX_API_KEY``, sent as its ``api_key`` parameter."""
    openalex_mailto: str | None = None
    """``OPENALEX_MAILTO``: the address OpenAlex's polite pool asks for."""

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            arxiv_url=_url("ALIGNFETCH_ARXIV_URL", DEFAULT_ARXIV_URL),
            arxiv_delay=_float("ALIGNFETCH_ARXIV_DELAY", 3.0),
            timeout=_float("ALIGNFETCH_TIMEOUT", 30.0, positive=True),
            retries=_int("ALIGNFETCH_RETRIES", 4),
            backoff=_float("ALIGNFETCH_BACKOFF", 1.0),
            github_url=_url("ALIGNFETCH_GITHUB_URL", DEFAULT_GITHUB_URL),
            hf_endpoint=_url("HF_ENDPOINT", DEFAULT_HF_ENDPOINT),
            github_token=env.get("GITHUB_TOKEN") or None,
            hf_token=env.get("HF_TOKEN") or None,
            lock_timeout=_float("ALIGNFETCH_LOCK_TIMEOUT", 120.0),
            arxiv_rss_url=_url("ALIGNFETCH_ARXIV_RSS_URL", DEFAULT_ARXIV_RSS_URL),
            max_bytes=_bytes("ALIGNFETCH_MAX_BYTES", DEFAULT_MAX_BYTES),
            max_wait=_float("ALIGNFETCH_MAX_WAIT", 60.0),
            allow_private_network=_flag("ALIGNFETCH_ALLOW_PRIVATE_NETWORK"),
            s2_url=_url("ALIGNFETCH_S2_URL", DEFAULT_S2_URL),
            s2_delay=_float("ALIGNFETCH_S2_DELAY", 1.0),
            s2_api_key=env.get("S2_API_KEY") or None,
            openalex_url=_url("ALIGNFETCH_OPENALEX_URL", DEFAULT_OPENALEX_URL),
            openalex_api_key=env.get("OPENALEX_API_KEY") or None,
            openalex_mailto=env.get("OPENALEX_MAILTO") or None,
        )
