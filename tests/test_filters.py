"""The renderer's filters and helpers, one input at a time, against hand-written output."""

from __future__ import annotations

import pytest

from alignfetch.errors import InputError
from alignfetch.render.page import abstract, card, code, human_date, md, render, url, urlpath


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain words", "plain words"),
        ("  spaced \n\t out  ", "spaced out"),
        ("a | b", "a \\| b"),
        ("*em* _u_ `c` ~s~ #h", "\\*em\\* \\_u\\_ \\`c\\` \\~s\\~ \\#h"),
        ("[x](y)", "\\[x\\](y)"),
        ("<b>&amp;", "\\<b\\>\\&amp;"),
        ("back\\slash", "back\\\\slash"),
        ("- dash first", "\\- dash first"),
        ("+ plus first", "\\+ plus first"),
        ("= equals first", "\\= equals first"),
        ("1. ordered", "1\\. ordered"),
        ("12) paren", "12\\) paren"),
        ("a - b. c)", "a - b. c)"),
        ("1234567890. too long for a list", "1234567890. too long for a list"),
        ("Dots. (And) colons: fine!", "Dots. (And) colons: fine!"),
        (42, "42"),
    ],
)
def test_md(text: object, expected: str) -> None:
    assert md(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name", "`name`"),
        ("  a\n b  ", "`a b`"),
        ("a`b", "`` a`b ``"),
        ("``x`", "``` ``x` ```"),
    ],
)
def test_code(text: str, expected: str) -> None:
    assert code(text) == expected


def test_url() -> None:
    assert url(" https://a.example/x ") == "https://a.example/x"
    assert url("HTTP://A.example") == "HTTP://A.example"
    assert url('http://a.example/a b(c)<d>"e`f\\g') == (
        "http://a.example/a%20b%28c%29%3Cd%3E%22e%60f%5Cg"
    )
    assert url("https://a.example/\x7f\x00") == "https://a.example/%7F%00"
    for bad in ("javascript:alert(1)", "ftp://a.example", "//a.example", "a.example", ""):
        with pytest.raises(InputError) as err:
            url(bad)
        assert str(err.value) == f"The link {bad!r} is not an http(s) URL."


def test_urlpath() -> None:
    assert urlpath("owner/name") == "owner/name"
    assert urlpath(" o w/(n) ") == "o%20w/%28n%29"


def test_abstract() -> None:
    assert abstract('One & <two> "three"') == 'One &amp; &lt;two&gt; "three"'
    assert abstract("  para one  \r\n\r\n\t para two\n\n\n</details>\rend ") == (
        "para one\npara two\n&lt;/details&gt;\nend"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain *kept* **markdown**", "plain *kept* **markdown**"),
        ("a <b>tag</b>", "a &lt;b>tag&lt;/b>"),
        ("# Heading\ntext", "\\# Heading\ntext"),
        ("> ## quoted heading", "> \\## quoted heading"),
        ("- ### listed heading", "- \\### listed heading"),
        ("#hashtag is text", "#hashtag is text"),
        ("text\n===", "text\n\\==="),
        ("text\n---", "text\n\\---"),
        ("\n---\nafter a blank", "---\nafter a blank"),
        ("```\n<kept> # in code\n```\n<after>", "```\n<kept> # in code\n```\n&lt;after>"),
        ("```python\nopen", "```python\nopen\n```"),
        ("~~~~\nopen\n~~~", "~~~~\nopen\n~~~\n~~~~"),
        ("````\nx\n```\n````\n<y>", "````\nx\n```\n````\n&lt;y>"),
        ("  ```\nindented", "  \\```\nindented"),
        ("``` not `a fence", "\\``` not `a fence"),
        ("a\r\nb\rc", "a\nb\nc"),
    ],
)
def test_card(text: str, expected: str) -> None:
    assert card(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "![i](DATA:image/png;base64,AAA)",
        "[x]( <vbscript:msgbox>)",
        "[x](\njavascript:y)",
        "[ref]: javascript:alert(1)",
        "   [ref]: <data:text/html,x>",
    ],
)
def test_card_refuses_script_and_data_links(text: str) -> None:
    with pytest.raises(InputError) as err:
        card(f"Intro.\n\n{text}\n")
    assert str(err.value) == (
        "The dataset card links to a javascript:, vbscript: or data: target, which the README "
        "must not carry; fetch it again with `alignfetch refresh --all`."
    )


