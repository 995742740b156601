"""`alignfetch import`: a hand-written awesome list in, entries.toml out.

Expected IDs, overrides, lines and messages are read off the README files in
tests/data by hand. tests/golden/import/awesome-llm-alignment.entries.toml is
what the reference list must import to, checked line by line against the
reference (it differs from the project's own entries.toml only in section slugs,
in keeping the italic descriptions of trlx and PaLM-rlhf-pytorch, the Github link
of 2305.16960 and the Paper link of hh-rlhf, and the tagline's mojibake as typed).
Link counts come from a regular expression over the raw file, independent of the
Markdown parser under test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from alignfetch.errors import BadIdError
from alignfetch.list import ids
from alignfetch.readme.reading import read_list
from conftest import ENTRIES, Fakes, run, state
from test_render import REFERENCE, SCHEMA, _normalise

DATA = Path(__file__).parent / "data"
LISTS = [
    REFERENCE,
    DATA / "lists" / "awesome-RLHF.README.md",
    DATA / "lists" / "awesome-instruction-datasets.README.md",
]
GOLDEN = Path(__file__).parent / "golden" / "import" / "awesome-llm-alignment.entries.toml"
SAFE_RLHF = (
    "The link goes to gh:CarperAI/trlx, but its title and 2 badges name "
    "gh:PKU-Alignment/safe-rlhf; imported as gh:PKU-Alignment/safe-rlhf."
)


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and message[:1].isupper()


def imported(*args: str) -> dict:  # type: ignore[type-arg]
    result = run("import", "--json", *args)
    assert result.exit_code == 0, result.output
    doc: dict = json.loads(result.stdout)  # type: ignore[type-arg]
    return doc


# -- the round trip ------------------------------------------------------------------------


def test_round_trip_import_refresh_render(fakes: Fakes, empty: Path) -> None:
    """With --house-style, the reference imports into alignfetch's own page (issue 4)."""
    result = run("import", "--house-style", str(REFERENCE))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(
        "Imported 12 entries (2 datasets, 6 papers, 4 repos) into entries.toml, "
        "with 9 new sections.\n"
    )
    assert f"\nConflicts:\n  - line 123: {SAFE_RLHF}\n" in result.stderr
    assert (
        "\nSkipped 3 link(s):\n"
        "  - line 1: https://cdn.rawgit.com/sindresorhus/awesome/"
        "d7305f38d29fed78fa85652e3a63e154dd8e8829/media/badge.svg (an image in the list's title)\n"
        "  - line 1: https://github.com/sindresorhus/awesome (a badge's link in the list's title)\n"
        "  - line 71: https://huggingface.co/papers/2305.16960 "
        "(the entry's own link again (arxiv:2305.16960))\n"
    ) in result.stderr
    assert fakes.server.requests("") == []  # import fetches nothing
    refreshed = run("refresh")
    assert refreshed.stdout == "Checked 12 entries: 12 fetched for the first time.\n"
    out = run("render")
    assert out.exit_code == 0, out.output
    # test_render's named differences, Safe-RLHF's corrected link among them; but
    # import keeps the tagline as the maintainer typed it, mojibake and all.
    expected = _normalise(REFERENCE.read_text(encoding="utf-8"))
    dog = "\U0001f415"
    assert expected.count(dog) == 2
    expected = expected.replace(dog, dog.encode().decode("mac_roman"))
    assert out.stdout == expected


def test_round_trip_with_the_learned_look(fakes: Fakes, empty: Path) -> None:
    """Catches a learned page that a refresh rewrites beyond what the sources correct:
    the reference comes back as written; after refresh it differs in two dates the README
    got wrong (the papers' first versions) and an author's name it misspelt (``Eric. P
    Xing``), and nowhere else."""
    original = REFERENCE.read_text(encoding="utf-8")
    (empty / "README.md").write_text(original, encoding="utf-8")
    assert run("import", "README.md").exit_code == 0

    def changes(page: str) -> list[tuple[str, str]]:
        pairs = zip(original.splitlines(), page.splitlines(), strict=True)
        return [(a, b) for a, b in pairs if a != b]

    assert changes(run("--offline", "render").stdout) == []
    assert run("refresh").exit_code == 0
    refreshed = changes(run("render").stdout)
    assert refreshed[:2] == [("28 Oct 2022", "16 Jun 2022"), ("28 Oct 2022", "12 Apr 2022")]
    assert len(refreshed) == 3
    assert refreshed[2][1] == refreshed[2][0].replace("Eric. P Xing", "Eric P. Xing")
    assert refreshed[2][0] != refreshed[2][1]


