"""What the sources keep, and what they never cache as a fact: whitespace in titles and
names, paper pages asked again after a week, transient page failures not remembered."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alignfetch.config import Settings
from alignfetch.records import Author, Paper, PaperPage
from alignfetch.sources import Fetched, hf_datasets, hf_papers
from alignfetch.sources import arxiv as arxiv_source
from conftest import Fakes, run
from fakes.server import Response

# arXiv's feed as it comes for titles that wrap: newlines, runs of spaces, tabs, and
# the non-breaking and thin spaces some submitters paste.
MESSY = """<entry xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
    <id>http://arxiv.org/abs/2301.00001v3</id>
    <title>  Can Large   Language
      Models\tBe an\u00a0Alternative?  </title>
    <updated>2023-05-09T07:28:50Z</updated>
    <summary>
  Human evaluation is   indispensable.
  We present   the LLMs\u2009with the same instructions.
</summary>
    <category term="cs.CL" scheme="http://arxiv.org/schemas/atom"/>
    <published>2023-01-01T07:28:50Z</published>
    <arxiv:primary_category term="cs.CL"/>
    <arxiv:journal_ref>  ACL   2023 </arxiv:journal_ref>
    <author>
      <name>  Cheng-Han
        Chiang </name>
      <arxiv:affiliation>  National Taiwan
        University </arxiv:affiliation>
    </author>
    <author>
      <name>Hung-yi\u00a0 Lee</name>
    </author>
  </entry>"""

GOLDEN = Paper(
    id="arxiv:2301.00001",
    version=3,
    title="Can Large Language Models Be an Alternative?",
    abstract="Human evaluation is indispensable. We present the LLMs with the same instructions.",
    authors=(
        Author("Cheng-Han Chiang", ("National Taiwan University",)),
        Author("Hung-yi Lee", ()),
    ),
    published="2023-01-01",
    updated="2023-05-09",
    primary_category="cs.CL",
    categories=("cs.CL",),
    comment=None,
    journal_ref="ACL 2023",
    doi=None,
    url="https://arxiv.org/abs/2301.00001",
    pdf_url="https://arxiv.org/pdf/2301.00001",
)


def test_titles_names_and_abstracts_are_trimmed_and_normalised(fakes: Fakes) -> None:
    fakes.arxiv.put(MESSY)
    s = Settings(arxiv_url=f"{fakes.server.url}/api/query", arxiv_delay=0, retries=0)
    got = arxiv_source.fetch(["2301.00001"], s, {})["2301.00001"]
    assert isinstance(got, Fetched)
    assert got.record == GOLDEN


def _age(folder: Path, rid: str, days: float) -> None:
    when = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        assert (
            db.execute("UPDATE records SET fetched_at = ? WHERE id = ?", (when, rid)).rowcount == 1
        )


def _page(folder: Path, rid: str) -> str | None:
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        row = db.execute("SELECT record FROM records WHERE id = ?", (rid,)).fetchone()
    return None if row is None else str(row[0])


def test_a_paper_without_a_page_is_asked_again_after_a_week(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0  # the Hub has no page
    assert len(fakes.server.requests("^/api/papers/2305.01937$")) == 1
    assert '"url": null' in (_page(listdir, "hfpaper:2305.01937") or "")
    assert run("refresh", "--all").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 1  # a day later: not yet
    _age(listdir, "hfpaper:2305.01937", 6.9)
    assert run("refresh", "--all").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 1
    _age(listdir, "hfpaper:2305.01937", 7.1)
    assert run("refresh", "--all").exit_code == 0
    assert len(fakes.server.requests("^/api/papers/")) == 2  # a week on: asked again


def test_a_transient_page_failure_is_not_cached_and_is_asked_again(
    fakes: Fakes, listdir: Path
) -> None:
    fakes.server.fail("^/api/papers/", Response(503, "busy"), times=3)  # every attempt of one add
    result = run("add", "2305.16960", "-s", "evaluation")
    assert result.exit_code == 0
    assert result.stderr == (
        "alignfetch: warning: The Hugging Face Hub answered HTTP 503 for arxiv:2305.16960 after "
        "3 attempts; try again later.\nAdded 1 entry to evaluation.\n"
    )
    assert _page(listdir, "hfpaper:2305.16960") is None  # not "no page"
    result = run("refresh", "--all")
    assert (result.exit_code, result.stdout) == (0, "Checked 1 entry: nothing changed.\n")
    assert len(fakes.server.requests("^/api/papers/")) == 4
    assert '"url": "https://huggingface.co/papers/2305.16960"' in (
        _page(listdir, "hfpaper:2305.16960") or ""
    )


def test_a_rate_limited_page_is_not_cached_as_missing(fakes: Fakes, listdir: Path) -> None:
    fakes.server.fail("^/api/papers/", Response(429, '{"error":"rate"}'), times=3)
    assert run("add", "2305.16960", "-s", "evaluation").exit_code == 0
    assert _page(listdir, "hfpaper:2305.16960") is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tags", 5),
        ("tags", [1, 2]),
        ("cardData", [1]),
        ("sha", 5),
        ("id", 5),
        ("lastModified", "yesterday"),
    ],
)
def test_a_dataset_answer_of_the_wrong_shape_fails_its_id(
    fakes: Fakes, field: str, value: object
) -> None:
    fakes.hub.datasets["anthropic/hh-rlhf"][field] = value
    s = Settings(hf_endpoint=fakes.server.url, retries=0)
    got = hf_datasets.fetch(["Anthropic/hh-rlhf", "liyucheng/zhihu_rlhf_3k"], s, {})
    assert str(got["Anthropic/hh-rlhf"]) == (
        "The Hugging Face Hub sent an answer for hf:Anthropic/hh-rlhf that alignfetch could not "
        "read; try again later."
    )
    assert isinstance(got["liyucheng/zhihu_rlhf_3k"], Fetched)


def test_page_fields_of_the_wrong_type_are_dropped(fakes: Fakes) -> None:
    fakes.hub.papers["2305.16960"].update(upvotes="many", githubRepo=5)
    s = Settings(hf_endpoint=fakes.server.url, retries=0)
    got = hf_papers.fetch(["2305.16960"], s, {})["2305.16960"]
    assert isinstance(got, Fetched)
    assert got.record == PaperPage(
        id="hfpaper:2305.16960", url="https://huggingface.co/papers/2305.16960"
    )


def test_a_card_gone_404_keeps_the_last_summary_and_is_asked_again(fakes: Fakes) -> None:
    from alignfetch.sources import Previous

    s = Settings(hf_endpoint=fakes.server.url, retries=0)
    first = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, {})["Anthropic/hh-rlhf"]
    assert isinstance(first, Fetched) and first.record.summary  # type: ignore[union-attr]
    before = {"Anthropic/hh-rlhf": Previous(first.record, first.raw, None)}
    fakes.hub.set_sha("Anthropic/hh-rlhf", "1" * 40)
    del fakes.hub.cards["anthropic/hh-rlhf"]  # the README is gone: 404 EntryNotFound
    second = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, before)["Anthropic/hh-rlhf"]
    assert isinstance(second, Fetched)
    assert second.record.summary == first.record.summary  # type: ignore[union-attr]
    assert second.record.sha == "1" * 40  # type: ignore[union-attr]
    assert second.warning == (
        "The dataset card of hf:Anthropic/hh-rlhf could not be read (HTTP 404); "
        "its last good summary is kept."
    )
    raw = json.loads(second.raw)
    assert raw["card_sha"] == "e2850bb43d9154dc2fc82b016759a222d72c445f"  # still the old one
    # Asked again next time, since the card kept is not the new commit's.
    again = {"Anthropic/hh-rlhf": Previous(second.record, second.raw, None)}
    cards = len(fakes.server.requests("/resolve/"))
    hf_datasets.fetch(["Anthropic/hh-rlhf"], s, again)
    assert len(fakes.server.requests("/resolve/")) == cards + 1


def test_a_dataset_without_a_card_is_no_warning(fakes: Fakes) -> None:
    del fakes.hub.cards["liyucheng/zhihu_rlhf_3k"]
    s = Settings(hf_endpoint=fakes.server.url, retries=0)
    got = hf_datasets.fetch(["liyucheng/zhihu_rlhf_3k"], s, {})["liyucheng/zhihu_rlhf_3k"]
    assert isinstance(got, Fetched) and got.warning is None
    assert got.record.summary is None  # type: ignore[union-attr]
    assert json.loads(got.raw)["card_sha"] == "491fe7fffd8f4770395dcd26b3ffcd1869f6abd6"
