"""Hugging Face datasets and paper pages, through the real huggingface_hub client
against a fake Hub on 127.0.0.1 serving recorded (and constructed) bodies."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tomlkit

from alignfetch.config import Settings
from alignfetch.errors import BadIdError, NotFoundError, RateLimitError, SourceError
from alignfetch.list import ids
from alignfetch.records import Dataset, PaperPage, to_dict
from alignfetch.sources import Fetched, Previous, hf_datasets, hf_papers
from conftest import DATA, Fakes, add_sections, run, state
from fakes.server import Response

GOLDEN = Path(__file__).parent / "golden" / "hf"
REFERENCE = (DATA.parent.parent / "tests" / "data" / "reference").resolve()
DATASETS = [
    "hendrycks/competition_math", "akariasai/PopQA", "sgoel9/paul_graham_essays",
    "Anthropic/hh-rlhf", "liyucheng/zhihu_rlhf_3k",
]


def settings(fakes: Fakes, **kw: object) -> Settings:
    base: dict[str, object] = dict(
        hf_endpoint=fakes.server.url, timeout=2.0, retries=2, backoff=0.0, arxiv_delay=0.0,
        arxiv_url=f"{fakes.server.url}/api/query",
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def reference_data_card() -> str:
    """The Data Card text of hh-rlhf as the reference README shows it."""
    readme = (REFERENCE / "hf" / "card_Anthropic_hh-rlhf_README.md").read_text(encoding="utf-8")
    m = re.search(r"## Dataset Summary\n\n\n(.*?)\n\n## Disclaimer", readme, re.DOTALL)
    assert m
    return m[1]


@pytest.mark.parametrize("name", DATASETS)
def test_dataset_matches_golden(fakes: Fakes, name: str) -> None:
    got = hf_datasets.fetch([name], settings(fakes), {})[name]
    assert isinstance(got, Fetched)
    record = got.record
    assert isinstance(record, Dataset)
    data = to_dict(record)
    summary = data.pop("summary")
    del data["kind"]
    assert data == json.loads((GOLDEN / f"{name.replace('/', '_')}.json").read_text())
    raw = json.loads(got.raw)
    assert raw["dataset_info"]["id"] == name  # the raw Hub answer is kept
    if name == "Anthropic/hh-rlhf":
        assert summary == reference_data_card()
    if name in ("hendrycks/competition_math", "akariasai/PopQA"):
        assert summary is None  # no card served: a 404 is no summary, not an error


@pytest.mark.parametrize("card", ["card_truthful_qa_README.md", "card_crows_pairs_README.md",
                                  "card_liyucheng_zhihu_rlhf_3k_README.md"])
def test_card_summaries(card: str) -> None:
    expected = json.loads((GOLDEN / "summaries.json").read_text(encoding="utf-8"))[card]
    folder = DATA / "hf" if (DATA / "hf" / card).exists() else DATA / "reference" / "hf"
    assert hf_datasets.card_summary((folder / card).read_text(encoding="utf-8")) == expected


def test_card_summary_caps_length_and_keeps_markdown() -> None:
    para = "Word **bold** and `code`. " * 20  # 520 characters
    text = f"---\nlicense: mit\n---\n# T\n\n## Summary\n\n{para}\n\n{para}\n\n{para}\n\n## Next\n\nno"
    out = hf_datasets.card_summary(text, cap=1500)
    assert out is not None and len(out) <= 1500 and "**bold**" in out and out[-2:] != "no"
    assert out.count("\n\n") == 1  # two whole paragraphs fit in 1500, the third does not
    long = hf_datasets.card_summary(f"## Summary\n\n{'x ' * 2000}", cap=100)
    assert long is not None and long.endswith("…") and len(long) <= 101


@pytest.mark.parametrize("key", ["2407.13168", "2204.05862", "2305.16960", "2305.01937"])
def test_paper_pages(fakes: Fakes, key: str) -> None:
    got = hf_papers.fetch([key], settings(fakes), {})[key]
    assert isinstance(got, Fetched) and isinstance(got.record, PaperPage)
    expected = json.loads((GOLDEN / "papers.json").read_text())[key]
    data = to_dict(got.record)
    del data["kind"]
    assert data == expected


def test_card_is_fetched_only_when_the_commit_moved(fakes: Fakes) -> None:
    s = settings(fakes)
    first = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, {})["Anthropic/hh-rlhf"]
    assert isinstance(first, Fetched)
    assert fakes.hub_requests("/resolve/") == 1
    previous = {"Anthropic/hh-rlhf": Previous(first.record, first.raw, None)}
    again = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, previous)["Anthropic/hh-rlhf"]
    assert isinstance(again, Fetched) and again.record == first.record
    assert fakes.hub_requests("/resolve/") == 1  # same sha: no card request
    fakes.hub.set_sha("Anthropic/hh-rlhf", "f" * 40)
    moved = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, previous)["Anthropic/hh-rlhf"]
    assert isinstance(moved, Fetched) and moved.record.sha == "f" * 40
    assert fakes.hub_requests("/resolve/") == 2
    assert fakes.server.requests("/resolve/")[-1].path.endswith(f"/resolve/{'f' * 40}/README.md")


def test_requests_name_alignfetch_and_send_no_token_unless_set(fakes: Fakes) -> None:
    hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes), {})
    hf_papers.fetch(["2305.16960"], settings(fakes), {})
    for req in fakes.server.log:
        agent = req.headers.get("User-Agent") or req.headers.get("user-agent") or ""
        assert agent.startswith("alignfetch/"), (req.path, agent)
        assert "authorization" not in {k.lower() for k in req.headers}


def test_token_is_sent_but_never_stored(fakes: Fakes) -> None:
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes, hf_token="hf_SECRET"), {})
    auth = {r.headers.get("authorization") or r.headers.get("Authorization") for r in fakes.server.log}
    assert "Bearer hf_SECRET" in auth
    fetched = got["Anthropic/hh-rlhf"]
    assert isinstance(fetched, Fetched) and "hf_SECRET" not in fetched.raw + json.dumps(to_dict(fetched.record))


@pytest.mark.parametrize(
    ("name", "setup", "error", "phrase"),
    [
        ("nobody/nothing", None, NotFoundError, "does not exist on the Hugging Face Hub"),
        ("Anthropic/hh-rlhf", "gate", SourceError, "request access"),
        ("Anthropic/hh-rlhf", "private", NotFoundError, "private"),
    ],
)
def test_dataset_errors(fakes: Fakes, name: str, setup: str | None, error: type, phrase: str) -> None:
    if setup == "gate":
        fakes.hub.gated.add(name.lower())
    if setup == "private":
        fakes.hub.datasets[name.lower()]["private"] = True
    got = hf_datasets.fetch([name], settings(fakes), {})[name]
    assert isinstance(got, error) and phrase in str(got)


def test_429_backs_off_then_gives_up(fakes: Fakes) -> None:
    fakes.server.fail("/api/datasets/", Response(429, '{"error":"rate"}', {"Retry-After": "0"}), times=99)
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes), {})["Anthropic/hh-rlhf"]
    assert isinstance(got, RateLimitError) and "HTTP 429" in str(got)
    assert fakes.hub_requests("/api/datasets/") == 3


def test_429_then_success(fakes: Fakes) -> None:
    fakes.server.fail("/api/datasets/", Response(429, '{"error":"rate"}'), times=1)
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes), {})["Anthropic/hh-rlhf"]
    assert isinstance(got, Fetched)


def test_timeout(fakes: Fakes) -> None:
    fakes.server.fail("/api/datasets/", Response(200, "{}", delay=1.5))
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes, timeout=0.5), {})["Anthropic/hh-rlhf"]
    assert isinstance(got, SourceError) and "did not answer within 0.5 seconds" in str(got)


def test_paper_page_timeout_is_bounded(fakes: Fakes) -> None:
    # paper_info itself takes no timeout; alignfetch's client imposes one.
    fakes.server.fail("/api/papers/", Response(200, "{}", delay=1.5))
    got = hf_papers.fetch(["2305.16960"], settings(fakes, timeout=0.5), {})["2305.16960"]
    assert isinstance(got, SourceError) and "did not answer" in str(got)


def test_dataset_id_forms() -> None:
    for text in ["hf:Anthropic/hh-rlhf", "https://huggingface.co/datasets/Anthropic/hh-rlhf",
                 "https://huggingface.co/datasets/Anthropic/hh-rlhf/tree/main",
                 "https://huggingface.co/datasets/Anthropic/hh-rlhf/blob/main/README.md",
                 "https://huggingface.co/datasets/Anthropic/hh-rlhf?row=3", "hf:datasets/Anthropic/hh-rlhf"]:
        assert str(ids.parse(text)) == "hf:Anthropic/hh-rlhf"
    for bad in ["hf:Anthropic", "hf:a/b/c",
                "https://huggingface.co/datasets/Anthropic", "hf:a--b/c", "hf:-a/b", "hf:a/b."]:
        with pytest.raises(BadIdError) as err:
            ids.parse(bad)
        assert str(err.value).startswith(f"The text {bad!r} is not an ID alignfetch knows")
    assert str(ids.parse("https://huggingface.co/papers/2305.16960")) == "arxiv:2305.16960"
    # Without /datasets/ the same path is a model's page (tests/test_hub_kinds.py).
    assert str(ids.parse("https://huggingface.co/Anthropic/hh-rlhf")) == "hf-model:Anthropic/hh-rlhf"


# -- through the CLI ----------------------------------------------------------------


def test_add_dataset_resolves_its_paper_in_the_same_run(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    result = run("add", "https://huggingface.co/datasets/Anthropic/hh-rlhf/tree/main", "-s", "english",
                 "--affiliation", "Anthropic")
    assert result.exit_code == 0, result.output
    assert fakes.arxiv_requests() == 1
    doc = json.loads(run("export").stdout)
    (entry,) = doc["entries"]
    assert entry["id"] == "hf:Anthropic/hh-rlhf" and entry["kind"] == "dataset"
    assert entry["license"] == ["mit"]
    assert entry["summary"] == reference_data_card()
    (paper,) = entry["papers"]
    assert paper["id"] == "arxiv:2204.05862" and paper["published"] == "2022-04-12"
    assert paper["authors"][0] == "Yuntao Bai" and len(paper["authors"]) == 31
    toml = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert toml["entries"] == [{"id": "hf:Anthropic/hh-rlhf", "section": "english", "affiliation": "Anthropic"}]


def test_papers_gain_their_hub_page_and_code_link(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.16960", "2305.01937", "-s", "evaluation").exit_code == 0
    entries = {e["id"]: e for e in json.loads(run("export").stdout)["entries"]}
    page = entries["arxiv:2305.16960"]
    assert page["hf_paper"] == {"url": "https://huggingface.co/papers/2305.16960", "upvotes": 3}
    assert page["code_url"] == "https://github.com/agi-templar/Stable-Alignment"
    assert entries["arxiv:2305.01937"]["hf_paper"] is None  # no page: not an error
    assert entries["arxiv:2305.01937"]["code_url"] is None


def test_a_code_link_in_entries_toml_wins(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.16960", "-s", "evaluation", "--link", "Github=https://github.com/me/mine").exit_code == 0
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["code_url"] == "https://github.com/me/mine"


def test_a_failing_paper_page_does_not_fail_the_paper(fakes: Fakes, listdir: Path) -> None:
    fakes.server.fail("/api/papers/", Response(500, "oops"), times=99)
    result = run("add", "2305.16960", "-s", "evaluation")
    assert result.exit_code == 0
    assert "warning" in result.stderr and "HTTP 500" in result.stderr
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["hf_paper"] is None


@pytest.mark.parametrize(
    ("setup", "code", "phrase"),
    [("missing", 1, "does not exist on the Hugging Face Hub"), ("gate", 1, "HF_TOKEN"),
     ("429", 1, "HTTP 429"), ("timeout", 1, "did not answer"), ("paper", 1, "names arxiv:2204.05862")],
)
def test_dataset_failures_change_nothing(fakes: Fakes, listdir: Path, setup: str, code: int, phrase: str) -> None:
    add_sections(listdir)
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    before = state(listdir)
    name = "hf:nobody/nothing" if setup == "missing" else "hf:Anthropic/hh-rlhf"
    if setup == "gate":
        fakes.hub.gated.add("anthropic/hh-rlhf")
    if setup == "429":
        fakes.server.fail("/api/datasets/", Response(429, "{}"), times=99)
    if setup == "timeout":
        fakes.server.fail("/api/datasets/", Response(200, "{}", delay=3))
    if setup == "paper":
        fakes.server.fail("/api/query", Response(503, "busy"), times=99)
    result = run("add", name, "-s", "english")
    assert result.exit_code == code and phrase in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert state(listdir) == before


def test_after_a_rate_limit_the_hub_is_not_asked_again(fakes: Fakes) -> None:
    fakes.server.fail("/api/papers/", Response(429, '{"error":"rate"}'), times=99)
    got = hf_papers.fetch(["2305.16960", "2204.05862", "2407.13168"], settings(fakes, retries=1), {})
    assert all(isinstance(v, RateLimitError) for v in got.values())
    assert fakes.hub_requests("/api/papers/") == 2  # one paper, tried twice; the others never
