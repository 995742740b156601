"""Issue 18, the input side: IDs, entries.toml and what an error repeats of them.

An ID with a control or bidi character is refused before anything is written (item 3);
a malformed URL, a value of the wrong type anywhere in entries.toml and TOML nested
without end are one sentence, not a traceback (item 9); --entries naming a device, a
FIFO, a folder or a huge file is one sentence (item 7); a 100 KB argument is not
echoed back in full (item 10d); ``sections add`` on a file without sections appends
(item 16e).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import tomlkit

from alignfetch.errors import ECHO_LIMIT, BadIdError, EntriesFileError, cap_echo
from alignfetch.list import entries, ids
from conftest import ENTRIES, Fakes, run, state

SRC = str(Path(__file__).resolve().parents[1] / "src")


def fails(result: Any, message: str, code: int = 2) -> None:
    """One sentence on stderr, nothing on stdout, the documented exit code."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr == f"alignfetch: {message}\n"


# -- item 3: control and bidi characters in IDs ---------------------------------------


# The audit's bug: `add 'url:https://exa\u202emple.org/'` (or \x07) was written to
# entries.toml and then failed; from then on list, render and export failed for good.
@pytest.mark.parametrize(
    ("given", "shown", "what"),
    [
        (
            "url:https://exa\u202emple.org/",
            "url:https://exa\\u202emple.org/",
            "bidi control character U+202E",
        ),
        (
            "url:https://ex\x07ample.org/",
            "url:https://ex\\x07ample.org/",
            "control character U+0007",
        ),
        ("https://example.org/a\x9bb", "https://example.org/a\\x9bb", "control character U+009B"),
        ("https://example.org/\x7f", "https://example.org/\\x7f", "control character U+007F"),
        ("https://example.org/a\tb", "https://example.org/a\\tb", "control character U+0009"),
        ("arxiv:2305.01937\u2066", "arxiv:2305.01937\\u2066", "bidi control character U+2066"),
        ("2305.01937\u200f", "2305.01937\\u200f", "bidi control character U+200F"),
        (
            "https://github.com/a/b\u061c",
            "https://github.com/a/b\\u061c",
            "bidi control character U+061C",
        ),
        ("hf:owner/na\u202ame", "hf:owner/na\\u202ame", "bidi control character U+202A"),
    ],
)
def test_an_id_with_a_control_or_bidi_character_is_refused_before_anything_is_written(
    fakes: Fakes, listdir: Path, given: str, shown: str, what: str
) -> None:
    before = state(listdir)
    fails(
        run("add", given, "-s", "papers"),
        f"The text '{shown}' holds the {what}, which no ID may hold; remove it and try again.",
    )
    assert state(listdir) == before
    assert fakes.server.requests("") == []


# A zero-width character makes a host look like another one (exa<ZWSP>mple.org); in a
# path it may be a word's own (Persian writes U+200C), so only the host refuses it.
def test_an_invisible_character_is_refused_in_a_host_but_not_in_a_path() -> None:
    with pytest.raises(BadIdError) as err:
        ids.parse("https://exa\u200bmple.org/")
    assert str(err.value) == (
        "The text 'https://exa\\u200bmple.org/' holds the invisible character U+200B "
        "(zero width space), which no ID or host may hold; remove it and try again."
    )
    with pytest.raises(BadIdError, match=r"U\+FEFF"):
        ids.parse("url:https://\ufeffexample.org/")
    path = "https://example.org/fa/\u0645\u200c\u06cc"
    assert str(ids.parse(path)) == f"url:{path}"
    # Text around an ID (a pasted newline) is no part of it.
    assert str(ids.parse(" 2305.01937\n")) == "arxiv:2305.01937"


# A list that already holds such an ID (hand-edited, or written by 0.1.x): every command
# says which entry and what to do, instead of failing somewhere inside.
@pytest.mark.parametrize(
    "command", [["list"], ["render"], ["export"], ["refresh"], ["show", "2305.01937"]]
)
def test_entries_toml_holding_such_an_id_names_the_entry_for_every_command(
    fakes: Fakes, listdir: Path, command: list[str]
) -> None:
    path = listdir / "entries.toml"
    with path.open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "2305.01937"\nsection = "papers"\n')
        f.write('\n[[entries]]\nid = "url:https://exa\\u202emple.org/"\nsection = "papers"\n')
    before = state(listdir)
    fails(
        run(*command),
        "In entries.toml, entry 2: the text 'url:https://exa\\u202emple.org/' holds the bidi "
        "control character U+202E, which no ID may hold; remove it and try again.",
    )
    assert state(listdir) == before
    assert fakes.server.requests("") == []


