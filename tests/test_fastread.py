"""Reading commands' fast path (issue 12).

``list``, ``show`` and ``sections`` read a SQLite cache at the head revision with
the standard library's sqlite3 (alignfetch.sqlite_read), parse an ID with its own
source only, and check each row with a per-kind plan (stored.read). Each test
here names the bug of that fast path it would catch.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from alignfetch import stored
from alignfetch.cache import db
from alignfetch.errors import BadIdError
from alignfetch.list import entries, ids
from alignfetch.records import Author, Dataset, Paper, PaperPage, Repo, from_dict, to_dict
from alignfetch.workspace import Workspace
from conftest import Fakes, add_sections, run
from test_ids import ACCEPTED, MALFORMED

WATCHED = (
    "sqlalchemy",
    "alembic",
    "requests",
    "urllib3",
    "httpx2",
    "huggingface_hub",
    "arxiv",
    "ssl",
    "http.client",
    "urllib.request",
    "email.utils",
    "tempfile",
    "alignfetch.sources.hf_models",
    "alignfetch.sources.hf_spaces",
    "alignfetch.sources.hf_collections",
    "alignfetch.sources.url",
)

# Runs the CLI, then prints which watched modules it imported, on stderr's last line.
WRAPPER = f"""
import sys
from alignfetch.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="alignfetch")
except SystemExit as exit:
    code = exit.code
print("LOADED", sorted(set(sys.modules) & set({WATCHED!r})), file=sys.stderr)
sys.exit(code)
"""


def command(folder: Path, *args: str) -> tuple[int, str, str, list[str]]:
    """A fresh interpreter's exit code, stdout, stderr and the watched modules it loaded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIGNFETCH_")}
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, "--offline", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *err, last = result.stderr.splitlines(keepends=True)
    assert last.startswith("LOADED "), result.stderr
    loaded = eval(last.removeprefix("LOADED "))  # noqa: S307  # our own print
    return result.returncode, result.stdout, "".join(err), loaded


@pytest.fixture
def cached(fakes: Fakes, listdir: Path) -> Path:
    """A paper, a dataset and a repository, all cached in .alignfetch/cache.sqlite."""
    add_sections(listdir)
    for args in (
        ("2305.01937", "-s", "evaluation"),
        ("hf:Anthropic/hh-rlhf", "-s", "english"),
        ("gh:CarperAI/trlx", "-s", "rlhf"),
    ):
        result = run("add", *args)
        assert result.exit_code == 0, result.output
    return listdir


CACHE = Path(".alignfetch") / "cache.sqlite"
LISTED = ["arxiv:2305.01937", "hf:Anthropic/hh-rlhf", "gh:CarperAI/trlx"]
NOT_CACHED = (
    "alignfetch: The entry arxiv:2305.01937 is not in the cache yet; "
    "run `alignfetch refresh` to fetch it.\n"
)


def set_row(folder: Path, rid: str, value: object) -> None:
    """Write ``value`` (text) into a row's record column, as is."""
    with sqlite3.connect(folder / CACHE) as conn:
        conn.execute("UPDATE records SET record = ? WHERE id = ?", (value, rid))
    conn.close()


def test_reading_commands_load_neither_sqlalchemy_nor_the_http_stack(cached: Path) -> None:
    # Bug: an eager import (db, a source's HTTP helpers, every source for one prefix).
    code, out, err, loaded = command(cached, "list")
    assert (code, err) == (0, "")
    assert [line.split("\t")[0] for line in out.splitlines()] == LISTED
    assert loaded == []
    code, out, err, loaded = command(cached, "show", "arxiv:2305.01937")
    assert (code, err) == (0, "")
    assert out.startswith("arxiv:2305.01937  [evaluation]\nTitle")
    assert loaded == []
    code, out, _, loaded = command(cached, "sections")
    assert code == 0 and "english" in out
    assert loaded == []


