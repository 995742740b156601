"""arXiv: papers by ID, through the ``arxiv`` package's client.

Three layers: :func:`parse_id` (pure, in :mod:`alignfetch.sources.arxiv_ids`; every form
a maintainer pastes to one canonical ID), :func:`fetch` (one request per 2,000 IDs by
POST, or per 100 by GET when POST is refused; paced and polite), and :func:`convert`
(pure; an ``arxiv.Result`` to a :class:`~alignfetch.records.Paper`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.records import Author, Paper
from alignfetch.sources.arxiv_feed import (
    doi,
    feed_problem,
    fingerprint,
    forget,
    parse_feed,
    raw_entries,
    split_version,
)
from alignfetch.sources.arxiv_ids import parse_id as parse_id  # the source's own, as all have

if TYPE_CHECKING:
    import arxiv as arxiv_pkg
    import requests
    from arxiv import _feed as arxiv_feed

    from alignfetch.sources import Confirmed, Outcome, Previous

NAME = "arXiv"
PREFIX = "arxiv"
FORMS = (
    "2305.01937 or 2305.01937v2",
    "arXiv:2305.01937",
    "hep-th/9901001 or math.GT/0309136",
    "https://arxiv.org/abs/2305.01937 (also /pdf/ and /html/ links)",
    "10.48550/arXiv.2305.01937 or https://doi.org/10.48550/arXiv.2305.01937",
    "https://huggingface.co/papers/2305.01937",
)
BATCH = 2000
"""IDs per request, asked by POST (``id_list`` in the form body, as arXiv's API manual
allows for long lists): arXiv's largest slice, so 10,000 papers cost 5 requests."""
GET_BATCH = 100
"""IDs per request when POST is refused: arXiv answers a longer GET URL with HTTP 414."""
REFUSALS = frozenset({301, 302, 303, 405, 411, 413, 414, 415})
"""Statuses that refuse the POST itself (the method, the body's length or encoding), not
the IDs: the rest of the run asks by GET. A 429 or 5xx is retried and fails as ever. A
301, 302 or 303 turns the POST into a GET without the form (307 and 308 keep it), whose
answer names no paper: a refusal too, or every paper of the batch would be missing."""

def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = " ".join(text.split())
    return cleaned or None


