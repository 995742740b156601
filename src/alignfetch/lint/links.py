"""HTTP checks of plain web links, for the ``link`` rule of ``alignfetch check``.

This module owns how a link is asked (HEAD, then GET when HEAD is refused;
redirects followed by hand, never to another scheme than http(s)), which links
are asked at all, how many requests are in flight, and the day-long memory of
the answers, kept in the cache's records table under IDs ``linkcheck:<URL>``
(rows no record reader ever asks for, as the ``pace:`` rows). Every request goes
through :func:`alignfetch.http.client.session`: alignfetch's User-Agent, timeout,
retries, size cap and deadlines.

Only the URLs it is given are asked: the links of the input, nothing else, and
of those only the ones at public addresses (:mod:`alignfetch.http.addresses`: the
host's resolved addresses are checked before the first request and before
every redirect is followed, and the address connected to before anything is
sent). A run asks at most ``max_links`` links (``[check] max_links``, default
:data:`DEFAULT_MAX_LINKS`) and at most :data:`HOST_LINKS` of one host, with at
most :data:`PER_HOST` requests in flight per host and :data:`WORKERS` in all;
the links left over are answered as not asked (:attr:`LinkAnswer.unchecked`),
and are the first asked by the next run (links never asked first, then those
asked longest ago), so a long list is checked in turns.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from alignfetch.config import Settings
from alignfetch.http import addresses
from alignfetch.http import policy as net

if TYPE_CHECKING:
    import requests

    from alignfetch.cache.db import Cache

PREFIX = "linkcheck:"
"""Rows of the records table whose ID starts so hold a link's last answer, not a record."""
KIND = "linkcheck"
FRESH = timedelta(days=1)
"""How long an answer stands before the link is asked again."""
PER_HOST = 2
"""Requests in flight to one host (``host:port``) at once."""
WORKERS = 8
DEFAULT_MAX_LINKS = 500
"""Links asked per run unless ``[check] max_links`` says otherwise: a README of 1,700
links is checked in four runs, not with 1,700 requests at once."""
HOST_LINKS = 100
"""Links of one host name asked per run: a list that links 400 pages of one site asks
it 100 times a run (two at a time), not 400."""
HEAD_REFUSED = frozenset({403, 405, 501})
"""Statuses that may mean "not HEAD": the link is asked again with GET."""
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
_ID_LENGTH = 300  # records.id is a String(300)


@dataclass(frozen=True)
class LinkAnswer:
    """How one link answered: an HTTP status, or why there was none."""

    status: int | None
    error: str | None = None
    """Why no status: the host could not be reached (None when it answered)."""
    checked_at: datetime | None = None
    refused: str | None = None
    """Why it was not asked, or not followed, as a predicate of "The link X ...":
    ``was not asked: 127.0.0.1 is a loopback address``."""
    unchecked: str | None = None
    """Why it was left for another run: a limit (``[check] max_links (500) was reached``)."""

    @property
    def broken(self) -> bool:
        if self.status is None:
            return self.error is not None or self.refused is not None
        return self.status in (404, 410) or self.status >= 500


def checkable(url: str) -> bool:
    """An absolute http(s) URL with a host."""
    parts = urlsplit(url)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def cache_id(url: str) -> str:
    rid = PREFIX + url
    if len(rid) <= _ID_LENGTH:
        return rid
    return PREFIX + "sha256:" + hashlib.sha256(url.encode("utf-8")).hexdigest()


def check_links(
    urls: Iterable[str],
    settings: Settings,
    cache: Cache,
    *,
    now: datetime | None = None,
    max_links: int = DEFAULT_MAX_LINKS,
) -> dict[str, LinkAnswer]:
    """Each URL's answer: from the cache when under a day old, else asked now (and kept),
    within the run's limits (``max_links``, :data:`HOST_LINKS`); a URL past them is
    answered with :attr:`LinkAnswer.unchecked` saying which limit."""
    wanted = [u for u in dict.fromkeys(urls) if checkable(u)]
    now = now or datetime.now(UTC)
    kept = cached(cache, wanted)
    known = {u: a for u, a in kept.items() if _fresh(a, now)}
    due = [u for u in wanted if u not in known]
    # Never asked first (in the list's order), then those asked longest ago: what one
    # run leaves over is what the next one asks.
    due.sort(key=lambda u: (1, _stamp(kept[u])) if u in kept else (0, 0.0))
    todo, left = within_limits(due, max_links)
    fresh = ask_all(todo, settings)
    fresh = {u: dataclasses.replace(a, checked_at=now) for u, a in fresh.items()}
    store(cache, {u: a for u, a in fresh.items() if a.status is not None}, now)
    return {**known, **fresh, **left}


def _stamp(answer: LinkAnswer) -> float:
    return answer.checked_at.timestamp() if answer.checked_at is not None else 0.0


def within_limits(urls: Iterable[str], max_links: int) -> tuple[list[str], dict[str, LinkAnswer]]:
    """The URLs a run asks, in order, and the answers of those it leaves over."""
    todo: list[str] = []
    left: dict[str, LinkAnswer] = {}
    per_host: dict[str, int] = {}
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        if len(todo) >= max_links:
            left[url] = LinkAnswer(None, unchecked=f"[check] max_links ({max_links}) was reached")
        elif per_host.get(host, 0) >= HOST_LINKS:
            left[url] = LinkAnswer(
                None, unchecked=f"at most {HOST_LINKS} links of {host} are asked per run"
            )
        else:
            per_host[host] = per_host.get(host, 0) + 1
            todo.append(url)
    return todo, left


def _fresh(answer: LinkAnswer, now: datetime) -> bool:
    return answer.checked_at is not None and now - answer.checked_at < FRESH


