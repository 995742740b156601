"""discover: arXiv's listings and the Hub's daily papers, merged, ranked, cached, rejected.

The feeds are real recordings or built from real items (tests/data/discover/README.md says
which); the daily papers are the recorded Hub answer. Expected values were read off the
fixtures by hand.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alignfetch.discover import Candidate, Config, Listed, markdown, merge, rank
from alignfetch.errors import SourceError
from alignfetch.sources import arxiv_rss, hf_daily
from conftest import DATA, Fakes, run, state
from fakes.rss import FakeRss
from fakes.server import Response

ROOT = Path(__file__).parents[1]
FEEDS = DATA / "discover"
BOTH = "cs.CL+cs.LG"
# In the constructed feed: five papers new to the list...
FROM_FEED = {
    "arxiv:2411.17792",  # new, H^3Fusion (helpful, harmless, honest)
    "arxiv:2411.18444",  # new, meeting summaries judged by LLMs
    "arxiv:2411.18242",  # new, Thai financial LLM
    "arxiv:2405.12090",  # cross, synchrotron beams
    "arxiv:2606.07867",  # new, and in the Hub's daily papers too
}
# ...and what must never be proposed: a replaced paper, and two papers of the list.
NEVER = {"arxiv:2410.23558", "arxiv:2305.01937", "arxiv:2204.05862"}


@pytest.fixture
def rss(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> FakeRss:
    fake = FakeRss(fakes.server)
    fake.serve(BOTH, FEEDS / "constructed_cs.CL+cs.LG.xml")
    monkeypatch.setenv("ALIGNFETCH_ARXIV_RSS_URL", f"{fakes.server.url}/rss")
    return fake


@pytest.fixture
def project(fakes: Fakes, rss: FakeRss, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's own list, fetched into its cache, reading cs.CL and cs.LG."""
    text = (ROOT / "entries.toml").read_text(encoding="utf-8")
    (tmp_path / "entries.toml").write_text(
        text + '\n[discover]\ncategories = ["cs.CL", "cs.LG"]\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert run("refresh").exit_code == 0
    return tmp_path


def daily_requests(fakes: Fakes) -> list[str]:
    return [r.arg("date") for r in fakes.server.requests(r"^/api/daily_papers$")]


def candidates(*args: str) -> dict[str, dict[str, object]]:
    result = run("discover", "--json", "--top", "100", *args)
    assert result.exit_code == 0, result.output
    return {c["id"]: c for c in json.loads(result.stdout)["candidates"]}


# -- the sources' conversions (pure) ----------------------------------------------


def test_a_real_listing_reads_ids_types_authors_abstracts_and_categories() -> None:
    items = arxiv_rss.convert((FEEDS / "arxiv_rss_cs.CL_trimmed.xml").read_bytes(), "u")
    assert [(a.id, a.version, a.announce_type) for a in items] == [
        ("arxiv:2604.22002", 1, "new"),
        ("arxiv:2604.22027", 1, "new"),
        ("arxiv:2604.22038", 1, "new"),
    ]
    first = items[0]
    assert first.title == (
        "When Cow Urine Cures Constipation on YouTube: Limits of LLMs in Detecting "
        "Culture-specific Health Misinformation"
    )
    # "Ratna Kandala,  Deepti": a one-word name after a double space is still a name.
    assert first.authors == (
        "Anamta Khan",
        "Ratna Kandala",
        "Deepti",
        "Sheza Munir",
        "Joyojeet Pal",
    )
    assert first.abstract.startswith("Social media platforms have become primary channels")
    assert "Announce Type" not in first.abstract and "arXiv:2604" not in first.abstract
    assert first.abstract.endswith("cannot be retrofitted through prompt engineering alone.")
    assert first.categories == ("cs.CL",)
    assert first.announced == "2026-04-27"


def test_a_whole_day_of_arxiv_keeps_every_item_and_drops_affiliations() -> None:
    items = arxiv_rss.convert((FEEDS / "arxiv_rss_multi_archive_2024-11-28.xml").read_bytes(), "u")
    kinds = [a.announce_type for a in items]
    assert (len(items), kinds.count("new"), kinds.count("replace"), kinds.count("cross")) == (
        1504,
        926,
        569,
        9,
    )
    byid = {a.id: a for a in items}
    # Affiliations in parentheses hold commas of their own.
    assert byid["arxiv:2411.17792"].authors[:2] == ("Selim Furkan Tekin", "Fatih Ilhan")
    cross = byid["arxiv:2405.12090"]
    assert (cross.version, cross.categories) == (
        3,
        ("physics.acc-ph", "astro-ph.IM", "physics.optics"),
    )


def test_authors_with_affiliations_holding_commas() -> None:
    creator = (
        "Tianliang Yan (University of Birmingham, School of Physics and Astronomy, Birmingham, "
        "United Kingdom), Yubao Liu (Center for Gravitational Experiment, Hubei Key Laboratory "
        "of Gravitation and Quantum Physics (HUST), Wuhan, China), Jun Cui"
    )
    assert arxiv_rss.split_authors(creator) == ("Tianliang Yan", "Yubao Liu", "Jun Cui")


def test_a_weekend_listing_is_empty_not_an_error() -> None:
    assert arxiv_rss.convert((FEEDS / "constructed_weekend_cs.CL.xml").read_bytes(), "u") == []


def test_a_cut_off_feed_and_a_page_that_is_no_feed_are_errors() -> None:
    cut = (FEEDS / "arxiv_rss_cs.CL_trimmed.xml").read_bytes()[:2500]
    with pytest.raises(SourceError) as err:
        arxiv_rss.convert(cut, "http://x/rss/cs.CL")
    assert err.value.message.startswith(
        "arXiv's listing http://x/rss/cs.CL is not a well-formed feed ("
    )
    assert err.value.message.endswith("); try again later.")
    with pytest.raises(SourceError) as err:
        arxiv_rss.convert(b"<html><body>Bad category</body></html>", "http://x/rss/cs.XX")
    assert err.value.message == (
        "arXiv's listing http://x/rss/cs.XX is not an RSS feed; check the categories and "
        "ALIGNFETCH_ARXIV_RSS_URL."
    )


def test_daily_papers_keep_upvotes_of_zero_and_the_hub_order() -> None:
    text = (DATA / "hf" / "api_daily_papers.json").read_text(encoding="utf-8")
    items = hf_daily.convert(text, "u")
    assert len(items) == 30
    first, upvotes = items[0]
    assert (first.id, upvotes, first.announced) == ("arxiv:2606.00467", 0, "2026-05-30")
    assert first.authors == ("Etienne Casanova", "Rafal Kocielnik", "R. Michael Alvarez")
    assert first.title.startswith("On the Limits of LLM Adaptability")
    assert dict((a.id, n) for a, n in items)["arxiv:2606.13681"] == 118


def test_daily_papers_that_are_not_a_list_are_one_sentence() -> None:
    with pytest.raises(SourceError) as err:
        hf_daily.convert('{"error": "oops"}', "http://hub/api/daily_papers?date=2026-01-01")
    assert err.value.message == (
        "The Hugging Face Hub sent daily papers that alignfetch cannot read "
        "(http://hub/api/daily_papers?date=2026-01-01); try again later."
    )


# -- merging and ranking (pure) ---------------------------------------------------


def _a(
    rid: str, kind: str = "new", title: str = "T", abstract: str = "A"
) -> arxiv_rss.Announcement:
    return arxiv_rss.Announcement(rid, 1, kind, title, ("X",), abstract, ("cs.CL",), "2026-01-02")


def test_merge_one_candidate_per_paper_both_sources_named() -> None:
    merged = merge(
        [_a("arxiv:1", title="From arXiv"), _a("arxiv:2", "replace"), _a("arxiv:3", "cross")],
        [(_a("arxiv:1", "daily", title="From the Hub"), 7), (_a("arxiv:2", "daily"), 3)],
    )
    assert [(c.id, c.sources, c.upvotes) for c in merged] == [
        ("arxiv:1", ("arxiv", "hf"), 7),
        ("arxiv:3", ("arxiv",), None),
        # Replaced on arXiv (not news there), but the Hub's readers proposed it.
        ("arxiv:2", ("hf",), 3),
    ]
    assert merged[0].title == "From arXiv" and merged[0].categories == ("cs.CL",)


LISTED = [
    Listed("arxiv:s1", "safety", "Red teaming language models to reduce harms"),
    Listed("arxiv:s2", "safety", "Jailbreak attacks against aligned chatbots"),
    Listed("arxiv:e1", "evaluation", "Large language models as judges of text quality"),
]


def test_rank_suggests_the_section_of_the_nearest_paper_and_names_it() -> None:
    ranked = rank(
        [
            Candidate(
                "arxiv:c1",
                "Judges of summary quality",
                (),
                "language models judge",
                None,
                (),
                ("arxiv",),
            ),
            Candidate(
                "arxiv:c2",
                "Universal jailbreak attacks",
                (),
                "on aligned chatbots",
                None,
                (),
                ("arxiv",),
            ),
            Candidate(
                "arxiv:c3", "Galaxy rotation curves", (), "dark matter halos", None, (), ("arxiv",)
            ),
        ],
        LISTED,
        Config(),
    )
    assert [(c.id, c.section, c.because[:1]) for c in ranked] == [
        ("arxiv:c2", "safety", ("arxiv:s2",)),
        ("arxiv:c1", "evaluation", ("arxiv:e1",)),
        ("arxiv:c3", None, ()),
    ]
    assert ranked[2].score == 0.0
    assert ranked[0].score > ranked[1].score > 0


def test_keywords_add_a_tenth_each_and_negative_keywords_exclude() -> None:
    pool = [
        Candidate(
            "arxiv:c1",
            "Judges of summary quality",
            (),
            "language models judge",
            None,
            (),
            ("arxiv",),
        ),
        Candidate(
            "arxiv:c2", "Galaxy rotation curves", (), "Dark-matter halos", None, (), ("arxiv",)
        ),
    ]
    plain = {c.id: c.score for c in rank(pool, LISTED, Config())}
    boosted = {
        c.id: c.score
        for c in rank(pool, LISTED, Config(keywords=("dark matter", "halo", "absent")))
    }
    # "dark matter" matches "Dark-matter", "halo" matches the plural; "absent" adds nothing.
    assert boosted["arxiv:c2"] == pytest.approx(plain["arxiv:c2"] + 0.2)
    assert boosted["arxiv:c1"] == plain["arxiv:c1"]
    kept = rank(pool, LISTED, Config(negative_keywords=("rotation curve",)))
    assert [c.id for c in kept] == ["arxiv:c1"]


def test_markdown_is_a_checklist_of_add_commands_that_survives_markup_in_titles() -> None:
    c = Candidate(
        "arxiv:2411.17792",
        "$H^3$Fusion: *Helpful* [x]",
        (),
        "",
        None,
        (),
        ("arxiv", "hf"),
        upvotes=4,
        section="safety",
        score=0.4567,
        because=("arxiv:2204.05862",),
    )
    assert markdown([c]) == (
        r"- [ ] [$H^3$Fusion: \*Helpful\* \[x\]](https://arxiv.org/abs/2411.17792) "
        "(arxiv:2411.17792, score 0.46, 4 upvotes, like arxiv:2204.05862): "
        "`alignfetch add arxiv:2411.17792 --section safety`\n"
    )
    assert markdown([]) == "No new candidates for the list.\n"


# -- the command, against the fakes -------------------------------------------------


def test_discover_excludes_merges_suggests_and_asks_once_a_day(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    result = run("discover", "--json", "--top", "100")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["candidates"]
    ids = [c["id"] for c in found]
    assert set(ids) >= FROM_FEED and not NEVER & set(ids)
    assert len(ids) == len(set(ids)) == 5 + 29  # the feed's five, the Hub's 30 less the shared one
    byid = {c["id"]: c for c in found}
    both = byid["arxiv:2606.07867"]
    assert both["sources"] == ["arxiv", "hf"] and both["upvotes"] == 2
    assert (
        both["categories"] == ["cs.LG", "cs.AI"]
        and both["title"] == "The Cold-Start Safety Gap in LLM Agents"
    )
    assert (
        byid["arxiv:2411.17792"]["sources"] == ["arxiv"]
        and byid["arxiv:2411.17792"]["upvotes"] is None
    )
    # A fusion of helpful, harmless and honest LLMs sits with HH-RLHF in safety; LLMs judging
    # meeting summaries sit with "LLMs as an alternative to human evaluation".
    assert byid["arxiv:2411.17792"]["section"] == "safety"
    assert byid["arxiv:2411.17792"]["because"][0] == "arxiv:2204.05862"
    assert byid["arxiv:2411.18444"]["section"] == "evaluation"
    assert byid["arxiv:2411.18444"]["because"][0] == "arxiv:2305.01937"
    assert ids[:2] == ["arxiv:2411.18444", "arxiv:2411.17792"]
    scores = [c["score"] for c in found]
    assert scores == sorted(scores, reverse=True)
    assert set(found[0]) == {
        "id",
        "title",
        "authors",
        "abstract",
        "published",
        "categories",
        "sources",
        "upvotes",
        "section",
        "score",
        "because",
    }
    assert result.stderr == (
        "alignfetch: arxiv:2305.01937 (in the list) has a new version on arXiv (v2); "
        "`alignfetch refresh` fetches it.\n"
    )
    # One request per source: the feed of both categories, yesterday's daily papers.
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    assert [r.path for r in fakes.server.requests(r"^/rss/")] == ["/rss/cs.CL+cs.LG"]
    assert daily_requests(fakes) == [yesterday]
    ua = fakes.server.requests(r"^/rss/")[0].headers["User-Agent"]
    assert ua.startswith("alignfetch/")
    # The same day again: nobody is asked, and the answer is the same.
    again = run("discover", "--json", "--top", "100")
    assert again.stdout == result.stdout
    assert rss.requests() == 1 and len(daily_requests(fakes)) == 1


def test_top_min_score_and_source_narrow_the_answer(fakes: Fakes, project: Path) -> None:
    assert list(candidates("--source", "arxiv")) == [
        "arxiv:2411.18444",
        "arxiv:2411.17792",
        "arxiv:2411.18242",
        "arxiv:2606.07867",
        "arxiv:2405.12090",
    ]
    assert daily_requests(fakes) == []  # --source arxiv leaves the Hub alone
    hub_only = candidates("--source", "hf")
    assert len(hub_only) == 30 and all(c["sources"] == ["hf"] for c in hub_only.values())
    top = run("discover", "--top", "2")
    assert top.stdout.splitlines() == [
        "arxiv:2411.18444\tevaluation\t0.08\tIs my Meeting Summary Good? Estimating Quality "
        "with a Multi-LLM Evaluator",
        "arxiv:2411.17792\tsafety\t0.06\t$H^3$Fusion: Helpful, Harmless, Honest Fusion of "
        "Aligned LLMs",
    ]
    floor = candidates("--min-score", "0.05")
    assert all(c["score"] >= 0.05 for c in floor.values()) and "arxiv:2411.17792" in floor
    assert "arxiv:2405.12090" not in floor


def test_categories_default_to_the_primary_ones_of_the_list(
    fakes: Fakes, rss: FakeRss, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(ROOT / "entries.toml", tmp_path / "entries.toml")  # no [discover]
    monkeypatch.chdir(tmp_path)
    assert run("refresh").exit_code == 0
    rss.serve("cs.CL", FEEDS / "arxiv_rss_cs.CL_trimmed.xml")
    assert list(candidates("--source", "arxiv")) != []
    assert [r.path for r in fakes.server.requests(r"^/rss/")] == ["/rss/cs.CL"]
    # --category wins over both.
    candidates("--source", "arxiv", "--category", "cs.CL", "--category", "cs.LG")
    assert [r.path for r in fakes.server.requests(r"^/rss/")][-1] == "/rss/cs.CL+cs.LG"


def test_keywords_and_negative_keywords_of_entries_toml(project: Path) -> None:
    before = candidates("--source", "arxiv")
    text = (project / "entries.toml").read_text(encoding="utf-8")
    (project / "entries.toml").write_text(text + 'keywords = ["financial"]\n', encoding="utf-8")
    after = candidates("--source", "arxiv")
    thai = "arxiv:2411.18242"
    assert after[thai]["score"] == pytest.approx(before[thai]["score"] + 0.1, abs=1e-4)
    assert list(after)[0] == thai
    (project / "entries.toml").write_text(
        text + 'negative_keywords = ["meeting summaries"]\n', encoding="utf-8"
    )
    assert set(candidates("--source", "arxiv")) == set(before) - {"arxiv:2411.18444"}


def test_a_rejected_paper_is_not_proposed_again(project: Path) -> None:
    ok = run("discover", "--reject", "https://arxiv.org/abs/2411.17792v1")
    assert ok.exit_code == 0
    assert ok.stderr == "Rejected arxiv:2411.17792; discover will not propose it again.\n"
    assert "arxiv:2411.17792" not in candidates()
    twice = run("discover", "--reject", "2411.17792")
    assert twice.exit_code == 0 and twice.stderr == "arxiv:2411.17792 was already rejected.\n"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            "2305.01937",
            "arxiv:2305.01937 is in the list, in section 'evaluation'; "
            "`alignfetch remove` it instead.",
        ),
        (
            "gh:CarperAI/trlx",
            "gh:CarperAI/trlx is not an arXiv paper; discover only proposes papers.",
        ),
    ],
)
def test_rejecting_what_cannot_be_rejected(project: Path, given: str, message: str) -> None:
    before = state(project)
    result = run("discover", "--reject", given)
    assert result.exit_code == 2 and result.stderr == f"alignfetch: {message}\n"
    assert state(project) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "0"], "--days must be from 1 to 30, not 0."),
        (["--top", "0"], "--top must be 1 or more, not 0."),
        (["--min-score", "nan"], "--min-score must be a number, not nan."),
        (
            ["--category", "cs CL"],
            "'cs CL' is not an arXiv category; give one such as cs.CL, cs.LG or stat.ML.",
        ),
    ],
)
def test_bad_options_are_one_sentence_and_ask_nobody(
    fakes: Fakes, project: Path, args: list[str], message: str
) -> None:
    before = state(project)
    result = run("discover", *args)
    assert result.exit_code == 2 and result.stderr == f"alignfetch: {message}\n"
    assert fakes.server.requests(r"^/(rss|api/daily)") == []
    assert state(project) == before


