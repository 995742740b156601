"""Issue 20: `check`'s toc rule on lists as maintainers write them.

Through `alignfetch --offline check` on small READMEs and on the real lists of
tests/data/lists/: ``./#anchor`` links (and ``README.md#anchor`` in README.md) are checked
like ``#anchor`` ones; a table of contents that lists one heading twice, whichever way
the two links spell it, is a finding on the later link; prose and "back to top" links to
a heading already in the table of contents are not; the anchors GitHub honours besides
headings (an element's ``id``, ``<a name>``, ``#top``) are no finding. The expected
findings are read off the texts by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import run

DATA = Path(__file__).parent / "data"
REAL = sorted((DATA / "lists").glob("*.README.md")) + [
    DATA / "reference" / "awesome-llm-alignment.README.md"
]


def toc_findings(folder: Path, text: str, name: str = "README.md") -> list[tuple[int, str]]:
    """The toc rule's findings (line, message) of `check --format json` on ``text``."""
    (folder / name).write_text(text, encoding="utf-8")
    r = run("--offline", "check", "--format", "json", name)
    assert r.exit_code in (0, 1), r.stderr
    found = json.loads(r.stdout)["findings"]
    return [(f["line"], f["message"]) for f in found if f["rule"] == "toc"]


def nowhere(url: str) -> str:
    return f"The link {url} names no heading of the file."


def twice(url: str, first: str, where: str) -> str:
    return (
        f"The link {url} goes to the same heading as {first} {where}; "
        "the table of contents lists it twice."
    )


# Catches `./#anchor` links going unchecked: GitHub and many lists write the table of
# contents as `[Intro](./#intro)`, and a heading renamed since left such a table of
# contents pointing nowhere without a finding (only `](#…)` and `href="#…"` were read).
def test_dot_slash_and_own_file_anchor_links_are_checked(empty: Path) -> None:
    text = (
        "# Title\n"
        "\n"
        "- [Intro](./#intro)\n"  # 3: fine
        "- [Usage](./#usage)\n"  # 4: the heading is "Using it" now
        '- <a href="./#install">Install</a>\n'  # 5: no such heading
        "- [Title](README.md#title)\n"  # 6: this very file: fine
        "- [FAQ](./README.md#faq)\n"  # 7: this very file: no such heading
        "- [Other](OTHER.md#faq)\n"  # 8: another page, not this rule's business
        "- [Top](./#)\n"  # 9: the page's top
        "\n"
        "## Intro\n"
        "\n"
        "## Using it\n"
    )
    assert toc_findings(empty, text) == [
        (4, nowhere("./#usage")),
        (5, nowhere("./#install")),
        (7, nowhere("./README.md#faq")),
    ]
    # In a file of another name, README.md#… goes to another page; its own name does not.
    other = text.replace("README.md#title", "notes.md#title")
    assert toc_findings(empty, other, "notes.md") == [
        (4, nowhere("./#usage")),
        (5, nowhere("./#install")),
    ]


# Catches a table of contents that lists one heading twice going unreported, whichever
# way the two links spell it: `#a` and `./#a`, `#Intro` against the heading "Intro",
# percent-encoded `#caf%C3%A9` and `#café` (GitHub decodes the fragment and falls back to
# lower case, so each pair goes to one heading), in nested bullets, on one line of
# `|`-separated links and in an HTML table of anchors. The finding is on the later link
# and names the earlier one; the message has no line break and is the same in every
# format.
def test_a_table_of_contents_listing_a_heading_twice(empty: Path) -> None:
    text = (
        "# Title\n"
        "\n"
        "## Contents\n"
        "\n"
        "- [Intro](#intro)\n"  # 5
        "- [Usage](./#usage)\n"  # 6
        "  - [Intro again](./#Intro)\n"  # 7: = line 5
        "- [Café](#caf%C3%A9)\n"  # 8
        "- [Café](#café)\n"  # 9: = line 8
        "\n"
        "## Quick links\n"
        "\n"
        "[Intro](#intro) | [Usage](#usage) | [Intro](#intro)\n"  # 13: twice on the line
        "\n"
        "## As a table\n"
        "\n"
        "<table><tr>\n"
        '<td><a href="#usage">Usage</a></td>\n'  # 18
        '<td><a href="./#usage">Usage</a></td>\n'  # 19: = line 18
        "</tr></table>\n"
        "\n"
        "## Intro\n"
        "\n"
        "## Usage\n"
        "\n"
        "## Café\n"
    )
    assert toc_findings(empty, text) == [
        (7, twice("./#Intro", "#intro", "at line 5")),
        (9, twice("#café", "#caf%C3%A9", "at line 8")),
        (13, twice("#intro", "#intro", "earlier on this line")),
        (19, twice("./#usage", "#usage", "at line 18")),
    ]
    (empty / "README.md").write_text(text, encoding="utf-8")
    r = run("--offline", "check", "--format", "github", "README.md")
    assert (
        "::error file=README.md,line=7,title=toc::"
        + twice("./#Intro", "#intro", "at line 5")
        + "\n"
    ) in r.stdout


