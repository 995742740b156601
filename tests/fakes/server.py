"""A small threaded HTTP server on 127.0.0.1 with routes, a request log and scripted faults.

Each fake service registers routes; a test can queue faults (status, headers,
body, or a delay longer than the client's timeout) that the next matching
requests get instead of the normal answer.
"""

from __future__ import annotations

import re
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

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

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

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
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

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        req = Request(method, parts.path, parse_qs(parts.query), dict(h.headers.items()))
        resp = self._answer(req)
        if resp.delay:
            time.sleep(resp.delay)
        body = resp.data()
        try:
            h.send_response(resp.status)
            headers = {k.lower(): v for k, v in resp.headers.items()}
            for k, v in resp.headers.items():
                h.send_header(k, v)
            if "content-length" not in headers:
                h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if method != "HEAD" and resp.status not in (204, 304):
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)
