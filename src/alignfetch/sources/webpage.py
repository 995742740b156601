"""Web pages of ``url:`` entries: each page asked, and read for what it says of itself.

The keys are :mod:`alignfetch.sources.url`'s (its ``parse_id``); :func:`fetch` asks
each page, and :mod:`alignfetch.sources.webpage_head` (pure) reads its HTML into a
:class:`~alignfetch.records.Link`: Highwire Press ``citation_*`` tags, then OpenGraph
and Twitter cards, then ``<title>``.

A page is asked as the link checker asks a link (:mod:`alignfetch.lint.links`): through
:mod:`alignfetch.http.client`'s session (alignfetch's User-Agent, timeout, size cap and
deadlines), redirects followed here one hop at a time, and each hop's host checked by
:mod:`alignfetch.http.addresses` before it is asked (and the address connected to,
before anything is sent): a list's link never reaches loopback, private, link-local or
reserved addresses unless ``ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1``. One page has at most
:data:`PAGE_TIMEOUTS` times ``ALIGNFETCH_TIMEOUT``, every hop, retry and wait included.

Only HTML (``text/html``, ``application/xhtml+xml``) is read. Any other answer (a PDF, an
image) is not downloaded: its body is left unread and its connection closed, and the
link keeps the record its URL gives (a PDF its file name); a URL whose path names a
PDF (``…/paper.pdf``) is not asked at all. Nothing on a page runs: it is only parsed.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, SourceError, cap_echo
from alignfetch.http import addresses
from alignfetch.http import policy as net
from alignfetch.sources import url as url_source
from alignfetch.sources import webpage_head as head_of
from alignfetch.sources.webpage_head import HTML_TYPES, header, media_type

if TYPE_CHECKING:
    from collections.abc import Iterable

    from alignfetch.sources import Outcome, Previous

NAME = "Web page"
PREFIX = url_source.PREFIX
EVERY_DAYS = 7
"""How often a page is asked again: pages change slowly, and a list's links are many hosts."""
PAGE_TIMEOUTS = 3
"""One page's time, every hop, retry and wait included, as a multiple of
``ALIGNFETCH_TIMEOUT`` (as the link checker gives a link)."""
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"


# -- fetching -----------------------------------------------------------------------------


