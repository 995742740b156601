"""The renderer: house style against the reference README, anchors, splicing,
ordering, determinism, hostile upstream text and custom templates.

Expected texts here are written by hand or derived from the reference README and
the raw fixtures, never from the renderer's own output.
"""

from __future__ import annotations

import copy
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from alignfetch.errors import InputError
from alignfetch.render.output import diff, splice
from alignfetch.render.page import anchor, human_date, render

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference" / "awesome-llm-alignment.README.md"
EXPORT = DATA / "render" / "reference_export.json"
SCHEMA = Path(__file__).parents[1] / "src" / "alignfetch" / "export.schema.json"

START, END = "<!-- alignfetch:start -->", "<!-- alignfetch:end -->"


def load_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(EXPORT.read_text(encoding="utf-8"))
    return doc


def validate(doc: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)


def parser() -> MarkdownIt:
    # CommonMark with raw HTML on, plus GitHub's tables and strikethrough.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def one_sentence(message: str) -> bool:
    return "\n" not in message and message.endswith(".") and message[:1].isupper()


# -- the reference document ----------------------------------------------------------


def test_reference_export_follows_the_schema() -> None:
    validate(load_doc())


def test_reference_export_carries_the_fixtures_values() -> None:
    """The hand-built document says what the constructed upstream responses say."""
    doc = load_doc()
    by_id = {e["id"]: e for e in doc["entries"]}
    atom = "{http://www.w3.org/2005/Atom}"
    for feed in sorted((DATA / "reference" / "arxiv").glob("*.xml")):
        entry = ET.parse(feed).getroot().find(f"{atom}entry")
        assert entry is not None
        paper = by_id[f"arxiv:{feed.stem}"]
        fields = {
            tag: " ".join((entry.findtext(f"{atom}{tag}") or "").split())
            for tag in ("title", "summary", "published")
        }
        assert paper["title"] == fields["title"]
        assert paper["abstract"] == fields["summary"]
        assert paper["published"] == fields["published"][:10]
        names = [a.findtext(f"{atom}name") or "" for a in entry.findall(f"{atom}author")]
        assert paper["authors"] == [" ".join(n.split()) for n in names]
    for body in sorted((DATA / "reference" / "github").glob("*.body.json")):
        repo = json.loads(body.read_text(encoding="utf-8"))
        (listed,) = [e for e in doc["entries"] if e.get("full_name") == repo["full_name"]]
        assert listed["description"] == repo["description"]
    hh = by_id["hf:Anthropic/hh-rlhf"]
    assert [p["id"] for p in hh["papers"]] == ["arxiv:2204.05862"]
    assert hh["papers"][0]["authors"] == by_id["arxiv:2204.05862"]["authors"]


# The differences allowed between the reference README and the rendering of
# reference_export.json. They are applied to the reference, each must be found
# exactly as often as listed (a stale entry fails), and the result must then equal
# the rendering byte for byte.
_SAFE_RLHF = "**[`Safe-RLHF: Constrained Value-Aligned LLM via Safe RLHF`]"
_ZHIHU_CARD_PATH = DATA / "reference" / "hf" / "card_liyucheng_zhihu_rlhf_3k_README.md"


def _zhihu_card() -> str:
    # The card's opening prose paragraphs: what a card without a summary section yields.
    body = _ZHIHU_CARD_PATH.read_text(encoding="utf-8")
    return body.split("# Dataset Card for zhihu_rlhf_3k\n\n", 1)[1].split("\n\n## ", 1)[0]


@dataclass(frozen=True)
class Allowed:
    """One named difference: what the reference has, what alignfetch writes instead,
    how often, and where (``page``, ``headings``: heading lines, ``papers``: the
    part before ``## Datasets``)."""

    why: str
    old: str
    new: str
    count: int
    scope: str = "page"