def test_reference_imports_to_the_golden_entries_file(empty: Path) -> None:
    assert run("import", str(REFERENCE)).exit_code == 0
    assert (empty / "entries.toml").read_bytes() == GOLDEN.read_bytes()


def test_reference_report(empty: Path) -> None:
    doc = imported(str(REFERENCE))
    assert [(s["slug"], s["parent"]) for s in doc["sections"]] == [
        ("papers", None),
        ("llm-for-safety-safe-alignment", "papers"),
        ("llm-for-evaluation", "papers"),
        ("llm-for-human-value-alignment-behavior-alignment", "papers"),
        ("datasets", None),
        ("english", "datasets"),
        ("chinese", "datasets"),
        ("codes", None),
        ("support-rlhf", "codes"),
    ]
    assert [(e["id"], e["line"]) for e in doc["entries"]] == [
        ("arxiv:2206.08325", 19),
        ("arxiv:2204.05862", 29),
        ("arxiv:2305.01937", 43),
        ("arxiv:2306.05685", 53),
        ("arxiv:2305.16960", 69),
        ("arxiv:2305.14929", 79),
        ("hf:Anthropic/hh-rlhf", 93),
        ("hf:liyucheng/zhihu_rlhf_3k", 112),
        ("gh:PKU-Alignment/safe-rlhf", 123),
        ("gh:CarperAI/trlx", 129),
        ("gh:microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat", 135),
        ("gh:lucidrains/PaLM-rlhf-pytorch", 141),
    ]
    first = doc["entries"][0]
    assert first["affiliation"] == "DeepMind" and first["venue"] == "NeurIPS 2022"
    assert first["links"] == {"Perspective API": "https://www.perspectiveapi.com/"}
    assert "title" not in first and "date" not in first  # arXiv knows them
    typed = first["typed"]
    assert typed["title"] == (
        "Characteristics of Harmful Text: Towards Rigorous Benchmarking of Language Models"
    )
    assert typed["date"] == "28 Oct 2022"
    assert len(typed["authors"]) == 12
    assert typed["authors"][0] == "Maribeth Rauh" and typed["authors"][-1] == "Lisa Anne Hendricks"
    # "arXiv 2023" is what render derives; kept only as typed (a 2022 paper: issue 10's bug)
    hh = doc["entries"][6]
    assert "venue" not in hh and hh["typed"]["venue"] == "arXiv 2023"
    assert hh["affiliation"] == "Anthropic"
    evaluation = doc["entries"][2]
    assert evaluation["affiliation"] == "National Taiwan University" and "venue" not in evaluation
    safe = doc["entries"][8]
    assert safe["badges"] == [
        "https://img.shields.io/github/last-commit/PKU-Alignment/safe-rlhf?label=last%20update",
        "https://img.shields.io/github/stars/PKU-Alignment/safe-rlhf",
    ]
    assert safe["title"] == "Safe-RLHF: Constrained Value-Aligned LLM via Safe RLHF"
    assert doc["conflicts"] == [{"line": 123, "message": SAFE_RLHF}]
    assert one_sentence(SAFE_RLHF)
    assert doc["duplicates"] == []
    assert [(s["line"], s["url"], s["reason"]) for s in doc["skipped"]] == [
        (
            1,
            "https://cdn.rawgit.com/sindresorhus/awesome/d7305f38d29fed78fa85652e3a63e154dd8e8829"
            "/media/badge.svg",
            "an image in the list's title",
        ),
        (1, "https://github.com/sindresorhus/awesome", "a badge's link in the list's title"),
        (
            71,
            "https://huggingface.co/papers/2305.16960",
            "the entry's own link again (arxiv:2305.16960)",
        ),
    ]


def test_keep_typed_keeps_titles_and_dates(empty: Path) -> None:
    doc = imported("--keep-typed", str(REFERENCE))
    first = doc["entries"][0]
    assert first["title"].startswith("Characteristics of Harmful Text")
    assert first["date"] == "2022-10-28"
    text = (empty / "entries.toml").read_text(encoding="utf-8")
    assert 'date = "2022-10-28"' in text and 'date = "2023-06-09"' in text


# -- every link of real lists is kept ------------------------------------------------------

