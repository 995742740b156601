"""entries.toml read and edited directly (no fetching): every refusal word for word,
what an entry holds, and edits that touch only their own lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignfetch.errors import EntriesFileError, InputError
from alignfetch.list import entries
from alignfetch.list.entries import Entry, Section

HEAD = '[[sections]]\nslug = "a"\ntitle = "A"\n'
ONE = HEAD + '\n[[entries]]\nid = "2305.01937"\nsection = "a"\n'


def load(tmp_path: Path, text: str) -> entries.EntriesFile:
    path = tmp_path / "entries.toml"
    path.write_text(text, encoding="utf-8")
    return entries.load(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("list = 3\n", "In entries.toml, [list] must be a table."),
        (
            "[list]\ntitel = 'x'\n",
            "In entries.toml, [list] has unknown key(s) titel; allowed: order, template, title.",
        ),
        ("[list]\ntitle = 3\n", "In entries.toml, [list] title must be a string."),
        ("[list]\norder = 'oldest'\n", 'In entries.toml, [list] order must be "file", "newest" or "citations".'),
        (
            "[list]\ntemplate = 3\n",
            "In entries.toml, [list] template must be a path to a template file.",
        ),
        ("sections = 3\n", "In entries.toml, sections must be written as [[sections]] tables."),
        ("sections = [1]\n", "In entries.toml, sections must be written as [[sections]] tables."),
        (
            "[[sections]]\ntitle = 'A'\n",
            "In entries.toml, section 1 needs a slug of lower-case letters, digits, '-' or '_'.",
        ),
        (
            "[[sections]]\nslug = 'Big'\ntitle = 'A'\n",
            "In entries.toml, section 1 needs a slug of lower-case letters, digits, '-' or '_'.",
        ),
        (
            "[[sections]]\nslug = '-a'\ntitle = 'A'\n",
            "In entries.toml, section 1 needs a slug of lower-case letters, digits, '-' or '_'.",
        ),
        (
            "[[sections]]\nslug = 'a'\ntitle = '  '\n",
            "In entries.toml, section 1 (a) needs a title.",
        ),
        (
            HEAD + "[[sections]]\nslug = 'b'\ntitle = 'B'\nparent = 'c'\n",
            "In entries.toml, section 2 (b) names parent 'c', which is not a section above it.",
        ),
        (
            "[[sections]]\nslug = 'b'\ntitle = 'B'\nparent = 'a'\n" + HEAD,
            "In entries.toml, section 1 (b) names parent 'a', which is not a section above it.",
        ),
        (HEAD + HEAD, "In entries.toml, the section slug 'a' appears twice."),
        (
            HEAD.replace('title = "A"\n', 'title = "A"\nicon = "x"\n'),
            "In entries.toml, section 1 (a) has unknown key(s) icon; allowed: order, parent, slug, title.",
        ),
        ("entries = 3\n" + HEAD, "In entries.toml, entries must be written as [[entries]] tables."),
        (HEAD + "[[entries]]\nsection = 'a'\n", "In entries.toml, entry 1 needs an id."),
        (HEAD + "[[entries]]\nid = 3\nsection = 'a'\n", "In entries.toml, entry 1 needs an id."),
        (
            ONE + "[[entries]]\nid = 'https://arxiv.org/abs/2305.01937v3'\nsection = 'a'\n",
            "In entries.toml, entry 2 (arxiv:2305.01937) repeats entry 1; remove one of them.",
        ),
        (
            HEAD + "[[entries]]\nid = 'gh:CarperAI/trlx'\nsection = 'a'\n"
            "[[entries]]\nid = 'https://github.com/carperai/TRLX.git'\nsection = 'a'\n",
            "In entries.toml, entry 2 (gh:carperai/TRLX) repeats entry 1; remove one of them.",
        ),
        (
            HEAD + "[[entries]]\nid = '2305.01937'\nsection = 'b'\n",
            "In entries.toml, entry 1 (arxiv:2305.01937) names section 'b', which is not defined.",
        ),
        (
            HEAD + "[[entries]]\nid = '2305.01937'\n",
            "In entries.toml, entry 1 (arxiv:2305.01937) names section None, which is not defined.",
        ),
        (
            ONE + "venue = 2023\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): venue must be a string.",
        ),
        (
            ONE + "date = '2023-5-3'\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): the date '2023-5-3' is not a real date written as YYYY-MM-DD.",
        ),
        (
            ONE + "date = '2023-02-29'\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): the date '2023-02-29' is not a real date written as YYYY-MM-DD.",
        ),
        (
            ONE + "links = 'https://x.example'\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): links must be a table of name = URL.",
        ),
        (
            ONE + "links = { Code = 3 }\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): the link 'Code' must be an http(s) URL, not 3.",
        ),
        (
            ONE + "links = { Code = 'https://a b' }\n",
            "In entries.toml, entry 1 (arxiv:2305.01937): the link 'Code' must be an http(s) URL, not 'https://a b'.",
        ),
        (
            ONE + "stars = 3\n",
            "In entries.toml, entry 1 (arxiv:2305.01937) has unknown key(s) stars; allowed: affiliation, check_ignore, date, description, id, links, name, section, sections, title, typed, url, venue.",
        ),
    ],
)
def test_refusals_word_for_word(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(EntriesFileError) as err:
        load(tmp_path, text)
    assert str(err.value) == message


def test_a_bad_id_names_the_entry(tmp_path: Path) -> None:
    with pytest.raises(EntriesFileError) as err:
        load(tmp_path, HEAD + "[[entries]]\nid = 'nope'\nsection = 'a'\n")
    assert str(err.value).startswith(
        "In entries.toml, entry 1: the text 'nope' is not an ID alignfetch knows; use one of: "
    )


def test_unreadable_and_invalid_files(tmp_path: Path) -> None:
    path = tmp_path / "entries.toml"
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == (
        f"The file {path} does not exist; create it with `alignfetch init`, or point --entries at yours."
    )
    path.write_bytes(b"title = '\xff'\n")
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value).startswith(
        f"The file {path} could not be read ('utf-8' codec can't decode byte 0xff"
    )
    path.write_text("[list\n")
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value).startswith(f"The file {path} is not valid TOML (")
    assert str(err.value).endswith("); fix it and try again.")


def test_what_an_entry_holds(tmp_path: Path) -> None:
    ef = load(
        tmp_path,
        '[list]\ntitle = "T"\norder = "newest"\n\n'
        + HEAD
        + '[[sections]]\nslug = "b_2"\ntitle = "B"\nparent = "a"\n\n'
        '[[entries]]\nid = "https://github.com/CarperAI/trlx.git"\nsection = "b_2"\n'
        'title = "trlX"\ndescription = "d"\nvenue = "v"\naffiliation = "f"\ndate = "2024-02-29"\n'
        'links = { Docs = "https://docs.example/", Github = "http://github.com/x/y" }\n'
        '\n[[entries]]\nid = "hf:Anthropic/hh-rlhf"\nsection = "a"\ntitle = ""\n',
    )
    assert ef.meta == {"title": "T", "order": "newest"}
    assert ef.sections == [Section("a", "A"), Section("b_2", "B", "a")]
    first, second = ef.entries
    assert first == Entry(
        "gh:CarperAI/trlx",
        "b_2",
        title="trlX",
        description="d",
        venue="v",
        affiliation="f",
        date="2024-02-29",
        links=(("Docs", "https://docs.example/"), ("Github", "http://github.com/x/y")),
    )
    assert first.overrides() == {
        "title": "trlX",
        "description": "d",
        "venue": "v",
        "affiliation": "f",
        "date": "2024-02-29",
        "links": {"Docs": "https://docs.example/", "Github": "http://github.com/x/y"},
    }
    # An empty override is no override.
    assert second.overrides() == {} and second.title == ""
    assert ef.find("hf:anthropic/HH-RLHF") is second
    assert ef.find("gh:carperai/TRLX") is first
    assert ef.find("gh:carperai/other") is None
    assert ef.section("b_2") == Section("b_2", "B", "a")
    with pytest.raises(InputError) as err:
        ef.section("c")
    assert str(err.value) == "There is no section 'c' in entries.toml; use one of: a, b_2."


def test_no_section_yet(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load(tmp_path, "").section("a")
    assert str(err.value) == "There is no section 'a' in entries.toml; use one of: none yet."


def test_add_appends_tables_and_keeps_the_rest(tmp_path: Path) -> None:
    ef = load(tmp_path, "# top\n" + HEAD + "\n\n\n")
    ef.add(
        [
            Entry(
                "arxiv:2305.01937",
                "a",
                venue="ACL 2023",
                links=(("Github", "https://github.com/o/r"),),
            ),
            Entry("gh:o/r", "a"),
        ]
    )
    assert ef.dumps() == (
        "# top\n" + HEAD + "\n"
        '[[entries]]\nid = "arxiv:2305.01937"\nsection = "a"\nvenue = "ACL 2023"\n'
        'links = {Github = "https://github.com/o/r"}\n'
        '\n[[entries]]\nid = "gh:o/r"\nsection = "a"\n'
    )
    assert [e.id for e in ef.entries] == ["arxiv:2305.01937", "gh:o/r"]


def test_add_to_an_empty_file_and_one_with_crlf_and_a_bom(tmp_path: Path) -> None:
    ef = load(tmp_path, "")
    ef.add([Entry("gh:o/r", "a")])
    assert ef.dumps() == '[[entries]]\nid = "gh:o/r"\nsection = "a"\n'
    path = tmp_path / "entries.toml"
    path.write_bytes(("\ufeff" + HEAD).replace("\n", "\r\n").encode())
    ef = entries.load(path)
    ef.add([Entry("gh:o/r", "a")])
    assert ef.dumps() == (
        "\ufeff" + HEAD + '\n[[entries]]\nid = "gh:o/r"\nsection = "a"\n'
    ).replace("\n", "\r\n")


def test_remove_cuts_only_the_entry(tmp_path: Path) -> None:
    text = (
        HEAD + "\n# the first\n[[entries]]\nid = 'gh:o/a'\nsection = 'a'\n"
        "\n# the second, kept\n[[entries]]\nid = 'gh:o/b'\nsection = 'a'\n"
        "[entries.links]\nDocs = 'https://d.example'\n"
        "\n# the end\n"
    )
    ef = load(tmp_path, text)
    removed = ef.remove("gh:O/B")
    assert removed.id == "gh:o/b"
    assert (
        ef.dumps()
        == HEAD
        + "\n# the first\n[[entries]]\nid = 'gh:o/a'\nsection = 'a'\n\n# the second, kept\n\n# the end\n"
    )
    assert [e.id for e in ef.entries] == ["gh:o/a"]
    with pytest.raises(InputError) as err:
        ef.remove("gh:o/b")
    assert str(err.value) == "gh:o/b is not in entries.toml; nothing was removed."


def test_check_helpers() -> None:
    assert entries.check_date("2024-02-29") == "2024-02-29"
    assert entries.check_links({"A": "https://a.example/x?y=1"}) == (
        ("A", "https://a.example/x?y=1"),
    )
    assert entries.check_text("description", "fine\ttab") == "fine\ttab"
    with pytest.raises(InputError, match="tab"):
        entries.check_text("title", "fine\ttab")
    # A description may run over lines; a title is one line of the README (issue 18, item 10).
    assert entries.check_text("description", "two\nlines") == "two\nlines"
    for key in ("title", "venue", "affiliation"):
        with pytest.raises(InputError, match="line break"):
            entries.check_text(key, "a\nb")
    assert entries.check_overrides({"title": None, "date": None}, {}) == ()
    with pytest.raises(InputError) as err:
        entries.check_overrides({"venue": "ok", "date": "2024-2-1"}, {})
    assert str(err.value) == "The date '2024-2-1' is not a real date written as YYYY-MM-DD."


def test_an_entry_whose_header_alignfetch_cannot_find_is_not_cut(tmp_path: Path) -> None:
    text = (
        HEAD
        + '\n[[entries]]\nid = "gh:o/a"\nsection = "a"\n\n[["entries"]]\nid = "gh:o/b"\nsection = "a"\n'
    )
    ef = load(tmp_path, text)
    with pytest.raises(EntriesFileError) as err:
        ef.remove("gh:o/b")
    assert str(err.value) == (
        "gh:o/b could not be cut out of entries.toml safely (its table is written in a way "
        "alignfetch does not edit); remove its lines by hand."
    )
    assert ef.dumps() == text
