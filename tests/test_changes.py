"""What refresh calls a change, per kind (pure functions, no fetching)."""

from __future__ import annotations

from dataclasses import replace

from alignfetch.fetch.refresh import Report, changes
from alignfetch.records import Author, Dataset, Paper, Repo
from conftest import Fakes, run

PAPER = Paper(
    id="arxiv:2305.01937", version=1, title="T", abstract="A", authors=(Author("X"),),
    published="2023-05-03", updated="2023-05-03", primary_category="cs.CL", categories=("cs.CL",),
    comment=None, journal_ref=None, doi=None, url="u", pdf_url="p",
)
DATASET = Dataset(
    id="hf:a/b", title="a/b", url="u", author="a", sha="1", last_modified=None, created=None,
    license=("mit",), languages=(), task_categories=(), size_categories=(), downloads=1, likes=1,
    gated=None, private=False, disabled=False, papers=(), summary="S",
)
REPO = Repo(
    id="gh:a/b", title="b", url="u", full_name="a/b", path=None, description="d", stars=1000,
    pushed_at=None, license="MIT", archived=False, homepage=None,
)


def whats(old, new, **kw):  # type: ignore[no-untyped-def]
    return [c.what for c in changes(old, new, **kw)]


def test_nothing_changed_is_no_change() -> None:
    assert whats(PAPER, PAPER) == [] and whats(DATASET, DATASET) == [] and whats(REPO, REPO) == []


def test_first_fetch() -> None:
    assert whats(None, PAPER) == ["new"]


def test_paper_changes() -> None:
    assert whats(PAPER, replace(PAPER, version=2, updated="2024-01-01")) == ["new_version"]
    assert whats(PAPER, replace(PAPER, title="T2", abstract="B")) == ["title", "abstract"]
    assert whats(PAPER, replace(PAPER, authors=(Author("X"), Author("Y")))) == ["authors"]
    assert whats(PAPER, replace(PAPER, journal_ref="ACL 2023", doi="10.1/x")) == ["published", "doi"]
    withdrawn = replace(PAPER, version=2, comment="This paper has been withdrawn by the author")
    assert whats(PAPER, withdrawn) == ["new_version", "withdrawn"]
    # Affiliations alone are not news: they are not shown as changed.
    assert whats(PAPER, replace(PAPER, authors=(Author("X", ("U",)),))) == []


def test_dataset_changes() -> None:
    assert whats(DATASET, replace(DATASET, summary="S2", sha="2")) == ["card"]
    assert whats(DATASET, replace(DATASET, license=("apache-2.0",))) == ["license"]
    assert whats(DATASET, replace(DATASET, gated="manual")) == ["gated"]
    assert whats(DATASET, replace(DATASET, disabled=True)) == ["disabled"]
    assert whats(DATASET, replace(DATASET, downloads=99, likes=5)) == []


def test_repo_changes_and_the_stars_threshold() -> None:
    assert whats(REPO, replace(REPO, full_name="c/b", redirected_from="a/b")) == ["renamed"]
    assert whats(REPO, replace(REPO, full_name="A/B")) == []  # case is not a rename
    assert whats(REPO, replace(REPO, archived=True)) == ["archived"]
    assert whats(REPO, replace(REPO, stars=1099)) == []
    assert whats(REPO, replace(REPO, stars=1100)) == ["stars"]
    assert whats(REPO, replace(REPO, stars=900)) == ["stars"]
    assert whats(REPO, replace(REPO, stars=1050), stars_threshold=5) == ["stars"]
    small = replace(REPO, stars=20)
    assert whats(small, replace(small, stars=29)) == []  # at least 10 stars
    assert whats(small, replace(small, stars=30)) == ["stars"]


def test_report_text() -> None:
    assert Report(checked=["a"]).text() == "Checked 1 entry: nothing changed.\n"
    report = Report(checked=["a", "b"], failures={"b": "it broke."}, dry_run=True)
    assert report.text() == (
        "Dry run: nothing was written.\nChecked 2 entries: 1 failed.\n\n"
        "Failed (their last good data is kept):\n- b: it broke.\n"
    )


def test_no_progress_bar_when_stderr_is_not_a_terminal(fakes: Fakes, listdir) -> None:  # type: ignore[no-untyped-def]
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    result = run("refresh", "--all")
    assert result.exit_code == 0 and result.stderr == ""


def test_add_json(fakes: Fakes, listdir) -> None:  # type: ignore[no-untyped-def]
    import json

    result = run("add", "2305.01937", "-s", "evaluation", "--json")
    (entry,) = json.loads(result.stdout)
    assert entry["id"] == "arxiv:2305.01937" and entry == json.loads(run("show", "2305.01937", "--json").stdout)


def test_many_alike_failures_take_one_line() -> None:
    failures = {f"arxiv:2301.{n:05d}": "arXiv is unavailable (HTTP 503)." for n in range(1, 101)}
    failures["gh:a/b"] = "gh:a/b does not exist on GitHub."
    text = Report(checked=list(failures), failures=failures).text()
    assert "- arxiv:2301.00001, arxiv:2301.00002, arxiv:2301.00003 and 97 more: arXiv is unavailable" in text
    assert "- gh:a/b: gh:a/b does not exist on GitHub." in text
    assert len(text.splitlines()) == 5
