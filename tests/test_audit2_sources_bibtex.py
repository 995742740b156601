"""Issue 18, second audit, finding 2: BibTeX written from what arXiv sent.

An arXiv entry's ``<arxiv:doi>`` (and its primary category) went into BibTeX unescaped,
so a ``}`` closed the field and the export gained fields, and entries, the feed wrote.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import bibtexparser
import pytest

from conftest import Fakes, run

PAPER = "2305.01937"
ARXIV_DOI = f"10.48550/arXiv.{PAPER}"


def serve(fakes: Fakes, edit: str) -> None:
    """Serve the paper's entry with ``edit`` (``old=>new``) made to its XML."""
    entry = fakes.arxiv.entry(PAPER).decode()
    old, new = edit.split("=>", 1)
    assert old in entry or old.startswith("re:")
    if old.startswith("re:"):
        entry = re.sub(old[3:], new, entry, count=1)
    else:
        entry = entry.replace(old, new, 1)
    fakes.arxiv.entries[PAPER] = {1: entry.encode()}


EXPECTED_FIELDS = {
    "title", "author", "year", "eprint", "archivePrefix", "primaryClass", "doi", "url"
}  # fmt: skip


def library(text: str) -> dict[str, dict[str, str]]:
    """A BibTeX file as bibtexparser reads it: each entry's fields by key; none failed."""
    parsed = bibtexparser.parse_string(text)
    assert parsed.failed_blocks == [], text
    assert [b for b in parsed.blocks if not isinstance(b, bibtexparser.model.Entry)] == [], text
    return {e.key: {f.key: f.value for f in e.fields} for e in parsed.entries}


def cited(paper_key: str = "chiang2023can") -> list[dict[str, str]]:
    """The paper's BibTeX from export and from cite (both formats' bibtex), one entry each."""
    out = []
    for cmd in (
        ["export", "--format", "bibtex"],
        ["cite", f"arxiv:{PAPER}"],
        ["cite", f"arxiv:{PAPER}", "--format", "bibtex"],
    ):
        result = run(*cmd)
        assert result.exit_code == 0, result.output
        entries = library(result.stdout)
        assert list(entries) == [paper_key], result.stdout
        assert set(entries[paper_key]) == EXPECTED_FIELDS, result.stdout
        out.append(entries[paper_key])
    return out


def csl_doi() -> str:
    result = run("export", "--format", "csl-json")
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.stdout)
    return str(item["DOI"])


JUNK_DOIS = {
    # A closing brace, then fields of the feed's own: bibtexparser read a `note`.
    "field": "10.1/x}, note={INJECTED} , y={",
    # Closing the entry, then a whole entry of the feed's own.
    "entry": "10.1/x}}\n@misc{evil, title={INJECTED}}",
    "backslash": "10.1000/x\\input{/etc/passwd}",
    "spaces": "10.1000/x and more",
    "html": "10.1000/&lt;b&gt;x",
    "no DOI": "see the journal",
}


# Bug: <arxiv:doi> went into the record as sent and into `doi = {...}` unescaped: the
# export and cite gained a note field, or a whole @misc entry, that the feed wrote; the
# CSL-JSON carried the junk as the paper's DOI.
@pytest.mark.parametrize("junk", list(JUNK_DOIS.values()), ids=list(JUNK_DOIS))
def test_an_arxiv_doi_that_is_no_doi_is_dropped_and_the_paper_kept(
    junk: str, fakes: Fakes, listdir: Path
) -> None:
    from xml.sax.saxutils import escape

    serve(fakes, f"</title>=></title><arxiv:doi>{escape(junk)}</arxiv:doi>")
    added = run("add", PAPER, "-s", "evaluation")
    assert added.exit_code == 0, added.output
    shown = json.loads(run("show", f"arxiv:{PAPER}", "--json").stdout)
    assert shown["doi"] is None
    assert shown["title"].startswith("Can Large Language Models")  # the rest of it kept
    for entry in cited():
        assert entry["doi"] == ARXIV_DOI
    assert csl_doi() == ARXIV_DOI
    assert "INJECTED" not in run("export", "--format", "bibtex").stdout


GOOD_DOIS = {
    "journal": ("10.18653/v1/2023.acl-long.870", "10.18653/v1/2023.acl-long.870"),
    "two, as arXiv separates them": (
        "10.1103/PhysRevD.76.013009 10.1103/PhysRevD.76.079902",
        "10.1103/PhysRevD.76.013009",
    ),
    "parentheses and colons": ("10.1016/S0550-3213(01)00405-9", "10.1016/S0550-3213(01)00405-9"),
}


# Bug the check must not become: a journal's DOI (or arXiv's list of them) dropped with the
# junk, so the citation lost the paper's published version.
@pytest.mark.parametrize(("given", "kept"), list(GOOD_DOIS.values()), ids=list(GOOD_DOIS))
def test_a_real_doi_is_kept_and_cited(given: str, kept: str, fakes: Fakes, listdir: Path) -> None:
    serve(fakes, f"</title>=></title><arxiv:doi>{given}</arxiv:doi>")
    assert run("add", PAPER, "-s", "evaluation").exit_code == 0
    assert json.loads(run("show", f"arxiv:{PAPER}", "--json").stdout)["doi"] == kept
    for entry in cited():
        assert entry["doi"] == kept
    assert csl_doi() == kept


# Bug: primaryClass went into BibTeX as the feed's `term` attribute said it, unescaped.
def test_an_arxiv_category_cannot_close_its_bibtex_field(fakes: Fakes, listdir: Path) -> None:
    serve(fakes, r're:(arxiv:primary_category[^>]*term=")[^"]*"=>\1cs.CL}, note={INJECTED}, x={"')
    assert run("add", PAPER, "-s", "evaluation").exit_code == 0
    for entry in cited():
        assert "INJECTED" in entry["primaryClass"]  # kept as text, inside its own field
        assert entry["doi"] == ARXIV_DOI


# Bug: a cache written before the DOI was checked holds the junk; citations.py wrote it
# into `doi = {...}` (and the paper's URL into `url = {...}`) as they were.
def test_a_cache_holding_junk_cites_safely(fakes: Fakes, listdir: Path) -> None:
    assert run("add", PAPER, "-s", "evaluation").exit_code == 0
    cache = listdir / ".alignfetch" / "cache.sqlite"
    rid = f"arxiv:{PAPER}"
    with sqlite3.connect(cache) as db:
        (text,) = db.execute("select record from records where id = ?", (rid,)).fetchone()
        record = json.loads(text)
        record["doi"] = "10.1/x}}\n@misc{evil, title={INJECTED}}"
        record["url"] = "https://arxiv.org/abs/x}, note={INJECTED"
        db.execute("update records set record = ? where id = ?", (json.dumps(record), rid))
    for entry in cited():
        assert entry["doi"] == ARXIV_DOI
        assert entry["url"] == "https://arxiv.org/abs/x%7D,%20note=%7BINJECTED"
    assert csl_doi() == ARXIV_DOI
