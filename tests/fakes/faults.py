"""The faults a test can inject into any route of the fake services, by name.

Each is a :class:`~fakes.server.Response` to queue with ``FakeServer.fail``: the
ways an upstream answer goes wrong that alignfetch must turn into one sentence
(a status with its headers, raw bytes, a trickle, a reset, a redirect loop, a
body that claims gzip and is not, a huge body...).
"""

from __future__ import annotations

from .server import Response

HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>"
    b"<body>Checking your browser before accessing the site.</body></html>\n"
)


def nested_json(depth: int = 20_000) -> bytes:
    """JSON nested deeper than any parser's recursion allows."""
    return b"[" * depth + b"]" * depth


def nested_xml(depth: int = 5_000) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


FAULTS: dict[str, Response] = {
    "503": Response(503, "Service Unavailable", {"Content-Type": "text/plain"}),
    "429-wait-too-long": Response(
        429,
        '{"error":"rate limited"}',
        {"Content-Type": "application/json", "Retry-After": "100000"},
    ),
    "html": Response(200, HTML, {"Content-Type": "text/html; charset=utf-8"}),
    "empty": Response(200, b"", {"Content-Type": "application/json"}),
    "not-an-object": Response(200, b'["a", "list"]', {"Content-Type": "application/json"}),
    "nested": Response(200, nested_json(), {"Content-Type": "application/json"}),
    "fake-gzip": Response(
        200,
        b'{"id": "plain, not gzip"}',
        {"Content-Type": "application/json", "Content-Encoding": "gzip"},
    ),
    "truncated": Response(
        200, b'{"id": "' + b"x" * 5000 + b'"}', {"Content-Type": "application/json"}, cut=100
    ),
    "reset": Response(reset=True),
    "raw-garbage": Response(raw=b"SSH-2.0-OpenSSH_9.6\r\n"),
    "redirect-loop": Response(302, b"", {"Location": "/loop"}),
    "trickle": Response(
        200, b'{"id": "' + b"x" * 300 + b'"}', {"Content-Type": "application/json"}, trickle=0.01
    ),
    "huge": Response(200, b'{"a": "', {"Content-Type": "application/json"}, stream=50_000_000),
    "huge-announced": Response(
        200, b"{}", {"Content-Type": "application/json", "Content-Length": "900000000"}, cut=2
    ),
}
"""Every fault by name. A redirect loop sends the client to ``/loop``, which the
test routes back to itself (see :func:`loop`)."""


def loop() -> Response:
    """The answer of ``/loop``: itself, for ever."""
    return Response(302, b"", {"Location": "/loop"})
