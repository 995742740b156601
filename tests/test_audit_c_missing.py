"""Issue 20, item 6: no entry can stop the README.

An entry the cache has no record of (its source answered 404, it was never fetched, the
list was just imported) is rendered and exported as entries.toml has it, named on stderr,
exit 0; ``--strict`` makes that exit 1 and write nothing. Driven through the CLI against
the fakes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from conftest import Fakes, run, state

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((ROOT / "src" / "alignfetch" / "export.schema.json").read_text("utf-8"))
LISTS = ROOT / "tests" / "data" / "lists"

GONE = """
[[entries]]
id = "gh:nobody/nothing-here"
section = "safety"
description = "A repository that was deleted"
links = { Paper = "https://example.org/paper.pdf" }
"""
NOT_FETCHED = """
[[entries]]
id = "arxiv:2212.08073"
section = "safety"
title = "Constitutional AI: Harmlessness from AI Feedback"
venue = "Anthropic report"
date = "2022-12-15"
"""
NAMED = (
    "alignfetch: warning: 2 entries have no cached record yet and are shown as entries.toml "
    "has them: gh:nobody/nothing-here, arxiv:2212.08073; run `alignfetch refresh`.\n"
)


@pytest.fixture
def partly(fakes: Fakes, listdir: Path) -> Path:
    """A list of two cached entries, one whose repository is gone (GitHub answered 404 at
    the refresh) and one never fetched (added to entries.toml by hand, no refresh since)."""
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert run("add", "gh:CarperAI/trlx", "-s", "safety").exit_code == 0
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(GONE)
    refreshed = run("refresh")
    assert refreshed.exit_code == 1 and "nobody/nothing-here" in refreshed.stdout
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(NOT_FETCHED)
    return listdir


def test_render_shows_entries_without_a_record_as_typed_and_names_them(partly: Path) -> None:
    # Catches: one dead repository (or one entry not fetched yet) making `render` exit 1
    # with "not in the cache yet", so the README of a real list, which always holds dead
    # links, could never be written; and such an entry left out, or shown with none of
    # what entries.toml says of it.
    result = run("render", "-o", "README.md")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == NAMED + "Wrote README.md.\n"
    page = (partly / "README.md").read_text(encoding="utf-8")
    # The cached entries as before.
    assert "**Can Large Language Models Be an Alternative to Human Evaluations?**" in page
    assert "**[`trlx`](https://github.com/CarperAI/trlx)**" in page
    # The gone repository in a repository's shape: owner/name linked to GitHub, the typed
    # description and link, the badges.
    assert (
        "**[`nobody/nothing-here`](https://github.com/nobody/nothing-here)**\\\n"
        "*A repository that was deleted*\\\n"
        "[[Paper](https://example.org/paper.pdf)] \\\n"
        "![GitHub last commit](https://img.shields.io/github/last-commit/nobody/nothing-here"
    ) in page
    # The paper never fetched in a paper's shape: its typed title, venue and date, linked
    # to arXiv; no empty abstract block, no stray hard break.
    assert (
        "**Constitutional AI: Harmlessness from AI Feedback** \\\n"
        "Anthropic report. [[Paper](https://arxiv.org/abs/2212.08073)] \\\n"
        "15 Dec 2022\n"
    ) in page
    assert "None" not in page
    # Each in its section, in the file's order.
    assert page.index("`trlx`") < page.index("nobody/nothing-here") < page.index("Constitutional")


def test_strict_render_and_export_exit_1_and_write_nothing(partly: Path) -> None:
    # Catches: --strict (what a CI job uses to insist on a fully fetched list) exiting 0,
    # or writing the page or the export before it fails, or printing half a page.
    assert run("render", "-o", "README.md").exit_code == 0
    (partly / "README.md").write_text("hand-written\n", encoding="utf-8")
    before = state(partly)
    strict = (
        "alignfetch: 2 entries have no cached record yet: gh:nobody/nothing-here, "
        "arxiv:2212.08073; run `alignfetch refresh` (without --strict, they are shown as "
        "entries.toml has them).\n"
    )
    for args in (["render", "--strict", "-o", "README.md"], ["render", "--strict"],
                 ["render", "--strict", "--check", "-o", "README.md"],
                 ["export", "--strict", "-o", "out.json"], ["export", "--strict"]):  # fmt: skip
        result = run(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", strict), args
    assert state(partly) == before
    # Without an entry lacking a record, --strict changes nothing.
    entries = (partly / "entries.toml").read_text(encoding="utf-8")
    (partly / "entries.toml").write_text(entries.replace(GONE, "").replace(NOT_FETCHED, ""))
    ok = run("render", "--strict", "-o", "README.md")
    assert (ok.exit_code, ok.stderr) == (0, "Wrote README.md.\n")


def test_export_marks_them_uncached_follows_the_schema_and_renders_back(partly: Path) -> None:
    # Catches: an export that fails, drops the entry, or describes it in a form its own
    # JSON Schema refuses (a null title where a string is required, record fields made
    # up), and a committed export of such a list that `render --from` cannot read.
    result = run("export", "-o", "alignfetch.json")
    assert (result.exit_code, result.stderr) == (0, NAMED + "Wrote alignfetch.json.\n")
    doc = json.loads((partly / "alignfetch.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    by_id = {e["id"]: e for e in doc["entries"]}
    assert list(by_id) == ["arxiv:2305.01937", "gh:CarperAI/trlx", "gh:nobody/nothing-here",
                           "arxiv:2212.08073"]  # fmt: skip
    assert "cached" not in by_id["arxiv:2305.01937"] and "cached" not in by_id["gh:CarperAI/trlx"]
    assert by_id["gh:nobody/nothing-here"] == {
        "id": "gh:nobody/nothing-here",
        "kind": "repo",
        "section": "safety",
        "sections": ["safety"],
        "cached": False,
        "title": None,
        "description": "A repository that was deleted",
        "url": "https://github.com/nobody/nothing-here",
        "venue": None,
        "affiliation": None,
        "date": None,
        "links": {"Paper": "https://example.org/paper.pdf"},
        "overrides": {
            "description": "A repository that was deleted",
            "links": {"Paper": "https://example.org/paper.pdf"},
        },
    }
    assert by_id["arxiv:2212.08073"]["kind"] == "paper"
    assert by_id["arxiv:2212.08073"]["url"] == "https://arxiv.org/abs/2212.08073"
    # The schema tells the two forms apart: an uncached entry with a record's field, or a
    # cached one marked uncached, is refused.
    for bad in ({**by_id["arxiv:2212.08073"], "abstract": "made up"},
                {**by_id["arxiv:2305.01937"], "cached": False}):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.Draft202012Validator(SCHEMA).validate({**doc, "entries": [bad]})
    # The same page from the committed export as from the cache, and the same warning.
    assert run("render", "-o", "README.md").exit_code == 0
    again = run("render", "--check", "--from", "alignfetch.json", "-o", "README.md")
    assert (again.exit_code, again.stderr) == (0, NAMED + "README.md is up to date.\n")
    strict = run("render", "--strict", "--from", "alignfetch.json")
    assert (strict.exit_code, strict.stdout) == (1, "")


def test_citations_leave_out_what_is_not_cached(partly: Path) -> None:
    # Catches: the whole list's citations failing on one missing record, or citing an
    # entry with nothing the sources said (no authors, no year) as if it were known.
    result = run("export", "--format", "bibtex")
    assert result.exit_code == 0
    assert "chiang2023can" in result.stdout and "nothing-here" not in result.stdout
    assert "2212.08073" not in result.stdout
    assert result.stderr == (
        "alignfetch: warning: 2 entries have no cached record yet and are left out of the "
        "citations: gh:nobody/nothing-here, arxiv:2212.08073; run `alignfetch refresh`.\n"
    )
    csl = run("export", "--format", "csl-json")
    assert csl.exit_code == 0 and len(json.loads(csl.stdout)) == 2


def test_quiet_keeps_the_warning_off_stderr(partly: Path) -> None:
    # Catches: the warning ignoring --quiet (a nightly job asks for silence; --strict is
    # what makes a missing record fail).
    result = run("--quiet", "render")
    assert (result.exit_code, result.stderr) == (0, "")
    assert "nobody/nothing-here" in result.stdout


@pytest.mark.parametrize(
    "name", ["keon__awesome-physical-ai.README.md", "thunlp__PromptPapers.README.md"]
)
def test_offline_render_of_a_list_just_imported_with_no_cache(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Catches: `import` then `--offline render` (issue 20's measure, and a new user's first
    # two commands) failing with "not in the cache yet", or making a cache to read from.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "README.md").write_text((LISTS / name).read_text("utf-8"), encoding="utf-8")
    assert run("-q", "import", "README.md").exit_code == 0
    toml = (tmp_path / "entries.toml").read_text(encoding="utf-8")
    listed = len(re.findall(r"^\[\[entries\]\]$", toml, re.M))
    assert listed > 10
    before = sorted(tmp_path.rglob("*"))  # import's lock leaves .alignfetch/, no cache
    assert not (tmp_path / ".alignfetch" / "cache.sqlite").exists()
    result = run("--offline", "render", "-o", "out.md")
    assert result.exit_code == 0, result.stderr
    [warning, wrote] = result.stderr.splitlines()
    assert warning.startswith(f"alignfetch: warning: {listed} entries have no cached record yet")
    assert wrote == "Wrote out.md."
    out = (tmp_path / "out.md").read_text(encoding="utf-8")
    assert out.count("](https://") >= listed
    assert sorted(tmp_path.rglob("*")) == sorted([*before, tmp_path / "out.md"])
    assert fakes.server.log == []  # nothing asked
    # The export of that list validates too, and nothing was created by it either.
    exported = run("--offline", "export")
    assert exported.exit_code == 0
    doc = json.loads(exported.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)
    assert len(doc["entries"]) == listed and all(e["cached"] is False for e in doc["entries"])
    assert sorted(tmp_path.rglob("*")) == sorted([*before, tmp_path / "out.md"])


KINDS = {
    "arxiv:2212.08073": "paper",
    "hf:org/data": "dataset",
    "gh:org/repo/tree/dev/docs": "repo",
    "hf-model:org/model": "model",
    "hf-space:org/space": "space",
    "hf-collection:org/picks-123": "collection",
    "url:https://example.org/page": "link",
}


def test_a_hand_made_export_of_bare_uncached_entries_renders_every_kind(
    listdir: Path,
) -> None:
    # Catches: the default template reading a field such an entry lacks (StrictUndefined
    # makes that exit 2 naming the template), printing "None", or linking nowhere; each
    # kind must come in its own shape, linked to the page its ID names.
    doc = {
        "schema_version": 1,
        "list": {"title": "L"},
        "sections": [{"slug": "s", "title": "S", "parent": None}],
        "entries": [
            {"id": rid, "kind": kind, "section": "s", "cached": False}
            for rid, kind in KINDS.items()
        ],
    }
    (listdir / "doc.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("render", "--from", "doc.json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("alignfetch: warning: 7 entries have no cached record yet")
    page = result.stdout
    for line in (
        "**arxiv:2212.08073** \\\n[[Paper](https://arxiv.org/abs/2212.08073)] \n",
        "**[`org/data`](https://huggingface.co/datasets/org/data)**",
        "**[`org/repo/tree/dev/docs`](https://github.com/org/repo/tree/dev/docs)**\\\n"
        "![GitHub last commit](https://img.shields.io/github/last-commit/org/repo?",
        "**[`org/model`](https://huggingface.co/org/model)**",
        "**[org/space](https://huggingface.co/spaces/org/space)**\\\nSpace\n",
        "**[org/picks-123](https://huggingface.co/collections/org/picks-123)**",
        "- [https://example.org/page](https://example.org/page)",
    ):
        assert line in page, line
    assert "None" not in page and "<details>" not in page
