"""Only an ID and a section (issue 21): the venue, affiliation and citation counts come from
the scholarly graph (Semantic Scholar, OpenAlex) through the real pipeline, against the
fakes on 127.0.0.1; human values win; a failing source is a warning."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import bibtexparser
import pytest

from conftest import Fakes, run
from fakes import openalex as oa_data
from fakes import s2 as s2_data
from fakes.server import Response


@pytest.fixture
def graph(fakes: Fakes) -> Fakes:
    """The fakes, with Semantic Scholar and OpenAlex knowing the reference papers."""
    fakes.s2.papers.update(s2_data.items())
    fakes.openalex.works.update(oa_data.load())
    return fakes


def _line(text: str, marker: str) -> str:
    return next(line for line in text.splitlines() if marker in line)


def test_an_id_and_a_section_give_venue_and_affiliation(graph: Fakes, listdir: Path) -> None:
    """Catches a paper that still renders `arXiv 2023` though it appeared at ACL 2023, an
    affiliation that must be typed, and a preprint given a venue it never had."""
    for key in ("2305.01937", "2306.05685", "2204.05862"):
        assert run("add", key, "--section", "evaluation").exit_code == 0
    page = run("render").stdout
    assert "National Taiwan University, ACL 2023. [[Paper](https://arxiv.org/abs/2305.01937)]" in page
    assert ", NeurIPS 2023. [[Paper](https://arxiv.org/abs/2306.05685)" in page
    assert "arXiv 2022. [[Paper](https://arxiv.org/abs/2204.05862)" in page
    shown = run("show", "2305.01937").stdout
    assert "ACL 2023 (Semantic Scholar)" in shown
    assert "National Taiwan University (OpenAlex)" in shown


def test_typed_values_win(graph: Fakes, listdir: Path) -> None:
    """Catches a fetched venue or affiliation that overrules what the maintainer typed."""
    result = run(
        "add", "2305.01937", "--section", "evaluation", "--venue", "ACL 2023 (oral)",
        "--affiliation", "NTU",
    )
    assert result.exit_code == 0, result.output
    page = run("render").stdout
    assert "NTU, ACL 2023 (oral). [[Paper]" in page
    doc = json.loads(run("export").stdout)
    (paper,) = doc["entries"]
    assert (paper["venue_source"], paper["affiliation_source"]) == ("entries.toml", "entries.toml")


def test_the_export_carries_counts_and_their_sources(graph: Fakes, listdir: Path) -> None:
    """Catches citation counts or the published DOI lost between the cache and the export,
    and an export its own schema refuses."""
    import jsonschema

    assert run("add", "2305.01937", "--section", "evaluation").exit_code == 0
    doc = json.loads(run("export").stdout)
    schema = json.loads(
        (Path(__file__).parents[1] / "src/alignfetch/export.schema.json").read_text("utf-8")
    )
    jsonschema.validate(doc, schema)
    (paper,) = doc["entries"]
    item = s2_data.items()["2305.01937"]
    assert paper["citation_count"] == item["citationCount"]
    assert paper["influential_citation_count"] == item["influentialCitationCount"]
    assert paper["venue"] == "ACL 2023" and paper["venue_source"] == "Semantic Scholar"
    assert paper["affiliation_source"] == "OpenAlex"
    assert paper["publication"]["doi"] == "10.18653/v1/2023.acl-long.870"


def test_papers_cost_one_batch_each_and_affiliations_are_asked_once(
    graph: Fakes, listdir: Path
) -> None:
    """Catches one request per paper (a list of 1,000 would take 1,000 seconds at one a
    second), and affiliations asked again at every refresh though they never change."""
    keys = ["2305.01937", "2306.05685", "2204.05862", "2206.08325"]
    assert run("add", *keys, "--section", "evaluation").exit_code == 0
    assert len(graph.s2.batches) == 1 and len(graph.s2.batches[0].ids) == 4
    asked = len(graph.server.requests(r"^/works$"))
    assert asked == 1
    assert run("refresh", "--all").exit_code == 0
    assert len(graph.s2.batches) == 2  # citation counts move: asked again, in one batch
    assert len(graph.server.requests(r"^/works$")) == asked  # affiliations: never again


def test_a_publication_is_news_once(graph: Fakes, listdir: Path) -> None:
    """Catches a refresh that never says a preprint was published, or says it every
    night: the venue's first appearance is reported once, and the next refresh is quiet."""
    item = graph.s2.papers.pop("2305.01937")
    assert run("add", "2305.01937", "--section", "evaluation").exit_code == 0
    assert "arXiv 2023" in run("render").stdout
    graph.s2.papers["2305.01937"] = item
    first = run("refresh", "--all")
    assert first.exit_code == 0, first.output
    assert (
        "- arxiv:2305.01937: was published: ACL 2023 (doi 10.18653/v1/2023.acl-long.870)"
        in first.stdout
    )
    again = run("refresh", "--all")
    assert "was published" not in again.stdout
    assert again.stdout.startswith("Checked 1 entry: nothing changed.")


