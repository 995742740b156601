"""The project's own entries.toml: the reference list's sections and papers."""

from __future__ import annotations

from pathlib import Path

from alignfetch.list import entries

ROOT = Path(__file__).parents[1]


def test_project_list_holds_the_reference_sections_and_papers() -> None:
    ef = entries.load(ROOT / "entries.toml")
    assert [(s.slug, s.parent) for s in ef.sections] == [
        ("papers", None), ("safety", "papers"), ("evaluation", "papers"),
        ("human-alignment", "papers"), ("datasets", None), ("english", "datasets"),
        ("chinese", "datasets"), ("codes", None), ("rlhf", "codes"),
    ]
    papers = {e.id: e for e in ef.entries if e.id.startswith("arxiv:")}
    assert list(papers) == [
        "arxiv:2206.08325", "arxiv:2204.05862", "arxiv:2305.01937",
        "arxiv:2306.05685", "arxiv:2305.16960", "arxiv:2305.14929",
    ]
    # As the reference README shows them.
    assert (papers["arxiv:2206.08325"].affiliation, papers["arxiv:2206.08325"].venue) == ("DeepMind", "NeurIPS 2022")
    assert (papers["arxiv:2204.05862"].affiliation, papers["arxiv:2204.05862"].venue) == ("Anthropic", "NeurIPS 2022")
    assert papers["arxiv:2305.01937"].affiliation == "National Taiwan University"
    assert papers["arxiv:2306.05685"].affiliation == "UC Berkeley"
    assert papers["arxiv:2305.16960"].affiliation == "Dartmouth College"
    assert papers["arxiv:2305.14929"].affiliation is None


def test_project_list_holds_the_reference_datasets_and_repositories() -> None:
    ef = entries.load(ROOT / "entries.toml")
    rest = [(e.id, e.section) for e in ef.entries if not e.id.startswith("arxiv:")]
    assert rest == [
        ("hf:Anthropic/hh-rlhf", "english"),
        ("hf:liyucheng/zhihu_rlhf_3k", "chinese"),
        ("gh:PKU-Alignment/safe-rlhf", "rlhf"),  # the data wins: not CarperAI/trlx
        ("gh:CarperAI/trlx", "rlhf"),
        ("gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat", "rlhf"),
        ("gh:lucidrains/PaLM-rlhf-pytorch", "rlhf"),
    ]
