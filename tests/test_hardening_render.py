"""Issue 18, the renderer's part: a template cannot run without end or fill the memory
(item 8), an export read back cannot carry terminal escapes into the README (item 4,
``render --from``), empty sections get no heading (15c), a dataset's description is not
shown twice (15d). Citations of web links are in test_hardening_render_cite.py (item 11).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from test_templates import use

from alignfetch.errors import InputError
from alignfetch.render import page as render
from conftest import Fakes, add_sections, run, state
from test_render import base_doc, check_toc_resolves, dataset, paper

README = "# Mine\n\nKept as it is.\n"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The list's folder, the current one (``use`` puts a template and an export there)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


LIMIT = f"{render.TEXT_LIMIT:,}"


def over_limit(folder: Path, template: str, reason: str, *, line: int = 1) -> None:
    """``render --from`` with ``template`` as the list's template stops with one sentence
    naming the template and the limit, exit 1, and the README as it was."""
    use(folder, "list.md.j2", **{"list.md.j2": template})
    (folder / "README.md").write_text(README, encoding="utf-8")
    before = state(folder)
    result = run("render", "--from", "export.json", "-o", "README.md")
    assert result.exit_code == 1, result.output
    where = f" at line {line}" if line else ""
    assert result.stderr == (
        f"alignfetch: The template list.md.j2 went past a limit of a render{where}: {reason}; "
        "a list's page never needs as much, so make the template do less.\n"
    )
    assert result.stdout == ""
    assert state(folder) == before


# -- item 8: a template's work is bounded ----------------------------------------------------


def test_nested_ranges_stop_at_the_time_limit(folder: Path) -> None:
    """Bug: two nested range(100000) loops with nothing in them ran for hours (no call, no
    output: only the loop itself can check the clock)."""
    over_limit(
        folder,
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        f"it ran for more than {render.TIME_LIMIT:g} seconds",
    )


WIDTH = f"it asked for a width of 2,000,000,000, more than {LIMIT} characters"
TEXT = f"it would make a text of more than {LIMIT} characters"
ITEMS = f"it would make a list of more than {render.ITEM_LIMIT:,} items"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        # The audit's cases: a width that never finished, a repetition that ran out of memory.
        ("{{ '%2000000000d'|format(1) }}", WIDTH),
        ("{{ '%2000000000d' % 1 }}", WIDTH),
        ("{{ '%.2000000000f' % 1.5 }}", WIDTH),
        ("{{ '%*d' % (2000000000, 1) }}", WIDTH),
        ("{{ 'a' * 3000000000 }}", TEXT),
        ("{{ 3000000000 * 'a' }}", TEXT),
        ("{{ [1, 2] * 3000000000 }}", ITEMS),
        # str.format and the methods and filters that pad or repeat.
        ("{{ '{:>2000000000}'.format(1) }}", WIDTH),
        ("{{ '{:{w}}'.format(1, w=2000000000) }}", WIDTH),
        ("{{ 'x'.center(2000000000) }}", WIDTH),
        ("{{ 'x'.ljust(2000000000) }}", WIDTH),
        ("{{ 'x'.rjust(2000000000, '*') }}", WIDTH),
        ("{{ '1'.zfill(2000000000) }}", WIDTH),
        ("{{ 'x'|center(2000000000) }}", WIDTH),
        ("{{ 'x'|indent(2000000000, true) }}", WIDTH),
        ("{{ 'a\tb'.expandtabs(2000000000) }}", TEXT),
        ("{{ ('a' * 1000000).replace('a', 'b' * 1000) }}", TEXT),
        ("{{ ('a' * 1000000)|replace('a', 'b' * 1000) }}", TEXT),
        ("{{ ('a' * 1000)|replace('', 'b' * 1000000) }}", TEXT),
        ("{{ ('b' * 1000000).join(['a'] * 1000) }}", TEXT),
        ("{{ (['b' * 1000000] * 1000)|join }}", TEXT),
        ("{{ 'x'|wordwrap(1, wrapstring='y' * 100000000) }}", TEXT),
        ("{{ ['x' * 60000000] * 1000 }}", TEXT),
        ("{{ ('{0}' * 100000).format('x' * 1000) }}", TEXT),
        # Doubling in a loop, of a text, a list, a list in place, a number.
        (
            "{% set ns = namespace(s='ab') %}{% for i in range(60) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            TEXT,
        ),
        (
            "{% set ns = namespace(s=[1]) %}{% for i in range(60) %}"
            "{% set ns.s = ns.s + ns.s %}{% endfor %}",
            ITEMS,
        ),
        ("{% set l = [1] %}{% for i in range(60) %}{% set _ = l.extend(l) %}{% endfor %}", ITEMS),
        (
            "{% set ns = namespace(n=3) %}{% for i in range(40) %}"
            "{% set ns.n = ns.n * ns.n %}{% endfor %}",
            f"it would compute a number of more than {render.INT_BITS:,} bits",
        ),
        (
            "{{ 7 ** 100000000 }}",
            f"it would compute a number of more than {render.INT_BITS:,} bits",
        ),
        # Helpers that loop inside Python, where no hook can check the clock.
        ("{{ lipsum(1000000000) }}", ITEMS),
        ("{{ [1]|slice(1000000000)|list }}", ITEMS),
        ("{{ [1]|batch(1000000000, 0)|list }}", ITEMS),
        # Text built inside a macro, line by line, before the page sees it.
        (
            "{% macro m() %}{% for i in range(100000) %}{% for j in range(100) %}"
            + "x" * 100
            + "{% endfor %}{% endfor %}{% endmacro %}{{ m() }}",
            TEXT,
        ),
        # Many texts of the largest size kept at once.
        (
            "{% set l = [] %}{% for i in range(100000) %}"
            "{% set _ = l.append('x' * 60000000 ~ i) %}{% endfor %}",
            f"it made more than {render.MADE_LIMIT:,} characters of text in all",
        ),
    ],
)
def test_a_template_cannot_make_a_text_or_list_without_bound(
    folder: Path,
    template: str,
    reason: str,
) -> None:
    """Bug: each of these ran without end or ended in a MemoryError traceback; now one
    sentence naming the template and the limit, before the text is made."""
    over_limit(folder, template, reason)


def test_the_page_itself_is_bounded(folder: Path) -> None:
    """Bug: a loop writing a short line ten billion times filled the disk and the memory;
    the page stops at the size alignfetch would read back."""
    over_limit(
        folder,
        "{% for i in range(100000) %}{% for j in range(100000) %}" + "x" * 80 + "{% endfor %}"
        "{% endfor %}",
        f"its page grew past {LIMIT} characters",
        line=0,
    )


LEGIT = """\
{% macro row(s) %}{{ "%-8s|%5.1f|%03d"|format(s.slug, s.depth * 1.5, s.level) }}{% endmacro %}
{% for s in all_sections %}{{ row(s) }}
{% endfor %}
{{ "x" * 3 }}{{ "=" * 20 }}{{ [0] * 2 }}{{ "%s-%s" % ("a", "b") }}{{ "{:>6}|{:.2f}".format("r", 2) }}
{{ "mid"|center(9) }}|{{ "mid".ljust(5) }}|{{ "7".zfill(3) }}|{{ "a\tb".expandtabs(2) }}
{% for i in range(3) %}{{ loop.index }}/{{ loop.length }}{{ "," if not loop.last }}{% endfor %}
{% for s in sections recursive %}[{{ s.title }}{{ loop(s.children) }}]{% endfor %}
{% set block %}{% for n in range(1, 4) %}{{ n ** 2 }} {% endfor %}{% endset %}{{ block|trim }}
{{ items|map(attribute="entry.title")|join("; ") }}|{{ {"a": [1, 2]}|tojson }}
{{ [1, 2, 3]|sum }}|{{ [[1], [2]]|sum(start=[]) }}|{{ "a,b".split(",") }}|{{ "x y"|replace(" ", "-") }}
{{ list.title ~ "!" }}|{{ [1, 2, 3, 4]|batch(2)|list }}|{{ "abc"|indent(2, true) }}|{{ 2 ** 10 }}
"""


def test_legitimate_templates_render_as_before(folder: Path) -> None:
    """The bounds must not change what an ordinary template gives: padding, repetition,
    formatting, loops, recursion, blocks, joins and sums, each small."""
    doc = base_doc(
        [
            paper("2401.00001", "One", "2024-01-02", section="c"),
            paper("2401.00002", "Two", "2024-01-03"),
        ],
    )
    doc["sections"] = [
        {"slug": "s", "title": "S", "parent": None},
        {"slug": "c", "title": "C", "parent": "s"},
    ]
    out = render.render(doc, LEGIT, name="mine.j2")
    assert out == (  # what Jinja's sandbox gave before the bounds
        "s       |  1.5|002\n"
        "c       |  3.0|003\n"
        "xxx====================[0, 0]a-b     r|2.00\n"
        "   mid   |mid  |007|a b\n"
        "1/3,2/3,3/3[S[C]]1 4 9\n"
        'One; Two|{"a": [1, 2]}\n'
        "6|[1, 2]|['a', 'b']|x-y\n"
        "Test List!|[[1, 2], [3, 4]]|  abc|1024\n"
    )


def test_a_list_template_renders_a_long_list_well_inside_the_time_limit() -> None:
    """The bounds cost little: alignfetch's own template, run as a list's template (every
    hook on), renders 5,000 entries in a fraction of the time limit."""
    import time

    entries = [
        paper(f"2401.{i:05d}", f"Title {i}", "2024-01-02", abstract="Words. " * 100)
        for i in range(5000)
    ]
    doc = base_doc(entries)
    start = time.monotonic()
    out = render.render(doc, render.default_template(), name="mine.j2")
    assert time.monotonic() - start < render.TIME_LIMIT / 2
    assert out == render.render(doc)


# -- item 4: an export read back is cleaned before any template sees it ----------------------

DIRTY = "\x1b]0;pwned\x07Ti\x00tle\x9b31m \u202eevil\u202c\u2066x\u2069"
CLEAN = "]0;pwnedTitle31m evilx"


def test_render_from_an_export_drops_terminal_escapes_and_bidi_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: `render --from x.json` copied ESC and U+202E from titles into the README. Every
    text of the document (titles, sections, abstracts, link names, nested lists, keys)
    loses control characters and bidi overrides; an abstract keeps its line breaks."""
    monkeypatch.chdir(tmp_path)
    entry = paper(
        "2401.00001",
        DIRTY,
        "2024-01-02",
        abstract=f"First line {DIRTY}\nsecond\tline\r\nthird",
        authors=[DIRTY, "B"],
        links={DIRTY: "https://example.org/x"},
        venue=DIRTY,
    )
    doc = base_doc([entry])
    doc["list"]["title"] = DIRTY
    doc["sections"][0]["title"] = DIRTY
    (tmp_path / "entries.toml").write_text('[list]\ntitle = "x"\n', encoding="utf-8")
    (tmp_path / "x.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("render", "--from", "x.json", "-o", "README.md")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", page)
    assert "# \\]0;pwnedTitle31m evilx [![Awesome]" in page
    assert "First line ]0;pwnedTitle31m evilx\nsecond\tline\nthird\n" in page  # its lines


