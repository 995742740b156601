# ruff: noqa: E501 (the goldens are the tool's lines, as long as they come)
"""`alignfetch check`: what a README or the list says, against what the fakes serve.

Expected findings are read off tests/data/reference/awesome-llm-alignment.README.md
and the recorded responses by hand: line 123 (Safe-RLHF) links to CarperAI/trlx
while its text and both badges name PKU-Alignment/safe-rlhf; line 29 (2204.05862,
one version, 12 Apr 2022) shows 28 Oct 2022; line 93 (the hh-rlhf dataset, whose
paper is 2204.05862 of 2022) says "arXiv 2023"; line 53 types "Eric. P Xing" where
arXiv has "Eric P. Xing". Line 19 (2206.08325) also shows 28 Oct 2022, which is its
v2's date (arXiv: published 2022-06-16, updated 2022-10-28): correct, not flagged.
The reference's repositories were last pushed in 2024-2026, so the golden runs
use --stale-months 600; the stale rule has tests of its own with a fixed today.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from alignfetch.errors import InputError
from alignfetch.lint.config import Config, config_from
from alignfetch.lint.facts import Facts
from alignfetch.lint.findings import Result
from alignfetch.lint.rules import check_reading
from alignfetch.readme.reading import read_list
from alignfetch.records import Dataset, Paper, Record, Repo
from alignfetch.workspace import Workspace
from conftest import Fakes, run, state
from test_render import REFERENCE

TODAY = date(2026, 11, 30)

HUMAN = """\
README.md
     29  error    date       The date 28 Oct 2022 is neither the first nor the latest version's date of arxiv:2204.05862.
                           the file says:    28 Oct 2022
                           the source says:  12 Apr 2022 (v1)
     53  warning  authors    The authors differ from those of arxiv:2306.05685.
                           the file says:    Lianmin Zheng, Wei-Lin Chiang, Ying Sheng, Siyuan Zhuang, Zhanghao Wu, Yonghao Zhuang, Zi Lin, Zhuohan Li, Dacheng Li, Eric. P Xing, Hao Zhang, Joseph E. Gonzalez, Ion Stoica
                           the source says:  Lianmin Zheng, Wei-Lin Chiang, Ying Sheng, Siyuan Zhuang, Zhanghao Wu, Yonghao Zhuang, Zi Lin, Zhuohan Li, Dacheng Li, Eric P. Xing, Hao Zhang, Joseph E. Gonzalez, Ion Stoica
     93  error    date       The venue says arXiv 2023, but its paper arxiv:2204.05862 is from 2022.
                           the file says:    arXiv 2023
                           the source says:  12 Apr 2022 (v1)
    123  error    mismatch   The link goes to gh:CarperAI/trlx, but its text and 2 badges name gh:PKU-Alignment/safe-rlhf.
                           the file says:    Safe-RLHF: Constrained Value-Aligned LLM via Safe RLHF
                           the source says:  CarperAI/trlx
    123  error    badge      A badge names gh:PKU-Alignment/safe-rlhf, not the entry's repository.
                           the file says:    PKU-Alignment/safe-rlhf
                           the source says:  CarperAI/trlx

