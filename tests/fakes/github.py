"""A fake GitHub REST API (``/repos/{owner}/{repo}``) replaying recorded responses.

It serves the recorded bodies byte for byte with their recorded headers (less
the ones about the wire encoding: the bodies are stored uncompressed and the
server computes the length) and answers the way GitHub does:

- names are matched without regard to case;
- ``If-None-Match`` equal to the served ETag gets a 304 with no body, shaped
  like the recorded 304 (``conditional304_*``);
- a renamed or transferred repository answers the recorded 301, its
  ``Location`` moved onto this server, and ``/repositories/{id}`` answers the
  target's body;
- an unknown repository gets GitHub's 404 JSON;
- every answer carries ``x-ratelimit-*`` headers from a budget that requests
  spend (a 304 to an authorized request is free, as on GitHub); when the
  budget is spent the recorded 403 (``ratelimit403_*``) answers instead.

Tests may change a served body (:meth:`FakeGitHub.update`), which changes its
ETag, add one (:meth:`FakeGitHub.put`), or spend the budget
(:meth:`FakeGitHub.rate_limit`).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .server import FakeServer, Request, Response

RECORDED_HOST = "https://api.github.com"
RESET = 1776074582
"""Default ``x-ratelimit-reset``: 2026-04-13 10:03:02 UTC (the reference recordings')."""
LIMITS = {False: 60, True: 5000}
"""Requests an hour, without and with a token."""
NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest/repos/repos#get-a-repository",
    "status": "404",
}
# The recordings were taken compressed and chunked; the bodies on disk are not,
# "status" is a pseudo-header of old recordings, and the server owns the connection.
_DROP = frozenset(
    {"content-encoding", "transfer-encoding", "content-length", "status", "connection"}
)
_RATE = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
    "x-ratelimit-resource",
)


@dataclass
class Recording:
    """One recorded response: its request path, status, headers and body."""

    path: str
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Served:
    """A repository as the fake serves it."""

    id: int
    full_name: str
    body: bytes
    headers: dict[str, str]

    @property
    def etag(self) -> str:
        return self.headers["ETag"]


_ALIASES = re.compile(r"(\w+): repository\(owner: \$(\w+), name: \$(\w+)\)")


def graphql_node(rest: dict[str, Any]) -> dict[str, Any]:
    """A repository as GitHub's GraphQL API gives it, from its REST object: the fields
    alignfetch asks for, under their GraphQL names (an empty homepage is null there)."""
    licence = rest.get("license")
    return {
        "name": rest["name"],
        "nameWithOwner": rest["full_name"],
        "url": rest["html_url"],
        "description": rest.get("description"),
        "homepageUrl": rest.get("homepage") or None,
        "stargazerCount": rest.get("stargazers_count"),
        "pushedAt": rest.get("pushed_at"),
        "isArchived": bool(rest.get("archived")),
        "licenseInfo": {"spdxId": licence.get("spdx_id")} if isinstance(licence, dict) else None,
        "defaultBranchRef": (
            {"name": rest["default_branch"]} if rest.get("default_branch") else None
        ),
        "repositoryTopics": {"nodes": [{"topic": {"name": t}} for t in rest.get("topics") or []]},
    }


def clean_headers(pairs: list[list[str]]) -> dict[str, str]:
    """Recorded header pairs as one dict: encoding headers dropped, repeats joined."""
    out: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in pairs:
        low = name.lower()
        if low in _DROP:
            continue
        if low in names:
            out[names[low]] += f", {value}"
        else:
            names[low] = name
            out[name] = value
    return out


def weak_etag(body: bytes) -> str:
    """An ETag of the kind GitHub sends for repository bodies."""
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def load(folder: Path) -> list[Recording]:
    """Every recording in ``folder``: ``X.headers.json`` (+ ``X.body.json``) pairs and
    ``X.json`` files that hold request, status, headers and body together."""
    out: list[Recording] = []
    for path in sorted(folder.glob("*.json")):
        if path.name.endswith(".body.json"):
            continue
        meta = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or "status" not in meta:
            continue
        if path.name.endswith(".headers.json"):
            body_file = path.with_name(path.name.removesuffix(".headers.json") + ".body.json")
            body = body_file.read_bytes() if body_file.exists() else b""
        else:
            # GitHub's compact JSON: the recorded Content-Length values confirm it.
            raw = meta.get("body", "")
            body = (
                raw.encode()
                if isinstance(raw, str)
                else json.dumps(raw, separators=(",", ":"), ensure_ascii=False).encode()
            )
        request_path = urlsplit(meta["request"].split(" ", 1)[1]).path
        out.append(Recording(request_path, meta["status"], clean_headers(meta["headers"]), body))
    return out


def bodies_without_headers(folder: Path) -> list[bytes]:
    """Repository bodies recorded without their headers (a redirect's target)."""
    out = []
    for path in sorted(folder.glob("*.body.json")):
        if path.with_name(path.name.removesuffix(".body.json") + ".headers.json").exists():
            continue
        body = path.read_bytes()
        data = json.loads(body)
        if isinstance(data, dict) and "full_name" in data:
            out.append(body)
    return out


