"""Web pages as real sites serve them, for ``url:`` entries (:mod:`alignfetch.sources.webpage`).

Each path answers one way:

- ``/2023.acl-long.870/``: an ACL Anthology paper page (``tests/data/pages/``), its head as
  the Anthology's Hugo templates write it (``citation_*`` tags with unquoted names, then
  OpenGraph).
- ``/forum?id=TyFrPOKYXw``: an OpenReview forum page (Next.js: scripts in the head, one
  holding a ``<meta>`` tag inside a string; ``citation_online_date`` only).
- ``/posts/2024-11-28-reward-hacking/``: a blog post with only OpenGraph and Twitter tags.
- ``/twitter-only``: a page with only Twitter card tags; ``/plain``: only a ``<title>``
  (entities, line breaks and a bidi override in it).
- ``/papers/safe-rlhf.pdf``: a PDF named by its path; ``/pdf?id=…``: a PDF named only by
  its ``Content-Type`` and ``Content-Disposition``, its body streamed far past any size cap
  (a client that reads it fails); ``/image``: a PNG.
- ``/hop/1`` 301s to ``/hop/2`` (relative), which 302s to ``http://<host>/hop/3``
  (absolute), which 307s to the ACL page; ``/loop`` 302s to itself; ``/to?url=X`` 302s to X.
- ``/huge``: an HTML page streamed far past any size cap; ``/trickle``: one sent a byte at a
  time, :attr:`FakePages.trickle` seconds apart.
- ``/latin1``: ISO-8859-1, said in the header; ``/sjis``: Shift_JIS, said only in a
  ``<meta http-equiv>``.
- ``/missing`` 404; ``/gone`` 410; ``/busy`` 503; ``/limited`` 429; ``/binary``, ``/empty``
  and ``/text``: ``text/html`` that is bytes, nothing, and words without markup.

Reached through a proxy (the fake server takes ``GET http://host/path`` too), it answers for
any host name: a test can so give a page a public-looking name.
"""

from __future__ import annotations

import re
from pathlib import Path

from .server import FakeServer, Request, Response

DATA = Path(__file__).parent.parent / "data" / "pages"
HTML = {"Content-Type": "text/html; charset=utf-8"}
BIG = 4_000_000
"""Bytes streamed after a huge answer's start: past the cap any test sets."""

PLAIN = (
    "<!DOCTYPE html>\n<html><head>\n<title>\n  Alignment &amp; Safety\n  Reading List "
    "\u202e&#x2014; 2024 </title>\n</head><body><p>Papers.</p></body></html>\n"
)
TWITTER = (
    '<html><head><meta name="twitter:card" content="summary_large_image">'
    '<meta name="twitter:title" content="Constitutional AI: Harmlessness from AI Feedback">'
    '<meta name="twitter:description" content="We train a harmless AI assistant through '
    'self-improvement.">'
    "<title>Anthropic \\ Constitutional AI</title></head><body></body></html>"
)
LATIN1 = (
    "<html><head><title>Über Präferenzen: Lernen aus menschlichem Feedback</title>"
    '<meta property="og:site_name" content="Universität Tübingen"></head><body></body></html>'
).encode("iso-8859-1")
SJIS = (
    '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    "<title>大規模言語モデルのアライメント入門</title></head><body></body></html>"
).encode("shift_jis")


class FakePages:
    def __init__(self, server: FakeServer, trickle: float = 0.3) -> None:
        self.server = server
        self.trickle = trickle

        def page(name: str) -> bytes:
            return (DATA / name).read_bytes()

        routes: dict[str, Response] = {
            "/2023.acl-long.870/": Response(200, page("acl_2023.acl-long.870.html"), HTML),
            "/forum": Response(200, page("openreview_forum.html"), HTML),
            "/posts/2024-11-28-reward-hacking/": Response(200, page("blog_og.html"), HTML),
            "/twitter-only": Response(200, TWITTER, HTML),
            "/plain": Response(200, PLAIN, {"Content-Type": "text/html"}),
            "/papers/safe-rlhf.pdf": Response(
                200, b"%PDF-1.5\n", {"Content-Type": "application/pdf"}, stream=BIG
            ),
            "/pdf": Response(
                200,
                b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n",
                {
                    "Content-Type": "application/pdf",
                    "Content-Disposition": 'inline; filename="TyFrPOKYXw.pdf"',
                },
                stream=BIG,
            ),
            "/image": Response(
                200, b"\x89PNG\r\n\x1a\n", {"Content-Type": "image/png"}, stream=BIG
            ),
            "/hop/1": Response(301, "", {**HTML, "Location": "/hop/2"}),
            "/hop/3": Response(307, "", {**HTML, "Location": "/2023.acl-long.870/"}),
            "/loop": Response(302, "", {**HTML, "Location": "/loop"}),
            "/huge": Response(200, "<html><head><title>Huge", HTML, stream=BIG),
            "/latin1": Response(200, LATIN1, {"Content-Type": "text/html; charset=ISO-8859-1"}),
            "/sjis": Response(200, SJIS, {"Content-Type": "text/html"}),
            "/missing": Response(404, "<html><title>Not Found</title></html>", HTML),
            "/gone": Response(410, "<html><title>Gone</title></html>", HTML),
            "/busy": Response(503, "<html><title>Busy</title></html>", HTML),
            "/limited": Response(429, "Too Many Requests", {"Content-Type": "text/plain"}),
            "/binary": Response(200, bytes(range(256)) * 64, HTML),
            "/empty": Response(200, b"", HTML),
            "/text": Response(200, "Just some words, no markup at all.", HTML),
        }
        for path, response in routes.items():
            server.route("GET", re.escape(path), lambda req, m, r=response: r)
        server.route("GET", r"/hop/2", self._hop2)
        server.route("GET", r"/to", self._to)
        server.route("GET", r"/trickle", self._trickle)

    def _hop2(self, req: Request, m: re.Match[str]) -> Response:
        host = req.headers.get("Host", "")
        return Response(302, "", {**HTML, "Location": f"http://{host}/hop/3"})

    def _to(self, req: Request, m: re.Match[str]) -> Response:
        return Response(302, "", {**HTML, "Location": req.arg("url")})

    def _trickle(self, req: Request, m: re.Match[str]) -> Response:
        body = "<html><head><title>Slow page</title></head><body>" + "." * 200 + "</body></html>"
        return Response(200, body, HTML, trickle=self.trickle)

    def asked(self, path: str = "") -> list[tuple[str, str]]:
        """(Host, path) of each request whose path starts with ``path``, in order."""
        return [
            (r.headers.get("Host", ""), r.path) for r in self.server.log if r.path.startswith(path)
        ]