README.md: 4 errors, 1 warning in 12 entries.
"""

GITHUB = """\
::error file=README.md,line=29,title=date::The date 28 Oct 2022 is neither the first nor the latest version's date of arxiv:2204.05862. (the source says: 12 Apr 2022 (v1))
::warning file=README.md,line=53,title=authors::The authors differ from those of arxiv:2306.05685. (the source says: Lianmin Zheng, Wei-Lin Chiang, Ying Sheng, Siyuan Zhuang, Zhanghao Wu, Yonghao Zhuang, Zi Lin, Zhuohan Li, Dacheng Li, Eric P. Xing, Hao Zhang, Joseph E. Gonzalez, Ion Stoica)
::error file=README.md,line=93,title=date::The venue says arXiv 2023, but its paper arxiv:2204.05862 is from 2022. (the source says: 12 Apr 2022 (v1))
::error file=README.md,line=123,title=mismatch::The link goes to gh:CarperAI/trlx, but its text and 2 badges name gh:PKU-Alignment/safe-rlhf. (the source says: CarperAI/trlx)
::error file=README.md,line=123,title=badge::A badge names gh:PKU-Alignment/safe-rlhf, not the entry's repository. (the source says: CarperAI/trlx)
README.md: 4 errors, 1 warning in 12 entries.
"""

ZHENG = (
    "Lianmin Zheng, Wei-Lin Chiang, Ying Sheng, Siyuan Zhuang, Zhanghao Wu, Yonghao Zhuang, "
    "Zi Lin, Zhuohan Li, Dacheng Li, {}, Hao Zhang, Joseph E. Gonzalez, Ion Stoica"
)
JSON_FINDINGS = [
    {
        "rule": "date",
        "severity": "error",
        "id": "arxiv:2204.05862",
        "file": "README.md",
        "line": 29,
        "message": "The date 28 Oct 2022 is neither the first nor the latest version's date "
        "of arxiv:2204.05862.",
        "expected": "12 Apr 2022 (v1)",
        "found": "28 Oct 2022",
    },
    {
        "rule": "authors",
        "severity": "warning",
        "id": "arxiv:2306.05685",
        "file": "README.md",
        "line": 53,
        "message": "The authors differ from those of arxiv:2306.05685.",
        "expected": ZHENG.format("Eric P. Xing"),
        "found": ZHENG.format("Eric. P Xing"),
    },
    {
        "rule": "date",
        "severity": "error",
        "id": "hf:Anthropic/hh-rlhf",
        "file": "README.md",
        "line": 93,
        "message": "The venue says arXiv 2023, but its paper arxiv:2204.05862 is from 2022.",
        "expected": "12 Apr 2022 (v1)",
        "found": "arXiv 2023",
    },
    {
        "rule": "mismatch",
        "severity": "error",
        "id": "gh:CarperAI/trlx",
        "file": "README.md",
        "line": 123,
        "message": "The link goes to gh:CarperAI/trlx, but its text and 2 badges name "
        "gh:PKU-Alignment/safe-rlhf.",
        "expected": "CarperAI/trlx",
        "found": "Safe-RLHF: Constrained Value-Aligned LLM via Safe RLHF",
    },
    {
        "rule": "badge",
        "severity": "error",
        "id": "gh:CarperAI/trlx",
        "file": "README.md",
        "line": 123,
        "message": "A badge names gh:PKU-Alignment/safe-rlhf, not the entry's repository.",
        "expected": "CarperAI/trlx",
        "found": "PKU-Alignment/safe-rlhf",
    },
]


NO_LINKS = '[list]\ntitle = "L"\n\n[check]\nignore = ["link"]\n'
"""The reference's web links name real hosts: the link rule has tests of its own
(test_check_links.py, against local pages), so these runs leave it out."""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(REFERENCE, tmp_path / "README.md")
    (tmp_path / "entries.toml").write_text(NO_LINKS, encoding="utf-8")
    return tmp_path


def check(*args: str) -> tuple[int, str, str]:
    r = run("check", "--stale-months", "600", *args)
    return r.exit_code, r.stdout, r.stderr


# -- the reference, in the three formats ---------------------------------------------------


def test_reference_human(fakes: Fakes, here: Path) -> None:
    code, out, err = check("README.md")
    assert (code, out, err) == (1, HUMAN, "")
    # check never writes entries.toml
    assert (here / "entries.toml").read_text(encoding="utf-8") == NO_LINKS


def test_reference_json(fakes: Fakes, here: Path) -> None:
    code, out, _ = check("--format", "json", "README.md")
    assert code == 1
    assert json.loads(out) == {
        "findings": JSON_FINDINGS,
        "summary": {"errors": 4, "warnings": 1, "entries": 12},
    }


def test_reference_github(fakes: Fakes, here: Path) -> None:
    code, out, _ = check("--format", "github", "README.md")
    assert (code, out) == (1, GITHUB)


def test_second_run_answers_from_the_cache(fakes: Fakes, here: Path) -> None:
    check("README.md")
    first = len(fakes.server.requests(""))
    assert fakes.github_requests() == 3  # the repositories linked: trlx (twice), DeepSpeed, PaLM
    before = state(here)
    assert check("README.md")[:2] == (1, HUMAN)
    assert len(fakes.server.requests("")) == first  # nothing asked again
    assert state(here) == before
    assert check("--format", "json", "README.md")[0] == 1
    offline = run("--offline", "check", "--stale-months", "600", "README.md")
    assert (offline.exit_code, offline.stdout) == (1, HUMAN)
    assert len(fakes.server.requests("")) == first


def test_offline_with_an_empty_cache_checks_what_needs_no_source(fakes: Fakes, here: Path) -> None:
    r = run("--offline", "check", "--stale-months", "600", "--format", "github", "README.md")
    # The link's own name and the badges are enough for these two; the dates need arXiv.
    assert (r.exit_code, r.stdout) == (
        1,
        "\n".join(GITHUB.splitlines()[3:5]) + "\nREADME.md: 2 errors, 0 warnings in 12 entries.\n",
    )
    # Offline, nothing was asked: the sources are not blamed (issue 18, item 13).
    assert r.stderr == (
        "alignfetch: 11 entries were not checked: the cache has no record of them and "
        "--offline asks the sources nothing: arxiv:2206.08325, arxiv:2204.05862, arxiv:2305.01937, "
        "arxiv:2306.05685, arxiv:2305.16960 …; run `alignfetch refresh`, or check without "
        "--offline.\n"
    )
    assert fakes.server.requests("") == []
    # The same run with the options after the command, as the README's check section writes.
    after = run("check", "--stale-months", "600", "--format", "github", "README.md", "--offline")
    assert (after.exit_code, after.stdout, after.stderr) == (r.exit_code, r.stdout, r.stderr)
    assert fakes.server.requests("") == []
    quiet = run("check", "--offline", "-q", "--stale-months", "600", "README.md")
    assert quiet.stderr == ""


def test_a_clean_readme_is_one_line_and_exit_0(fakes: Fakes, here: Path) -> None:
    lines = REFERENCE.read_text(encoding="utf-8").splitlines(keepends=True)
    # The evaluation paper (lines 41-49) as the reference has it: correct in every field.
    (here / "clean.md").write_text("# Clean\n\n" + "".join(lines[40:49]), encoding="utf-8")
    code, out, err = check("clean.md")
    assert (code, out, err) == (0, "clean.md: no problems in 1 entry.\n", "")
    code, out, _ = check("--format", "github", "clean.md")
    assert (code, out) == (0, "clean.md: no problems in 1 entry.\n")
    code, out, _ = check("--format", "json", "clean.md")
    assert json.loads(out) == {
        "findings": [],
        "summary": {"errors": 0, "warnings": 0, "entries": 1},
    }


def test_several_files_are_grouped_by_file(fakes: Fakes, here: Path) -> None:
    (here / "b.md").write_text(
        "# B\n\n- [Judging](https://arxiv.org/abs/2306.05685)\n  - *Lianmin Zheng*\n"
        "- [Again](https://arxiv.org/pdf/2306.05685v2)\n",
        encoding="utf-8",
    )
    code, out, _ = check("README.md", "b.md")
    assert code == 1
    assert out.endswith(
        "b.md\n"
        "      5  error    duplicate  arxiv:2306.05685 is already listed at line 3.\n\n"
        "README.md, b.md: 5 errors, 1 warning in 14 entries.\n"
    )
    assert out.index("README.md\n") < out.index("b.md\n")


# -- rules: each fires, and stays quiet on a correct entry -----------------------------------


def _records(fakes: Fakes, here: Path) -> dict[str, Record]:
    """Real records, as the fakes serve them and the cache keeps them."""
    assert check("README.md")[0] == 1
    return Workspace(here / "entries.toml").cache.records(
        [
            "arxiv:2305.01937",
            "arxiv:2204.05862",
            "gh:lucidrains/PaLM-rlhf-pytorch",
            "hf:Anthropic/hh-rlhf",
        ]
    )


PALM = (
    "# L\n\n**[`PaLM-rlhf-pytorch`](https://github.com/lucidrains/PaLM-rlhf-pytorch)**\\\n"
    "![GitHub stars](https://img.shields.io/github/stars/lucidrains/PaLM-rlhf-pytorch)\n"
)
PAPER = (
    "# L\n\n**Can Large Language Models Be an Alternative to Human Evaluations?** \\\n"
    "*Cheng-Han Chiang, Hung-yi Lee*\\\n"
    "National Taiwan University, {venue}. [[Paper](https://arxiv.org/abs/2305.01937)] \\\n"
    "3 May 2023\n"
)
HH = (
    "# L\n\n**[`Anthropic/hh-rlhf`](https://huggingface.co/datasets/Anthropic/hh-rlhf)**\\\n"
    "Anthropic, arXiv 2022. [[Paper](https://arxiv.org/abs/2204.05862)] \\\n12 Apr 2022\n"
)


def rules_of(text: str, facts: dict[str, Facts], **kw: object) -> list[tuple[str, int | None]]:
    found = check_reading(read_list(text), text, "x.md", facts, today=TODAY, **kw)  # type: ignore[arg-type]
    return [(f.rule, f.line) for f in found]


def facts_of(records: dict[str, Record], **changed: Record) -> dict[str, Facts]:
    out = {k: Facts(v) for k, v in records.items()}
    out.update({k.replace("__", ":"): Facts(v) for k, v in changed.items()})
    return out


def test_source_rules_fire_and_stay_quiet(fakes: Fakes, here: Path) -> None:
    recs = _records(fakes, here)
    palm = recs["gh:lucidrains/PaLM-rlhf-pytorch"]
    paper = recs["arxiv:2305.01937"]
    hh = recs["hf:Anthropic/hh-rlhf"]
    assert isinstance(palm, Repo) and isinstance(paper, Paper) and isinstance(hh, Dataset)
    facts = facts_of(recs)
    venue = PAPER.format(venue="arXiv 2023")
    # Correct entries: nothing (pushed 2025-02-16, under 24 months before TODAY).
    assert rules_of(PALM, facts) == []
    assert rules_of(venue, facts) == []
    assert rules_of(HH, facts) == []
    # stale: 21 months at the default; 20 months asked for.
    assert rules_of(PALM, facts, stale_months=21) == [("stale", 3)]
    assert rules_of(PALM, facts, stale_months=22) == []
    gh = "gh:lucidrains/PaLM-rlhf-pytorch"
    assert rules_of(PALM, {gh: Facts(dataclasses.replace(palm, archived=True))}) == [
        ("archived", 3)
    ]
    moved = dataclasses.replace(palm, full_name="lucidrains/palm-rlhf", redirected_from="x")
    assert rules_of(PALM, {gh: Facts(moved)}) == [("renamed", 3)]  # badge names the link
    assert rules_of(PALM, {gh: Facts(None, "gh:lucidrains/PaLM-rlhf-pytorch does not exist")}) == [
        ("gone", 3)
    ]
    pid = "arxiv:2305.01937"
    gone = dataclasses.replace(paper, comment="This paper has been withdrawn by the authors")
    assert rules_of(venue, facts | {pid: Facts(gone)}) == [("withdrawn", 3)]
    noted = dataclasses.replace(paper, comment="Accepted to ACL 2023 main conference")
    assert rules_of(venue, facts | {pid: Facts(noted)}) == []
    pub = dataclasses.replace(paper, journal_ref="Proceedings of ACL 2023")
    assert rules_of(venue, facts | {pid: Facts(pub)}) == [("published", 3)]
    assert rules_of(PAPER.format(venue="ACL 2023"), facts | {pid: Facts(pub)}) == []
    arxiv_doi = dataclasses.replace(paper, doi="10.48550/arXiv.2305.01937")
    assert rules_of(venue, facts | {pid: Facts(arxiv_doi)}) == []
    hid = "hf:Anthropic/hh-rlhf"
    assert rules_of(HH, facts | {hid: Facts(dataclasses.replace(hh, gated="manual"))}) == [
        ("gated", 3)
    ]
    assert rules_of(HH, facts | {hid: Facts(dataclasses.replace(hh, disabled=True))}) == [
        ("gated", 3)
    ]


def test_title_authors_date_mismatch_on_a_paper(fakes: Fakes, here: Path) -> None:
    facts = facts_of(_records(fakes, here))
    good = PAPER.format(venue="arXiv 2023")
    assert rules_of(good.replace("Be an", "BE  an"), facts) == []  # case and spaces only
    assert rules_of(good.replace("Evaluations?", "Evaluation?"), facts) == [("title", 3)]
    other = good.replace(
        "Can Large Language Models Be an Alternative to Human Evaluations?",
        "Judging LLM-as-a-judge with MT-Bench and Chatbot Arena",
    )
    assert rules_of(other, facts) == [("mismatch", 3)]
    assert rules_of(good.replace("Hung-yi Lee", "hung-yi  lee"), facts) == []
    assert rules_of(good.replace("Hung-yi Lee", "Hung-Yi Li"), facts) == [("authors", 3)]
    assert (
        rules_of(good.replace("Cheng-Han Chiang, Hung-yi Lee", "Cheng-Han Chiang et al."), facts)
        == []
    )
    assert rules_of(good.replace("3 May 2023", "4 May 2023"), facts) == [("date", 3)]
    assert rules_of(good.replace("arXiv 2023", "arXiv 2022"), facts) == [("date", 3)]
    assert rules_of(good.replace("arXiv 2023", "NeurIPS 2024"), facts) == []


def test_duplicate_toc_badge_and_mismatch_need_no_record() -> None:
    text = (
        "# T\n\n- [Papers](#papers)\n- [Gone](#no-such-heading)\n\n## Papers\n\n"
        "- [A](https://arxiv.org/abs/2305.01937)\n"
        "- [B](https://arxiv.org/pdf/2305.01937v1.pdf)\n"
        "- [C](https://arxiv.org/abs/2306.05685)\n"
    )
    assert rules_of(text, {}) == [("toc", 4), ("duplicate", 9)]
    badge = PALM.replace("stars/lucidrains/PaLM-rlhf-pytorch", "stars/CarperAI/trlx")
    assert rules_of(badge, {}) == [("badge", 3)]
    assert rules_of(PALM, {}) == []
    nickname = "# L\n\n- [Safe-RLHF](https://github.com/CarperAI/trlx)\n"
    assert rules_of(nickname, {}) == []  # a text alone may be a nickname: no evidence
    wrong = (
        "# L\n\n- [Safe-RLHF](https://github.com/CarperAI/trlx) "
        "[code](https://github.com/PKU-Alignment/safe-rlhf)\n"
    )
    assert rules_of(wrong, {}) == [("mismatch", 3)]
    generic = "# L\n\n- [Dataset Link](https://huggingface.co/datasets/Anthropic/hh-rlhf)\n"
    assert rules_of(generic, {}) == []
    right = (
        "# L\n\n- [trlx: Transformer Reinforcement Learning X](https://github.com/CarperAI/trlx)\n"
    )
    assert rules_of(right, {}) == []


def test_the_reference_toc_matches_its_headings() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    # Every anchor of its TOC exists, the title's trailing "-" (before its badge) included.
    assert [r for r in rules_of(text, {}) if r[0] == "toc"] == []
    broken = text.replace("(#llm-for-safety--safe-alignment)", "(#llm-for-safety-safe-alignment)")
    assert [r for r in rules_of(broken, {}) if r[0] == "toc"] == [("toc", 5)]


# -- configuration ---------------------------------------------------------------------------


LIST = """\
[list]
title = "L"

