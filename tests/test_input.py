"""Loose acceptance and half-done writes (issue 7).

entries.toml holds only known tables and no control characters; the command
line's overrides and --stars-threshold are checked the same way; a broken lock
or state folder is one sentence; ``add`` leaves no record in the cache when
entries.toml cannot be written, and puts entries.toml back when the cache
cannot be; entries.toml keeps its mode through every write.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
from pathlib import Path

import pytest

from alignfetch import Workspace
from alignfetch.errors import AlignfetchError, EntriesFileError, InputError
from alignfetch.list import entries
from conftest import ENTRIES, Fakes, run, state

ESC, RLO, LRI, NUL, CSI = "\x1b", "\u202e", "\u2066", "\x00", "\x9b"


def fails(result, code: int, message: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert result.stderr == f"alignfetch: {message}\n"


def cached_ids(folder: Path) -> list[str]:
    path = folder / ".alignfetch" / "cache.sqlite"
    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        return sorted(r[0] for r in db.execute("SELECT id FROM records"))


# -- entries.toml: unknown tables --------------------------------------------------------


def test_unknown_top_level_keys_are_errors(fakes: Fakes, listdir: Path) -> None:
    path = listdir / "entries.toml"
    path.write_text('title = "oops"\n' + ENTRIES + "\n[sectons]\nx = 1\n", encoding="utf-8")
    before = state(listdir)
    message = (
        "entries.toml has unknown key(s) sectons, title; "
        "allowed: check, discover, entries, list, sections, sources."
    )
    fails(run("list"), 2, message)
    fails(run("add", "2305.01937", "-s", "evaluation"), 2, message)
    assert state(listdir) == before and fakes.arxiv_requests() == 0


def test_discover_and_check_tables_are_left_to_their_features(listdir: Path) -> None:
    path = listdir / "entries.toml"
    path.write_text(
        ENTRIES + "\n[discover]\nqueries = []\n\n[check]\nlinks = true\n", encoding="utf-8"
    )
    ef = entries.load(path)
    assert [s.slug for s in ef.sections] == ["papers", "evaluation", "safety"]
    assert entries.TOP_LEVEL_KEYS == (
        "list",
        "sections",
        "entries",
        "discover",
        "check",
        "sources",
    )


# -- control characters in what a maintainer writes --------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'title = "Evil\\u001b[2J"',
            "In entries.toml, entry 1 (arxiv:2305.01937): the title holds the control character "
            "U+001B, which alignfetch does not write; remove it.",
        ),
        (
            'venue = "ACL\\u202e 2023"',
            "In entries.toml, entry 1 (arxiv:2305.01937): the venue holds the control character "
            "U+202E, which alignfetch does not write; remove it.",
        ),
        (
            'description = "a\\u0000b"',
            "In entries.toml, entry 1 (arxiv:2305.01937): the description holds the control "
            "character U+0000, which alignfetch does not write; remove it.",
        ),
        (
            'affiliation = "Uni\\u2066"',
            "In entries.toml, entry 1 (arxiv:2305.01937): the affiliation holds the control "
            "character U+2066, which alignfetch does not write; remove it.",
        ),
        (
            'links = { "Git\\u009bhub" = "https://github.com/o/r" }',
            "In entries.toml, entry 1 (arxiv:2305.01937): the link name 'Git\\x9bhub' holds the "
            "control character U+009B, which alignfetch does not write; remove it.",
        ),
        (
            'links = { Github = "https://github.com/o/r\\u007f" }',
            "In entries.toml, entry 1 (arxiv:2305.01937): the link 'Github' holds the control "
            "character U+007F, which alignfetch does not write; remove it.",
        ),
        (
            'links = { Github = "https://github.com/o/r\\n" }',
            "In entries.toml, entry 1 (arxiv:2305.01937): the link 'Github' must be an http(s) "
            "URL, not 'https://github.com/o/r\\n'.",
        ),
    ],
    ids=[
        "esc-title",
        "rlo-venue",
        "nul-description",
        "lri-affiliation",
        "csi-link-name",
        "del-link",
        "newline-link",
    ],
)
def test_control_characters_in_entries_toml_are_refused(
    fakes: Fakes, listdir: Path, line: str, message: str
) -> None:
    path = listdir / "entries.toml"
    path.write_text(
        ENTRIES + f'\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n{line}\n',
        encoding="utf-8",
    )
    before = state(listdir)
    fails(run("list"), 2, message)
    fails(run("render"), 2, message)
    assert state(listdir) == before and fakes.arxiv_requests() == 0


def test_tabs_and_newlines_in_an_override_are_fine(listdir: Path) -> None:
    path = listdir / "entries.toml"
    path.write_text(
        ENTRIES + '\n[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'
        'description = "two\\tparts\\nand a line"\n',
        encoding="utf-8",
    )
    (entry,) = entries.load(path).entries
    assert entry.description == "two\tparts\nand a line"


def test_control_characters_in_section_and_list_titles_are_refused(listdir: Path) -> None:
    path = listdir / "entries.toml"
    path.write_text(
        ENTRIES.replace('title = "Papers"', 'title = "Pa\\u202epers"'), encoding="utf-8"
    )
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == (
        "In entries.toml, section 1 (papers): the title holds the control character U+202E, "
        "which alignfetch does not write; remove it."
    )
    path.write_text(
        ENTRIES.replace('title = "Awesome-LLM-Alignment"', 'title = "A\\u001b]0;x"'),
        encoding="utf-8",
    )
    with pytest.raises(EntriesFileError) as err:
        entries.load(path)
    assert str(err.value) == (
        "In entries.toml, [list]: the title holds the control character U+001B, "
        "which alignfetch does not write; remove it."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--title", f"Evil{ESC}[2J"],
            "The title holds the control character U+001B, which alignfetch does not write; "
            "remove it.",
        ),
        (
            ["--venue", f"ACL{RLO}"],
            "The venue holds the control character U+202E, which alignfetch does not write; "
            "remove it.",
        ),
        (
            ["--affiliation", f"U{CSI}"],
            "The affiliation holds the control character U+009B, which alignfetch does not "
            "write; remove it.",
        ),
        (
            ["--description", f"d{NUL}"],
            "The description holds the control character U+0000, which alignfetch does not "
            "write; remove it.",
        ),
        (
            ["--link", f"Code{LRI}=https://github.com/o/r"],
            "The link name 'Code\\u2066' holds the control character U+2066, which alignfetch "
            "does not write; remove it.",
        ),
        (
            ["--date", "2023-02-30"],
            "The date '2023-02-30' is not a real date written as YYYY-MM-DD.",
        ),
        (
            ["--link", "Github=javascript:alert(1)"],
            "The link 'Github' must be an http(s) URL, not 'javascript:alert(1)'.",
        ),
    ],
    ids=["title", "venue", "affiliation", "description", "link-name", "date", "link"],
)
def test_command_line_overrides_are_checked_before_any_request(
    fakes: Fakes, listdir: Path, args: list[str], message: str
) -> None:
    before = state(listdir)
    fails(run("add", "2305.01937", "-s", "evaluation", *args), 2, message)
    assert state(listdir) == before and fakes.arxiv_requests() == 0


def test_the_library_checks_overrides_too(listdir: Path) -> None:
    with pytest.raises(InputError) as err:
        Workspace(listdir / "entries.toml").add(["2305.01937"], "evaluation", title=f"x{ESC}")
    assert str(err.value) == (
        "The title holds the control character U+001B, which alignfetch does not write; remove it."
    )


# -- --stars-threshold --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "-0.5"])
def test_stars_threshold_must_be_a_finite_number_of_0_or_more(
    fakes: Fakes, listdir: Path, value: str
) -> None:
    before = state(listdir)
    shown = str(float(value))
    fails(
        run("refresh", "--stars-threshold", value),
        2,
        f"--stars-threshold must be a number of 0 or more (a percent), not {shown}.",
    )
    assert state(listdir) == before


def test_stars_threshold_zero_is_accepted(fakes: Fakes, listdir: Path) -> None:
    result = run("refresh", "--stars-threshold", "0")
    assert (result.exit_code, result.stdout) == (0, "Checked 0 entries: nothing changed.\n")


# -- broken environments ----------------------------------------------------------------------


def test_a_lock_that_is_a_folder(fakes: Fakes, listdir: Path) -> None:
    (listdir / ".alignfetch" / "lock").mkdir(parents=True)
    before = state(listdir)
    message = (
        "The lock file .alignfetch/lock could not be created (Is a directory); check that "
        ".alignfetch is a writable folder and that .alignfetch/lock is not one."
    )
    fails(run("add", "2305.01937", "-s", "evaluation"), 1, message)
    fails(
        run("remove", "2305.01937"),
        2,
        "The entry arxiv:2305.01937 is not in entries.toml; nothing was removed.",
    )
    assert state(listdir) == before
    assert (listdir / ".alignfetch" / "lock").is_dir()


def test_a_state_folder_that_is_a_file(fakes: Fakes, listdir: Path) -> None:
    (listdir / ".alignfetch").write_text("not a folder")
    before = state(listdir)
    fails(
        run("add", "2305.01937", "-s", "evaluation"),
        1,
        "The lock file .alignfetch/lock could not be created (File exists); check that "
        ".alignfetch is a writable folder and that .alignfetch/lock is not one.",
    )
    assert state(listdir) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_unwritable_state_folder(fakes: Fakes, listdir: Path) -> None:
    (listdir / ".alignfetch").mkdir()
    (listdir / ".alignfetch").chmod(0o500)
    try:
        result = run("add", "2305.01937", "-s", "evaluation")
    finally:
        (listdir / ".alignfetch").chmod(0o700)
    fails(
        result,
        1,
        "The lock file .alignfetch/lock could not be created (Permission denied); check that "
        ".alignfetch is a writable folder and that .alignfetch/lock is not one.",
    )


# -- add is all or nothing, the cache included ----------------------------------------------


PAPER_ROWS = [
    "arxiv:2305.01937",
    "hfpaper:2305.01937",
    "openalex:2305.01937",
    "s2:2305.01937",
]
"""The rows a paper brings: its record, its Hub page, and the scholarly graph's two."""