def test_an_id_in_any_form_parses_without_the_http_stack(cached: Path) -> None:
    # A URL is tried against every source in turn: they all load, their HTTP helpers not.
    code, out, err, loaded = command(cached, "show", "https://arxiv.org/abs/2305.01937v2")
    assert (code, err) == (0, "")
    assert out.startswith("arxiv:2305.01937  [evaluation]\n")
    assert loaded == [
        "alignfetch.sources.hf_collections",
        "alignfetch.sources.hf_models",
        "alignfetch.sources.hf_spaces",
        "alignfetch.sources.url",
    ]


def test_a_cache_behind_is_upgraded_not_read_as_it_is(cached: Path) -> None:
    # Bug: the fast path reads a cache at an older revision and leaves it there.
    from alembic import command as alembic

    url = db.sqlite_url(cached / CACHE)
    engine = db.make_engine(url)
    with engine.begin() as conn:
        cfg = db.alembic_config(url)
        cfg.attributes["connection"] = conn
        alembic.downgrade(cfg, "0001")
    assert db.current_revision(engine) == "0001"
    code, out, err, loaded = command(cached, "list")
    assert (code, err) == (0, "")
    assert [line.split("\t")[0] for line in out.splitlines()] == LISTED
    assert "alembic" in loaded and "sqlalchemy" in loaded  # the full way, which upgrades
    assert db.current_revision(engine) == db.HEAD_REVISION
    with sqlite3.connect(cached / CACHE) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "discover_listings" in tables


def test_a_cache_ahead_is_refused_as_the_full_way_refuses_it(cached: Path) -> None:
    # Bug: the fast path serves a cache written by a newer alignfetch.
    with sqlite3.connect(cached / CACHE) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    before = (cached / CACHE).read_bytes()
    code, out, err, _ = command(cached, "list")
    assert (code, out) == (1, "")
    # Bug: Alembic's "Can't locate revision" with advice to delete a newer alignfetch's cache.
    assert err == (
        f"alignfetch: The cache at sqlite:///{Path('.alignfetch') / 'cache.sqlite'} has schema "
        "revision 0099, which only a newer alignfetch knows; upgrade alignfetch (pip install -U "
        "alignfetch), or give another cache with --db.\n"
    )
    assert (cached / CACHE).read_bytes() == before


def test_a_file_that_is_not_a_database_gets_the_full_ways_sentence(cached: Path) -> None:
    # Bug: a sqlite3 error escapes as a traceback, or the file is rewritten.
    (cached / CACHE).write_bytes(b"this is not a database\n" * 100)
    code, out, err, _ = command(cached, "list")
    assert (code, out) == (1, "")
    assert err == (
        f"alignfetch: The cache at sqlite:///{Path('.alignfetch') / 'cache.sqlite'} could not be "
        "opened (file is not a database); fix or delete it (alignfetch rebuilds it from "
        "upstream).\n"
    )
    assert (cached / CACHE).read_bytes() == b"this is not a database\n" * 100


def test_reading_writes_nothing_and_creates_no_cache(cached: Path) -> None:
    # Bug: the read-only connection opened read-write (a journal, a changed file). What a
    # reading command keeps of its text goes in .alignfetch/memo alone (issue 23).
    def files() -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in (cached / ".alignfetch").iterdir() if p.is_file()}

    before = files()
    for args in (["list"], ["show", "hf:Anthropic/hh-rlhf"], ["list", "--json"]):
        assert command(cached, *args)[0] == 0
    assert files() == before
    assert sorted(p.name for p in (cached / ".alignfetch").iterdir() if p.is_dir()) == ["memo"]
    # No cache at all: no file is made, and the entry is named as missing.
    (cached / CACHE).unlink()
    code, out, err, loaded = command(cached, "list")
    assert (code, out) == (1, "")
    assert err == (
        "alignfetch: The entries arxiv:2305.01937, hf:Anthropic/hh-rlhf, gh:CarperAI/trlx are "
        "not in the cache yet; run `alignfetch refresh` to fetch them.\n"
    )
    assert not (cached / CACHE).exists()
    assert "sqlalchemy" not in loaded


