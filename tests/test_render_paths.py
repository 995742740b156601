"""What the short ways of render and export (issue 12) must keep: the same text.

Filters remember what they escaped, the sandbox reads entries and views
without its detour, md leaves plain text alone, the default template walks
``all_sections``, the page is trimmed piece by piece and dumps joins each entry
on its own. Each test pins down an answer the long way gave, written by hand.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import pytest
from test_export import DATASET, PAGE, PAPER

from alignfetch.errors import InputError
from alignfetch.list.entries import Entry
from alignfetch.list.export import document, dumps, entry_json
from alignfetch.list.items import Item
from alignfetch.readme.text import card, md
from alignfetch.render.page import render
from conftest import run, state
from test_render import base_doc, paper


def collection(**extra: Any) -> dict[str, Any]:
    return {
        "id": "hf:collections/o/c-1", "kind": "collection", "section": "s", "title": "C",
        "url": "https://huggingface.co/collections/o/c-1", "description": None,
        "venue": None, "affiliation": None, "date": None, "links": {}, "overrides": {},
        "items": 5, **extra,
    }  # fmt: skip


def failure(doc: dict[str, Any], template: str) -> str:
    with pytest.raises(InputError) as info:
        render(doc, template)
    return str(info.value)


# -- filters remember texts, not their spelling or their entry ------------------------


def test_a_remembered_filter_tells_none_from_the_text_none() -> None:
    # human_date(None) is "", human_date("None") is an error: one cache key for both
    # (str(value)) would give "" twice.
    assert render(base_doc([]), "[{{ none|human_date }}]") == "[]\n"
    assert failure(base_doc([]), "[{{ none|human_date }}]\n{{ 'None'|human_date }}") == (
        "The template failed at line 2: Invalid isoformat string: 'None'."
    )


def test_a_remembered_filter_still_raises_the_second_time() -> None:
    doc = base_doc([])
    message = "The link 'ftp://x' is not an http(s) URL."
    assert failure(doc, "{{ 'ftp://x'|url }}") == message
    assert failure(
        doc, "{{ 'https://a'|url }}\n{% for n in [1, 2] %}{{ 'ftp://x'|url }}{% endfor %}"
    ) == (message)


def test_each_entry_shows_its_own_text_in_the_default_template() -> None:
    doc = base_doc([
        paper("2401.00001", "Same_title", "2024-01-02", abstract="One & two."),
        paper("2401.00002", "Same title", "2024-01-03", abstract="One < two."),
        paper("2401.00003", "Same_title", "2024-01-02", abstract="One & two.", authors=["Zed"]),
    ])  # fmt: skip
    out = render(doc)
    assert "**Same\\_title** \\\n*Ann Author, Bo Writer* \\\n" in out
    assert "**Same title** \\\n*Ann Author, Bo Writer* \\\n" in out
    assert "**Same\\_title** \\\n*Zed* \\\n" in out
    assert out.count("\nOne &amp; two.\n") == 2
    assert out.count("\nOne &lt; two.\n") == 1
    assert out.count("[[Paper](https://arxiv.org/abs/2401.0000") == 3
    assert "[[Paper](https://arxiv.org/abs/2401.00002)] \\\n3 Jan 2024\n" in out
    # In the list's order, each once.
    firsts = [out.index(f"arxiv.org/abs/2401.0000{n})") for n in (1, 2, 3)]
    assert firsts == sorted(firsts)


def test_a_second_render_does_not_reuse_the_first_ones_text() -> None:
    first = render(base_doc([paper("2401.00001", "Old_name", "2024-01-02")]))
    second = render(base_doc([paper("2401.00001", "New_name", "2024-01-02")]))
    assert "**Old\\_name**" in first and "New" not in first
    assert "**New\\_name**" in second and "Old" not in second


def test_render_and_dumps_give_the_same_bytes_twice() -> None:
    doc = base_doc([paper("2401.00001", "T", "2024-01-02"), collection()])
    assert render(doc) == render(doc)
    assert dumps(doc) == dumps(doc)


# -- md: plain text as it is, everything else escaped as before ------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Plain title: yes (really), 100%!", "Plain title: yes (really), 100%!"),
        ("", ""),
        (" padded ", "padded"),
        ("two  spaces", "two spaces"),
        ("tab\there", "tab here"),
        ("line\nbreak", "line break"),
        ("A_B*C", "A\\_B\\*C"),
        ("a<b>&c", "a\\<b\\>\\&c"),
        ("x | y ~ z # w", "x \\| y \\~ z \\# w"),
        ("- item", "\\- item"),
        ("+1", "\\+1"),
        ("=== x", "\\=== x"),
        ("1. Intro", "1\\. Intro"),
        ("2) Two", "2\\) Two"),
        ("2024 results", "2024 results"),
        ("\u00a0nbsp kept\u00a0", "\u00a0nbsp kept\u00a0"),
    ],
)
def test_md(text: str, shown: str) -> None:
    assert md(text) == shown


def test_md_of_values_that_are_not_text() -> None:
    assert (md(None), md(7), md(True)) == ("None", "7", "True")


# -- the sandbox's short way gives its own answers -------------------------------------


def test_a_dicts_methods_win_over_its_keys_as_in_the_sandbox() -> None:
    # A collection's entry has a key "items"; e.items is still the dict's method.
    doc = base_doc([collection()])
    out = render(doc, "{% for i in items %}{{ i.entry.items()|list|length }} {{ i.entry['items'] }} "
                      "{{ i.entry.title }} {{ i.facts|join }}{% endfor %}")  # fmt: skip
    assert out == "12 5 C 5 items\n"


def test_a_missing_key_of_an_entry_is_undefined() -> None:
    doc = base_doc([collection()])
    assert failure(doc, "{% for i in items %}\n{{ i.entry.nope }}{% endfor %}") == (
        "The template uses an undefined value at line 2: 'dict object' has no attribute 'nope'."
    )
    assert (
        render(doc, "{{ items[0].entry.nope is defined }} {{ items[0].kind }}")
        == "False collection\n"
    )


@pytest.mark.parametrize(
    ("expression", "attribute", "owner"),
    [
        ("items[0].entry.__class__", "__class__", "dict"),
        ("items[0].__class__", "__class__", "ItemView"),
        ("sections[0].__dict__", "__dict__", "SectionView"),
        ("toc[0].__class__", "__class__", "TocLine"),
    ],
)
def test_the_short_way_keeps_the_sandbox(expression: str, attribute: str, owner: str) -> None:
    assert failure(base_doc([collection()]), f"{{{{ {expression} }}}}") == (
        f"The template tried something templates may not do at line 1 (access to attribute "
        f"'{attribute}' of '{owner}' object is unsafe); use only the variables and filters "
        "alignfetch documents."
    )


# -- sections in page order without recursion ----------------------------------------------


def test_all_sections_walks_each_section_then_its_children() -> None:
    # An entry in each leaf, so every section holds one (an empty one is left out).
    doc = base_doc([paper(f"2401.0000{i}", "T", "2024-01-02", section=slug)
                    for i, slug in enumerate(("a1x", "a2", "b1"))])
    doc["sections"] = [
        {"slug": slug, "title": slug.upper(), "parent": parent}
        for slug, parent in [
            ("a", None), ("a1", "a"), ("a1x", "a1"), ("a2", "a"), ("b", None), ("b1", "b"),
        ]
    ]  # fmt: skip
    out = render(doc, "{% for s in all_sections %}{{ s.slug }}:{{ s.level }} {% endfor %}")
    assert out == "a:2 a1:3 a1x:4 a2:3 b:2 b1:3 \n"
    heads = [line for line in render(doc).splitlines() if line.startswith("#")]
    assert heads == ["# Test List [![Awesome](https://cdn.rawgit.com/sindresorhus/awesome/"
                     "d7305f38d29fed78fa85652e3a63e154dd8e8829/media/badge.svg)]"
                     "(https://github.com/sindresorhus/awesome)",
                     "## A", "### A1", "#### A1X", "### A2", "## B", "### B1"]  # fmt: skip


# -- one newline at the end, whatever pieces the text comes in ----------------------------


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("{{ list.title }}{% for n in [1, 2, 3] %}{{ '\\n' }}{% endfor %}", "Test List\n"),
        ("{{ list.title }}\n{% for n in [1, 2] %}{{ '\\n\\n' }}{% endfor %}", "Test List\n"),
        ("{% if false %}x{% endif %}", "\n"),
        ("{{ '\\n' }}{{ '\\n' }}", "\n"),
        ("a\n\n{{ 'b\\n\\n' }}{{ '' }}", "a\n\nb\n"),
    ],
)
def test_the_page_ends_with_one_newline(template: str, text: str) -> None:
    assert render(base_doc([]), template) == text


# -- the export: key order and the JSON text -------------------------------------------------


def test_a_papers_keys_in_their_order() -> None:
    got = entry_json(Item(Entry(PAPER.id, "s", title="Mine"), PAPER, {PAGE.id: PAGE}))
    assert list(got) == [
        "id", "kind", "section", "sections", "version", "title", "abstract", "authors", "published",
        "updated", "primary_category", "categories", "comment", "journal_ref", "doi", "url",
        "pdf_url", "affiliations", "hf_paper", "code_url", "citation_count",
        "influential_citation_count", "publication", "description", "venue", "affiliation",
        "venue_source", "affiliation_source", "date", "links", "overrides",
    ]  # fmt: skip
    assert got["authors"] == ["Ann", "Bo"] and got["affiliations"] == [["U"], []]


def test_a_datasets_keys_in_their_order() -> None:
    got = entry_json(Item(Entry(DATASET.id, "s"), DATASET, {PAPER.id: PAPER}))
    assert list(got) == [
        "id", "kind", "section", "sections", "title", "url", "author", "sha", "last_modified", "created",
        "license", "languages", "task_categories", "size_categories", "downloads", "likes",
        "gated", "private", "disabled", "papers", "summary", "gating", "description", "venue",
        "affiliation", "date", "links", "overrides",
    ]  # fmt: skip
    assert (got["gated"], got["gating"], got["license"]) == (True, "manual", ["mit"])


def test_dumps_of_nested_lists_and_entries() -> None:
    data = {"entries": [{"a": [1, {"b": []}], "c": {}}, "x", [True, None]], "n": [[1, [2.5]]]}
    assert dumps(data) == (
        '{\n  "entries": [\n    {\n      "a": [\n        1,\n        {\n          "b": []\n'
        '        }\n      ],\n      "c": {}\n    },\n    "x",\n    [\n      true,\n      null\n'
        '    ]\n  ],\n  "n": [\n    [\n      1,\n      [\n        2.5\n      ]\n    ]\n  ]\n}\n'
    )
    assert dumps([{"k": "v"}, []]) == '[\n  {\n    "k": "v"\n  },\n  []\n]\n'


# -- card: headings and underlines anywhere they were escaped before ------------------------


def test_card_escapes_headings_and_underlines_where_it_did() -> None:
    text = "Intro\n## Usage\nC# is fine\ntext\n---\nmore\n===  \n- list\n\n---\nx -- y -"
    assert card(text) == (
        "Intro\n\\## Usage\nC\\# is fine\ntext\n\\---\nmore\n\\===  \n- list\n\n---\nx -- y \\-"
    )


def test_a_loops_counters_and_methods_as_in_the_sandbox() -> None:
    doc = base_doc([])
    template = (
        "{% for n in [7, 8, 9] %}{{ loop.index }}/{{ loop.revindex0 }}/{{ loop.length }}"
        "{{ '!' if loop.first }}{{ '.' if loop.last else loop.cycle(',', ';') }}{% endfor %}"
    )
    assert render(doc, template) == "1/2/3!,2/1/3;3/0/3.\n"
    assert failure(doc, "{% for n in [1] %}{{ loop.__class__ }}{% endfor %}") == (
        "The template tried something templates may not do at line 1 (access to attribute "
        "'__class__' of 'LoopContext' object is unsafe); use only the variables and filters "
        "alignfetch documents."
    )


def test_dumps_of_keys_repeated_at_each_depth_and_place() -> None:
    data = {"a": {"a": 1, "b": {"a": []}}, "b": [{"b": 2, "a": 3}, {"a": "x", "b": False}]}
    assert dumps(data) == (
        '{\n  "a": {\n    "a": 1,\n    "b": {\n      "a": []\n    }\n  },\n  "b": [\n    {\n'
        '      "b": 2,\n      "a": 3\n    },\n    {\n      "a": "x",\n      "b": false\n    }\n'
        "  ]\n}\n"
    )
    assert dumps({1: "x"}) == '{\n  "1": "x"\n}\n'


# -- render -o: the file is checked first, read after rendering ------------------------------


@pytest.fixture
def listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A list's folder with an export of it (for ``render --from``) and a template."""
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "Mine"\n\n[[sections]]\nslug = "s"\ntitle = "S"\n', encoding="utf-8"
    )
    (tmp_path / "export.json").write_text(json.dumps(base_doc([], title="Mine")), "utf-8")
    (tmp_path / "t.j2").write_text("{{ list.title }}\n", encoding="utf-8")
    (tmp_path / "bad.j2").write_text("{{ nothing }}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("template", ["t.j2", "bad.j2"])
def test_a_readme_that_is_not_utf8_is_the_first_error(listed: Path, template: str) -> None:
    # The bad byte lies past the first megabyte: the message counts from the file's start.
    (listed / "README.md").write_bytes(b"# x\n" + b"a" * (2**20 + 10) + b"\xff\n")
    before = state(listed)
    result = run("render", "--from", "export.json", "--template", template, "-o", "README.md")
    assert result.exit_code == 2
    assert result.stderr == (
        "alignfetch: The file README.md could not be read as UTF-8 text ('utf-8' codec can't "
        "decode byte 0xff in position 1048590: invalid start byte); check the path.\n"
    )
    assert result.stdout == ""
    assert state(listed) == before


def test_render_writes_between_the_markers_and_then_is_up_to_date(listed: Path) -> None:
    readme = listed / "README.md"
    readme.write_bytes(
        b"head\r\n<!-- alignfetch:start -->\nold\n<!-- alignfetch:end -->\ntail \xc3\xa9\n"
    )
    result = run("render", "--from", "export.json", "--template", "t.j2", "-o", "README.md")
    assert (result.exit_code, result.stderr) == (0, "Wrote README.md.\n")
    assert readme.read_bytes() == (
        b"head\r\n<!-- alignfetch:start -->\nMine\n<!-- alignfetch:end -->\ntail \xc3\xa9\n"
    )
    before = state(listed)
    result = run(
        "render", "--from", "export.json", "--template", "t.j2", "-o", "README.md", "--check"
    )
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "README.md is up to date.\n"
    assert state(listed) == before


# -- the cycle collector is paused while the page is built, and only then ---------------------


def test_render_gives_the_cycle_collector_back_as_it_found_it() -> None:
    doc = base_doc([paper("2401.00001", "T", "2024-01-02")])
    assert gc.isenabled()
    try:
        assert render(doc, "{{ list.title }}") == "Test List\n"
        assert gc.isenabled()
        failure(doc, "{{ nothing }}")
        assert gc.isenabled()  # after an error too
        gc.disable()
        render(doc)
        dumps(document_of([]))
        assert not gc.isenabled()  # a caller's own pause is left alone
    finally:
        gc.enable()


def test_the_document_gives_the_cycle_collector_back() -> None:
    assert gc.isenabled()
    assert document_of([Item(Entry(PAPER.id, "s"), PAPER, {PAGE.id: PAGE})])["entries"][0][
        "id"
    ] == ("arxiv:2305.01937")
    assert gc.isenabled()


def document_of(items: list[Item]) -> dict[str, Any]:
    from alignfetch.list.entries import EntriesFile, Section

    ef = EntriesFile(Path("entries.toml"), "", {"title": "L"}, [Section("s", "S")])
    return document(ef, items)


def test_a_filter_given_an_argument_is_named_in_its_error() -> None:
    # Bug: the remembering wrapper takes the call, so the message names "remembered()"
    # (a template author cannot tell which filter they misused).
    assert failure(base_doc([]), '{{ "x"|md(2) }}') == (
        "The template failed at line 1: md() takes 1 positional argument but 2 were given."
    )
    assert failure(base_doc([]), "{{ none|human_date(fmt=1) }}") == (
        "The template failed at line 1: human_date() got an unexpected keyword argument 'fmt'."
    )