# -- item 9: tracebacks on bad input --------------------------------------------------


# urllib.parse raised ValueError("Invalid IPv6 URL") through `add`: a traceback.
@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("http://[::1", "invalid IPv6 URL"),
        ("https://[::1/x", "invalid IPv6 URL"),
        (
            "http://[not-an-address]/",
            "'not-an-address' does not appear to be an IPv4 or IPv6 address",
        ),
    ],
)
def test_a_url_urllib_cannot_split_is_one_sentence(
    fakes: Fakes, listdir: Path, given: str, why: str
) -> None:
    before = state(listdir)
    fails(
        run("add", given, "-s", "papers"),
        f"The text {given!r} is not a URL alignfetch can read ({why}); fix it and try again.",
    )
    assert state(listdir) == before


# `section = []` in an [[entries]] table: "TypeError: unhashable type" on list and add.
@pytest.mark.parametrize("value", ["[]", "{}", "{ a = 1 }", "3", "true", "1.5", "1979-05-27"])
@pytest.mark.parametrize("command", [["list"], ["add", "2306.05685", "-s", "papers"]])
def test_a_section_of_the_wrong_type_names_the_entry(
    fakes: Fakes, listdir: Path, value: str, command: list[str]
) -> None:
    path = listdir / "entries.toml"
    with path.open("a", encoding="utf-8") as f:
        f.write(f'\n[[entries]]\nid = "2305.01937"\nsection = {value}\n')
    before = state(listdir)
    fails(
        run(*command),
        "In entries.toml, entry 1 (arxiv:2305.01937): section must be a section's slug "
        "written as a string; use one of: papers, evaluation, safety.",
    )
    assert state(listdir) == before
    assert fakes.server.requests("") == []


# The same TypeError came from a section's `parent = []`.
def test_a_parent_of_the_wrong_type_names_the_section(tmp_path: Path) -> None:
    path = tmp_path / "entries.toml"
    path.write_text('[[sections]]\nslug = "a"\ntitle = "A"\nparent = []\n', encoding="utf-8")
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == (
        "In entries.toml, section 1 (a): parent must be the slug of a section above it, "
        "as a string."
    )


# Every field of entries.toml given every wrong type: an EntriesFileError (one sentence
# naming where), never a TypeError, AttributeError or the like. Each (path, value) is a
# realistic slip: a list where a string goes, a number for a slug, a table for a URL.
WRONG: list[Any] = [
    [],
    ["a", ["b"]],
    {},
    {"a": {"b": 1}},
    3,
    -1.5,
    True,
    datetime.date(1979, 5, 27),
    datetime.datetime(1979, 5, 27, 7, 32, tzinfo=datetime.UTC),
    "",
]
PLACES: list[tuple[str, ...]] = [
    ("list",),
    ("list", "title"),
    ("list", "order"),
    ("list", "template"),
    ("sections",),
    ("sections", "0"),
    ("sections", "0", "slug"),
    ("sections", "0", "title"),
    ("sections", "1", "parent"),
    ("entries",),
    ("entries", "0"),
    ("entries", "0", "id"),
    ("entries", "0", "section"),
    ("entries", "0", "title"),
    ("entries", "0", "description"),
    ("entries", "0", "venue"),
    ("entries", "0", "affiliation"),
    ("entries", "0", "date"),
    ("entries", "0", "links"),
    ("entries", "0", "links", "Code"),
    ("entries", "0", "check_ignore"),
    ("entries", "0", "check_ignore", "0"),
    ("discover",),
    ("check",),
]


def _document() -> dict[str, Any]:
    return {
        "list": {"title": "T", "order": "file", "template": "list.md.j2"},
        "sections": [{"slug": "a", "title": "A"}, {"slug": "b", "title": "B", "parent": "a"}],
        "entries": [
            {
                "id": "2305.01937",
                "section": "a",
                "title": "x",
                "description": "x",
                "venue": "x",
                "affiliation": "x",
                "date": "2023-05-03",
                "links": {"Code": "https://example.org/"},
                "check_ignore": ["stale"],
            }
        ],
        "discover": {"queries": ["x"]},
        "check": {"ignore": ["stale"]},
    }


