"""Cross-listing (issue 20, item 4): an entry listed in several sections.

entries.toml says ``sections = ["a", "b"]``; the entry is loaded and written so, cached
once, exported once with all its sections, rendered under each of them, added and moved
with ``--section`` given more than once, and ``check``'s duplicate rule leaves a README
alone that lists it once in each of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import tomli

from alignfetch.errors import EntriesFileError
from alignfetch.list import entries
from alignfetch.list.model import Entry
from alignfetch.list.tables import tables_text
from conftest import Fakes, run, state

SCHEMA = Path(__file__).parents[1] / "src" / "alignfetch" / "export.schema.json"

CROSS = """\
[list]
title = "Cross"

[check]
ignore = ["link"]

[[sections]]
slug = "alpha"
title = "Alpha"

[[sections]]
slug = "beta"
title = "Beta"

# listed in both, on purpose
[[entries]]
id = "url:https://example.org/one"
sections = ["alpha", "beta"]  # a survey's habit
title = "One Paper"

[[entries]]
id = "url:https://example.org/two"
section = "beta"
title = "Two Paper"
"""


@pytest.fixture
def cross(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "entries.toml").write_text(CROSS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- entries.toml ---------------------------------------------------------------------------


def test_sections_load_and_write_back_as_written(cross: Path) -> None:
    # Bug caught: `sections = [...]` read as an unknown key, or only its first slug kept,
    # or a writer that writes `section = "alpha"` and drops the rest.
    ef = entries.load(cross / "entries.toml")
    one, two = ef.entries
    assert (one.section, one.also, one.sections) == ("alpha", ("beta",), ("alpha", "beta"))
    assert (two.section, two.also, two.sections) == ("beta", (), ("beta",))
    written = tables_text([one])
    assert written == (
        "[[entries]]\n"
        'id = "url:https://example.org/one"\n'
        'sections = ["alpha", "beta"]\n'
        'title = "One Paper"\n'
    )
    raw = tomli.loads(written)["entries"][0]
    assert raw["sections"] == ["alpha", "beta"] and "section" not in raw
    # The same through tomlkit (a string holding a control character goes that way).
    odd = Entry("url:https://example.org/one", "alpha", also=("beta",), description="a\tb")
    assert tomli.loads(tables_text([odd]))["entries"][0]["sections"] == ["alpha", "beta"]
    # Bug caught too: every entry written as `sections = ["a"]`, which would rewrite what
    # other tools (and older alignfetch) read of every list. One section stays `section`.
    assert tables_text([two]) == (
        '[[entries]]\nid = "url:https://example.org/two"\nsection = "beta"\n'
        'title = "Two Paper"\n'
    )


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (
            'section = "alpha"\nsections = ["alpha", "beta"]',
            "has both section and sections; keep one",
        ),
        ("sections = []", "has an empty sections list; name at least one section."),
        (
            'sections = ["alpha", "beta", "alpha"]',
            "lists section 'alpha' twice in sections; name it once.",
        ),
        ('sections = ["alpha", "gamma"]', "names section 'gamma', which is not defined."),
        ('sections = "alpha"', "sections must be a list of section slugs"),
        ("sections = [1]", "sections must be a list of section slugs"),
    ],
)
def test_bad_sections_are_refused_naming_the_entry(
    cross: Path, table: str, said: str
) -> None:
    # Bug caught: a repeated or undefined slug accepted (the page would show the entry
    # twice in one section, or under no heading), or both keys read with one ignored.
    text = CROSS.replace('sections = ["alpha", "beta"]  # a survey\'s habit', table)
    (cross / "entries.toml").write_text(text, encoding="utf-8")
    with pytest.raises(EntriesFileError) as err:
        entries.load(cross / "entries.toml")
    assert "entry 1 (url:https://example.org/one)" in str(err.value)
    assert said in str(err.value)
    result = run("list")
    assert result.exit_code == 2 and said in result.stderr


# -- export and render ----------------------------------------------------------------------


def test_export_holds_a_cross_listed_entry_once_with_all_its_sections(cross: Path) -> None:
    # Bug caught: the entry exported once per section (citations and counts doubled), or
    # exported with its first section only (the others lost to every reader of the JSON).
    doc = json.loads(run("--offline", "export").stdout)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text("utf-8"))).validate(doc)
    assert [(e["id"], e["section"], e["sections"]) for e in doc["entries"]] == [
        ("url:https://example.org/one", "alpha", ["alpha", "beta"]),
        ("url:https://example.org/two", "beta", ["beta"]),
    ]


def _under(page: str, heading: str) -> str:
    """The page's text under the heading ``heading`` (any level), to the next heading."""
    after = re.split(rf"^#+ {re.escape(heading)}\n", page, maxsplit=1, flags=re.M)[1]
    return re.split(r"^#+ ", after, maxsplit=1, flags=re.M)[0]