_LINK = re.compile(r"\]\(\s*https?://")
_BARE = re.compile(r"(?<![^\s*_~(])https?://[^\s<]")
"""A bare URL GitHub autolinks (at a line's start, after a space or ``*_~(``), which is a
link too (issue 20, item 5); ``](https://`` is a Markdown link's target, counted above."""
_HTML = re.compile(r"<(?:a\s[^>]*href|img\s[^>]*src)\s*=\s*[\"']?https?://", re.IGNORECASE)
_ARXIV = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf|html)/|huggingface\.co/papers/)(\d{4}\.\d{4,5})", re.IGNORECASE
)


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.name)
def test_every_link_is_an_entry_a_link_a_badge_or_skipped(empty: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bare = sum(
        not text[max(0, m.start() - 10) : m.start()].rstrip().endswith("](")
        for m in _BARE.finditer(text)
    )
    expected = len(_LINK.findall(text)) + len(_HTML.findall(text)) + bare
    doc = imported(str(path))
    accounted = sum(
        (0 if "via" in e else 1)  # a paper named only as a link is that link too
        + len(e.get("links", {}))
        + sum(map(_web, e["badges"]))
        for e in doc["entries"]
    )
    accounted += sum(_web(s["url"]) for s in doc["skipped"])
    accounted += sum(len(d["lines"]) - 1 for d in doc["duplicates"])
    accounted += len(doc["cross_listed"])  # the same work under another heading
    assert accounted == expected
    assert all(s["reason"] for s in doc["skipped"])


@pytest.mark.parametrize(
    ("path", "papers"), [(LISTS[0], 6), (LISTS[1], 111), (LISTS[2], 15)], ids=lambda p: str(p)[-20:]
)
def test_every_arxiv_id_is_an_entry_exactly_once(empty: Path, path: Path, papers: int) -> None:
    wanted = set(_ARXIV.findall(path.read_text(encoding="utf-8")))
    assert len(wanted) == papers
    got = [e["id"] for e in imported(str(path))["entries"] if e["id"].startswith("arxiv:")]
    assert sorted(got) == sorted(f"arxiv:{key}" for key in wanted)
    assert entries_ids(empty).count("arxiv:2204.05862") <= 1


def entries_ids(folder: Path) -> list[str]:
    import tomllib

    data = tomllib.loads((folder / "entries.toml").read_text(encoding="utf-8"))
    return [e["id"] for e in data.get("entries", [])]


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.name)
def test_importing_again_adds_nothing(empty: Path, path: Path) -> None:
    first = imported(str(path))
    before = state(empty)
    again = run("import", str(path))
    assert again.exit_code == 0
    assert state(empty) == before
    assert again.stderr.startswith("Nothing new to import into entries.toml.\n")
    assert f"{len(first['entries'])} already in the list, left as they are." in again.stderr


# -- what the real lists hold --------------------------------------------------------------


def test_awesome_rlhf(empty: Path) -> None:
    result = run("import", "--json", str(LISTS[1]))
    assert result.exit_code == 0
    assert (
        "\nDuplicates (imported once, at their first line):\n"
        "  - arxiv:2503.00897: line 105, again at line(s) 109\n"
    ) in result.stderr
    doc = json.loads(result.stdout)
    by_id = {e["id"]: e for e in doc["entries"]}
    assert {"id": "arxiv:2503.00897", "lines": [105, 109]} in doc["duplicates"]
    assert [s["slug"] for s in doc["sections"]] == [
        "papers",
        "2025",
        "2024",
        "2023",
        "2022",
        "2021",
        "2020-and-before",
        "codebases",
        "dataset",
        "blogs",
        "books",
    ]  # no "Table of Contents", "Overview", "Contributing", "License"
    # nested items: authors are typed, the code link is a link
    wimhf = by_id["arxiv:2510.26202"]
    assert wimhf["section"] == "2025" and wimhf["line"] == 91
    assert wimhf["links"] == {"Official": "https://github.com/rmovva/wimhf"}
    assert wimhf["typed"]["authors"] == ["Rajiv Movva", "Smitha Milli", "Sewon Min", "Emma Pierson"]
    # the title links a paper arXiv does not hold; the nested code link is a detail of it
    openrlhf = by_id["url:https://aclanthology.org/2025.emnlp-demos.48/"]
    assert openrlhf["title"].startswith("OpenRLHF: A Ray-based")
    assert openrlhf["links"] == {"Official": "https://github.com/OpenRLHF/OpenRLHF"}
    # "-[Safe-RLHF](…)" continues the FG-RLHF item's paragraph; it is an entry of its own
    assert by_id["url:https://finegrainedrlhf.github.io/"]["line"] == 731
    assert by_id["gh:PKU-Alignment/safe-rlhf"]["line"] == 735
    assert "links" not in by_id["gh:PKU-Alignment/safe-rlhf"]
    # blogs are link entries with the maintainer's title
    blog = by_id["url:https://huggingface.co/blog/rlhf"]
    assert blog["section"] == "blogs"
    assert blog["title"] == "Illustrating Reinforcement Learning from Human Feedback (RLHF)"
    assert blog["description"] == "Hugging Face"
    skipped = {(s["line"], s["url"]): s["reason"] for s in doc["skipped"]}
    assert skipped[(219, "")] == "an empty link in an entry"
    assert skipped[(37, "./overview_chatgpt.png")] == (
        "an image (a badge or picture) outside any entry"
    )
    assert skipped[(827, "CONTRIBUTING.md")] == (
        "a link under 'Contributing', which is not a list section"
    )


