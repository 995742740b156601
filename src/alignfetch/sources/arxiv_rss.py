"""arXiv's daily announcement feeds (``https://rss.arxiv.org/rss/cs.CL+cs.LG``).

Not a kind of entry: it feeds ``discover`` with what arXiv announced today. Three
layers as every source: :func:`feed_url` and :func:`check_category` (pure),
:func:`fetch` (one polite request through :func:`alignfetch.net.session`; the
bytes go to ``feedparser``, which is never let fetch a URL itself, as it has no
timeout) and :func:`convert` (pure: feed bytes to :class:`Announcement`\\ s).

arXiv publishes no announcements on weekends and holidays: an empty channel is
an empty listing, not an error. A body that is not a well-formed RSS feed is.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from alignfetch.errors import InputError, SourceError
from alignfetch.sources import arxiv as arxiv_source

if TYPE_CHECKING:
    from alignfetch.config import Settings

NAME = "arXiv listings"
KEEP = frozenset({"new", "cross"})
"""Announcement types that are papers new to this listing; ``replace`` and
``replace-cross`` are new versions of older papers."""
_CATEGORY = re.compile(r"[a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?")
_DESCRIPTION = re.compile(
    r"\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?", re.ASCII
)


@dataclass(frozen=True)
class Announcement:
    """One item of a listing: a paper, and why arXiv announced it today."""

    id: str
    """Canonical ID, ``arxiv:2604.22002``."""
    version: int
    announce_type: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    announced: str | None
    """The announcement's date, ``YYYY-MM-DD``."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["categories"] = list(self.categories)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Announcement:
        return cls(
            **{**data, "authors": tuple(data["authors"]), "categories": tuple(data["categories"])}
        )


def check_category(text: str) -> str:
    """``text`` if it is an arXiv category or archive (``cs.CL``, ``stat.ML``, ``hep-th``)."""
    if not _CATEGORY.fullmatch(text):
        raise InputError(
            f"{text!r} is not an arXiv category; give one such as cs.CL, cs.LG or stat.ML."
        )
    return text


def feed_url(settings: Settings, categories: list[str]) -> str:
    """One feed for all ``categories``: arXiv joins them with ``+``."""
    return f"{settings.arxiv_rss_url}/{'+'.join(check_category(c) for c in categories)}"


def fetch(url: str, settings: Settings) -> bytes:
    """The feed's bytes: one request, with our timeout, User-Agent and back-off, paced
    with every other request to arXiv."""
    import requests

    from alignfetch.http import client
    from alignfetch.http import policy as net

    session = client.session(settings, NAME, pacer=net.pacer("arxiv", settings.arxiv_delay))
    try:
        response = session.get(url)
    except net.TimedOut:
        raise SourceError(
            f"arXiv's listing {url} did not answer within {settings.timeout:g} seconds; "
            "try again later or raise ALIGNFETCH_TIMEOUT.",
            source=NAME,
            url=url,
        ) from None
    except net.WaitTooLong as err:
        raise SourceError(
            f"arXiv's listing {url} {err.reason}, longer than ALIGNFETCH_MAX_WAIT "
            f"({settings.max_wait:g} seconds); try again later.",
            source=NAME,
            url=url,
            status=err.status,
        ) from None
    except net.NetError as err:
        raise SourceError(
            f"arXiv's listing {url} could not be read ({err.reason}); check the "
            "network or ALIGNFETCH_ARXIV_RSS_URL, or try again later.",
            source=NAME,
            url=url,
        ) from None
    except requests.TooManyRedirects:
        raise SourceError(
            f"arXiv's listing {url} redirected more than {net.MAX_REDIRECTS} times (a redirect "
            "loop); check ALIGNFETCH_ARXIV_RSS_URL or try again later.",
            source=NAME,
            url=url,
        ) from None
    except (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema, ValueError):
        # Raised by requests itself, not through our transport: the URL, or a redirect's
        # Location, is no http(s) URL (ftp:, javascript:, a malformed host; InvalidURL is
        # a ValueError). Not a traceback, and not the end of the Hub's daily papers either.
        raise SourceError(
            f"arXiv's listing {url} could not be read (it is, or redirects to, an address "
            "that is not an http(s) URL); check ALIGNFETCH_ARXIV_RSS_URL or try again later.",
            source=NAME,
            url=url,
        ) from None
    except requests.RequestException as err:
        raise SourceError(
            f"arXiv's listing {url} could not be read ({type(err).__name__}); check "
            "ALIGNFETCH_ARXIV_RSS_URL or try again later.",
            source=NAME,
            url=url,
        ) from None
    finally:
        session.close()
    if response.status_code != 200:
        raise SourceError(
            f"arXiv's listing {url} answered HTTP {response.status_code}; check the categories "
            "or try again later.",
            source=NAME,
            url=url,
            status=response.status_code,
        )
    return response.content