def test_render_shows_a_cross_listed_entry_under_each_of_its_sections(cross: Path) -> None:
    # Bug caught: the entry rendered only under its first section (the README loses the
    # maintainer's second listing), or placed by `section` alone.
    result = run("--offline", "render")
    assert result.exit_code == 0, result.output
    one = "- [One Paper](https://example.org/one)"
    assert one in _under(result.stdout, "Alpha")
    assert one in _under(result.stdout, "Beta")
    assert result.stdout.count(one) == 2
    assert result.stdout.count("- [Two Paper](https://example.org/two)") == 1


def test_render_from_an_older_export_without_sections(cross: Path) -> None:
    # Bug caught: a committed export written before cross-listing (no "sections") fails to
    # render, or its entries vanish; it is read as listing each entry in its section.
    doc = json.loads(run("--offline", "export").stdout)
    for e in doc["entries"]:
        del e["sections"]
    (cross / "old.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("render", "--from", "old.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("- [One Paper](https://example.org/one)") == 1
    assert "One Paper" in _under(result.stdout, "Alpha")


def test_render_refuses_an_export_whose_sections_disagree(cross: Path) -> None:
    # Bug caught: a hand-edited export naming an undefined section in "sections" crashes
    # with a KeyError instead of one sentence.
    doc = json.loads(run("--offline", "export").stdout)
    doc["entries"][0]["sections"] = ["alpha", "gamma"]
    (cross / "bad.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("render", "--from", "bad.json")
    assert result.exit_code == 2
    assert "names section 'gamma', which the export document does not define" in result.stderr


# -- add, move, list, show, sections ------------------------------------------------------


def test_add_to_two_sections_fetches_and_caches_once(fakes: Fakes, listdir: Path) -> None:
    # Bug caught: `--section` taken once (the second silently wins), the entry written
    # twice (entries.toml then refuses to load), or fetched once per section.
    result = run("add", "2305.01937", "-s", "evaluation", "-s", "safety")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("arxiv:2305.01937  [evaluation, safety]\n")
    assert result.stderr == "Added 1 entry to evaluation, safety.\n"
    text = (listdir / "entries.toml").read_text("utf-8")
    assert text.endswith(
        '[[entries]]\nid = "arxiv:2305.01937"\nsections = ["evaluation", "safety"]\n'
    )
    assert fakes.arxiv_requests() == 1
    doc = json.loads(run("export").stdout)
    assert [(e["id"], e["sections"]) for e in doc["entries"]] == [
        ("arxiv:2305.01937", ["evaluation", "safety"])
    ]
    page = run("render").stdout
    assert "arxiv.org/abs/2305.01937" in _under(page, "LLM for Evaluation")
    assert "arxiv.org/abs/2305.01937" in _under(page, "LLM for Safety & Safe-Alignment")
    listed = run("list").stdout
    assert listed.startswith("arxiv:2305.01937\tevaluation,safety\t")
    assert run("list", "-s", "safety").stdout == listed  # found in its second section too
    shown = run("show", "2305.01937").stdout
    assert shown.splitlines()[0] == "arxiv:2305.01937  [evaluation, safety]"
    assert "Sections" not in shown


def test_add_refuses_a_section_twice_and_an_entry_listed_elsewhere(
    fakes: Fakes, listdir: Path
) -> None:
    # Bug caught: `-s a -s a` writes `sections = ["a", "a"]`, which the next load refuses;
    # an entry already listed is added again instead of pointing to `move`.
    twice = run("add", "2305.01937", "-s", "safety", "-s", "safety")
    assert twice.exit_code == 2
    assert twice.stderr == "alignfetch: The section 'safety' is given twice; give it once.\n"
    assert run("add", "2305.01937", "-s", "evaluation", "-s", "safety").exit_code == 0
    before = state(listdir)
    again = run("add", "2305.01937", "-s", "papers")
    assert again.exit_code == 2
    assert again.stderr == (
        "alignfetch: The entry arxiv:2305.01937 is already in the list, in sections "
        "'evaluation', 'safety'; to move it, run `alignfetch move arxiv:2305.01937 --section "
        "papers`, or to list it in all of them, `alignfetch move arxiv:2305.01937 --section "
        "evaluation --section safety --section papers`.\n"
    )
    same = run("add", "2305.01937", "-s", "evaluation", "-s", "safety")
    assert same.exit_code == 2 and "nothing was added" in same.stderr
    assert state(listdir) == before


def test_move_lists_an_entry_in_several_sections_in_place(cross: Path) -> None:
    # Bug caught: move writes `sections` at the end of the table (or beside a `section`
    # left behind, which the next load refuses), losing the line's comment; or `move -s x`
    # of a cross-listed entry keeps its other sections.
    path = cross / "entries.toml"
    moved = run("move", "https://example.org/two", "-s", "alpha", "-s", "beta")
    assert moved.exit_code == 0, moved.output
    assert moved.stderr == "Moved url:https://example.org/two to alpha, beta.\n"
    assert path.read_text("utf-8") == CROSS.replace(
        'id = "url:https://example.org/two"\nsection = "beta"\n',
        'id = "url:https://example.org/two"\nsections = ["alpha", "beta"]\n',
    )
    back = run("move", "url:https://example.org/one", "-s", "beta")
    assert back.exit_code == 0, back.output
    assert 'id = "url:https://example.org/one"\nsection = "beta"  # a survey\'s habit\n' in (
        path.read_text("utf-8")
    )
    before = state(cross)
    same = run("move", "url:https://example.org/two", "-s", "alpha", "-s", "beta")
    assert same.exit_code == 2
    assert same.stderr == (
        "alignfetch: The entry url:https://example.org/two is already in sections "
        "'alpha', 'beta'.\n"
    )
    assert state(cross) == before


def test_a_section_holding_a_cross_listed_entry_is_not_empty(cross: Path) -> None:
    # Bug caught: `sections remove beta` counted only entries whose first section is beta,
    # removed the section and left entries.toml naming an undefined one.
    (cross / "entries.toml").write_text(
        CROSS.replace('section = "beta"\ntitle = "Two Paper"', 'section = "alpha"\ntitle = "Two"'),
        encoding="utf-8",
    )
    before = state(cross)
    result = run("sections", "remove", "beta")
    assert result.exit_code == 2
    assert "The section 'beta' still holds 1 entry" in result.stderr
    assert state(cross) == before


# -- check --------------------------------------------------------------------------------

README = """\
# Cross

## Alpha

- [One](https://arxiv.org/abs/2305.18290)

## Beta

- [One](https://arxiv.org/abs/2305.18290)
- [Two](https://arxiv.org/abs/2305.01937)
"""

TOML = """\
[list]
title = "Cross"

[check]
ignore = ["link"]

[[sections]]
slug = "a"
title = "Alpha"

[[sections]]
slug = "b"
title = "Beta"

[[sections]]
slug = "c"
title = "Gamma"

[[entries]]
id = "arxiv:2305.18290"
sections = ["a", "b"]
"""


def _duplicates(folder: Path, readme: str) -> list[tuple[int, str]]:
    (folder / "README.md").write_text(readme, encoding="utf-8")
    result = run("--offline", "check", "-q", "--format", "json", "README.md")
    found = json.loads(result.stdout)["findings"]
    return [(f["line"], f["message"]) for f in found if f["rule"] == "duplicate"]


def test_check_leaves_a_cross_listed_entry_alone_once_in_each_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bug caught: the survey's deliberate second listing reported as a duplicate error,
    # though entries.toml lists the entry in both sections (the README's headings are
    # matched to entries.toml's sections by title, not by slug).
    monkeypatch.chdir(tmp_path)
    (tmp_path / "entries.toml").write_text(TOML, encoding="utf-8")
    assert _duplicates(tmp_path, README) == []
    # Listed in one section only: the second listing is a duplicate, as before.
    (tmp_path / "entries.toml").write_text(
        TOML.replace('sections = ["a", "b"]', 'section = "a"'), encoding="utf-8"
    )
    assert _duplicates(tmp_path, README) == [
        (9, "arxiv:2305.18290 is already listed at line 5.")
    ]


def test_check_still_reports_a_cross_listed_entry_twice_in_one_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bug caught: a cross-listed entry exempt from the duplicate rule altogether, so a
    # real duplicate in one section, or a listing in a section entries.toml does not
    # name, goes unreported.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "entries.toml").write_text(TOML, encoding="utf-8")
    twice = README + "- [One again](https://arxiv.org/abs/2305.18290)\n"
    assert _duplicates(tmp_path, twice) == [
        (11, "arxiv:2305.18290 is already listed in this section at line 9.")
    ]
    elsewhere = README + "\n## Gamma\n\n- [One](https://arxiv.org/abs/2305.18290)\n"
    assert _duplicates(tmp_path, elsewhere) == [
        (
            14,
            "arxiv:2305.18290 is listed at line 5 too, and entries.toml does not list it in "
            "this section.",
        )
    ]