def test_add_leaves_no_cache_row_when_entries_toml_cannot_be_written(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert cached_ids(listdir) == PAPER_ROWS
    before = state(listdir)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = run("add", "2306.05685", "2305.16960", "-s", "evaluation")
    monkeypatch.undo()
    fails(
        result,
        1,
        f"The file {(listdir / 'entries.toml').resolve()} could not be written (No space left on device); "
        "check the folder and its permissions.",
    )
    assert fakes.arxiv_requests() == 2  # it did fetch them...
    assert cached_ids(listdir) == PAPER_ROWS  # ...but kept none
    assert state(listdir) == before
    assert [p.name for p in listdir.iterdir() if p.name.startswith(".entries")] == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_add_into_a_read_only_folder_leaves_no_cache_row(fakes: Fakes, listdir: Path) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    listdir.chmod(0o500)
    try:
        result = run("add", "2306.05685", "-s", "evaluation")
    finally:
        listdir.chmod(0o700)
    assert result.exit_code == 1 and "could not be written" in result.stderr
    assert cached_ids(listdir) == PAPER_ROWS


def test_add_puts_entries_toml_back_when_the_cache_cannot_be_written(
    fakes: Fakes, listdir: Path
) -> None:
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    path = listdir / "entries.toml"
    path.chmod(0o640)
    cache = listdir / ".alignfetch" / "cache.sqlite"
    with sqlite3.connect(cache) as db:  # a cache that refuses every new row
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON records "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
    before = state(listdir)
    result = run("add", "2306.05685", "-s", "safety")
    fails(
        result,
        1,
        "The cache at sqlite:///.alignfetch/cache.sqlite could not be written (database or disk is full); "
        "check its folder's free space and permissions.",
    )
    assert state(listdir) == before
    assert path.stat().st_mode & 0o777 == 0o640
    assert "2306.05685" not in path.read_text()


# -- entries.toml written atomically, keeping its mode ---------------------------------------


def test_add_and_remove_keep_the_file_mode_and_replace_the_file_whole(
    fakes: Fakes, listdir: Path
) -> None:
    path = listdir / "entries.toml"
    path.chmod(0o640)
    inode = path.stat().st_ino
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert path.stat().st_mode & 0o7777 == 0o640
    assert path.stat().st_ino != inode  # a new file renamed over the old, not rewritten in place
    path.chmod(0o604)
    assert run("remove", "2305.01937").exit_code == 0
    assert path.stat().st_mode & 0o7777 == 0o604
    assert path.read_text(encoding="utf-8") == ENTRIES
    assert sorted(p.name for p in listdir.iterdir()) == [".alignfetch", "entries.toml"]


def test_a_symlinked_entries_toml_keeps_its_link_and_its_targets_mode(
    fakes: Fakes, listdir: Path
) -> None:
    real = listdir / "real.toml"
    (listdir / "entries.toml").rename(real)
    real.chmod(0o600)
    (listdir / "entries.toml").symlink_to(real)
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    assert (listdir / "entries.toml").is_symlink()
    assert real.stat().st_mode & 0o7777 == 0o600
    assert real.read_text().endswith(
        '[[entries]]\nid = "arxiv:2305.01937"\nsection = "evaluation"\n'
    )


def test_write_atomic_leaves_the_old_file_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "f.txt"
    path.write_text("old\n")
    path.chmod(0o640)

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)
    with pytest.raises(AlignfetchError) as err:
        entries.write_atomic(path, "new\n")
    assert type(err.value) is AlignfetchError
    assert str(err.value) == (
        f"The file {path} could not be written (Input/output error); check the folder and its permissions."
    )
    assert path.read_text() == "old\n" and path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_write_atomic_gives_a_new_file_mode_644(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        entries.write_atomic(tmp_path / "new.md", "x\n")
    finally:
        os.umask(old)
    assert (tmp_path / "new.md").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "new.md").read_bytes() == b"x\n"


# -- gated is a boolean ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hub", "gated", "gating"),
    [
        (False, False, None),
        ("auto", True, "auto"),
        ("manual", True, "manual"),
        (True, True, "auto"),
    ],
)
def test_gated_is_exported_as_a_boolean(
    fakes: Fakes, listdir: Path, hub: object, gated: bool, gating: str | None
) -> None:
    from conftest import add_sections

    add_sections(listdir)
    fakes.hub.datasets["liyucheng/zhihu_rlhf_3k"]["gated"] = hub
    assert run("add", "hf:liyucheng/zhihu_rlhf_3k", "-s", "chinese").exit_code == 0
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["gated"] is gated and entry["gating"] == gating
