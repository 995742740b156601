"""A fake OpenAlex API: ``GET /works`` filtered by DOIs, answered as the real one answers.

It follows OpenAlex's documentation (developers.openalex.org: "Get lists of entities",
"Filter", "Page through results", "Select fields", "Errors"):

- ``filter=doi:a|b|…`` ORs up to 100 values; a DOI may be bare or a ``https://doi.org/``
  URL, in any case (OpenAlex keeps DOIs lower case); more than 100 values, another
  filter than ``doi`` or a malformed one is a 400 with OpenAlex's ``error``/``message``
  body;
- ``per-page`` (or ``per_page``) from 1 to 100, default 25; ``page`` from 1, with
  ``page * per-page`` at most 10,000; or ``cursor=*`` and then ``meta.next_cursor``;
- ``select`` keeps the named top-level fields of each work; an unknown one is a 400;
- ``meta`` holds ``count``, ``db_response_time_ms``, ``page`` (null with a cursor),
  ``per_page`` and ``groups_count``; ``group_by`` is an empty list.

Works are found by their own ``doi`` field, not by the key they are filed under: a
test that gives a work an upper-case DOI sees what OpenAlex would do with it. The
results come in the order of :attr:`FakeOpenAlex.works` (then :attr:`extra`), not in
the order asked, as nothing in OpenAlex's documentation promises that order.

Faults (:meth:`FakeOpenAlex.fail`) are queued on the server for the next requests
to ``/works``: ``429`` (OpenAlex's rate-limit answer), ``500``, ``503``, ``html``,
``empty``, ``truncated``, ``malformed`` (JSON cut off mid-way, with a correct length),
``wrong-types`` (``results`` an object), or any of :data:`fakes.faults.FAULTS`.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from .faults import FAULTS, HTML
from .server import FakeServer, Request, Response

DATA = Path(__file__).parent.parent / "data" / "openalex"
MAX_OR = 100
MAX_PER_PAGE = 100
JSON = {"Content-Type": "application/json"}

FAULT_ANSWERS: dict[str, Response] = {
    "429": Response(
        429,
        json.dumps({"error": "Rate limit exceeded", "message": "Rate limit exceeded"}),
        JSON,
    ),
    "500": Response(500, json.dumps({"error": "Internal Server Error"}), JSON),
    "503": Response(503, "Service Unavailable", {"Content-Type": "text/plain"}),
    "html": Response(200, HTML, {"Content-Type": "text/html; charset=utf-8"}),
    "empty": Response(200, b"", JSON),
    "truncated": Response(
        200,
        json.dumps({"meta": {"count": 1}, "results": [{"doi": "x" * 5000}]}),
        JSON,
        cut=100,
    ),
    "malformed": Response(
        200, b'{"meta": {"count": 1, "per_page": 100}, "results": [{"id": ', JSON
    ),
    "wrong-types": Response(
        200,
        json.dumps({"meta": {"count": 1, "page": 1, "per_page": 100}, "results": {"doi": 1}}),
        JSON,
    ),
}


def load(folder: Path = DATA) -> dict[str, dict[str, Any]]:
    """The works in ``folder``, by arXiv key (``math_0309136.json`` is ``math/0309136``)."""
    return {
        path.stem.replace("_", "/"): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
    }


def bare(doi: str) -> str:
    low = doi.strip().lower()
    for head in ("https://doi.org/", "http://doi.org/", "doi:"):
        if low.startswith(head):
            return low[len(head) :]
    return low


class FakeOpenAlex:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.works: dict[str, dict[str, Any]] = {}
        """arXiv key -> Work, as OpenAlex holds it (tests fill it: :func:`load`)."""
        self.extra: list[dict[str, Any]] = []
        """More works, after :attr:`works`: a paper OpenAlex holds twice, say."""
        server.route("GET", r"/works", self._works)

    @property
    def url(self) -> str:
        return self.server.url

    def requests(self) -> list[Request]:
        return self.server.requests(r"^/works$")

    def fail(self, fault: str, times: int = 1) -> None:
        """The next ``times`` requests to ``/works`` get ``fault`` (see the module)."""
        answer = FAULT_ANSWERS.get(fault) or FAULTS[fault]
        self.server.fail(r"^/works$", answer, times)

    # -- the route ------------------------------------------------------------------

    def _works(self, req: Request, _m: object) -> Response:
        try:
            dois = self._dois(req.arg("filter"))
            per_page = _number(req.arg("per-page") or req.arg("per_page") or "25", "per-page")
            if not 1 <= per_page <= MAX_PER_PAGE:
                raise _Bad(f"per-page must be between 1 and {MAX_PER_PAGE}")
            cursor = req.query.get("cursor", [None])[0]
            page = 1 if cursor is not None else _number(req.arg("page") or "1", "page")
            if page < 1 or page * per_page > 10_000:
                raise _Bad("Maximum results size of 10,000 records is exceeded.")
            start = (page - 1) * per_page
            if cursor not in (None, "*"):
                start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
            select = [f for f in req.arg("select").split(",") if f] if "select" in req.query else []
        except (_Bad, ValueError) as err:
            return _bad(str(err) or "Invalid query parameters error.")
        matched = [
            w for w in [*self.works.values(), *self.extra] if bare(str(w.get("doi"))) in dois
        ]
        shown = matched[start : start + per_page]
        if select:
            unknown = [f for f in select if shown and f not in shown[0]]
            if unknown:
                return _bad(f"{unknown[0]} is not a valid select field.")
            shown = [{f: w.get(f) for f in select} for w in shown]
        meta: dict[str, Any] = {
            "count": len(matched),
            "db_response_time_ms": 23,
            "page": None if cursor is not None else page,
            "per_page": per_page,
            "groups_count": None,
        }
        if cursor is not None:
            end = start + len(shown)
            meta["next_cursor"] = (
                base64.urlsafe_b64encode(str(end).encode()).decode() if shown else None
            )
        body = {"meta": meta, "results": shown, "group_by": []}
        return Response(200, json.dumps(body, ensure_ascii=False), dict(JSON))

    @staticmethod
    def _dois(text: str) -> set[str]:
        if not text:
            raise _Bad("This request needs a filter.")
        name, sep, values = text.partition(":")
        if not sep or "," in values:
            raise _Bad(f"Invalid filter: {text[:60]}")
        if name != "doi":
            raise _Bad(f"This fake knows the doi filter only, not {name}.")
        parts = values.split("|")
        if len(parts) > MAX_OR:
            raise _Bad(f"Maximum number of values exceeded for doi. Decrease values to {MAX_OR}.")
        return {bare(p) for p in parts}


class _Bad(Exception):
    pass


def _number(text: str, name: str) -> int:
    if not text.strip().isdigit():
        raise _Bad(f"{name} must be a number.")
    return int(text)


def _bad(message: str) -> Response:
    return Response(
        400, json.dumps({"error": "Invalid query parameters error.", "message": message}), JSON
    )
