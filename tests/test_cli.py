"""The CLI's main paths, in-process (CliRunner) and as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit
from lxml import etree

from conftest import DATA, Fakes, run, state

NS = {"a": "http://www.w3.org/2005/Atom"}


def served(key: str) -> dict[str, object]:
    """What the fake arXiv serves for a reference paper, read straight from its file."""
    entry = etree.parse(str(DATA / "reference" / "arxiv" / f"{key}.xml")).find("a:entry", NS)
    return {
        "title": entry.findtext("a:title", namespaces=NS),
        "authors": [a.findtext("a:name", namespaces=NS) for a in entry.iterfind("a:author", NS)],
        "abstract": entry.findtext("a:summary", namespaces=NS),
        "published": entry.findtext("a:published", namespaces=NS)[:10],
    }


def test_add_one_writes_the_entry_and_prints_it(fakes: Fakes, listdir: Path) -> None:
    before = (listdir / "entries.toml").read_text()
    result = run("add", "2305.01937", "--section", "evaluation", "--venue", "ACL 2023")
    assert result.exit_code == 0, result.output
    assert "Can Large Language Models Be an Alternative to Human Evaluations?" in result.stdout
    assert "Cheng-Han Chiang, Hung-yi Lee" in result.stdout
    assert "3 May 2023" in result.stdout
    after = (listdir / "entries.toml").read_text()
    assert after.startswith(before)  # comments and order kept; the entry is appended
    assert after[len(before) :] == (
        '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\nvenue = "ACL 2023"\n'
    )
    assert fakes.arxiv_requests() == 1


def test_export_shows_what_the_server_gave(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "https://arxiv.org/abs/2305.01937v1", "-s", "evaluation").exit_code == 0
    result = run("export", "--format", "json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    (entry,) = doc["entries"]
    want = served("2305.01937")
    assert {k: entry[k] for k in want} == want
    assert entry["id"] == "arxiv:2305.01937" and entry["kind"] == "paper"
    assert entry["url"] == "https://arxiv.org/abs/2305.01937"
    assert doc["list"] == {"title": "Awesome-LLM-Alignment"}
    assert [s["slug"] for s in doc["sections"]] == ["papers", "evaluation", "safety"]


def test_add_several_costs_one_request(fakes: Fakes, listdir: Path) -> None:
    result = run("add", "2206.08325", "arXiv:2204.05862v1", "-s", "safety")
    assert result.exit_code == 0, result.output
    assert fakes.arxiv_requests() == 1
    doc = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert [e["id"] for e in doc["entries"]] == ["arxiv:2206.08325", "arxiv:2204.05862"]


def test_remove_show_list(fakes: Fakes, listdir: Path) -> None:
    run("add", "2206.08325", "2204.05862", "-s", "safety")
    run("add", "2305.01937", "-s", "evaluation", "--link", "Github=https://github.com/x/y")
    listing = run("list")
    assert listing.exit_code == 0
    assert [line.split("\t")[0] for line in listing.stdout.splitlines()] == [
        "arxiv:2206.08325", "arxiv:2204.05862", "arxiv:2305.01937",
    ]
    only = json.loads(run("list", "--section", "evaluation", "--json").stdout)
    assert [e["id"] for e in only] == ["arxiv:2305.01937"]
    assert only[0]["links"] == {"Github": "https://github.com/x/y"}
    shown = json.loads(run("show", "10.48550/arXiv.2305.01937", "--json").stdout)
    assert shown == only[0]
    text = run("show", "2305.01937").stdout
    assert "\nTitle " in text and "Hung-yi Lee" in text
    removed = run("remove", "arxiv:2204.05862")
    assert removed.exit_code == 0
    doc = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert [e["id"] for e in doc["entries"]] == ["arxiv:2206.08325", "arxiv:2305.01937"]
    assert run("remove", "2204.05862").exit_code == 2


def test_sections(listdir: Path) -> None:
    result = run("sections")
    assert result.stdout.splitlines() == [
        "papers\tPapers",
        "  evaluation\tLLM for Evaluation",
        "  safety\tLLM for Safety & Safe-Alignment",
    ]


def test_offline_hit_and_miss(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert run("remove", "2305.01937").exit_code == 0
    hit = run("--offline", "add", "2305.01937", "-s", "evaluation")
    assert hit.exit_code == 0 and "Hung-yi Lee" in hit.stdout
    assert fakes.arxiv_requests() == 1  # the re-add came from the cache
    before = state(listdir)
    miss = run("--offline", "add", "2306.05685", "-s", "evaluation")
    assert miss.exit_code == 1
    assert "not in the cache" in miss.stderr and "--offline" in miss.stderr
    assert state(listdir) == before
    assert fakes.arxiv_requests() == 1


def test_export_is_deterministic_and_valid(fakes: Fakes, listdir: Path) -> None:
    import jsonschema

    run("add", "2206.08325", "2204.05862", "-s", "safety", "--affiliation", "DeepMind")
    run("add", "2305.01937", "-s", "evaluation", "--date", "2023-05-03")
    assert run("export", "-o", "out.json").exit_code == 0
    first = (listdir / "out.json").read_bytes()
    second = run("export").stdout.encode()
    assert first == second
    # "-" is stdout, not a file named "-" (which an earlier version wrote).
    assert run("export", "-o", "-").stdout.encode() == first
    assert run("render", "-o", "-").stdout == run("render").stdout
    assert not (listdir / "-").exists()
    schema_path = Path(__file__).parents[1] / "src" / "alignfetch" / "export.schema.json"
    jsonschema.validate(json.loads(first), json.loads(schema_path.read_text()))


def test_subprocess_add_and_export(fakes: Fakes, listdir: Path) -> None:
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "alignfetch"]
    added = subprocess.run(
        [*cmd, "add", "2305.01937", "--section", "evaluation"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert added.returncode == 0, added.stderr
    assert "Can Large Language Models Be an Alternative to Human Evaluations?" in added.stdout
    assert "Added 1 entry" in added.stderr
    exported = subprocess.run(
        [*cmd, "export", "--format", "json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert exported.returncode == 0
    assert json.loads(exported.stdout)["entries"][0]["published"] == "2023-05-03"
    bad = subprocess.run(
        [*cmd, "add", "not-an-id", "--section", "evaluation"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("alignfetch: The text 'not-an-id' is not an ID") and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_version_and_help() -> None:
    from alignfetch import __version__

    assert run("--version").stdout.strip() == f"alignfetch, version {__version__}"
    assert "Exit codes" in run("--help").stdout


def test_remove_keeps_comments_and_formatting(fakes: Fakes, listdir: Path) -> None:
    text = (listdir / "entries.toml").read_text() + (
        '\n[[entries]]\nid = "arxiv:2206.08325"   # trailing comment\nsection = "safety"\n'
        '\n# About the next one: keep me.\n[[entries]]\nid = "2204.05862"\nsection = "safety"\n'
        '\n[[entries]]\nid = "2305.01937"\nsection = "evaluation"\n'
    )
    (listdir / "entries.toml").write_text(text)
    assert run("remove", "2206.08325").exit_code == 0
    after = (listdir / "entries.toml").read_text()
    assert "# About the next one: keep me.\n[[entries]]\nid = \"2204.05862\"" in after
    assert "2206.08325" not in after
    assert run("remove", "2305.01937").exit_code == 0
    assert (listdir / "entries.toml").read_text() == (
        text.split('\n[[entries]]\nid = "arxiv:2206.08325"')[0]
        + '\n# About the next one: keep me.\n[[entries]]\nid = "2204.05862"\nsection = "safety"\n'
    )


def test_interleaved_sections_and_entries_keep_their_layout(fakes: Fakes, listdir: Path) -> None:
    text = (
        "# One section, then its entries.\n"
        '[[sections]]\nslug = "evaluation"\ntitle = "LLM for Evaluation"\n\n'
        '[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n\n'
        '[[sections]]\nslug = "safety"\ntitle = "Safety"\n\n'
        "# the safety papers\n"
        '[[entries]]\nid = "2206.08325"  # pasted as is\nsection = "safety"\n'
    )
    (listdir / "entries.toml").write_text(text)
    assert run("add", "2204.05862", "-s", "safety").exit_code == 0
    added = (listdir / "entries.toml").read_text()
    assert added == text + '\n[[entries]]\nid = "arxiv:2204.05862"\nsection = "safety"\n'
    assert run("remove", "2305.01937").exit_code == 0
    assert (listdir / "entries.toml").read_text() == added.replace(
        '[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n\n', "")


def test_an_entry_with_a_links_subtable_is_removed_whole(fakes: Fakes, listdir: Path) -> None:
    text = (listdir / "entries.toml").read_text() + (
        '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'
        '[entries.links]\nGithub = "https://github.com/x/y"\n'
        '\n[[entries]]\nid = "arxiv:2306.05685"\nsection = "evaluation"\n'
    )
    (listdir / "entries.toml").write_text(text)
    assert run("remove", "2305.01937").exit_code == 0
    after = (listdir / "entries.toml").read_text()
    assert "2305.01937" not in after and "github.com/x/y" not in after
    assert 'id = "arxiv:2306.05685"' in after and after.startswith("# The list: sections")


LAYOUT = (
    '[[sections]]\nslug = "a"\ntitle = "A"\n\n'
    '[[entries]]\nid = "arxiv:2305.01937"\nsection = "a"\n[entries.links]\nGithub = "https://github.com/x/y"\n\n'
    "# about the next one\n"
    '[[entries]]\nid = "arxiv:2306.05685"\nsection = "a"\n\n'
    '[[sections]]\nslug = "b"\ntitle = "B"\n\n'
    '[[entries]]\nid = "arxiv:2206.08325"\nsection = "b"\n'
    "# the end\n"
)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_removal_cuts_only_the_entry_lines(fakes: Fakes, listdir: Path, newline: str, bom: str) -> None:
    path = listdir / "entries.toml"
    path.write_bytes((bom + LAYOUT.replace("\n", newline)).encode())
    assert run("remove", "2305.01937").exit_code == 0
    expected = LAYOUT.replace(
        '[[entries]]\nid = "arxiv:2305.01937"\nsection = "a"\n[entries.links]\nGithub = "https://github.com/x/y"\n\n', "")
    assert path.read_bytes() == (bom + expected.replace("\n", newline)).encode()
    assert run("remove", "2206.08325").exit_code == 0
    expected = expected.replace('[[entries]]\nid = "arxiv:2206.08325"\nsection = "b"\n', "")
    assert path.read_bytes() == (bom + expected.replace("\n", newline)).encode()


def test_a_removal_that_cannot_be_cut_safely_is_refused(fakes: Fakes, listdir: Path) -> None:
    text = (listdir / "entries.toml").read_text() + (
        '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'
        'description = """A note\n[[entries]]\nthat looks like a header"""\n'
        '\n[[entries]]\nid = "arxiv:2306.05685"\nsection = "evaluation"\n'
    )
    (listdir / "entries.toml").write_text(text)
    result = run("remove", "2306.05685")
    assert result.exit_code == 2 and "remove its lines by hand" in result.stderr
    assert (listdir / "entries.toml").read_text() == text
