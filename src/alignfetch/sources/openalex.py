"""OpenAlex: the institutions of an arXiv paper's authors, and the one a list shows.

Not a kind of entry: it enriches paper entries, as the Hugging Face paper pages do.
Three layers as every source: :func:`parse_id` (pure; ``openalex:<arXiv key>``),
:func:`fetch` (``GET /works?filter=doi:a|b|…``, a hundred arXiv DOIs a request) and
:func:`convert` (pure; a Work object to an :class:`~alignfetch.records.Affiliations`).

Choices, with their reasons:

- **arXiv's DOIs** (``10.48550/arXiv.<key>``, registered with DataCite for every
  paper) name the preprint's own work in OpenAlex; a hundred of them fit one
  ``filter`` (OpenAlex's cap on OR-ed values, and on ``per-page``), so 1,000 papers
  cost 10 list requests, a tenth of a cent of the free key's daily dollar.
- **The displayed affiliation** is an institution's ``display_name`` as the
  authorships carry it. Their institutions are dehydrated (id, display_name, ror,
  country_code, type, lineage): acronyms and alternative names (``UCB``, ``UC
  Berkeley``) are only on ``/institutions``, another list request per hundred
  institutions, which would make 1,000 papers cost several times their 10 requests;
  and an acronym is no safer (``NTU`` is two universities). What OpenAlex does add
  that no list writes is the country in a company's name (``Google (United
  States)``): that is dropped (:func:`short_name`).
- **No client package.** ``pyalex`` builds its own ``requests`` session per call
  (urllib3 retries on https only, no timeout, no size cap, its own User-Agent) and
  takes none of ours; every request here goes through :mod:`alignfetch.http`'s
  session instead, as every source's does.
- **A 429 is not retried**: OpenAlex sends it when the daily allowance is spent (or
  past 100 requests a second, which the pace here never nears), and a back-off of
  seconds would only spend more of it. The batch stops, and says so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.records import Affiliations, Author
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import github_checks as checks

if TYPE_CHECKING:
    import requests

    from alignfetch.sources import Outcome, Previous

NAME = "OpenAlex"
PREFIX = "openalex"
FORMS: tuple[str, ...] = ()
"""None: an ID of this source is made from a paper's, never typed."""

BATCH = 100
"""DOIs a request: OpenAlex ORs at most 100 values in a filter, and pages 100 at most."""
INTERVAL = 0.1
"""Seconds between two requests: ten a second, a tenth of OpenAlex's documented ceiling."""
MAX_PAGES = 5
"""Pages followed for one filter. A hundred DOIs match a hundred works, or a few more
when OpenAlex holds a paper twice; an answer that counts more is not for this filter."""
SELECT = "id,doi,authorships"
"""The Work's fields asked for (``select`` takes top-level fields only)."""
DOI_PREFIX = "10.48550/arxiv."
"""arXiv's DOIs, as OpenAlex writes them: lower case."""
RETRY_STATUSES = frozenset({500, 502, 503, 504})
KEY_LABEL = "[OPENALEX_API_KEY]"
MAILTO_LABEL = "[OPENALEX_MAILTO]"
"""What the key and the address are replaced with wherever an answer echoed them."""
_DOI_HOSTS = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/")


def parse_id(text: str) -> str | None:
    """The arXiv key of ``openalex:<arXiv key>``, or None."""
    head, sep, key = text.strip().partition(":")
    if not sep or head.lower() != PREFIX:
        return None
    return arxiv_source.parse_id(key)


def doi(key: str) -> str:
    """arXiv's DOI of the paper ``key`` (``2305.01937``, ``math/0309136``), lower case."""
    return DOI_PREFIX + key.lower()


def bare_doi(value: str) -> str:
    """``value`` without its resolver or ``doi:`` prefix, lower case: DOIs ignore case."""
    low = value.strip().lower()
    for head in (*_DOI_HOSTS, "doi:"):
        if low.startswith(head):
            return low[len(head) :]
    return low


# -- conversion (pure) ------------------------------------------------------------


