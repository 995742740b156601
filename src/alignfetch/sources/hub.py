"""The Hugging Face Hub client, set up once for every Hub source.

``huggingface_hub`` reads ``HF_ENDPOINT`` when it is imported and sets no timeout
on its API calls; here every call goes to :attr:`Settings.hf_endpoint`, through a
client (installed with the Hub client's public ``set_client_factory``) whose
transport is :mod:`alignfetch.net`'s: the same timeouts, deadline, size cap and
retries as every other source. Its responses are kept as the raw payloads.
:func:`call` turns the client's errors into alignfetch's, and :func:`each` asks
for a batch of keys a few at a time (:data:`IN_FLIGHT`), from worker threads
sharing the one client (as ``huggingface_hub``'s own downloads do); every
outcome it hands back is free of the token (:func:`scrubbed`) and of records
with mistyped fields, whatever the kind. What ``huggingface_hub`` logs (the Hub's
``X-HF-Warning`` headers among it) is cleaned before any handler prints it
(:class:`_Cleaner`).
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.version import __version__

if TYPE_CHECKING:
    from huggingface_hub import HfApi

    from alignfetch.sources import Fetched, Outcome

T = TypeVar("T")
SERVICE = "the Hugging Face Hub"
PUBLIC = "https://huggingface.co"
"""Links in the list point at the public Hub, whatever endpoint answered."""

_bodies: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "hub_bodies", default=None
)
_installed: Settings | None = None


def api(settings: Settings) -> HfApi:
    """An ``HfApi`` on the configured endpoint, with our client installed."""
    # The Hub client would otherwise phone its telemetry endpoint on first use.
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from huggingface_hub import HfApi

    _install(settings)
    return HfApi(
        endpoint=settings.hf_endpoint,
        token=settings.hf_token or False,
        library_name="alignfetch",
        library_version=__version__,
    )


def _install(settings: Settings) -> None:
    global _installed
    if _installed == settings:
        return
    import httpx2
    from huggingface_hub import set_client_factory

    timeout = settings.timeout
    policy = net.Policy(settings, SERVICE, validate=_json_problem)

    def cap_timeout(request: httpx2.Request) -> None:
        # dataset_info passes timeout=None explicitly, which would beat a client default.
        given = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            k: timeout if given.get(k) is None else min(given[k], timeout)
            for k in ("connect", "read", "write", "pool")
        }

    def keep(response: httpx2.Response) -> None:
        bodies = _bodies.get()
        if bodies is not None and response.request.method == "GET":
            response.read()
            bodies[str(response.request.url)] = scrub(response.text, settings)

    def factory() -> httpx2.Client:
        from alignfetch.http import client

        # The transport is ours, so proxies from the environment are given to it here.
        return httpx2.Client(
            transport=client.transport(policy, _proxy(settings.hf_endpoint)),
            event_hooks={"request": [cap_timeout], "response": [keep]},
            follow_redirects=True,
            max_redirects=net.MAX_REDIRECTS,
            timeout=httpx2.Timeout(timeout),
            headers={"User-Agent": settings.user_agent},
            trust_env=False,
        )

    set_client_factory(factory)
    _clean_library_log(settings)
    _installed = settings


LOG_CAP = 500
"""The most characters of one ``huggingface_hub`` log message shown: a Hub header is quoted,
not a page of it."""
_tokens: set[str] = set()
"""Every token a Hub client was installed with: none may show in what the library logs."""


class _Cleaner(logging.Handler):
    """The first handler of the ``huggingface_hub`` logger: it rewrites each record in place
    (its message with the arguments put in, the token scrubbed, control characters and bidi
    overrides out, one line, :data:`LOG_CAP` characters at most; no traceback), so every
    handler after it, the library's own and any of the application's, prints it clean.

    The library logs what the Hub sends: an ``X-HF-Warning`` header goes to stderr as is,
    and a Hub (or anything at HF_ENDPOINT) may echo the token or terminal escapes in it. A
    filter on the logger would not do: it sees only what that logger itself logs, not
    what ``huggingface_hub.utils._http`` and the other child loggers pass up to it.
    """

    def handle(self, record: logging.LogRecord) -> bool:
        from alignfetch.errors import cap_echo
        from alignfetch.records import strip_controls

        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001  # a message that does not format is still said
            text = str(record.msg)
        from alignfetch.sources import tokens

        for token in _tokens:
            text = tokens.scrub(text, token, "[HF_TOKEN]")
        record.msg = cap_echo(" ".join(strip_controls(text).split()), LOG_CAP)
        record.args = ()
        record.exc_info = record.exc_text = record.stack_info = None
        return False  # nothing of its own to emit

    def emit(self, record: logging.LogRecord) -> None:  # pragma: no cover  # handle() does it
        pass


def _clean_library_log(settings: Settings) -> None:
    """Clean what ``huggingface_hub`` logs from now on (:class:`_Cleaner`), once per process."""
    if settings.hf_token:
        _tokens.add(settings.hf_token)
    logger = logging.getLogger("huggingface_hub")
    if not any(isinstance(h, _Cleaner) for h in logger.handlers):
        logger.handlers.insert(0, _Cleaner())  # before the library's own stderr handler


def _proxy(endpoint: str) -> str | None:
    """The proxy the environment names for ``endpoint`` (``HTTPS_PROXY``, ``NO_PROXY``)."""
    import urllib.request  # with it ssl and http.client: only when the Hub is asked
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint)
    if urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return urllib.request.getproxies().get(parts.scheme)


LISTINGS = ("/api/daily_papers",)
"""API paths whose answer is an array, not an object."""


def _json_problem(url: str, answer: net.Answer) -> str | None:
    """Why a 200 from the Hub's API is not the JSON it documents, or None (files are not
    checked here: see :func:`hub_repo.fetch_card`): UTF-8 text (JSON is UTF-8, and
    ``json.loads`` would otherwise guess UTF-16 from bytes), parsing as an object, or
    for a listing (:data:`LISTINGS`) an array."""
    import json

    if "/api/" not in url:
        return None
    try:
        text = answer.body.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    if not text.strip():
        return "an empty page"
    try:
        body = json.loads(text)
    except RecursionError:
        return "JSON nested too deep"
    except ValueError:
        head = answer.body.lstrip()[:15].lower()
        return "an HTML page" if head.startswith((b"<!doctype html", b"<html")) else "not JSON"
    path = url.split("?", 1)[0].rstrip("/")
    if path.endswith(LISTINGS):
        return None if isinstance(body, list) else "JSON that is not an array"
    return None if isinstance(body, dict) else "JSON that is not an object"


def scrub(text: str, settings: Settings) -> str:
    """``text`` without the token in any spelling (:func:`tokens.scrub`: JSON's ``\\u``
    escapes among them, which a raw payload keeps): nothing alignfetch stores or prints
    may hold it."""
    from alignfetch.sources import tokens

    return tokens.scrub(text, settings.hf_token, "[HF_TOKEN]")


def scrubbed(outcome: Outcome, settings: Settings) -> Outcome:
    """``outcome`` without the token in any text it holds: every field of the record
    (an answer may echo the token into a Space's description or a collection's
    title), the raw payload, the warning, an error's message. Every Hub kind's
    outcomes pass here (:func:`each`), so no kind needs code of its own for it."""
    from alignfetch.sources import tokens

    return tokens.scrubbed(outcome, settings.hf_token, "[HF_TOKEN]")


class Capture:
    """Collects the bodies of the GET responses made inside the ``with`` block."""

    def __enter__(self) -> dict[str, str]:
        self._bodies: dict[str, str] = {}
        self._token = _bodies.set(self._bodies)
        return self._bodies

    def __exit__(self, *exc: object) -> None:
        _bodies.reset(self._token)


IN_FLIGHT = 4
"""Hub requests in flight at once, per batch of keys: a few, as a polite client keeps."""


def each(
    keys: Sequence[str],
    one: Callable[[str], Fetched],
    source: str,
    prefix: str,
    settings: Settings,
    *,
    deadline: float | None = None,
) -> dict[str, Outcome]:
    """``one(key)`` for each key, at most :data:`IN_FLIGHT` at once, failures kept per key,
    the outcomes in the order of ``keys``, none holding the token (:func:`scrubbed`).

    The first key goes alone: a Hub that is rate-limiting or down is found out by one
    request (and its retries), not by several. After a rate limit no key is started,
    and every key after the limited one fails alike, whether or not its answer came
    back: asking again would only be refused again, and the outcome does not depend
    on which requests happened to be in flight. An answer whose fields are not what
    the Hub documents (a number where a list belongs) fails its key, as an answer that
    is not JSON does. With ``deadline`` (``time.monotonic()``), keys not back by then
    are left out of the result; their requests end on their own, unread.
    """
    from alignfetch.sources import Fetched  # at run time, for isinstance
    from alignfetch.stored import well_typed

    order = list(dict.fromkeys(keys))

    def unreadable(key: str) -> SourceError:
        return SourceError(
            f"The Hugging Face Hub sent an answer for {prefix}:{key} that alignfetch could "
            "not read; try again later.",
            source=source,
            ids=(key,),
        )

    def attempt(key: str) -> Outcome:
        try:
            got: Outcome = one(key)
        except SourceError as err:
            got = err
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            got = unreadable(key)
        if isinstance(got, Fetched) and not well_typed(got.record):
            got = unreadable(key)  # a field of the wrong type: no command could read it back
        return scrubbed(got, settings)

    done = _gather(order[:1], attempt, 1, deadline)
    if order[1:] and order[0] in done and not isinstance(done[order[0]], RateLimitError):
        done.update(_gather(order[1:], attempt, IN_FLIGHT, deadline))
    out: dict[str, Outcome] = {}
    limited: RateLimitError | None = None
    for key in order:
        if limited is not None:
            out[key] = RateLimitError(
                limited.message, source=source, ids=(key,), url=limited.url, status=limited.status
            )
        elif key in done:
            outcome = out[key] = done[key]
            if isinstance(outcome, RateLimitError):
                limited = outcome
    return out


def _gather(
    keys: Sequence[str],
    attempt: Callable[[str], Outcome],
    workers: int,
    deadline: float | None,
) -> dict[str, Outcome]:
    """``attempt(key)`` for ``keys`` in order, ``workers`` at a time; what came back.

    Each key runs in a copy of the caller's context (:class:`Capture` keeps its
    bodies per key). No key is started after a rate limit or after ``deadline``;
    what is still in flight then is not waited for (the threads are daemons, each
    request bounded by the transport's deadline). An unexpected exception (a bug)
    is raised here, in the caller's thread.
    """
    import threading
    import time

    parent = contextvars.copy_context()
    done: dict[str, Outcome] = {}
    crashed: list[BaseException] = []
    pending = iter(keys)
    changed = threading.Condition()
    alive = min(workers, len(keys))
    stop = False

    def work() -> None:
        nonlocal alive, stop
        try:
            while True:
                with changed:
                    key = None if stop else next(pending, None)
                if key is None:
                    return
                try:
                    outcome = parent.copy().run(attempt, key)
                except BaseException as err:  # noqa: BLE001  # raised in the caller's thread
                    with changed:
                        crashed.append(err)
                        stop = True
                    return
                with changed:
                    done[key] = outcome
                    stop = stop or isinstance(outcome, RateLimitError)
        finally:
            with changed:
                alive -= 1
                changed.notify_all()

    with changed:
        for _ in range(alive):
            threading.Thread(target=work, name="alignfetch-hub", daemon=True).start()
        while alive > 0:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                stop = True
                break
            changed.wait(left)
        if crashed:
            raise crashed[0]
        return dict(done)


def call(
    fn: Callable[[], T],
    settings: Settings,
    *,
    source: str,
    ident: str,
    url: str,
    missing_ok: bool = False,
) -> T | None:
    """Run one Hub call (retried by the transport); a 404 is None when ``missing_ok``."""
    import httpx2
    from huggingface_hub.errors import (
        DisabledRepoError,
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
    )

    kw: dict[str, Any] = {"source": source, "ids": (ident,), "url": url}

    def fail(kind: type[SourceError], message: str, status: int | None = None) -> SourceError:
        return kind(scrub(message, settings), status=status, **kw)

    try:
        return fn()
    except GatedRepoError as err:
        raise fail(
            SourceError,
            f"{ident} is gated on the Hugging Face Hub; request access on its page, "
            "then set HF_TOKEN to a token of the account that has it.",
            _status(err),
        ) from None
    except RepositoryNotFoundError as err:
        raise fail(
            NotFoundError,
            f"{ident} does not exist on the Hugging Face Hub, or is private; check the ID "
            f"(for a private {_KIND_NAMES.get(ident.split(':', 1)[0], 'repository')}, "
            "set HF_TOKEN).",
            _status(err),
        ) from None
    except DisabledRepoError as err:
        raise fail(
            SourceError,
            f"{ident} has been disabled on the Hugging Face Hub; remove it from the list.",
            _status(err),
        ) from None
    except HfHubHTTPError as err:
        status = _status(err)
        if status == 404 and missing_ok:
            return None
        attempts = settings.retries + 1
        if status == 429:
            raise fail(
                RateLimitError,
                f"The Hugging Face Hub is rate-limiting requests (HTTP 429) after "
                f"{attempts} attempts; wait a few minutes and try again, "
                "or set HF_TOKEN for a higher limit.",
                status,
            ) from None
        if status == 404:
            raise fail(
                NotFoundError,
                f"{ident} was not found on the Hugging Face Hub (HTTP 404); check the ID.",
                status,
            ) from None
        if status in (401, 403):
            raise fail(
                SourceError,
                f"The Hugging Face Hub refused access to {ident} (HTTP {status}); "
                "set HF_TOKEN to a token that can read it.",
                status,
            ) from None
        tries = f" after {attempts} attempts" if status in net.RETRY_STATUSES else ""
        raise fail(
            SourceError,
            f"The Hugging Face Hub answered HTTP {status} for {ident}{tries}; try again later.",
            status,
        ) from None
    except net.WaitTooLong as err:
        raise fail(
            RateLimitError,
            f"The Hugging Face Hub {err.reason} for {ident}, longer than ALIGNFETCH_MAX_WAIT "
            f"({settings.max_wait:g} seconds); try again later.",
            err.status,
        ) from None
    except net.TimedOut:
        raise fail(
            SourceError,
            f"The Hugging Face Hub did not answer within {settings.timeout:g} seconds "
            f"for {ident}; try again later or raise ALIGNFETCH_TIMEOUT.",
        ) from None
    except net.TooLarge:
        raise fail(
            SourceError,
            f"The Hugging Face Hub's answer for {ident} was larger than ALIGNFETCH_MAX_BYTES "
            f"({settings.max_bytes} bytes) and was not read; try again later.",
        ) from None
    except net.Unreachable as err:
        raise fail(
            SourceError,
            f"The Hugging Face Hub could not be reached at {settings.hf_endpoint} "
            f"({err.reason}); check the network or HF_ENDPOINT.",
        ) from None
    except net.BrokenAnswer as err:
        raise fail(
            SourceError,
            f"The Hugging Face Hub broke off its answer for {ident}{err.after}; try again later.",
        ) from None
    except net.InvalidBody as err:
        raise fail(
            SourceError,
            f"The Hugging Face Hub sent an answer for {ident} that is not valid "
            f"({err.reason}){err.after}; try again later.",
        ) from None
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        # JSON, but not shaped as the client expects (a date that is no date...).
        raise fail(
            SourceError,
            f"The Hugging Face Hub sent an answer for {ident} that alignfetch could not read; "
            "try again later.",
        ) from None
    except httpx2.TooManyRedirects:
        raise fail(
            SourceError,
            f"The Hugging Face Hub redirected the request for {ident} more than "
            f"{net.MAX_REDIRECTS} times; check HF_ENDPOINT.",
        ) from None
    except httpx2.HTTPError as err:
        raise fail(
            SourceError,
            f"The request to the Hugging Face Hub for {ident} failed "
            f"({type(err).__name__}); try again later.",
        ) from None


_KIND_NAMES = {"hf": "dataset", "hf-model": "model", "hf-space": "Space"}
"""What a not-found message calls the repository, by ID prefix."""


def _status(err: Any) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)