def test_card_keeps_links_that_only_mention_a_scheme() -> None:
    text = "[the data](https://x.example/data:1) is javascript: free; [data]: https://ok.example"
    assert card(text) == text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-05-03", "3 May 2023"),
        ("2023-12-31T23:59:59Z", "31 Dec 2023"),
        ("2024-01-09", "9 Jan 2024"),
        ("2022-10-01", "1 Oct 2022"),
        ("", ""),
        (None, ""),
    ],
)
def test_human_date(value: object, expected: str) -> None:
    assert human_date(value) == expected


# -- small documents, one rule each ---------------------------------------------------------


def test_anchors_keep_combining_marks_and_connectors() -> None:
    from alignfetch.render.page import anchor

    seen: dict[str, int] = {}
    assert anchor("Cafe\u0301 Noir", seen) == "cafe\u0301-noir"
    assert anchor("a\u203fb \u2460", seen) == "a\u203fb-"  # a connector stays; a circled digit goes


def test_headings_stop_at_level_six() -> None:
    from test_render import base_doc, paper

    # An entry in the deepest section, so that every section holds one (an empty
    # section gets no heading: issue 18, 15c).
    doc = base_doc([paper("2401.00001", "T", "2024-01-02", section="s6")])
    doc["sections"] = [
        {"slug": f"s{n}", "title": f"S{n}", "parent": f"s{n - 1}" if n else None} for n in range(7)
    ]
    out = render(doc)
    headings = [line for line in out.splitlines() if line.startswith("#")]
    assert headings[1:] == [
        "## S0",
        "### S1",
        "#### S2",
        "##### S3",
        "###### S4",
        "###### S5",
        "###### S6",
    ]


def test_a_venue_override_beats_the_journal_reference() -> None:
    from test_render import base_doc, paper

    with_venue = paper("2401.00001", "P", "2024-01-01", venue="NeurIPS 2022")
    with_venue["journal_ref"] = "J. Mach. Learn. 3"
    without = paper("2401.00002", "Q", "2024-01-02")
    without["journal_ref"] = "J. Mach. Learn. 4"
    out = render(base_doc([with_venue, without]))
    assert "NeurIPS 2022. [[Paper](https://arxiv.org/abs/2401.00001)]" in out
    assert "J\\. Mach\\. Learn\\. 4. [[Paper]" not in out
    assert "J. Mach. Learn. 4. [[Paper](https://arxiv.org/abs/2401.00002)]" in out
    assert "J. Mach. Learn. 3" not in out


def test_doi_link_once_and_a_maintainers_doi_wins() -> None:
    from test_render import base_doc, paper

    fetched = paper("2401.00003", "P", "2024-01-03")
    fetched["doi"] = "10.1/a"
    own = paper("2401.00004", "Q", "2024-01-04", links={"DOI": "https://doi.example/b"})
    own["doi"] = "10.1/b"
    out = render(base_doc([fetched, own]))
    assert "[[Paper](https://arxiv.org/abs/2401.00003)] [[DOI](https://doi.org/10.1/a)] \\\n" in out
    assert "[[Paper](https://arxiv.org/abs/2401.00004)] [[DOI](https://doi.example/b)] \\\n" in out
    assert out.count("[[DOI]") == 2


def test_a_fence_closes_only_with_its_own_kind_of_fence() -> None:
    assert card("```\ncode\n~~~\n<x>") == "```\ncode\n~~~\n<x>\n```"
    assert card("~~~\ncode\n```\n<x>\n~~~\n<y>") == "~~~\ncode\n```\n<x>\n~~~\n&lt;y>"


def test_a_failing_macro_is_placed_at_its_own_line() -> None:
    from test_render import base_doc

    template = "{% macro m() %}\n{{ 1 // 0 }}\n{% endmacro %}\nx\n{{ m() }}\n"
    with pytest.raises(InputError) as err:
        render(base_doc([]), template)
    assert str(err.value) == "The template failed at line 2: integer division or modulo by zero."
