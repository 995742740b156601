"""A small threaded HTTP server on 127.0.0.1 with routes, a request log and scripted faults.

Each fake service registers routes; a test can queue faults that the next matching
requests get instead of the normal answer: any status, headers and body, a delay
longer than the client's timeout, or a broken exchange (a body trickled byte by
byte, cut short, a reset connection, raw bytes, a body streamed far past its
announced size). ``fakes.faults`` names the usual ones.

It serves GET, HEAD and POST: a POST's body (its ``Content-Length`` bytes) is read
before routing, so faults and the log see POSTs as any request, the connection stays
usable for the next one, and a route registered for ``"POST"`` reads it as
:attr:`Request.body` (or :meth:`Request.form` for an HTML form's fields).
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)
    """When the request arrived (``time.monotonic``), to measure waits between requests."""
    body: bytes = b""
    """What a POST sent (empty for GET and HEAD)."""

    def arg(self, name: str, default: str = "") -> str:
        """A parameter, from the query string or else, as a server such as arXiv's
        reads them, from a POSTed form (:meth:`form`)."""
        if name in self.query:
            return self.query[name][0]
        return self.form().get(name, [default])[0]

    def form(self) -> dict[str, list[str]]:
        """The fields of an ``application/x-www-form-urlencoded`` body (none for another
        body, such as JSON)."""
        kind = next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")
        if kind.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            return {}
        return parse_qs(self.body.decode("utf-8", "replace"))


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    trickle: float = 0.0
    """Seconds between the body's bytes, sent one at a time."""
    cut: int | None = None
    """Send only this many bytes of the body (its full length announced), then hang up."""
    reset: bool = False
    """Reset the connection instead of answering."""
    raw: bytes | None = None
    """Send these bytes as the whole answer (one by one if ``trickle``), then hang up."""
    stream: int = 0
    """After the body, this many more bytes, chunked (no Content-Length), as fast as read."""

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


Handler = Callable[[Request, re.Match[str]], Response]


@dataclass
class Fault:
    pattern: re.Pattern[str]
    response: Response
    times: int


class FakeServer:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.faults: list[Fault] = []
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self.in_flight: dict[str, int] = {}
        """Requests being served, by their ``Host`` header."""
        self.max_in_flight: dict[str, int] = {}
        """The most requests ever served at once, by ``Host`` header and ``""`` for all."""
        self.latency = 0.0
        """Seconds every answer waits before it is sent (a distant server), besides any
        ``Response.delay``; 0, the default, answers at once."""
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body in one buffered write, sent at once: otherwise Nagle's
            # algorithm and delayed ACKs add 40 ms to every keep-alive request.
            wbufsize = 1 << 16
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                server._serve(self, "GET")

            def do_HEAD(self) -> None:
                server._serve(self, "HEAD")

            def do_POST(self) -> None:  # noqa: N802  # http.server's name
                # The body is read first, whatever the answer: unread, it would be taken
                # for the next request on this keep-alive connection.
                length = int(self.headers.get("Content-Length") or 0)
                server._serve(self, "POST", self.rfile.read(length) if length else b"")

            def log_message(self, *args: object) -> None:
                pass

        class _Server(ThreadingHTTPServer):
            def handle_error(self, request: object, client_address: object) -> None:
                # A client that hangs up mid-answer (a size cap, a deadline) is expected;
                # the traceback would land on the stderr a test is reading.
                import sys

                server.errors.append(repr(sys.exc_info()[1]))

        self.errors: list[str] = []
        self.httpd = _Server(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern), handler))

    def fail(self, pattern: str, response: Response, times: int = 1) -> None:
        """The next ``times`` requests whose path matches ``pattern`` get ``response``."""
        self.faults.append(Fault(re.compile(pattern), response, times))

    def requests(self, pattern: str = "") -> list[Request]:
        rx = re.compile(pattern)
        return [r for r in self.log if rx.search(r.path)]

    def _answer(self, req: Request) -> Response:
        with self._lock:
            self.log.append(req)
            for fault in self.faults:
                if fault.times > 0 and fault.pattern.search(req.path):
                    fault.times -= 1
                    return fault.response
        for method, pattern, handler in self.routes:
            m = pattern.fullmatch(req.path)
            if m and method in (req.method, "GET" if req.method == "HEAD" else ""):
                return handler(req, m)
        return Response(404, '{"error":"Not Found"}', {"Content-Type": "application/json"})

    def _serve(self, h: BaseHTTPRequestHandler, method: str, body: bytes = b"") -> None:
        parts = urlsplit(h.path)
        req = Request(method, parts.path, parse_qs(parts.query), dict(h.headers.items()), body=body)
        host = h.headers.get("Host", "")
        with self._lock:
            for key in (host, ""):
                self.in_flight[key] = self.in_flight.get(key, 0) + 1
                self.max_in_flight[key] = max(self.max_in_flight.get(key, 0), self.in_flight[key])
        try:
            resp = self._answer(req)
            if resp.delay or self.latency:
                time.sleep(resp.delay + self.latency)
            try:
                if resp.reset or resp.raw is not None:
                    self._break(h, resp)
                    return
                self._send(h, method, resp)
            except (BrokenPipeError, ConnectionResetError):
                h.close_connection = True  # the client gave up (a timeout or size test)
        finally:
            with self._lock:
                for key in (host, ""):
                    self.in_flight[key] -= 1

    @staticmethod
    def _break(h: BaseHTTPRequestHandler, resp: Response) -> None:
        if resp.raw is not None and resp.trickle:
            for i in range(len(resp.raw)):  # status line and headers too
                h.wfile.write(resp.raw[i : i + 1])
                h.wfile.flush()
                time.sleep(resp.trickle)
        elif resp.raw is not None:
            h.wfile.write(resp.raw)
            h.wfile.flush()
        else:
            # SO_LINGER with a zero timeout: close() sends RST, not FIN.
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, method: str, resp: Response) -> None:
        body = resp.data()
        h.send_response(resp.status)
        headers = {k.lower(): v for k, v in resp.headers.items()}
        for k, v in resp.headers.items():
            h.send_header(k, v)
        if resp.stream:
            h.send_header("Transfer-Encoding", "chunked")
        elif "content-length" not in headers:
            h.send_header("Content-Length", str(len(body)))
        if resp.cut is not None or resp.trickle:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if method == "HEAD" or resp.status in (204, 304):
            return
        if resp.stream:
            block = b"x" * 65536
            for piece in (body, *[block] * (resp.stream // len(block) + 1)):
                if piece:
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            h.wfile.write(b"0\r\n\r\n")
        elif resp.trickle:
            h.wfile.flush()
            for i in range(len(body)):
                h.wfile.write(body[i : i + 1])
                h.wfile.flush()
                time.sleep(resp.trickle)
        elif resp.cut is not None:
            h.wfile.write(body[: resp.cut])
        else:
            h.wfile.write(body)