BAD_ROWS = {
    "text that is not JSON": '{"kind": "paper", tr',
    "JSON null": "null",
    "missing fields": '{"kind": "paper", "id": "arxiv:2305.01937"}',
    "a version that is text": None,  # filled in below from the real row
    "an author that is a string": None,
    "a bool for the version": None,
}


def _mutated(folder: Path, how: str) -> object:
    with sqlite3.connect(folder / CACHE) as conn:
        (text,) = conn.execute(
            "SELECT record FROM records WHERE id = 'arxiv:2305.01937'"
        ).fetchone()
    conn.close()
    data = json.loads(text)
    if how == "a version that is text":
        data["version"] = "1"
    elif how == "an author that is a string":
        data["authors"] = ["Cheng-Han Chiang"]
    elif how == "a bool for the version":
        data["version"] = True
    else:
        return BAD_ROWS[how]
    return json.dumps(data)


@pytest.mark.parametrize("how", list(BAD_ROWS))
def test_an_unreadable_row_counts_as_missing_on_the_fast_path(cached: Path, how: str) -> None:
    # Bug: the fast path serves a damaged row, or fails on it with a traceback.
    set_row(cached, "arxiv:2305.01937", _mutated(cached, how))
    code, out, err, loaded = command(cached, "show", "arxiv:2305.01937")
    assert (code, out, err) == (1, "", NOT_CACHED)
    assert "sqlalchemy" not in loaded


def test_an_unreadable_paper_page_is_left_out_not_served(cached: Path) -> None:
    set_row(cached, "hfpaper:2305.01937", '{"kind": "paper_page", "id": "hfpaper:2305.01937"}')
    code, out, err, loaded = command(cached, "show", "arxiv:2305.01937", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out)["hf_paper"] is None
    assert "sqlalchemy" not in loaded


def test_items_without_pages_keep_the_papers_datasets_name(cached: Path) -> None:
    items = {i.entry.id: i for i in Workspace("entries.toml").items(pages=False)}
    assert items["arxiv:2305.01937"].related == {}
    assert list(items["hf:Anthropic/hh-rlhf"].related) == ["arxiv:2204.05862"]
    full = {i.entry.id: i for i in Workspace("entries.toml").items()}
    assert list(full["arxiv:2305.01937"].related) == [
        "hfpaper:2305.01937",
        "s2:2305.01937",
        "openalex:2305.01937",
    ]


# -- stored.read: the per-kind plans against the exact check --------------------------

PAPER = Paper(
    id="arxiv:2305.01937",
    version=2,
    title="T",
    abstract="A",
    authors=(Author("Ann", ("Uni",)), Author("Bob")),
    published="2023-05-03",
    updated="2023-05-04",
    primary_category="cs.CL",
    categories=("cs.CL", "cs.AI"),
    comment=None,
    journal_ref=None,
    doi=None,
    url="https://arxiv.org/abs/2305.01937",
    pdf_url="https://arxiv.org/pdf/2305.01937",
)
SAMPLES = [
    PAPER,
    PaperPage("hfpaper:2305.01937", "https://huggingface.co/papers/2305.01937", 3, None),
    Dataset(
        "hf:a/b",
        "a/b",
        "u",
        None,
        "abc",
        None,
        None,
        ("mit",),
        ("en",),
        (),
        (),
        5,
        2,
        None,
        False,
        False,
        ("arxiv:2305.01937",),
        "Summary",
    ),
    Repo("gh:a/b", "b", "u", "a/b", None, "d", 10, None, "MIT", False, None, ("x",), "main"),
]
VALUES: list[Any] = [None, 0, 1, 1.5, True, "x", [], ["x"], [1], {}, {"name": "x"}, [{"name": 1}]]