class FakeGitHub:
    def __init__(self, server: FakeServer, data_dir: Path, *more_dirs: Path) -> None:
        self.server = server
        self.reset = RESET
        self.remaining = dict(LIMITS)
        self.answers: list[tuple[str, int]] = []
        """(path, status) of every answer given, for tests to count."""
        self._lock = threading.Lock()
        self._by_id: dict[int, Served] = {}
        self._names: dict[str, int] = {}
        self._moved: dict[str, Recording] = {}
        self._limited: Recording | None = None
        self._not_modified: Recording | None = None
        for folder in (data_dir, *more_dirs):
            for rec in load(folder):
                if rec.status == 200:
                    self.put(rec.body, rec.headers)
                elif rec.status == 301:
                    self._moved[self._name_of(rec.path)] = rec
                elif rec.status == 304:
                    self._not_modified = rec
                elif rec.status == 403:
                    self._limited = rec
            for body in bodies_without_headers(folder):
                self.put(body)
        server.route("GET", r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)", self._repos)
        server.route("GET", r"/repositories/(?P<id>\d+)", self._repositories)
        server.route("POST", r"/graphql", self._graphql)
        self.graphql = True
        """Whether ``POST /graphql`` is served (False: a 404, as a REST-only server gives)."""

    # -- what tests call ------------------------------------------------------------

    def put(self, body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> Served:
        """Serve this repository body (at its ``full_name`` and its ``id``)."""
        if isinstance(body, dict):
            body = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        data = json.loads(body)
        headers = dict(headers) if headers else self._default_headers(data)
        if not any(k.lower() == "etag" for k in headers):
            headers["ETag"] = weak_etag(body)
        # One spelling of ETag, so that updates replace it.
        etag = next(v for k, v in headers.items() if k.lower() == "etag")
        headers = {k: v for k, v in headers.items() if k.lower() != "etag"} | {"ETag": etag}
        served = Served(data["id"], data["full_name"], body, headers)
        self._by_id[served.id] = served
        self._names[served.full_name.lower()] = served.id
        return served

    def update(self, full_name: str, **fields: Any) -> Served:
        """Change fields of a served body (more stars, a new description): a new ETag."""
        served = self.served(full_name)
        data = json.loads(served.body)
        data.update(fields)
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {k: v for k, v in served.headers.items() if k != "ETag"}
        return self.put(body, headers | {"ETag": weak_etag(body)})

    def served(self, full_name: str) -> Served:
        return self._by_id[self._names[full_name.lower()]]

    def rate_limit(self, remaining: int = 0) -> None:
        """Leave ``remaining`` requests in the budget (with or without a token)."""
        self.remaining = {False: remaining, True: remaining}

    def requests(self) -> list[Request]:
        return self.server.requests(r"^/(repos|repositories)/")

    def graphql_requests(self) -> list[Request]:
        return self.server.requests(r"^/graphql")

    def statuses(self) -> list[int]:
        return [status for _, status in self.answers]

    # -- routes ---------------------------------------------------------------------

    def _repos(self, req: Request, m: re.Match[str]) -> Response:
        name = f"{m['owner']}/{m['repo']}".lower()
        if name in self._moved:
            return self._answer(req, self._redirect(self._moved[name]))
        if name in self._names:
            return self._answer(req, self._repo(req, self._by_id[self._names[name]]))
        return self._answer(req, self._not_found())

    def _repositories(self, req: Request, m: re.Match[str]) -> Response:
        served = self._by_id.get(int(m["id"]))
        if served is None:
            return self._answer(req, self._not_found())
        return self._answer(req, self._repo(req, served))

    def _graphql(self, req: Request, m: re.Match[str]) -> Response:
        """GitHub's GraphQL API, for the queries alignfetch sends: aliases of
        ``repository(owner: $oN, name: $nN)``, answered from the served REST bodies
        (:func:`graphql_node`), a renamed one under its new name (:meth:`_resolve`); a name
        it does not serve is null with GitHub's ``NOT_FOUND`` error, as GraphQL answers it. No token: GitHub's
        401. A spent budget: GraphQL's rate-limit error, with a 200 as GitHub sends it."""
        if not self.graphql:
            return self._not_found()
        kind = {"Content-Type": "application/json; charset=utf-8"}
        if _header(req, "Authorization") is None:
            body = {
                "message": "This endpoint requires you to be authenticated.",
                "documentation_url": "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql",
            }
            return Response(401, json.dumps(body), kind)
        with self._lock:
            limited = self.remaining[True] <= 0
            if not limited:
                self.remaining[True] -= 1
        if limited:
            body = {
                "errors": [
                    {"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}
                ]
            }
            return Response(200, json.dumps(body), kind | {"X-RateLimit-Remaining": "0"})
        asked = json.loads(req.body)
        variables = asked.get("variables") or {}
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for alias, owner, name in _ALIASES.findall(asked.get("query", "")):
            full = f"{variables[owner]}/{variables[name]}"
            served = self._resolve(full.lower())
            if served is not None:
                data[alias] = graphql_node(json.loads(served.body))
            else:
                data[alias] = None
                errors.append(
                    {
                        "type": "NOT_FOUND",
                        "path": [alias],
                        "locations": [{"line": 1, "column": 1}],
                        "message": f"Could not resolve to a Repository with the name '{full}'.",
                    }
                )
        answer: dict[str, Any] = {"data": data}
        if errors:
            answer["errors"] = errors
        return Response(200, json.dumps(answer, ensure_ascii=False), kind)

    def _resolve(self, name: str) -> Served | None:
        """The repository GraphQL's ``repository(owner:, name:)`` finds by ``name``: a
        renamed or transferred one under its new name, as ``followRenames`` (true by
        default) does."""
        if name in self._moved:
            location = next(
                (v for k, v in self._moved[name].headers.items() if k.lower() == "location"), ""
            )
            found = re.search(r"/repositories/(\d+)", location)
            return self._by_id.get(int(found[1])) if found else None
        return self._by_id.get(self._names[name]) if name in self._names else None

    def _repo(self, req: Request, served: Served) -> Response:
        asked = _header(req, "If-None-Match")
        if asked and _weak_match(asked, served.etag):
            return Response(304, b"", self._not_modified_headers(served))
        return Response(200, served.body, dict(served.headers))

    def _redirect(self, rec: Recording) -> Response:
        headers = dict(rec.headers)
        for k, v in headers.items():
            if k.lower() == "location":
                headers[k] = v.replace(RECORDED_HOST, self.server.url, 1)
        return Response(301, rec.body, headers)

    def _not_found(self) -> Response:
        return Response(
            404,
            json.dumps(NOT_FOUND, separators=(",", ":")),
            {
                "Content-Type": "application/json; charset=utf-8",
                "X-GitHub-Media-Type": "github.v3; format=json",
            },
        )

    def _answer(self, req: Request, response: Response) -> Response:
        """Spend the budget, or answer the rate limit when it is spent."""
        authorized = _header(req, "Authorization") is not None
        with self._lock:
            if self.remaining[authorized] <= 0:
                response = self._limited_response()
            elif not (response.status == 304 and authorized):
                self.remaining[authorized] -= 1
            headers = {k: v for k, v in response.headers.items() if k.lower() not in _RATE}
            limit = LIMITS[authorized]
            headers.update(
                {
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": str(self.remaining[authorized]),
                    "X-RateLimit-Reset": str(self.reset),
                    "X-RateLimit-Used": str(max(0, limit - self.remaining[authorized])),
                    "X-RateLimit-Resource": "core",
                }
            )
            self.answers.append((req.path, response.status))
        return Response(response.status, response.body, headers)

    def _limited_response(self) -> Response:
        if self._limited is None:
            body = b'{"message":"API rate limit exceeded"}'
            return Response(403, body, {"Content-Type": "application/json; charset=utf-8"})
        return Response(403, self._limited.body, dict(self._limited.headers))

    def _not_modified_headers(self, served: Served) -> dict[str, str]:
        """The recorded 304's headers, with this body's ETag, Date and Last-Modified."""
        if self._not_modified is None:
            base = {"Cache-Control": "private, max-age=60, s-maxage=60"}
        else:
            base = self._not_modified.headers
        own = ("etag", "last-modified", "date")
        headers = {k: v for k, v in base.items() if k.lower() not in own}
        headers.update((k, v) for k, v in served.headers.items() if k.lower() in own)
        return headers

    @staticmethod
    def _default_headers(data: dict[str, Any]) -> dict[str, str]:
        """Headers for a body recorded without its own, shaped like GitHub's."""
        return {
            "Last-Modified": _http_date(data.get("updated_at")),
            "Content-Type": "application/json; charset=utf-8",
            "Cache-Control": "public, max-age=60, s-maxage=60",
            "Vary": "Accept, Accept-Encoding, Accept, X-Requested-With",
            "X-GitHub-Media-Type": "github.v3; format=json",
            "Server": "GitHub.com",
        }

    @staticmethod
    def _name_of(path: str) -> str:
        return path.removeprefix("/repos/").lower()


def _http_date(iso: object) -> str:
    """``2018-07-05T07:15:14Z`` as an HTTP date, as GitHub's Last-Modified has it."""
    if not isinstance(iso, str):
        return "Thu, 01 Jan 1970 00:00:00 GMT"
    moment = datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return format_datetime(moment, usegmt=True)


def _header(req: Request, name: str) -> str | None:
    for k, v in req.headers.items():
        if k.lower() == name.lower():
            return v
    return None


def _weak_match(if_none_match: str, etag: str) -> bool:
    """RFC 9110's weak comparison, over a comma-separated If-None-Match."""

    def opaque(tag: str) -> str:
        return tag.strip().removeprefix("W/")

    return any(opaque(t) == opaque(etag) or t.strip() == "*" for t in if_none_match.split(","))