def convert(work: Mapping[str, Any] | None, key: str) -> Affiliations:
    """``work`` (OpenAlex's Work object, or None when it has none) as the record of ``key``.

    Each authorship becomes an :class:`Author` with the names of their institutions;
    the displayed affiliation is :func:`displayed`'s. Raises TypeError when ``work``
    is not a Work: its authorships, an author or an institution of the wrong type (a
    record built from such an answer would be junk, and would never be asked again).
    """
    ident = f"{PREFIX}:{key}"
    if work is None:
        return Affiliations(id=ident, found=False)
    if not isinstance(work, Mapping):
        raise TypeError("not a Work object")
    authorships = work.get("authorships")
    if authorships is None:
        authorships = []
    if not isinstance(authorships, list):
        raise TypeError("authorships is not a list")
    authors: list[Author] = []
    held: list[dict[str, str]] = []
    for authorship in authorships:
        if not isinstance(authorship, Mapping):
            raise TypeError("an authorship is not an object")
        names, shorts = _institutions(authorship.get("institutions"))
        held.append(shorts)
        name = _name(authorship)
        if name is not None:
            authors.append(Author(name, names))
    return Affiliations(id=ident, found=True, authors=tuple(authors), affiliation=displayed(held))


def displayed(held: Sequence[Mapping[str, str]]) -> str | None:
    """The institution most authors share: ``held`` has, per author in order, their
    institutions' short names by a key that tells institutions apart.

    An author votes once for each of their institutions; an author with none does
    not vote. On a tie the first author's wins: the first author, in order, holding
    a tied institution, and of theirs the first listed. None when nobody has one.
    """
    votes: Counter[str] = Counter()
    for institutions in held:
        votes.update(institutions.keys())
    if not votes:
        return None
    top = max(votes.values())
    for institutions in held:
        for k, name in institutions.items():
            if votes[k] == top:
                return name
    return None  # unreachable: some author holds a top institution


def short_name(display_name: str, kind: object = None) -> str:
    """The name a list writes for an institution: a company's without the country
    OpenAlex adds to tell its offices apart (``Google (United States)`` is Google)."""
    name = display_name.strip()
    if kind == "company" and name.endswith(")") and " (" in name:
        head = name[: name.rindex(" (")].strip()
        if head:
            return head
    return name


def _institutions(value: object) -> tuple[tuple[str, ...], dict[str, str]]:
    """An authorship's institutions: their names in order, and their short names by the
    key :func:`displayed` counts (the short name, ignoring case: Google's offices in
    two countries are one Google on a list)."""
    if value is None:
        return (), {}
    if not isinstance(value, list):
        raise TypeError("institutions is not a list")
    names: list[str] = []
    shorts: dict[str, str] = {}
    for inst in value:
        if not isinstance(inst, Mapping):
            raise TypeError("an institution is not an object")
        name = _str(inst.get("display_name"))
        if name is None:
            continue
        if name not in names:
            names.append(name)
        short = short_name(name, inst.get("type"))
        shorts.setdefault(short.casefold(), short)
    return tuple(names), shorts


def _name(authorship: Mapping[str, Any]) -> str | None:
    """The author's name: OpenAlex's author, else the name as the work printed it."""
    author = authorship.get("author")
    if author is not None and not isinstance(author, Mapping):
        raise TypeError("an author is not an object")
    name = _str(author.get("display_name")) if author else None
    return name or _str(authorship.get("raw_author_name"))


def _str(value: object) -> str | None:
    """A non-blank string, stripped; anything else is "not given"."""
    return value.strip() if isinstance(value, str) and value.strip() else None


# -- fetching -----------------------------------------------------------------------


