"""A fake Hugging Face Hub: dataset info, dataset cards and paper pages; model
info and cards, Space info, collections.

Answers as the Hub does for an anonymous client: a missing or private dataset is
a 401 with ``X-Error-Code: RepoNotFound``; a gated file a 403 with ``GatedRepo``;
a file download carries ``X-Repo-Commit`` and ``ETag``; a paper without a page
is a plain 404 ``{"error": "Paper not found"}``. A gated model's info is served
to anyone, its files (card included) answer 403 ``GatedRepo``; a renamed model
or Space answers 307 to its new name; a missing collection is a plain 404.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from .server import FakeServer, Request, Response

JSON = {"Content-Type": "application/json; charset=utf-8"}


class FakeHub:
    def __init__(self, server: FakeServer, folders: list[Path]) -> None:
        self.server = server
        self.datasets: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, str] = {}
        self.papers: dict[str, dict[str, Any]] = {}
        self.gated: set[str] = set()
        self.models: dict[str, dict[str, Any]] = {}
        self.model_cards: dict[str, str] = {}
        self.spaces: dict[str, dict[str, Any]] = {}
        self.collections: dict[str, dict[str, Any]] = {}
        self.renamed: dict[str, str] = {}
        """Old ``owner/name`` (lower case) of a model or Space -> its new name."""
        self.daily_papers: str | None = None
        self.warnings: list[str] = []
        """``X-HF-Warning`` headers (``topic; message``) every API answer carries, one each."""
        for folder in folders:
            for path in sorted(folder.glob("api_datasets_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.datasets[body["id"].lower()] = body
            for path in sorted(folder.glob("paper_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.papers[body["id"]] = body
            for path in sorted(folder.glob("api_models_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.models[body["id"].lower()] = body
            for path in sorted(folder.glob("api_spaces_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.spaces[body["id"].lower()] = body
            for path in sorted(folder.glob("api_collections_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.collections[body["slug"].lower()] = body
        server.route("GET", r"/api/datasets/(?P<id>[^/]+/[^/]+)", self.info)
        server.route(
            "GET", r"/datasets/(?P<id>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)", self.file
        )
        server.route("GET", r"/api/papers/(?P<id>.+)", self.paper)
        server.route("GET", r"/api/models/(?P<id>[^/]+/[^/]+)", self.model_info)
        server.route(
            "GET", r"/(?P<id>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)", self.model_file
        )
        server.route("GET", r"/api/spaces/(?P<id>[^/]+/[^/]+)", self.space_info)
        server.route("GET", r"/api/collections/(?P<slug>[^/]+/[^/]+)", self.collection)
        for folder in folders:
            if (folder / "api_daily_papers.json").is_file():
                self.daily_papers = (folder / "api_daily_papers.json").read_text(encoding="utf-8")
        server.route("GET", r"/api/daily_papers", self.daily)

    def card(self, dataset_id: str, path: Path) -> None:
        """Serve ``path`` as the dataset's README.md."""
        self.cards[dataset_id.lower()] = path.read_text(encoding="utf-8")

    def set_sha(self, dataset_id: str, sha: str) -> None:
        self.datasets[dataset_id.lower()]["sha"] = sha

    def info(self, req: Request, m: re.Match[str]) -> Response:
        body = self.datasets.get(m["id"].lower())
        if body is None or body.get("private"):
            return _not_found()
        return Response(200, json.dumps(body), self._warned(JSON))

    def _warned(self, headers: dict[str, str]) -> dict[str, str]:
        """``headers`` and :attr:`warnings`, each its own ``X-HF-Warning`` line (the
        server sends a dict: the name is spelt in another case for each)."""
        out = dict(headers)
        for i, warning in enumerate(self.warnings):
            name = "".join(c.upper() if i >> n & 1 else c.lower() for n, c in enumerate("x-hf-warning"))
            out[name] = warning
        return out

    def file(self, req: Request, m: re.Match[str]) -> Response:
        key = m["id"].lower()
        body = self.datasets.get(key)
        if body is None or body.get("private"):
            return _not_found()
        if key in self.gated:
            return Response(
                403,
                json.dumps({"error": f"Access to dataset {body['id']} is restricted."}),
                {
                    **JSON,
                    "X-Error-Code": "GatedRepo",
                    "X-Error-Message": f"Access to dataset {body['id']} is restricted.",
                },
            )
        if m["file"] != "README.md" or key not in self.cards:
            return Response(
                404,
                json.dumps({"error": "Entry not found"}),
                {**JSON, "X-Error-Code": "EntryNotFound", "X-Repo-Commit": body["sha"]},
            )
        text = self.cards[key].encode("utf-8")
        return Response(
            200,
            text,
            {
                "Content-Type": "text/plain; charset=utf-8",
                "X-Repo-Commit": body["sha"],
                "ETag": '"' + hashlib.sha1(text).hexdigest() + '"',
            },
        )

    def paper(self, req: Request, m: re.Match[str]) -> Response:
        body = self.papers.get(m["id"])
        if body is None:
            return Response(404, json.dumps({"error": "Paper not found"}), JSON)
        return Response(200, json.dumps(body), JSON)

    def daily(self, req: Request, m: re.Match[str]) -> Response:
        """The recorded daily papers, whatever the date (the Hub answers [] for a day without)."""
        return Response(200, self.daily_papers or "[]", JSON)


    def model_info(self, req: Request, m: re.Match[str]) -> Response:
        return self._repo(self.models, "models", m["id"])

    def space_info(self, req: Request, m: re.Match[str]) -> Response:
        return self._repo(self.spaces, "spaces", m["id"])

    def _repo(self, bodies: dict[str, dict[str, Any]], kind: str, repo_id: str) -> Response:
        key = repo_id.lower()
        if key in self.renamed:
            return Response(307, json.dumps({"error": "Moved"}), {
                **JSON, "Location": f"/api/{kind}/{self.renamed[key]}",
            })
        body = bodies.get(key)
        if body is None or body.get("private"):
            return _not_found()
        return Response(200, json.dumps(body), self._warned(JSON))

    def model_file(self, req: Request, m: re.Match[str]) -> Response:
        key = m["id"].lower()
        body = self.models.get(key)
        if body is None or body.get("private"):
            return _not_found()
        if body.get("gated"):
            message = (
                f"Access to model {body['id']} is restricted. You must have access to it "
                "and be authenticated to access it. Please log in."
            )
            return Response(403, json.dumps({"error": message}), {
                **JSON, "X-Error-Code": "GatedRepo", "X-Error-Message": message,
            })
        if m["file"] != "README.md" or key not in self.model_cards:
            return Response(
                404, json.dumps({"error": "Entry not found"}),
                {**JSON, "X-Error-Code": "EntryNotFound", "X-Repo-Commit": body["sha"]},
            )
        text = self.model_cards[key].encode("utf-8")
        return Response(200, text, {
            "Content-Type": "text/plain; charset=utf-8",
            "X-Repo-Commit": body["sha"],
            "ETag": '"' + hashlib.sha1(text).hexdigest() + '"',
        })

    def model_card(self, model_id: str, text: str) -> None:
        """Serve ``text`` as the model's README.md."""
        self.model_cards[model_id.lower()] = text

    def collection(self, req: Request, m: re.Match[str]) -> Response:
        body = self.collections.get(m["slug"].lower())
        if body is None or body.get("private"):
            return Response(404, json.dumps({"error": "Collection not found"}), JSON)
        return Response(200, json.dumps(body), JSON)


def _not_found() -> Response:
    message = "Repository not found. Make sure you are authenticated and have access to it."
    return Response(
        401,
        json.dumps({"error": message}),
        {**JSON, "X-Error-Code": "RepoNotFound", "X-Error-Message": message},
    )
