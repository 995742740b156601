"""What a learned look shows of an entry (alignfetch.render.said): the list's own words
until a source knows better, then the source's, written the list's way."""

from __future__ import annotations

import pytest

from alignfetch.errors import InputError
from alignfetch.render.said import arrange, fill, said, write_authors, write_date


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Dec 2025", "Feb 2024"),
        ("December 2025", "February 2024"),
        ("3 Dec 2025", "15 Feb 2024"),
        ("Dec 3, 2025", "Feb 15, 2024"),
        ("2023-05-03", "2024-02-15"),
        ("2023/05/03", "2024/02/15"),
        ("2023.05", "2024.02"),
        ("2023-05", "2024-02"),
        ("2023", "2024"),
        ("Sept 2025", "Sept 2025"),  # not a way alignfetch writes: the typed text stays
        ("Spring 2023", "Spring 2023"),
        ("03/05/2023", "03/05/2023"),  # a day and month in either order: left as typed
    ],
)
def test_a_fetched_date_is_written_the_lists_way(typed: str, shown: str) -> None:
    """Catches a corrected date written in ISO form or in the house style (`15 Feb 2024`)
    where the list writes `Feb 2024`, and a way guessed wrong (a typed `Sept` that would
    come back `Sep` on every line though the date did not change)."""
    assert write_date("2024-02-15", typed) == shown


def test_the_same_date_gives_the_same_text() -> None:
    """Catches a refresh that rewrites an unchanged date (a month precision turned into
    a day, a leading zero added)."""
    for typed, day in [
        ("May 2023", "2023-05-03"),
        ("3 May 2023", "2023-05-03"),
        ("2023.05", "2023-05-31"),
    ]:
        assert write_date(day, typed) == typed


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("A, B, and C", "Xu, Yi, and Zoe"),
        ("A, B and C", "Xu, Yi and Zoe"),
        ("A; B; C", "Xu; Yi; Zoe"),
        ("A et al.", "Xu et al."),
        ("A, et al.", "Xu, et al."),
    ],
)
def test_fetched_authors_are_written_the_lists_way(typed: str, shown: str) -> None:
    """Catches fetched authors joined one fixed way whatever the list writes (an Oxford
    comma added, `et al.` lists grown to every author)."""
    assert write_authors(["Xu", "Yi", "Zoe"], typed) == shown


def _entry(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "arxiv:2305.01937",
        "kind": "paper",
        "title": "Fetched Title",
        "authors": ["Cheng-Han Chiang", "Hung-yi Lee"],
        "published": "2023-05-03T07:28:50Z",
        "url": "https://arxiv.org/abs/2305.01937",
        "overrides": {
            "typed": {"title": "Typed [Title]", "date": "Jan 2020", "authors": "C. Chiang"}
        },
    }
    base.update(overrides)
    return base


def test_the_source_corrects_what_the_list_typed() -> None:
    """Catches typed values that outlive a fetch (the page never corrected), a fetched
    title with Markdown in it written raw (a `[` would break the line's link), and a
    cached entry's page link lost."""
    shown = said(_entry(title="A [bracketed] *title*"))
    assert shown["title"] == "A \\[bracketed\\] \\*title\\*"
    assert shown["date"] == "May 2023"
    assert shown["authors"] == "Cheng-Han Chiang, Hung-yi Lee"
    assert shown["url"] == "https://arxiv.org/abs/2305.01937"


def test_the_list_speaks_until_a_fetch_and_an_override_always() -> None:
    """Catches an uncached entry shown empty (a just-imported list), and an override that
    a fetched value beats."""
    uncached = said(_entry(cached=False, title=None, authors=None))
    assert (uncached["title"], uncached["date"], uncached["authors"]) == (
        "Typed [Title]",
        "Jan 2020",
        "C. Chiang",
    )
    pinned = said(
        _entry(overrides={"title": "Mine", "date": "2021-07-01", "typed": {"date": "Jan 2020"}})
    )
    assert (pinned["title"], pinned["date"]) == ("Mine", "Jul 2021")


def test_the_same_words_keep_the_lists_markdown() -> None:
    """Catches a refresh that escapes an unchanged title (`LLM\\_Agents` -> `LLM\\\\_Agents`):
    when the source says what the list typed, the typed text stays byte for byte."""
    entry = _entry(title="LLM_Agents", overrides={"typed": {"title": "LLM_Agents"}})
    assert said(entry)["title"] == "LLM_Agents"


def test_fill_writes_every_field_and_keeps_braces() -> None:
    """Catches a shape field left unfilled or a literal brace taken as a field: the
    template's shapes are text a README held."""
    look = {
        "name": "N",
        "title": "T",
        "url": "U",
        "links": {"Code": "C", "Project": "P"},
    }
    assert fill(look, "**{name}** {title} [[Paper]({url})]{links: [}] {{x}} {link:Code}") == (
        "**N** T [[Paper](U)] [[Code](C) [[Project](P)] {x} C"
    )
    assert fill(look, "{mdlink:Code} {authors}") == "[Code](C) "
    with pytest.raises(InputError, match="shape field {titel}"):
        fill(look, "{titel}")


class _Item:
    def __init__(self, rid: str) -> None:
        self.entry = {"id": rid}


def test_arrange_keeps_the_pages_order_and_adds_new_entries_last() -> None:
    """Catches a learned run written in entries.toml's order (a cross-listed entry moved
    to where its first section lists it) and an entry added since left off the page."""
    items = [_Item(i) for i in ("a", "b", "c", "new")]
    assert [i.entry["id"] for i in arrange(items, ["c", "a"])] == ["c", "a"]
    assert [i.entry["id"] for i in arrange(items, ["b"], ["c", "a"])] == ["b", "new"]


def test_an_ordered_lists_number_is_the_entrys_place() -> None:
    """Catches an ordered list's number kept as text in a shared shape: every entry would
    be `1.`, and one added later would repeat the last number."""
    assert fill({"title": "T"}, "{number}. {title}", 7) == "7. T"
    assert fill({"title": "T"}, "{number}. {title}") == ". T"
