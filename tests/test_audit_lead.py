"""The audit of issue 18's fixes: what the CLI, render's output, the cache's URL, citations
and discover still let through (each test names the bug it catches)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import bibtexparser
import pytest

from alignfetch.cli.common import shown
from alignfetch.records import Repo
from conftest import DATA, Fakes, add_sections, run, state

UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_sentence(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- every error and warning the CLI prints is clean ------------------------------------


def test_an_error_quoting_upstream_text_reaches_the_terminal_clean(
    fakes: Fakes, listdir: Path
) -> None:
    # Bug caught: a server's error text (GitHub's 403 "message") printed with its escape
    # sequences: ESC ]0; retitles the terminal, ESC [2J clears it.
    from fakes.server import Response

    evil = '{"message": "denied \\u001b]0;PWNED\\u0007\\u001b[31mRED\\u009b2J \\u202e"}'
    headers = {"Content-Type": "application/json"}
    fakes.server.fail(r"^/repos/CarperAI/trlx$", Response(403, evil.encode(), headers), times=5)
    add_sections(listdir)
    result = run("add", "gh:CarperAI/trlx", "-s", "rlhf")
    assert result.exit_code != 0
    assert UNCLEAN.search(one_sentence(result.stderr)) is None
    assert "denied" in result.stderr


def test_shown_keeps_words_and_drops_controls() -> None:
    # Bug caught: the cleaning of printed messages removed nothing (or the words too).
    assert shown("a\x1b]0;PWN\x07b\x9b2J\u202ec\nd") == "a]0;PWNb2Jc d"


# -- render -o and --db of something that is no regular file ----------------------------


def test_render_into_a_fifo_says_so_like_export(fakes: Fakes, listdir: Path) -> None:
    # Bug caught: "could not be read as UTF-8 text ([Errno 0] it is a device…)" and exit 2
    # for render, where export says the same thing plainly with exit 1.
    fifo = listdir / "out.md"
    os.mkfifo(fifo)
    rendered = run("render", "-o", str(fifo))
    exported = run("export", "-o", str(fifo))
    assert (rendered.exit_code, exported.exit_code) == (1, 1)
    assert one_sentence(rendered.stderr) == one_sentence(exported.stderr).replace(
        str(fifo.resolve()), str(fifo)
    )
    assert fifo.is_fifo()


def test_a_cache_that_is_a_folder_is_not_called_a_cache_to_delete(listdir: Path) -> None:
    # Bug caught: `--db sqlite:////dev/full` advised to "fix or delete it".
    folder = listdir / "notafile"
    folder.mkdir()
    result = run("--db", f"sqlite:///{folder}", "add", "2305.01937", "-s", "evaluation")
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    assert "not a database file" in line and "delete" not in line
    assert folder.is_dir() and list(folder.iterdir()) == []


# -- citations of what a URL or an old cache holds ---------------------------------------


def test_bibtex_of_urls_with_braces_parses_back_whole(fakes: Fakes, listdir: Path) -> None:
    # Bug caught: `\url{https://example.org/c{d}` left a field open, and the file lost
    # entries and fields when read back.
    urls = ["https://example.org/a}b", "https://example.org/c{d", "https://example.org/p%25q#f"]
    for i, url in enumerate(urls):
        assert run("add", url, "-s", "evaluation", "--title", f"Page {i}").exit_code == 0
    bib = run("export", "--format", "bibtex")
    assert bib.exit_code == 0
    library = bibtexparser.parse_string(bib.stdout)
    assert library.failed_blocks == []
    got = sorted(e.fields_dict["url"].value for e in library.entries)
    assert got == sorted(
        u.replace("{", "%7B").replace("}", "%7D") for u in urls
    )
    assert all("howpublished" in e.fields_dict for e in library.entries)


@pytest.mark.parametrize("pushed", ["2024-13-45T00:00:00Z", "not a date", "0000-01-01T00:00:00Z"])
def test_an_impossible_date_makes_no_invalid_citation(pushed: str) -> None:
    # Bug caught: a repository whose last push is no date crashed CSL-JSON (int("not "))
    # and wrote `year = {not }` or a month 13 in BibTeX. The source refuses such answers
    # and the cache's reader such rows; the citation writer must still not trust a date.
    import dataclasses

    from alignfetch.citations import bibtex_entry, to_csl
    from alignfetch.list.entries import Entry
    from alignfetch.list.items import Item

    good = Repo(
        id="gh:o/r",
        title="r",
        url="https://github.com/o/r",
        full_name="o/r",
        path=None,
        description="d",
        stars=1,
        pushed_at="2024-05-06T00:00:00Z",
        license=None,
        archived=False,
        homepage=None,
    )
    item = Item(Entry("gh:o/r", "s"), dataclasses.replace(good, pushed_at=pushed))
    (csl,) = to_csl([item])
    assert "issued" not in csl
    assert "year" not in dict(bibtex_entry(item)[1]) or not dict(bibtex_entry(item)[1])["year"]
    (csl,) = to_csl([Item(Entry("gh:o/r", "s"), good)])
    assert csl["issued"] == {"date-parts": [[2024, 5, 6]]}


# -- discover ------------------------------------------------------------------------------


def test_an_unknown_discover_key_is_named_escaped(listdir: Path) -> None:
    # Bug caught: `[discover] "\u001b]0;PWN\u0007" = 1` printed the raw escape.
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[discover]\n"\\u001b]0;PWN\\u0007" = 1\n')
    result = run("--offline", "discover")
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert UNCLEAN.search(line) is None and "\\x1b]0;PWN\\x07" in line


def test_a_huge_title_in_a_listing_is_cut(fakes: Fakes, listdir: Path) -> None:
    # Bug caught: a 5 MB title in the Hub's daily papers went whole into the checklist the
    # nightly job posts to an issue.
    from alignfetch.discover import FIELD_MOST, _clean
    from alignfetch.sources import hf_daily

    body = json.loads((DATA / "hf" / "api_daily_papers.json").read_text(encoding="utf-8"))
    body[0]["paper"]["title"] = "x" * 5_000_000
    body[0]["paper"]["authors"] = [{"name": "a" * 20_000}] * 5_000
    (first, *_) = hf_daily.convert(json.dumps(body), "u")
    cleaned = _clean(first[0] if isinstance(first, tuple) else first)
    assert len(cleaned.title) == FIELD_MOST and cleaned.title.endswith("…")
    assert len(cleaned.authors) <= 500
    assert all(len(a) <= FIELD_MOST for a in cleaned.authors)
    assert state(listdir)  # nothing written by reading


# -- a Hub answer with a header outside ASCII ---------------------------------------------


@pytest.mark.parametrize("notice", ["y; Ce jeton est obsolète", "z; \x9b2J clear"])
def test_a_hub_header_outside_ascii_does_not_fail_a_good_answer(
    fakes: Fakes, listdir: Path, notice: str
) -> None:
    # Bug caught: the transport rebuilt the answer with text headers, which httpx takes as
    # ASCII only, so any Hub notice in another language failed the dataset's fetch.
    add_sections(listdir)
    fakes.hub.warnings = [notice]
    result = run("add", "hf:Anthropic/hh-rlhf", "-s", "english")
    assert result.exit_code == 0, result.stderr
    assert UNCLEAN.search(result.stderr) is None


# -- the second audit ------------------------------------------------------------------------


def test_render_check_shows_the_file_on_disk_clean(fakes: Fakes, listdir: Path) -> None:
    # Bug caught: `render --check` printed the diff with the escapes a pull request put in
    # the README (a title escape, U+202E, C1), straight into the CI log.
    assert run("render", "-o", "README.md").exit_code == 0
    with (listdir / "README.md").open("a", encoding="utf-8") as f:
        f.write("\n\x1b]0;PWNED\x07\u202eevil\x9b31m\n")
    result = run("render", "--check", "-o", "README.md")
    assert result.exit_code == 1
    assert "evil" in result.stdout and UNCLEAN.search(result.stdout) is None


def test_a_password_with_an_at_sign_is_hidden_whole() -> None:
    # Bug caught: `postgresql://u:S3C@RET@host/db` shown as `u:***@RET@host`, and the
    # driver's "failed to resolve host 'RET@host'" printed the rest of the password.
    from alignfetch.cache.urls import scrub, shown

    url = "postgresql://u:S3C@RET@127.0.0.1:1/db"
    assert "RET" not in shown(url) and "S3C" not in shown(url)
    assert scrub("failed to resolve host 'RET@127.0.0.1'", url) == (
        "failed to resolve host '***@127.0.0.1'"
    )
    assert shown("postgresql://u:pw@h/db") == "postgresql://u:***@h/db"


def test_sections_add_names_its_option_not_entries_toml(listdir: Path) -> None:
    # Bug caught: a control character in `sections add --title` was blamed on
    # "In entries.toml, section 4 (x)", a line the user never wrote.
    before = state(listdir)
    result = run("sections", "add", "x", "--title", "t\x1b[31m")
    assert result.exit_code == 2
    assert one_sentence(result.stderr).startswith("alignfetch: The title holds the control")
    assert state(listdir) == before


def test_render_from_an_export_with_a_huge_number_says_what_is_wrong(listdir: Path) -> None:
    # Bug caught: Python's own advice ("use sys.set_int_max_str_digits()") as the message.
    Path("big.json").write_text('{"schema_version": 1, "x": ' + "9" * 5000 + "}", encoding="utf-8")
    result = run("render", "--from", "big.json")
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert "more than 4,300 digits" in line and "set_int_max_str_digits" not in line
