"""The project's own list, end to end: entries.toml -> fakes -> cache -> export -> README.

The export must equal the document built by hand from the fixtures
(tests/data/render/reference_export.json), and the README the reference list but
for the differences test_render names.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import Fakes, run, state
from test_refresh import new_version
from test_render import EXPORT, REFERENCE, _normalise

ROOT = Path(__file__).parents[1]


@pytest.fixture
def project(fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "entries.toml", tmp_path / "entries.toml")
    monkeypatch.chdir(tmp_path)
    result = run("refresh")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Checked 12 entries: 12 fetched for the first time.\n"
    return tmp_path


def test_export_equals_the_hand_built_document(project: Path) -> None:
    assert json.loads(run("export").stdout) == json.loads(EXPORT.read_text(encoding="utf-8"))


def test_render_reproduces_the_reference_and_check_guards_it(project: Path) -> None:
    assert run("render", "-o", "README.md").exit_code == 0
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme == _normalise(REFERENCE.read_text(encoding="utf-8"))
    ok = run("render", "--check", "-o", "README.md")
    assert ok.exit_code == 0 and ok.stdout == ""
    (project / "README.md").write_text(readme.replace("UC Berkeley", "Berkeley"), encoding="utf-8")
    before = state(project)
    stale = run("render", "--check", "-o", "README.md")
    assert stale.exit_code == 1
    assert "-Berkeley, arXiv 2023." in stale.stdout and "+UC Berkeley, arXiv 2023." in stale.stdout
    assert "not up to date" in stale.stderr
    assert state(project) == before


def test_a_fresh_clone_renders_offline_from_the_committed_export(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert run("export", "-o", "alignfetch.json").exit_code == 0
    assert run("render", "-o", "README.md").exit_code == 0
    clone = tmp_path_factory.mktemp("clone")
    for name in ("entries.toml", "alignfetch.json", "README.md"):
        shutil.copy(project / name, clone / name)
    result = run("--entries", str(clone / "entries.toml"), "render", "--check",
                 "--from", str(clone / "alignfetch.json"), "-o", str(clone / "README.md"))
    assert result.exit_code == 0, result.output
    assert not (clone / ".alignfetch").exists()  # no cache was needed, none was made


def test_new_version_and_journal_ref_reach_the_readme(fakes: Fakes, project: Path) -> None:
    assert run("render", "-o", "README.md").exit_code == 0
    new_version(fakes, "2305.01937", 2, journal_ref="Proceedings of ACL 2023")
    report = run("refresh", "--all")
    assert report.exit_code == 0
    assert report.stdout == (
        "Checked 12 entries: 1 changed.\n\n"
        "- arxiv:2305.01937: new version v2 (was v1)\n"
        "- arxiv:2305.01937: published: Proceedings of ACL 2023\n"
    )
    stale = run("render", "--check", "-o", "README.md")
    assert stale.exit_code == 1
    assert "+National Taiwan University, Proceedings of ACL 2023. [[Paper]" in stale.stdout
    assert run("render", "-o", "README.md").exit_code == 0
    entry = json.loads(run("show", "2305.01937", "--json").stdout)
    assert entry["version"] == 2 and entry["journal_ref"] == "Proceedings of ACL 2023"


def test_markers_keep_a_hand_written_introduction(project: Path) -> None:
    intro = "# My list\n\nWritten by hand.\n\n<!-- alignfetch:start -->\nold\n<!-- alignfetch:end -->\n\nThanks!\n"
    (project / "README.md").write_text(intro, encoding="utf-8")
    assert run("render", "-o", "README.md").exit_code == 0
    text = (project / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# My list\n\nWritten by hand.\n\n<!-- alignfetch:start -->\n")
    assert text.endswith("<!-- alignfetch:end -->\n\nThanks!\n")
    assert "Judging LLM-as-a-judge" in text and "\nold\n" not in text


def test_custom_template_named_in_entries_toml(project: Path) -> None:
    (project / "list.md.j2").write_text(
        "{{ list.title }}: {% for s in sections %}{{ s.title }}; {% endfor %}\n", encoding="utf-8")
    text = (project / "entries.toml").read_text(encoding="utf-8")
    (project / "entries.toml").write_text(
        text.replace('title = "Awesome-LLM-Alignment"', 'title = "Awesome-LLM-Alignment"\ntemplate = "list.md.j2"', 1),
        encoding="utf-8")
    out = run("render")
    assert out.exit_code == 0, out.output
    assert out.stdout.startswith("Awesome-LLM-Alignment: Papers;")
    broken = run("render", "--template", "missing.j2")
    assert broken.exit_code == 2 and "could not be read" in broken.stderr


def test_a_published_preprint_shows_its_journal_and_doi(fakes: Fakes, project: Path) -> None:
    entry = fakes.arxiv.entry("2306.05685").decode().replace(
        "</summary>",
        "</summary>\n    <arxiv:doi>10.5555/nips.2023.1</arxiv:doi>"
        "\n    <arxiv:journal_ref>NeurIPS 2023 Datasets and Benchmarks</arxiv:journal_ref>",
    )
    fakes.arxiv.put(entry)
    assert run("refresh", "--all").exit_code == 0
    text = run("render").stdout
    assert ("UC Berkeley, NeurIPS 2023 Datasets and Benchmarks. [[Paper](https://arxiv.org/abs/2306.05685)] "
            "[[DOI](https://doi.org/10.5555/nips.2023.1)] \\\n") in text


def test_the_committed_list_is_current(project: Path) -> None:
    """list/alignfetch.json is what the project's entries.toml exports, and
    list/README.md what it renders to: the check CI can run offline."""
    assert json.loads(run("export").stdout) == json.loads((ROOT / "list" / "alignfetch.json").read_text())
    result = run("render", "--check", "--from", str(ROOT / "list" / "alignfetch.json"),
                 "-o", str(ROOT / "list" / "README.md"))
    assert result.exit_code == 0, result.stdout