def test_a_failing_source_is_a_warning_and_keeps_what_was_known(
    graph: Fakes, listdir: Path
) -> None:
    """Catches an outage of the scholarly graph failing `add` (the paper is the entry;
    its venue is extra), or a failed refresh wiping the venue it had."""
    assert run("add", "2305.01937", "--section", "evaluation").exit_code == 0
    graph.s2.limited = True
    graph.server.fail(r"^/works$", Response(503, "busy"), times=100)
    refreshed = run("refresh", "--all")
    assert refreshed.exit_code == 0, refreshed.output
    assert "Warnings:" in refreshed.stdout and "Semantic Scholar" in refreshed.stdout
    assert "ACL 2023" in run("render").stdout
    added = run("add", "2306.05685", "--section", "evaluation")
    assert added.exit_code == 0, added.output
    assert "Semantic Scholar" in added.stderr


def test_sources_can_be_switched_off(graph: Fakes, listdir: Path) -> None:
    """Catches `[sources]` switches that do nothing: a list that does not want the
    scholarly graph asked must not send it a single request."""
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write("\n[sources]\nsemantic_scholar = false\nopenalex = false\n")
    assert run("add", "2305.01937", "--section", "evaluation").exit_code == 0
    assert graph.s2.batches == [] and graph.server.requests(r"^/works$") == []
    assert "arXiv 2023" in run("render").stdout


def test_bibtex_of_a_published_paper(graph: Fakes, listdir: Path) -> None:
    """Catches a citation of the preprint for a paper published at ACL: it is
    @inproceedings with its booktitle and the published DOI, keeps the arXiv eprint, and
    parses back."""
    assert run("add", "2305.01937", "--section", "evaluation").exit_code == 0
    text = run("export", "--format", "bibtex").stdout
    (entry,) = bibtexparser.parse_string(text).entries
    assert entry.entry_type == "inproceedings"
    assert entry["booktitle"].startswith("Annual Meeting of the Association")
    assert entry["doi"] == "10.18653/v1/2023.acl-long.870"
    assert entry["eprint"] == "2305.01937" and entry["year"] == "2023"
    csl = json.loads(run("export", "--format", "csl-json").stdout)[0]
    assert csl["type"] == "paper-conference" and csl["DOI"] == "10.18653/v1/2023.acl-long.870"


def test_check_warns_of_a_venue_the_graph_contradicts(graph: Fakes, listdir: Path) -> None:
    """Catches a README that still says `arXiv 2023` for a paper of ACL 2023, unnoticed."""
    (listdir / "README.md").write_text(
        "# L\n\n## Evaluation\n\n"
        "**Can Large Language Models Be an Alternative to Human Evaluations?** \\\n"
        "*Cheng-Han Chiang, Hung-yi Lee* \\\n"
        "National Taiwan University, arXiv 2023. [[Paper](https://arxiv.org/abs/2305.01937)]\n",
        encoding="utf-8",
    )
    checked = run("check", "--format", "json", "README.md")
    venue = [f for f in json.loads(checked.stdout)["findings"] if f["rule"] == "venue"]
    assert len(venue) == 1
    assert venue[0]["severity"] == "warning"
    assert "published at ACL 2023" in venue[0]["message"]