def _mutations() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for record in SAMPLES:
        base = to_dict(record)
        for f in fields(record):
            missing = dict(base)
            del missing[f.name]
            out.append((f"{record.kind}.{f.name} missing", missing))
            out.extend(
                (f"{record.kind}.{f.name}={value!r}", dict(base, **{f.name: value}))
                for value in VALUES
            )
    authors = to_dict(PAPER)
    odd = ([{"name": "A", "affiliations": "Uni"}], [{"name": "A", "affiliations": [2]}])
    out.extend((f"authors={value!r}", dict(authors, authors=value)) for value in odd)
    return out


@pytest.mark.parametrize(("label", "data"), _mutations(), ids=[m[0] for m in _mutations()])
def test_read_agrees_with_building_then_checking(label: str, data: dict[str, Any]) -> None:
    # Bug: a plan that accepts what the exact check refuses, or builds another record.
    assert stored.read(data) == stored._exact_read(data), label


def test_read_by_hand() -> None:
    data = to_dict(PAPER)
    assert stored.read(data) == PAPER
    assert stored.read(json.loads(json.dumps(data))) == PAPER
    assert stored.read(dict(data, version=True)) is None  # JSON's true is no int
    assert stored.read(dict(data, title=None)) is None
    assert stored.read(dict(data, comment="c")) == from_dict(dict(data, comment="c"))
    assert stored.read(dict(data, kind="poem")) is None
    assert stored.read(dict(data, kind=["paper"])) is None
    page = {"kind": "paper_page", "id": "hfpaper:1", "url": None}  # defaults filled in
    assert stored.read(page) == PaperPage("hfpaper:1", None, None, None)
    repo = to_dict(SAMPLES[3])
    del repo["topics"], repo["default_branch"]  # a row written before those fields
    assert stored.read(repo) == Repo(
        "gh:a/b", "b", "u", "a/b", None, "d", 10, None, "MIT", False, None
    )
    assert stored.read([data]) is None and stored.read(None) is None
    assert db.readable(data) and not db.readable(dict(data, authors=[["Ann"]]))


# -- IDs: a prefixed ID is put to its own source first ---------------------------------

PREFIXED_BUT_NOT_THEIRS = [
    "gh:about/x",  # a page of github.com, not an owner
    "hf:a--b/c",
    "hf-model:datasets/x",
    "url:ftp://example.org/x",
    "arxiv:9912.0001",
    "hf-space:",
    "gh:",
]


@pytest.mark.parametrize(
    "text",
    [a for a, _ in ACCEPTED] + MALFORMED + PREFIXED_BUT_NOT_THEIRS + [c for _, c in ACCEPTED],
)
def test_parse_by_prefix_agrees_with_trying_every_source(text: str) -> None:
    # Bug: a prefix's source answers for a text another source, tried first, would claim.
    def outcome(parse: Any) -> object:
        try:
            return parse()
        except BadIdError as err:
            return str(err)

    assert outcome(lambda: ids.parse(text)) == outcome(
        lambda: ids._parse_in_order(text, text.strip())
    )


def test_the_registry_lists_each_source_under_its_own_prefix() -> None:
    from alignfetch.sources import MODULES, SOURCES

    assert list(SOURCES) == list(MODULES)
    assert {prefix: s.PREFIX for prefix, s in SOURCES.items()} == {p: p for p in MODULES}


