"""A list's own look, learned by `import` (issue 20, item 1): the page comes back as the
maintainer wrote it, and what comes back is written from entries.toml's fields."""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from conftest import Fakes, run, state

ROOT = Path(__file__).parents[1]
LISTS = sorted((ROOT / "tests" / "data" / "lists").glob("*.README.md"))
REFERENCE = ROOT / "tests" / "data" / "reference" / "awesome-llm-alignment.README.md"


def _share(original: str, rendered: str) -> float:
    want = Counter(line for line in original.splitlines() if line.strip())
    got = Counter(line for line in rendered.splitlines() if line.strip())
    return sum((want & got).values()) / sum(want.values())


def _adopt(folder: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "README.md").write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    result = run("import", "README.md")
    assert result.exit_code == 0, result.output


def _render(*options: str) -> str:
    result = run("--offline", "render", *options)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", [*LISTS, REFERENCE], ids=lambda p: p.name.split(".")[0])
def test_a_real_list_comes_back_as_written(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a learned page that loses or rewrites the maintainer's text: an
    introduction, a table's header, an entry's line, a heading with markup, a line
    holding Jinja's own braces. Each list of tests/data/lists comes back line for line,
    whatever its shape (bullets, tables, HTML tables, details, surveys)."""
    text = path.read_text(encoding="utf-8")
    _adopt(tmp_path / "list", text, monkeypatch)
    out = _render()
    assert _share(text, out) >= 0.9
    assert out.rstrip("\n") == text.replace("\r\n", "\n").rstrip("\n")


PAPERS = """\
# Awesome Evaluators

A list of papers. Contributions welcome: {{ and {% are only text here %}.

## Contents

- [Evaluation](#evaluation)
- [Safety](#safety)

## Evaluation

- [Can Large Language Models Be an Alternative to Human Evaluations?](https://arxiv.org/abs/2305.01937) - Cheng-Han Chiang, Hung-yi Lee. *3 May 2023*.
- [Judging LLM-as-a-judge with MT-Bench and Chatbot Arena](https://arxiv.org/abs/2306.05685) - Lianmin Zheng et al. *9 Jun 2023*.

## Safety

- [Characteristics of Harmful Text: Towards Rigorous Benchmarking of Language Models](https://arxiv.org/abs/2206.08325) - Maribeth Rauh et al. *16 Jun 2022*.

## License

CC0.
"""


def _line(text: str, marker: str) -> str:
    return next(line for line in text.splitlines() if marker in line)


def test_edit_title_changes_that_line_and_no_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a template that copies each entry's line as text: an edited title must
    reach the page (the structure is real), in that entry's line alone."""
    _adopt(tmp_path, PAPERS, monkeypatch)
    before = _render()
    assert before == PAPERS
    assert run("edit", "2305.01937", "--title", "A New Title").exit_code == 0
    after = _render()
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert changed == [
        (
            _line(PAPERS, "2305.01937"),
            _line(PAPERS, "2305.01937").replace(
                "Can Large Language Models Be an Alternative to Human Evaluations?", "A New Title"
            ),
        )
    ]


def test_a_new_entry_and_section_take_the_lists_own_shapes(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a learned template that knows only the entries it was learned from: an
    entry added later is written in its section's shape, its fetched date and authors the
    way the list writes its own (not ISO, not all 31 authors where the list says `et al`),
    and a new section gets a heading and a table-of-contents line in the list's own way."""
    _adopt(tmp_path, PAPERS, monkeypatch)
    assert run("sections", "add", "more", "--title", "More Papers").exit_code == 0
    assert run("add", "2204.05862", "--section", "safety").exit_code == 0
    assert run("add", "2305.14929", "--section", "more").exit_code == 0
    out = run("render").stdout
    assert (
        "(https://arxiv.org/abs/2206.08325) - Maribeth Rauh et al. *16 Jun 2022*.\n"
        "- [Training a Helpful and Harmless Assistant with Reinforcement Learning from Human "
        "Feedback](https://arxiv.org/abs/2204.05862) - Yuntao Bai et al. *12 Apr 2022*.\n" in out
    )
    assert "- [Safety](#safety)\n- [More Papers](#more-papers)\n" in out
    assert (
        "## More Papers\n\n- [Aligning Language Models to User Opinions]"
        "(https://arxiv.org/abs/2305.14929) - EunJeong Hwang et al. *24 May 2023*.\n"
    ) in out
    assert _share(PAPERS, out) == 1.0  # every line of the page is still there


def test_text_that_looks_like_jinja_stays_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches the page's own text written into the template unescaped: ``{{``, ``{%``
    and ``{#`` in a README (a code sample, a Helm chart) would run as template code."""
    text = PAPERS.replace("CC0.", "Use `{{ config }}` and `{# note #}` and {% raw %}x.")
    _adopt(tmp_path, text, monkeypatch)
    assert _render() == text


def test_an_existing_template_is_never_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches import replacing a maintainer's own template named like the learned one:
    it refuses in one sentence and writes nothing; --house-style imports without one."""
    (tmp_path / "README.md.j2").write_text("mine\n", encoding="utf-8")
    (tmp_path / "README.md").write_text(PAPERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = state(tmp_path)
    refused = run("import", "README.md")
    assert refused.exit_code != 0
    assert "README.md.j2 exists already" in refused.stderr
    assert state(tmp_path) == before
    assert run("import", "--house-style", "README.md").exit_code == 0
    meta = tomllib.loads((tmp_path / "entries.toml").read_text(encoding="utf-8"))["list"]
    assert "template" not in meta
    assert (tmp_path / "README.md.j2").read_text(encoding="utf-8") == "mine\n"


def test_dry_run_learns_but_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches a dry run that writes the template (or entries.toml) it reports."""
    (tmp_path / "README.md").write_text(PAPERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = state(tmp_path)
    result = run("import", "--dry-run", "README.md")
    assert result.exit_code == 0
    assert "Would learn the list's look into README.md.j2: 3 entries" in result.stderr
    assert state(tmp_path) == before


def test_the_report_counts_shapes_and_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a report that hides entries kept as their own line: the JSON report
    names the template, the shapes shared and the fields written from entries.toml."""
    (tmp_path / "README.md").write_text(PAPERS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("import", "--json", "README.md")
    import json

    look = json.loads(result.stdout)["look"]
    assert look["template"] == "README.md.j2"
    assert (look["entries"], look["shapes"], look["own"]) == (3, 1, 0)
    assert look["fields"]["title"] == 3 and look["fields"]["date"] == 3


def test_refresh_corrects_only_what_a_source_knows(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a refresh that rewrites the maintainer's page, or one that corrects
    nothing: once the sources answer, the page changes only where a source knows better
    (here: no line, the titles, authors and first-version dates are those typed), and a
    wrong typed date gives way to the fetched one, written the list's way."""
    text = PAPERS.replace("*3 May 2023*", "*1 Jan 2020*")
    _adopt(tmp_path, text, monkeypatch)
    assert run("refresh").exit_code == 0
    assert run("render").stdout == PAPERS


SURVEY = """\
# Survey

## Contents

- [Planning](#planning)
- [Memory](#memory)

## Planning

1. **ReAct**. "ReAct: Synergizing Reasoning and Acting in Language Models". Shunyu Yao, Jeffrey Zhao. ICLR 2023. [[Paper](https://arxiv.org/abs/2210.03629)]
2. **Reflexion**. "Reflexion: Language Agents with Verbal Reinforcement Learning". Noah Shinn et al. NeurIPS 2023. [[Paper](https://arxiv.org/abs/2303.11366)]

## Memory

1. **Reflexion**. "Reflexion: Language Agents with Verbal Reinforcement Learning". Noah Shinn et al. NeurIPS 2023. [[Paper](https://arxiv.org/abs/2303.11366)]
2. **MemGPT**. "MemGPT: Towards LLMs as Operating Systems". Charles Packer et al. arXiv 2023. [[Paper](https://arxiv.org/abs/2310.08560)] {name} and {{ x }}.
"""


def test_a_cross_listed_entry_comes_back_under_each_heading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a survey's deliberate second listing imported as a duplicate (dropped from
    the page, an error for check), and an edit reaching only one of its lines: the entry
    is one entry listed in both sections, the page comes back as written, check finds no
    duplicate, and an edited title changes both of its lines and nothing else. A literal
    ``{name}`` in the text stays text."""
    _adopt(tmp_path, SURVEY, monkeypatch)
    data = tomllib.loads((tmp_path / "entries.toml").read_text(encoding="utf-8"))
    (reflexion,) = [e for e in data["entries"] if e["id"] == "arxiv:2303.11366"]
    assert reflexion["sections"] == ["planning", "memory"]
    assert _render() == SURVEY
    checked = run("--offline", "check", "README.md")
    assert checked.exit_code == 0 and "duplicate" not in checked.output
    assert run("edit", "2303.11366", "--title", "Reflexion, Renamed").exit_code == 0
    after = _render()
    changed = [
        (a, b) for a, b in zip(SURVEY.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert [b for _, b in changed] == [
        a.replace(
            "Reflexion: Language Agents with Verbal Reinforcement Learning", "Reflexion, Renamed"
        )
        for a, _ in changed
    ]
    assert len(changed) == 2


def test_check_compares_what_the_list_typed(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches check of an adopted list's entries.toml that compares only overrides: the
    list's own typed title and date (kept in `typed`) are what the title and date rules
    compare with the source."""
    text = PAPERS.replace("*3 May 2023*", "*1 Jan 2020*").replace(
        "[Judging LLM-as-a-judge with MT-Bench and Chatbot Arena]",
        "[Judging LLM-as-a-judge with MT-Bench and the Chatbot Arena]",
    )
    _adopt(tmp_path, text, monkeypatch)
    assert run("refresh").exit_code == 0
    checked = run("check", "--format", "json")
    rules = sorted({f["rule"] for f in json.loads(checked.stdout)["findings"]})
    assert checked.exit_code == 1
    assert rules == ["date", "title"]
