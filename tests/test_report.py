"""The refresh report, word for word: what each change says, how the report adds
up, and durations. Expected texts are written by hand."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from alignfetch.errors import InputError
from alignfetch.fetch.refresh import Change, Report, changes, parse_duration
from alignfetch.records import Author, Dataset, Paper, Repo
from conftest import Fakes, run

PAPER = Paper(
    id="arxiv:2305.01937",
    version=1,
    title="T",
    abstract="A",
    authors=(Author("X"),),
    published="2023-05-03",
    updated="2023-05-03",
    primary_category="cs.CL",
    categories=("cs.CL",),
    comment=None,
    journal_ref=None,
    doi=None,
    url="u",
    pdf_url="p",
)
DATASET = Dataset(
    id="hf:a/b",
    title="a/b",
    url="u",
    author="a",
    sha="1",
    last_modified=None,
    created=None,
    license=("mit",),
    languages=(),
    task_categories=(),
    size_categories=(),
    downloads=1,
    likes=1,
    gated=None,
    private=False,
    disabled=False,
    papers=(),
    summary="S",
)
REPO = Repo(
    id="gh:a/b",
    title="b",
    url="u",
    full_name="a/b",
    path=None,
    description="d",
    stars=1000,
    pushed_at=None,
    license="MIT",
    archived=False,
    homepage=None,
)


# -- each change, word for word ---------------------------------------------------------------


def test_a_journal_reference_that_moves_to_another_venue_is_reported() -> None:
    old = replace(PAPER, journal_ref="Findings of ACL 2023")
    new = replace(PAPER, journal_ref="Proceedings of ACL 2023")
    assert changes(old, new) == [
        Change(
            "arxiv:2305.01937",
            "published",
            "published: Proceedings of ACL 2023",
            "Findings of ACL 2023",
            "Proceedings of ACL 2023",
        )
    ]
    assert changes(new, new) == []


def test_paper_changes_say_what_changed() -> None:
    new = replace(
        PAPER,
        version=3,
        title="T2",
        abstract="A2",
        authors=(Author("X"), Author("Y")),
        journal_ref="ACL 2023",
        doi="10.1/x",
        comment="Withdrawn: a flaw in Table 2",
    )
    assert changes(PAPER, new) == [
        Change(PAPER.id, "new_version", "new version v3 (was v1)", 1, 3),
        Change(PAPER.id, "title", "title changed", "T", "T2"),
        Change(PAPER.id, "abstract", "abstract changed", "A", "A2"),
        Change(PAPER.id, "authors", "authors changed", ["X"], ["X", "Y"]),
        Change(PAPER.id, "published", "published: ACL 2023", None, "ACL 2023"),
        Change(PAPER.id, "doi", "DOI 10.1/x", None, "10.1/x"),
        Change(
            PAPER.id, "withdrawn", "withdrawn by its authors", None, "Withdrawn: a flaw in Table 2"
        ),
    ]
    # Already withdrawn, or an author order that did not change, is no news.
    withdrawn = replace(PAPER, comment="withdrawn")
    assert changes(withdrawn, replace(withdrawn, comment="This paper is WITHDRAWN.")) == []
    assert changes(replace(PAPER, doi="10.1/x"), replace(PAPER, doi="10.1/x")) == []
    # A journal reference or DOI that disappears is not reported as published.
    assert changes(replace(PAPER, journal_ref="J", doi="D"), PAPER) == []
    # Authors swapping places is a change.
    two = replace(PAPER, authors=(Author("X"), Author("Y")))
    assert [c.what for c in changes(two, replace(two, authors=(Author("Y"), Author("X"))))] == [
        "authors"
    ]


def test_dataset_changes_say_what_changed() -> None:
    new = replace(
        DATASET, summary="S2", license=("mit", "cc-by-4.0"), gated="manual", disabled=True
    )
    assert changes(DATASET, new) == [
        Change("hf:a/b", "card", "dataset card summary changed", "S", "S2"),
        Change("hf:a/b", "license", "licence mit -> mit, cc-by-4.0", ["mit"], ["mit", "cc-by-4.0"]),
        Change("hf:a/b", "gated", "now gated (manual)", None, "manual"),
        Change("hf:a/b", "disabled", "disabled on the Hub", False, True),
    ]
    assert changes(new, replace(new, gated=None, license=())) == [
        Change("hf:a/b", "license", "licence mit, cc-by-4.0 -> none", ["mit", "cc-by-4.0"], []),
        Change("hf:a/b", "gated", "now no longer gated", "manual", None),
    ]
    assert changes(replace(DATASET, gated="auto"), replace(DATASET, gated="manual")) == [
        Change("hf:a/b", "gated", "now gated (manual)", "auto", "manual")
    ]
    # Re-enabled is not reported as disabled.
    assert changes(replace(DATASET, disabled=True), DATASET) == []


def test_repo_changes_say_what_changed() -> None:
    new = replace(REPO, full_name="c/b", archived=True, stars=1200)
    assert changes(REPO, new) == [
        Change("gh:a/b", "renamed", "renamed a/b -> c/b", "a/b", "c/b"),
        Change("gh:a/b", "archived", "archived by its owners", False, True),
        Change("gh:a/b", "stars", "stars 1000 -> 1200 (+200)", 1000, 1200),
    ]
    assert changes(REPO, replace(REPO, stars=850)) == [
        Change("gh:a/b", "stars", "stars 1000 -> 850 (-150)", 1000, 850)
    ]
    # Unarchived is not news; unknown stars on either side are not news.
    assert changes(replace(REPO, archived=True), REPO) == []
    assert (
        changes(replace(REPO, stars=None), REPO) == []
        and changes(REPO, replace(REPO, stars=None)) == []
    )
    # A zero threshold still wants 10 stars of movement.
    assert changes(REPO, replace(REPO, stars=1009), 0) == []
    assert [c.what for c in changes(REPO, replace(REPO, stars=1010), 0)] == ["stars"]


def test_a_first_fetch_and_kinds_that_do_not_match() -> None:
    assert changes(None, REPO) == [Change("gh:a/b", "new", "fetched for the first time")]
    assert changes(PAPER, REPO) == []


# -- the report ---------------------------------------------------------------------------


def test_report_text_and_json_add_up() -> None:
    report = Report(
        checked=["arxiv:1", "gh:a/b", "hf:c/d", "gh:e/f"],
        skipped=2,
        changes=[
            Change("arxiv:1", "new_version", "new version v2 (was v1)", 1, 2),
            Change("arxiv:1", "published", "published: ACL", None, "ACL"),
            Change("hf:c/d", "new", "fetched for the first time"),
            Change("gh:a/b", "archived", "archived by its owners", False, True),
        ],
        failures={"gh:e/f": "gh:e/f does not exist on GitHub."},
        warnings={"hfpaper:1": "The Hub would not give the page."},
    )
    assert report.summary() == (
        "Checked 4 entries (2 fresh enough, skipped): 2 changed, 1 fetched for the first time, "
        "1 failed."
    )
    assert report.text() == (
        "Checked 4 entries (2 fresh enough, skipped): 2 changed, 1 fetched for the first time, "
        "1 failed.\n"
        "\n"
        "- arxiv:1: new version v2 (was v1)\n"
        "- arxiv:1: published: ACL\n"
        "- gh:a/b: archived by its owners\n"
        "\n"
        "Failed (their last good data is kept):\n"
        "- gh:e/f: gh:e/f does not exist on GitHub.\n"
        "\n"
        "Warnings:\n"
        "- hfpaper:1: The Hub would not give the page.\n"
    )
    assert not report.ok
    assert report.json() == {
        "checked": 4,
        "skipped": 2,
        "dry_run": False,
        "summary": report.summary(),
        "changes": [
            {
                "id": "arxiv:1",
                "what": "new_version",
                "message": "new version v2 (was v1)",
                "old": 1,
                "new": 2,
            },
            {
                "id": "arxiv:1",
                "what": "published",
                "message": "published: ACL",
                "old": None,
                "new": "ACL",
            },
            {
                "id": "hf:c/d",
                "what": "new",
                "message": "fetched for the first time",
                "old": None,
                "new": None,
            },
            {
                "id": "gh:a/b",
                "what": "archived",
                "message": "archived by its owners",
                "old": False,
                "new": True,
            },
        ],
        "failures": [{"id": "gh:e/f", "message": "gh:e/f does not exist on GitHub."}],
        "warnings": [{"id": "hfpaper:1", "message": "The Hub would not give the page."}],
    }


def test_report_of_only_first_fetches_and_of_nothing() -> None:
    first = Report(checked=["a"], changes=[Change("a", "new", "fetched for the first time")])
    assert first.text() == "Checked 1 entry: 1 fetched for the first time.\n" and first.ok
    assert Report().text() == "Checked 0 entries: nothing changed.\n"
    only_warning = Report(checked=["a"], warnings={"a": "w."})
    assert only_warning.text() == "Checked 1 entry: nothing changed.\n\nWarnings:\n- a: w.\n"


def test_alike_failures_group_only_beyond_four() -> None:
    four = {f"id{n}": "down." for n in range(4)}
    assert Report(checked=list(four), failures=four).text().splitlines()[3:] == [
        "- id0: down.",
        "- id1: down.",
        "- id2: down.",
        "- id3: down.",
    ]
    five = {f"id{n}": "down." for n in range(5)}
    assert Report(checked=list(five), failures=five).text().splitlines()[3:] == [
        "- id0, id1, id2 and 2 more: down.",
    ]


# -- durations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("30m", 1800),
        ("12h", 43200),
        ("1d", 86400),
        ("2w", 1209600),
        ("0", 0),
        (" 1.5h ", 5400),
        ("45", None),
        ("1y", None),
        ("-1d", None),
        ("d", None),
        ("", None),
    ],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    if seconds is not None:
        assert parse_duration(text) == timedelta(seconds=seconds)
        return
    with pytest.raises(InputError) as err:
        parse_duration(text)
    assert str(err.value) == (
        f"The text {text!r} is not a duration; write a number and a unit, e.g. 30m, 12h, 1d or 2w."
    )


# -- end to end ---------------------------------------------------------------------------


def _journal(fakes: Fakes, key: str, version: int, journal_ref: str) -> None:
    entry = fakes.arxiv.entry(key).decode()
    entry = re.sub(r"<arxiv:journal_ref[^>]*>[^<]*</arxiv:journal_ref>\s*", "", entry)
    entry = entry.replace(f"{key}v1", f"{key}v{version}")
    entry = entry.replace(
        "</summary>", f"</summary>\n    <arxiv:journal_ref>{journal_ref}</arxiv:journal_ref>"
    )
    fakes.arxiv.put(entry)


def test_refresh_reports_a_venue_that_changed(fakes: Fakes, listdir: Path) -> None:
    _journal(fakes, "2305.01937", 1, "ACL 2023 Findings")
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    _journal(fakes, "2305.01937", 2, "Proceedings of ACL 2023")
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Checked 1 entry: 1 changed.\n\n"
        "- arxiv:2305.01937: new version v2 (was v1)\n"
        "- arxiv:2305.01937: published: Proceedings of ACL 2023\n"
    )
    shown = json.loads(run("show", "2305.01937", "--json").stdout)
    assert shown["journal_ref"] == "Proceedings of ACL 2023"
    assert "Proceedings of ACL 2023. [[Paper]" in run("render").stdout


def test_a_doi_that_changes_is_reported() -> None:
    old, new = replace(PAPER, doi="10.1/old"), replace(PAPER, doi="10.1/new")
    assert changes(old, new) == [Change(PAPER.id, "doi", "DOI 10.1/new", "10.1/old", "10.1/new")]


def test_a_dry_run_says_so_in_json_too() -> None:
    assert Report(checked=["a"], dry_run=True).json() == {
        "checked": 1,
        "skipped": 0,
        "dry_run": True,
        "summary": "Checked 1 entry: nothing changed.",
        "changes": [],
        "failures": [],
        "warnings": [],
    }


def test_a_duration_too_long_to_count() -> None:
    with pytest.raises(InputError) as err:
        parse_duration("999999999w")
    assert (
        str(err.value)
        == "The duration '999999999w' is longer than alignfetch can count; use a shorter duration."
    )