def convert(result: arxiv_pkg.Result) -> Paper:
    """An ``arxiv.Result`` as a normalized paper record."""
    key, version = split_version(result.entry_id.split("/abs/", 1)[1])
    categories = tuple(dict.fromkeys(result.categories))
    return Paper(
        id=f"{PREFIX}:{key}",
        version=version,
        title=_clean(result.title) or "",
        abstract=_clean(result.summary) or "",
        authors=tuple(
            Author(" ".join(a.name.split()), tuple(_clean(x) or "" for x in a.affiliation))
            for a in result.authors
        ),
        published=result.published.date().isoformat(),
        updated=result.updated.date().isoformat(),
        primary_category=result.primary_category or (categories[0] if categories else ""),
        categories=categories,
        comment=_clean(result.comment),
        journal_ref=_clean(result.journal_ref),
        doi=doi(result.doi),  # a field that is no DOI is dropped, the paper kept
        url=f"https://arxiv.org/abs/{key}",
        pdf_url=f"https://arxiv.org/pdf/{key}",
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``<entry>`` of an answer as sent: its XML (the raw payload) and its
    :func:`fingerprint`, by canonical key."""

    xml: str
    etag: str | None
    """None for a paper the answer holds twice (which entry made its record is not known)."""


@dataclass(frozen=True, slots=True)
class Same:
    """A result of :func:`read_papers`: the entry of ``key`` is, byte for byte and read by
    the same code, the one the cached record was made of (so it was not read again)."""

    key: str


def read_papers(
    content: bytes,
    known: Mapping[str, str] | None = None,
    entries: dict[str, Entry] | None = None,
) -> arxiv_feed.ParsedFeed:
    """An arXiv API feed as :func:`parse_feed` reads it, each result already the paper
    :func:`convert` makes of it (None for an entry whose ID names no paper: the classic
    API's placeholder or error entries).

    The same entries, skipped and failing alike (a test compares the two on every
    recorded feed), without an ``arxiv.Result``, its links and authors made for each
    of thousands of papers only to be read once and dropped: that was most of the
    time a refresh spent on arXiv's answers.

    With ``entries``, each paper's entry is put there (:class:`Entry`), and an entry
    whose fingerprint is the one ``known`` holds for its key is not read at all: its
    result is :class:`Same` (a warm refresh's papers, nearly all unchanged, cost a
    digest each instead of a reading). Only a feed :func:`feed_problem` vouched for is
    fingerprinted, and no paper it holds twice.
    """
    from arxiv import _feed as arxiv_feed

    from alignfetch.sources.arxiv_feed import _tree, feed_header

    root = _tree(content)
    if root is None:  # not a feed feed_problem vouched for: the exact way
        feed = parse_feed(content)
        feed.results = [convert(r) if "/abs/" in r.entry_id else None for r in feed.results]
        if entries is not None:  # kept, not known by a fingerprint (the usual way is above)
            entries.update(
                (key, Entry(xml, None)) for key, xml in raw_entries([("", content)]).items()
            )
        return feed
    papers, twice = _papers(root, known or {}, entries)
    if twice and known and not twice.isdisjoint(known):
        # One paper twice in one answer: which entry made its record cannot be told, so
        # neither is taken as the one the cached record was made of.
        papers, _ = _papers(root, {k: v for k, v in known.items() if k not in twice}, entries)
    if entries is not None:
        for key in twice & entries.keys():
            entries[key] = Entry(entries[key].xml, None)
    return arxiv_feed.ParsedFeed(header=feed_header(root), results=papers, malformed=False)


def _papers(
    root: Any, known: Mapping[str, str], entries: dict[str, Entry] | None
) -> tuple[list[Paper | Same | None], set[str]]:
    """:func:`read_papers`' results of a vouched-for feed's tree, and the keys of the papers
    it holds more than once (counted only with ``entries``)."""
    from arxiv import _feed as arxiv_feed

    from alignfetch.sources.arxiv_feed import entry_parts

    if entries is not None:
        from lxml.etree import tostring
    stamp = arxiv_feed._parse_datetime
    papers: list[Paper | Same | None] = []
    seen: set[str] = set()
    twice: set[str] = set()
    for entry in root.iterchildren(_ENTRY):
        if entries is not None:
            entry_id = entry.findtext(_ID_TAG)  # the first, as entry_parts reads it
            if entry_id and "/abs/" in entry_id:
                key = split_version(entry_id.split("/abs/", 1)[1])[0]
                if key in seen:
                    twice.add(key)
                seen.add(key)
                xml = tostring(entry, encoding="unicode", with_tail=False)
                entries[key] = Entry(xml, etag := fingerprint(xml))
                if known.get(key) == etag:
                    # Read before by this same code, it passed every test below.
                    papers.append(Same(key))
                    continue
        text, people, _, categories, primary = entry_parts(entry)
        authors = [
            Author(" ".join((name or "").split()), tuple(_clean(a) or "" for a in affiliations))
            for name, affiliations in people
        ]
        entry_id = text.get(_ID_TAG)
        updated = stamp(text.get(_UPDATED))
        published = stamp(text.get(_PUBLISHED))
        if not entry_id or updated is None or published is None:
            continue  # as parse_feed does
        if "/abs/" not in entry_id:
            papers.append(None)
            continue
        key, version = split_version(entry_id.split("/abs/", 1)[1])
        unique = tuple(dict.fromkeys(categories))
        papers.append(
            Paper(
                id=f"{PREFIX}:{key}",
                version=version,
                title=_clean(_SPACES.sub(" ", text.get(_TITLE) or "")) or "",
                abstract=_clean(text.get(_SUMMARY) or "") or "",
                authors=tuple(authors),
                published=published.date().isoformat(),
                updated=updated.date().isoformat(),
                primary_category=primary or (unique[0] if unique else ""),
                categories=unique,
                comment=_clean(text.get(_COMMENT)),
                journal_ref=_clean(text.get(_JOURNAL_REF)),
                doi=doi(text.get(_DOI_TAG)),
                url=f"https://arxiv.org/abs/{key}",
                pdf_url=f"https://arxiv.org/pdf/{key}",
            )
        )
    return papers, twice


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_ENTRY = f"{_ATOM}entry"
_ID_TAG = f"{_ATOM}id"
_UPDATED = f"{_ATOM}updated"
_PUBLISHED = f"{_ATOM}published"
_TITLE = f"{_ATOM}title"
_SUMMARY = f"{_ATOM}summary"
_COMMENT = f"{_ARXIV}comment"
_JOURNAL_REF = f"{_ARXIV}journal_ref"
_DOI_TAG = f"{_ARXIV}doi"
_SPACES = re.compile(r"\s+")


@dataclass
class Run:
    """What one run has learnt of arXiv: once it refuses a POST, the rest of the run
    asks by GET, and :attr:`note` says so (once)."""

    note: str | None = None


_RUN: ContextVar[Run | None] = ContextVar("alignfetch_arxiv_run", default=None)


@contextmanager
def run() -> Iterator[Run]:
    """One run's calls of :func:`fetch` (the pipeline's chunks): a POST refused in one
    is not tried again in the next. Without it, each call is a run of its own."""
    state = Run()
    token = _RUN.set(state)
    try:
        yield state
    finally:
        _RUN.reset(token)


def fetch(
    keys: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    sealed: Mapping[str, str] | None = None,
) -> dict[str, Outcome | Confirmed]:
    """Fetch papers by canonical key, ``BATCH`` per request by POST (``GET_BATCH`` by
    GET once arXiv refuses POST, for the rest of the :func:`run`).

    An ID arXiv does not return is asked for once more (arXiv sometimes drops
    results), then reported as not found. ``sealed`` holds the fingerprints of cached
    papers whose records were not read (a refresh's :class:`~alignfetch.cache.rows.Seal`):
    an entry that matches one is :class:`~alignfetch.sources.Confirmed`.
    """
    # The fingerprint each cached paper was stored with: an entry that matches is not read.
    known = {
        k: p.etag
        for k, p in previous.items()
        if p.etag is not None and isinstance(p.record, Paper) and p.record.id == f"{PREFIX}:{k}"
    }
    for key, etag in (sealed or {}).items():
        known.setdefault(key, etag)
    client = _Client(settings, _RUN.get() or Run(), previous, known)
    found: dict[str, Outcome | Confirmed] = {}
    for chunk in _chunks(list(dict.fromkeys(keys)), BATCH):
        found.update(client.ask(chunk))
    missing = [k for k in keys if k not in found]
    for chunk in _chunks(missing, BATCH):
        found.update(client.ask(chunk))
    for key in keys:
        if key not in found:
            found[key] = NotFoundError(
                f"arxiv:{key} does not exist on arXiv; check the ID.",
                source=NAME,
                ids=(key,),
                url=f"https://arxiv.org/abs/{key}",
            )
    return found


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class _Refused(Exception):
    """arXiv (or a proxy before it) refused the POST itself, with this status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Client:
    """The ``arxiv`` package's client on our session, keeping the raw entries."""

    def __init__(
        self,
        settings: Settings,
        state: Run,
        previous: Mapping[str, Previous] | None = None,
        known: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings
        self._state = state
        self._previous = previous or {}
        self._client = _client_class()(
            page_size=BATCH, delay_seconds=settings.arxiv_delay, num_retries=0
        )
        self._client.query_url_format = settings.arxiv_url + "?{}"
        self._client.known = known or {}
        # The package takes no session, timeout or headers; its private ``_session``
        # is the one place every request it sends passes through (arxiv>=4,<5 is
        # pinned, and tests/test_faults.py checks that the hook still holds).
        self._client._session = _session(settings)

    def ask(self, keys: list[str]) -> dict[str, Outcome | Confirmed]:
        """``keys`` (at most ``BATCH``) in one POST; by GET, ``GET_BATCH`` a request, once
        arXiv has refused a POST in this run."""
        if self._state.note is None:
            try:
                return self.query(keys, post=True)
            except _Refused as err:
                self._state.note = (
                    f"arXiv refused a request by POST (HTTP {err.status}), so this run asked "
                    f"by GET, {GET_BATCH} papers a request instead of {BATCH}; the next run "
                    "tries POST again."
                )
        found: dict[str, Outcome | Confirmed] = {}
        for chunk in _chunks(keys, GET_BATCH):
            found.update(self.query(chunk, post=False))
        return found

    def query(self, keys: list[str], *, post: bool) -> dict[str, Outcome | Confirmed]:
        import arxiv as arxiv_pkg
        import requests

        from alignfetch.sources import Confirmed, Fetched

        entries: dict[str, Entry] = {}
        self._client.entries = entries
        self._client.post = post
        self._client.page_size = BATCH if post else GET_BATCH
        search = arxiv_pkg.Search(id_list=keys, max_results=len(keys))
        results: list[Paper | Same | None] = []  # read_papers' results
        try:
            results.extend(self._client.results(search))
        except arxiv_pkg.UnexpectedEmptyPageError:
            pass  # the classic API overstates totalResults; what came is all there is
        except arxiv_pkg.HTTPError as err:
            if post and err.status in REFUSALS:
                raise _Refused(err.status) from None
            raise self._http_error(err.status, keys, err.url) from None
        except net.WaitTooLong as err:
            raise RateLimitError(
                f"arXiv {err.reason}, longer than ALIGNFETCH_MAX_WAIT "
                f"({self._settings.max_wait:g} seconds); try again later.",
                source=NAME,
                ids=tuple(keys),
                url=self._settings.arxiv_url,
                status=err.status,
            ) from None
        except net.InvalidBody as err:
            raise self._error(
                f"arXiv's answer was not a valid feed ({err.reason}){err.after}; try again later.",
                keys,
            ) from None
        except net.TooLarge:
            raise self._error(
                f"arXiv's answer was larger than ALIGNFETCH_MAX_BYTES "
                f"({self._settings.max_bytes} bytes) and was not read; try again later.",
                keys,
            ) from None
        except net.TimedOut:
            raise self._error(
                f"arXiv did not answer within {self._settings.timeout:g} seconds; "
                "try again later or raise ALIGNFETCH_TIMEOUT.",
                keys,
            ) from None
        except net.BrokenAnswer as err:
            raise self._error(
                f"arXiv broke off its answer{err.after}; try again later.", keys
            ) from None
        except net.Unreachable as err:
            raise self._error(
                f"arXiv could not be reached at {self._settings.arxiv_url} ({err.reason})"
                f"{err.after}; check the network or ALIGNFETCH_ARXIV_URL.",
                keys,
            ) from None
        except requests.exceptions.TooManyRedirects:
            raise self._error(
                f"arXiv redirected the request more than {net.MAX_REDIRECTS} times; "
                "check ALIGNFETCH_ARXIV_URL.",
                keys,
            ) from None
        except (ValueError, TypeError) as err:  # the package's parser met something odd
            raise self._error(
                f"arXiv sent a feed alignfetch could not read ({_reason(err)}); try again later.",
                keys,
            ) from None
        except requests.exceptions.RequestException as err:
            raise self._error(
                f"arXiv could not be reached at {self._settings.arxiv_url} ({_reason(err)}); "
                "check the network or ALIGNFETCH_ARXIV_URL.",
                keys,
            ) from None
        forget()  # the feed's tree: read, and cut into entries
        wanted = set(keys)
        out: dict[str, Outcome | Confirmed] = {}
        for paper in results:
            if paper is None:
                continue  # the classic API's placeholder or error entries
            if isinstance(paper, Same):
                if paper.key in wanted and paper.key not in self._previous:
                    out[paper.key] = Confirmed(f"{PREFIX}:{paper.key}")  # sealed: not read
                elif paper.key in wanted:
                    entry = entries[paper.key]
                    out[paper.key] = Fetched(
                        record=self._previous[paper.key].record,
                        raw=entry.xml,
                        url=self.url(paper.key),
                        etag=entry.etag,
                        unchanged=True,
                    )
                continue
            key = paper.id.split(":", 1)[1]
            if key not in wanted:
                continue
            if not paper.title:
                # Every paper has a title: an entry without one is a broken answer,
                # and must not replace the record the cache holds.
                out[key] = self._error(
                    f"arXiv's entry for arxiv:{key} has no title; try again later.", [key]
                )
                continue
            sent = entries.get(key)
            out[key] = Fetched(
                record=paper,
                raw=sent.xml if sent is not None else "",
                url=self.url(key),
                etag=sent.etag if sent is not None else None,
            )
        return out

    def url(self, key: str) -> str:
        """The query that answers for ``key`` alone: its record's source URL.

        Not the batch's query, which names up to 2,000 IDs (a hundred, by GET, took
        more than a third of a cache kept with each of nine thousand papers).
        """
        return f"{self._settings.arxiv_url}?id_list={key}"  # a canonical key needs no quoting

    def _error(self, message: str, keys: list[str]) -> SourceError:
        return SourceError(message, source=NAME, ids=tuple(keys), url=self._settings.arxiv_url)

    def _http_error(self, status: int, keys: list[str], url: str) -> SourceError:
        ids = tuple(keys)
        shown = ", ".join(f"arxiv:{k}" for k in keys[:5]) + (" ..." if len(keys) > 5 else "")
        if status == 400:
            return SourceError(
                f"arXiv rejected the request as malformed (HTTP 400) for {shown}; check the IDs.",
                source=NAME,
                ids=ids,
                url=url,
                status=status,
            )
        if status == 414:
            return SourceError(
                "arXiv refused a request that was too long (HTTP 414); this is a bug in "
                "alignfetch's batching, please report it.",
                source=NAME,
                ids=ids,
                url=url,
                status=status,
            )
        if status in (429, 503):
            what = "is rate-limiting requests" if status == 429 else "is unavailable"
            return RateLimitError(
                f"arXiv {what} (HTTP {status}) after {self._settings.retries + 1} attempts; "
                "wait a few minutes and try again.",
                source=NAME,
                ids=ids,
                url=url,
                status=status,
            )
        return SourceError(
            f"arXiv answered HTTP {status}; try again later.",
            source=NAME,
            ids=ids,
            url=url,
            status=status,
        )


@cache
def _client_class() -> type[arxiv_pkg.Client]:
    """``arxiv.Client``, asking arXiv as it does, reading the feed in one pass.

    The package builds each page's URL, pages through the results and sends the
    request (through our session); only its feed parser is replaced, by
    :func:`parse_feed`, which gives the same ``arxiv.Result`` objects some five
    times faster (it was most of a refresh's time with arXiv). ``_parse_feed`` is
    the package's seam between the two (arxiv>=4,<5 is pinned; tests/test_net.py
    and tests/test_arxiv_source.py check that it still holds).
    """
    import arxiv as arxiv_pkg

    class Client(arxiv_pkg.Client):  # type: ignore[misc]  # the package is untyped
        post = False
        """Whether to send the query as a POSTed form (to the bare URL) instead of a GET."""
        known: Mapping[str, str] = {}
        """The fingerprints of the cached papers (:func:`read_papers`)."""
        entries: dict[str, Entry] | None = None
        """The entries of the query's answers, by key (each query sets its own dict; none
        is shared between clients)."""

        def _parse_feed(
            self, url: str, first_page: bool = True, _try_index: int = 0
        ) -> arxiv_feed.ParsedFeed:
            # As the package's own: one request (num_retries is 0; our session paces
            # and retries it), an error for a status other than 200, and for an empty
            # page after the first. By POST, the package's query string is the form
            # body, already encoded; an error names the bare URL (a 2,000-ID query
            # string would be most of every failed paper's error).
            headers = {"user-agent": arxiv_pkg._USER_AGENT}
            if self.post:
                url, _, form = url.rpartition("?")
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                resp = self._session.post(url, data=form.encode("ascii"), headers=headers)
                if resp.history and resp.request.method != "POST":
                    raise arxiv_pkg.HTTPError(url, _try_index, resp.history[0].status_code)
            else:
                resp = self._session.get(url, headers=headers)
            self._last_request_dt = datetime.now()
            if resp.status_code != 200:
                raise arxiv_pkg.HTTPError(url, _try_index, resp.status_code)
            feed = read_papers(resp.content, self.known, self.entries)
            if not feed.results and not first_page:
                raise arxiv_pkg.UnexpectedEmptyPageError(url, _try_index, feed)
            return feed

    return Client


_SESSIONS: dict[Settings, requests.Session] = {}


def _session(settings: Settings) -> requests.Session:
    """One session (one connection) per settings for the whole process, paced by the
    process-wide arXiv pacer: one request per ``arxiv_delay``, retries included."""
    if settings not in _SESSIONS:
        from alignfetch.http import client

        _SESSIONS[settings] = client.session(
            settings,
            NAME,
            pacer=net.pacer(PREFIX, settings.arxiv_delay),
            validate=feed_problem,
        )
    return _SESSIONS[settings]


def _reason(err: Exception) -> str:
    """What went wrong, as a message may say it (an exception's text may quote the feed)."""
    from alignfetch.records import strip_controls

    text = " ".join(strip_controls(str(err)).split())
    return text if len(text) < 120 else type(err).__name__