def test_awesome_instruction_datasets(empty: Path) -> None:
    doc = imported(str(LISTS[2]))
    by_id = {e["id"]: e for e in doc["entries"]}
    # a table row: the first link that a source names is the entry; the Org column
    # is its affiliation, the other links its links
    flan = by_id["gh:google-research/FLAN"]
    assert flan["line"] == 104 and flan["affiliation"] == "Google"
    assert flan["links"]["download"] == (
        "https://huggingface.co/datasets/QingyiSi/Alpaca-CoT/tree/main/Chain-of-Thought"
    )
    # a row whose first link is a blog post: the dataset after it is the entry
    assert by_id["hf:laion/oig"]["line"] == 130
    assert by_id["hf:laion/oig"]["links"]["OIG(part)"] == "https://laion.ai/blog/oig-dataset/"
    # the same dataset in other forms under other headings: one entry, cross-listed there
    assert by_id["hf:Anthropic/hh-rlhf"]["line"] == 165
    assert [c["line"] for c in doc["cross_listed"] if c["id"] == "hf:Anthropic/hh-rlhf"] == [
        403,
        470,
    ]
    # the RLHF table: the Summary column is the description
    dahoas = by_id["hf:Dahoas/full-hh-rlhf"]
    assert dahoas["description"] == (
        "Anthropic's HH dataset reformatted into prompt, chosen, rejected samples."
    )
    assert "title" not in dahoas  # "Dahoas/full-hh-rlhf" is what the Hub will say
    # one heading per dataset: its table row listed again under a heading of its own
    # (cross-listed), whose links the entry gains
    assert any(c["id"] == "hf:Hello-SimpleAI/HC3" and c["line"] == 246 for c in doc["cross_listed"])
    hc3 = by_id["hf:Hello-SimpleAI/HC3"]
    title = "How Close is ChatGPT to Human Experts? Comparison Corpus, Evaluation, and Detection"
    assert hc3["links"][title] == "https://arxiv.org/abs/2301.07597"
    # a paragraph further down is about that paper: it is the entry there
    assert by_id["arxiv:2301.07597"]["line"] == 535 and "via" not in by_id["arxiv:2301.07597"]
    # a paper the list names only as a link is an entry too, right after its host
    paper = by_id["arxiv:2205.12688"]
    assert paper["via"] == "hf:allenai/prosocial-dialog" and paper["line"] == 265
    assert (
        paper["typed"]["title"] == "ProsocialDialog: A Prosocial Backbone for Conversational Agents"
    )
    ids_ = [e["id"] for e in doc["entries"]]
    assert ids_.index("arxiv:2205.12688") == ids_.index("hf:allenai/prosocial-dialog") + 1
    assert "contents" not in {s["slug"] for s in doc["sections"]}


# -- writing -------------------------------------------------------------------------------


def test_dry_run_writes_nothing(empty: Path) -> None:
    result = run("import", "--dry-run", str(REFERENCE))
    assert result.exit_code == 0
    assert "Would import 12 entries" in result.stderr
    assert "Dry run: nothing was written." in result.stderr
    assert state(empty) == {}


