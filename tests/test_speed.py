"""Reading commands load only what they use (issue 12).

Each check runs the real command in a fresh interpreter and lists, at exit,
which of the heavy libraries it imported: a test that fails as soon as someone
adds an eager import of the HTTP stack, the Hub client or Alembic on the read path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alignfetch.cache import db
from conftest import Fakes, add_sections, run

HEAVY = (
    "alembic",
    "requests",
    "urllib3",
    "httpx2",
    "huggingface_hub",
    "arxiv",
    "jinja2",
    "tomlkit",
    "sklearn",
    "feedparser",
    "bibtexparser",
    "markdown_it",
)

# Runs the CLI, then prints the heavy top-level packages it imported, on stdout's last line.
WRAPPER = f"""
import sys
from alignfetch.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="alignfetch")
except SystemExit as exit:
    code = exit.code
heavy = {HEAVY!r}
print("LOADED", sorted({{m.split(".")[0] for m in sys.modules}} & set(heavy)))
sys.exit(code)
"""


def loaded(folder: Path, *args: str) -> tuple[str, list[str]]:
    """The command's output and the heavy packages it imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALIGNFETCH_")}
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, "--offline", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    *out, last = result.stdout.splitlines()
    assert last.startswith("LOADED ")
    return "\n".join(out), eval(last.removeprefix("LOADED "))  # noqa: S307  # our own print


@pytest.fixture
def cached(fakes: Fakes, listdir: Path) -> Path:
    """A small list of a paper, a dataset and a repository, all cached."""
    add_sections(listdir)
    for args in (
        ("2305.01937", "-s", "evaluation"),
        ("hf:Anthropic/hh-rlhf", "-s", "english"),
        ("gh:CarperAI/trlx", "-s", "rlhf"),
    ):
        result = run("add", *args)
        assert result.exit_code == 0, result.output
    return listdir


def test_list_imports_no_http_stack_nor_alembic(cached: Path) -> None:
    out, heavy = loaded(cached, "list")
    assert [line.split("\t")[0] for line in out.splitlines()] == [
        "arxiv:2305.01937",
        "hf:Anthropic/hh-rlhf",
        "gh:CarperAI/trlx",
    ]
    assert heavy == []


def test_show_parses_the_id_without_the_http_stack(cached: Path) -> None:
    out, heavy = loaded(cached, "show", "https://arxiv.org/abs/2305.01937v2")
    assert "Can Large Language Models Be an Alternative to Human Evaluations?" in out
    assert heavy == []


def test_sections_and_help_import_nothing_heavy(cached: Path) -> None:
    out, heavy = loaded(cached, "sections")
    assert "evaluation" in out and "rlhf" in out
    assert heavy == []
    out, heavy = loaded(cached, "--help")
    assert "Keep a curated awesome list" in out
    assert heavy == []


def test_head_revision_constant_is_alembics_head() -> None:
    # Opening a cache compares its revision with the constant, not with Alembic's scripts:
    # a new migration must move the constant too, or caches would never be upgraded.
    assert db.head_revision("sqlite://") == db.HEAD_REVISION


def test_an_old_cache_is_still_upgraded(tmp_path: Path) -> None:
    url = db.sqlite_url(tmp_path / "cache.sqlite")
    engine = db.make_engine(url)
    db.upgrade(engine, "0001")
    assert db.current_revision(engine) == "0001"
    db.open_cache(url)
    assert db.current_revision(engine) == db.HEAD_REVISION


def test_dumps_writes_what_json_dumps_writes() -> None:
    # export's own writer must stay byte for byte the standard library's indented JSON.
    from alignfetch.list.export import dumps

    doc = {
        "empty": {},
        "none": [],
        "nested": {"a": [[], {}, [1, [2, {"b": None}]]]},
        "text": 'é \u2028 \n\t " \\ \x01 \x7f 😀',
        "atoms": [True, False, None, 0, -3, 10**20],
        "floats": [1.0, 1e16, 1e-05, -0.0, 2.5],
        "tuple": (1, ("x",)),
        "int keys": {1: "x"},
    }
    want = (
        '{\n  "empty": {},\n  "none": [],\n  "nested": {\n    "a": [\n      [],\n      {},\n'
        '      [\n        1,\n        [\n          2,\n          {\n            "b": null\n'
        "          }\n        ]\n      ]\n    ]\n  },\n"
        '  "text": "é \u2028 \\n\\t \\" \\\\ \\u0001 \x7f 😀",\n'
        '  "atoms": [\n    true,\n    false,\n    null,\n    0,\n    -3,\n'
        "    100000000000000000000\n  ],\n"
        '  "floats": [\n    1.0,\n    1e+16,\n    1e-05,\n    -0.0,\n    2.5\n  ],\n'
        '  "tuple": [\n    1,\n    [\n      "x"\n    ]\n  ],\n'
        '  "int keys": {\n    "1": "x"\n  }\n}\n'
    )
    assert dumps(doc) == want
    assert dumps([]) == "[]\n" and dumps("a") == '"a"\n' and dumps(None) == "null\n"


def test_cache_keeps_no_raw_arxiv_entry_but_a_datasets_answer(cached: Path) -> None:
    import json
    import sqlite3

    with sqlite3.connect(cached / ".alignfetch" / "cache.sqlite") as conn:
        raw = dict(conn.execute("SELECT id, raw FROM records"))
    # Nothing reads a paper's arXiv XML or its page's JSON back: neither is stored ...
    assert raw["arxiv:2305.01937"] == "" and raw["hfpaper:2305.01937"] == ""
    # ... while a dataset's raw answer is (its card is compared on the next fetch).
    assert json.loads(raw["hf:Anthropic/hh-rlhf"])["dataset_info"]["id"] == "Anthropic/hh-rlhf"
    shown = json.loads(run("show", "arxiv:2305.01937", "--json").stdout)
    assert shown["abstract"].startswith("Human evaluation is indispensable")


def test_warm_refresh_marks_an_unchanged_paper_checked(cached: Path, fakes: Fakes) -> None:
    import sqlite3

    def row() -> tuple[str, str, str]:
        with sqlite3.connect(cached / ".alignfetch" / "cache.sqlite") as conn:
            # When it was last checked: the newer of its fetch and its check (issue 23:
            # a confirmed record's own row is not rewritten).
            found = conn.execute(
                "SELECT r.record, max(r.fetched_at, coalesce(c.checked_at, '')), r.changed_at "
                "FROM records AS r LEFT JOIN checks AS c ON c.id = r.id "
                "WHERE r.id = 'arxiv:2305.01937'"
            ).fetchone()
        return found  # type: ignore[no-any-return]

    record, fetched, changed = row()
    before = fakes.arxiv_requests()
    result = run("refresh", "--all", "--only", "paper")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Checked 1 entry: nothing changed.\n"
    assert fakes.arxiv_requests() == before + 1
    after = row()
    assert after[0] == record and after[2] == changed  # the same record, not changed
    assert after[1] > fetched  # but checked now: not due again tomorrow