def test_json_and_markdown_together_is_bad_usage(project: Path) -> None:
    result = run("discover", "--json", "--format", "markdown")
    assert result.exit_code == 2
    assert "Give --json or --format markdown, not both." in result.stderr


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'keyword = ["x"]',
            "In entries.toml, [discover] has unknown key(s) keyword; "
            "allowed: keywords, negative_keywords, categories.",
        ),
        (
            'keywords = "rlhf"',
            "In entries.toml, [discover] keywords must be a list of non-empty "
            'strings, like ["a", "b"].',
        ),
        (
            'categories = ["cs.CL", "Computation and Language"]',
            "In entries.toml, [discover] categories: 'Computation and Language' is not an arXiv "
            "category; give one such as cs.CL, cs.LG or stat.ML.",
        ),
    ],
)
def test_a_bad_discover_table_names_the_key(
    fakes: Fakes, listdir: Path, table: str, message: str
) -> None:
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write(f"\n[discover]\n{table}\n")
    result = run("discover")
    assert result.exit_code == 2 and result.stderr == f"alignfetch: {message}\n"


def test_a_list_without_cached_papers_has_nothing_to_compare(
    fakes: Fakes, rss: FakeRss, listdir: Path
) -> None:
    before = state(listdir)
    result = run("discover")
    assert state(listdir) == before  # not even an empty cache was made
    assert result.exit_code == 1
    assert result.stderr == (
        "alignfetch: The list has no papers in the cache to compare candidates with; add papers "
        "or run `alignfetch refresh` first.\n"
    )
    assert fakes.server.requests(r"^/(rss|api/daily)") == []


