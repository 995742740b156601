"""Fetched text is data: records are cleaned before they are stored.

:func:`alignfetch.records.clean` takes control characters and bidi overrides out
of every text (an abstract and a card keep their newlines and tabs), drops links
that are not http(s) with a warning, and takes ``javascript:``/``data:`` links
out of a card. The fetch pipeline applies it to every fresh record, so nothing
hostile reaches the cache, the terminal or the README.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from alignfetch import Workspace
from alignfetch.records import (
    Author,
    Dataset,
    Paper,
    PaperPage,
    Repo,
    clean,
    clean_card,
    from_dict,
    page_id,
    related_ids,
    strip_controls,
    to_dict,
)
from conftest import DATA, Fakes, add_sections, run

ESC, BEL, NUL, CSI, NEL, RLO, LRI, PDI = (
    "\x1b",
    "\x07",
    "\x00",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u2069",
)

PAPER = Paper(
    id="arxiv:2305.01937",
    version=1,
    title="T",
    abstract="A",
    authors=(Author("X", ("U",)),),
    published="2023-05-03",
    updated="2023-05-03",
    primary_category="cs.CL",
    categories=("cs.CL",),
    comment=None,
    journal_ref=None,
    doi=None,
    url="https://arxiv.org/abs/2305.01937",
    pdf_url="https://arxiv.org/pdf/2305.01937",
)
DATASET = Dataset(
    id="hf:a/b",
    title="a/b",
    url="https://huggingface.co/datasets/a/b",
    author="a",
    sha="1",
    last_modified=None,
    created=None,
    license=("mit",),
    languages=("en",),
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
    id="gh:o/r",
    title="r",
    url="https://github.com/o/r",
    full_name="o/r",
    path=None,
    description="d",
    stars=1,
    pushed_at=None,
    license="MIT",
    archived=False,
    homepage="https://o.example/",
    topics=("rlhf",),
    default_branch="main",
)


# -- the pure function -------------------------------------------------------------------


def test_strip_controls_one_line() -> None:
    assert strip_controls(f"a{ESC}[31mb{BEL}c{NUL}d{CSI}e{NEL}f\x7fg") == "a[31mbcdefg"
    assert strip_controls(f"x{RLO}y{LRI}z{PDI}w\u202a\u202b\u202c\u202d\u2067\u2068v") == "xyzwv"
    # Line breaks and tabs in one-line text part words rather than join them.
    assert strip_controls("two\nwords\tand\r\nmore") == "two words and  more"
    # What is not a control stays: letters, marks, joiners, a right-to-left mark.
    assert strip_controls("Über \u200d\u200f café") == "Über \u200d\u200f café"


def test_strip_controls_multiline_keeps_lines_and_tabs() -> None:
    text = f"line one{ESC}\n\tindented{BEL}\r\nthird\rfourth{RLO}\x0b\x0c"
    assert strip_controls(text, multiline=True) == "line one\n\tindented\nthird\nfourth"


def test_clean_takes_controls_out_of_every_text() -> None:
    dirty = replace(
        PAPER,
        title=f"Evil{ESC}]0;pwned{BEL} title{RLO}",
        abstract=f"Para one{ESC}[2J.\n\n\tPara two{CSI}.",
        authors=(Author(f"Ann{NUL} Author", (f"Uni{LRI}versity",)), Author("Bo")),
        comment=f"10 pages{BEL}",
        journal_ref=f"ACL{PDI} 2023",
        categories=(f"cs.CL{ESC}", "cs.AI"),
    )
    cleaned, warnings = clean(dirty)
    assert cleaned == replace(
        PAPER,
        title="Evil]0;pwned title",
        abstract="Para one[2J.\n\n\tPara two.",
        authors=(Author("Ann Author", ("University",)), Author("Bo")),
        comment="10 pages",
        journal_ref="ACL 2023",
        categories=("cs.CL", "cs.AI"),
    )
    assert warnings == []


def test_a_clean_record_is_returned_as_it_is() -> None:
    for record in (
        PAPER,
        DATASET,
        REPO,
        PaperPage("hfpaper:1", "https://huggingface.co/papers/1", 2, "https://github.com/o/r"),
    ):
        cleaned, warnings = clean(record)
        assert cleaned is record and warnings == []


def test_links_that_are_not_http_are_dropped_with_a_warning() -> None:
    cleaned, warnings = clean(replace(REPO, homepage="javascript:alert(1)"))
    assert cleaned == replace(REPO, homepage=None)
    assert warnings == [
        "The homepage of gh:o/r, 'javascript:alert(1)', is not an http(s) URL; it was dropped."
    ]
    page = PaperPage(
        "hfpaper:2204.05862", "https://huggingface.co/papers/2204.05862", 3, "data:text/html,<b>"
    )
    cleaned, warnings = clean(page)
    assert cleaned == replace(page, github_repo=None)
    assert warnings == [
        "The code link of hfpaper:2204.05862, 'data:text/html,<b>', is not an http(s) URL; "
        "it was dropped."
    ]
    # http and https in any case are links; a scheme-relative or spaced one is not.
    for good in ("http://o.example", "HTTPS://O.EXAMPLE/x?y=1"):
        assert clean(replace(REPO, homepage=good)) == (replace(REPO, homepage=good), [])
    for bad in ("//o.example", "https://o.example/a b", "ftp://o.example", "o.example", "https:/x"):
        assert clean(replace(REPO, homepage=bad))[0].homepage is None, bad


def test_a_repository_page_that_is_not_http_falls_back_to_its_name() -> None:
    cleaned, warnings = clean(replace(REPO, url="javascript:alert(1)"))
    assert cleaned.url == "https://github.com/o/r"
    assert warnings == [
        "The page of gh:o/r, 'javascript:alert(1)', is not an http(s) URL; it was dropped."
    ]
    folder = replace(REPO, id="gh:o/r/a/b", path="a/b", url="file:///etc/passwd")
    assert clean(folder)[0].url == "https://github.com/o/r/tree/main/a/b"
    assert (
        clean(replace(folder, default_branch=None))[0].url == "https://github.com/o/r/tree/HEAD/a/b"
    )


def test_paper_and_dataset_links_fall_back_to_their_ids() -> None:
    paper, warnings = clean(replace(PAPER, url="javascript:a", pdf_url="data:b"))
    assert (paper.url, paper.pdf_url) == (
        "https://arxiv.org/abs/2305.01937",
        "https://arxiv.org/pdf/2305.01937",
    )
    assert warnings == [
        "The page of arxiv:2305.01937, 'javascript:a', is not an http(s) URL; it was dropped.",
        "The PDF link of arxiv:2305.01937, 'data:b', is not an http(s) URL; it was dropped.",
    ]
    dataset, _ = clean(replace(DATASET, url="ftp://x"))
    assert dataset.url == "https://huggingface.co/datasets/a/b"


def test_a_page_link_that_is_not_http_is_no_page() -> None:
    page = PaperPage("hfpaper:1", "javascript:x", 2, None)
    assert clean(page)[0] == PaperPage("hfpaper:1", None, 2, None)


def test_a_url_with_a_control_character_is_cleaned_not_dropped() -> None:
    cleaned, warnings = clean(replace(REPO, homepage=f"https://o.example/{ESC}x"))
    assert cleaned.homepage == "https://o.example/x" and warnings == []


def test_card_links_to_scripts_and_data_go() -> None:
    card = (
        "See [the docs](javascript:alert(1)) and [more](JavaScript:void(0)).\n"
        "![logo](data:image/svg+xml;base64,PHN2Zz4=) stays as its alt text.\n"
        "[ok](https://example.org/) and <vbscript:msgbox> and [spaced]( javascript :x)\n"
        "[ref]: javascript:alert(2)\n"
        "   [ref2]: <data:text/html,x>\n"
        "Last line."
    )
    assert clean_card(card) == (
        "See the docs and more.\n"
        "logo stays as its alt text.\n"
        "[ok](https://example.org/) and  and spaced\n"
        "Last line."
    )
    cleaned, warnings = clean(replace(DATASET, summary=card))
    assert cleaned.summary == clean_card(card)
    assert warnings == [
        "The card of hf:a/b linked to javascript:, vbscript: or data: targets; those links "
        "were dropped."
    ]


def test_a_card_keeps_its_lines_and_tabs_but_not_its_controls() -> None:
    cleaned, _ = clean(replace(DATASET, summary=f"# Card{ESC}[1m\n\n\tcode{NUL}\r\n- item{RLO}"))
    assert cleaned.summary == "# Card[1m\n\n\tcode\n- item"


# -- through the fetch pipeline --------------------------------------------------------


def test_add_stores_cleaned_github_text_and_warns(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    fakes.github.update(
        "CarperAI/trlx",
        description=f"RLHF {ESC}[2J{ESC}]0;owned{BEL}training{RLO} library",
        homepage="javascript:alert(document.cookie)",
    )
    result = run("add", "gh:CarperAI/trlx", "-s", "rlhf")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "gh:CarperAI/trlx  [rlhf]\n  trlx\n  RLHF [2J]0;ownedtraining library\n  4697 stars\n"
    )
    assert result.stderr == (
        "alignfetch: warning: The homepage of gh:CarperAI/trlx, "
        "'javascript:alert(document.cookie)', is not an http(s) URL; it was dropped.\n"
        "Added 1 entry to rlhf.\n"
    )
    row = Workspace(listdir / "entries.toml").cache.get(["gh:CarperAI/trlx"])["gh:CarperAI/trlx"]
    assert row.record["homepage"] is None
    assert row.record["description"] == "RLHF [2J]0;ownedtraining library"
    readme = run("render").stdout
    assert ESC not in readme and RLO not in readme and "javascript" not in readme
    assert "*RLHF \\[2J\\]0;ownedtraining library*" in readme


def test_refresh_reports_what_it_dropped_and_stores_none_of_it(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "gh:CarperAI/trlx", "-s", "rlhf").exit_code == 0
    fakes.github.update("CarperAI/trlx", homepage="vbscript:x", archived=True)
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Checked 1 entry: 1 changed.\n\n"
        "- gh:CarperAI/trlx: archived by its owners\n\n"
        "Warnings:\n"
        "- gh:CarperAI/trlx: The homepage of gh:CarperAI/trlx, 'vbscript:x', is not an http(s) "
        "URL; it was dropped.\n"
    )
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["homepage"] is None and entry["archived"] is True


def test_arxiv_text_reaches_neither_the_terminal_nor_the_readme_with_controls(
    fakes: Fakes, listdir: Path
) -> None:
    """C1 controls and bidi overrides are legal in XML 1.0, so a feed can carry them;
    the arXiv source also trims and joins the whitespace of titles and names."""
    entry = fakes.arxiv.entry("2305.01937").decode()
    entry = entry.replace(
        "<title>Can Large Language Models Be an Alternative to Human Evaluations?</title>",
        f"<title>  Can Large{CSI}2J Language\n   Models {RLO}Be an Alternative{PDI}?  </title>",
    )
    entry = entry.replace(
        "<name>Cheng-Han Chiang</name>", f"<name>  Cheng-Han{LRI}\n  Chiang </name>"
    )
    fakes.arxiv.put(entry)
    result = run("add", "2305.01937", "-s", "evaluation")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "arxiv:2305.01937  [evaluation]\n"
        "  Can Large2J Language Models Be an Alternative?\n"
        "  Cheng-Han Chiang, Hung-yi Lee\n"
        "  3 May 2023\n"
    )
    shown = json.loads(run("show", "2305.01937", "--json").stdout)
    assert shown["title"] == "Can Large2J Language Models Be an Alternative?"
    assert shown["authors"] == ["Cheng-Han Chiang", "Hung-yi Lee"]
    readme = run("render").stdout
    assert not any(c in readme for c in (CSI, RLO, LRI, NEL))
    assert (
        "**Can Large2J Language Models Be an Alternative?** \\\n*Cheng-Han Chiang, Hung-yi Lee*"
        in readme
    )


def test_hub_card_and_code_link_are_cleaned(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    key = "anthropic/hh-rlhf"
    fakes.hub.cards[key] = fakes.hub.cards[key].replace(
        "This repository provides access to two different kinds of data:",
        f"This repository provides [access](javascript:alert(1)) to two {ESC}[31mdifferent{RLO} "
        "kinds ![x](data:image/png;base64,AAAA) of data:",
    )
    result = run("add", "hf:Anthropic/hh-rlhf", "-s", "english")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "alignfetch: warning: The card of hf:Anthropic/hh-rlhf linked to javascript:, vbscript: "
        "or data: targets; those links were dropped.\n"
        "Added 1 entry to english.\n"
    )
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["summary"].startswith(
        "This repository provides access to two [31mdifferent kinds x of data:\n\n- Human "
    )
    readme = run("render").stdout
    assert "javascript" not in readme and "data:image" not in readme and ESC not in readme
    assert run("refresh", "--all").stdout == "Checked 1 entry: nothing changed.\n"


def test_a_paper_pages_code_link_that_is_not_http_is_dropped(fakes: Fakes, listdir: Path) -> None:
    fakes.hub.papers["2204.05862"]["githubRepo"] = "javascript:alert(2)"
    result = run("add", "2204.05862", "-s", "safety")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "alignfetch: warning: The code link of hfpaper:2204.05862, 'javascript:alert(2)', is "
        "not an http(s) URL; it was dropped.\n"
        "Added 1 entry to safety.\n"
    )
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["code_url"] is None
    assert entry["hf_paper"] == {"url": "https://huggingface.co/papers/2204.05862", "upvotes": 2}
    assert "javascript" not in run("render").stdout


def test_reference_card_fixture_is_unchanged_by_cleaning() -> None:
    """The recorded cards hold nothing to clean: cleaning must not alter honest text."""
    for card in sorted((DATA / "reference" / "hf").glob("card_*.md")):
        text = card.read_text(encoding="utf-8")
        assert clean_card(text) == text
        assert strip_controls(text, multiline=True) == text.replace("\r\n", "\n")


# -- the record's stored form -----------------------------------------------------------


def test_a_record_round_trips_through_its_stored_form() -> None:
    paper = replace(
        PAPER, authors=(Author("Ann", ("U1", "U2")), Author("Bo")), categories=("cs.CL", "cs.AI")
    )
    data = to_dict(paper)
    assert list(data)[:3] == ["kind", "id", "version"]
    assert data["kind"] == "paper"
    assert data["authors"] == [
        {"name": "Ann", "affiliations": ["U1", "U2"]},
        {"name": "Bo", "affiliations": []},
    ]
    assert data["categories"] == ["cs.CL", "cs.AI"]
    assert from_dict(data) == paper
    assert from_dict(json.loads(json.dumps(data))) == paper
    # Fields a newer alignfetch wrote and this one does not know are ignored;
    # fields an older one did not write take their defaults.
    repo = to_dict(REPO)
    repo["forks"] = 3
    del repo["topics"], repo["default_branch"], repo["redirected_from"]
    assert from_dict(repo) == replace(REPO, topics=(), default_branch=None)
    assert from_dict(to_dict(DATASET)) == DATASET


def test_related_ids() -> None:
    assert related_ids(PAPER) == ["hfpaper:2305.01937", "s2:2305.01937", "openalex:2305.01937"]
    assert related_ids(replace(DATASET, papers=("arxiv:1", "arxiv:2"))) == ["arxiv:1", "arxiv:2"]
    assert related_ids(REPO) == []
    assert page_id(replace(PAPER, id="arxiv:math/0309136")) == "hfpaper:math/0309136"
