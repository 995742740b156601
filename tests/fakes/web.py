"""A few plain web pages, for the ``link`` rule of ``check``: each path answers one way.

``/page/ok`` 200; ``/page/missing`` 404; ``/page/removed`` 410; ``/page/broken`` 500;
``/page/no-head`` 405 to HEAD and 200 to GET; ``/page/head-forbidden`` 403 to
HEAD and 200 to GET; ``/page/head-forbidden-missing`` 403 to HEAD and 404 to GET;
``/page/moved`` 301 to ``/page/moved-on``,
which 302s to ``/page/ok``; ``/page/moved-away`` 301 to ``/page/missing``;
``/page/to-ftp`` 302 to an ``ftp://`` address; ``/page/slow/N`` 200 after
:attr:`FakeWeb.delay` seconds (to see how many requests are in flight at once);
``/page/to`` 302 to the URL given as its ``url`` query argument (a page that sends
the checker elsewhere, inside for instance); ``/page/hop/N`` a hostile site: after
:attr:`FakeWeb.delay` seconds, a 302 to
``/page/hop/N+1`` while N is below 10, then ``503`` with ``Retry-After: 10``; ``/page/busy``
``503`` with the ``Retry-After`` its ``after`` query argument names (10 without it).

Reached through a proxy (the server takes ``GET http://host/page/...`` as well), it
answers for any host name: a test can so give a page a public-looking name.
"""

from __future__ import annotations

import re

from .server import FakeServer, Handler, Request, Response

HTML = {"Content-Type": "text/html; charset=utf-8"}


class FakeWeb:
    def __init__(self, server: FakeServer, delay: float = 0.3) -> None:
        self.server = server
        self.delay = delay

        def fixed(status: int, headers: dict[str, str] | None = None) -> Handler:
            def handler(req: Request, m: re.Match[str]) -> Response:
                return Response(status, "<html>page</html>", {**HTML, **(headers or {})})

            return handler

        server.route("HEAD", r"/page/no-head", fixed(405, {"Allow": "GET"}))
        server.route("HEAD", r"/page/head-forbidden(-missing)?", fixed(403))
        for path, status, headers in (
            ("ok", 200, None),
            ("missing", 404, None),
            ("removed", 410, None),
            ("broken", 500, None),
            ("no-head", 200, None),
            ("head-forbidden", 200, None),
            ("head-forbidden-missing", 404, None),
            ("moved", 301, {"Location": "/page/moved-on"}),
            ("moved-on", 302, {"Location": f"{server.url}/page/ok"}),
            ("moved-away", 301, {"Location": "/page/missing"}),
            ("to-ftp", 302, {"Location": "ftp://files.example.org/x"}),
        ):
            server.route("GET", rf"/page/{path}", fixed(status, headers))
        server.route("GET", r"/page/slow/\d+", self._slow)
        server.route("GET", r"/page/to", self._to)
        server.route("GET", r"/page/hop/(\d+)", self._hop)
        server.route("GET", r"/page/busy", self._busy)

    def _to(self, req: Request, m: re.Match[str]) -> Response:
        return Response(302, "", {**HTML, "Location": req.arg("url")})

    def _hop(self, req: Request, m: re.Match[str]) -> Response:
        n = int(m[1])
        if n < 10:
            return Response(302, "", {**HTML, "Location": f"/page/hop/{n + 1}"}, delay=self.delay)
        return Response(503, "busy", {**HTML, "Retry-After": "10"}, delay=self.delay)

    def _busy(self, req: Request, m: re.Match[str]) -> Response:
        return Response(503, "busy", {**HTML, "Retry-After": req.arg("after", "10")})

    def _slow(self, req: Request, m: re.Match[str]) -> Response:
        return Response(200, "<html>slow</html>", HTML, delay=self.delay)

    def requests(self, path: str) -> list[str]:
        """The methods of the requests to ``path``, in order."""
        return [r.method for r in self.server.log if r.path == path]