def test_a_template_sees_only_clean_text_even_through_doc(
    folder: Path,
) -> None:
    """The raw document a template reads as ``doc`` is the cleaned one too, and so are keys."""
    use(folder, "list.md.j2", **{"list.md.j2": "{{ doc.list.title }}|{{ doc.list.keys()|list }}"})
    doc = json.loads((folder / "export.json").read_text(encoding="utf-8"))
    doc["list"] = {"title": DIRTY, "te\x1bmplate": "list.md.j2", "template": "list.md.j2"}
    (folder / "export.json").write_text(json.dumps(doc), encoding="utf-8")
    result = run("render", "--from", "export.json")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{CLEAN}|['title', 'template']\n"


def test_an_export_nested_too_deeply_is_one_sentence() -> None:
    deep: Any = "a dirty \x1b text deep down"
    for _ in range(5000):
        deep = [deep]
    doc = base_doc([])
    doc["list"]["deep"] = deep
    with pytest.raises(InputError) as caught:
        render.render(doc)
    assert str(caught.value) == (
        "The export is nested too deeply to be an alignfetch export; "
        "write it again with `alignfetch export`."
    )


# -- 15c: no heading over an empty section -----------------------------------------------------


def test_empty_sections_get_no_heading_and_no_line_in_the_contents() -> None:
    """Bug: every section got a heading, an empty one too (and its children, all empty).
    The table of contents agrees with the headings, and anchors count only what is shown:
    the "Misc" that is shown is #misc, not #misc-1."""
    doc = base_doc([paper("2401.00001", "T", "2024-01-02", section="tools-misc")])
    doc["sections"] = [
        {"slug": "misc", "title": "Misc", "parent": None},  # empty
        {"slug": "empty", "title": "Empty", "parent": None},  # only empty children
        {"slug": "empty-child", "title": "Empty child", "parent": "empty"},
        {"slug": "tools", "title": "Tools", "parent": None},  # an entry under it
        {"slug": "tools-misc", "title": "Misc", "parent": "tools"},
    ]
    out = render.render(doc)
    heads = [line for line in out.splitlines() if line.startswith("#")][1:]
    assert heads == ["## Tools", "### Misc"]
    assert "- [Tools](#tools)\n    - [Misc](#misc)\n" in out
    assert "Empty" not in out
    check_toc_resolves(out)
    names = render.render(doc, "{% for s in all_sections %}{{ s.slug }} {% endfor %}", name="t")
    assert names == "tools tools-misc \n"