[check]
ignore = ["authors", "link"]
severity = {date = "warning"}

[[sections]]
slug = "papers"
title = "Papers"

[[entries]]
id = "arxiv:2305.01937"
section = "papers"
date = "2023-05-04"

[[entries]]
id = "gh:CarperAI/trlx"
section = "papers"
check_ignore = ["mismatch"]
"""


def test_config_ignore_severity_and_check_ignore(fakes: Fakes, here: Path) -> None:
    (here / "entries.toml").write_text(LIST, encoding="utf-8")
    code, out, _ = check("--format", "json", "README.md")
    doc = json.loads(out)
    assert [(f["rule"], f["severity"], f["line"]) for f in doc["findings"]] == [
        ("date", "warning", 29),
        ("date", "warning", 93),
        ("badge", "error", 123),
    ]
    assert code == 1


def test_the_list_itself(fakes: Fakes, here: Path) -> None:
    (here / "entries.toml").write_text(LIST, encoding="utf-8")
    before = (here / "entries.toml").read_bytes()
    code, out, _ = check()
    assert (code, out) == (
        0,
        "entries.toml\n"
        "     12  warning  date       The date 2023-05-04 is neither the first nor the latest "
        "version's date of arxiv:2305.01937.\n"
        "                           the file says:    2023-05-04\n"
        "                           the source says:  3 May 2023 (v1)\n\n"
        "entries.toml: 0 errors, 1 warning in 2 entries.\n",
    )
    assert (here / "entries.toml").read_bytes() == before
    (here / "entries.toml").write_text(LIST.replace('date = "2023-05-04"\n', ""), encoding="utf-8")
    assert check() == (0, "entries.toml: no problems in 2 entries.\n", "")
    code, out, _ = check("--stale-months", "12")  # (check() passes 600 first; the last wins)
    assert code == 0 and "stale" in out and "gh:CarperAI/trlx has had no push for 34 months" in out


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'ignore = ["nope"]',
            "In entries.toml, [check] ignore names unknown rule(s) nope; the rules are "
            "mismatch, title, authors, date, duplicate, withdrawn, venue, published, archived, renamed, "
            "gone, stale, gated, toc, badge, link (see `alignfetch check --rules`).",
        ),
        (
            'severity = {stale = "fatal"}',
            'In entries.toml, [check] severity of stale must be "error" or "warning", not \'fatal\'.',
        ),
        (
            "colour = true",
            "In entries.toml, [check] has unknown key(s) colour; allowed: ignore, severity, max_links.",
        ),
    ],
)
def test_bad_config_is_one_sentence_and_exit_2(here: Path, table: str, message: str) -> None:
    (here / "entries.toml").write_text(
        LIST.replace('ignore = ["authors", "link"]\nseverity = {date = "warning"}', table),
        encoding="utf-8",
    )
    before = state(here)
    r = run("--offline", "check")
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", f"alignfetch: {message}\n")
    assert state(here) == before


def test_config_from_validates() -> None:
    assert config_from(None) == Config()
    assert config_from({"ignore": ["stale"], "severity": {"gated": "error"}}) == Config(
        frozenset({"stale"}), {"gated": "error"}
    )
    with pytest.raises(InputError, match=r"^In entries.toml, \[check\] must be a table\.$"):
        config_from(["stale"])


# -- output details and usage ---------------------------------------------------------------


def test_github_escapes_percent_cr_lf_and_property_separators() -> None:
    from alignfetch.lint.findings import Finding

    f = Finding("title", "warning", "arxiv:1", "a,b:c.md", 7, "100% sure\r\nnot", "x\ny")
    assert Result([f], 1, ["a,b:c.md"]).github() == (
        "::warning file=a%2Cb%3Ac.md,line=7,title=title::100%25 sure%0D%0Anot "
        "(the source says: x%0Ay)\n"
        "a,b:c.md: 0 errors, 1 warning in 1 entry.\n"
    )


def test_rules_lists_every_rule_with_its_severity() -> None:
    r = run("check", "--rules")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert [ln.split()[0] for ln in lines] == [
        "mismatch",
        "title",
        "authors",
        "date",
        "duplicate",
        "withdrawn",
        "venue",
        "published",
        "archived",
        "renamed",
        "gone",
        "stale",
        "gated",
        "toc",
        "badge",
        "link",
    ]
    assert lines[15] == (
        "link       warning  a web link answers 404, 410 or 5xx, or cannot be reached "
        "(not with --offline)"
    )
    assert (
        lines[11]
        == "stale      warning  the repository has had no push for --stale-months (default 24)"
    )


def test_bad_usage_exits_2(here: Path) -> None:
    r = run("check", "missing.md")
    assert (r.exit_code, r.stderr) == (
        2,
        "alignfetch: The file missing.md could not be read (No such file or directory); "
        "check the path.\n",
    )
    assert run("check", "--format", "xml", "README.md").exit_code == 2
    assert run("check", "--stale-months", "0", "README.md").exit_code == 2
    (here / "entries.toml").unlink()
    r = run("--offline", "check")  # no file and no list
    assert r.exit_code == 2 and "entries.toml does not exist" in r.stderr


def test_toc_reads_setext_headings_repeats_and_skips_code() -> None:
    text = (
        "Title\n=====\n\n- [A](#title)\n- [B](#part)\n- [C](#part-1)\n- [D](#part-2)\n"
        '- <a href="#nowhere">E</a>\n\n## Part\n\n## Part\n\n```\n## Part\n[x](#in-code)\n```\n'
    )
    # "## Part" inside the fence is no heading (so no #part-2), and its link is no link.
    found = check_reading(read_list(text), text, "x.md", {}, today=TODAY)
    assert [(f.rule, f.line, f.message) for f in found] == [
        ("toc", 7, "The link #part-2 names no heading of the file."),
        ("toc", 8, "The link #nowhere names no heading of the file."),
    ]


def test_mismatch_by_text_alone_says_what_the_text_names() -> None:
    text = (
        "# L\n\n- [Safe-RLHF](https://github.com/CarperAI/trlx) "
        "[code](https://github.com/PKU-Alignment/safe-rlhf)\n"
    )
    found = check_reading(read_list(text), text, "x.md", {}, today=TODAY)
    assert [(f.rule, f.message, f.expected, f.found) for f in found] == [
        (
            "mismatch",
            "The link goes to gh:CarperAI/trlx, but its text names gh:PKU-Alignment/safe-rlhf.",
            "CarperAI/trlx",
            "Safe-RLHF",
        )
    ]
    badges_only = (
        "# L\n\n**[`A fine tool`](https://github.com/CarperAI/trlx)**\\\n"
        "![GitHub stars](https://img.shields.io/github/stars/PKU-Alignment/safe-rlhf)\n"
    )
    found = check_reading(read_list(badges_only), badges_only, "x.md", {}, today=TODAY)
    assert [(f.rule, f.message) for f in found] == [
        (
            "mismatch",
            "The link goes to gh:CarperAI/trlx, but 1 badge names gh:PKU-Alignment/safe-rlhf.",
        ),
        ("badge", "A badge names gh:PKU-Alignment/safe-rlhf, not the entry's repository."),
    ]


def test_stdin_and_a_repository_that_is_gone(fakes: Fakes, here: Path) -> None:
    from click.testing import CliRunner

    from alignfetch.cli import cli

    text = "# L\n\n- [nothing-here](https://github.com/nobody/nothing-here)\n"
    r = CliRunner().invoke(
        cli, ["check", "--format", "json", "-"], input=text, catch_exceptions=False
    )
    assert r.exit_code == 1
    [finding] = json.loads(r.stdout)["findings"]
    assert (
        finding["rule"],
        finding["severity"],
        finding["id"],
        finding["file"],
        finding["line"],
    ) == (
        "gone",
        "error",
        "gh:nobody/nothing-here",
        "-",
        3,
    )
    assert finding["message"].startswith(
        "gh:nobody/nothing-here is gone: gh:nobody/nothing-here does not exist on GitHub"
    )
    assert r.stderr == ""


def test_the_list_rules_duplicate_gone_title_and_check_ignore(fakes: Fakes, here: Path) -> None:
    from alignfetch.lint.rules import check_entries
    from alignfetch.list.entries import Entry

    recs = _records(fakes, here)
    palm = recs["gh:lucidrains/PaLM-rlhf-pytorch"]
    paper = recs["arxiv:2305.01937"]
    entries = [
        Entry("gh:lucidrains/PaLM-rlhf-pytorch", "s"),
        Entry("gh:lucidrains/old-name", "s"),
        Entry("arxiv:2305.01937", "s", title="Can LLMs Be an Alternative to Human Evaluations?"),
        Entry("gh:gone/away", "s"),
    ]
    facts = {
        "gh:lucidrains/PaLM-rlhf-pytorch": Facts(palm),
        "gh:lucidrains/old-name": Facts(palm),  # GitHub redirects it to the same repository
        "arxiv:2305.01937": Facts(paper),
        "gh:gone/away": Facts(None, "gh:gone/away does not exist on GitHub."),
    }
    lines = {e.id: 10 * i for i, e in enumerate(entries, 1)}
    found = check_entries(entries, lines, "entries.toml", facts, today=TODAY)
    assert [(f.rule, f.line, f.message) for f in found] == [
        (
            "duplicate",
            20,
            "gh:lucidrains/old-name is the same work as gh:lucidrains/PaLM-rlhf-pytorch.",
        ),
        (
            "renamed",
            20,
            "gh:lucidrains/old-name is now lucidrains/PaLM-rlhf-pytorch on GitHub.",
        ),
        ("title", 30, "The title differs from arxiv:2305.01937's."),
        ("gone", 40, "gh:gone/away is gone: gh:gone/away does not exist on GitHub."),
    ]
    quiet = [dataclasses.replace(e, check_ignore=("renamed", "duplicate")) for e in entries]
    assert [f.rule for f in check_entries(quiet, lines, "entries.toml", facts, today=TODAY)] == [
        "title",
        "gone",
    ]


def test_check_ignore_must_be_a_list_of_known_rules(here: Path) -> None:
    (here / "entries.toml").write_text(
        LIST.replace('check_ignore = ["mismatch"]', 'check_ignore = "mismatch"'), encoding="utf-8"
    )
    r = run("--offline", "check")
    assert (r.exit_code, r.stderr) == (
        2,
        "alignfetch: In entries.toml, entry 2 (gh:CarperAI/trlx): check_ignore must be a list "
        'of rule names, ["stale"].\n',
    )
    (here / "entries.toml").write_text(
        LIST.replace('check_ignore = ["mismatch"]', 'check_ignore = ["mismatches"]'),
        encoding="utf-8",
    )
    r = run("--offline", "check")
    assert r.exit_code == 2
    assert r.stderr.startswith(
        "alignfetch: In entries.toml, gh:CarperAI/trlx's check_ignore names unknown rule(s) "
        "mismatches; the rules are mismatch, "
    )


def test_a_source_that_does_not_answer_is_named_not_fatal(fakes: Fakes, here: Path) -> None:
    fakes.github.rate_limit()
    (here / "x.md").write_text(
        "# L\n\n- [trlx](https://github.com/CarperAI/trlx)\n", encoding="utf-8"
    )
    before = state(here)
    r = run("check", "x.md")
    assert (r.exit_code, r.stdout) == (0, "x.md: no problems in 1 entry.\n")
    assert r.stderr == (
        "alignfetch: 1 entry was not checked against the sources, which did not answer for "
        "them: gh:CarperAI/trlx.\n"
    )
    assert fakes.github_requests() == 1  # asked once, not retried
    assert {k: v for k, v in state(here).items() if not k.startswith(".alignfetch")} == before
