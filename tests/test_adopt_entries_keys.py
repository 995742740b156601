"""What entries.toml may say of a list adopted by import and of its sources (issues 20,
21): a wrong `name`, `url`, `typed`, `[sources]` or section `order` is one sentence naming
the place, exit 2, and every file left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ENTRIES, run, state

ENTRY = '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ENTRY + "name = 3\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): name must be a string.",
        ),
        (
            ENTRY + 'url = "ftp://example.org/x"\n',
            "In entries.toml, entry 1 (arxiv:2305.01937): url 'ftp://example.org/x' is not an "
            "http(s) URL.",
        ),
        (
            ENTRY + 'typed = "Dec 2025"\n',
            'In entries.toml, entry 1 (arxiv:2305.01937): typed must be a table of what the list '
            'says, {title = "…"}.',
        ),
        (
            ENTRY + "typed = {title = 3}\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): typed title must be a string.",
        ),
        (
            ENTRY + 'typed = {stars = "3"}\n',
            "In entries.toml, entry 1 (arxiv:2305.01937): typed has unknown key(s) stars; "
            "allowed: authors, date, title, venue.",
        ),
        (
            ENTRY + 'typed = {title = "a\\nb"}\n',
            "In entries.toml, entry 1 (arxiv:2305.01937): typed title: the title holds a line break; "
            "write it on one line.",
        ),
        (
            '\n[sources]\nopenalex = "no"\n',
            "In entries.toml, [sources] openalex must be true or false, not 'no'.",
        ),
        (
            "\n[sources]\ncrossref = false\n",
            "In entries.toml, [sources] has unknown key(s) crossref; allowed: openalex, "
            "semantic_scholar, web_pages.",
        ),
        (
            '\n[[sections]]\nslug = "more"\ntitle = "More"\norder = "stars"\n',
            'In entries.toml, section 4 (more): order must be "file", "newest" or "citations".',
        ),
    ],
)
def test_a_wrong_value_is_one_sentence_and_touches_nothing(
    extra: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a value of the new keys taken as it is (a number as a name, a `typed`
    that is no table, a switch that is no boolean, an order no page knows): each is
    refused where the file is read, before anything is fetched or written."""
    (tmp_path / "entries.toml").write_text(ENTRIES + extra, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = state(tmp_path)
    result = run("list")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr == f"alignfetch: {message}\n"
    assert state(tmp_path) == before
