"""A fake Hugging Face Hub: dataset info, dataset cards and paper pages.

Answers as the Hub does for an anonymous client: a missing or private dataset is
a 401 with ``X-Error-Code: RepoNotFound``; a gated file a 403 with ``GatedRepo``;
a file download carries ``X-Repo-Commit`` and ``ETag``; a paper without a page
is a plain 404 ``{"error": "Paper not found"}``.
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
        for folder in folders:
            for path in sorted(folder.glob("api_datasets_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.datasets[body["id"].lower()] = body
            for path in sorted(folder.glob("paper_*.json")):
                body = json.loads(path.read_text(encoding="utf-8"))
                self.papers[body["id"]] = body
        server.route("GET", r"/api/datasets/(?P<id>[^/]+/[^/]+)", self.info)
        server.route(
            "GET", r"/datasets/(?P<id>[^/]+/[^/]+)/resolve/(?P<rev>[^/]+)/(?P<file>.+)", self.file
        )
        server.route("GET", r"/api/papers/(?P<id>.+)", self.paper)

    def card(self, dataset_id: str, path: Path) -> None:
        """Serve ``path`` as the dataset's README.md."""
        self.cards[dataset_id.lower()] = path.read_text(encoding="utf-8")

    def set_sha(self, dataset_id: str, sha: str) -> None:
        self.datasets[dataset_id.lower()]["sha"] = sha

    def info(self, req: Request, m: re.Match[str]) -> Response:
        body = self.datasets.get(m["id"].lower())
        if body is None or body.get("private"):
            return _not_found()
        return Response(200, json.dumps(body), JSON)

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


def _not_found() -> Response:
    message = "Repository not found. Make sure you are authenticated and have access to it."
    return Response(
        401,
        json.dumps({"error": message}),
        {**JSON, "X-Error-Code": "RepoNotFound", "X-Error-Message": message},
    )