def test_order_by_citations(graph: Fakes, listdir: Path) -> None:
    """Catches `order = "citations"` ignored: the most cited paper comes first."""
    keys = ["2204.05862", "2305.01937", "2306.05685"]
    assert run("add", *keys, "--section", "evaluation").exit_code == 0
    text = (listdir / "entries.toml").read_text(encoding="utf-8")
    (listdir / "entries.toml").write_text(
        text.replace('title = "Awesome-LLM-Alignment"', 'title = "Awesome-LLM-Alignment"\norder = "citations"', 1),
        encoding="utf-8",
    )
    page = run("render").stdout
    counts = {k: s2_data.items()[k].get("citationCount") or -1 for k in keys}
    shown = sorted(keys, key=lambda k: page.index(f"arxiv.org/abs/{k})"))
    assert shown == sorted(keys, key=lambda k: counts[k], reverse=True)


def test_import_drops_a_typed_venue_the_graph_gives(graph: Fakes, listdir: Path) -> None:
    """Catches import pinning a venue as an override though Semantic Scholar says the
    same (the source could then never correct it); a venue it says otherwise stays."""
    assert run("add", "2306.05685", "2305.01937", "--section", "evaluation").exit_code == 0
    assert run("remove", "2306.05685").exit_code == 0  # its cached records stay
    assert run("remove", "2305.01937").exit_code == 0
    (listdir / "README.md").write_text(
        "# L\n\n## More\n\n"
        "**Judging LLM-as-a-judge** \\\nUC Berkeley, NeurIPS 2023. "
        "[[Paper](https://arxiv.org/abs/2306.05685)]\n\n"
        "**Can Large Language Models Be an Alternative** \\\nNTU, EMNLP 2023. "
        "[[Paper](https://arxiv.org/abs/2305.01937)]\n",
        encoding="utf-8",
    )
    assert run("import", "--house-style", "README.md").exit_code == 0
    data = tomllib.loads((listdir / "entries.toml").read_text(encoding="utf-8"))
    by_id = {e["id"]: e for e in data["entries"]}
    assert "venue" not in by_id["arxiv:2306.05685"]
    assert by_id["arxiv:2306.05685"]["affiliation"] == "UC Berkeley"
    assert by_id["arxiv:2305.01937"]["venue"] == "EMNLP 2023"


# -- web pages of url: entries ------------------------------------------------------------


@pytest.fixture
def pages(fakes: Fakes) -> Fakes:
    from fakes.pages import FakePages

    FakePages(fakes.server)
    return fakes


def test_a_web_page_says_what_it_is(pages: Fakes, listdir: Path) -> None:
    """Catches a `url:` entry that shows its URL as its title: a paper page's citation_*
    tags give its title and authors, a blog post's OpenGraph its title and description."""
    acl = f"{pages.server.url}/2023.acl-long.870/"
    blog = f"{pages.server.url}/posts/2024-11-28-reward-hacking/"
    added = run("add", acl, blog, "--section", "papers")
    assert added.exit_code == 0, added.output
    doc = json.loads(run("export").stdout)
    paper, post = doc["entries"]
    assert paper["title"].startswith("Can Large Language Models Be an Alternative")
    assert paper["authors"][:2] == ["Cheng-Han Chiang", "Hung-yi Lee"]
    assert post["read"] and post["title"] and post["description"]
    page = run("render").stdout
    assert f"[{paper['title']}]({acl})" in page


def test_a_private_address_is_refused_without_a_request(
    pages: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a list's URL that reaches inside (the fake on 127.0.0.1 stands for an
    intranet): refused before any request, the entry added from its URL alone, a warning."""
    monkeypatch.delenv("ALIGNFETCH_ALLOW_PRIVATE_NETWORK")
    url = f"{pages.server.url}/2023.acl-long.870/"
    added = run("add", url, "--section", "papers")
    assert added.exit_code == 0, added.output
    assert "loopback" in added.stderr
    assert pages.server.requests(r"^/2023") == []
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["title"] == url and entry["read"] is False


def test_a_web_pages_authors_reach_the_page(pages: Fakes, listdir: Path) -> None:
    """Catches a page's citation_author tags read but never shown: the default page
    writes a link entry's authors after its title."""
    acl = f"{pages.server.url}/2023.acl-long.870/"
    assert run("add", acl, "--section", "papers").exit_code == 0
    line = _line(run("render").stdout, acl)
    assert line.startswith("- [Can Large Language Models Be an Alternative")
    assert f"]({acl}) - *Cheng-Han Chiang, Hung-yi Lee* - " in line
