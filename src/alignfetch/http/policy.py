"""How alignfetch talks to every upstream: one retry-and-deadline policy, one pacer.

Every request any source sends, through ``requests`` (arXiv, GitHub) or through
the Hub client's ``httpx2`` (the Hugging Face Hub), passes through
:class:`Policy`, which

- names alignfetch in the User-Agent and gives the request a timeout;
- reads the answer as a stream, refusing it once it grows past
  :attr:`Settings.max_bytes` (or its ``Content-Length`` says it will), and
  giving up once the whole exchange has taken longer than
  :attr:`Settings.timeout` (so a server that trickles its answer cannot hold a
  request for much more than twice the timeout);
- retries, at most :attr:`Settings.retries` times: the HTTP statuses the source
  names, connections that fail or break off, and answers the source finds
  invalid (an HTML page where a feed was expected). It waits ``Retry-After``
  when the server sends one, up to :attr:`Settings.max_wait`; a longer one is
  refused with :class:`WaitTooLong` instead of slept through. Otherwise it
  backs off exponentially from :attr:`Settings.backoff`. A request that timed
  out is not retried: the caller has already waited the whole timeout once;
  nor is one to a host whose name does not resolve (:class:`UnknownHost`).
- says on the ``alignfetch`` logger when it retries, and why (at :data:`TALK` level).

A :class:`Pacer` spaces the requests to one service (arXiv asks for one every
three seconds, retries included). It is a separate object with a ``wait`` /
``mark`` interface, so that another pacer (say, one shared between processes
through the cache) can stand in for :class:`IntervalPacer`.

The failures are this module's own exceptions (:class:`NetError` and its
kinds); each source turns them into a :class:`~alignfetch.errors.SourceError`
with its own words.
"""

from __future__ import annotations

import io
import logging
import queue
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from alignfetch.config import Settings

if TYPE_CHECKING:
    pass

log = logging.getLogger("alignfetch.net")
TALK = logging.INFO
"""The level of retry talk: the CLI shows it on a terminal, and keeps a log's stderr to
the one sentence of a failure."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 10
CHUNK = 64 * 1024
BROKEN = "the connection broke off before the answer was complete"


# -- what can go wrong --------------------------------------------------------------


class NetError(Exception):
    """A request that brought back no usable answer; ``reason`` says why, briefly."""

    retried = False
    """Worth asking again: the next attempt may well be answered."""

    def __init__(self, reason: str, attempts: int = 1) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts

    @property
    def after(self) -> str:
        """`` after 3 attempts`` for a message, or nothing when there was one."""
        return after_attempts(self.attempts)


def after_attempts(attempts: int) -> str:
    """`` after 3 attempts`` for a message, or nothing for a single attempt."""
    return f" after {attempts} attempts" if attempts > 1 else ""


def unread(err: NetError, max_bytes: int) -> str:
    """What happened to an answer that was cut short or too large, after ``… answer for X``:
    ``was larger than ALIGNFETCH_MAX_BYTES (… bytes) and was not read`` or ``broke off``."""
    if isinstance(err, TooLarge):
        return f"was larger than ALIGNFETCH_MAX_BYTES ({max_bytes} bytes) and was not read"
    return "broke off" + err.after


def server_error(service: str, status: int, retries: int) -> Callable[[str], str]:
    """The sentence for a 5xx that outlasted ``retries`` retries, given the words for what
    was asked for: ``GitHub answered HTTP 502 for … after 4 attempts; try again later.``"""
    tries = after_attempts(retries + 1).strip() or "at the only attempt"
    return lambda ident: f"{service} answered HTTP {status} for {ident} {tries}; try again later."


class Unreachable(NetError):
    """No connection: refused, unknown host, connect timeout."""

    retried = True


class UnknownHost(Unreachable):
    """The host name does not resolve (no such name, or no name service at all).

    Not worth asking again: a name that did not resolve a second ago will not
    resolve after a back-off either, and waiting through the retries only made a
    command without network take twenty seconds to say so."""

    retried = False


class BrokenAnswer(NetError):
    """The connection broke off (reset, or the body was cut short, or not HTTP at all:
    which of these a client sees depends on timing, so they are one kind)."""

    retried = True


class InvalidBody(NetError):
    """An answer the source cannot use: HTML for JSON, a broken feed, false gzip."""

    retried = True


class TimedOut(NetError):
    """No answer, or no complete answer, within the timeout."""


class TooLarge(NetError):
    """The answer is larger than ``ALIGNFETCH_MAX_BYTES``."""


class WaitTooLong(NetError):
    """The server asks to wait longer than ``ALIGNFETCH_MAX_WAIT``."""

    def __init__(self, reason: str, seconds: float, status: int) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.status = status


# -- pacing ---------------------------------------------------------------------------


class Pacer(Protocol):
    """Spaces requests to one service: ``wait()`` before each, ``mark()`` after it ends."""

    def wait(self) -> None: ...

    def mark(self) -> None: ...


class IntervalPacer:
    """At least ``interval`` seconds from the end of one request to the start of the next,
    within this process; one request at a time (``wait`` takes a lock that ``mark``
    gives back, so the two always come in pairs)."""

    def __init__(self, interval: float, service: str = "arxiv") -> None:
        self.interval = interval
        self.service = service
        self._last = float("-inf")
        self._lock = threading.Lock()
        self._shared: AbstractContextManager[object] | None = None

    def wait(self) -> None:
        self._lock.acquire()
        delay = self._last + self.interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if shared_pace is not None and self.interval > 0:
            # Other processes on the same cache: the request waits for its turn there too.
            self._shared = shared_pace(self.service, self.interval)
            self._shared.__enter__()

    def mark(self) -> None:
        try:
            if self._shared is not None:
                shared, self._shared = self._shared, None
                shared.__exit__(None, None, None)
        finally:
            self._last = time.monotonic()
            if self._lock.locked():
                self._lock.release()


shared_pace: Callable[[str, float], AbstractContextManager[object]] | None = None
"""Set when the cache is shared (``Cache.paced``): every paced request (``interval`` > 0:
arXiv's, Semantic Scholar's) is sent inside ``shared_pace(service, interval)``, which keeps
each service's own pace across processes (the cache keeps the time of its last request)."""