def test_a_weekend_is_a_note_and_the_hub_still_answers(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    rss.serve(BOTH, FEEDS / "constructed_weekend_cs.CL.xml")
    result = run("discover", "--json", "--top", "100")
    assert result.exit_code == 0
    assert result.stderr == (
        "alignfetch: arXiv announced nothing in cs.CL+cs.LG today (it publishes no listings on "
        "weekends and holidays).\n"
    )
    assert len(json.loads(result.stdout)["candidates"]) == 30
    again = run("discover")  # from the cache, and still said
    assert again.stderr == result.stderr and rss.requests() == 1


def test_a_malformed_feed_fails_arxiv_only_and_caches_nothing(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    url = f"{fakes.server.url}/rss/cs.CL+cs.LG"
    cut = (FEEDS / "constructed_cs.CL+cs.LG.xml").read_bytes()[:3000]
    fakes.server.fail(r"^/rss/", Response(200, cut, {"Content-Type": "application/rss+xml"}))
    result = run("discover", "--json", "--top", "100")
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)["candidates"]) == 30  # the Hub's, still given
    assert result.stderr.startswith(
        f"alignfetch: arXiv's listing {url} is not a well-formed feed ("
    )
    assert result.stderr.count("\n") == 1
    # Nothing was cached for the feed: the next run asks again, and gets the good feed.
    assert "arxiv:2411.17792" in candidates()
    assert rss.requests() == 2