@pytest.mark.parametrize("place", PLACES, ids=".".join)
def test_every_field_of_the_wrong_type_is_one_sentence(
    tmp_path: Path, place: tuple[str, ...]
) -> None:
    path = tmp_path / "entries.toml"
    for value in WRONG:
        doc = _document()
        parent: Any = doc
        for key in place[:-1]:
            parent = parent[int(key)] if isinstance(parent, list) else parent[key]
        if isinstance(parent, list):
            parent[int(place[-1])] = value
        else:
            parent[place[-1]] = value
        try:
            text = tomlkit.dumps(doc)
        except (TypeError, ValueError):
            continue  # not writable as TOML (an array of tables holding a number)
        path.write_text(text, encoding="utf-8")
        try:
            entries.load(path)
        except EntriesFileError as err:
            message = str(err)
            assert message.startswith(("In entries.toml", "entries.toml")), message
            assert message.endswith(".") and "\n" not in message, message


# TOML nested past tomli's 400 levels raised RecursionError on every command; nested
# less deep inside [check] (which only its feature reads), it passed the load and
# raised RecursionError while an edit compared the file before and after.
def test_toml_nested_past_what_tomli_reads_is_one_sentence(fakes: Fakes, listdir: Path) -> None:
    path = listdir / "entries.toml"
    path.write_text(
        ENTRIES + "\n[discover]\nx = " + "[" * 1000 + "]" * 1000 + "\n", encoding="utf-8"
    )
    before = state(listdir)
    message = (
        "The file entries.toml is not valid TOML: it nests arrays, tables or keys deeper than "
        "can be read (no list needs more than 32 levels); fix it and try again."
    )
    for command in (
        ["list"],
        ["add", "2305.01937", "-s", "papers"],
        ["sections", "add", "x", "--title", "X"],
    ):
        fails(run(*command), message)
    assert state(listdir) == before


@pytest.mark.parametrize(
    "nested",
    [
        "[check." + ".".join(["a"] * 990) + "]\n",
        "[discover]\nx = " + "[" * 399 + "]" * 399 + "\n",
        "[check]\nx = " + "{a = " * 100 + "1" + "}" * 100 + "\n",
    ],
    ids=["dotted-990", "array-399", "inline-100"],
)
def test_tables_nested_deep_but_readable_are_one_sentence_on_every_command(
    fakes: Fakes, listdir: Path, nested: str
) -> None:
    path = listdir / "entries.toml"
    path.write_text(ENTRIES + "\n" + nested, encoding="utf-8")
    before = state(listdir)
    feature = "check" if nested.startswith("[check") else "discover"
    message = (
        f"In entries.toml, [{feature}] nests tables or arrays more than 32 levels deep; flatten it."
    )
    for command in (
        ["list"],
        ["add", "2305.01937", "-s", "papers"],
        ["sections", "add", "x", "--title", "X"],
    ):
        fails(run(*command), message)
    assert state(listdir) == before


@pytest.mark.parametrize("value", ["3", '"x"', "[]"])
@pytest.mark.parametrize("feature", ["discover", "check"])
def test_discover_and_check_must_be_tables(tmp_path: Path, feature: str, value: str) -> None:
    path = tmp_path / "entries.toml"
    path.write_text(f"{feature} = {value}\n", encoding="utf-8")
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == f"In entries.toml, [{feature}] must be a table."


# -- item 7: --entries naming something that is no regular file -----------------------


