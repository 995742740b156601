"""The HTTP clients' side of :mod:`alignfetch.net`: ``requests`` and ``httpx2`` adapters.

:mod:`alignfetch.net` owns the policy; this module plugs it into the two HTTP
stacks. It is imported only when a session or transport is made, so that
commands which send no request (``list``, ``show``, ``render``, parsing IDs)
never load ``requests``, ``urllib3`` or ``httpx2``.
"""

from __future__ import annotations

import functools
import io
import ssl
from collections.abc import Iterator, Mapping
from typing import Any

import httpx2
import requests
from requests.adapters import HTTPAdapter

from alignfetch.config import Settings
from alignfetch.http.policy import (
    BROKEN,
    CHUNK,
    MAX_REDIRECTS,
    RETRY_STATUSES,
    Answer,
    BrokenAnswer,
    InvalidBody,
    Pacer,
    Policy,
    TimedOut,
    UnknownHost,
    Unreachable,
    Validator,
    _decoded,
    _header,
)

# -- requests (arXiv, GitHub) -----------------------------------------------------------


def session(
    settings: Settings,
    service: str,
    *,
    statuses: frozenset[int] = RETRY_STATUSES,
    pacer: Pacer | None = None,
    validate: Validator | None = None,
) -> requests.Session:
    """A ``requests`` session whose every request goes through the :class:`Policy`."""
    return _session(Policy(settings, service, statuses, pacer, validate), settings.user_agent)


def _session(policy: Policy, user_agent: str) -> requests.Session:
    """A ``requests`` session whose every request goes through ``policy``."""
    s = requests.Session()
    adapter = _Adapter(policy)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    s.headers["User-Agent"] = user_agent
    s.max_redirects = MAX_REDIRECTS
    return s


class _Adapter(HTTPAdapter):
    """Sends each request through the policy; one connection per session."""

    def __init__(self, policy: Policy) -> None:
        super().__init__(max_retries=0, pool_connections=1, pool_maxsize=1)
        self.policy = policy

    def send(  # type: ignore[override]  # passes requests' keyword arguments through
        self, request: requests.PreparedRequest, **kwargs: Any
    ) -> requests.Response:
        # Clients such as arxiv.py set their own User-Agent per request; ours wins.
        request.headers["User-Agent"] = self.policy.settings.user_agent
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.policy.settings.timeout
        kwargs["stream"] = True
        last: list[requests.Response] = []

        def once(deadline: float) -> Answer:
            response = self._send_once(request, kwargs)
            try:
                body = self.policy.read(_raw_chunks(response), response.headers, deadline)
            except BaseException:
                response.close()
                raise
            response.raw.release_conn()  # read to the end: the connection may serve again
            response.raw = io.BytesIO(body)
            last[:] = [response]
            return Answer(response.status_code, response.headers, body)

        self.policy.run(request.url or "", once)
        return last[0]

    def _send_once(
        self, request: requests.PreparedRequest, kwargs: dict[str, Any]
    ) -> requests.Response:
        try:
            return super().send(request, **kwargs)
        except requests.exceptions.ConnectTimeout as err:
            raise Unreachable(_why(err)) from None
        except requests.exceptions.Timeout:
            raise TimedOut("no answer in time") from None
        except requests.exceptions.ConnectionError as err:
            if _unresolved(err):
                raise UnknownHost(_unknown(request.url)) from None
            if _never_connected(err):
                raise Unreachable(_why(err)) from None
            raise BrokenAnswer(BROKEN) from None


def _raw_chunks(response: Any) -> Iterator[bytes]:
    """The decoded body as it arrives (``read1``: whatever one read brings)."""
    from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

    raw = response.raw
    try:
        while chunk := raw.read1(CHUNK, decode_content=True):
            yield chunk
    except ReadTimeoutError:
        raise TimedOut("the answer stopped coming") from None
    except DecodeError as err:
        raise InvalidBody(f"its {_encoding(response.headers)} body could not be decoded") from err
    except ProtocolError:
        raise BrokenAnswer(BROKEN) from None