# Catches duplicates reported where a list links to a heading again on purpose: a
# sentence ("see [Contributing](#contributing)"), even right below the table of contents,
# a "back to top" line after every section, and a second, folded table of contents. Only the
# real slip, the first table of contents listing "Papers" twice (the second was meant
# for "Papers 2024"), is a finding.
def test_prose_back_links_and_a_second_toc_are_no_duplicates(empty: Path) -> None:
    text = (
        "# Awesome Things\n"
        "\n"
        "Please read [Contributing](#contributing) first.\n"  # 3: prose
        "\n"
        "## Contents\n"
        "\n"
        "1. [Papers](#papers)\n"  # 7
        "   - Older\n"  # a group's label inside the table of contents
        "   - [2024](#papers)\n"  # 9: should be #papers-2024
        "2. [Contributing](#contributing)\n"
        "\n"
        "New papers go in [Papers](#papers), after [Contributing](#contributing).\n"  # prose
        "\n"
        "<details><summary>All sections</summary>\n"
        "\n"
        "- [Papers](#papers)\n"  # another table of contents
        "- [Papers 2024](#papers-2024)\n"
        "- [Contributing](#contributing)\n"
        "</details>\n"
        "\n"
        "## Papers\n"
        "\n"
        "- [A paper](https://arxiv.org/abs/2305.01937)\n"
        "\n"
        "**[⬆ back to top](#contents)**\n"
        "\n"
        "## Papers 2024\n"
        "\n"
        "**[⬆ back to top](#contents)**\n"
        "\n"
        "## Contributing\n"
        "\n"
        "As said in [Contributing](#contributing), and [Papers](#papers) too.\n"
        "\n"
        "**[⬆ back to top](#contents)**\n"
    )
    assert toc_findings(empty, text) == [(9, twice("#papers", "#papers", "at line 7"))]


# Catches the rule calling working links broken on real lists: anchors that GitHub keeps
# and scrolls to besides headings (`<div id="paperlist">`, `<a name="Park19iedm"></a>`
# bibliography anchors, `#user-content-…`), HTML's `#top`, and a link shown inside a code
# span (41 such findings on DefTruth/Awesome-LLM-Inference, 260 on
# uzh-rpg/event-based_vision_resources). A link to an anchor no element has is still one.
def test_html_anchors_top_and_code_spans(empty: Path) -> None:
    text = (
        "# Title\n"
        "\n"
        "- [Papers](#paperlist)\n"  # 3: a div's id
        "- [Park et al.](#Park19iedm)\n"  # 4: an <a name>
        "- [Smith](#smith20)\n"  # 5: nothing has that name
        "- [Intro](#user-content-intro)\n"  # 6: GitHub's own prefix
        "- [Up](#top)\n"  # 7: the top of the page
        "\n"
        "Write `[Intro](#nowhere)` for a link.\n"  # 9: code, not a link
        "\n"
        '<div id="paperlist"></div>\n'
        "\n"
        "## Intro\n"
        "\n"
        '- <a name="Park19iedm"></a>Park, P.K.J., IEDM 2019.\n'
        "\n"
        "```\n"
        '<a name="smith20"></a>\n'  # in a fence: no anchor
        "```\n"
    )
    assert toc_findings(empty, text) == [(5, nowhere("#smith20"))]


# Catches a duplicate finding's texts printed whole: a 3,000-character heading listed
# twice gives one line naming both links cut short, as the rule's other message does.
def test_a_duplicate_of_a_long_heading_is_capped(empty: Path) -> None:
    slug = "-".join(["word"] * 600)
    text = f"# T\n\n- [A](#{slug})\n- [B](./#{slug})\n\n## {' '.join(['word'] * 600)}\n"
    found = toc_findings(empty, text)
    assert [line for line, _ in found] == [4]
    message = found[0][1]
    assert len(message) < 500 and "…" in message and "\n" not in message
    assert message.startswith("The link ./#word-word")


# Catches false findings on the lists maintainers publish (HTML ids and <a name> anchors,
# mixed-case anchors, tables of contents with blank lines, group labels and emoji,
# "back to top" lines, reference lists) and pins the three real slips, read off the files:
# awesome-instruction-datasets links #awesome-prompt-datasets, but its title is "Awesome
# Instruction Datasets"; uzh-rpg links #LiuDelbruck2022tcsvt and #Stoffregen20arxiv, but
# its anchors are named Liu22tcsvt and Stoffregen20eccv.
def test_real_lists_have_only_their_real_slips(empty: Path) -> None:
    names = []
    for path in REAL:
        (empty / path.name).write_bytes(path.read_bytes())
        names.append(path.name)
    r = run("--offline", "check", "--format", "json", *names)
    assert r.exit_code == 1, r.stderr
    found = [
        (f["file"], f["line"], f["message"])
        for f in json.loads(r.stdout)["findings"]
        if f["rule"] == "toc"
    ]
    uzh = "uzh-rpg__event-based_vision_resources.README.md"
    assert found == [
        ("awesome-instruction-datasets.README.md", 14, nowhere("#awesome-prompt-datasets")),
        (uzh, 3236, nowhere("#LiuDelbruck2022tcsvt")),
        (uzh, 3257, nowhere("#Stoffregen20arxiv")),
    ]
    assert not [m for _, _, m in found if re.search("twice", m)]


# Catches the rule taking time quadratic in a line's length on a hostile README: a
# heading of 200,000 "<a" (the heading text's tag pattern scanned to the line's end from
# each "<": 1.5 s for 40,000, half a minute for this one, hours for a megabyte), and the
# new scans (code spans of ever longer backtick runs, tags never closed, in-page links
# without their "[").
def test_hostile_lines_cost_one_pass(empty: Path) -> None:
    import time

    text = (
        "# T\n\n"
        f"## {'<a' * 200_000}\n\n"
        f"{''.join('`' * k + ' a ' for k in range(1, 400))}\n\n"
        f"{'<a name=x ' * 50_000}\n\n"
        f"- {'](#t)' * 50_000}\n"
    )
    start = time.monotonic()
    found = toc_findings(empty, text)
    assert time.monotonic() - start < 10
    assert len(found) == 49_999  # the line's links but its first, each the first's twice