ALLOWED = [
    Allowed(
        "the reference links the Safe-RLHF entry to CarperAI/trlx; "
        "its ID is PKU-Alignment/safe-rlhf",
        _SAFE_RLHF + "(https://github.com/CarperAI/trlx)",
        _SAFE_RLHF + "(https://github.com/PKU-Alignment/safe-rlhf)",
        1,
    ),
    Allowed(
        "2206.08325 shows its v2 date in the reference; alignfetch shows the published date",
        "[[Perspective API](https://www.perspectiveapi.com/)] \\\n28 Oct 2022\n",
        "[[Perspective API](https://www.perspectiveapi.com/)] \\\n16 Jun 2022\n",
        1,
    ),
    Allowed(
        "2204.05862 shows 28 Oct 2022 in the reference (no version has that date) but "
        "12 Apr 2022 under Datasets; alignfetch shows the published date in both",
        "[[HuggingFace](https://huggingface.co/datasets/Anthropic/hh-rlhf)] \\\n28 Oct 2022\n",
        "[[HuggingFace](https://huggingface.co/datasets/Anthropic/hh-rlhf)] \\\n12 Apr 2022\n",
        1,
    ),
    Allowed("arXiv spells the author 'Eric P. Xing'", "Eric. P Xing", "Eric P. Xing", 1),
    Allowed(
        "the reference's commented-out section heading is not in entries.toml",
        "<!-- ## LLM for Application -->\n\n",
        "",
        1,
    ),
    Allowed(
        "paper author lines end in '* \\' (the reference mixes '*\\' and '* \\'); "
        "dataset author lines keep '*\\'",
        "*\\\n",
        "* \\\n",
        4,
        scope="papers",
    ),
    Allowed(
        "the reference omits the blank lines around '### English'",
        "## Datasets\n### English\n---\n",
        "## Datasets\n\n### English\n\n---\n",
        1,
    ),
    Allowed(
        "the reference says 'arXiv 2023' for hh-rlhf's paper; 2204.05862 is from 2022",
        "Anthropic, arXiv 2023. [[Paper](https://arxiv.org/abs/2204.05862)]",
        "Anthropic, arXiv 2022. [[Paper](https://arxiv.org/abs/2204.05862)]",
        1,
    ),
    Allowed(
        "a blank line after the Data Card's <summary>, so that the card's first paragraph "
        "is Markdown (in the reference it sits in the HTML block, where Markdown is not rendered)",
        "<summary><b>Data Card</b></summary>\n",
        "<summary><b>Data Card</b></summary>\n\n",
        1,
    ),
    Allowed(
        "zhihu_rlhf_3k gets a date line (the dataset's creation day, as it links no paper) "
        "and the Data Card its card yields; the reference has neither",
        "A rlhf dataset contains 3k preference pairs.\n",
        "A rlhf dataset contains 3k preference pairs.\\\n11 Apr 2023\n\n<details>\n"
        "<summary><b>Data Card</b></summary>\n\n" + _zhihu_card() + "\n\n</details>\n",
        1,
    ),
    Allowed(
        "the blank lines around the trlx entry's '---' differ from the other repositories'",
        "\n\n\n---\n**[`trlx",
        "\n\n---\n\n**[`trlx",
        1,
    ),
    Allowed(
        "the reference shows the UTF-8 bytes of the dog emoji decoded as Mac Roman",
        "\U0001f415".encode().decode("mac_roman"),
        "\U0001f415",
        2,
    ),
    Allowed("the reference file lacks a final newline", "<end of file>", "\n", 1, scope="end"),
]


def _normalise(reference: str) -> str:
    """The reference with every allowed difference applied, each found exactly as listed."""
    text = reference
    for d in ALLOWED:
        if d.scope == "end":
            found = int(not text.endswith("\n"))
            text += d.new
        elif d.scope == "headings":
            lines = text.split("\n")
            found = sum(line.count(d.old) for line in lines if line.startswith("#"))
            text = "\n".join(
                line.replace(d.old, d.new) if line.startswith("#") else line for line in lines
            )
        elif d.scope == "papers":
            papers, rest = text.split("## Datasets", 1)
            found = papers.count(d.old)
            text = papers.replace(d.old, d.new) + "## Datasets" + rest
        else:
            found = text.count(d.old)
            text = text.replace(d.old, d.new)
        assert found == d.count, f"allowed difference not found {d.count} time(s): {d.why}"
    return text


def test_round_trip_reproduces_the_reference_but_for_named_differences() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    out = render(load_doc())
    expected = _normalise(reference)
    if out != expected:
        report = diff(expected, out, "reference (normalised)")
        pytest.fail("The rendering differs from the reference beyond the allowed list:\n" + report)


def _skeleton(text: str) -> dict[str, Any]:
    """What a reader sees of the page's structure, section by section."""
    tokens = parser().parse(text)
    headings: list[tuple[str, str]] = []
    toc: list[tuple[str, str]] = []
    sections: dict[str, dict[str, Any]] = {}
    current = sections.setdefault("", {"entries": 0, "details": 0, "links": []})
    for i, t in enumerate(tokens):
        if t.type == "heading_open":
            title = heading_text(tokens[i + 1])
            headings.append((t.tag, title))
            current = sections.setdefault(title, {"entries": 0, "details": 0, "links": []})
        elif t.type == "hr" and tokens[i + 1 :][:1] and tokens[i + 1].type == "paragraph_open":
            current["entries"] += 1  # a '---' followed by an entry (not the section's last)
        elif t.type in ("html_block", "html_inline"):
            current["details"] += t.content.count("<details>")
        elif t.type == "inline":
            children = t.children or []
            for j, child in enumerate(children):
                if child.type == "link_open":
                    target = str(child.attrs["href"])
                    if target.startswith("#"):  # the page's only in-page links: the TOC
                        toc.append((target, _inline_text(children[j:], "link_open", "link_close")))
                    else:
                        current["links"].append(target)
    return {"headings": headings, "toc": toc, "sections": sections}