def fetch(
    keys: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    *,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """The affiliations of each arXiv key, ``BATCH`` keys a request, by ``openalex:<key>``.

    A key OpenAlex has no work for gets a record with ``found=False``. A failure is
    returned for its keys, not raised; after a rate limit, a refused key or an
    unreachable host the rest of the batch fails alike without asking again. With
    ``deadline`` (``time.monotonic()``), the keys whose request has not started by
    then are left out. No outcome holds ``OPENALEX_API_KEY`` or ``OPENALEX_MAILTO``.
    ``previous`` is unused: OpenAlex answers lists without ETags.
    """
    import time

    from alignfetch.sources import tokens

    order = list(dict.fromkeys(keys))
    out: dict[str, Outcome] = {}
    valid: list[str] = []
    for key in order:
        if arxiv_source.parse_id(key) != key:
            out[key] = SourceError(
                f"{PREFIX}:{key} does not name an arXiv paper; OpenAlex is asked for "
                "arXiv papers only.",
                source=NAME,
                ids=(key,),
            )
        else:
            valid.append(key)
    client = _Client(settings)
    try:
        for start in range(0, len(valid), BATCH):
            if deadline is not None and time.monotonic() > deadline:
                break
            out.update(client.ask(valid[start : start + BATCH]))
    finally:
        client.close()

    def clean(outcome: Outcome) -> Outcome:
        outcome = tokens.scrubbed(outcome, settings.openalex_api_key, KEY_LABEL)
        return tokens.scrubbed(outcome, settings.openalex_mailto, MAILTO_LABEL)

    return {f"{PREFIX}:{k}": clean(out[k]) for k in order if k in out}


class _Failed(Exception):
    """A request that brought no list of works: the outcomes of its keys."""

    def __init__(self, outcomes: dict[str, Outcome]) -> None:
        super().__init__("failed")
        self.outcomes = outcomes


class _Client:
    """One batch's session, and what the batch has learnt (a rate limit, an outage)."""

    def __init__(self, settings: Settings) -> None:
        from alignfetch.http import client

        self._settings = settings
        self._base = settings.openalex_url.rstrip("/")
        self._session = client.session(
            settings,
            NAME,
            statuses=RETRY_STATUSES,
            pacer=net.pacer(PREFIX, INTERVAL),
            validate=checks.json_problem,
        )
        self._session.headers["Accept"] = "application/json"
        self._stop: SourceError | None = None
        """Set when asking again is pointless: every later key gets its like."""

    def close(self) -> None:
        self._session.close()

    def url(self, key: str) -> str:
        """The work of ``key`` on its own (a free singleton request), for a person to open."""
        return f"{self._base}/works/doi:{doi(key)}"

    def ask(self, keys: list[str]) -> dict[str, Outcome]:
        """One filter of up to ``BATCH`` DOIs, all its pages; an outcome per key."""
        if self._stop is not None:
            return {k: _like(self._stop, k, self.url(k)) for k in keys}
        wanted = {doi(k): k for k in keys}
        works: dict[str, Mapping[str, Any]] = {}
        page = 1
        seen = 0
        try:
            while True:
                body = self._page(keys, wanted, page)
                results, count = _listing(body)
                for work in results:
                    key = wanted.get(bare_doi(_doi_of(work)))
                    if key is not None and _better(work, works.get(key)):
                        works[key] = work
                seen += len(results)
                if not results or seen >= count:
                    break
                if page >= MAX_PAGES:
                    raise TypeError(f"it counts {count} works for {len(keys)} DOIs")
                page += 1
        except _Failed as failed:
            return failed.outcomes
        except TypeError as err:
            return self._fail(SourceError, _not_works(str(err)), keys, 200)
        return {k: self._outcome(k, works.get(k)) for k in keys}

    def _outcome(self, key: str, work: Mapping[str, Any] | None) -> Outcome:
        from alignfetch.sources import Fetched
        from alignfetch.stored import well_typed

        try:
            record = convert(work, key)
        except (TypeError, ValueError, KeyError) as err:
            why = str(err)
            record = None
        else:
            why = "a field of the wrong type"
        if record is None or not well_typed(record):
            return SourceError(
                f"OpenAlex's work for {_ident(key)} is not a Work object ({why}); try again later.",
                source=NAME,
                ids=(key,),
                url=self.url(key),
                status=200,
            )
        raw = "" if work is None else json.dumps(work, ensure_ascii=False, separators=(",", ":"))
        return Fetched(record=record, raw=raw, url=self.url(key))

    def _params(self, wanted: Mapping[str, str], page: int) -> dict[str, str]:
        params = {"filter": "doi:" + "|".join(wanted), "per-page": str(BATCH), "select": SELECT}
        if page > 1:
            params["page"] = str(page)
        # The key is what OpenAlex's terms ask for since 2026; the address was its
        # "polite pool" before, and still tells it whom to write to.
        if self._settings.openalex_api_key:
            params["api_key"] = self._settings.openalex_api_key
        if self._settings.openalex_mailto:
            params["mailto"] = self._settings.openalex_mailto
        return params

    def _page(self, keys: list[str], wanted: Mapping[str, str], page: int) -> Any:
        """One page's parsed JSON, or :class:`_Failed` with every key's failure."""
        import requests

        url = f"{self._base}/works"
        settings = self._settings
        try:
            response = self._session.get(url, params=self._params(wanted, page))
        except net.TimedOut:
            raise self._failed(
                SourceError,
                lambda ident: (
                    f"OpenAlex did not answer for {ident} within {settings.timeout:g} "
                    "seconds; try again later or raise ALIGNFETCH_TIMEOUT."
                ),
                keys,
            ) from None
        except net.Unreachable as err:
            raise self._halt(
                SourceError,
                f"OpenAlex could not be reached at {self._base} ({err.reason}); "
                "check the network or ALIGNFETCH_OPENALEX_URL.",
                keys,
            ) from None
        except net.WaitTooLong as err:
            raise self._halt(
                RateLimitError,
                f"OpenAlex {err.reason}, longer than ALIGNFETCH_MAX_WAIT "
                f"({settings.max_wait:g} seconds); try again later.",
                keys,
                err.status,
            ) from None
        except net.InvalidBody as err:
            raise self._failed(
                SourceError, _not_works(err.reason, err.after), keys, 200
            ) from None
        except net.NetError as err:  # broken off, or too large
            what = net.unread(err, settings.max_bytes)
            raise self._failed(
                SourceError,
                lambda ident: f"OpenAlex's answer for {ident} {what}; try again later.",
                keys,
            ) from None
        except requests.exceptions.TooManyRedirects:
            raise self._failed(
                SourceError,
                lambda ident: (
                    f"OpenAlex redirected the request for {ident} more than "
                    f"{net.MAX_REDIRECTS} times; check ALIGNFETCH_OPENALEX_URL."
                ),
                keys,
            ) from None
        except requests.exceptions.RequestException as err:
            reason = _reason(err)
            raise self._failed(
                SourceError,
                lambda ident: (
                    f"The request to OpenAlex for {ident} failed ({reason}); try again later."
                ),
                keys,
            ) from None
        if response.status_code != 200:
            raise self._http_error(response, keys)
        # Strictly UTF-8, as JSON is: a replacement character stored in place of the
        # bytes would be junk shown as an institution.
        try:
            return json.loads(response.content.decode("utf-8"))
        except UnicodeDecodeError:
            why = "not UTF-8"
        except RecursionError:
            why = "JSON nested too deep"
        except ValueError:
            why = "not JSON"
        raise self._failed(SourceError, _not_works(why), keys, 200)

    def _http_error(self, response: requests.Response, keys: list[str]) -> _Failed:
        status = response.status_code
        message = _message(response)
        detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        keyed = bool(self._settings.openalex_api_key)
        if status == 429:
            return self._halt(
                RateLimitError,
                f"OpenAlex is refusing more requests ({detail}); "
                + (
                    "the daily allowance of OPENALEX_API_KEY is used up, try again tomorrow."
                    if keyed
                    else "set OPENALEX_API_KEY (a free key from openalex.org) for a larger "
                    "daily allowance, or try again tomorrow."
                ),
                keys,
                status,
            )
        if status in (401, 403):
            # A key OpenAlex rejects, or a limit it enforces, fails every request alike.
            return self._halt(
                SourceError,
                f"OpenAlex refused the request ({detail}); "
                + (
                    "check OPENALEX_API_KEY, or try again later."
                    if keyed
                    else "set OPENALEX_API_KEY (a free key from openalex.org), or try again later."
                ),
                keys,
                status,
            )
        if status >= 500:
            failed = net.server_error("OpenAlex", status, self._settings.retries)
            return self._failed(SourceError, failed, keys, status)
        return self._failed(
            SourceError,
            lambda ident: (
                f"OpenAlex answered the request for {ident} with {detail}; try again later."
            ),
            keys,
            status,
        )

    def _fail(
        self,
        kind: type[SourceError],
        message: Callable[[str], str],
        keys: list[str],
        status: int | None = None,
    ) -> dict[str, Outcome]:
        """A failure for each key; ``message`` is given the key's words (:func:`_ident`)."""
        return {
            k: kind(message(_ident(k)), source=NAME, ids=(k,), url=self.url(k), status=status)
            for k in keys
        }

    def _failed(
        self,
        kind: type[SourceError],
        message: Callable[[str], str],
        keys: list[str],
        status: int | None = None,
    ) -> _Failed:
        return _Failed(self._fail(kind, message, keys, status))

    def _halt(
        self, kind: type[SourceError], message: str, keys: list[str], status: int | None = None
    ) -> _Failed:
        """Fail these keys, and every later one without asking OpenAlex again."""
        self._stop = kind(message, source=NAME, ids=(), url=f"{self._base}/works", status=status)
        return _Failed({k: _like(self._stop, k, self.url(k)) for k in keys})


def _listing(body: object) -> tuple[list[Mapping[str, Any]], int]:
    """A list answer's works and ``meta.count``; TypeError when it is not one."""
    if not isinstance(body, dict):
        raise TypeError("JSON that is not an object")
    results, meta = body.get("results"), body.get("meta")
    if not isinstance(results, list) or not isinstance(meta, dict):
        raise TypeError("no results and meta")
    count = meta.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise TypeError("no count of works")
    if count > MAX_PAGES * BATCH:
        raise TypeError(f"it counts {count} works for at most {BATCH} DOIs")
    for work in results:
        if not isinstance(work, dict) or not isinstance(work.get("doi"), str):
            raise TypeError("a work without a DOI")
    return results, count


def _doi_of(work: Mapping[str, Any]) -> str:
    value = work.get("doi")
    return value if isinstance(value, str) else ""


def _better(work: Mapping[str, Any], kept: Mapping[str, Any] | None) -> bool:
    """Whether ``work`` should stand for its paper rather than ``kept``: OpenAlex may
    hold a paper twice, and the one whose authors have institutions says more."""
    if kept is None:
        return True
    return _placed(work) > _placed(kept)


def _placed(work: Mapping[str, Any]) -> int:
    """How many authorships of ``work`` name an institution (0 when malformed)."""
    authorships = work.get("authorships")
    if not isinstance(authorships, list):
        return 0
    return sum(1 for a in authorships if isinstance(a, dict) and a.get("institutions"))


def _ident(key: str) -> str:
    return f"the affiliations of arxiv:{key}"


def _not_works(why: str, after: str = "") -> Callable[[str], str]:
    return lambda ident: (
        f"OpenAlex's answer for {ident} is not a list of works ({why}){after}; "
        "check ALIGNFETCH_OPENALEX_URL, or try again later."
    )


def _message(response: requests.Response) -> str:
    """OpenAlex's own words from an error body (``message``, else ``error``), cleaned and
    short (:func:`checks.quoted`)."""
    try:
        body = json.loads(response.content.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return ""
    if not isinstance(body, dict):
        return ""
    for field in ("message", "error"):
        text = body.get(field)
        if isinstance(text, str) and text.strip():
            return checks.quoted(text)
    return ""


def _like(err: SourceError, key: str, url: str) -> SourceError:
    """A copy of ``err`` for another key (callers may amend a message in place)."""
    return type(err)(err.message, source=err.source, ids=(key,), url=url, status=err.status)


def _reason(err: Exception) -> str:
    """What went wrong, as a message may say it (an exception's text may quote a URL)."""
    text = checks.quoted(str(err))
    return text if len(text) < 120 else type(err).__name__
