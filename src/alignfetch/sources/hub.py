"""The Hugging Face Hub client, set up once for every Hub source.

``huggingface_hub`` reads ``HF_ENDPOINT`` when it is imported and sets no timeout
on its API calls; here every call goes to :attr:`Settings.hf_endpoint`, through a
client whose requests all carry a timeout and alignfetch's User-Agent, and whose
responses are kept as the raw payloads. :func:`call` turns the client's errors
into alignfetch's, retrying 429 and 5xx with the project's back-off.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from .. import __version__, net
from ..config import Settings
from ..errors import NotFoundError, RateLimitError, SourceError

if TYPE_CHECKING:
    from huggingface_hub import HfApi

    from . import Fetched, Outcome

T = TypeVar("T")
RETRY = frozenset({429, 500, 502, 503, 504})
PUBLIC = "https://huggingface.co"
"""Links in the list point at the public Hub, whatever endpoint answered."""

_bodies: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "hub_bodies", default=None
)
_installed: tuple[float, str] | None = None


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
    if _installed == (settings.timeout, settings.user_agent):
        return
    import httpx2
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils._http import hf_request_event_hook

    timeout = settings.timeout

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
            bodies[str(response.request.url)] = response.text

    def factory() -> httpx2.Client:
        return httpx2.Client(
            event_hooks={"request": [hf_request_event_hook, cap_timeout], "response": [keep]},
            follow_redirects=True,
            timeout=httpx2.Timeout(timeout),
            headers={"User-Agent": settings.user_agent},
        )

    set_client_factory(factory)
    _installed = (settings.timeout, settings.user_agent)


class Capture:
    """Collects the bodies of the GET responses made inside the ``with`` block."""

    def __enter__(self) -> dict[str, str]:
        self._bodies: dict[str, str] = {}
        self._token = _bodies.set(self._bodies)
        return self._bodies

    def __exit__(self, *exc: object) -> None:
        _bodies.reset(self._token)


def each(keys: Sequence[str], one: Callable[[str], Fetched], source: str) -> dict[str, Outcome]:
    """``one(key)`` for each key, failures kept per key. After a rate limit the rest
    fail alike without a request: asking again would only be refused again."""
    out: dict[str, Outcome] = {}
    limited: RateLimitError | None = None
    for key in dict.fromkeys(keys):
        if limited is not None:
            out[key] = RateLimitError(
                limited.message, source=source, ids=(key,), url=limited.url, status=limited.status
            )
            continue
        try:
            out[key] = one(key)
        except SourceError as err:
            out[key] = err
            if isinstance(err, RateLimitError):
                limited = err
    return out


def call(
    fn: Callable[[], T],
    settings: Settings,
    *,
    source: str,
    ident: str,
    url: str,
    missing_ok: bool = False,
) -> T | None:
    """Run one Hub call with retries; a 404 is None when ``missing_ok``."""
    import httpx2
    from huggingface_hub.errors import (
        DisabledRepoError,
        GatedRepoError,
        HfHubHTTPError,
        RepositoryNotFoundError,
    )

    kw: dict[str, Any] = {"source": source, "ids": (ident,), "url": url}
    for attempt in range(settings.retries + 1):
        try:
            return fn()
        except GatedRepoError as err:
            raise SourceError(
                f"{ident} is gated on the Hugging Face Hub; request access on its page, "
                "then set HF_TOKEN to a token of the account that has it.",
                status=_status(err),
                **kw,
            ) from None
        except RepositoryNotFoundError as err:
            raise NotFoundError(
                f"{ident} does not exist on the Hugging Face Hub, or is private; check the ID "
                "(for a private dataset, set HF_TOKEN).",
                status=_status(err),
                **kw,
            ) from None
        except DisabledRepoError as err:
            raise SourceError(
                f"{ident} has been disabled on the Hugging Face Hub; remove it from the list.",
                status=_status(err),
                **kw,
            ) from None
        except HfHubHTTPError as err:
            status = _status(err)
            if status == 404 and missing_ok:
                return None
            if status in RETRY and attempt < settings.retries:
                headers = err.response.headers if err.response is not None else {}
                time.sleep(net.backoff_delay(attempt, settings, headers.get("Retry-After")))
                continue
            if status == 429:
                raise RateLimitError(
                    f"The Hugging Face Hub is rate-limiting requests (HTTP 429) after "
                    f"{settings.retries + 1} attempts; wait a few minutes and try again, "
                    "or set HF_TOKEN for a higher limit.",
                    status=status,
                    **kw,
                ) from None
            if status == 404:
                raise NotFoundError(
                    f"{ident} was not found on the Hugging Face Hub (HTTP 404); check the ID.",
                    status=status,
                    **kw,
                ) from None
            if status in (401, 403):
                raise SourceError(
                    f"The Hugging Face Hub refused access to {ident} (HTTP {status}); "
                    "set HF_TOKEN to a token that can read it.",
                    status=status,
                    **kw,
                ) from None
            raise SourceError(
                f"The Hugging Face Hub answered HTTP {status} for {ident}; try again later.",
                status=status,
                **kw,
            ) from None
        except httpx2.TimeoutException:
            raise SourceError(
                f"The Hugging Face Hub did not answer within {settings.timeout:g} seconds "
                f"for {ident}; try again later or raise ALIGNFETCH_TIMEOUT.",
                **kw,
            ) from None
        except httpx2.TransportError as err:
            raise SourceError(
                f"The Hugging Face Hub could not be reached at {settings.hf_endpoint} "
                f"({type(err).__name__}); check the network or HF_ENDPOINT.",
                **kw,
            ) from None
        except ValueError:  # a 200 whose body is not the JSON the client expects
            raise SourceError(
                f"The Hugging Face Hub sent an answer for {ident} that is not valid JSON; "
                "try again later.",
                **kw,
            ) from None
    raise AssertionError("unreachable")


def _status(err: Any) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)