def test_round_trip_structure_matches_the_reference() -> None:
    """Headings, TOC, entries and <details> blocks per section, and link targets,
    as a CommonMark parser sees them in the original reference (not normalised)."""
    ref = _skeleton(REFERENCE.read_text(encoding="utf-8"))
    out = _skeleton(render(load_doc()))
    # The named structural differences (see ALLOWED):
    rlhf = ref["sections"]["Support RLHF"]["links"]
    assert rlhf[0] == "https://github.com/CarperAI/trlx"
    rlhf[0] = "https://github.com/PKU-Alignment/safe-rlhf"
    assert ref["sections"]["Chinese"]["details"] == 0
    ref["sections"]["Chinese"]["details"] = 1  # zhihu's Data Card
    assert out["headings"] == ref["headings"]
    assert out["toc"] == ref["toc"]
    assert out["sections"] == ref["sections"]
    # And the expected shape itself, so that an empty parse cannot pass.
    entries = {name: s["entries"] for name, s in out["sections"].items() if s["entries"]}
    assert entries == {
        "LLM for Safety & Safe-Alignment": 2, "LLM for Evaluation": 2,
        "LLM for Human & Value-Alignment & Behavior-Alignment": 2,
        "English": 1, "Chinese": 1, "Support RLHF": 4,
    }


# -- anchors ---------------------------------------------------------------------------


def test_anchors_reproduce_the_reference_toc() -> None:
    reference = REFERENCE.read_text(encoding="utf-8")
    toc = re.findall(r"^ *- \[.*\]\(#(.*)\)$", reference, re.MULTILINE)
    # The headings' text as GitHub reads it: the title's text runs up to its badge.
    title = re.match(r"# (.*)\[!\[Awesome\]", reference)
    assert title is not None
    texts = [title[1]] + re.findall(r"^#{2,6} (.*)$", reference, re.MULTILINE)
    seen: dict[str, int] = {}
    assert [anchor(t, seen) for t in texts] == toc
    assert toc[0] == "awesome-llm-alignment-" and "llm-for-safety--safe-alignment" in toc


def test_anchor_rules_and_duplicates() -> None:
    seen: dict[str, int] = {}
    assert anchor("Misc", seen) == "misc"
    assert anchor("Misc", seen) == "misc-1"
    assert anchor("misc", seen) == "misc-2"
    assert anchor("What's new? (2024)", seen) == "whats-new-2024"
    assert anchor("C++ & Rust", seen) == "c--rust"
    assert anchor("snake_case and kebab-case", seen) == "snake_case-and-kebab-case"
    assert anchor("\U0001f415 Über Daten", seen) == "-über-daten"
    assert anchor("Tab\tand\u00a0nbsp", seen) == "tabandnbsp"
    assert seen["misc"] == 3


def test_toc_numbers_duplicate_section_titles() -> None:
    # Each section holds an entry: an empty one is left out of the page (issue 18, 15c).
    doc = base_doc([paper("2401.00001", "T", "2024-01-02", section="a"),
                    paper("2401.00002", "U", "2024-01-02", section="c")])
    doc["sections"] = [
        {"slug": "a", "title": "Misc", "parent": None},
        {"slug": "b", "title": "Tools", "parent": None},
        {"slug": "c", "title": "Misc", "parent": "b"},
    ]
    out = render(doc)
    assert "  - [Misc](#misc)\n  - [Tools](#tools)\n    - [Misc](#misc-1)\n" in out
    assert "## Misc\n" in out and "### Misc\n" in out
    check_toc_resolves(out)


def check_toc_resolves(text: str) -> None:
    """Every TOC link points at the anchor GitHub gives the heading in that place."""
    tokens = parser().parse(text)
    targets = [
        str(c.attrs["href"])[1:]
        for t in tokens if t.type == "inline"
        for c in t.children or [] if c.type == "link_open" and str(c.attrs["href"]).startswith("#")
    ]
    seen: dict[str, int] = {}
    anchors = [
        github_anchor(heading_text(tokens[i + 1]), seen)
        for i, t in enumerate(tokens) if t.type == "heading_open"
    ]
    assert targets == anchors


def github_anchor(text: str, seen: dict[str, int]) -> str:
    """GitHub's heading anchor, by this test's own rule (not alignfetch's anchor()):
    lower case, keep word characters, '-' and ' ', spaces become '-', repeats numbered.
    (Python's \\w differs from GitHub's \\p{Word} only on combining marks and
    non-decimal numbers, which these documents do not hold.)"""
    slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
    n = seen.get(slug, 0)
    seen[slug] = n + 1
    return f"{slug}-{n}" if n else slug


def heading_text(inline: Token) -> str:
    """A heading's text as GitHub reads it for the anchor (the title's badge adds nothing)."""
    texts = []
    for c in inline.children or []:
        if c.type == "link_open":
            break
        if c.type in ("text", "text_special", "code_inline"):
            texts.append(c.content)
    return "".join(texts)