def cached(cache: Cache, urls: Iterable[str]) -> dict[str, LinkAnswer]:
    """The kept answers of ``urls`` (a row that cannot be read counts as missing)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from alignfetch.cache.db import _db_error
    from alignfetch.cache.models import CachedRecord

    by_id = {cache_id(u): u for u in urls}
    table = CachedRecord.__table__
    out: dict[str, LinkAnswer] = {}
    wanted = list(by_id)
    try:
        with cache.engine.connect() as conn:
            for i in range(0, len(wanted), 500):
                query = select(table.c.id, table.c.record).where(
                    table.c.id.in_(wanted[i : i + 500])
                )
                for rid, data in conn.execute(query):
                    answer = _answer(data)
                    if answer is not None:
                        out[by_id[rid]] = answer
    except SQLAlchemyError as err:
        raise _db_error(cache.url, err, "read") from None
    return out


def _answer(data: Any) -> LinkAnswer | None:
    if not isinstance(data, dict):
        return None
    status, at = data.get("status"), data.get("checked_at")
    if not isinstance(status, int) or not isinstance(at, str):
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return LinkAnswer(status, None, moment)


def store(cache: Cache, answers: Mapping[str, LinkAnswer], now: datetime) -> None:
    """Keep ``answers`` (an upsert: another process's row is updated, not duplicated)."""
    if not answers:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    from alignfetch.cache.models import CachedRecord

    rows = {
        cache_id(url): {
            "id": cache_id(url),
            "kind": KIND,
            "record": {"status": a.status, "checked_at": now.isoformat()},
            "raw": "",
            "source_url": url,
            "etag": None,
            "fetched_at": now,
            "changed_at": now,
            "last_error": None,
            "last_error_at": None,
            "error_count": 0,
        }
        for url, a in answers.items()
    }
    pg = cache.engine.dialect.name == "postgresql"
    stmt = (postgresql.insert if pg else sqlite.insert)(CachedRecord)
    new = stmt.excluded
    stmt = stmt.on_conflict_do_update(
        index_elements=[CachedRecord.id],
        set_={"record": new.record, "fetched_at": new.fetched_at, "changed_at": new.changed_at},
    )
    with cache.session() as s:
        s.execute(stmt, list(rows.values()))


# -- asking ------------------------------------------------------------------------------


class _Hosts:
    """One semaphore per host (``host:port``): at most :data:`PER_HOST` requests each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._each: dict[str, threading.BoundedSemaphore] = {}

    def __call__(self, url: str) -> threading.BoundedSemaphore:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            return self._each.setdefault(host, threading.BoundedSemaphore(PER_HOST))


def ask_all(urls: Iterable[str], settings: Settings) -> dict[str, LinkAnswer]:
    """Ask every URL, :data:`WORKERS` at a time, :data:`PER_HOST` per host."""
    todo = list(dict.fromkeys(urls))
    if not todo:
        return {}
    hosts = _Hosts()
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
        answers = list(pool.map(lambda u: ask(u, settings, hosts), todo))
    return dict(zip(todo, answers, strict=True))


def ask(url: str, settings: Settings, hosts: _Hosts | None = None) -> LinkAnswer:
    """One link: HEAD (GET when HEAD is refused), redirects followed within http(s),
    each address checked (see :mod:`alignfetch.http.addresses`) before it is asked."""
    import requests

    hosts = hosts or _Hosts()
    allow = settings.allow_private_network
    from alignfetch.http import client

    with client.session(settings, urlsplit(url).netloc, statuses=RETRY_STATUSES) as s:
        addresses.guard(s, allow_private=allow)
        current = url
        for _ in range(net.MAX_REDIRECTS + 1):
            try:
                why = addresses.refusal(current, allow_private=allow)
            except addresses.Unresolved as err:
                # Behind a proxy, the proxy resolves names this machine may not know.
                if err.reason != "unknown host" or _proxy(current) is None:
                    return LinkAnswer(None, err.reason)
                why = None
            if why is not None:
                return LinkAnswer(None, refused=_refused(url, current, why))
            try:
                status, location = _once(s, "HEAD", current, settings, hosts)
                if status in HEAD_REFUSED:
                    status, location = _once(s, "GET", current, settings, hosts)
            except addresses.Refused as err:
                return LinkAnswer(None, refused=_refused(url, current, err.reason))
            except net.WaitTooLong as err:
                return LinkAnswer(err.status)
            except (net.TooLarge, net.InvalidBody):
                return LinkAnswer(None)  # it answered; what it said does not matter here
            except net.NetError as err:
                return LinkAnswer(None, err.reason)
            except (requests.RequestException, ValueError) as err:  # a malformed URL, say
                return LinkAnswer(None, type(err).__name__)
            if status in REDIRECTS and location:
                target = urljoin(current, location)
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    return LinkAnswer(status)  # not followed: it answered, elsewhere
                current = target
                continue
            return LinkAnswer(status)
    return LinkAnswer(None, f"more than {net.MAX_REDIRECTS} redirects")


def _proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (HTTP_PROXY, NO_PROXY, ...), if any."""
    from requests.utils import get_environ_proxies, select_proxy

    return select_proxy(url, get_environ_proxies(url))


def _refused(url: str, current: str, why: str) -> str:
    if current == url:
        return f"was not asked: {why}"
    return f"redirects to {current}, which was not asked: {why}"


def _once(
    s: requests.Session, method: str, url: str, settings: Settings, hosts: _Hosts
) -> tuple[int, str | None]:
    with hosts(url):
        r = s.request(method, url, allow_redirects=False, timeout=settings.timeout)
    r.close()
    return r.status_code, r.headers.get("Location")
