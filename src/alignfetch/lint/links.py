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

Time is bounded too, whatever a server does (a redirect every 1.9 s, ten times,
then ``503 Retry-After: 10``, say). One link has at most :data:`LINK_TIMEOUTS`
times ``ALIGNFETCH_TIMEOUT`` (90 s at the default 30 s) from its first request to
its answer, every hop, retry and wait included: an attempt gets at most half the
time left (the policy may give an attempt twice its timeout), a wait
(``Retry-After``, or the back-off) that would not leave time for another attempt
is not waited for (the last answer, or failure, stands), and a link whose time
runs out is a finding ("no answer within 90 s"). A run asks links for at most
:data:`RUN_TIMEOUTS` times ``ALIGNFETCH_TIMEOUT`` (600 s at the default); links
not answered when that is spent are left for the next run as ``max_links``
leaves them (one warning naming how many and why; asked first next time). So
``check``'s links take at most about 10 minutes, and one hostile host at most
90 s per link. The retries of a request are made here, with the policy's
settings (``ALIGNFETCH_RETRIES``, ``ALIGNFETCH_BACKOFF``,
``ALIGNFETCH_MAX_WAIT``), rather than in the policy's loop, so that no attempt
and no wait outlasts the link's time. Every link a run asked is kept with the
time it was asked, a failure too (never fresh: a link that could not be reached
is asked again next run, but after the links never asked).

