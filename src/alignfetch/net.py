"""One polite ``requests`` session for the sources that speak plain HTTP.

Every request it sends names alignfetch in its User-Agent, has a timeout, and
backs off on 429/5xx: ``Retry-After`` when the server gives one, otherwise
exponentially from :attr:`Settings.backoff` seconds, at most
:attr:`Settings.retries` times. Read timeouts are not retried: the caller has
already waited the whole timeout once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .config import Settings

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

shared_pace: Callable[[float], AbstractContextManager[object]] | None = None
"""Set when the cache is shared (``Cache.pacer``): every paced request (``interval`` > 0,
that is arXiv's) is sent inside ``shared_pace(interval)``, which keeps the pace across
processes."""


class _Backoff(Retry):
    """urllib3's Retry, with the first wait at ``backoff`` seconds, not zero."""

    def __init__(self, *args: Any, base: float = 1.0, floor: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base = base
        self.floor = floor

    def new(self, **kw: Any) -> _Backoff:
        retry = super().new(**kw)
        retry.base, retry.floor = self.base, self.floor
        assert isinstance(retry, _Backoff)
        return retry

    def get_backoff_time(self) -> float:
        errors = len([h for h in self.history if h.status or h.error])
        if errors == 0:
            return 0.0
        # Never closer together than the service's own request interval.
        return float(max(self.floor, min(self.backoff_max, self.base * 2 ** (errors - 1))))

    def sleep_for_retry(self, response: Any = None) -> bool:
        """Honour ``Retry-After``, but never below the service's request interval."""
        retry_after = self.get_retry_after(response) if response is not None else None
        if retry_after is None:
            return False
        time.sleep(max(retry_after, self.floor))
        return True


class _PoliteAdapter(HTTPAdapter):
    """Puts our User-Agent and timeout on requests whose caller set neither."""

    def __init__(
        self, settings: Settings, statuses: frozenset[int] = RETRY_STATUSES, interval: float = 0.0
    ) -> None:
        self._user_agent = settings.user_agent
        self._timeout = settings.timeout
        self._interval = interval
        self._last = 0.0
        self._pace = threading.Lock()
        retry = _Backoff(
            total=settings.retries,
            connect=settings.retries,
            read=False,
            status=settings.retries,
            status_forcelist=statuses,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            base=settings.backoff,
            floor=interval,
        )
        # One connection: arXiv asks for no parallel requests.
        super().__init__(max_retries=retry, pool_connections=1, pool_maxsize=1)

    def send(  # type: ignore[override]  # passes requests' keyword arguments through
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        # Clients such as arxiv.py set their own User-Agent per request; ours wins.
        request.headers["User-Agent"] = self._user_agent
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        with self._pace:
            wait = self._last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            shared = shared_pace if self._interval > 0 else None
            with shared(self._interval) if shared is not None else nullcontext():
                try:
                    return super().send(request, **kwargs)
                finally:
                    self._last = time.monotonic()


def session(
    settings: Settings, statuses: frozenset[int] = RETRY_STATUSES, interval: float = 0.0
) -> requests.Session:
    """A new session that applies the settings to every request it sends.

    ``statuses`` are the HTTP statuses worth retrying after a back-off;
    ``interval`` the fewest seconds between two requests, retries included.
    """
    s = requests.Session()
    adapter = _PoliteAdapter(settings, statuses, interval)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = settings.user_agent
    return s


def backoff_delay(attempt: int, settings: Settings, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based) for clients without urllib3.

    ``Retry-After`` in seconds wins when the server sends it; otherwise the same
    exponential schedule as the requests session.
    """
    if retry_after:
        try:
            return max(0.0, min(float(retry_after), 120.0))
        except ValueError:
            pass  # an HTTP-date: rare from these services; fall back to our schedule
    return float(min(120.0, settings.backoff * 2**attempt))
