"""Semantic Scholar (Academic Graph API): where an arXiv paper was published, and its
citation counts.

Not a kind of entry: it enriches paper entries, as :mod:`~alignfetch.sources.hf_papers`
does. Three layers as every source: :func:`parse_id` (pure; a record ID back to its
arXiv key), :func:`fetch` (``POST {s2_url}/paper/batch``, at most :data:`BATCH` IDs a
request, one request per ``s2_delay`` seconds) and :func:`convert` (pure; one item of
the batch to a :class:`~alignfetch.records.Scholarly`, its venue by
:func:`~alignfetch.sources.venues.venue_of`).

The ``semanticscholar`` package is not used: it sends through an ``httpx`` client of
its own (no session or transport to hand it), so none of the one HTTP policy (size
cap, deadlines, User-Agent, pacing) would hold, and it retries a 429 ten times over
minutes by itself. The batch is one POST; it goes through :mod:`alignfetch.http`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.records import Scholarly, strip_controls
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import github_checks
from alignfetch.sources.venues import venue_of

if TYPE_CHECKING:
    import requests

    from alignfetch.sources import Outcome, Previous

NAME = "Semantic Scholar"
PREFIX = "s2"
FORMS: tuple[str, ...] = ()
"""None: no entry is an s2: ID; paper entries are looked up by their arXiv key."""
BATCH = 500
"""IDs per request: the most ``/paper/batch`` takes."""
FIELDS = (
    "venue,publicationVenue,journal,year,publicationTypes,externalIds,"
    "citationCount,influentialCitationCount"
)
KEY_LABEL = "[S2_API_KEY]"
"""What the API key is replaced with wherever an answer echoed it."""
ARXIV_DOI = "10.48550/"
"""arXiv's own DOIs: not the published version's."""


def parse_id(text: str) -> str | None:
    """The arXiv key of a record ID ``s2:<arXiv ID>``, or None."""
    if not text.startswith(f"{PREFIX}:"):
        return None
    return arxiv_source.parse_id(text[len(PREFIX) + 1 :])


# -- conversion (pure) ------------------------------------------------------------


def convert(item: Mapping[str, Any] | None, key: str) -> Scholarly:
    """One item of a batch answer as the record of arXiv ``key``; ``None`` (Semantic
    Scholar does not know the paper) is a record with ``found=False``.

    Raises TypeError when a field is not of the type the API documents (a number where
    a list belongs): a record of such an answer would hold junk.
    """
    rid = f"{PREFIX}:{key}"
    if item is None:
        return Scholarly(id=rid, found=False)
    if not isinstance(item, Mapping):
        raise TypeError("not a paper object")
    ids = _typed(item, "externalIds", Mapping) or {}
    pv = _typed(item, "publicationVenue", Mapping)
    venue_text = _typed(item, "venue", str)
    _typed(item, "journal", Mapping)
    types = _typed(item, "publicationTypes", list) or []
    asked = _typed(ids, "ArXiv", str)
    if asked is not None and arxiv_source.parse_id(asked) != key:
        # The list is in the order asked: another paper here means the order is off.
        raise TypeError(f"the item is arXiv {asked}, not {key}")
    venue = venue_of(item)
    name = _clean(pv.get("name")) if pv else None
    doi = _clean(_typed(ids, "DOI", str))
    return Scholarly(
        id=rid,
        found=True,
        venue=_clean(venue),
        venue_name=(name or _clean(venue_text)) if venue else None,
        year=_number(item, "year"),
        publication_types=tuple(_clean(t) or "" for t in types if isinstance(t, str)),
        doi=doi if doi and not doi.lower().startswith(ARXIV_DOI) else None,
        dblp=_clean(_typed(ids, "DBLP", str)),
        acl=_clean(_typed(ids, "ACL", str)),
        citation_count=_number(item, "citationCount"),
        influential_citation_count=_number(item, "influentialCitationCount"),
    )


def _typed(item: Mapping[str, Any], name: str, kind: type) -> Any:
    """``item[name]`` when it is a ``kind`` or absent (None); TypeError otherwise."""
    value = item.get(name)
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"{name} is not a {kind.__name__}")
    return value


def _number(item: Mapping[str, Any], name: str) -> int | None:
    value = item.get(name)
    if value is not None and (type(value) is not int or value < 0):
        raise TypeError(f"{name} is not a count")
    return value


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(strip_controls(text).split()) or None


# -- fetching -----------------------------------------------------------------------


def fetch(
    keys: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    *,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """The record of each arXiv key (with or without its version), by record ID
    ``s2:<key>`` (the key without its version).

    :data:`BATCH` keys a request, paced by the process-wide pacer of ``s2_delay``. Every
    key gets an outcome: a failure is returned for its keys, not raised. A key that is
    no arXiv ID fails alone, unasked. After a rate limit or an unreachable service the
    later batches fail alike without asking. With ``deadline`` (``time.monotonic()``),
    the batches not started by then are left out of the result. No outcome holds
    ``S2_API_KEY`` (:func:`tokens.scrubbed`). ``previous`` is not used: the API has no
    conditional requests.
    """
    from alignfetch.sources import tokens

    client = _Client(settings)
    try:
        out = client.fetch(keys, deadline)
    finally:
        client.close()
    key = settings.s2_api_key
    return {k: tokens.scrubbed(o, key, KEY_LABEL) for k, o in out.items()}


def batch_problem(url: str, answer: net.Answer) -> str | None:
    """Why a 200 from ``/paper/batch`` is not a JSON list, or None (so that it is retried)."""
    return github_checks.json_shape(answer, list, "a list")


class _Client:
    """One fetch's session, and what it has learnt (a rate limit, an outage)."""

    def __init__(self, settings: Settings) -> None:
        from alignfetch.http import client

        self._settings = settings
        self._base = settings.s2_url.rstrip("/")
        self._read_last: tuple[bytes, Any] | None = None
        """The last answer :meth:`_valid` vouched for, and its JSON (not parsed again)."""
        self._session = client.session(
            settings, NAME, pacer=net.pacer(PREFIX, settings.s2_delay), validate=self._valid
        )
        self._session.headers["Accept"] = "application/json"
        if settings.s2_api_key:
            # requests drops no custom header on a redirect; the API does not redirect.
            self._session.headers["x-api-key"] = settings.s2_api_key
        self._stop: SourceError | None = None
        """Set when asking again is pointless: every later batch gets its like."""

    def close(self) -> None:
        self._session.close()

    def _valid(self, url: str, answer: net.Answer) -> str | None:
        """:func:`batch_problem`, keeping the JSON it read for :meth:`_read`."""
        problem, body = github_checks.json_read(answer, list, "a list")
        self._read_last = None if problem else (answer.body, body)
        return problem

    def url(self, key: str) -> str:
        """The request that answers for ``key`` alone: its record's source URL."""
        return f"{self._base}/paper/ARXIV:{key}?fields={FIELDS}"

    def fetch(self, keys: Sequence[str], deadline: float | None) -> dict[str, Outcome]:
        out: dict[str, Outcome] = {}
        # A dict keeps the keys' order and finds one at once (a list's ``in`` made a
        # refresh of 9,000 papers compare 40 million keys).
        wanted: dict[str, None] = {}
        for given in keys:
            key = arxiv_source.parse_id(given)
            if key is None:
                out[f"{PREFIX}:{given}"] = SourceError(
                    f"{given!r} is not an arXiv ID, so Semantic Scholar was not asked for it.",
                    source=NAME,
                    ids=(given,),
                )
            else:
                wanted[key] = None
        unique = list(wanted)
        for start in range(0, len(unique), BATCH):
            chunk = unique[start : start + BATCH]
            if self._stop is not None:
                out.update((f"{PREFIX}:{k}", self._like(self._stop, k)) for k in chunk)
                continue
            if deadline is not None and time.monotonic() >= deadline:
                break
            out.update(self._ask(chunk))
        return out

    def _ask(self, chunk: list[str]) -> dict[str, Outcome]:
        import requests

        url = f"{self._base}/paper/batch"
        s = self._settings
        try:
            response = self._session.post(
                url, params={"fields": FIELDS}, json={"ids": [f"ARXIV:{k}" for k in chunk]}
            )
        except net.TimedOut:
            return self._fail(
                SourceError,
                lambda _: (
                    f"Semantic Scholar did not answer within {s.timeout:g} seconds; "
                    "try again later or raise ALIGNFETCH_TIMEOUT."
                ),
                chunk,
            )
        except net.Unreachable as err:
            return self._halt(
                SourceError,
                f"Semantic Scholar could not be reached at {self._base} ({err.reason}); "
                "check the network or ALIGNFETCH_S2_URL.",
                chunk,
            )
        except net.WaitTooLong as err:
            return self._halt(
                RateLimitError,
                f"Semantic Scholar {err.reason}, longer than ALIGNFETCH_MAX_WAIT "
                f"({s.max_wait:g} seconds); try again later.",
                chunk,
                err.status,
            )
        except net.InvalidBody as err:
            why = err.reason
            return self._fail(
                SourceError,
                lambda ident: (
                    f"Semantic Scholar's answer for {ident} is not a list of papers ({why}); "
                    "check ALIGNFETCH_S2_URL, or try again later."
                ),
                chunk,
                200,
            )
        except net.TooLarge:
            return self._fail(
                SourceError,
                lambda ident: (
                    f"Semantic Scholar's answer for {ident} was larger than "
                    f"ALIGNFETCH_MAX_BYTES ({s.max_bytes} bytes) and was not read; "
                    "try again later."
                ),
                chunk,
            )
        except net.NetError as err:  # broken off
            after = err.after
            return self._fail(
                SourceError,
                lambda ident: (
                    f"Semantic Scholar's answer for {ident} broke off{after}; try again later."
                ),
                chunk,
            )
        except requests.exceptions.TooManyRedirects:
            return self._halt(
                SourceError,
                f"Semantic Scholar redirected the request more than {net.MAX_REDIRECTS} "
                "times; check ALIGNFETCH_S2_URL.",
                chunk,
            )
        except requests.exceptions.RequestException as err:
            reason = type(err).__name__
            return self._fail(
                SourceError,
                lambda ident: (
                    f"The request to Semantic Scholar for {ident} failed ({reason}); "
                    "try again later."
                ),
                chunk,
            )
        if response.status_code != 200:
            return self._http_error(response, chunk)
        return self._read(response.content, chunk)

    def _read(self, content: bytes, chunk: list[str]) -> dict[str, Outcome]:
        """The batch's answer, one item per key in the order asked."""
        from alignfetch.sources import Fetched
        from alignfetch.stored import well_typed

        # Strictly UTF-8 as JSON is (the validator has checked it is a JSON list, and kept
        # what it read of this same answer).
        last, self._read_last = self._read_last, None
        body = last[1] if last is not None and last[0] == content else None
        if body is None:
            body = json.loads(content.decode("utf-8"))
        if len(body) != len(chunk):
            n = len(body)
            return self._fail(
                SourceError,
                lambda ident: (
                    f"Semantic Scholar's answer for {ident} holds {n} papers for "
                    f"{len(chunk)} IDs asked, so none can be matched; try again later."
                ),
                chunk,
                200,
            )
        out: dict[str, Outcome] = {}
        for key, item in zip(chunk, body, strict=True):
            try:
                record = convert(item, key)
                if not well_typed(record):
                    raise TypeError("a field of the wrong type")
            except (TypeError, ValueError, KeyError, AttributeError) as err:
                why = str(err) if isinstance(err, TypeError) else "not a paper object"
                out.update(self._fail(SourceError, _not_a_paper(why), [key], 200))
                continue
            raw = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            out[f"{PREFIX}:{key}"] = Fetched(record=record, raw=raw, url=self.url(key))
        return out

    def _http_error(self, response: requests.Response, chunk: list[str]) -> dict[str, Outcome]:
        status = response.status_code
        said = _message(response)
        detail = f"HTTP {status}: {said}" if said else f"HTTP {status}"
        keyed = bool(self._settings.s2_api_key)
        if status == 429:
            attempts = self._settings.retries + 1
            return self._halt(
                RateLimitError,
                f"Semantic Scholar refused the request as too many (HTTP 429) after {attempts} "
                "attempts; wait a few minutes and try again"
                + ("." if keyed else ", or set S2_API_KEY for a limit of your own."),
                chunk,
                status,
            )
        if status == 400:
            # Every key was checked as an arXiv ID before it was sent, so splitting the
            # batch to find the one refused would spend a request a second for nothing.
            return self._fail(
                SourceError,
                lambda ident: (
                    f"Semantic Scholar refused the batch that asked for {ident} ({detail}); "
                    "check the ID, or report this if it is a valid arXiv ID."
                ),
                chunk,
                status,
            )
        if status in (401, 403):
            return self._halt(
                SourceError,
                f"Semantic Scholar rejected S2_API_KEY ({detail}); renew it, or unset it to "
                "ask without one."
                if keyed
                else f"Semantic Scholar refused access ({detail}); try again later, or set "
                "S2_API_KEY.",
                chunk,
                status,
            )
        if status == 404:
            return self._halt(
                SourceError,
                f"Semantic Scholar has no batch endpoint at {self._base} (HTTP 404); "
                "check ALIGNFETCH_S2_URL.",
                chunk,
                status,
            )
        if status >= 500:
            failed = net.server_error("Semantic Scholar", status, self._settings.retries)
            return self._fail(SourceError, failed, chunk, status)
        return self._fail(
            SourceError,
            lambda ident: f"Semantic Scholar answered {ident} with {detail}; try again later.",
            chunk,
            status,
        )

    def _fail(
        self,
        kind: type[SourceError],
        message: Callable[[str], str],
        chunk: list[str],
        status: int | None = None,
    ) -> dict[str, Outcome]:
        """A failure for each key; ``message`` is given the paper's ID (``arxiv:…``)."""
        return {
            f"{PREFIX}:{k}": kind(
                message(f"arxiv:{k}"), source=NAME, ids=(k,), url=self.url(k), status=status
            )
            for k in chunk
        }

    def _halt(
        self,
        kind: type[SourceError],
        message: str,
        chunk: list[str],
        status: int | None = None,
    ) -> dict[str, Outcome]:
        """Fail these keys, and every later batch's without asking again."""
        self._stop = kind(
            message, source=NAME, ids=(), url=f"{self._base}/paper/batch", status=status
        )
        return {f"{PREFIX}:{k}": self._like(self._stop, k) for k in chunk}

    def _like(self, err: SourceError, key: str) -> SourceError:
        """A copy of ``err`` for ``key`` (callers may amend a message in place)."""
        return type(err)(
            err.message, source=err.source, ids=(key,), url=self.url(key), status=err.status
        )


def _not_a_paper(why: str) -> Callable[[str], str]:
    return lambda ident: (
        f"Semantic Scholar's answer for {ident} is not a paper ({why}); try again later."
    )


def _message(response: requests.Response) -> str:
    """Semantic Scholar's own words from an error body (``error`` or ``message``), short."""
    try:
        body = json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return ""
    text = None
    if isinstance(body, dict):
        text = next((v for k in ("error", "message") if isinstance(v := body.get(k), str)), None)
    if text is None:
        return ""
    text = " ".join(strip_controls(text).split()).rstrip(".")
    return text if len(text) <= 120 else text[:119] + "…"
