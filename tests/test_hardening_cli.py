"""Issue 18's messages and inputs owned by the CLI and the Workspace (items 7, 9, 10, 15)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import Fakes, run, state


def one_sentence(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


# -- item 15: messages -------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("move", "arxiv:9999.99999", "--section", "safety"),
        ("remove", "arxiv:9999.99999"),
        ("edit", "arxiv:9999.99999", "--venue", "ACL 2023"),
    ],
)
def test_a_text_that_is_no_id_is_not_in_the_list(listdir: Path, args: tuple[str, ...]) -> None:
    # Bug caught: commands on listed entries answering a typo with the catalogue of ID forms
    # ("is not an ID alignfetch knows; use one of: …") instead of saying it is not listed.
    before = state(listdir)
    result = run(*args)
    assert result.exit_code == 2
    assert one_sentence(result.stderr) == (
        "alignfetch: The text 'arxiv:9999.99999' is not in entries.toml (nor an ID alignfetch "
        "knows); `alignfetch list` shows the entries."
    )
    assert state(listdir) == before


def test_a_long_text_is_not_echoed_whole(listdir: Path) -> None:
    # Bug caught: a 100 KB argument printed back in full in the error.
    result = run("move", "x" * 100_000, "--section", "safety")
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert len(line) < 400 and "x" * 199 + "…" in line


# -- item 7: devices, FIFOs and folders are read and replaced by nobody ----------------


def _special(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    return path


@pytest.mark.parametrize("kind", ["fifo", "folder"])
@pytest.mark.parametrize(
    "command",
    [
        ("export", "-o"),
        ("export", "--format", "bibtex", "-o"),
        ("render", "-o"),
    ],
)
def test_an_output_that_is_no_regular_file_is_left_as_it_is(
    fakes: Fakes, listdir: Path, tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    # Bug caught: `export -o /dev/full` (as root) replaced the device with a regular file;
    # a FIFO stands in for the device here, so a regression cannot break the machine.
    target = _special(tmp_path, kind)
    before = state(listdir)
    result = run(*command, str(target))
    assert result.exit_code != 0
    if kind == "folder":  # click's own usage error names it (dir_okay=False)
        assert "is a directory" in result.stderr
    else:
        assert "not a regular file" in one_sentence(result.stderr)
    assert target.is_fifo() if kind == "fifo" else target.is_dir()
    assert state(listdir) == before


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
@pytest.mark.parametrize("command", [("import",), ("check",), ("render", "--from")])
def test_an_input_that_is_no_regular_file_is_one_sentence(
    listdir: Path, tmp_path: Path, kind: str, command: tuple[str, ...]
) -> None:
    # Bug caught: `import /dev/zero` read without limit to MemoryError, and a FIFO blocked
    # for ever (the read opens without blocking, so this test cannot hang on a regression
    # of the type check alone: it fails on the missing sentence).
    target = Path("/dev/zero") if kind == "device" else _special(tmp_path, kind)
    before = state(listdir)
    result = run(*command, str(target))
    assert result.exit_code == 2
    if kind == "folder":  # click's own usage error names it (dir_okay=False)
        assert "is a directory" in result.stderr
    else:
        assert "not a regular file" in one_sentence(result.stderr)
    assert state(listdir) == before


def test_an_input_larger_than_the_cap_is_refused_unread(listdir: Path, tmp_path: Path) -> None:
    # Bug caught: the cap left out of one reader; a sparse file costs no disk.
    big = tmp_path / "big.md"
    with big.open("wb") as f:
        f.truncate(65 * 1024 * 1024)
    for command in (("import",), ("render", "--from")):
        result = run(*command, str(big))
        assert result.exit_code == 2
        assert "larger than 64 MiB" in one_sentence(result.stderr)


# -- item 9: render --from of deeply nested JSON ------------------------------------------


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
def test_a_deeply_nested_export_is_one_sentence(listdir: Path, depth: int) -> None:
    # Bug caught: RecursionError traceback in json.loads (or in any later walk of the doc).
    doc = '{"schema_version": 1, "x": ' + "[" * depth + "]" * depth + "}"
    Path("deep.json").write_text(doc, encoding="utf-8")
    before = state(listdir)
    result = run("render", "--from", "deep.json")
    assert result.exit_code == 2
    assert "nested" in one_sentence(result.stderr)
    assert state(listdir) == before


def test_a_real_export_is_not_too_deep(fakes: Fakes, listdir: Path) -> None:
    # The bound on nesting must leave every real export alone.
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    exported = run("export")
    assert exported.exit_code == 0
    Path("export.json").write_text(exported.stdout, encoding="utf-8")
    assert json.loads(exported.stdout)["schema_version"]
    result = run("render", "--from", "export.json")
    assert result.exit_code == 0, result.stderr


# -- item 10: a line break in a one-line field --------------------------------------------


@pytest.mark.parametrize("option", ["--title", "--venue", "--affiliation"])
@pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\r\nb"])
def test_a_line_break_in_a_one_line_field_is_refused(
    fakes: Fakes, listdir: Path, option: str, text: str
) -> None:
    # Bug caught: `add --title $'a\nb'` written to entries.toml and the README line cut in two,
    # while every other control character was refused.
    before = state(listdir)
    result = run("add", "2305.01937", "-s", "evaluation", option, text)
    assert result.exit_code == 2
    line = one_sentence(result.stderr)
    assert line.endswith(
        "holds a line break; write it on one line."
        if "\r" not in text
        else "holds the control character U+000D, which alignfetch does not write; remove it."
    )
    assert state(listdir) == before
    assert fakes.server.requests("") == []
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    edited = run("edit", "2305.01937", option, text)
    assert edited.exit_code == 2 and one_sentence(edited.stderr)


def test_a_description_may_run_over_lines(fakes: Fakes, listdir: Path) -> None:
    result = run("add", "2305.01937", "-s", "evaluation", "--description", "one\ntwo")
    assert result.exit_code == 0, result.stderr


# -- item 11: a web link's access date in its citation ------------------------------------


def test_a_web_link_cites_the_day_check_last_saw_it(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Bug caught: urldate/accessed never written (Workspace never passes the day), or written
    # for a link that answered 404 (a made-up access), or a day other than the check's.
    from datetime import UTC, datetime

    from fakes.web import FakeWeb

    FakeWeb(fakes.server)
    good, gone = f"{fakes.server.url}/page/ok", f"{fakes.server.url}/page/missing"
    for url in (good, gone):
        assert run("add", f"url:{url}", "-s", "evaluation").exit_code == 0
    bib = run("export", "--format", "bibtex").stdout
    assert "urldate" not in bib  # never seen: no access date made up
    assert run("check").exit_code in (0, 1)
    today = datetime.now(UTC).date().isoformat()
    bib = run("export", "--format", "bibtex").stdout
    assert bib.count("urldate") == 1 and f"urldate = {{{today}}}" in bib
    csl = json.loads(run("export", "--format", "csl-json").stdout)
    accessed = {item["URL"]: item.get("accessed") for item in csl}
    year, month, day = (int(p) for p in today.split("-"))
    assert accessed[good] == {"date-parts": [[year, month, day]]}
    assert accessed[gone] is None
    cited = run("cite", f"url:{good}").stdout
    assert f"urldate = {{{today}}}" in cited
