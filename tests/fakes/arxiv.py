"""A fake arXiv API (``/api/query``) serving entries of real recorded feeds.

It answers like the API since November 2025: ``id_list`` entries in the order
asked, unknown IDs dropped, ``start``/``max_results`` honoured, a malformed ID
answered with HTTP 400 and the real error entry, ``totalResults`` counting what
matched. Tests may replace or add an entry (a new version, a journal ref).

``POST /api/query`` with the parameters in an ``application/x-www-form-urlencoded``
body gets the same feed (the API manual allows POST for long parameter lists). Like
the real one it serves at most :data:`SLICE` results a request: a ``max_results``
above it is refused with HTTP 400 and an error entry, never quietly cut short.
:attr:`FakeArxiv.refuse_post` makes every POST answer 405 (or 414, or any status), as
a proxy or a changed API that will not take POST would.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

from .server import FakeServer, Request, Response

ATOM = "http://www.w3.org/2005/Atom"
NS = {"a": ATOM, "arxiv": "http://arxiv.org/schemas/atom"}
SLICE = 2000
"""The most results arXiv returns in one request (its API manual)."""
REFUSALS = {
    405: ("Method Not Allowed", {"Allow": "GET, HEAD"}),
    414: ("Request-URI Too Long", {}),
}
_ID = re.compile(r"(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})(v\d+)?")
HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">\n'
)


def split(short: str) -> tuple[str, int]:
    m = re.fullmatch(r"(.+?)v(\d+)", short)
    return (m[1], int(m[2])) if m else (short, 0)


class FakeArxiv:
    def __init__(self, server: FakeServer, feeds: list[Path]) -> None:
        self.server = server
        self.entries: dict[str, dict[int, bytes]] = {}
        for path in feeds:
            root = etree.parse(str(path)).getroot()
            for entry in root.iterfind("a:entry", NS):
                entry_id = entry.findtext("a:id", namespaces=NS) or ""
                if "/abs/" in entry_id:
                    self.put(etree.tostring(entry))
        self.refuse_post: int | None = None
        """When set (405, 414, ...), every POST is answered with that status, no feed."""
        server.route("GET", r"/api/query", self.query)
        server.route("POST", r"/api/query", self.query)

    def put(self, entry_xml: bytes | str) -> None:
        """Serve this ``<entry>`` (replacing any entry with the same ID and version)."""
        if isinstance(entry_xml, str):
            entry_xml = entry_xml.encode()
        entry = etree.fromstring(entry_xml)
        key, version = split(entry.findtext(f"{{{ATOM}}}id").split("/abs/", 1)[1])
        self.entries.setdefault(key, {})[version] = entry_xml

    def entry(self, key: str) -> bytes:
        versions = self.entries[key]
        return versions[max(versions)]

    def query(self, req: Request, _m: re.Match[str]) -> Response:
        """The feed for ``id_list``, ``start`` and ``max_results``, from the query string
        (GET) or the form body (POST)."""
        if req.method == "POST" and self.refuse_post is not None:
            return _refusal(self.refuse_post)
        ids = [i for i in req.arg("id_list").split(",") if i]
        for i in ids:
            if not _ID.fullmatch(i):
                slug = "incorrect_id_format_for_" + re.sub(r"\W", "_", i)
                return self._error(f"incorrect id format for {i}", slug)
        found: list[bytes] = []
        for i in ids:
            key, version = split(i)
            versions = self.entries.get(key, {})
            if version and version in versions:
                found.append(versions[version])
            elif not version and versions:
                found.append(versions[max(versions)])
        start = int(req.arg("start", "0") or 0)
        count = int(req.arg("max_results", "10") or 10)
        if count > SLICE:
            return self._error(
                f"max_results must be at most {SLICE} per request", "max_results_too_large"
            )
        page = found[start : start + count]
        params = req.query if req.method != "POST" else req.form()
        query = "&amp;".join(f"{k}={escape(v[0])}" for k, v in params.items())
        body = (
            HEAD
            + "  <id>https://arxiv.org/api/fake</id>\n"
            + f"  <title>arXiv Query: {query}</title>\n"
            + "  <updated>2026-11-27T00:00:00Z</updated>\n"
            + f"  <opensearch:itemsPerPage>{count}</opensearch:itemsPerPage>\n"
            + f"  <opensearch:totalResults>{len(found)}</opensearch:totalResults>\n"
            + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
            + "".join("  " + e.decode() + "\n" for e in page)
            + "</feed>\n"
        )
        return Response(200, body, {"Content-Type": "application/atom+xml; charset=utf-8"})

    def _error(self, text: str, slug: str) -> Response:
        body = (
            HEAD
            + "  <id>https://arxiv.org/</id>\n  <title>arXiv Search Results</title>\n"
            + "  <updated>2026-11-27T00:00:00Z</updated>\n"
            + "  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>\n"
            + "  <opensearch:totalResults>1</opensearch:totalResults>\n"
            + "  <opensearch:startIndex>0</opensearch:startIndex>\n"
            + "  <entry>\n"
            + f"    <id>https://arxiv.org/api/errors#{slug}</id>\n"
            + "    <title>Error</title>\n    <updated>2026-11-27T00:00:00Z</updated>\n"
            + f'    <link href="https://arxiv.org/api/errors#{slug}" '
            + 'rel="alternate" type="text/html"/>\n'
            + f"    <summary>{escape(text)}</summary>\n"
            + "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
            + "  </entry>\n</feed>\n"
        )
        return Response(400, body, {"Content-Type": "application/atom+xml; charset=utf-8"})


def _refusal(status: int) -> Response:
    """What a server that will not take the POST sends: a status and a small HTML page."""
    reason, headers = REFUSALS.get(status, ("Refused", {}))
    body = f"<html><head><title>{status} {reason}</title></head><body>{reason}</body></html>"
    return Response(status, body, {"Content-Type": "text/html", **headers})


RATE_EXCEEDED = Response(429, "Rate exceeded.", {"Content-Type": "text/plain"})
UNAVAILABLE = Response(503, "Service Unavailable", {"Content-Type": "text/plain"})