def fetch(
    keys: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    *,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """Each page's record, one page at a time; a failure is returned for its key.

    ``previous`` is not used: pages are asked once a week (:data:`EVERY_DAYS`), in
    full. With ``deadline`` (``time.monotonic()``), a page not answered by then is
    left out of the result, and no page is started after it.
    """
    out: dict[str, Outcome] = {}
    for key in dict.fromkeys(keys):
        if deadline is not None and time.monotonic() >= deadline:
            break
        got = page(key, settings, deadline=deadline)
        if got is not None:
            out[key] = got
    return out


def page(key: str, settings: Settings, *, deadline: float | None = None) -> Outcome | None:
    """One page's outcome; None when ``deadline`` came first."""
    from alignfetch.sources import Fetched

    shown = _shown(key)
    if not _web(key):
        return _fail(key, f"{shown} is not a web address (http or https); check the link.")
    if head_of.is_pdf_url(key):
        # A PDF is named by its file: nothing in it is read, so it is not asked.
        record = head_of.unread(key, pdf=True)
        return Fetched(record, raw=head_of.raw(None, final=key, kind=None), url=key)
    clock = _Clock(time.monotonic() + PAGE_TIMEOUTS * settings.timeout, deadline)
    current = key
    try:
        for _ in range(net.MAX_REDIRECTS + 1):
            refused = _refused(current, settings)
            if refused is not None:
                return _fail(key, _refusal(key, current, refused))
            status, headers, body = _send(current, settings, clock)
            location = header(headers, "Location")
            if status in REDIRECTS and location:
                target = _joined(current, location)
                if target is None or not _web(target):
                    return _fail(
                        key,
                        f"{shown} redirects to an address that is not a web page; check the link.",
                        current,
                        status,
                    )
                current = target
                continue
            return _answered(key, current, status, headers, body, clock.attempts)
    except _OutOfTime as out:
        if out.batch:
            return None
        return _fail(
            key,
            f"{shown} did not answer within {clock.seconds:g} seconds, redirects and retries "
            "included; try again later or raise ALIGNFETCH_TIMEOUT.",
            current,
        )
    except _Refused as err:
        return _fail(key, _refusal(key, current, err.reason), current)
    except _Failed as err:
        return _fail(key, f"{shown} {err.predicate}", current, err.status)
    return _fail(
        key, f"{shown} redirected more than {net.MAX_REDIRECTS} times; check the link.", current
    )


def _refusal(key: str, current: str, why: str) -> str:
    """The sentence of a page not asked (or a redirect not followed) because of where it is."""
    where = "" if current == key else f" redirects to {_shown(current)}, which"
    return (
        f"{_shown(key)}{where} was not asked: {why}; alignfetch reads only pages at public "
        "addresses (ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1 lets it read others)."
    )


def _answered(
    key: str, final: str, status: int, headers: Mapping[str, str], body: bytes, attempts: int
) -> Outcome:
    from alignfetch.sources import Fetched

    shown = _shown(key)
    if status in (404, 410):
        return _fail(
            key,
            f"{shown} answered HTTP {status}: the page is gone; update or remove the entry.",
            final,
            status,
            kind=NotFoundError,
        )
    if status == 429:
        return _fail(
            key, f"{shown} is limiting requests (HTTP 429); try again later.", final, status
        )
    if status >= 500:
        after = net.after_attempts(attempts)
        return _fail(key, f"{shown} answered HTTP {status}{after}; try again later.", final, status)
    if status != 200:
        return _fail(key, f"{shown} answered HTTP {status}; check the link.", final, status)
    kind = media_type(headers)
    if kind is None and body.startswith(b"%PDF-"):
        kind = "application/pdf"
    if kind not in HTML_TYPES and kind is not None:
        record = head_of.unread(
            key,
            pdf=kind == "application/pdf",
            final=final,
            disposition=header(headers, "Content-Disposition"),
        )
        return Fetched(record, raw=head_of.raw(None, final=final, kind=kind), url=final)
    try:
        text = head_of.decode(body, headers)
    except head_of.Junk as junk:
        if kind is None:  # it never said it was a page: a file of some other kind
            record = head_of.unread(key)
            return Fetched(record, raw=head_of.raw(None, final=final, kind=kind), url=final)
        return _fail(
            key,
            f"{shown} is not an HTML page alignfetch can read ({junk.reason}); check the link.",
            final,
            status,
        )
    head = head_of.read(text)
    record = head_of.convert(key, head, final)
    return Fetched(record, raw=head_of.raw(head, final=final, kind=kind), url=final)


def _fail(
    key: str,
    message: str,
    url: str | None = None,
    status: int | None = None,
    *,
    kind: type[SourceError] = SourceError,
) -> SourceError:
    return kind(message, source=NAME, ids=(key,), url=url or key, status=status)


def _web(address: str) -> bool:
    try:
        parts = urlsplit(address)
        return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _joined(base: str, location: str) -> str | None:
    """``location`` read against ``base``; None when it is no URL (``http://[::1``)."""
    try:
        target = urljoin(base, location.strip())
        urlsplit(target).hostname  # noqa: B018  # raises for a host that is no address
    except ValueError:
        return None
    return target


def _shown(address: str) -> str:
    """A URL as a message repeats it: as written only when it is plain text."""
    return cap_echo(address if address.isprintable() else repr(address))


def _refused(address: str, settings: Settings) -> str | None:
    """Why ``address`` may not be asked (a clause), or None."""
    try:
        return addresses.refusal(address, allow_private=settings.allow_private_network)
    except addresses.Unresolved as err:
        # Behind a proxy, the proxy resolves names this machine may not know.
        if err.reason == "unknown host" and _proxy(address) is not None:
            return None
        raise _Failed(f"could not be reached ({err.reason}); check the link.") from None


def _proxy(address: str) -> str | None:
    """The proxy the environment names for ``address`` (HTTP_PROXY, NO_PROXY, ...)."""
    from requests.utils import get_environ_proxies, select_proxy

    try:
        return select_proxy(address, get_environ_proxies(address))
    except ValueError:
        return None


class _Failed(Exception):
    """A page that could not be asked; ``predicate`` says why, after the page's URL
    (``did not answer within 2 seconds; ...``)."""

    def __init__(self, predicate: str, status: int | None = None) -> None:
        super().__init__(predicate)
        self.predicate = predicate
        self.status = status


class _Refused(Exception):
    """The address connected to is not a public one (``reason``: a clause)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _OutOfTime(Exception):
    """The page's time, or the batch's (``batch``), is spent."""

    def __init__(self, batch: bool) -> None:
        super().__init__("out of time")
        self.batch = batch


class _Clock:
    """The time one page has: until ``end``, and never past the batch's ``deadline``."""

    def __init__(self, end: float, deadline: float | None) -> None:
        self.seconds = end - time.monotonic()
        self.end = end if deadline is None else min(end, deadline)
        self.batch = deadline is not None and deadline <= end
        self.attempts = 0
        """Attempts made of the last request (its retries included)."""

    def left(self) -> float:
        return self.end - time.monotonic()

    def out(self) -> _OutOfTime:
        return _OutOfTime(self.batch)


def _send(url: str, settings: Settings, clock: _Clock) -> tuple[int, Mapping[str, str], bytes]:
    """One request with its retries, all within ``clock``: the statuses of
    :data:`RETRY_STATUSES` and connections that fail or break off are asked again after
    ``Retry-After`` (at most ``ALIGNFETCH_MAX_WAIT``) or the back-off, when that leaves
    time for another attempt; otherwise the last answer, or failure, stands."""
    for attempt in range(settings.retries + 1):
        last = attempt == settings.retries
        clock.attempts = attempt + 1
        try:
            status, headers, body = _attempt(url, settings, clock)
        except net.NetError as err:
            if not err.retried or last or not _pause(settings, clock, None, attempt):
                raise _failed(err, settings, attempt + 1) from None
            continue
        if status not in RETRY_STATUSES or last:
            return status, headers, body
        after = net.retry_after(headers)
        if after is not None and after > settings.max_wait:
            raise _Failed(
                f"asks to wait {after:g} seconds (HTTP {status}), longer than "
                f"ALIGNFETCH_MAX_WAIT ({settings.max_wait:g} seconds); try again later.",
                status,
            )
        if not _pause(settings, clock, after, attempt):
            return status, headers, body
    raise AssertionError("unreachable")


def _pause(settings: Settings, clock: _Clock, after: float | None, attempt: int) -> bool:
    """Wait before the next attempt, when the wait leaves time for it; whether it waited."""
    delay = min(after if after is not None else settings.backoff * 2**attempt, settings.max_wait)
    if delay + min(settings.timeout, 1.0) > clock.left():
        return False
    time.sleep(delay)
    return True


def _failed(err: net.NetError, settings: Settings, attempts: int) -> _Failed:
    after = net.after_attempts(attempts)
    if isinstance(err, net.TimedOut):
        return _Failed(
            f"did not answer within {settings.timeout:g} seconds; try again later "
            "or raise ALIGNFETCH_TIMEOUT."
        )
    if isinstance(err, net.TooLarge):
        return _Failed(
            f"is larger than ALIGNFETCH_MAX_BYTES ({settings.max_bytes} bytes) and "
            "was not read; check the link, or raise ALIGNFETCH_MAX_BYTES."
        )
    if isinstance(err, net.Unreachable):
        return _Failed(f"could not be reached ({err.reason}){after}; check the link.")
    if isinstance(err, net.InvalidBody):
        return _Failed(f"is not an HTML page alignfetch can read ({err.reason}); check the link.")
    return _Failed(f"broke off its answer{after}; try again later.")


class _PagePolicy(net.Policy):
    """The policy, reading a body only when it is HTML (or says not what it is): a PDF
    or an image is left unread, and its connection goes with the one-request session."""

    def read(self, chunks: Iterable[bytes], headers: Mapping[str, str], deadline: float) -> bytes:
        kind = media_type(headers)
        if kind is not None and kind not in HTML_TYPES:
            return b""
        return super().read(chunks, headers, deadline)


def _attempt(url: str, settings: Settings, clock: _Clock) -> tuple[int, Mapping[str, str], bytes]:
    """One request, given at most half the time left (the policy may give an attempt twice
    its timeout against a server that trickles its answer), on a session of its own."""
    import requests

    from alignfetch.http import client

    left = clock.left()
    if left < min(settings.timeout, 1.0):
        raise clock.out()
    timeout = min(settings.timeout, left / 2)
    once = dataclasses.replace(settings, timeout=timeout, retries=0)
    host = urlsplit(url).netloc or url
    # The policy makes this one attempt and hands back every answer; _send retries. A
    # session per attempt: a body left unread never meets the next request.
    policy = _PagePolicy(once, host, frozenset())
    with client._session(policy, settings.user_agent) as s:
        s.headers["Accept"] = ACCEPT
        addresses.guard(s, allow_private=settings.allow_private_network)
        try:
            r = s.get(url, allow_redirects=False, timeout=timeout)
        except net.TimedOut:
            if timeout < settings.timeout:
                raise clock.out() from None  # cut short by the page's time, not the server
            raise
        except addresses.Refused as err:
            raise _Refused(err.reason) from None
        except requests.exceptions.InvalidURL:
            raise _Failed("is not a valid web address; check the link.") from None
        except requests.RequestException as err:
            raise _Failed(f"could not be asked ({type(err).__name__}); try again later.") from None
        except ValueError:
            # requests reads a redirect's Location even when it follows none.
            raise _Failed(
                "redirects to an address that is not a valid URL; check the link."
            ) from None
        return r.status_code, r.headers, r.content