def test_the_fetch_layers_import_the_http_stack_only_to_send() -> None:
    # Bug: a module-level import of urllib.request (hub) or email.utils (net) puts
    # ssl and http.client back on every read command's start-up.
    script = """
import sys
from alignfetch.list import ids
ids.parse("arxiv:2305.01937")
ids.parse("https://huggingface.co/datasets/Anthropic/hh-rlhf")
import alignfetch.http.policy, alignfetch.sources.hub, alignfetch.sources.hf_papers
heavy = ("email.utils", "urllib.request", "ssl", "http.client", "requests", "huggingface_hub")
print([m for m in heavy if m in sys.modules])
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "[]\n", "")


# -- entries: look-ups follow edits ----------------------------------------------------


def test_find_follows_the_entries_after_an_edit(listdir: Path) -> None:
    # Bug: the look-up index kept from before an edit.
    ef = entries.load(listdir / "entries.toml")
    assert ef.find("arxiv:2305.01937") is None
    ef.add([entries.Entry("arxiv:2305.01937", "evaluation")])
    assert ef.find("arxiv:2305.01937") == entries.Entry("arxiv:2305.01937", "evaluation")
    ef.add([entries.Entry("gh:CarperAI/trlx", "evaluation")])
    assert ef.find("gh:carperai/TRLX") == entries.Entry("gh:CarperAI/trlx", "evaluation")
    ef.remove("arxiv:2305.01937")
    assert ef.find("arxiv:2305.01937") is None
    assert ef.find("gh:CarperAI/trlx") is not None


def test_entries_toml_is_toml_1_0_as_tomlkit_writes_it(listdir: Path) -> None:
    # Bug: a TOML 1.1 reader (tomli 2.4 and later) lets a file load that every edit,
    # checked by reading it back, would then refuse.
    path = listdir / "entries.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'
        'links = {Github = "https://github.com/x/y",}\n',
        encoding="utf-8",
    )
    line = len(text.splitlines()) + 5
    with pytest.raises(entries.EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == (
        f"The file {path} is not valid TOML (Invalid initial character for a key part "
        f"(at line {line}, column 44)); fix it and try again."
    )


def test_the_known_revisions_are_alembics_history_in_order() -> None:
    # Bug: a new migration added to the scripts but not to REVISIONS: every cache
    # upgraded to it would then be refused as written by a newer alignfetch.
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    history = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    assert list(db.REVISIONS) == history == ["0001", "0002", "0003", "0004"]


def test_a_postgresql_server_that_refuses_is_not_a_cache_to_delete(tmp_path: Path) -> None:
    # Bug: "fix or delete it" for a server that is down: deleting a shared cache does
    # not start a server. Port 1 refuses at once; no server is needed.
    pytest.importorskip("psycopg")
    (tmp_path / "entries.toml").write_text('[list]\ntitle = "T"\n', encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "alignfetch",
            "--entries",
            str(tmp_path / "entries.toml"),
            "--db",
            "postgresql+psycopg://alignfetch:hunter2@127.0.0.1:1/x",
            "list",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(
        "alignfetch: The cache at postgresql+psycopg://alignfetch:***@127.0.0.1:1/x could not "
        "be opened (connection failed: "
    )
    assert result.stderr.endswith(
        "); check that the PostgreSQL server is running and that the URL's host, port, user "
        "and database are right.\n"
    )
    assert "hunter2" not in result.stderr and "delete" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entries.toml"]


def test_a_locked_cache_is_said_once_not_waited_for_twice(
    cached: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bug: the fast path waits out the lock, then hands over to the full way, which
    # waits as long again before saying the same sentence.
    from alignfetch.cache import sqlite_read
    from alignfetch.errors import AlignfetchError

    monkeypatch.setattr(sqlite_read, "BUSY_TIMEOUT", 0.1)
    url = f"sqlite:///{cached / CACHE}"
    holder = sqlite3.connect(cached / CACHE)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(AlignfetchError) as info:
            sqlite_read.records(url, LISTED)
    finally:
        holder.close()
    assert str(info.value) == (
        f"The cache at {url} is locked by another program; wait for it to finish and try again."
    )
    assert sqlite_read.records(url, LISTED) is not None  # free again: served


def test_a_version_table_with_two_rows_is_not_called_a_newer_alignfetchs(cached: Path) -> None:
    # Bug: "0001,0002" is not a known revision, so it was refused as a newer alignfetch's,
    # with advice to upgrade that cannot help.
    with sqlite3.connect(cached / CACHE) as conn:
        conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.close()
    code, out, err, _ = command(cached, "list")
    assert (code, out) == (1, "")
    assert err.startswith(
        f"alignfetch: The cache at sqlite:///{Path('.alignfetch') / 'cache.sqlite'} could not be "
        "opened ("
    )
    assert "newer" not in err and err.endswith(
        "fix or delete it (alignfetch rebuilds it from upstream).\n"
    )