_PACERS: dict[tuple[str, float], IntervalPacer] = {}
_PACERS_LOCK = threading.Lock()


def pacer(service: str, interval: float) -> IntervalPacer:
    """The process-wide pacer of ``service`` (one per interval, so tests may vary it)."""
    with _PACERS_LOCK:
        return _PACERS.setdefault((service, interval), IntervalPacer(interval, service))


# -- the policy -----------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """One complete answer: status, headers and the whole (decoded) body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


Validator = Callable[[str, Answer], str | None]
"""``(url, answer)`` -> why a 200 answer is unusable, or None when it is fine."""


@dataclass(frozen=True)
class Policy:
    """When to retry, how long to wait, how much to read: the same for every source."""

    settings: Settings
    service: str
    """How messages name the service, mid-sentence: ``arXiv``, ``the Hugging Face Hub``."""
    statuses: frozenset[int] = RETRY_STATUSES
    pacer: Pacer | None = None
    validate: Validator | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def run(self, url: str, once: Callable[[float], Answer]) -> Answer:
        """``once(deadline)`` until it brings an answer worth keeping, or retries run out.

        ``once`` makes one attempt and reads the whole answer before the
        monotonic ``deadline``; it raises a :class:`NetError` when it cannot.
        The last answer is returned even when its status is one to retry: the
        source words that failure itself.
        """
        retries = self.settings.retries
        for attempt in range(retries + 1):
            if self.pacer is not None:
                self.pacer.wait()
            try:
                answer = self._bounded(once)
                if answer.status == 200 and self.validate is not None:
                    problem = self.validate(url, answer)
                    if problem is not None:
                        raise InvalidBody(problem)
            except NetError as err:
                err.attempts = attempt + 1
                if not err.retried or attempt == retries:
                    raise
                self._pause(attempt, _talk(err), None)
                continue
            finally:
                if self.pacer is not None:
                    self.pacer.mark()
            if answer.status not in self.statuses:
                return answer
            after = retry_after(answer.headers)
            if after is not None and after > self.settings.max_wait:
                raise WaitTooLong(
                    f"asks to wait {after:g} seconds (HTTP {answer.status})", after, answer.status
                )
            if attempt == retries:
                return answer
            self._pause(attempt, f"answered HTTP {answer.status}", after)
        raise AssertionError("unreachable")

    def _bounded(self, once: Callable[[float], Answer]) -> Answer:
        """One attempt, given up after twice the timeout whatever the server does.

        ``once`` checks the deadline itself as the body arrives; a server that
        trickles its status line or headers never lets it, so the attempt runs on
        a worker thread (:data:`_WORKERS`) and is abandoned (its thread is free
        again once the server lets go) when it has taken twice the timeout.
        """
        timeout = self.settings.timeout
        return _WORKERS.run(lambda: once(time.monotonic() + timeout), 2 * timeout)

    def _pause(self, attempt: int, what: str, after: float | None) -> None:
        delay = after if after is not None else self.settings.backoff * 2**attempt
        delay = min(delay, self.settings.max_wait)
        log.log(
            TALK,
            "%s %s; retrying in %s s (%d/%d).",
            _capital(self.service),
            what,
            f"{delay:.3g}",
            attempt + 1,
            self.settings.retries,
        )
        self.sleep(delay)

    def read(self, chunks: Iterable[bytes], headers: Mapping[str, str], deadline: float) -> bytes:
        """The whole body from ``chunks``, within the size cap and the deadline."""
        cap = self.settings.max_bytes
        length = _header(headers, "Content-Length")
        if length is not None and length.strip().isdigit() and int(length) > cap:
            raise TooLarge(f"{int(length)} bytes announced")
        buf = io.BytesIO()
        for chunk in chunks:
            if buf.tell() + len(chunk) > cap:
                raise TooLarge(f"more than {cap} bytes")
            buf.write(chunk)
            if time.monotonic() > deadline:
                raise TimedOut("the answer came too slowly")
        return buf.getvalue()