@pytest.mark.parametrize(
    ("response", "times", "message"),
    [
        (
            Response(503, "busy"),
            3,
            "arXiv's listing {url} answered HTTP 503; check the categories or try again later.",
        ),
        (
            Response(404, "Not Found"),
            1,
            "arXiv's listing {url} answered HTTP 404; check the categories or try again later.",
        ),
        (
            Response(200, "", delay=3.0),
            1,
            "arXiv's listing {url} did not answer within 2 "
            "seconds; try again later or raise ALIGNFETCH_TIMEOUT.",
        ),
    ],
)
def test_a_failing_feed_is_one_sentence_and_leaves_the_cache(
    fakes: Fakes, rss: FakeRss, project: Path, response: Response, times: int, message: str
) -> None:
    url = f"{fakes.server.url}/rss/cs.CL+cs.LG"
    fakes.server.fail(r"^/rss/", response, times=3)
    before = state(project)
    result = run("discover", "--source", "arxiv")
    assert result.exit_code == 1
    assert result.stderr == f"alignfetch: {message.format(url=url)}\n"
    assert rss.requests() == times  # 5xx retried (ALIGNFETCH_RETRIES=2), the rest not
    assert state(project) == before


def test_the_hub_failing_is_one_sentence(fakes: Fakes, rss: FakeRss, project: Path) -> None:
    fakes.server.fail(r"^/api/daily_papers$", Response(500, '{"error":"boom"}'), times=3)
    day = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    result = run("discover", "--source", "hf")
    assert result.exit_code == 1
    assert result.stderr == (
        f"alignfetch: The Hugging Face Hub answered HTTP 500 for the daily papers of {day} "
        "after 3 attempts; try again later.\n"
    )
    both = run("discover")
    assert both.exit_code == 0  # the fault is used up: both sources answer now


