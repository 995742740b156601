"""Issue 18, `import`: links that are no web links, and typed dates.

``javascript:``, ``vbscript:``, ``file:`` and ``data:`` links are refused by the
Markdown parser (as by GitHub), which left them as text: ``import`` folded them into
descriptions and said nothing (item 10b). Typed dates must be read year, month, day,
never swapped (item 16c).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from alignfetch.readme.reading import read_list
from conftest import run

REFUSED = re.compile(r"(?i)(javascript|vbscript|data|file):")


README = """\
# Awesome Evil

## Evaluation [more](javascript:alert(0))

- [Judging LLM-as-a-judge](https://arxiv.org/abs/2306.05685) - judges [demo](javascript:alert(1)) and [page](data:text/html,<b>x</b>)
- [A blog](https://example.org/blog) [notes](file:///etc/passwd) [run](vbscript:msgbox(1)) <javascript:alert(2)>
- [A tool](JavaScript:alert(3)) - a tool with no other link
- [A site](https://example.org/site) [enc](&#106;avascript:alert(4)) [ref][evil]
- [Page](https://example.org/page) <a href="javascript:alert(5)">html link</a> [ftp](ftp://example.org/f)

[evil]: javascript:alert(6)
"""


def _skipped(doc: dict) -> list[tuple[int, str, str]]:  # type: ignore[type-arg]
    return [(s["line"], s["url"], s["reason"]) for s in doc["skipped"]]


# The audit's bug: `[demo](javascript:alert(1))` ended up in the entry's description,
# in entries.toml and so in the README, and the report named no skipped link; an
# entry whose only link was one vanished without a word.
def test_links_of_refused_schemes_are_skipped_with_a_reason_and_kept_out_of_every_field(
    empty: Path,
) -> None:
    (empty / "README.md").write_text(README, encoding="utf-8")
    told = run("import", "--dry-run", "README.md").stderr
    assert (
        "  - line 7: JavaScript:alert(3) (a link with the javascript: scheme, not http(s))\n"
        in told
    )
    result = run("import", "--json", "README.md")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    link = "a link with the {}: scheme, not http(s)"
    assert _skipped(doc) == [
        (3, "javascript:alert(0)", link.format("javascript")),
        (5, "javascript:alert(1)", link.format("javascript")),
        (5, "data:text/html,%3Cb%3Ex%3C/b%3E", link.format("data")),
        (6, "file:///etc/passwd", link.format("file")),
        (6, "vbscript:msgbox(1)", link.format("vbscript")),
        (6, "javascript:alert(2)", link.format("javascript")),
        (7, "JavaScript:alert(3)", link.format("javascript")),
        (8, "javascript:alert(4)", link.format("javascript")),
        (8, "javascript:alert(6)", link.format("javascript")),
        (9, "javascript:alert(5)", link.format("javascript") + ", in an entry"),
        (9, "ftp://example.org/f", link.format("ftp") + ", in an entry"),
    ]
    descriptions = {e["id"]: e.get("description") for e in doc["entries"]}
    assert descriptions == {
        "arxiv:2306.05685": "judges demo and page",
        "url:https://example.org/blog": "notes run",
        "url:https://example.org/site": "enc [ref][evil]",
        "url:https://example.org/page": "html link ftp",
    }
    assert [s["title"] for s in doc["sections"]] == ["Evaluation more"]
    for entry in doc["entries"]:
        assert not REFUSED.search(json.dumps(entry)), entry
    written = (empty / "entries.toml").read_text(encoding="utf-8")
    assert not REFUSED.search(written), written


# An image may be a data: URL markdown-it accepts (a badge drawn inline); a javascript:
# image is refused like a link, and the Markdown it leaves is no part of the text.
def test_a_refused_image_is_skipped_too(empty: Path) -> None:
    reading = read_list(
        "# L\n\n## S\n\n- [Paper](https://arxiv.org/abs/2306.05685) ![x](javascript:alert(1)) judged\n"
    )
    assert [(s.line, s.url, s.reason) for s in reading.skipped] == [
        (5, "javascript:alert(1)", "an image with the javascript: scheme, not http(s)")
    ]
    assert reading.found[0].description == "x judged"


# A description that only mentions such a scheme in prose keeps its words.
def test_prose_naming_a_scheme_is_left_alone(empty: Path) -> None:
    reading = read_list(
        "# L\n\n## S\n\n- [Paper](https://arxiv.org/abs/2306.05685) - training data: 10k pairs\n"
    )
    assert reading.skipped == []
    assert reading.found[0].description == "training data: 10k pairs"


# -- typed dates -------------------------------------------------------------------------


def _dates(*typed: str) -> list[tuple[str | None, str | None]]:
    text = "# L\n\n## S\n\n" + "".join(
        f"- [Paper {i}](https://arxiv.org/abs/2306.0568{i})\n  - {day}\n"
        for i, day in enumerate(typed)
    )
    return [(f.date, f.iso_date) for f in read_list(text).found]


# A year first is year, month, day: a reader that swapped day and month would make
# 3 May into 5 March (and 2023-01-13 into no date at all).
def test_a_typed_date_with_the_year_first_is_year_month_day() -> None:
    assert _dates("2023-05-03", "2023/05/03", "2023.05.03", "2023-01-13", "2023-13-01") == [
        ("2023-05-03", "2023-05-03"),
        ("2023/05/03", "2023-05-03"),
        ("2023.05.03", "2023-05-03"),
        ("2023-01-13", "2023-01-13"),
        (None, None),  # no month 13: not a date, so not taken as one
    ]


# 03/05/2023 is 3 May in Europe and 5 March in the United States: it is read as a typed
# date that names no certain day, never as either day (13/05/2023 too: a list's dates
# are all read or none). Not a real day either way (31/02/2023) is no date.
def test_a_typed_date_with_the_year_last_names_no_day() -> None:
    assert _dates("03/05/2023", "13/05/2023", "05/13/2023", "31/02/2023") == [
        ("03/05/2023", None),
        ("13/05/2023", None),
        ("05/13/2023", None),
        (None, None),
    ]


def test_keep_typed_writes_the_day_as_typed_year_first(empty: Path) -> None:
    (empty / "README.md").write_text(
        "# L\n\n## S\n\n- [Judging](https://arxiv.org/abs/2306.05685)\n  - 2023/06/09\n"
        "- [Other](https://arxiv.org/abs/2305.01937)\n  - 09/06/2023\n",
        encoding="utf-8",
    )
    result = run("import", "--keep-typed", "README.md")
    assert result.exit_code == 0, result.output
    written = (empty / "entries.toml").read_text(encoding="utf-8")
    assert (
        'id = "arxiv:2306.05685"\nsection = "s"\ntitle = "Judging"\ndate = "2023-06-09"\n'
        in written
    )
    assert written.count("\ndate =") == 1