def _cli(*args: str, cwd: Path, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    env.pop("ALIGNFETCH_ENTRIES", None)
    return subprocess.run(
        [sys.executable, "-m", "alignfetch", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,  # a FIFO used to block forever: the test fails instead of hanging
    )


# `--entries /dev/zero` read without end to MemoryError; a FIFO blocked forever.
@pytest.mark.parametrize("kind", ["/dev/zero", "fifo"])
def test_entries_that_is_a_device_or_a_fifo_is_one_sentence(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        target = tmp_path / "entries.fifo"
        os.mkfifo(target)
    else:
        target = Path(kind)
    done = _cli("--entries", str(target), "list", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert done.stderr == (
        f"alignfetch: The file {target} could not be read (it is a device, a FIFO or a folder, "
        "not a regular file); point --entries at your entries.toml.\n"
    )


# (The command line refuses a folder itself; the library, given one, says the same.)
def test_entries_load_of_a_folder_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(EntriesFileError) as err:
        entries.load(tmp_path)
    assert str(err.value) == (
        f"The file {tmp_path} could not be read (it is a device, a FIFO or a folder, not a "
        "regular file); point --entries at your entries.toml."
    )


def test_entries_larger_than_the_cap_is_one_sentence(tmp_path: Path) -> None:
    target = tmp_path / "entries.toml"
    with target.open("wb") as f:
        f.truncate(65 * 1024 * 1024)  # sparse: no disk is spent
    done = _cli("--entries", str(target), "list", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"alignfetch: The file {target} could not be read (it is larger than 64 MiB, more than "
        "any list needs); point --entries at your entries.toml.\n"
    )


# -- item 10d: what an error repeats of the user's input ------------------------------


def test_cap_echo_keeps_short_text_and_cuts_long_text() -> None:
    assert cap_echo("arxiv:2305.01937") == "arxiv:2305.01937"
    exact = "x" * ECHO_LIMIT
    assert cap_echo(exact) == exact
    cut = cap_echo("y" * 100_000)
    assert len(cut) == ECHO_LIMIT and cut.endswith("…")
    assert cap_echo("abcdef", 4) == "abc…"


# `alignfetch add <100 KB>` printed the 100 KB back in its error message.
@pytest.mark.parametrize(
    "args",
    [
        ["add", "w" * 100_000, "-s", "papers"],
        ["add", "https://example.org/" + "p" * 100_000, "-s", "papers"],
        ["add", "2305.01937", "-s", "s" * 100_000],
        ["add", "2305.01937", "-s", "papers", "--date", "d" * 100_000],
        ["add", "2305.01937", "-s", "papers", "--link", "Code=" + "u" * 100_000],
        ["show", "v" * 100_000],
    ],
    ids=["not-an-id", "long-url", "section", "date", "link", "show"],
)
def test_a_100kb_argument_is_not_echoed_in_full(
    fakes: Fakes, listdir: Path, args: list[str]
) -> None:
    before = state(listdir)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert len(result.stderr) < 2 * ECHO_LIMIT + 600, result.stderr[:300]
    assert "…" in result.stderr
    assert state(listdir) == before


def test_a_long_text_in_entries_toml_is_not_echoed_in_full(tmp_path: Path) -> None:
    path = tmp_path / "entries.toml"
    head = '[[sections]]\nslug = "a"\ntitle = "A"\n'
    for text in (
        head + f'[[entries]]\nid = "2305.01937"\nsection = "{"s" * 100_000}"\n',
        head + f'[[entries]]\nid = "2305.01937"\nsection = "a"\ndate = "{"d" * 100_000}"\n',
        head
        + f'[[entries]]\nid = "2305.01937"\nsection = "a"\nlinks = {{ Code = "{"u" * 100_000}" }}\n',
        head + f'[[entries]]\nid = "{"i" * 100_000}"\nsection = "a"\n',
        f'[[sections]]\nslug = "{"a" * 100_000}"\ntitle = "A"\nparent = "b"\n',
        f'[list]\n"{"k" * 100_000}" = 1\n',
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(EntriesFileError) as err:
            entries.load(path)
        assert len(str(err.value)) < 2 * ECHO_LIMIT + 300, str(err.value)[:300]


# -- item 16e: sections add on a file without sections ---------------------------------


# The branch that put the first section above "the first entry" found a [[entries]]
# line where no entry can be (a file without sections has none): one inside a
# multi-line string. It wrote the section into the string, and the edit was refused.
# A one-line field can no longer hold such a string (issue 18, item 10), and the branch
# is gone: the first section goes at the end, after the comments too.
def test_the_first_section_goes_at_the_end_even_past_an_entries_line_in_a_string(
    listdir: Path,
) -> None:
    path = listdir / "entries.toml"
    text = '[list]\ntitle = """Awesome\n[[entries]]\nlist"""\n'
    path.write_text(text, encoding="utf-8")
    refused = run("sections", "add", "papers", "--title", "Papers")
    assert refused.exit_code == 2 and "line break" in refused.stderr
    assert path.read_text(encoding="utf-8") == text
    text = '[list]\ntitle = "Awesome"\n\n# [[entries]]\n# id = "arxiv:2305.01937"\n'
    path.write_text(text, encoding="utf-8")
    result = run("sections", "add", "papers", "--title", "Papers")
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == (
        text + '\n[[sections]]\nslug = "papers"\ntitle = "Papers"\n'
    )
