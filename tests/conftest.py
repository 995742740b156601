"""Shared fixtures: fake upstream services on 127.0.0.1 and a list in a temp folder.

No test reaches the network: the sources' endpoints point at the fakes through
the same environment variables a user sets.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from alignfetch.cli import cli
from alignfetch.http import policy as net
from fakes.arxiv import FakeArxiv
from fakes.github import FakeGitHub
from fakes.hub import FakeHub
from fakes.openalex import FakeOpenAlex
from fakes.s2 import FakeS2
from fakes.server import FakeServer

# Read once, when the clients are built: no proxy may stand between them and the fakes,
# and the Hub client must not phone home.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
# The user's cache folder (the memo's key, the Hub client's files) is the test run's own,
# not the home of whoever runs the tests.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="alignfetch-tests-cache-")

DATA = Path(__file__).parent / "data"
ARXIV_FEEDS = sorted((DATA / "arxiv").glob("*.xml")) + sorted(
    (DATA / "reference" / "arxiv").glob("*.xml")
)

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


SCHOLARLY = ("/paper/batch", "/works")
"""The scholarly graph's paths on the fake server (Semantic Scholar, OpenAlex)."""


@dataclass
class Fakes:
    server: FakeServer
    arxiv: FakeArxiv
    hub: FakeHub
    github: FakeGitHub
    s2: FakeS2
    """Semantic Scholar: knows no paper (answers null) until a test fills ``s2.papers``
    (``fakes.s2.items()`` holds the reference papers' answers)."""
    openalex: FakeOpenAlex
    """OpenAlex: holds no work until a test fills ``openalex.works`` (``fakes.openalex.load()``)."""

    def arxiv_requests(self) -> int:
        return len(self.server.requests(r"^/api/query$"))

    def hub_requests(self, pattern: str = "") -> int:
        return len(
            [
                r
                for r in self.server.requests(pattern)
                if r.path != "/api/query" and not r.path.startswith(SCHOLARLY)
            ]
        )

    def github_requests(self) -> int:
        return len(self.server.requests(r"^/(repos|repositories)/"))


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    server = FakeServer()
    hub = FakeHub(server, [DATA / "hf", DATA / "reference" / "hf"])
    for name in ("Anthropic/hh-rlhf", "liyucheng/zhihu_rlhf_3k"):
        hub.card(name, DATA / "reference" / "hf" / f"card_{name.replace('/', '_')}_README.md")
    github = FakeGitHub(server, DATA / "github", DATA / "reference" / "github")
    fake = Fakes(
        server,
        FakeArxiv(server, ARXIV_FEEDS),
        hub,
        github,
        FakeS2(server, {}),
        FakeOpenAlex(server),
    )
    monkeypatch.setenv("ALIGNFETCH_ARXIV_URL", f"{server.url}/api/query")
    monkeypatch.setenv("ALIGNFETCH_ARXIV_DELAY", "0")
    monkeypatch.setenv("ALIGNFETCH_BACKOFF", "0")
    monkeypatch.setenv("ALIGNFETCH_TIMEOUT", "2")
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "2")
    monkeypatch.setenv("ALIGNFETCH_GITHUB_URL", server.url)
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("ALIGNFETCH_S2_URL", server.url)
    monkeypatch.setenv("ALIGNFETCH_S2_DELAY", "0")
    monkeypatch.setenv("ALIGNFETCH_OPENALEX_URL", server.url)
    # The fakes are on 127.0.0.1, which the link checker otherwise refuses to ask.
    monkeypatch.setenv("ALIGNFETCH_ALLOW_PRIVATE_NETWORK", "1")
    for var in (
        "ALIGNFETCH_DB",
        "ALIGNFETCH_ENTRIES",
        "GITHUB_TOKEN",
        "HF_TOKEN",
        "S2_API_KEY",
        "OPENALEX_API_KEY",
        "OPENALEX_MAILTO",
    ):
        monkeypatch.delenv(var, raising=False)
    yield fake
    server.close()


@pytest.fixture(autouse=True)
def _graphql_forgets_refusals() -> None:
    """GitHub's GraphQL endpoints that refused are remembered for an hour per process;
    a test's server on a port an earlier test's used must not inherit its refusal."""
    from alignfetch.sources import github_graphql

    github_graphql._REFUSED.clear()


@pytest.fixture
def listdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding a fresh entries.toml; the current directory for the test."""
    (tmp_path / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A fake server of its own, for one source's tests (closed after the test)."""
    s = FakeServer()
    yield s
    s.close()


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, the current directory, with no cache or entries.toml named by
    the environment (for import: the list it writes is the only one)."""
    monkeypatch.chdir(tmp_path)
    for var in ("ALIGNFETCH_DB", "ALIGNFETCH_ENTRIES"):
        monkeypatch.delenv(var, raising=False)
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


def add_sections(folder: Path) -> None:
    """The reference list's dataset and code sections, for tests that add those."""
    with (folder / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[[sections]]\nslug = "datasets"\ntitle = "Datasets"\n'
            '\n[[sections]]\nslug = "english"\ntitle = "English"\nparent = "datasets"\n'
            '\n[[sections]]\nslug = "chinese"\ntitle = "Chinese"\nparent = "datasets"\n'
            '\n[[sections]]\nslug = "codes"\ntitle = "Codes"\n'
            '\n[[sections]]\nslug = "rlhf"\ntitle = "Support RLHF"\nparent = "codes"\n'
        )


# -- the cache's backends ----------------------------------------------------------
#
# Cache tests take ``db_url`` and run once per backend: SQLite always; PostgreSQL too
# when ALIGNFETCH_TEST_PG names a server (scripts/pg-test-server prints one), when
# `pytest --db postgresql` asks for it, or in CI (CI=true), where a missing server is
# a failure, not a skip. Each PostgreSQL test gets a fresh schema of its own.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="append",
        default=[],
        choices=["sqlite", "postgresql"],
        help="also run the cache tests on this backend (postgresql needs ALIGNFETCH_TEST_PG)",
    )


def want_postgresql(config: pytest.Config) -> bool:
    return bool(
        "postgresql" in config.getoption("--db")
        or os.environ.get("ALIGNFETCH_TEST_PG")
        or os.environ.get("CI") == "true"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = ["sqlite", "postgresql"] if want_postgresql(metafunc.config) else ["sqlite"]
        metafunc.parametrize("backend", backends)


def _pg_schema(request: pytest.FixtureRequest) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped afterwards."""
    from uuid import uuid4

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    base = os.environ.get("ALIGNFETCH_TEST_PG")
    if not base:
        pytest.fail(
            "The PostgreSQL tests need a server: set ALIGNFETCH_TEST_PG to its URL "
            "(`scripts/pg-test-server start DIR` starts one and prints it)."
        )
    schema = f"t_{uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text("SET lock_timeout = '10s'"))
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db_url(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A new, empty cache's URL, on each backend in turn."""
    monkeypatch.setattr(net, "shared_pace", None)  # whatever a test's Workspace set
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'cache-db' / 'cache.sqlite'}"
    else:
        yield from _pg_schema(request)


@pytest.fixture
def pg_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty PostgreSQL cache's URL, for tests of what only a shared cache does."""
    if not want_postgresql(request.config):
        pytest.skip("no PostgreSQL server: set ALIGNFETCH_TEST_PG (README: Development)")
    monkeypatch.setattr(net, "shared_pace", None)
    yield from _pg_schema(request)


def rows(url: str) -> list[tuple[object, ...]]:
    """Every cache row, ordered: to show that a failure changed nothing."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text("SELECT * FROM records ORDER BY id"))]
    finally:
        engine.dispose()