class _Job:
    """One attempt handed to a worker: its result or its exception, and when it ended."""

    __slots__ = ("call", "done", "outcome")

    def __init__(self, call: Callable[[], Answer]) -> None:
        self.call = call
        self.done = threading.Event()
        self.outcome: Answer | BaseException | None = None


class _Workers:
    """Threads that make attempts and are kept for the next one.

    A thread started and joined per request costs its start, its end and its
    stack for each of thousands of requests in a refresh; a worker here waits for
    its next attempt instead. There are as many as there are attempts at once
    (the Hub's few in flight, arXiv's one, GitHub's one); a worker whose attempt
    was abandoned (a trickling server) takes new work only once it has ended.
    Thread-safe: any thread may call :meth:`run`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[_Job]] = []

    def run(self, call: Callable[[], Answer], limit: float) -> Answer:
        """``call()`` on a worker; :class:`TimedOut` when it takes more than ``limit`` s."""
        job = _Job(call)
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            worker = threading.Thread(
                target=self._serve, args=(inbox,), name="alignfetch-request", daemon=True
            )
            worker.start()
        inbox.put(job)
        if not job.done.wait(limit):
            raise TimedOut("the answer came too slowly")
        if isinstance(job.outcome, BaseException):
            raise job.outcome
        assert job.outcome is not None
        return job.outcome

    def _serve(self, inbox: queue.SimpleQueue[_Job]) -> None:
        while True:
            job = inbox.get()
            try:
                job.outcome = job.call()
            except BaseException as err:  # noqa: BLE001  # handed to the caller's thread
                job.outcome = err
            del job.call  # nothing of the attempt outlives it
            with self._lock:
                self._idle.append(inbox)  # free before the caller hears: its next call reuses it
            job.done.set()


_WORKERS = _Workers()
"""The process's request workers (see :meth:`Policy._bounded`)."""


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (a number or an HTTP date), or None."""
    value = _header(headers, "Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # only for a dated Retry-After

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _header(headers: Mapping[str, str], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers.items() if k.lower() == low), None)


def _capital(service: str) -> str:
    """``the Hugging Face Hub`` opening a sentence (``arXiv`` keeps its small a)."""
    return "The" + service[3:] if service.startswith("the ") else service


def _talk(err: NetError) -> str:
    if isinstance(err, Unreachable):
        return "did not answer"
    if isinstance(err, BrokenAnswer):
        return "broke off its answer"
    return f"sent an answer that is not valid ({err.reason})"


# -- the HTTP clients, loaded only by a command that sends a request -----------------


def _decoded(chunks: Iterator[bytes], headers: Mapping[str, str], cap: int) -> Iterator[bytes]:
    """``chunks`` gunzipped or inflated as ``Content-Encoding`` says, never past ``cap``."""
    encoding = (_header(headers, "Content-Encoding") or "").strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate"):
        yield from chunks
        return
    inflate = zlib.decompressobj(wbits=47)  # gzip or zlib, told apart by their header
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = inflate.decompress(data, cap + 1)
                if out:
                    yield out
                data = inflate.unconsumed_tail
        tail = inflate.flush()
        if tail:
            yield tail
    except zlib.error:
        raise InvalidBody(f"its {encoding} body could not be decoded") from None
    if not inflate.eof:
        raise InvalidBody(f"its {encoding} body was cut short")
