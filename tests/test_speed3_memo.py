"""A reading command whose every input is as it was gives back its last text (issue 23).

``render``, ``export`` and ``list`` keep their text in ``.alignfetch/memo`` under a key of
entries.toml, the cached records, the template files and alignfetch's own code. These
tests check that a kept text is the full run's, byte for byte, and change one input at a
time to check that a kept text is never served for anything else.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_adopt_look import LISTS, REFERENCE, _adopt
from test_roundtrip import project as project  # the reference list, cached  # noqa: F401
from test_speed import loaded
from test_speed2_arxivpost import paper_list, papers

from alignfetch import version
from alignfetch.list.export import dumps
from alignfetch.workspace import Workspace, memo
from conftest import Fakes, run

CACHE = Path(".alignfetch") / "cache.sqlite"
COMMANDS = (["render"], ["export"], ["list"], ["list", "--json"], ["list", "-s", "papers"])


@pytest.fixture
def kept(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts served from a memo during the test (a spy: the memo still runs)."""
    served: list[str] = []
    real = memo.recall

    def spy(path: Path, key: str) -> str | None:
        text = real(path, key)
        if text is not None:
            served.append(text)
        return text

    monkeypatch.setattr(memo, "recall", spy)
    yield served


def out(*args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def set_record(folder: Path, rid: str, change: dict[str, object]) -> None:
    """Change fields of a cached record in place, as a refresh that found news would."""
    with sqlite3.connect(folder / CACHE) as conn:
        (text,) = conn.execute("SELECT record FROM records WHERE id = ?", (rid,)).fetchone()
        conn.execute(
            "UPDATE records SET record = ? WHERE id = ?", (json.dumps(json.loads(text) | change), rid)
        )
    conn.close()


def memo_file(folder: Path, what: str) -> Path:
    return folder / ".alignfetch" / "memo" / hashlib.blake2b(what.encode(), digest_size=10).hexdigest()


# Catches: a kept text that is not the full run's bytes (a newline lost or doubled when
# it is written back, the text kept before the page is spliced, one command's text
# served for another's options).
def test_a_kept_text_is_the_full_runs_byte_for_byte(project: Path, kept: list[str]) -> None:
    first = {tuple(c): out(*c) for c in COMMANDS}
    assert kept == []  # nothing was kept before
    again = {tuple(c): out(*c) for c in COMMANDS}
    assert len(kept) == len(COMMANDS)
    assert again == first
    assert len(set(first.values())) == len(COMMANDS)
    shutil.rmtree(project / ".alignfetch" / "memo")
    assert {tuple(c): out(*c) for c in COMMANDS} == first
    assert len(kept) == len(COMMANDS)  # the full way again


# Catches: the key leaving out entries.toml (an edit not shown until the cache changes).
def test_an_edit_of_entries_toml_is_shown_at_once(project: Path) -> None:
    before = out("render")
    assert out("render") == before
    assert run("edit", "2305.01937", "--title", "A Title Set By Hand").exit_code == 0
    after = out("render")
    assert "A Title Set By Hand" in after and after != before
    assert "A Title Set By Hand" in out("list")


# Catches: the key leaving out the cache (a refresh's news not shown), or only the rows
# of the list's own entries (a paper's Hugging Face page is a row of its own).
def test_a_changed_record_or_related_record_is_shown_at_once(project: Path) -> None:
    for command in ("render", "export", "list"):
        out(command)
    set_record(project, "arxiv:2306.05685", {"title": "A Title From Upstream"})
    assert "A Title From Upstream" in out("render")
    assert "A Title From Upstream" in out("list")
    with sqlite3.connect(project / CACHE) as conn:
        (page,) = conn.execute(
            "SELECT id FROM records WHERE kind = 'paper_page' AND id LIKE '%2305.16960'"
        ).fetchone()
    conn.close()
    before = json.loads(out("export"))
    set_record(project, page, {"upvotes": 4242})
    shown = {e["id"]: e for e in json.loads(out("export"))["entries"]}
    assert shown["arxiv:2305.16960"]["hf_paper"]["upvotes"] == 4242
    assert before["entries"] != json.loads(out("export"))["entries"]


def listed_template(folder: Path, name: str) -> None:
    text = (folder / "entries.toml").read_text(encoding="utf-8")
    (folder / "entries.toml").write_text(
        text.replace('title = "Awesome-LLM-Alignment"', f'title = "Awesome-LLM-Alignment"\ntemplate = "{name}"', 1),
        encoding="utf-8",
    )


# Catches: the template, or a file it includes, left out of the key (a maintainer edits
# the page's footer and render keeps printing the old one).
def test_a_changed_template_or_include_is_shown_at_once(project: Path) -> None:
    (project / "page.md.j2").write_text('{{ list.title }}\n{% include "foot.md.j2" %}\n', encoding="utf-8")
    (project / "foot.md.j2").write_text("Footer one\n", encoding="utf-8")
    listed_template(project, "page.md.j2")
    assert out("render") == "Awesome-LLM-Alignment\nFooter one\n"
    (project / "foot.md.j2").write_text("Footer two\n", encoding="utf-8")
    assert out("render") == "Awesome-LLM-Alignment\nFooter two\n"
    (project / "page.md.j2").write_text('{{ list.title }}!\n{% include "foot.md.j2" %}\n', encoding="utf-8")
    assert out("render") == "Awesome-LLM-Alignment!\nFooter two\n"
    (project / "foot.md.j2").unlink()
    assert run("render").exit_code == 2  # the include is gone: an error, not the kept page


# Catches: a file looked for and not found left out of the key: the list's template
# includes alignfetch's own page, and a file of that name put beside it later wins.
def test_a_template_file_that_appears_later_is_seen(project: Path) -> None:
    (project / "page.md.j2").write_text('{% include "awesome.md.j2" %}', encoding="utf-8")
    listed_template(project, "page.md.j2")
    own = out("render")
    assert "Judging LLM-as-a-judge" in own
    (project / "awesome.md.j2").write_text("Shadowed\n", encoding="utf-8")
    assert out("render") == "Shadowed\n"


# Catches: --template keyed by the text given, not the file (`--template t.j2` run from
# two folders holding a t.j2 each), or not keyed at all.
def test_each_template_given_has_its_own_text(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = tmp_path_factory.mktemp("one"), tmp_path_factory.mktemp("two")
    (one / "t.j2").write_text("one\n", encoding="utf-8")
    (two / "t.j2").write_text("two\n", encoding="utf-8")
    assert out("render", "--template", str(one / "t.j2")) == "one\n"
    assert out("render", "--template", str(two / "t.j2")) == "two\n"
    entries = str(project / "entries.toml")
    monkeypatch.chdir(one)
    assert out("--entries", entries, "render", "--template", "t.j2") == "one\n"
    monkeypatch.chdir(two)
    assert out("--entries", entries, "render", "--template", "t.j2") == "two\n"
    assert "Judging LLM-as-a-judge" in out("--entries", str(project / "entries.toml"), "render")


# Catches: a kept run that warned of an entry without a cached record printing the same
# page without the warning (a CI log that says nothing), or serving it under --strict.
def test_a_kept_run_warns_as_the_full_run_did(project: Path, kept: list[str]) -> None:
    with (project / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "arxiv:2401.99999"\nsection = "evaluation"\n')
    runs = [(run("render"), run("export")) for _ in range(2)]
    assert len(kept) == 2  # the second run's two texts were kept ones
    for page, export in runs:
        assert page.exit_code == 0 and export.exit_code == 0
        assert page.stderr == export.stderr == (
            "alignfetch: warning: 1 entry has no cached record yet and is shown as entries.toml "
            "has it: arxiv:2401.99999; run `alignfetch refresh`.\n"
        )
    assert runs[0][0].stdout == runs[1][0].stdout and runs[0][1].stdout == runs[1][1].stdout
    strict = run("render", "--strict")
    assert strict.exit_code == 1 and strict.stdout == ""
    assert "no cached record yet: arxiv:2401.99999" in strict.stderr


# Catches: keeping a text under the key read before a refresh that wrote the cache while
# the text was being made (the next run would serve the old page for the new cache).
def test_a_cache_written_meanwhile_keeps_nothing(project: Path) -> None:
    ws = Workspace(project / "entries.toml")

    def make(*_: object) -> tuple[str, list[str]]:
        set_record(project, "arxiv:2306.05685", {"title": "Written Meanwhile"})
        return "old text", []

    assert memo.remembered(ws, "test", make) == "old text"
    assert not memo_file(project, "test").exists()

    def edit(*_: object) -> tuple[str, list[str]]:
        with (project / "entries.toml").open("a", encoding="utf-8") as f:
            f.write("# edited meanwhile\n")
        return "old text", []

    assert memo.remembered(ws, "test", edit) == "old text"
    assert not memo_file(project, "test").exists()
    assert memo.remembered(ws, "test", lambda *_: ("new text", [])) == "new text"
    assert memo_file(project, "test").exists()  # nothing changed meanwhile: kept


# Catches: a planted link followed when the text is kept (a render that overwrites the
# file a link in .alignfetch/memo points to), and a memo folder that is a link to another.
def test_keeping_never_follows_a_link(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    victim = tmp_path_factory.mktemp("victim") / "precious.txt"
    victim.write_text("precious\n", encoding="utf-8")
    path = memo_file(project, "render ")
    path.parent.mkdir(parents=True)
    path.symlink_to(victim)
    page = out("render")
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert not path.is_symlink() and path.is_file()
    assert out("render") == page
    shutil.rmtree(path.parent)
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    path.parent.symlink_to(elsewhere, target_is_directory=True)
    assert out("render") == page
    assert list(elsewhere.iterdir()) == []


# Catches: a damaged memo trusted (its key line right, its files line not JSON), or an
# unreadable one failing the command instead of taking the full way.
def test_a_damaged_memo_is_a_run_the_full_way(project: Path) -> None:
    page = out("render")
    path = memo_file(project, "render ")
    key = path.read_bytes().split(b"\n", 1)[0]
    path.write_bytes(key + b"\n[not json\nJunk page\n")
    assert out("render") == page
    path.unlink()
    path.mkdir()
    assert out("render") == page


# Catches: the key leaving out alignfetch's own files (a developer edits the packaged
# template or a filter, and render keeps printing the old page).
def test_the_key_sees_alignfetchs_own_files_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "code.py").write_text("x = 1\n", encoding="utf-8")
    monkeypatch.setattr(version, "_PACKAGE", tmp_path)
    before = version.code(memo.LIBRARIES)
    os.utime(tmp_path / "code.py", ns=(1, 1))
    assert version.code(memo.LIBRARIES) != before
    assert memo.fingerprint(tmp_path / "entries.toml", "postgresql://h/db", "list") is None


# Catches: a kept run that still loads the renderer (Jinja costs a kept render most of
# its time), or a kept run that is not used at all by a fresh process.
def test_a_kept_render_loads_no_jinja(project: Path) -> None:
    page, heavy = loaded(project, "render")
    assert "jinja2" in heavy
    again, heavy = loaded(project, "render")
    assert (again, heavy) == (page, [])


# Catches: a learned look's page kept wrong (its README.md.j2 not noted as read, an
# entry's shape text lost when the page is written back). Every real list, imported and
# not yet fetched, renders the same bytes kept and in full, with the same warning.
@pytest.mark.parametrize("path", [*LISTS, REFERENCE], ids=lambda p: p.name.split(".")[0])
def test_every_real_list_renders_the_same_bytes_kept(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: list[str]
) -> None:
    _adopt(tmp_path / "list", path.read_text(encoding="utf-8"), monkeypatch)
    assert Workspace(tmp_path / "list" / "entries.toml").cache  # an empty cache: the memo serves
    full = [run("--offline", "render"), run("--offline", "export")]
    again = [run("--offline", "render"), run("--offline", "export")]
    assert len(kept) == 2
    assert [(r.exit_code, r.stdout, r.stderr) for r in again] == [
        (r.exit_code, r.stdout, r.stderr) for r in full
    ]
    (tmp_path / "list" / "README.md.j2").write_text("changed\n", encoding="utf-8")
    assert run("--offline", "render").stdout == "changed\n"


# Issue 23's proof: at 10,000 entries too, the kept page and export are the full ones.
def test_ten_thousand_entries_give_the_same_bytes_kept(fakes: Fakes, listdir: Path) -> None:
    paper_list(listdir, papers(fakes.arxiv, 10000, "2305"))
    ws = Workspace(listdir / "entries.toml")
    assert not ws.refresh(everything=True).failures
    full = ws.render(), ws.export_text()
    assert (listdir / ".alignfetch" / "memo").is_dir()
    assert (ws.render(), ws.export_text()) == full
    shutil.rmtree(listdir / ".alignfetch" / "memo")
    assert (Workspace(listdir / "entries.toml").render(), ws.export_text()) == full
    # One record changed: the export joins 9,999 kept pieces and one made again.
    set_record(listdir, "arxiv:2305.00042", {"title": "Changed Upstream"})
    assert ws.export_text() == dumps(ws.export()) != full[1]


# Catches: a memo trusted because its key can be worked out (a pull request commits
# .alignfetch/memo holding a page of its own, and CI's `render --check` on a fresh
# machine passes on it). Keys are MACs under a random key of the user's; without a place
# to keep that key, nothing is kept and the page is rendered in full.
def test_a_memo_made_under_another_users_key_is_never_served(
    project: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    maintainer = tmp_path_factory.mktemp("maintainer")
    monkeypatch.setenv("XDG_CACHE_HOME", str(maintainer))
    page = out("render")
    assert (maintainer / "alignfetch" / "memo.key").stat().st_mode & 0o777 == 0o600
    path = memo_file(project, "render ")
    key, said, _ = path.read_bytes().split(b"\n", 2)
    forged = key + b"\n" + said + b"\nForged page\n"
    path.write_bytes(forged)
    assert out("render") == "Forged page\n"  # the maintainer's own memo: only they write it
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("ci")))
    assert out("render") == page
    path.write_bytes(forged)
    nowhere = tmp_path_factory.mktemp("nowhere") / "a-file"
    nowhere.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(nowhere))
    assert out("render") == page
    assert path.read_bytes() == forged  # no key: nothing read, nothing kept
