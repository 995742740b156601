"""A fake rss.arxiv.org: ``/rss/<categories>`` answers with a recorded (or constructed) feed.

A test sets which feed a category list gets; any other list gets a 200 whose body is
not a feed (a short HTML page), which the client must call a malformed listing.
"""

from __future__ import annotations

import re
from pathlib import Path

from .server import FakeServer, Request, Response

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


class FakeRss:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.feeds: dict[str, bytes] = {}
        server.route("GET", r"/rss/(?P<cats>[^/]+)", self.feed)

    def serve(self, categories: str, path: Path) -> None:
        """Answer ``/rss/<categories>`` (``cs.CL+cs.LG``) with the file at ``path``."""
        self.feeds[categories] = path.read_bytes()

    def requests(self) -> int:
        return len(self.server.requests(r"^/rss/"))

    def feed(self, req: Request, m: re.Match[str]) -> Response:
        body = self.feeds.get(m["cats"])
        if body is None:
            return Response(
                200, "<html><body>Bad category</body></html>", {"Content-Type": "text/html"}
            )
        return Response(200, body, RSS)
