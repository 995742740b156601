"""HTTP checks of plain web links, for the ``link`` rule of ``alignfetch check``.

This module owns how a link is asked (HEAD, then GET when HEAD is refused;
redirects followed by hand, never to another scheme than http(s)), how many
requests are in flight (at most :data:`PER_HOST` per host, :data:`WORKERS` in
all), and the day-long memory of the answers, kept in the cache's records table
under IDs ``linkcheck:<URL>`` (rows no record reader ever asks for, as the
``pace:`` rows). Every request goes through :func:`alignfetch.net.session`:
alignfetch's User-Agent, timeout, retries, size cap and deadlines.

Only the URLs it is given are asked: the links of the input, nothing else.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from . import net
from .config import Settings

if TYPE_CHECKING:
    import requests

    from .db import Cache

PREFIX = "linkcheck:"
"""Rows of the records table whose ID starts so hold a link's last answer, not a record."""
KIND = "linkcheck"
FRESH = timedelta(days=1)
"""How long an answer stands before the link is asked again."""
PER_HOST = 2
WORKERS = 8
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

    @property
    def broken(self) -> bool:
        if self.status is None:
            return self.error is not None
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
) -> dict[str, LinkAnswer]:
    """Each URL's answer: from the cache when under a day old, else asked now (and kept)."""
    wanted = [u for u in dict.fromkeys(urls) if checkable(u)]
    now = now or datetime.now(UTC)
    known = {u: a for u, a in cached(cache, wanted).items() if _fresh(a, now)}
    todo = [u for u in wanted if u not in known]
    fresh = ask_all(todo, settings)
    fresh = {u: LinkAnswer(a.status, a.error, now) for u, a in fresh.items()}
    store(cache, {u: a for u, a in fresh.items() if a.status is not None}, now)
    return {**known, **fresh}


def _fresh(answer: LinkAnswer, now: datetime) -> bool:
    return answer.checked_at is not None and now - answer.checked_at < FRESH


def cached(cache: Cache, urls: Iterable[str]) -> dict[str, LinkAnswer]:
    """The kept answers of ``urls`` (a row that cannot be read counts as missing)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from .db import _db_error
    from .models import CachedRecord

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

    from .models import CachedRecord

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
    """One link: HEAD (GET when HEAD is refused), redirects followed within http(s)."""
    import requests

    hosts = hosts or _Hosts()
    with net.session(settings, urlsplit(url).netloc, statuses=RETRY_STATUSES) as s:
        current = url
        for _ in range(net.MAX_REDIRECTS + 1):
            try:
                status, location = _once(s, "HEAD", current, settings, hosts)
                if status in HEAD_REFUSED:
                    status, location = _once(s, "GET", current, settings, hosts)
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


def _once(
    s: requests.Session, method: str, url: str, settings: Settings, hosts: _Hosts
) -> tuple[int, str | None]:
    with hosts(url):
        r = s.request(method, url, allow_redirects=False, timeout=settings.timeout)
    r.close()
    return r.status_code, r.headers.get("Location")
