"""GitHub: repositories, and folders inside them, through the REST API.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``GET /repos/{owner}/{repo}``
with conditional requests and redirects followed), and :func:`convert` (pure;
the API's JSON to a :class:`~alignfetch.records.Repo`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..config import Settings

if TYPE_CHECKING:
    from . import Outcome, Previous

NAME = "GitHub"
PREFIX = "gh"
FORMS = (
    "gh:owner/repo",
    "https://github.com/owner/repo",
    "https://github.com/owner/repo/tree/BRANCH/folder (a folder)",
)

_OWNER = r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})"
_REPO = r"(?P<repo>(?!\.\.?(?:/|$))[A-Za-z0-9._-]{1,100}?)"
_PATH = r"(?P<path>(?:[^/?#\s]+/)*[^/?#\s]+)"
_SHORT = re.compile(rf"gh:{_OWNER}/{_REPO}(?:/{_PATH})?/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?github\.com/{_OWNER}/{_REPO}(?:\.git)?"
    rf"(?:/(?:tree|blob)/[^/?#\s]+(?:/{_PATH})?)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
# First path segments of github.com that are pages, not owners.
_RESERVED = frozenset(
    "about apps collections customer-stories enterprise events explore features issues "
    "login marketplace new notifications orgs pricing pulls search settings site sponsors "
    "topics trending users".split()
)


def parse_id(text: str) -> str | None:
    """``owner/repo`` or ``owner/repo/path`` for ``text``, or None if it is not one."""
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            if m["owner"].lower() in _RESERVED or m["repo"].endswith(".git"):
                return None
            key = f"{m['owner']}/{m['repo']}"
            return f"{key}/{m['path']}" if m["path"] else key
    return None


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    raise NotImplementedError("being written")
