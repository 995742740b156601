"""Audit of issue 18 (Hardening 2), reading a README for ``import``.

A control or bidi character anywhere in a README's text refused the whole import with
a message about an entries.toml that did not exist (finding 7); links no source takes
were all called "the shape of an arXiv or Hub link" whatever was wrong with them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alignfetch.list import entries
from alignfetch.readme.reading import read_list
from conftest import run

ESC, RLO = "\x1b", "\u202e"


# The audit's bug: `- [one\x1bx](https://example.org/x) - x` made `import --dry-run` exit 2
# with "In entries.toml, entry 1 (url:https://example.org/x): the title holds the control
# character U+001B" (there was no entries.toml); the same for U+202E in a link's text,
# ESC in a description, a heading or the list's title, a table cell, a <details> summary.
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_readme_whose_texts_hold_controls_imports_cleaned(empty: Path, dry_run: bool) -> None:
    (empty / "list.md").write_text(
        f"# Awesome{ESC}[31m List{RLO}\n\n"
        f"## Safety{ESC}x\n\n"
        f"- [one{ESC}x](https://example.org/x) - a tool{ESC}[2J that{RLO} works\n"
        f"- [t{RLO}wo](https://example.org/y) - fine\n\n"
        "| Name | Description |\n|---|---|\n"
        f"| [three](https://example.org/z) | cell{ESC}text |\n\n"
        f"<details><summary>More{ESC}[1m</summary>\n\n"
        "- [four](https://example.org/w) - four\n\n</details>\n",
        encoding="utf-8",
    )
    result = run("import", "list.md", *(["--dry-run"] if dry_run else []))
    assert result.exit_code == 0, result.output
    assert ESC not in result.output and RLO not in result.output
    if dry_run:
        assert not (empty / "entries.toml").exists()
        return
    ef = entries.load(empty / "entries.toml")
    assert ef.meta["title"] == "Awesome[31m List"
    assert [(s.slug, s.title) for s in ef.sections] == [
        ("safetyx", "Safetyx"),
        ("more-1m", "More[1m"),
    ]
    assert [(e.title, e.description) for e in ef.entries] == [
        ("onex", "a tool[2J that works"),
        ("two", "fine"),
        ("three", "celltext"),
        ("four", "four"),
    ]


# An <a href> is taken as written: a control character in a skipped link's target went
# to the terminal raw in the report; it is now percent-encoded, as markdown-it does.
def test_a_control_in_a_skipped_links_target_never_reaches_the_report(empty: Path) -> None:
    (empty / "list.md").write_text(
        f'# L\n\n## A\n\n- [a](https://a.org/) <a href="ftp://example.org/{ESC}]0;x{ESC}\\">f</a>\n',
        encoding="utf-8",
    )
    result = run("import", "list.md", "--dry-run")
    assert ESC not in result.output
    assert "ftp://example.org/%1B]0;x%1B\\" in result.stderr


# The audit's bug: links no source takes for reasons of their own (credentials, a zone,
# a URL urllib cannot split) were all "the shape of an arXiv or Hub link, but no ID they
# know (a typo?)".
def test_links_no_source_takes_are_skipped_for_their_true_reason() -> None:
    reading = read_list(
        "# L\n\n## A\n\n"
        "- [v](http://user:pass@127.0.0.1:18803/v) - x\n"
        "- [x](http://example.org@127.0.0.1:18803/x) - x\n"
        '- <a href="http://[fe80::1%25lo]:18803/z">z</a> - x\n'
        "- [z](http://[fe80::1%25lo]:18803/z) - x\n"
        '- <a href="https://[::1">w</a> - x\n'
        "- [a](https://arxiv.org/abs/2305.1937) - x\n"
    )
    assert reading.found == []
    reasons = [(s.line, s.reason.removesuffix(", outside any entry")) for s in reading.skipped]
    credentials = "a URL with a user name or password before its host, which a list would publish"
    assert reasons[:3] == [
        (5, credentials),
        (6, credentials),
        (
            7,
            "an address no list should link (its IPv6 zone names a network interface of one "
            "machine)",
        ),
    ]
    # markdown-it mangles a bracketed host with a zone in a Markdown link: no valid URL.
    assert reasons[3][0] == 8 and reasons[3][1].startswith("not a valid URL (")
    assert reasons[4:] == [
        (9, "not a valid URL (invalid IPv6 URL)"),
        (10, "the shape of an arXiv, GitHub or Hub link, but no ID they know (a typo?)"),
    ]
