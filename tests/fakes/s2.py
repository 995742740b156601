"""A fake Semantic Scholar Academic Graph API: ``POST /paper/batch``.

It answers as the real API does (the shapes are those of the recorded answers in
``tests/data/s2/``, from the ``danielnsilva/semanticscholar`` test cassettes):

- ``?fields=a,b`` names the fields each item holds (``paperId`` always comes along);
  an unknown field is a 400 ``{"error": "Unrecognized or unsupported fields: [x]"}``
  (recorded);
- the body ``{"ids": [...]}`` is answered by a JSON list in the order asked, ``null``
  for an ID it does not know (recorded);
- an ID of no known form (an empty one, ``ARXIV:`` with nothing after it, a word), a
  body without an ``ids`` list, or more than 500 IDs, is a 400 with an ``error`` text
  (the shape is recorded; these texts are not);
- :attr:`FakeS2.limited` answers every request with a 429 and no ``Retry-After``, the
  body S2's gateway sends (not recorded);
- with :attr:`FakeS2.api_key` set, a request without that ``x-api-key`` gets a 403.

``FakeServer`` reads a POST's body before the usual routing (faults included), so a test
can queue any fault of :mod:`fakes.faults` on ``/paper/batch``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .server import FakeServer, Request, Response

DATA = Path(__file__).parent.parent / "data" / "s2"
HEADERS = {
    # As recorded (less the ones about the wire encoding, which the server owns).
    "Content-Type": "application/json",
    "Access-Control-Allow-Origin": "*",
    "Via": "1.1 6314ddd518f7b913ee48824c6307422e.cloudfront.net (CloudFront)",
    "X-Cache": "Miss from cloudfront",
    "x-amzn-Remapped-Server": "gunicorn",
}
FIELDS = frozenset(
    {
        "paperId",
        "corpusId",
        "url",
        "title",
        "abstract",
        "authors",
        "venue",
        "publicationVenue",
        "journal",
        "year",
        "publicationDate",
        "publicationTypes",
        "externalIds",
        "citationCount",
        "influentialCitationCount",
        "referenceCount",
        "isOpenAccess",
        "openAccessPdf",
        "fieldsOfStudy",
        "s2FieldsOfStudy",
        "citationStyles",
        "tldr",
    }
)
TOO_MANY = {
    "message": "Too Many Requests. Please wait and try again or apply for a key for higher "
    "rate limits. https://www.semanticscholar.org/product/api#api-key-form",
    "code": "429",
}
_ID = re.compile(
    r"(?:(?:ARXIV|MAG|ACL|PMID|PMCID|CorpusId|DOI|URL|DBLP):\S+|[0-9a-f]{40}|10\.\S+/\S+)",
    re.IGNORECASE,
)


@dataclass
class Batch:
    """One request as the fake saw it."""

    ids: list[str]
    headers: dict[str, str]
    fields: str
    at: float
    status: int = 200


def items(folder: Path = DATA) -> dict[str, dict[str, Any]]:
    """The stored items of ``folder`` (``<arXiv key with / as _>.json``) by arXiv key."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("recorded_"):
            continue
        item = json.loads(path.read_text(encoding="utf-8"))
        out[item["externalIds"]["ArXiv"]] = item
    return out


def recorded(name: str) -> dict[str, Any]:
    """A recorded exchange of ``tests/data/s2/recorded_<name>.json``."""
    data: dict[str, Any] = json.loads((DATA / f"recorded_{name}.json").read_text("utf-8"))
    return data


class FakeS2:
    def __init__(
        self,
        server: FakeServer,
        papers: dict[str, dict[str, Any]] | None = None,
        *,
        api_key: str | None = None,
    ) -> None:
        self.server = server
        self.papers: dict[str, dict[str, Any]] = dict(papers or {})
        """The papers it knows, by arXiv key (without version)."""
        self.api_key = api_key
        """When set, a request must carry it as ``x-api-key``."""
        self.limited = False
        """When True, every request is answered 429 with no ``Retry-After``."""
        self.batches: list[Batch] = []
        server.route("POST", r"/paper/batch", self._batch)

    @property
    def requests(self) -> int:
        """Requests to ``/paper/batch`` so far, faults included."""
        return len([r for r in self.server.requests(r"^/paper/batch$") if r.method == "POST"])

    def _batch(self, req: Request, _: re.Match[str]) -> Response:
        fields = req.arg("fields")
        try:
            asked = json.loads(req.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            asked = None
        ids = asked.get("ids") if isinstance(asked, dict) else None
        batch = Batch(ids if isinstance(ids, list) else [], dict(req.headers), fields, req.at)
        self.batches.append(batch)
        response = self._answer(req, fields, ids)
        batch.status = response.status
        return response

    def _answer(self, req: Request, fields: str, ids: object) -> Response:
        if self.api_key is not None and _header(req, "x-api-key") != self.api_key:
            return Response(403, '{"message":"Forbidden"}', dict(HEADERS))
        if self.limited:
            return Response(429, json.dumps(TOO_MANY), dict(HEADERS))
        wanted = [f for f in fields.split(",") if f] if fields else ["paperId", "title"]
        unknown = [f for f in wanted if f not in FIELDS]
        if unknown:
            return _error(f"Unrecognized or unsupported fields: [{', '.join(unknown)}]")
        if not isinstance(ids, list) or not ids:
            return _error("Missing required parameter: 'ids'")
        if len(ids) > 500:
            return _error("Too many ids: at most 500 may be requested at once")
        for one in ids:
            if not isinstance(one, str) or not _ID.fullmatch(one.strip()):
                return _error(f"Unacceptable paper id: {one!r}")
        answer = [self._item(one, wanted) for one in ids]
        body = json.dumps(answer, ensure_ascii=False)
        return Response(200, body, dict(HEADERS))

    def _item(self, asked: str, wanted: list[str]) -> dict[str, Any] | None:
        prefix, _, key = asked.partition(":")
        if prefix.upper() != "ARXIV":
            return None
        item = self.papers.get(key)
        if item is None:
            return None
        out = {"paperId": item["paperId"]} if "paperId" in item else {}
        out.update({f: item.get(f) for f in wanted if f != "paperId"})
        return out


def _error(text: str) -> Response:
    return Response(400, json.dumps({"error": text}), dict(HEADERS))


def _header(req: Request, name: str) -> str | None:
    return next((v for k, v in req.headers.items() if k.lower() == name), None)
