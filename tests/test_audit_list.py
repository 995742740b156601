"""Audit of issue 18 (Hardening 2), the list's side: links, entries.toml and IDs.

A link that is no URL urllib can split was written to entries.toml and then crashed
``check`` and reached the README (finding 5); a TOML integer longer than Python turns
into a number was a traceback on every command (finding 8); a tab in a one-line field
cut ``list``'s columns; an internationalized host was two entries by its two spellings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from alignfetch.errors import InputError
from alignfetch.list import checks, entries, ids
from conftest import ENTRIES, Fakes, run, state


def fails(result: Any, message: str, code: int = 2) -> None:
    """One sentence on stderr, nothing on stdout, the documented exit code."""
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr == f"alignfetch: {message}\n"


WEB = '\n[[entries]]\nid = "url:https://example.org/"\nsection = "papers"\n'

# -- finding 5: a link must be a URL ----------------------------------------------------

BAD_LINKS = [
    ("https://[::1", "is 'https://[::1', not a valid URL (invalid IPv6 URL); fix it"),
    (
        "https://x.org:abc/",
        "is 'https://x.org:abc/', not a valid URL (port could not be cast to integer value "
        "as 'abc'); fix it",
    ),
    (
        "https://x.org:99999/",
        "is 'https://x.org:99999/', not a valid URL (port out of range 0-65535); fix it",
    ),
    ("https://:80/", "is 'https://:80/', not a valid URL (it names no host); fix it"),
    (
        "https://me:secret@x.org/",
        "holds a user name or password before its host, which a list would publish; remove them",
    ),
]


# The audit's bug: `add ... --link 'Code=https://[::1'` exited 0 and wrote the link; from
# then on `check` crashed on it (urlsplit's ValueError) and `render` wrote `(https://[::1)`.
@pytest.mark.parametrize(("link", "why"), BAD_LINKS)
def test_add_refuses_a_link_that_is_no_url(
    fakes: Fakes, listdir: Path, link: str, why: str
) -> None:
    before = state(listdir)
    result = run("add", "url:https://example.org/", "-s", "papers", "--link", f"Code={link}")
    fails(result, f"The link 'Code' {why}.")
    assert state(listdir) == before
    assert "secret" not in result.stderr


# The same bug through `edit --link`: `links = {a = "https://[::1"}` was written.
@pytest.mark.parametrize(("link", "why"), BAD_LINKS)
def test_edit_refuses_a_link_that_is_no_url(
    fakes: Fakes, listdir: Path, link: str, why: str
) -> None:
    (listdir / "entries.toml").write_text(ENTRIES + WEB, encoding="utf-8")
    before = state(listdir)
    fails(run("edit", "url:https://example.org/", "--link", f"a={link}"), f"The link 'a' {why}.")
    assert state(listdir) == before


# A hand-edited entries.toml holding such a link: `check` gave a traceback, `render`
# wrote it into the page. Now every command names the entry and the link.
@pytest.mark.parametrize("command", [["list"], ["render"], ["check"], ["export"]])
def test_entries_toml_holding_a_link_that_is_no_url_is_one_sentence(
    fakes: Fakes, listdir: Path, command: list[str]
) -> None:
    (listdir / "entries.toml").write_text(
        ENTRIES + WEB + 'links = {a = "https://[::1"}\n', encoding="utf-8"
    )
    before = state(listdir)
    fails(
        run(*command),
        "In entries.toml, entry 1 (url:https://example.org/): the link 'a' is "
        "'https://[::1', not a valid URL (invalid IPv6 URL); fix it.",
    )
    assert state(listdir) == before


# `import` took such a link as an entry's extra link and then refused the whole README,
# since entries.toml would not read back; a link with no text raised urlsplit's ValueError.
def test_import_skips_a_link_that_is_no_url_and_imports_the_rest(
    fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "list.md").write_text(
        '# L\n\n## A\n\n- [a](https://a.org/x) <a href="https://[::1">c</a> '
        '<a href="https://[::2"></a> [d](https://me:pw@d.org/) [b](https://b.org/)\n',
        encoding="utf-8",
    )
    result = run("import", "list.md")
    assert result.exit_code == 0, result.output
    ef = entries.load(tmp_path / "entries.toml")
    assert [(e.id, e.links) for e in ef.entries] == [
        ("url:https://a.org/x", (("b", "https://b.org/"),))
    ]
    assert "line 5: https://[::1 (not a valid URL (invalid IPv6 URL))\n" in result.stderr
    assert "line 5: https://[::2 (not a valid URL (invalid IPv6 URL))\n" in result.stderr
    assert "line 5: https://me:pw@d.org/ (a URL with a user name or password" in result.stderr


def test_url_problem_says_what_is_wrong_and_passes_good_links() -> None:
    for good in ("https://a.example/x?y=1", "http://[::1]:8080/x", "https://x.org/@me"):
        assert checks.url_problem(good) is None
    assert checks.url_problem("ftp://x.org/") == "not an http(s) URL"
    # urllib's words quote the port as written; no control character reaches a message.
    said = checks.url_problem("https://x.org:\u202e1/")
    assert said is not None and "\u202e" not in said
    assert checks.url_problem("http://[fe80::1%25eth0]/") == (
        "an address no list should link (its IPv6 zone names a network interface of one "
        "machine)"
    )


# An ID's port was never checked: `add https://example.org:99999/` was an entry no
# request could reach; an IPv6 zone names an interface of the writer's machine.
@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("https://example.org:99999/", "port out of range 0-65535"),
        ("https://example.org:8o/", "port could not be cast to integer value as '8o'"),
        (
            "http://[fe80::1%25eth0]/x",
            "its host names an IPv6 zone, a network interface of one machine",
        ),
    ],
)
def test_an_id_whose_port_or_zone_is_no_address_is_one_sentence(
    fakes: Fakes, listdir: Path, given: str, why: str
) -> None:
    before = state(listdir)
    fails(
        run("add", given, "-s", "papers"),
        f"The text {given!r} is not a URL alignfetch can read ({why}); fix it and try again.",
    )
    assert state(listdir) == before


# -- finding 8: an integer longer than Python reads -------------------------------------


# The audit's bug: `x = 999…9` (5,000 digits) anywhere in entries.toml raised tomli's
# ValueError ("Exceeds the limit (4300 digits) for integer string conversion") on every
# command, as a traceback.
@pytest.mark.parametrize(
    "command",
    [["list"], ["render"], ["add", "url:https://a.org/", "-s", "papers"], ["sections"]],
)
def test_an_integer_of_5000_digits_is_one_sentence_on_every_command(
    fakes: Fakes, listdir: Path, command: list[str]
) -> None:
    (listdir / "entries.toml").write_text(
        ENTRIES + "\n[check]\nx = " + "9" * 5000 + "\n", encoding="utf-8"
    )
    before = state(listdir)
    fails(
        run(*command),
        "The file entries.toml is not valid TOML (the number at line 20 has more than 4,300 "
        "digits, more than can be read); fix it and try again.",
    )
    assert state(listdir) == before


# An edit re-reads the entry's table with tomlkit: a multi-line string holding a line
# that starts with "[" ended the table early, and tomlkit's ParseError was a traceback.
def test_an_entry_table_tomlkit_cannot_reread_is_one_sentence(fakes: Fakes, listdir: Path) -> None:
    (listdir / "entries.toml").write_text(
        ENTRIES + WEB + 'description = """\none\n[two]\n"""\n', encoding="utf-8"
    )
    before = state(listdir)
    fails(
        run("edit", "url:https://example.org/", "--venue", "V"),
        "The edit of entries.toml could not be made safely (the entry's table is written in a "
        "way alignfetch does not edit); make it by hand.",
    )
    assert state(listdir) == before


# -- minor: a tab in a one-line field ------------------------------------------------------


# The audit's bug: `add … --title $'a\tb\tc'` was written, and `list` printed it as
# three columns of its tab-separated output.
def test_a_tab_in_a_one_line_field_is_refused(fakes: Fakes, listdir: Path) -> None:
    before = state(listdir)
    fails(
        run("add", "url:https://a.org/", "-s", "papers", "--title", "a\tb\tc"),
        "The title holds a tab; write a space instead.",
    )
    fails(
        run("sections", "add", "x", "--title", "X\tY"),
        "The title holds a tab; write a space instead.",  # its option named, as add's is
    )
    assert state(listdir) == before
    (listdir / "entries.toml").write_text(
        ENTRIES + WEB + 'venue = "ACL\\t2023"\n', encoding="utf-8"
    )
    fails(
        run("list"),
        "In entries.toml, entry 1 (url:https://example.org/): the venue holds a tab; write a "
        "space instead.",
    )
    # A description runs over lines and may keep its tabs.
    assert entries.check_text("description", "a\tb\nc") == "a\tb\nc"
    with pytest.raises(InputError, match="tab"):
        entries.check_text("title", "fine\ttab")


# -- minor: internationalized hosts ---------------------------------------------------------


# The audit's bug: `url:https://пример.рф/` and `url:https://xn--e1afmkfd.xn--p1ai/` (the
# same host) were two entries; the second `add` was accepted.
def test_an_internationalized_host_is_one_entry_in_either_spelling(
    fakes: Fakes, listdir: Path
) -> None:
    added = run("add", "url:https://ПРИМЕР.рф/путь", "-s", "papers")
    assert added.exit_code == 0, added.output
    before = state(listdir)
    again = run("add", "url:https://xn--e1afmkfd.xn--p1ai/путь", "-s", "papers")
    fails(
        again,
        "The entry url:https://пример.рф/путь is already in the list, in section 'papers'; "
        "nothing was added.",
    )
    assert state(listdir) == before
    # The file keeps what was typed (host lower-cased), for the page to show.
    assert 'id = "url:https://пример.рф/путь"' in (listdir / "entries.toml").read_text("utf-8")
    with (listdir / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "https://xn--e1afmkfd.xn--p1ai:443/"\nsection = "papers"\n')
        f.write('\n[[entries]]\nid = "https://пример.рф:443/"\nsection = "papers"\n')
    fails(
        run("list"),
        "In entries.toml, entry 3 (url:https://пример.рф:443/) repeats entry 2; remove one of "
        "them.",
    )
    assert ids.parse("https://straße.de/").identity == "url:https://xn--strae-oqa.de/"
    assert ids.parse("https://example.org/путь").identity == "url:https://example.org/путь"