def test_both_sources_failing_fails_the_command(fakes: Fakes, rss: FakeRss, project: Path) -> None:
    fakes.server.fail(r"^/rss/", Response(404, "no"), times=1)
    fakes.server.fail(r"^/api/daily_papers$", Response(500, "{}"), times=3)
    result = run("discover", "--json")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("alignfetch: arXiv's listing ")
    assert "The Hugging Face Hub answered HTTP 500" in result.stderr
    assert result.stderr.count("\n") == 1


def test_offline_answers_from_todays_cache_or_says_why_not(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    missing = run("--offline", "discover", "--source", "arxiv")
    url = f"{fakes.server.url}/rss/cs.CL+cs.LG"
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"alignfetch: arXiv's listing {url} of today is not in the cache and --offline "
        "forbids fetching; run again without --offline.\n"
    )
    online = run("discover", "--json")
    offline = run("--offline", "discover", "--json")
    assert offline.exit_code == 0 and offline.stdout == online.stdout
    assert rss.requests() == 1 and len(daily_requests(fakes)) == 1


def test_days_asks_the_hub_for_each_whole_day_once(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    today = datetime.now(UTC).date()
    assert run("discover", "--days", "3").exit_code == 0
    assert daily_requests(fakes) == [(today - timedelta(days=i)).isoformat() for i in (1, 2, 3)]
    assert run("discover", "--days", "3").exit_code == 0
    assert len(daily_requests(fakes)) == 3 and rss.requests() == 1


def test_markdown_for_the_nightly_issue(project: Path) -> None:
    result = run("discover", "--format", "markdown", "--source", "arxiv", "--top", "1")
    assert result.exit_code == 0
    assert result.stdout == (
        "- [ ] [Is my Meeting Summary Good? Estimating Quality with a Multi-LLM Evaluator]"
        "(https://arxiv.org/abs/2411.18444) (arxiv:2411.18444, score 0.08, like "
        "arxiv:2305.01937, arxiv:2204.05862, arxiv:2305.16960): "
        "`alignfetch add arxiv:2411.18444 --section evaluation`\n"
    )


def test_the_cache_survives_the_migration_round_trip(project: Path) -> None:
    from alignfetch.cache import db

    assert run("discover").exit_code == 0
    url = db.sqlite_url(project / ".alignfetch" / "cache.sqlite")
    assert db.revision_of(url) == db.HEAD_REVISION


def test_days_reads_earlier_listings_from_the_cache(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    import sqlite3

    today = datetime.now(UTC).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert run("discover", "--source", "arxiv").exit_code == 0
    # Make today's cached listing yesterday's, as yesterday's run would have left it.
    with sqlite3.connect(project / ".alignfetch" / "cache.sqlite") as conn:
        conn.execute(
            "UPDATE discover_listings SET day = ?, key = replace(key, ?, ?) WHERE source = 'arxiv'",
            (yesterday, today.isoformat(), yesterday),
        )
    rss.serve(BOTH, FEEDS / "constructed_weekend_cs.CL.xml")  # today: nothing announced
    assert candidates("--source", "arxiv") == {}
    assert rss.requests() == 2
    two = candidates("--source", "arxiv", "--days", "2")
    assert set(two) == FROM_FEED
    assert rss.requests() == 2  # today's empty listing is cached too


def test_a_day_the_hub_has_no_list_for_is_no_papers(
    fakes: Fakes, rss: FakeRss, project: Path
) -> None:
    fakes.server.fail(r"^/api/daily_papers$", Response(404, '{"error":"Not Found"}'), times=1)
    result = run("discover", "--source", "hf")
    # Issue 18 (10c): no papers, but said on stderr (tests/test_hardening_discover.py).
    assert (result.exit_code, result.stdout) == (0, "")
    assert "has no daily papers list for" in result.stderr


def test_ids_come_from_the_link_when_an_item_has_no_guid() -> None:
    feed = (FEEDS / "arxiv_rss_cs.CL_trimmed.xml").read_bytes()
    no_guid = re.sub(rb"\s*<guid[^>]*>[^<]*</guid>", b"", feed)
    no_type = re.sub(rb"\s*<arxiv:announce_type>[^<]*</arxiv:announce_type>", b"", no_guid)
    items = arxiv_rss.convert(no_type, "u")
    # The link has no version; the type is read from the description instead.
    assert [(a.id, a.version, a.announce_type) for a in items] == [
        ("arxiv:2604.22002", 1, "new"),
        ("arxiv:2604.22027", 1, "new"),
        ("arxiv:2604.22038", 1, "new"),
    ]


def test_subprocess_markdown_for_the_nightly_issue(fakes: Fakes, project: Path) -> None:
    cmd = [sys.executable, "-m", "alignfetch", "discover", "--format", "markdown", "--top", "2"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ), timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("- [ ] [") for line in lines)
    assert lines[1].endswith("`alignfetch add arxiv:2411.17792 --section safety`")
    assert "Traceback" not in done.stderr


def test_a_paper_announced_twice_in_one_feed_is_one_item_the_first() -> None:
    feed = (FEEDS / "arxiv_rss_cs.CL_trimmed.xml").read_bytes()
    first = re.search(rb"    <item>.*?</item>\n", feed, re.S)
    assert first is not None
    again = first[0].replace(b"<category>cs.CL</category>", b"<category>cs.LG</category>")
    doubled = feed.replace(b"  </channel>", again + b"  </channel>")
    items = arxiv_rss.convert(doubled, "u")
    assert [a.id for a in items] == ["arxiv:2604.22002", "arxiv:2604.22027", "arxiv:2604.22038"]
    assert items[0].categories == ("cs.CL",)
