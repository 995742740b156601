"""Shared fixtures: fake upstream services on 127.0.0.1 and a list in a temp folder.

No test reaches the network: the sources' endpoints point at the fakes through
the same environment variables a user sets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from alignfetch.cli import cli
from fakes.arxiv import FakeArxiv
from fakes.server import FakeServer

DATA = Path(__file__).parent / "data"
ARXIV_FEEDS = sorted((DATA / "arxiv").glob("*.xml")) + sorted((DATA / "reference" / "arxiv").glob("*.xml"))

ENTRIES = """\
# The list: sections, then entries. Comments survive edits.
[list]
title = "Awesome-LLM-Alignment"

[[sections]]
slug = "papers"
title = "Papers"

[[sections]]
slug = "evaluation"
title = "LLM for Evaluation"
parent = "papers"

[[sections]]
slug = "safety"
title = "LLM for Safety & Safe-Alignment"
parent = "papers"
"""


@dataclass
class Fakes:
    server: FakeServer
    arxiv: FakeArxiv

    def arxiv_requests(self) -> int:
        return len(self.server.requests(r"^/api/query$"))


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    server = FakeServer()
    fake = Fakes(server, FakeArxiv(server, ARXIV_FEEDS))
    monkeypatch.setenv("ALIGNFETCH_ARXIV_URL", f"{server.url}/api/query")
    monkeypatch.setenv("ALIGNFETCH_ARXIV_DELAY", "0")
    monkeypatch.setenv("ALIGNFETCH_BACKOFF", "0")
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "2")
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "2")
    monkeypatch.setenv("ALIGNFETCH_GITHUB_URL", server.url)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    for var in ("ALIGNFETCH_DB", "ALIGNFETCH_ENTRIES", "GITHUB_TOKEN", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    yield fake
    server.close()


@pytest.fixture
def listdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a fresh entries.toml; the current directory for the test."""
    (tmp_path / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> Result:
    """The CLI in-process, stderr apart from stdout."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def state(folder: Path) -> dict[str, str]:
    """Digest of the files a failed command must leave alone."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "lock":
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