# -- 15d: a description the card repeats is shown once --------------------------------------


def test_a_description_that_is_the_cards_opening_is_shown_once(fakes: Fakes, listdir: Path) -> None:
    """Bug: `add hf:... --description` with the card's first sentence (what the Hub's page
    shows as its blurb) printed that sentence twice: under the title and atop the Data Card."""
    add_sections(listdir)
    said = "This repository provides access to two different kinds of data:"
    result = run("add", "hf:Anthropic/hh-rlhf", "-s", "english", "--description", said)
    assert result.exit_code == 0, result.output
    page = run("render").stdout
    assert page.count("two different kinds of data") == 1
    assert "\n\n- Human preference data about helpfulness and harmlessness" in page  # the rest


@pytest.mark.parametrize(
    ("summary", "description", "card"),
    [
        ("A dataset of jokes.", "A dataset of jokes.", None),
        ("A dataset of jokes.", "a dataset  of jokes", None),
        ("A dataset of jokes. Made by hand.", "A dataset of jokes.", "Made by hand."),
        ("A dataset of jokes\n\nMade by hand.", "A dataset of jokes", "Made by hand."),
        # Not the whole first sentence: the card is left whole.
        (
            "A dataset of jokes and riddles.",
            "A dataset of jokes",
            "A dataset of jokes and riddles.",
        ),
        ("A dataset of jokes.", "Jokes.", "A dataset of jokes."),
    ],
)
def test_the_card_loses_only_a_whole_sentence_the_description_repeats(
    summary: str, description: str, card: str | None
) -> None:
    doc = base_doc([dataset("org/d", "2024-01-01T00:00:00Z", [], summary=summary,
                            description=description)])  # fmt: skip
    out = render.render(doc)
    if card is None:
        assert "Data Card" not in out
    else:
        assert f"<summary><b>Data Card</b></summary>\n\n{card}\n\n</details>" in out