def test_appends_to_an_existing_list_reusing_its_sections(empty: Path) -> None:
    (empty / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    result = run("import", "--json", str(REFERENCE))
    assert "into entries.toml, with 6 new sections.\n" in result.stderr
    doc = json.loads(result.stdout)
    text = (empty / "entries.toml").read_text(encoding="utf-8")
    assert text.startswith(ENTRIES)  # comments and layout as they were
    # "Papers", "LLM for Evaluation" and "LLM for Safety & Safe-Alignment" exist already
    assert [s["slug"] for s in doc["sections"]] == [
        "llm-for-human-value-alignment-behavior-alignment",
        "datasets",
        "english",
        "chinese",
        "codes",
        "support-rlhf",
    ]
    assert [(e["id"], e["section"]) for e in doc["entries"][:3]] == [
        ("arxiv:2206.08325", "safety"),
        ("arxiv:2204.05862", "safety"),
        ("arxiv:2305.01937", "evaluation"),
    ]
    assert len(entries_ids(empty)) == 12  # and the file reads back


def test_reads_stdin(empty: Path) -> None:
    from click.testing import CliRunner

    from alignfetch.cli import cli

    text = "# L\n\n## Blogs\n\n- [A post](https://example.org/post) - what it says\n"
    result = CliRunner().invoke(cli, ["import", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert 'id = "url:https://example.org/post"' in (empty / "entries.toml").read_text()


def test_a_broken_entries_file_is_left_alone(empty: Path) -> None:
    (empty / "entries.toml").write_text("[list\n", encoding="utf-8")
    before = state(empty)
    result = run("import", str(REFERENCE))
    assert result.exit_code == 2
    assert result.stderr.startswith("alignfetch: ") and "is not valid TOML" in result.stderr
    assert state(empty) == before


# -- link entries --------------------------------------------------------------------------

BLOG = """\
# Reading

## Blogs

- [Illustrating RLHF](https://huggingface.co/blog/rlhf) - A walk-through, with [slides](https://example.org/s.pdf).
"""


def test_a_link_entry_switched_off_is_never_fetched_exports_and_renders(
    fakes: Fakes, empty: Path
) -> None:
    """With `[sources] web_pages = false`, a `url:` entry asks nothing and is what the
    list says of it (catches the switch ignored, and a link entry that cannot render)."""
    (empty / "list.md").write_text(BLOG, encoding="utf-8")
    doc = imported("--house-style", "list.md")
    with (empty / "entries.toml").open("a", encoding="utf-8") as f:
        f.write("\n[sources]\nweb_pages = false\n")
    assert doc["entries"][0]["title"] == "Illustrating RLHF"
    assert doc["entries"][0]["description"] == "A walk-through, with slides."
    assert run("refresh").stdout == "Checked 1 entry: 1 fetched for the first time.\n"
    assert fakes.server.requests("") == []
    export = json.loads(run("export").stdout)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(export)
    (entry,) = export["entries"]
    assert entry["kind"] == "link" and entry["url"] == "https://huggingface.co/blog/rlhf"
    assert entry["title"] == "Illustrating RLHF"
    assert entry["links"] == {"slides": "https://example.org/s.pdf"}
    page = run("render").stdout
    assert page.endswith(
        "## Blogs\n\n- [Illustrating RLHF](https://huggingface.co/blog/rlhf) - A walk-through, "
        "with slides. [[slides](https://example.org/s.pdf)]\n\n---\n"
    )


def test_add_takes_any_web_page_as_a_link(fakes: Fakes, empty: Path) -> None:
    (empty / "entries.toml").write_text(ENTRIES, encoding="utf-8")
    result = run(
        "add", "https://openai.com/blog/chatgpt", "--section", "papers", "--title", "ChatGPT"
    )
    assert result.exit_code == 0, result.output
    assert fakes.server.requests("") == []
    assert 'id = "url:https://openai.com/blog/chatgpt"' in (empty / "entries.toml").read_text()


def test_url_ids_come_last() -> None:
    assert str(ids.parse("https://Example.ORG/A/b?c#d")) == "url:https://example.org/A/b?c#d"
    assert str(ids.parse("url:https://example.org/x")) == "url:https://example.org/x"
    assert str(ids.parse("https://arxiv.org/pdf/2305.01937v2")) == "arxiv:2305.01937"
    assert (
        str(ids.parse("https://huggingface.co/datasets/Anthropic/hh-rlhf"))
        == "hf:Anthropic/hh-rlhf"
    )
    assert str(ids.parse("https://github.com/CarperAI/trlx/")) == "gh:CarperAI/trlx"
    assert str(ids.parse("https://github.com/CarperAI")) == "url:https://github.com/CarperAI"
    # The one place that depends on the Hub kinds being registered: a model page is
    # hf-model: once that source exists, a plain link before.
    model = str(ids.parse("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct"))
    assert model in (
        "hf-model:meta-llama/Llama-3.1-8B-Instruct",
        "url:https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct",
    )
    assert str(ids.parse("https://arxiv.org/list/cs.CL/recent")) == (
        "url:https://arxiv.org/list/cs.CL/recent"
    )
    assert str(ids.parse("https://example.org/abs/2305.01937")) == (
        "url:https://example.org/abs/2305.01937"
    )
    # the shape of an arXiv or Hub ID that its source refuses is a typo, not a web page
    for typo in ("https://arxiv.org/abs/2305.1937", "https://huggingface.co/datasets/x"):
        with pytest.raises(BadIdError):
            ids.parse(typo)
    with pytest.raises(BadIdError):  # another source's URL is not a url: ID
        ids.parse("url:https://arxiv.org/abs/2305.01937")
    with pytest.raises(BadIdError):
        ids.parse("url:ftp://example.org/x")
    assert ids.identity("url:https://example.org/A") != ids.identity("url:https://example.org/a")


# -- structure -----------------------------------------------------------------------------


def test_details_groups_become_subsections_and_abstracts_stay_with_their_entry() -> None:
    text = """\
# List

## Datasets

<details><summary>Preference data</summary>

- [hh](https://huggingface.co/datasets/Anthropic/hh-rlhf)

</details>

**Paper title** \\
[[Paper](https://arxiv.org/abs/2305.01937)]
<details>
<summary><b>Abstract</b></summary>
[Markdown](https://example.org/not-a-link) in an HTML block is no link on GitHub.

See [the site](https://example.org/site) and <a href="https://example.org/b">this one</a>.
</details>

## Contributing

- [Guide](https://example.org/contributing)
"""
    reading = read_list(text)
    assert [(s.slug, s.title, s.parent) for s in reading.sections] == [
        ("datasets", "Datasets", None),
        ("preference-data", "Preference data", "datasets"),
    ]
    assert [(f.ref.prefix, f.section, f.line) for f in reading.found] == [
        ("hf", "preference-data", 7),
        ("arxiv", "datasets", 11),
    ]
    assert reading.found[1].links == [
        ("the site", "https://example.org/site", 17),
        ("this one", "https://example.org/b", 17),
    ]
    assert reading.found[1].title == "Paper title"
    assert [(s.line, s.url, s.reason) for s in reading.skipped] == [
        (
            15,
            "https://example.org/not-a-link",
            "Markdown inside an HTML block, which GitHub shows as text, in an entry's details",
        ),
        (
            22,
            "https://example.org/contributing",
            "a link under 'Contributing', which is not a list section",
        ),
    ]


def test_the_title_is_the_first_heading_only_when_it_heads_the_page() -> None:
    two = "## Papers\n\n- [a](https://a.org)\n\n## Code\n\n- [b](https://b.org)\n"
    reading = read_list(two)
    assert reading.title is None
    assert [s.slug for s in reading.sections] == ["papers", "code"]
    one = "Intro.\n\n# Awesome\n\n## Papers\n\n- [a](https://a.org)\n"
    reading = read_list(one)
    assert reading.title == "Awesome" and [s.slug for s in reading.sections] == ["papers"]


def test_links_of_one_name_are_told_apart() -> None:
    text = (
        "# L\n\n## A\n\n- [tool](https://github.com/a/b) [Code](https://c.org/1) "
        "[Code](https://c.org/2) [Code](https://c.org/1) [b](https://github.com/A/B/)\n"
    )
    (found,) = read_list(text).found
    assert found.links == [("Code", "https://c.org/1", 5), ("Code 2", "https://c.org/2", 5)]
    assert [s.reason for s in read_list(text).skipped] == [
        "already a link of gh:a/b",
        "the entry's own link again (gh:a/b)",
    ]


def test_links_entries_toml_could_not_hold_are_skipped(empty: Path) -> None:
    (empty / "list.md").write_text(
        "# L\n\n## A\n\n- [a](https://a.org/x) [broken](http://) [b](https://b.org)\n",
        encoding="utf-8",
    )
    doc = imported("list.md")
    assert doc["entries"][0]["links"] == {"b": "https://b.org"}
    assert [(s["url"], s["reason"]) for s in doc["skipped"]] == [
        ("http://", "not a complete http(s) URL")
    ]
    assert run("list").exit_code == 1  # entries.toml reads back; only the cache is empty


def test_slugs_are_unique_and_stable() -> None:
    text = (
        "# L\n\n## Tools\n\n- [a](https://a.org)\n\n## Tools\n\n- [b](https://b.org)\n\n"
        "## 中文\n\n- [c](https://c.org)\n"
    )
    reading = read_list(text)
    assert [s.slug for s in reading.sections] == ["tools", "tools-2", "section-3"]
    assert [s.slug for s in read_list(text).sections] == ["tools", "tools-2", "section-3"]


def test_no_false_conflict_when_link_title_and_badges_agree() -> None:
    reference = read_list(REFERENCE.read_text(encoding="utf-8"))
    assert [f.line for f in reference.found if f.conflict] == [123]
    # one badge for another repository against the link and its title: the link wins
    text = (
        "# L\n\n## Code\n\n**[`trlx`](https://github.com/CarperAI/trlx)**\\\n"
        "![stars](https://img.shields.io/github/stars/other/thing)\n"
    )
    (found,) = read_list(text).found
    assert str(found.ref) == "gh:CarperAI/trlx" and found.conflict is None


# -- hostile input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file holds no links to import; give an awesome list's README (Markdown)."),
        (
            b"# Just a title\n\nNo links here.\n",
            "The file holds no links to import; give an awesome list's README (Markdown).",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "The file list.md is not UTF-8 text; give a Markdown file.",
        ),
        (
            b"# T\n\x00[a](https://a.org)\n",
            "The file list.md is binary, not Markdown; give an awesome list's README.",
        ),
        (
            b"".join(b"  " * i + b"- level\n" for i in range(60)) + b"- [a](https://a.org)\n",
            "Line 50 nests lists or quotes too deep to read (more than 50 levels); "
            "flatten them and import again.",
        ),
    ],
    ids=["empty", "no-links", "png", "nul", "too-deep"],
)
def test_unusable_files_get_one_sentence(empty: Path, content: bytes, message: str) -> None:
    (empty / "list.md").write_bytes(content)
    before = state(empty)
    result = run("import", "list.md")
    assert result.exit_code == 2
    assert result.stderr == f"alignfetch: {message}\n"
    assert one_sentence(message)
    assert state(empty) == before  # no entries.toml was made


def test_a_missing_file_is_one_sentence(empty: Path) -> None:
    result = run("import", "nope.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "alignfetch: The file nope.md could not be read (No such file or directory); "
        "check the path.\n"
    )


def test_no_headings_go_to_one_general_section(empty: Path) -> None:
    (empty / "list.md").write_text(
        "Some intro.\n\n- [A](https://github.com/a/b) - tool\n- [B](https://b.org)\n",
        encoding="utf-8",
    )
    doc = imported("list.md")
    assert doc["sections"] == [{"slug": "general", "title": "General", "parent": None}]
    assert [e["id"] for e in doc["entries"]] == ["gh:a/b", "url:https://b.org"]
    assert 'title = "' + empty.name + '"' in (empty / "entries.toml").read_text()


def test_nested_lists_html_blocks_and_a_long_file(empty: Path) -> None:
    deep = "".join("  " * i + f"- level {i}\n" for i in range(30))
    body = [
        "# Big",
        "",
        "## Nested",
        "",
        deep,
        "- outer",
        "  - [inner](https://arxiv.org/abs/2305.01937v2)",
        "    - [deeper](https://github.com/a/b)",
        "",
        "## HTML",
        "",
        '<p align="center"><a href="https://example.org/a">A</a> '
        '<img src="https://example.org/i.png"></p>',
        "",
        "## Many",
        "",
    ]
    body += [
        f"- [p{i}](https://arxiv.org/abs/2301.{i:05d}) `code [x](http://no)`" for i in range(5000)
    ]
    (empty / "list.md").write_text("\n".join(body) + "\n", encoding="utf-8")
    result = run("import", "--json", "list.md")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    entries = doc["entries"]
    assert len(entries) == 5002
    assert entries[0]["id"] == "arxiv:2305.01937"
    assert entries[0]["links"] == {"deeper": "https://github.com/a/b"}
    assert entries[1] == {
        "id": "url:https://example.org/a",
        "section": "html",
        "line": 42,
        "title": "A",
        "badges": ["https://example.org/i.png"],
        "typed": {"title": "A", "date": None, "authors": [], "venue": None},
    }
    assert entries[-1]["id"] == "arxiv:2301.04999" and entries[-1]["line"] == 5045


# -- writing many entries at once ----------------------------------------------------------


def test_entries_are_written_as_tomlkit_writes_them() -> None:
    """Import appends hundreds of tables without tomlkit's per-table cost; the text
    must be tomlkit's, byte for byte, whatever the strings hold."""
    from alignfetch.list.model import Entry
    from alignfetch.list.tables import _table_text, _tomlkit_tables
    from alignfetch.list.tables import tables_text as _tables_text

    tricky = ['say "hi"', "back\\slash", "🐕 中文 é", "a = b", "[x]", "#", "'q'", "\u2028\ufeff"]
    entries = [
        Entry(
            "gh:CarperAI/trlx",
            "rlhf",
            title=text,
            description=text + " more",
            venue=text,
            affiliation=text,
            links=(
                (text, "https://example.org/" + text.replace(" ", "%20")),
                ("Github", "https://g"),
            ),
        )
        for text in tricky
    ] + [Entry("arxiv:2305.01937", "evaluation", date="2023-05-03")]
    assert _tables_text(entries) == _tomlkit_tables(entries)
    assert _table_text(entries[0]) == _tomlkit_tables(entries[:1])
    controls = [Entry("arxiv:2305.01937", "s", title="tab\there", description="new\nline")]
    assert _tables_text(controls) == _tomlkit_tables(controls)
    assert 'title = "tab\\there"' in _tables_text(controls)


def test_a_linked_heading_is_an_entry_with_what_follows_it() -> None:
    text = """\
# L

## Data

## [hh](https://huggingface.co/datasets/Anthropic/hh-rlhf)

- Summary: Human preference data.
- [paper](https://arxiv.org/abs/2204.05862)

<details><summary>Abstract</summary>

see [x](https://x.org)

</details>

<details><summary>Group</summary>

- [y](https://y.org)

</details>
"""
    reading = read_list(text)
    assert [(s.slug, s.parent) for s in reading.sections] == [("data", None), ("group", "data")]
    hh, y = reading.found
    assert (str(hh.ref), hh.section, hh.line) == ("hf:Anthropic/hh-rlhf", "data", 5)
    assert hh.description == "Human preference data."
    assert hh.links == [
        ("paper", "https://arxiv.org/abs/2204.05862", 8),
        ("x", "https://x.org", 12),
    ]
    assert (str(y.ref), y.section) == ("url:https://y.org", "group")


def test_import_through_a_real_process(empty: Path) -> None:
    import subprocess
    import sys

    text = REFERENCE.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "alignfetch", "import", "--json", "-"],
        input=text,
        capture_output=True,
        cwd=empty,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conflicts"] == [{"line": 123, "message": SAFE_RLHF}]
    assert b"Traceback" not in done.stderr
    # From stdin, the learned look is named after README.md.
    assert (empty / "entries.toml").read_bytes() == GOLDEN.read_bytes().replace(
        b'"awesome-llm-alignment.README.md.j2"', b'"README.md.j2"'
    )
    again = subprocess.run(
        [sys.executable, "-m", "alignfetch", "import", "missing.md"],
        capture_output=True,
        cwd=empty,
        timeout=120,
        check=False,
    )
    assert again.returncode == 2
    assert again.stderr == (
        b"alignfetch: The file missing.md could not be read (No such file or directory); "
        b"check the path.\n"
    )


def test_a_table_header_that_links_is_read_too() -> None:
    text = (
        "# L\n\n## Tools\n\n"
        "| [chardet](https://github.com/chardet/chardet) "
        "| [![me](https://img.example/a.png)](https://twitter.com/me) |\n"
        "|---|---|\n"
        "| [x](https://github.com/a/x) | fast |\n"
    )
    reading = read_list(text)
    assert [(str(f.ref), f.line, f.badges) for f in reading.found] == [
        ("gh:chardet/chardet", 5, ["https://img.example/a.png", "https://twitter.com/me"]),
        ("gh:a/x", 7, []),
    ]