def _never_connected(err: Exception) -> bool:
    text = repr(err)
    return any(
        s in text
        for s in ("NewConnectionError", "NameResolutionError", "ConnectTimeout", "refused")
    )


def _unresolved(err: BaseException) -> bool:
    """Whether ``err`` comes of a host name that did not resolve.

    The resolver's own error (``socket.gaierror``) is somewhere down the chain:
    urllib3 wraps it in a ``NameResolutionError`` inside a ``MaxRetryError`` inside
    requests' ``ConnectionError``; httpx2 raises its ``ConnectError`` from it.
    """
    import socket

    seen: set[int] = set()
    todo: list[object] = [err]
    while todo:
        e = todo.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return True
        todo.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *e.args])
    return False


def _unknown(url: str | None) -> str:
    """The reason given for a host name that does not resolve: it names the host."""
    from urllib.parse import urlsplit

    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        host = None
    return f"unknown host {host}" if host else "unknown host"


def _why(err: BaseException) -> str:
    text = repr(err)
    if "refused" in text:
        return "connection refused"
    if "NameResolutionError" in text or "Name or service not known" in text:
        return "unknown host"
    if "timed out" in text.lower() or "Timeout" in text:
        return "no connection in time"
    return type(err).__name__


def _encoding(headers: Mapping[str, str]) -> str:
    return _header(headers, "Content-Encoding") or "compressed"


# -- httpx2 (the Hugging Face Hub) ----------------------------------------------------


def transport(policy: Policy, proxy: str | None = None) -> httpx2.BaseTransport:
    """An ``httpx2`` transport that sends each request through ``policy``.

    It decodes gzip and deflate itself, within the size cap (a small
    compressed answer cannot unpack into gigabytes), and hands the client the
    plain body.
    """
    return _Transport(policy, httpx2.HTTPTransport(verify=_ssl_context(), proxy=proxy))


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Loading the trusted certificates takes a good part of a second: do it once."""
    return httpx2.create_ssl_context()


class _Transport(httpx2.BaseTransport):
    def __init__(self, policy: Policy, inner: httpx2.BaseTransport) -> None:
        self.policy = policy
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.headers["User-Agent"] = self.policy.settings.user_agent
        request.headers["Accept-Encoding"] = "gzip, deflate"
        answer = self.policy.run(str(request.url), lambda deadline: self._once(request, deadline))
        # As bytes: a value outside ASCII (a Hub notice in another language, a C1 byte)
        # given as text is refused by httpx, which would fail a good answer.
        headers = [
            (k.encode("latin-1", "replace"), v.encode("utf-8", "surrogateescape"))
            for k, v in answer.headers.items()
            if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")
        ]
        headers.append((b"Content-Length", str(len(answer.body)).encode()))
        stream = httpx2.ByteStream(answer.body)
        return httpx2.Response(answer.status, headers=headers, stream=stream)

    def _once(self, request: httpx2.Request, deadline: float) -> Answer:
        try:
            response = self.inner.handle_request(request)
        except httpx2.ConnectTimeout as err:
            raise Unreachable(_why(err)) from None
        except httpx2.TimeoutException:
            raise TimedOut("no answer in time") from None
        except httpx2.ConnectError as err:
            if _unresolved(err):
                raise UnknownHost(_unknown(str(request.url))) from None
            raise Unreachable(_why(err) if str(err) else "connection refused") from None
        except httpx2.TransportError:
            raise BrokenAnswer(BROKEN) from None
        try:
            headers = dict(response.headers.items())
            chunks = _decoded(_httpx_chunks(response), headers, self.policy.settings.max_bytes)
            body = self.policy.read(chunks, headers, deadline)
        finally:
            response.close()
        return Answer(response.status_code, headers, body)

    def close(self) -> None:
        self.inner.close()


def _httpx_chunks(response: httpx2.Response) -> Iterator[bytes]:
    try:
        yield from response.stream  # type: ignore[misc]  # a sync transport's byte stream
    except httpx2.TimeoutException:
        raise TimedOut("the answer stopped coming") from None
    except httpx2.TransportError:
        raise BrokenAnswer(BROKEN) from None