def test_reference_toc_resolves() -> None:
    check_toc_resolves(render(load_doc()))


# -- splice and diff -------------------------------------------------------------------


def test_splice_without_markers_returns_the_generated_text() -> None:
    assert splice("# Old README\n\nhand-written\n", "# New\n") == "# New\n"


def test_splice_replaces_only_the_text_between_markers() -> None:
    existing = f"Intro\n\n{START}\nold list\nmore\n{END}\n\nFooter\n"
    out = splice(existing, "# New\n\nlist\n")
    assert out == f"Intro\n\n{START}\n# New\n\nlist\n{END}\n\nFooter\n"
    assert splice(out, "# New\n\nlist\n") == out
    assert splice(f"{START}{END}", "x\n") == f"{START}\nx\n{END}"


@pytest.mark.parametrize(
    ("existing", "found"),
    [
        (f"{END}\nx\n{START}\n", None),
        (f"{START}\n{START}\nx\n{END}\n", "2 and 1"),
        (f"{START}\nx\n{END}\n{END}\n", "1 and 2"),
        (f"{START}\nno end\n", "1 and 0"),
        (f"no start\n{END}\n", "0 and 1"),
    ],
    ids=["reversed", "two-starts", "two-ends", "start-only", "end-only"],
)
def test_splice_refuses_broken_markers(existing: str, found: str | None) -> None:
    with pytest.raises(InputError) as info:
        splice(existing, "x\n")
    if found is None:
        assert str(info.value) == f"The file has {END} before {START}; swap them."
    else:
        assert str(info.value) == (
            f"The file must hold exactly one {START} and one {END} (found {found})."
        )


def test_splice_refuses_generated_text_holding_a_marker() -> None:
    with pytest.raises(InputError) as info:
        splice(f"{START}\n{END}\n", f"a {END}\n")
    assert str(info.value) == (
        "The generated text contains an alignfetch marker itself, so it cannot be spliced."
    )
    # Without markers in the file there is nothing to splice into, so no refusal.
    assert splice("old\n", f"a {END}\n") == f"a {END}\n"


