"""The export's entry form, built from records by hand: every field written out."""

from __future__ import annotations

from dataclasses import replace

from alignfetch.list.entries import Entry
from alignfetch.list.export import dumps, entry_json, linked_paper
from alignfetch.records import Author, Dataset, Paper, PaperPage, Repo
from alignfetch.workspace import Item

PAPER = Paper(
    id="arxiv:2305.01937",
    version=2,
    title="T",
    abstract="A",
    authors=(Author("Ann", ("U",)), Author("Bo")),
    published="2023-05-03",
    updated="2023-06-01",
    primary_category="cs.CL",
    categories=("cs.CL",),
    comment=None,
    journal_ref=None,
    doi=None,
    url="https://arxiv.org/abs/2305.01937",
    pdf_url="https://arxiv.org/pdf/2305.01937",
)
PAGE = PaperPage(
    "hfpaper:2305.01937", "https://huggingface.co/papers/2305.01937", 7, "https://github.com/o/code"
)
DATASET = Dataset(
    id="hf:a/b",
    title="a/b",
    url="https://huggingface.co/datasets/a/b",
    author="a",
    sha="1",
    last_modified=None,
    created="2023-01-01",
    license=("mit",),
    languages=("zh",),
    task_categories=(),
    size_categories=(),
    downloads=1,
    likes=2,
    gated="manual",
    private=False,
    disabled=False,
    papers=("arxiv:2305.01937", "arxiv:2401.00001"),
    summary="知乎",
)


def test_a_paper_with_its_page_and_overrides() -> None:
    entry = Entry("arxiv:2305.01937", "s", title="Mine", venue="ACL 2023", date="2023-05-04")
    got = entry_json(Item(entry, PAPER, {PAGE.id: PAGE}))
    assert got == {
        "id": "arxiv:2305.01937",
        "kind": "paper",
        "section": "s",
        "sections": ["s"],
        "version": 2,
        "title": "Mine",
        "abstract": "A",
        "authors": ["Ann", "Bo"],
        "affiliations": [["U"], []],
        "published": "2023-05-03",
        "updated": "2023-06-01",
        "primary_category": "cs.CL",
        "categories": ["cs.CL"],
        "comment": None,
        "journal_ref": None,
        "doi": None,
        "url": "https://arxiv.org/abs/2305.01937",
        "pdf_url": "https://arxiv.org/pdf/2305.01937",
        "hf_paper": {"url": "https://huggingface.co/papers/2305.01937", "upvotes": 7},
        "code_url": "https://github.com/o/code",
        "citation_count": None,
        "influential_citation_count": None,
        "publication": None,
        "description": None,
        "venue": "ACL 2023",
        "affiliation": None,
        "venue_source": "entries.toml",
        "affiliation_source": None,
        "date": "2023-05-04",
        "links": {},
        "overrides": {"title": "Mine", "venue": "ACL 2023", "date": "2023-05-04"},
    }
    assert list(got)[:3] == ["id", "kind", "section"]


def test_a_paper_without_a_page_and_a_maintainers_code_link() -> None:
    entry = Entry("arxiv:2305.01937", "s", links=(("Github", "https://github.com/me/mine"),))
    nopage = PaperPage("hfpaper:2305.01937", None)
    got = entry_json(Item(entry, PAPER, {nopage.id: nopage}))
    assert got["hf_paper"] is None and got["code_url"] == "https://github.com/me/mine"
    assert got["links"] == {"Github": "https://github.com/me/mine"}
    assert got["title"] == "T" and got["overrides"] == {
        "links": {"Github": "https://github.com/me/mine"}
    }
    assert entry_json(Item(Entry(PAPER.id, "s"), PAPER, {nopage.id: nopage}))["code_url"] is None


def test_a_dataset_its_papers_and_its_gating() -> None:
    got = entry_json(Item(Entry("hf:a/b", "d"), DATASET, {PAPER.id: PAPER}))
    assert got["papers"] == [
        {
            "id": "arxiv:2305.01937",
            "title": "T",
            "authors": ["Ann", "Bo"],
            "url": "https://arxiv.org/abs/2305.01937",
            "published": "2023-05-03",
        },
        {"id": "arxiv:2401.00001", "title": None, "authors": [], "url": None, "published": None},
    ]
    assert (got["gated"], got["gating"]) == (True, "manual")
    assert got["license"] == ["mit"] and got["summary"] == "知乎" and got["description"] is None
    open_ = entry_json(Item(Entry("hf:a/b", "d"), replace(DATASET, gated=None), {}))
    assert (open_["gated"], open_["gating"]) == (False, None)
    assert linked_paper("arxiv:2305.01937", {"arxiv:2305.01937": DATASET})["title"] is None


def test_a_repository() -> None:
    repo = Repo(
        id="gh:o/r",
        title="r",
        url="https://github.com/o/r",
        full_name="o/r",
        path=None,
        description="d",
        stars=5,
        pushed_at=None,
        license="MIT",
        archived=False,
        homepage=None,
    )
    got = entry_json(Item(Entry("gh:o/r", "c", description="mine"), repo))
    assert got["description"] == "mine" and got["stars"] == 5 and "gated" not in got
    assert got["topics"] == [] and got["redirected_from"] is None


def test_dumps_writes_utf8_indented_with_one_newline() -> None:
    assert (
        dumps({"a": ["知乎", 1], "b": None})
        == '{\n  "a": [\n    "知乎",\n    1\n  ],\n  "b": null\n}\n'
    )
