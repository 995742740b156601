"""A newcomer's first hour (issue 8): init, sections, move and edit, what `show` and
`list` print, messages, help that teaches, and the rendered list as written."""

from __future__ import annotations

import json
import os
import re
import select
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from alignfetch import __version__
from alignfetch.cli import ID_EXAMPLES, cli
from alignfetch.fetch.refresh import Report
from alignfetch.list import entries, ids
from alignfetch.list.export import display_date
from alignfetch.sources import SOURCES
from conftest import ENTRIES, Fakes, add_sections, run, state

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder, the current directory."""
    folder = tmp_path / "my-list"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def one_sentence(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


# -- init ------------------------------------------------------------------------------


def test_init_writes_a_list_that_loads_and_ignores_the_cache_in_git(empty: Path) -> None:
    (empty / ".git").mkdir()
    (empty / ".gitignore").write_text("node_modules", encoding="utf-8")  # no final newline
    result = run("init", "--title", 'My "Alignment" list')
    assert result.exit_code == 0, result.output
    assert (empty / ".gitignore").read_text() == "node_modules\n.alignfetch/\n"
    ef = entries.load(empty / "entries.toml")
    assert ef.meta == {"title": 'My "Alignment" list'}
    assert ef.sections == [] and ef.entries == []
    text = (empty / "entries.toml").read_text()
    # A commented example section and entry to copy from.
    assert '# [[sections]]\n# slug = "evaluation"\n' in text
    assert '# [[entries]]\n# id = "arxiv:2305.01937"\n# section = "evaluation"\n' in text
    assert result.stderr.splitlines() == [
        f"Wrote {Path('entries.toml')}.",
        f"Wrote {Path('.gitignore')}.",
    ]


def test_init_outside_git_writes_no_gitignore_and_titles_the_list_by_its_folder(
    empty: Path,
) -> None:
    assert run("init").exit_code == 0
    assert not (empty / ".gitignore").exists()
    assert entries.load(empty / "entries.toml").meta == {"title": "my-list"}


def test_init_in_a_git_subfolder_creates_gitignore_once(empty: Path) -> None:
    (empty.parent / ".git").mkdir()
    assert run("init").exit_code == 0
    assert (empty / ".gitignore").read_text() == ".alignfetch/\n"
    (empty / "entries.toml").unlink()
    assert run("init").exit_code == 0
    assert (empty / ".gitignore").read_text() == ".alignfetch/\n"  # not appended twice


def test_init_never_overwrites(empty: Path) -> None:
    (empty / ".git").mkdir()
    (empty / "entries.toml").write_text("# mine\n", encoding="utf-8")
    before = state(empty)
    result = run("init", "--title", "X")
    assert result.exit_code == 2
    assert one_sentence(result.stderr) == (
        f"alignfetch: The file {Path('entries.toml')} already exists; "
        "alignfetch init never overwrites it."
    )
    assert state(empty) == before and not (empty / ".gitignore").exists()


def test_a_missing_entries_file_points_at_init(empty: Path) -> None:
    result = run("list")
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert line == (
        f"alignfetch: The file {Path('entries.toml')} does not exist; create it with "
        "`alignfetch init`, or point --entries at yours."
    )


# -- sections add / remove -------------------------------------------------------------

WITH_ENTRY = ENTRIES + (
    "\n# The first entry, with its comment.\n"
    '[[entries]]\nid = "arxiv:2305.01937"  # kept\nsection = "evaluation"\n'
    'venue = "ACL 2023"\n'
)


def test_sections_add_inserts_after_the_last_section(fakes: Fakes, listdir: Path) -> None:
    (listdir / "entries.toml").write_text(WITH_ENTRY, encoding="utf-8")
    assert run("sections", "add", "datasets", "--title", "Datasets").exit_code == 0
    result = run("sections", "add", "english", "--title", "English", "--parent", "datasets")
    assert result.exit_code == 0 and result.stderr == "Added section english.\n"
    assert (listdir / "entries.toml").read_text() == ENTRIES + (
        '\n[[sections]]\nslug = "datasets"\ntitle = "Datasets"\n'
        '\n[[sections]]\nslug = "english"\ntitle = "English"\nparent = "datasets"\n'
        "\n# The first entry, with its comment.\n"
        '[[entries]]\nid = "arxiv:2305.01937"  # kept\nsection = "evaluation"\n'
        'venue = "ACL 2023"\n'
    )
    assert run("sections").stdout.splitlines()[-2:] == ["datasets\tDatasets", "  english\tEnglish"]


def test_sections_add_to_a_new_list_goes_before_the_entries(empty: Path) -> None:
    assert run("init", "--title", "T").exit_code == 0
    start = (empty / "entries.toml").read_text()
    assert run("sections", "add", "papers", "--title", "Papers & Code").exit_code == 0
    assert (empty / "entries.toml").read_text() == (
        start + '\n[[sections]]\nslug = "papers"\ntitle = "Papers & Code"\n'
    )


def test_sections_remove_cuts_exactly_what_add_wrote(listdir: Path) -> None:
    before = (listdir / "entries.toml").read_bytes()
    assert run("sections", "add", "codes", "--title", "Codes").exit_code == 0
    assert (
        run("sections", "add", "rlhf", "--title", "Support RLHF", "--parent", "codes").exit_code
        == 0
    )
    assert run("sections", "remove", "rlhf").exit_code == 0
    result = run("sections", "remove", "codes")
    assert result.exit_code == 0 and result.stderr == "Removed section codes.\n"
    assert (listdir / "entries.toml").read_bytes() == before


def test_sections_remove_of_a_middle_section_cuts_its_lines_only(listdir: Path) -> None:
    (listdir / "entries.toml").write_text(WITH_ENTRY, encoding="utf-8")
    assert run("sections", "remove", "evaluation").exit_code == 2  # it holds an entry
    assert run("remove", "2305.01937").exit_code == 0
    assert run("sections", "remove", "evaluation").exit_code == 0
    assert (listdir / "entries.toml").read_text() == ENTRIES.replace(
        '[[sections]]\nslug = "evaluation"\ntitle = "LLM for Evaluation"\nparent = "papers"\n\n',
        "",
    ) + ("\n# The first entry, with its comment.\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["sections", "remove", "papers"],
            "The section 'papers' still holds the subsections evaluation, safety; "
            "move or remove them first.",
        ),
        (
            ["sections", "remove", "evaluation"],
            "The section 'evaluation' still holds 1 entry; move or remove it first.",
        ),
        (
            ["sections", "remove", "nope"],
            "There is no section 'nope' in entries.toml; use one of: papers, evaluation, safety.",
        ),
        (
            ["sections", "add", "safety", "--title", "Again"],
            "There is already a section 'safety' in entries.toml.",
        ),
        (
            ["sections", "add", "x", "--title", "X", "--parent", "nope"],
            "There is no section 'nope' in entries.toml; use one of: papers, evaluation, safety.",
        ),
        (
            ["sections", "add", "Bad Slug", "--title", "X"],
            "The slug 'Bad Slug' is not valid; use lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit.",
        ),
    ],
)
def test_sections_refusals_touch_nothing(
    fakes: Fakes, listdir: Path, args: list[str], message: str
) -> None:
    (listdir / "entries.toml").write_text(WITH_ENTRY, encoding="utf-8")
    before = state(listdir)
    result = run(*args)
    assert result.exit_code == 2
    assert one_sentence(result.stderr) == f"alignfetch: {message}"
    assert state(listdir) == before


# -- move / edit -------------------------------------------------------------------------

TWO = ENTRIES + (
    "\n# Evaluation papers.\n"
    '[[entries]]\nid = "arxiv:2305.01937"  # by Chiang and Lee\nsection = "evaluation"\n'
    'venue = "ACL 2023"\naffiliation = "National Taiwan University"\n'
    'links = { Github = "https://github.com/x/y" }\n'
    '\n[[entries]]\nid = "arxiv:2204.05862"\nsection = "safety"\n'
)


def test_move_keeps_the_place_and_the_overrides(listdir: Path) -> None:
    (listdir / "entries.toml").write_text(TWO, encoding="utf-8")
    result = run("move", "https://arxiv.org/abs/2305.01937v1", "--section", "safety")
    assert result.exit_code == 0 and result.stderr == "Moved arxiv:2305.01937 to safety.\n"
    assert (listdir / "entries.toml").read_text() == TWO.replace(
        'section = "evaluation"\nvenue', 'section = "safety"\nvenue'
    )


def test_edit_sets_and_clears_overrides_in_place(listdir: Path) -> None:
    (listdir / "entries.toml").write_text(TWO, encoding="utf-8")
    result = run(
        "edit",
        "2305.01937",
        "--venue",
        "EMNLP 2023",
        "--affiliation",
        "",
        "--description",
        "Asks LLMs to grade.",
        "--link",
        "Github=",
        "--link",
        "Demo=https://demo.example.org",
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == "Edited arxiv:2305.01937.\n"
    assert (listdir / "entries.toml").read_text() == ENTRIES + (
        "\n# Evaluation papers.\n"
        '[[entries]]\nid = "arxiv:2305.01937"  # by Chiang and Lee\nsection = "evaluation"\n'
        'venue = "EMNLP 2023"\n'
        'links = {Demo = "https://demo.example.org"}\n'
        'description = "Asks LLMs to grade."\n'
        '\n[[entries]]\nid = "arxiv:2204.05862"\nsection = "safety"\n'
    )
    (entry,) = [e for e in entries.load(listdir / "entries.toml").entries if e.venue]
    assert entry.overrides() == {
        "description": "Asks LLMs to grade.",
        "venue": "EMNLP 2023",
        "links": {"Demo": "https://demo.example.org"},
    }


def test_edit_keeps_crlf_line_endings(listdir: Path) -> None:
    (listdir / "entries.toml").write_bytes(TWO.replace("\n", "\r\n").encode())
    assert run("edit", "2204.05862", "--venue", "NeurIPS 2022").exit_code == 0
    assert (listdir / "entries.toml").read_bytes() == (TWO + 'venue = "NeurIPS 2022"\n').replace(
        "\n", "\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["edit", "2305.01937", "--date", "2023-02-30"],
            2,
            "The date '2023-02-30' is not a real date written as YYYY-MM-DD.",
        ),
        (
            ["edit", "2305.01937", "--link", "Demo=ftp://x"],
            2,
            "The link 'Demo' must be an http(s) URL, not 'ftp://x'.",
        ),
        (
            ["edit", "2305.01937"],
            2,
            "Give at least one change, such as --venue 'ACL 2023' (or --venue '' to clear it).",
        ),
        (
            ["edit", "2306.05685", "--venue", "X"],
            2,
            "The entry arxiv:2306.05685 is not in entries.toml; add it first.",
        ),
        (
            ["move", "2305.01937", "--section", "nope"],
            2,
            "There is no section 'nope' in entries.toml; use one of: papers, evaluation, safety.",
        ),
        (
            ["move", "2305.01937", "--section", "evaluation"],
            2,
            "The entry arxiv:2305.01937 is already in section 'evaluation'.",
        ),
    ],
)
def test_move_and_edit_refusals_touch_nothing(
    listdir: Path, args: list[str], code: int, message: str
) -> None:
    (listdir / "entries.toml").write_text(TWO, encoding="utf-8")
    before = state(listdir)
    result = run(*args)
    assert result.exit_code == code
    assert one_sentence(result.stderr) == f"alignfetch: {message}"
    assert state(listdir) == before


# -- show, list, dates ---------------------------------------------------------------------


def test_show_prints_for_a_person(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert (
        run(
            "add",
            "2204.05862",
            "-s",
            "safety",
            "--venue",
            "NeurIPS 2022",
            "--link",
            "Demo=https://x.example.org",
        ).exit_code
        == 0
    )
    assert run("add", "hf:Anthropic/hh-rlhf", "-s", "english").exit_code == 0
    paper = run("show", "2204.05862").stdout.splitlines()
    assert paper[:4] == [
        "arxiv:2204.05862  [safety]",
        "Title             Training a Helpful and Harmless Assistant with Reinforcement Learning",
        "                  from Human Feedback",
        "Kind              paper",
    ]
    assert "Authors           Yuntao Bai" in paper
    assert "                  Jared Kaplan" in paper
    assert "Categories        cs.CL" in paper and "                  cs.LG" in paper
    assert "HF paper page     https://huggingface.co/papers/2204.05862 (2 upvotes)" in paper
    assert "In entries.toml   venue: NeurIPS 2022" in paper
    assert "                  links.Demo: https://x.example.org" in paper
    assert paper[paper.index("Abstract") + 1].startswith("  We apply preference modeling")
    dataset = run("show", "hf:Anthropic/hh-rlhf").stdout
    assert (
        "Papers           Training a Helpful and Harmless Assistant with Reinforcement Learning\n"
        "                 from Human Feedback (arxiv:2204.05862, 2022)\n"
    ) in dataset
    card = dataset.split("\nData Card\n", 1)[1].splitlines()
    assert card[:3] == [
        "  This repository provides access to two different kinds of data:",
        "",
        "  - Human preference data about helpfulness and harmlessness from Training a Helpful and",
    ]
    assert card[3].startswith("    Harmless Assistant")  # a list item hangs under its dash
    for text in (run("show", "2204.05862").stdout, dataset):
        assert not re.search(r"[\[{]'|'[\]}]|\[\]|\{\}", text), text  # no Python reprs
        assert max(len(line) for line in text.splitlines()) <= 88


def test_show_of_a_repository_keeps_zero_and_drops_false() -> None:
    from alignfetch.cli import _show_text

    text = _show_text(
        {
            "id": "gh:a/b",
            "section": "s",
            "title": "b",
            "kind": "repo",
            "stars": 0,
            "archived": False,
            "private": False,
            "topics": [],
            "homepage": None,
            "disabled": True,
        }
    )
    assert text.splitlines() == [
        "gh:a/b  [s]",
        "Title     b",
        "Kind      repo",
        "Stars     0",
        "Disabled  yes",
    ]


def test_show_gives_authors_their_affiliations(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "astro-ph/0601001", "-s", "safety").exit_code == 0
    text = run("show", "astro-ph/0601001").stdout
    assert "\nAuthors           Andrew Gould (Ohio State)\n" in text
    assert "\n                  B. Scott Gaudi (CfA)\n" in text
    assert json.loads(run("show", "astro-ph/0601001", "--json").stdout)["affiliations"][1] == [
        "Ohio State"
    ]


def test_list_of_a_parent_section_holds_its_subsections_grouped(
    fakes: Fakes, listdir: Path
) -> None:
    assert run("add", "2206.08325", "-s", "safety").exit_code == 0
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert run("add", "2204.05862", "-s", "safety").exit_code == 0
    result = run("list", "--section", "papers")
    assert [line.split("\t")[:2] for line in result.stdout.splitlines()] == [
        ["arxiv:2305.01937", "evaluation"],
        ["arxiv:2206.08325", "safety"],
        ["arxiv:2204.05862", "safety"],
    ]
    assert [e["id"] for e in json.loads(run("list", "-s", "safety", "--json").stdout)] == [
        "arxiv:2206.08325",
        "arxiv:2204.05862",
    ]


def test_a_dataset_shows_its_papers_date_in_list_and_render(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "hf:Anthropic/hh-rlhf", "-s", "english").exit_code == 0
    assert run("add", "hf:liyucheng/zhihu_rlhf_3k", "-s", "chinese").exit_code == 0
    assert run("list").stdout.splitlines() == [
        # The paper's date (12 Apr 2022), not the dataset's creation (2022-12-08).
        "hf:Anthropic/hh-rlhf\tenglish\t2022-04-12\tAnthropic/hh-rlhf",
        # No paper: the day it was created on the Hub.
        "hf:liyucheng/zhihu_rlhf_3k\tchinese\t2023-04-11\tliyucheng/zhihu_rlhf_3k",
    ]
    page = run("render").stdout
    assert "[[Paper](https://arxiv.org/abs/2204.05862)] \\\n12 Apr 2022\n" in page


def test_display_date_is_one_rule() -> None:
    paper = {"kind": "paper", "published": "2023-05-03", "date": None}
    dataset = {
        "kind": "dataset",
        "created": "2022-12-08T20:11:33Z",
        "date": None,
        "papers": [{"id": "arxiv:2204.05862", "published": "2022-04-12"}],
    }
    assert display_date(paper) == "2023-05-03"
    assert display_date({**paper, "date": "2024-01-01"}) == "2024-01-01"
    assert display_date(dataset) == "2022-04-12"
    assert display_date({**dataset, "papers": []}) == "2022-12-08"
    assert (
        display_date({**dataset, "papers": [{"id": "arxiv:1", "published": None}]}) == "2022-12-08"
    )
    assert display_date({"kind": "repo", "date": None}) is None


# -- add reuses a fresh paper for a dataset -------------------------------------------------


def test_a_dataset_reuses_a_paper_fetched_moments_ago(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "2204.05862", "-s", "safety").exit_code == 0
    assert fakes.arxiv_requests() == 1
    result = run("add", "hf:Anthropic/hh-rlhf", "-s", "english")
    assert result.exit_code == 0, result.output
    assert fakes.arxiv_requests() == 1  # no second request for 2204.05862
    assert "  paper: Training a Helpful and Harmless Assistant" in result.stdout
    (entry,) = json.loads(run("list", "-s", "english", "--json").stdout)
    assert entry["papers"][0]["title"].startswith("Training a Helpful and Harmless")


def test_a_stale_paper_is_fetched_again_for_its_dataset(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "2204.05862", "-s", "safety").exit_code == 0
    assert run("add", "hf:Anthropic/hh-rlhf", "-s", "english", "--stale-after", "0").exit_code == 0
    assert fakes.arxiv_requests() == 2


# -- refresh report ------------------------------------------------------------------------


def test_report_says_which_failures_have_no_data() -> None:
    report = Report(
        checked=["gh:a/b", "gh:c/d"],
        failures={"gh:a/b": "It broke.", "gh:c/d": "It broke too."},
        uncached={"gh:c/d"},
    )
    assert report.text() == (
        "Checked 2 entries: 2 failed.\n\n"
        "Failed (their last good data is kept):\n- gh:a/b: It broke.\n\n"
        "Failed, with no data yet (never fetched successfully):\n- gh:c/d: It broke too.\n"
    )


def test_refresh_of_a_never_fetched_entry_says_it_has_no_data(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    with (listdir / "entries.toml").open("a") as f:
        f.write('\n[[entries]]\nid = "gh:nobody/nothing"\nsection = "rlhf"\n')
    result = run("refresh")
    assert result.exit_code == 1
    assert "last good data is kept" not in result.stdout
    assert "\nFailed, with no data yet (never fetched successfully):\n- gh:nobody/nothing: " in (
        result.stdout
    )


# -- messages -----------------------------------------------------------------------------

STYLE = re.compile(r"alignfetch: (?:[A-Z]|(?:arxiv|hf|gh):\S+ )[^\n]*\.")
"""One sentence: a capital letter (or an ID in its stored form) first, a full stop last."""


def test_every_error_is_one_sentence_in_one_style(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "https://github.com/CarperAI/trlx", "-s", "rlhf").exit_code == 0
    failing = [
        ["add", "not-an-id", "-s", "evaluation"],
        ["add", "2305.01937", "-s", "nope"],
        ["add", "2305.01937", "2305.01937v2", "-s", "evaluation"],
        ["add", "2305.01937", "-s", "evaluation", "--date", "2023-13-01"],
        ["add", "2305.01937", "-s", "evaluation", "--link", "Github"],
        ["add", "2305.01937", "-s", "evaluation", "--link", "Github=ftp://x"],
        ["add", "2301.99999", "-s", "evaluation"],
        ["add", "2305.01937", "-s", "evaluation", "--stale-after", "soon"],
        ["remove", "2305.01937"],
        ["show", "2305.01937"],
        ["move", "2305.01937", "-s", "safety"],
        ["edit", "gh:CarperAI/trlx"],
        ["init"],
        ["sections", "remove", "rlhf"],
        ["sections", "add", "rlhf", "--title", "Again"],
        ["--offline", "refresh"],
        ["refresh", "--stale-after", "1y"],
        ["render", "--check"],
        ["render", "--from", "missing.json"],
        ["export", "-o", "no/such/folder/x.json"],
        ["--entries", "missing.toml", "list"],
    ]
    for args in failing:
        result = run(*args)
        assert result.exit_code in (1, 2), args
        assert STYLE.fullmatch(result.stderr.rstrip("\n")), (args, result.stderr)


def test_a_duplicate_is_named_as_the_list_holds_it(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "https://github.com/CarperAI/trlx", "-s", "rlhf").exit_code == 0
    before = state(listdir)
    result = run("add", "https://github.com/carperai/TRLX.git", "-s", "rlhf")
    assert result.exit_code == 2
    # Already where it was asked to go: no advice to move it there (issue 18, item 15).
    assert one_sentence(result.stderr) == (
        "alignfetch: The entry gh:CarperAI/trlx is already in the list, in section 'rlhf'; "
        "nothing was added."
    )
    assert state(listdir) == before
    elsewhere = run("add", "https://github.com/carperai/TRLX.git", "-s", "english")
    assert elsewhere.exit_code == 2
    assert one_sentence(elsewhere.stderr) == (
        "alignfetch: The entry gh:CarperAI/trlx is already in the list, in section 'rlhf'; "
        "to move it, run `alignfetch move gh:CarperAI/trlx --section english`, or to list it "
        "in both, `alignfetch move gh:CarperAI/trlx --section rlhf --section english`."
    )
    assert state(listdir) == before


# -- help --------------------------------------------------------------------------------


def test_help_summaries_are_whole() -> None:
    text = run("--help").stdout
    commands = text.split("Commands:\n", 1)[1]
    assert "..." not in commands  # click cuts a summary too long for the line with "..."
    assert "  init      Start a list: write a new entries.toml.\n" in commands
    assert "  add       Fetch IDs and add them to a section.\n" in commands
    assert "  --db URL " in text and "-V, --version" in text
    assert run("-V").stdout == f"alignfetch, version {__version__}\n"


FOLDER = "microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat"


def test_add_help_gives_an_example_of_every_id_form() -> None:
    text = run("add", "--help").stdout
    canonical = {
        "2305.01937": "arxiv:2305.01937",
        "2305.01937v2": "arxiv:2305.01937",
        "arXiv:2305.01937": "arxiv:2305.01937",
        "math.GT/0309136": "arxiv:math/0309136",
        "https://arxiv.org/abs/2305.01937": "arxiv:2305.01937",
        "10.48550/arXiv.2305.01937": "arxiv:2305.01937",
        "https://huggingface.co/papers/2305.01937": "arxiv:2305.01937",
        "hf:Anthropic/hh-rlhf": "hf:Anthropic/hh-rlhf",
        "https://huggingface.co/datasets/Anthropic/hh-rlhf": "hf:Anthropic/hh-rlhf",
        "gh:CarperAI/trlx": "gh:CarperAI/trlx",
        "https://github.com/CarperAI/trlx": "gh:CarperAI/trlx",
        f"https://github.com/{FOLDER}": f"gh:{FOLDER}",
        "hf-model:HuggingFaceH4/zephyr-7b-beta": "hf-model:HuggingFaceH4/zephyr-7b-beta",
        "https://huggingface.co/HuggingFaceH4/zephyr-7b-beta": "hf-model:HuggingFaceH4/zephyr-7b-beta",
        "hf-space:owner/name": "hf-space:owner/name",
        "https://huggingface.co/spaces/owner/name": "hf-space:owner/name",
        "hf-collection:owner/slug": "hf-collection:owner/slug",
        "https://huggingface.co/collections/owner/slug": "hf-collection:owner/slug",
        "https://openai.com/research/instruction-following": (
            "url:https://openai.com/research/instruction-following"
        ),
    }
    shown = [line.strip() for line in text.split("one example of each form:", 1)[1].splitlines()]
    examples = [line for line in shown if line and not line.endswith(":")]
    assert examples == list(canonical)
    assert {e: str(ids.parse(e)) for e in examples} == canonical
    # A source added later without its examples here is a help that lies by omission.
    assert {str(ids.parse(e.split(", ")[0])).split(":", 1)[0] for _, e in ID_EXAMPLES} == set(
        SOURCES
    )


def test_render_help_says_where_it_writes() -> None:
    assert "Render the list's README (stdout unless -o)." in run("render", "--help").stdout
    assert "Writes to stdout, or with -o FILE into FILE" in run("render", "--help").stdout


def complete(args: list[str], incomplete: str) -> list[str]:
    shell = ShellComplete(cli, {}, "alignfetch", "_ALIGNFETCH_COMPLETE")
    return [c.value for c in shell.get_completions(args, incomplete)]


def test_completion_offers_sections_and_entry_ids(listdir: Path) -> None:
    (listdir / "entries.toml").write_text(TWO, encoding="utf-8")
    assert complete(["add", "2305.01937", "--section"], "") == ["papers", "evaluation", "safety"]
    assert complete(["list", "--section"], "ev") == ["evaluation"]
    assert complete(["show"], "arxiv:2305") == ["arxiv:2305.01937"]
    assert complete(["move"], "2204") == ["arxiv:2204.05862"]  # bash splits words at ':'
    assert complete(["edit"], "") == ["arxiv:2305.01937", "arxiv:2204.05862"]
    assert complete(["sections", "remove"], "s") == ["safety"]
    other = listdir / "other.toml"
    other.write_text(ENTRIES.replace('"safety"', '"harm"'), encoding="utf-8")
    assert complete(["--entries", str(other), "list", "-s"], "h") == ["harm"]


def test_completion_never_fails(listdir: Path) -> None:
    (listdir / "entries.toml").write_text("[list\n", encoding="utf-8")
    assert complete(["show"], "") == []
    assert complete(["add", "x", "--section"], "") == []
    (listdir / "entries.toml").unlink()
    assert complete(["remove"], "a") == []


def test_readme_documents_shell_completion() -> None:
    assert 'eval "$(_ALIGNFETCH_COMPLETE=bash_source alignfetch)"' in README
    assert "_ALIGNFETCH_COMPLETE=zsh_source alignfetch" in README


# -- the rendered list, byte for byte ----------------------------------------------------


def test_headings_keep_what_the_maintainer_wrote(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2206.08325", "-s", "safety").exit_code == 0
    page = run("render").stdout
    assert "\n### LLM for Safety & Safe-Alignment\n" in page
    # The table of contents is link text, where the reference escapes '&'.
    assert "    - [LLM for Safety \\& Safe-Alignment](#llm-for-safety--safe-alignment)\n" in page


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        ("LLM for Safety & Safe-Alignment", "LLM for Safety & Safe-Alignment"),
        ("Q&A, 1 < 2", "Q&A, 1 < 2"),
        ("Fish &amp; chips", "Fish \\&amp; chips"),
        ("<b>bold</b> and *stars* and _under_", "\\<b>bold\\</b> and \\*stars\\* and \\_under\\_"),
        ("[link](x) `code`", "\\[link\\](x) \\`code\\`"),
        ("C# and F#", "C# and F#"),
        ("Ends in ##", "Ends in \\##"),
    ],
)
def test_heading_escapes_only_what_markdown_would_misread(title: str, heading: str) -> None:
    from alignfetch.render.page import heading as heading_filter

    assert heading_filter(title) == heading


def test_a_description_is_rendered_under_the_title_for_every_kind(
    fakes: Fakes, listdir: Path
) -> None:
    add_sections(listdir)
    for args in (
        ["2305.01937", "-s", "evaluation"],
        ["hf:Anthropic/hh-rlhf", "-s", "english"],
        ["gh:CarperAI/trlx", "-s", "rlhf"],
    ):
        assert run("add", *args, "--description", f"Said of {args[0]}.").exit_code == 0
    page = run("render").stdout
    assert (
        "**Can Large Language Models Be an Alternative to Human Evaluations?** \\\n"
        "Said of 2305.01937. \\\n*Cheng-Han Chiang, Hung-yi Lee* \\\n"
    ) in page
    assert (
        "**[`Anthropic/hh-rlhf`](https://huggingface.co/datasets/Anthropic/hh-rlhf)**\\\n"
        "Said of hf:Anthropic/hh-rlhf.\\\n"
    ) in page
    assert (
        "**[`trlx`](https://github.com/CarperAI/trlx)**\\\n*Said of gh:CarperAI/trlx.*\\\n" in page
    )


def test_a_branch_cannot_climb_out_of_the_repository() -> None:
    from alignfetch.errors import BadIdError

    for text in (
        "https://github.com/o/r/tree/../x",
        "https://github.com/o/r/tree/./x",
    ):
        with pytest.raises(BadIdError):
            ids.parse(text)
    # A /blob/ link is a file, a web link, not a folder (issue 20, item 5).
    assert (
        str(ids.parse("https://github.com/o/r/blob/dev/docs/a.md"))
        == "url:https://github.com/o/r/blob/dev/docs/a.md"
    )


def test_a_folder_keeps_the_branch_it_was_pasted_with(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    url = "https://github.com/microsoft/DeepSpeedExamples/tree/v0.9/applications/DeepSpeed-Chat"
    result = run("add", url, "-s", "rlhf")
    assert result.exit_code == 0, result.output
    assert 'id = "gh:microsoft/DeepSpeedExamples/tree/v0.9/applications/DeepSpeed-Chat"' in (
        (listdir / "entries.toml").read_text()
    )
    page = run("render").stdout
    assert f"**[`DeepSpeed-Chat`]({url})**" in page  # the default branch is master
    # The same folder on another branch, or with none, is the same entry.
    again = run("add", "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat", "-s", "rlhf")
    assert again.exit_code == 2 and "already in the list" in again.stderr
    # With no branch given, a folder is on the default branch.
    assert run("remove", url).exit_code == 0
    assert (
        run(
            "add", "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat", "-s", "rlhf"
        ).exit_code
        == 0
    )
    assert (
        "(https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat)**"
    ) in run("render").stdout


# -- refresh's progress bar on a terminal ---------------------------------------------------


def _refresh_stderr(folder: Path, tty: bool) -> str:
    cmd = [sys.executable, "-m", "alignfetch", "refresh", "--all"]
    if not tty:
        done = subprocess.run(cmd, cwd=folder, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stderr
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        chunks = []
        while select.select([master], [], [], 60)[0]:  # never hang on a stuck child
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closed: the child has exited
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=60) == 0
        assert proc.stdout is not None
        proc.stdout.close()
    finally:
        os.close(master)
    return b"".join(chunks).decode()


def test_refresh_shows_a_progress_bar_on_a_terminal_only(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2206.08325", "2204.05862", "-s", "safety").exit_code == 0
    on_terminal = _refresh_stderr(listdir, tty=True)
    assert "Refreshing" in on_terminal and "100%" in on_terminal
    piped = _refresh_stderr(listdir, tty=False)
    assert "Refreshing" not in piped and piped == ""


# -- the README's Quick start, followed literally -----------------------------------------


def _quick_start() -> list[str]:
    part = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line.strip()[2:] for line in part.splitlines() if line.strip().startswith("$ ")]


def test_the_quick_start_works_from_an_empty_folder(fakes: Fakes, empty: Path) -> None:
    commands = _quick_start()
    assert commands[0].startswith("alignfetch init")
    assert any(c.startswith("alignfetch sections add") for c in commands)
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "alignfetch"
        result = run(*words[1:])
        assert result.exit_code == 0, (command, result.output)
    readme = (empty / "README.md").read_text()
    headings = [line for line in readme.splitlines() if line.startswith("#")]
    # As the reference writes them; the two sections the quick start adds nothing to are
    # left out of the page (issue 18, 15c: no heading over nothing).
    assert headings[1:] == [
        "## Papers",
        "### LLM for Evaluation",
        "## Datasets",
        "### English",
        "### Chinese",
        "## Codes",
        "### Support RLHF",
    ]
    assert (
        "(https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat)**"
    ) in readme
    # Descriptions as the reference shows them.
    reference = (
        ROOT / "tests" / "data" / "reference" / "awesome-llm-alignment.README.md"
    ).read_text()
    for part in (
        "(https://huggingface.co/datasets/liyucheng/zhihu_rlhf_3k)**\\\n"
        "A rlhf dataset contains 3k preference pairs.",
        "**[`trlx: Transformer Reinforcement Learning X`](https://github.com/CarperAI/trlx)**\\\n"
        "*A repo for distributed training of language models with Reinforcement Learning via "
        "Human Feedback (RLHF).*\\\n",
    ):
        assert part in reference and part in readme
    export = json.loads((empty / "alignfetch.json").read_text())
    assert [e["id"] for e in export["entries"]] == [
        "arxiv:2305.01937",
        "hf:Anthropic/hh-rlhf",
        "hf:liyucheng/zhihu_rlhf_3k",
        "gh:CarperAI/trlx",
        "gh:microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat",
    ]
    assert (empty / ".gitignore").exists() is False  # not a git repository


def test_the_quick_start_shows_what_add_prints(fakes: Fakes, empty: Path) -> None:
    part = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = part.split("$ alignfetch add 2305.01937", 1)[1].split("\n    $ ", 1)[0]
    shown = [line[4:] for line in block.splitlines()[1:]]
    for command in _quick_start():
        if command.startswith("alignfetch add 2305.01937"):
            result = run(*shlex.split(command)[1:])
            assert result.stdout.splitlines() == shown
            break
        assert run(*shlex.split(command)[1:]).exit_code == 0