def test_diff() -> None:
    assert diff("a\nb\n", "a\nb\n", "README.md") == ""
    assert diff("a\nb\n", "a\nc\n", "README.md") == (
        "--- README.md (current)\n+++ README.md (rendered)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    )
    assert diff("a\u2028b\n", "a\u2028c\n", "R") == (
        "--- R (current)\n+++ R (rendered)\n@@ -1 +1 @@\n-a\u2028b\n+a\u2028c\n"
    )
    assert diff("a", "a\n", "R") == (
        "--- R (current)\n+++ R (rendered)\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"
    )


# -- small documents ---------------------------------------------------------------------


def base_doc(entries: list[dict[str, Any]], **meta: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "list": {"title": "Test List", **meta},
        "sections": [{"slug": "s", "title": "Things", "parent": None}],
        "entries": entries,
    }


def _common(entry_id: str, kind: str, fetched: str, url: str, **over: Any) -> dict[str, Any]:
    keys = ("title", "description", "venue", "affiliation", "date")
    overrides = {k: over[k] for k in keys if k in over}
    if over.get("links"):
        overrides["links"] = over["links"]
    return {
        "id": entry_id, "kind": kind, "section": over.get("section", "s"),
        "title": over.get("title", fetched), "url": url,
        "description": over.get("description"), "venue": over.get("venue"),
        "affiliation": over.get("affiliation"), "date": over.get("date"),
        "links": over.get("links", {}), "overrides": overrides,
    }


def paper(key: str, title: str, published: str, abstract: str = "An abstract.",
          authors: list[str] | None = None, **over: Any) -> dict[str, Any]:
    authors = ["Ann Author", "Bo Writer"] if authors is None else authors
    e = _common(f"arxiv:{key}", "paper", title, f"https://arxiv.org/abs/{key}", **over)
    e.update(
        version=1, abstract=abstract, authors=authors, affiliations=[[] for _ in authors],
        published=published, updated=published, pdf_url=f"https://arxiv.org/pdf/{key}",
        primary_category="cs.CL", categories=["cs.CL"], comment=None, journal_ref=None, doi=None,
        hf_paper=over.get("hf_paper"), code_url=over.get("code_url"),
    )
    return e


def dataset(key: str, created: str | None, papers: list[dict[str, Any]] | None = None,
            summary: str | None = None, **over: Any) -> dict[str, Any]:
    e = _common(f"hf:{key}", "dataset", key, f"https://huggingface.co/datasets/{key}", **over)
    e.update(
        author=key.split("/")[0], sha=None, last_modified=None, created=created, license=[],
        languages=[], task_categories=[], size_categories=[], downloads=None, likes=None,
        gated=False, gating=None, private=False, disabled=False, papers=papers or [],
        summary=summary,
    )
    return e


def repo(key: str, description: str | None = "A repository.", **over: Any) -> dict[str, Any]:
    e = _common(f"gh:{key}", "repo", key.split("/")[1], f"https://github.com/{key}", **over)
    if "description" not in over:
        e["description"] = description
    e.update(
        full_name=key, path=None, stars=1, pushed_at=None, license=None, archived=False,
        homepage=None, topics=[], default_branch="main", redirected_from=None,
    )
    return e


def titles(text: str) -> list[str]:
    """The entries' titles in page order (the strong text opening each entry)."""
    out = []
    for t in parser().parse(text):
        children = t.children or []
        if t.type == "inline" and children[1:2] and children[1].type == "strong_open":
            inner = []
            for c in children[2:]:
                if c.type == "strong_close":
                    break
                inner.append(c.content)
            out.append("".join(inner))
    return out


ORDER_ENTRIES = [
    paper("2301.00001", "A", "2023-01-01"),
    paper("2405.00001", "B", "2024-05-01"),
    paper("2301.00002", "C", "2023-01-01", date="2025-01-01"),
    paper("2405.00002", "D", "2024-05-01"),
    dataset("org/E", "2024-01-01T10:00:00Z"),
    repo("org/F"),
    repo("org/G", date="2022-01-01"),
]


def test_file_order_by_default() -> None:
    doc = base_doc(copy.deepcopy(ORDER_ENTRIES))
    validate(doc)
    assert titles(render(doc)) == ["A", "B", "C", "D", "org/E", "F", "G"]


def test_newest_first_by_shown_date_ties_in_file_order() -> None:
    doc = base_doc(copy.deepcopy(ORDER_ENTRIES), order="newest")
    validate(doc)
    # C's override (2025) beats its published date; B and D tie and keep file
    # order; E shows its creation day; G only has an override; F has no date.
    assert titles(render(doc)) == ["C", "B", "D", "org/E", "A", "G", "F"]


def test_unknown_order_is_refused() -> None:
    with pytest.raises(InputError) as info:
        render(base_doc([], order="oldest"))
    assert one_sentence(str(info.value))


def test_deterministic_whatever_the_key_order() -> None:
    doc = load_doc()
    first = render(doc)
    assert render(copy.deepcopy(doc)) == first
    shuffled = json.loads(json.dumps(doc))
    shuffled["entries"] = [
        {k: e[k] for k in reversed(list(e))} for e in shuffled["entries"]
    ]
    shuffled["sections"] = [{k: s[k] for k in reversed(list(s))} for s in shuffled["sections"]]
    shuffled = {k: shuffled[k] for k in reversed(list(shuffled))}
    assert render(shuffled) == first
    assert first.endswith("\n") and not first.endswith("\n\n")


def test_human_date_is_english_without_leading_zero() -> None:
    assert human_date("2023-05-03") == "3 May 2023"
    assert human_date("2022-09-10") == "10 Sep 2022"
    assert human_date("2022-12-08T20:11:33Z") == "8 Dec 2022"
    assert human_date(None) == ""


def test_dataset_without_paper_or_card() -> None:
    doc = base_doc([dataset("org/plain", None)])
    out = render(doc)
    assert "---\n**[`org/plain`](https://huggingface.co/datasets/org/plain)**\n\n---\n" in out
    assert "<details>" not in out


def test_dataset_whose_paper_is_not_cached() -> None:
    linked = {
        "id": "arxiv:2401.00001", "title": None, "authors": [], "url": None, "published": None,
    }
    doc = base_doc([dataset("org/d", "2024-02-03T00:00:00Z", [linked], affiliation="Lab")])
    validate(doc)
    assert (
        "**[`org/d`](https://huggingface.co/datasets/org/d)**\\\n"
        "Lab, arXiv. [[Paper](https://arxiv.org/abs/2401.00001)] \\\n3 Feb 2024\n"
    ) in render(doc)


def test_paper_links_code_and_hugging_face_page() -> None:
    p = paper(
        "2401.00002", "P", "2024-01-02", venue="ACL 2024",
        links={"Demo": "https://demo.example/", "HuggingFace": "https://huggingface.co/x"},
        code_url="https://github.com/o/r",
        hf_paper={"url": "https://huggingface.co/papers/2401.00002", "upvotes": 3},
    )
    validate(base_doc([p]))
    assert (
        "ACL 2024. [[Paper](https://arxiv.org/abs/2401.00002)] [[Demo](https://demo.example/)] "
        "[[HuggingFace](https://huggingface.co/x)] [[Github](https://github.com/o/r)] \\\n"
        "2 Jan 2024\n"
    ) in render(base_doc([p]))


def test_repository_links_go_above_the_badges() -> None:
    r = repo("o/r", description=None, links={"Docs": "https://docs.example/"})
    validate(base_doc([r]))
    assert (
        "---\n\n**[`r`](https://github.com/o/r)**\\\n[[Docs](https://docs.example/)] \\\n"
        "![GitHub last commit](https://img.shields.io/github/last-commit/o/r?label=last%20update) "
        "![GitHub stars](https://img.shields.io/github/stars/o/r)\n\n---\n"
    ) in render(base_doc([r]))


def test_bad_documents_are_input_errors() -> None:
    for doc, message in (
        (
            {**base_doc([]), "schema_version": 2},
            "The export document has schema_version 2; this alignfetch renders version 1.",
        ),
        (
            base_doc([paper("2401.00003", "P", "2024-01-01", section="nowhere")]),
            "Entry 'arxiv:2401.00003' names section 'nowhere', which the export document does "
            "not define.",
        ),
        (
            base_doc([{**repo("o/r"), "kind": "podcast"}]),
            "Entry 'gh:o/r' has kind 'podcast', not one of paper, dataset, repo, model, space, collection, link.",
        ),
        (
            base_doc([paper("2401.00004", "P", "2024-01-01", links={"Bad": "javascript:alert(1)"})]),
            "Entry 'arxiv:2401.00004' has the link 'Bad' 'javascript:alert(1)', which is not an "
            "http(s) URL; fix it and render again.",
        ),
        (
            base_doc([{**repo("o/r"), "url": "file:///etc/passwd"}]),
            "Entry 'gh:o/r' has the page 'file:///etc/passwd', which is not an http(s) URL; "
            "fix it and render again.",
        ),
        (
            base_doc([dataset("o/d", None, summary="[x](javascript:alert(1))")]),
            "Entry 'hf:o/d': The dataset card links to a javascript:, vbscript: or data: target, "
            "which the README must not carry; fetch it again with `alignfetch refresh --all`.",
        ),
        (
            {**base_doc([]), "list": {"title": "T", "order": "random"}},
            "The list's order must be 'file', 'newest' or 'citations', not 'random'.",
        ),
        (
            {**base_doc([]), "sections": [{"slug": "a", "title": "A", "parent": "z"}]},
            "Section 'a' names parent 'z', which is not a section above it.",
        ),
        (
            {**base_doc([]), "sections": [{"slug": "a", "title": "A"}, {"slug": "a", "title": "B"}]},
            "The export document defines section 'a' twice.",
        ),
        ({**base_doc([]), "entries": {}}, "In the export document, entries must be a list."),
        ({**base_doc([]), "list": []}, "In the export document, list must be an object."),
        ({**base_doc([]), "entries": [3]}, "In the export document, an entry must be an object."),
        (
            base_doc([paper("2401.00007", "P", "garbage")]),
            "Entry 'arxiv:2401.00007' has the date 'garbage', which is not a real date written as YYYY-MM-DD; "
            "fix it and render again.",
        ),
        (
            base_doc([repo("o/r", date="2024-02-30")]),
            "Entry 'gh:o/r' has the date '2024-02-30', which is not a real date written as YYYY-MM-DD; "
            "fix it and render again.",
        ),
        (
            base_doc([paper("2401.00008", "P", "2024-01-08", hf_paper="a page")]),
            "Entry 'arxiv:2401.00008' is not well formed (AttributeError: 'str' object has no "
            "attribute 'get'); write the export again with `alignfetch export`.",
        ),
    ):
        with pytest.raises(InputError) as info:
            render(doc)
        assert str(info.value) == message


def test_fetched_links_that_are_not_http_are_left_out_not_fatal() -> None:
    """An old cache may hold a code link or page from before links were cleaned:
    the entry is shown without it rather than the whole page refused."""
    p = paper(
        "2401.00005", "P", "2024-01-05", code_url="javascript:alert(1)",
        hf_paper={"url": "data:text/html,x", "upvotes": 1},
    )
    linked = {"id": "arxiv:2401.00006", "title": "Q", "authors": ["A"], "url": "javascript:x",
              "published": "2024-01-06"}
    d = dataset("o/d", None, [linked])
    out = render(base_doc([p, d]))
    assert "javascript" not in out and "data:" not in out
    assert "arXiv 2024. [[Paper](https://arxiv.org/abs/2401.00005)] \\\n5 Jan 2024\n" in out
    assert "arXiv 2024. [[Paper](https://arxiv.org/abs/2401.00006)] \\\n6 Jan 2024\n" in out


# -- hostile upstream text -------------------------------------------------------------

HOSTILE = [
    "</details>",
    "<script>alert(1)</script>",
    "<!-- a comment never closed",
    "-->",
    "a * b ** c _ d __ e",
    "*unbalanced",
    "_unbalanced_ and __",
    "x | y | z",
    "[x](https://evil.example) ] [",
    "![img](https://evil.example/i.png)",
    "`unbalanced backtick",
    "``double`` and `single",
    "```\na code fence never closed",
    "  ```\nan indented fence",
    "~~~\na tilde fence",
    "one\n\ntwo after a blank line",
    "\n\n---\n\n# Heading\n\n",
    "text\n===\n",
    "text\n---",
    "</details>\n\n<details>\n\n<summary>x</summary>",
    "- item\n1. ordered\n> quote\n    indented code",
    "&lt;script&gt; &amp; &#60;",
    "a trailing backslash \\",
    "# heading-like",
    "1. starts like a list",
    "<a href='`'>`</a>",
    "&",
]


def hostile_doc(h: str) -> dict[str, Any]:
    linked = {"id": "arxiv:2401.00009", "title": h, "authors": [h, "B"],
              "url": "https://arxiv.org/abs/2401.00009", "published": "2024-01-09"}
    doc = base_doc(
        [
            paper("2401.00009", h, "2024-01-09", abstract=h, authors=[h, "B"], affiliation=h,
                  venue=h, links={h: "https://example.org/x", "odd": ODD_URL}),
            # A description the card does not begin with: one that merely repeats the
            # card's opening hides it there (issue 18, 15d), and the card must be shown.
            dataset("org/data", "2024-01-01T00:00:00Z", [linked], summary=h, title=h,
                    description="About: " + h, affiliation=h),
            repo("org/code", title=h, description=h, section="t"),  # the child holds one
        ]
    )
    doc["list"]["title"] = h
    doc["sections"] = [
        {"slug": "s", "title": h, "parent": None},
        {"slug": "t", "title": f"Child {h}", "parent": "s"},
    ]
    return doc


# Legal in entries.toml (no whitespace), but ")", "<", '"' and "`" would end or
# break a Markdown link destination if written as they are.
ODD_URL = "https://example.org/a(b)<c>\"d`e"
ODD_URL_ENCODED = "https://example.org/a%28b%29%3Cc%3E%22d%60e"

KNOWN_TAGS = ("<details>", "</details>", "<summary><b>Abstract</b></summary>",
              "<summary><b>Data Card</b></summary>")


def _plain(inline: Token) -> str:
    """An inline's text as shown, line breaks as newlines, images by their alt text."""
    out = []
    for c in inline.children or []:
        if c.type in ("text", "text_special", "code_inline"):
            out.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif c.type == "image":
            out.append(c.content)
    return "".join(out)


def _inline_text(children: list[Token], start: str, stop: str) -> str:
    out, inside = [], False
    for c in children:
        if c.type == start and not inside:
            inside = True
        elif c.type == stop and inside:
            break
        elif inside and c.type in ("text", "text_special", "code_inline"):
            out.append(c.content)
        elif inside and c.type in ("softbreak", "hardbreak"):
            out.append("\n")
    return "".join(out)


@pytest.mark.parametrize("h", HOSTILE, ids=[repr(h)[1:21] for h in HOSTILE])
def test_hostile_text_cannot_break_the_page(h: str) -> None:
    doc = hostile_doc(h)
    validate(doc)
    out = render(doc)
    tokens = parser().parse(out)
    shown = " ".join(h.split())
    depth = 0
    details = 0
    outside: list[int] = []
    for i, t in enumerate(tokens):
        if t.type in ("html_block", "html_inline"):
            rest = t.content
            for tag in KNOWN_TAGS:
                rest = rest.replace(tag, "")
            assert "<" not in rest, f"raw HTML got through: {t.content!r}"
            for tag in re.findall(r"</?details>", t.content):
                depth += 1 if tag == "<details>" else -1
                details += tag == "<details>"
                assert depth in (0, 1)
        for c in t.children or []:
            assert c.type != "html_inline", f"raw HTML got through: {c.content!r}"
        if depth == 0 and t.type != "html_block":
            outside.append(i)
        if depth == 1:
            assert t.type != "heading_open", "a heading inside a <details> block"
    assert depth == 0 and details == 2
    # The page around the <details> blocks: three headings, three entries each
    # opened by a '---' and a strong title, and each section's closing '---'.
    out_tokens = [tokens[i] for i in outside]
    assert [t.tag for t in out_tokens if t.type == "heading_open"] == ["h1", "h2", "h3"]
    assert sum(t.type == "hr" for t in out_tokens) == 5
    starts = [
        tokens[i + 2] for i in outside
        if tokens[i].type == "hr" and i + 1 < len(tokens)  # the page ends with one
        and tokens[i + 1].type == "paragraph_open"
    ]
    assert len(starts) == 3
    assert all((s.children or [])[1].type == "strong_open" for s in starts)
    # Outside the <details> blocks only headings, paragraphs, '---' and the TOC's
    # list: no list, quote or code block opened by upstream text.
    blocks = {t.type for t in out_tokens if t.level == 0 and t.nesting >= 0}
    assert blocks <= {"heading_open", "paragraph_open", "hr", "bullet_list_open", "html_block"}
    # The TOC nests three lists: the title, its section, the child section.
    assert sum(t.type == "bullet_list_open" for t in out_tokens) == 3
    # The text reads as it came, escapes and all: each entry's head is one paragraph.
    paper_head, dataset_head, repo_head = starts
    assert _plain(paper_head) == (
        f"{shown} \n{shown}, B \n{shown}, {shown}. [Paper] [{shown}] [odd] \n9 Jan 2024"
    )
    assert _plain(dataset_head) == (
        f"{shown}\nAbout: {shown}\n{shown}, B\n{shown}, arXiv 2024. [Paper] \n9 Jan 2024"
    )
    assert _plain(repo_head) == f"{shown}\n{shown}\nGitHub last commit GitHub stars"
    # ... with the emphasis where the template puts it, around exactly that text.
    emphasis = ("strong_open", "strong_close", "em_open", "em_close")
    for head in starts:
        assert [c.type for c in head.children or [] if c.type in emphasis] == list(emphasis)
    assert _inline_text(paper_head.children or [], "strong_open", "strong_close") == shown
    assert _inline_text(paper_head.children or [], "em_open", "em_close") == f"{shown}, B"
    assert _inline_text(dataset_head.children or [], "strong_open", "strong_close") == shown
    assert _inline_text(dataset_head.children or [], "em_open", "em_close") == f"{shown}, B"
    assert _inline_text(repo_head.children or [], "strong_open", "strong_close") == shown
    assert _inline_text(repo_head.children or [], "em_open", "em_close") == shown
    hrefs = [str(c.attrs["href"]) for c in paper_head.children or [] if c.type == "link_open"]
    assert hrefs == ["https://arxiv.org/abs/2401.00009", "https://example.org/x", ODD_URL_ENCODED]
    abstract_block = next(t for t in tokens if t.type == "html_block" and "Abstract" in t.content)
    inner = abstract_block.content.split("</summary>\n", 1)[1].rsplit("</details>", 1)[0]
    assert html.unescape(inner).strip("\n") == "\n".join(
        line.strip() for line in h.split("\n") if line.strip()
    )
    rendered = parser().render(out)
    assert "<script" not in rendered and "<!--" not in rendered
    assert rendered.count("<details>") == rendered.count("</details>") == 2
    assert "evil.example" not in "".join(
        str(c.attrs.get("href", "")) + str(c.attrs.get("src", ""))
        for i in outside for c in tokens[i].children or []
    )
    check_toc_resolves(out)


# -- custom templates --------------------------------------------------------------------

CUSTOM = """\
{{ list.title }} ({{ items|length }} entries)
{% for line in toc %}
{{ line.depth }} {{ line.anchor }}
{% endfor %}
{% for s in sections recursive %}
{{ "#" * s.level }} {{ s.title|md }}: {% for i in s.items -%}
{{ i.kind[0] }}{{ i.date|human_date|replace(" ", "") }} {% endfor %}

{{ loop(s.children) }}
{%- endfor %}
"""


def test_custom_template_sees_the_documented_variables() -> None:
    out = render(load_doc(), CUSTOM)
    assert out == (
        "Awesome-LLM-Alignment (12 entries)\n"
        "0 awesome-llm-alignment-\n"
        "1 papers\n"
        "2 llm-for-safety--safe-alignment\n"
        "2 llm-for-evaluation\n"
        "2 llm-for-human--value-alignment--behavior-alignment\n"
        "1 datasets\n"
        "2 english\n"
        "2 chinese\n"
        "1 codes\n"
        "2 support-rlhf\n"
        # trim_blocks eats the newline after the inner {% endfor %}, so the
        # template's blank line is the heading line's own end.
        "## Papers: \n"
        "### LLM for Safety \\& Safe-Alignment: p16Jun2022 p12Apr2022 \n"
        "### LLM for Evaluation: p3May2023 p9Jun2023 \n"
        "### LLM for Human \\& Value-Alignment \\& Behavior-Alignment: p26May2023 p24May2023 \n"
        "## Datasets: \n"
        "### English: d12Apr2022 \n"
        "### Chinese: d11Apr2023 \n"
        "## Codes: \n"
        "### Support RLHF: r r r r \n"
    )


def test_output_ends_with_exactly_one_newline() -> None:
    doc = base_doc([])
    assert render(doc, "x\n\n\n") == "x\n"
    assert render(doc, "{{ list.title }}") == "Test List\n"


def test_undefined_variable_in_a_template_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        render(base_doc([]), "line one\n{{ list.title }}\n{{ sectons }}\n")
    assert str(info.value) == (
        "The template uses an undefined value at line 3: 'sectons' is undefined."
    )
    with pytest.raises(InputError) as info:
        render(base_doc([]), "{{ list.subtitle }}")
    assert one_sentence(str(info.value)) and "subtitle" in str(info.value)


def test_template_syntax_error_is_an_input_error() -> None:
    with pytest.raises(InputError) as info:
        render(base_doc([]), "ok\n{% for s in %}{% endfor %}\n")
    message = str(info.value)
    assert message.startswith("The template has a syntax error at line 2: ")
    assert one_sentence(message)
