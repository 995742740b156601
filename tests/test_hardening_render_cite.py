"""Issue 18, item 11: a list holding a web link can be exported as BibTeX and CSL-JSON.

Bug: `export --format bibtex` of any list with a ``url:`` entry exited 2 with
``url:https://www.perspectiveapi.com/ cannot be cited.`` and wrote nothing, and the
CSL-JSON item for it had no ``type`` (invalid CSL). A web link is ``@misc`` with its
title, address and access date when known (CSL ``webpage`` with ``URL`` and ``accessed``).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from test_citations import SCHEMA, parse

from alignfetch.citations import bibtex_entry, cite_keys, to_bibtex, to_csl
from alignfetch.list.entries import Entry
from alignfetch.records import Link
from alignfetch.workspace import Item
from conftest import Fakes, add_sections, run

PERSPECTIVE = "https://www.perspectiveapi.com/"


def link(url: str = PERSPECTIVE, **overrides: str) -> Item:
    return Item(Entry(f"url:{url}", "tools", **overrides), Link(f"url:{url}", url, url))


def test_a_list_with_a_web_link_exports_bibtex_and_valid_csl(fakes: Fakes, listdir: Path) -> None:
    """Every kind of entry together, the web link among them: nothing makes the export fail,
    the BibTeX parses back, every CSL item validates against the CSL 1.0 schema."""
    add_sections(listdir)
    for args in (
        ["2305.01937", "-s", "evaluation"],
        ["hf:Anthropic/hh-rlhf", "-s", "english"],
        ["gh:CarperAI/trlx", "-s", "rlhf"],
        [f"url:{PERSPECTIVE}", "-s", "safety", "--title", "Perspective API"],
        ["https://example.org/blog/post_1?x=1#top", "-s", "safety"],  # no title of its own
    ):
        result = run("add", *args)
        assert result.exit_code == 0, result.output
    bib = run("export", "--format", "bibtex")
    assert bib.exit_code == 0, bib.output
    library = parse(bib.stdout)
    pages = [e for e in library.entries if e.key.startswith(("perspectiveapi", "example"))]
    assert [(e.entry_type, e.key) for e in pages] == [
        ("misc", "perspectiveapi"),
        ("misc", "example"),
    ]
    perspective = pages[0]
    assert perspective.fields_dict["title"].value == "Perspective API"
    assert perspective.fields_dict["url"].value == PERSPECTIVE
    assert "author" not in perspective.fields_dict  # a web page names nobody
    assert pages[1].fields_dict["url"].value == "https://example.org/blog/post_1?x=1#top"
    csl = run("export", "--format", "csl-json")
    assert csl.exit_code == 0, csl.output
    items = json.loads(csl.stdout)
    jsonschema.Draft7Validator(SCHEMA).validate(items)
    assert len(items) == 5
    assert items[3] == {
        "id": "perspectiveapi",
        "citation-key": "perspectiveapi",
        "type": "webpage",
        "title": "Perspective API",
        "URL": PERSPECTIVE,
    }
    assert all("type" in i for i in items)


def test_a_web_links_access_date_and_own_date_are_cited_when_known() -> None:
    item = link(title="Perspective API", date="2021-02-03")
    kind, fields = bibtex_entry(item, "2026-01-05")
    assert kind == "misc"
    assert fields == [
        ("title", "Perspective {API}"),
        ("year", "2021"),
        ("howpublished", r"\url{" + PERSPECTIVE + "}"),
        ("url", PERSPECTIVE),
        ("urldate", "2026-01-05"),
    ]
    accessed = {item.entry.id: "2026-01-05"}
    library = parse(to_bibtex([item], accessed=accessed))
    assert library.entries[0].fields_dict["urldate"].value == "2026-01-05"
    (csl,) = to_csl([item], accessed=accessed)
    jsonschema.Draft7Validator(SCHEMA).validate([csl])
    assert csl["accessed"] == {"date-parts": [[2026, 1, 5]]}
    assert csl["issued"] == {"date-parts": [[2021, 2, 3]]}
    # Unknown access date: no urldate, no accessed (never a made-up day).
    assert "urldate" not in dict(bibtex_entry(item)[1])
    assert "accessed" not in to_csl([item])[0]


def test_web_link_keys_name_the_site_and_stay_unique() -> None:
    items = [
        link(title="Perspective API"),
        link("https://perspectiveapi.com/docs", title="Perspective API"),
        link("https://blog.example.org/a", title="The Alignment Post"),
    ]
    assert list(cite_keys(items).values()) == [
        "perspectiveapia",
        "perspectiveapib",
        "blogalignment",
    ]