A link that is not a valid URL (``https://[::1``) is never asked: the link rule
says so (:mod:`alignfetch.lint.weblinks`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urljoin, urlsplit

from alignfetch.config import Settings
from alignfetch.errors import cap_echo
from alignfetch.http import addresses
from alignfetch.http import policy as net

if TYPE_CHECKING:
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
LINK_TIMEOUTS = 3
"""One link's time, every hop, retry and wait included, as a multiple of
``ALIGNFETCH_TIMEOUT``."""
RUN_TIMEOUTS = 20
"""A run's time for asking links, as a multiple of ``ALIGNFETCH_TIMEOUT``."""
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


def _split(url: str) -> SplitResult | None:
    """``url``'s parts, or None when it is no URL at all (``https://[::1``)."""
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018  # raises for a bracketed host that is no address
    except ValueError:
        return None
    return parts


def checkable(url: str) -> bool:
    """An absolute http(s) URL with a host."""
    parts = _split(url)
    return parts is not None and parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def web_scheme(url: str) -> bool:
    """Whether ``url`` starts as a web link does (``http://``, ``https://``)."""
    return url[:8].lower().startswith(("http://", "https://"))


def valid(url: str) -> bool:
    """Whether ``url`` splits into a URL's parts (``https://[::1`` does not)."""
    return _split(url) is not None


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
    seconds: float | None = None,
) -> dict[str, LinkAnswer]:
    """Each URL's answer: from the cache when under a day old, else asked now (and kept),
    within the run's limits (``max_links``, :data:`HOST_LINKS`, ``seconds``: by default
    :func:`run_seconds`); a URL past them is answered with :attr:`LinkAnswer.unchecked`
    saying which limit."""
    wanted = [u for u in dict.fromkeys(urls) if checkable(u)]
    now = now or datetime.now(UTC)
    kept = cached(cache, wanted)
    known = {u: a for u, a in kept.items() if _fresh(a, now)}
    due = [u for u in wanted if u not in known]
    # Never asked first (in the list's order), then those asked longest ago: what one
    # run leaves over is what the next one asks.
    due.sort(key=lambda u: (1, _stamp(kept[u])) if u in kept else (0, 0.0))
    todo, left = within_limits(due, max_links)
    fresh = ask_all(todo, settings, seconds)
    fresh = {
        u: a if a.unchecked is not None else dataclasses.replace(a, checked_at=now)
        for u, a in fresh.items()
    }
    # Every link asked is kept with its time, a failure too: never fresh, but asked
    # after the links never asked (a host that ate one run's time does not eat the next).
    store(cache, {u: a for u, a in fresh.items() if a.unchecked is None}, now)
    return {**known, **fresh, **left}


def _stamp(answer: LinkAnswer) -> float:
    return answer.checked_at.timestamp() if answer.checked_at is not None else 0.0


def within_limits(urls: Iterable[str], max_links: int) -> tuple[list[str], dict[str, LinkAnswer]]:
    """The URLs a run asks, in order, and the answers of those it leaves over."""
    todo: list[str] = []
    left: dict[str, LinkAnswer] = {}
    per_host: dict[str, int] = {}
    for url in urls:
        parts = _split(url)
        host = ((parts.hostname if parts is not None else None) or "").lower()
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
    """An answer that stands (an HTTP status) and is under a day old."""
    return (
        answer.status is not None
        and answer.checked_at is not None
        and now - answer.checked_at < FRESH
    )


def cached(cache: Cache, urls: Iterable[str]) -> dict[str, LinkAnswer]:
    """The kept answers of ``urls`` (a row that cannot be read counts as missing)."""
    by_id = {cache_id(u): u for u in urls}
    out: dict[str, LinkAnswer] = {}
    for rid, data in cache.stored(by_id).items():
        answer = _answer(data)
        if answer is not None:
            out[by_id[rid]] = answer
    return out


def _answer(data: Any) -> LinkAnswer | None:
    if not isinstance(data, dict):
        return None
    status, at = data.get("status"), data.get("checked_at")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        return None
    if not isinstance(at, str):
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


class _OutOfTime(Exception):
    """The link's time, or the run's, is spent; ``run``: the run's was the one."""

    def __init__(self, run: bool) -> None:
        super().__init__("out of time")
        self.run = run


class _Clock:
    """The time one link has: until the run's budget ends, and once its first request
    goes, at most ``seconds`` more (every hop, attempt and wait of it included)."""

    def __init__(self, run_end: float, seconds: float) -> None:
        self.run_end = run_end
        self.seconds = seconds
        self.end: float | None = None

    def start(self) -> None:
        if self.end is None:
            self.end = time.monotonic() + self.seconds

    def left(self) -> float:
        end = self.run_end if self.end is None else min(self.end, self.run_end)
        return end - time.monotonic()

    def out(self) -> _OutOfTime:
        return _OutOfTime(self.end is None or self.run_end <= self.end)


class _Hosts:
    """One semaphore per host (``host:port``): at most :data:`PER_HOST` requests each."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._each: dict[str, threading.BoundedSemaphore] = {}

    def __call__(self, url: str) -> threading.BoundedSemaphore:
        parts = _split(url)
        host = parts.netloc.lower() if parts is not None else ""
        with self._lock:
            return self._each.setdefault(host, threading.BoundedSemaphore(PER_HOST))


def ask_all(
    urls: Iterable[str], settings: Settings, seconds: float | None = None
) -> dict[str, LinkAnswer]:
    """Ask every URL, :data:`WORKERS` at a time, :data:`PER_HOST` per host, hosts taken
    in turn, within ``seconds`` (default :data:`RUN_TIMEOUTS` times the timeout): a link
    not answered when they are spent is answered :attr:`LinkAnswer.unchecked`."""
    todo = _by_turns(dict.fromkeys(urls))
    if not todo:
        return {}
    budget = run_seconds(settings) if seconds is None else seconds
    run_end = time.monotonic() + budget
    hosts = _Hosts()

    def one(url: str) -> LinkAnswer:
        answer = ask(url, settings, hosts, _Clock(run_end, link_seconds(settings)))
        if answer.unchecked == _SPENT:
            return dataclasses.replace(answer, unchecked=f"the {budget:g} s {_SPENT}")
        return answer

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
        answers = list(pool.map(one, todo))
    return dict(zip(todo, answers, strict=True))


_SPENT = "a run gives to asking links were spent"


def link_seconds(settings: Settings) -> float:
    """The most time one link takes: :data:`LINK_TIMEOUTS` times ``ALIGNFETCH_TIMEOUT``."""
    return LINK_TIMEOUTS * settings.timeout


def run_seconds(settings: Settings) -> float:
    """The most time a run asks links: :data:`RUN_TIMEOUTS` times ``ALIGNFETCH_TIMEOUT``."""
    return RUN_TIMEOUTS * settings.timeout


def _by_turns(urls: Iterable[str]) -> list[str]:
    """``urls`` with their hosts taken in turn (a host's first link, the next host's
    first, ..., then their seconds): a slow host's links do not hold every worker
    while the other hosts' wait behind them."""
    queues: dict[str, list[str]] = {}
    for url in urls:
        parts = _split(url)
        queues.setdefault(parts.netloc.lower() if parts is not None else "", []).append(url)
    out: list[str] = []
    for i in range(max((len(q) for q in queues.values()), default=0)):
        out += [q[i] for q in queues.values() if i < len(q)]
    return out


def ask(
    url: str, settings: Settings, hosts: _Hosts | None = None, clock: _Clock | None = None
) -> LinkAnswer:
    """One link: HEAD (GET when HEAD is refused), redirects followed within http(s),
    each address checked (see :mod:`alignfetch.http.addresses`) before it is asked,
    all within ``clock`` (default: :func:`link_seconds`)."""
    import requests

    hosts = hosts or _Hosts()
    clock = clock or _Clock(time.monotonic() + link_seconds(settings), link_seconds(settings))
    allow = settings.allow_private_network
    current = url
    if not checkable(url):
        return LinkAnswer(None, "not a valid URL")
    try:
        for _ in range(net.MAX_REDIRECTS + 1):
            if clock.left() <= 0:  # before the name is looked up
                raise clock.out()
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
                status, location = _send("HEAD", current, settings, hosts, clock)
                if status in HEAD_REFUSED:
                    status, location = _send("GET", current, settings, hosts, clock)
            except addresses.Refused as err:
                return LinkAnswer(None, refused=_refused(url, current, err.reason))
            except net.WaitTooLong as err:
                return LinkAnswer(err.status)
            except (net.TooLarge, net.InvalidBody):
                return LinkAnswer(None)  # it answered; what it said does not matter here
            except net.NetError as err:
                return LinkAnswer(None, err.reason)
            except requests.RequestException as err:  # a malformed URL, say
                return LinkAnswer(None, type(err).__name__)
            except ValueError:
                # requests reads a redirect's Location even when it follows none, and
                # urlsplit fails on one that is no URL (``http://[::1``); the link's own
                # URL was read before it was asked.
                return LinkAnswer(None, _BAD_REDIRECT)
            if status in REDIRECTS and location:
                target = _joined(current, location)
                if target is None:
                    return LinkAnswer(None, _BAD_REDIRECT)
                if not checkable(target):
                    return LinkAnswer(status)  # not followed: it answered, elsewhere
                current = target
                continue
            return LinkAnswer(status)
    except _OutOfTime as out:
        if out.run:
            return LinkAnswer(None, unchecked=_SPENT)
        return LinkAnswer(
            None, f"no answer within {clock.seconds:g} s, redirects and retries included"
        )
    return LinkAnswer(None, f"more than {net.MAX_REDIRECTS} redirects")


_BAD_REDIRECT = "it redirects to an address that is not a valid URL"


def _joined(base: str, location: str) -> str | None:
    """``location`` read against ``base``; None when it is no URL (``http://[::1``)."""
    try:
        target = urljoin(base, location)
    except ValueError:
        return None
    return target if _split(target) is not None else None


def _proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (HTTP_PROXY, NO_PROXY, ...), if any."""
    from requests.utils import get_environ_proxies, select_proxy

    try:
        return select_proxy(url, get_environ_proxies(url))
    except ValueError:
        return None


def _refused(url: str, current: str, why: str) -> str:
    if current == url:
        return f"was not asked: {why}"
    return f"redirects to {_shown(current)}, which was not asked: {why}"


def _shown(url: str) -> str:
    """``url`` as a message repeats it: where a redirect goes is the server's word, shown
    as written only when it is plain text."""
    return cap_echo(url if url.isprintable() else repr(url))


def _send(
    method: str, url: str, settings: Settings, hosts: _Hosts, clock: _Clock
) -> tuple[int, str | None]:
    """One request with its retries, within ``clock``: the policy's retries (the statuses
    of :data:`RETRY_STATUSES`, connections that fail or break off), made here so that
    no attempt and no wait outlasts the link's time. A wait longer than what is left is
    not waited for: the last answer, or failure, stands."""
    retries = settings.retries
    for attempt in range(retries + 1):
        try:
            status, headers = _attempt(method, url, settings, hosts, clock)
        except net.NetError as err:
            if not err.retried or attempt == retries:
                raise
            if not _pause(url, settings, clock, None, attempt, f"failed ({err.reason})"):
                raise
            continue
        location = headers.get("Location")
        if status not in RETRY_STATUSES or attempt == retries:
            return status, location
        after = net.retry_after(headers)
        if after is not None and after > settings.max_wait:
            return status, location  # a rate limit: it answered
        if not _pause(url, settings, clock, after, attempt, f"answered HTTP {status}"):
            return status, location
    raise AssertionError("unreachable")


def _attempt_floor(settings: Settings) -> float:
    """The least time an attempt is started with: less is not worth a request."""
    return min(settings.timeout, 1.0)


def _pause(
    url: str, settings: Settings, clock: _Clock, after: float | None, attempt: int, what: str
) -> bool:
    """Wait before the next attempt, if the wait leaves time for it; whether it waited."""
    delay = min(after if after is not None else settings.backoff * 2**attempt, settings.max_wait)
    if delay + _attempt_floor(settings) > clock.left():
        return False
    net.log.log(
        net.TALK,
        "The link %s %s; retrying in %s s (%d/%d).",
        _shown(url),
        what,
        f"{delay:.3g}",
        attempt + 1,
        settings.retries,
    )
    time.sleep(delay)
    return True


def _attempt(
    method: str, url: str, settings: Settings, hosts: _Hosts, clock: _Clock
) -> tuple[int, Mapping[str, str]]:
    """One attempt, given at most half the time left (the policy gives an attempt twice
    its timeout against a server that trickles its answer)."""
    from alignfetch.http import client

    host = hosts(url)
    if not host.acquire(timeout=max(0.0, clock.left())):
        raise clock.out()
    try:
        clock.start()
        left = clock.left()
        if left < _attempt_floor(settings):
            raise clock.out()
        timeout = min(settings.timeout, left / 2)
        once = dataclasses.replace(settings, timeout=timeout, retries=0)
        parts = _split(url)
        service = parts.netloc if parts is not None else url
        # The policy makes this one attempt and hands back every answer; _send retries.
        with client.session(once, service, statuses=frozenset()) as s:
            addresses.guard(s, allow_private=settings.allow_private_network)
            try:
                r = s.request(method, url, allow_redirects=False, timeout=timeout)
            except net.TimedOut:
                if timeout < settings.timeout:
                    raise clock.out() from None  # cut short by the link's time, not the server
                raise
            r.close()
    finally:
        host.release()
    return r.status_code, r.headers
