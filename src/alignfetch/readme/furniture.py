"""A page's furniture: links that are about the page or its people, never a work it lists.

A list's README links to its maintainers' social profiles, chat servers, newsletters and
sponsors, to a repository's issues or stargazers, and credits the template it was made
from. None of these is an entry: :func:`furniture` says why a link is one, and
:func:`credit` whether a block is a template's credit. :mod:`alignfetch.readme.reading`
skips such a link with its reason when it would make an entry of its own, and keeps it
as a link of the entry it sits in otherwise. The rules are narrow on purpose: a tweet, a
LinkedIn post, a Substack article or a single issue may be what an entry is about, so
only profiles, invitations, sign-up and sponsor pages and a repository's own pages count.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_PROFILE = "a social-media profile"
_CHAT = "a chat server's invitation"
_NEWSLETTER = "a newsletter's sign-up page"
_SPONSOR = "a sponsorship page"

_TWITTER = re.compile(r"(?:mobile\.)?(?:twitter|x)\.com")
_TWITTER_PAGES = re.compile(r"/(?:intent|share|hashtag|i)(?:/.*)?|/[A-Za-z0-9_]{1,15}/?")
"""A Twitter/X profile (``/name``) or a follow/share button; a ``/name/status/…`` tweet
is content and not matched."""
_CHATS = re.compile(
    r"(?:discord\.gg|discord\.com/invite|discordapp\.com/invite|t\.me|telegram\.me|"
    r"join\.slack\.com|[\w-]+\.slack\.com/join|chat\.whatsapp\.com)(?:/.*)?"
)
_LINKEDIN = re.compile(r"(?:[\w-]+\.)?linkedin\.com/(?:in|company|school)/[^/]+/?")
_NEWSLETTERS = re.compile(
    r"[\w-]+\.substack\.com(?:/|/subscribe.*|/about/?)?|substack\.com/@[^/]+/?|"
    r"[\w-]+\.beehiiv\.com(?:/|/subscribe.*)?|eepurl\.com/.*|mailchi\.mp/.*|"
    r"buttondown\.(?:email|com)/[^/]+/?"
)
_SPONSORS = re.compile(
    r"(?:github\.com/sponsors|opencollective\.com|patreon\.com|buymeacoffee\.com|"
    r"www\.buymeacoffee\.com|ko-fi\.com|liberapay\.com|paypal\.me)(?:/.*)?"
)
_REPO_PAGE = re.compile(
    r"github\.com/[^/]+/[^/]+/(?P<page>issues|pulls|stargazers|watchers|forks?|network|graphs|"
    r"compare)(?:/new|/members|/contributors|/[^/]*\.\.\.[^/]*)?/?"
)
"""A repository's issues, pulls, stargazers, forks... pages (a single issue is content)."""
_PAGE_NAMES = {"pulls": "pull requests", "forks": "fork", "network": "fork", "graphs": "graph"}

_CREDIT = re.compile(
    r"^\W*(?:this\s+|the\s+)?(?:readme\s+|list\s+|page\s+|awesome\s+)?template\s+(?:from|by)\b",
    re.IGNORECASE,
)


def furniture(url: str) -> str | None:
    """What page furniture the http(s) link ``url`` is (``a social-media profile``), or None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path
    where = host + path
    if _TWITTER.fullmatch(host) and _TWITTER_PAGES.fullmatch(path or "/"):
        return None if path in ("", "/") else _PROFILE
    if _CHATS.fullmatch(where):
        return _CHAT
    if _LINKEDIN.fullmatch(where):
        return _PROFILE
    if _NEWSLETTERS.fullmatch(where):
        return _NEWSLETTER
    if _SPONSORS.fullmatch(where):
        return _SPONSOR
    page = _REPO_PAGE.fullmatch(where)
    if page is not None:
        name = page["page"]
        return f"a repository's {_PAGE_NAMES.get(name, name)} page"
    return None


def credit(text: str) -> bool:
    """Whether the block text ``text`` credits the template the page was made from."""
    return _CREDIT.match(text) is not None