def convert(data: bytes, url: str) -> list[Announcement]:
    """The items of a feed, in feed order; an empty channel is an empty list."""
    import feedparser

    parsed = feedparser.parse(data)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride):
        raise SourceError(
            f"arXiv's listing {url} is not a well-formed feed ({_first_line(problem)}); "
            "try again later.",
            source=NAME,
            url=url,
        )
    if not str(parsed.get("version", "")).startswith("rss"):
        raise SourceError(
            f"arXiv's listing {url} is not an RSS feed; check the categories and "
            "ALIGNFETCH_ARXIV_RSS_URL.",
            source=NAME,
            url=url,
        )
    out: dict[str, Announcement] = {}
    for entry in parsed.entries:
        item = _announcement(entry, url)
        out.setdefault(item.id, item)  # one paper under several categories: once
    return list(out.values())


def _announcement(entry: Mapping[str, Any], url: str) -> Announcement:
    description = str(entry.get("summary", ""))
    m = _DESCRIPTION.match(description)
    ident = None
    for text in (entry.get("id", ""), entry.get("link", ""), m["id"] if m else ""):
        text = str(text).removeprefix("oai:arXiv.org:")
        if text and (key := arxiv_source.parse_id(text)) is not None:
            ident = (key, _version(text))
            break
    if ident is None:
        raise SourceError(
            f"arXiv's listing {url} has an item with no arXiv ID "
            f"({str(entry.get('title', ''))[:60]!r}); try again later.",
            source=NAME,
            url=url,
        )
    kind = str(entry.get("arxiv_announce_type") or (m["type"] if m else "")).strip().lower()
    abstract = description[m.end() :] if m else description
    stamp = entry.get("published_parsed")
    return Announcement(
        id=f"arxiv:{ident[0]}",
        version=ident[1],
        announce_type=kind or "new",
        title=_spaces(str(entry.get("title", ""))),
        authors=split_authors(str(entry.get("author", ""))),
        abstract=_spaces(abstract),
        categories=tuple(
            dict.fromkeys(str(t["term"]) for t in entry.get("tags", []) if t.get("term"))
        ),
        announced=time.strftime("%Y-%m-%d", stamp) if stamp else None,
    )


def split_authors(creator: str) -> tuple[str, ...]:
    """Names from ``dc:creator``: comma-separated, affiliations in parentheses dropped
    (they hold commas of their own)."""
    names: list[str] = []
    depth, current = 0, ""
    for ch in creator + ",":
        if ch in "()":
            depth = depth + 1 if ch == "(" else max(0, depth - 1)
        elif depth:
            continue
        elif ch == ",":
            if name := _spaces(current):
                names.append(name)
            current = ""
        else:
            current += ch
    return tuple(names)


def _version(text: str) -> int:
    m = re.search(r"v(\d+)$", text.strip())
    return int(m[1]) if m else 1


def _spaces(text: str) -> str:
    return " ".join(text.split())


def _first_line(err: object) -> str:
    return str(err).splitlines()[0] if str(err) else type(err).__name__
