"""An export after a change makes again only the entries the change touched (issue 23).

Each entry's JSON text is kept with a key of its entries.toml data, its record and the
records it points to. These tests change one thing at a time and check two things: the
export is byte for byte the full one (``dumps(Workspace.export())``, which keeps nothing),
and only the entries whose inputs changed were read from the cache again.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from test_roundtrip import project as project  # the reference list, cached  # noqa: F401
from test_speed3_memo import set_record

from alignfetch import version
from alignfetch.fetch.store import Store
from alignfetch.list.export import dumps
from alignfetch.workspace import Workspace, pieces
from conftest import run

PIECES = Path(".alignfetch") / "memo" / pieces.NAME


@pytest.fixture
def remade(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[list[str]]]:
    """The entries each export read from the cache (a spy: the reading still happens)."""
    asked: list[list[str]] = []
    real = Store.known

    def spy(self: Store, chosen: Sequence[object], **options: bool) -> list[object]:
        asked.append([getattr(e, "id", "") for e in chosen])
        return real(self, chosen, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "known", spy)
    yield asked


def exported(folder: Path) -> str:
    """The export made of pieces, checked against the full one, byte for byte."""
    text = Workspace(folder / "entries.toml").export_text()
    assert text == dumps(Workspace(folder / "entries.toml").export())
    return text


def changed(folder: Path, remade: list[list[str]]) -> list[str]:
    """The entries the export after a change made again (the full export's read aside)."""
    remade.clear()
    exported(folder)
    return remade[0]


# Catches: an entry's piece keyed without its record (a refresh's news not exported), or
# every entry made again after one changed (the pieces never used).
def test_a_changed_record_remakes_its_entry_alone(project: Path, remade: list[list[str]]) -> None:
    exported(project)
    assert len(remade[0]) == 12  # the first export makes every piece
    set_record(project, "arxiv:2306.05685", {"title": "A Title From Upstream"})
    assert changed(project, remade) == ["arxiv:2306.05685"]


# Catches: a piece keyed without the records it points to: a paper's Hugging Face page,
# and a dataset's paper (the dataset shows that paper's title and date).
def test_a_changed_related_record_remakes_the_entries_that_show_it(
    project: Path, remade: list[list[str]]
) -> None:
    exported(project)
    set_record(project, "hfpaper:2305.16960", {"upvotes": 4242})
    assert changed(project, remade) == ["arxiv:2305.16960"]
    set_record(project, "arxiv:2204.05862", {"title": "Helpful and Harmless, Again"})
    assert changed(project, remade) == ["arxiv:2204.05862", "hf:Anthropic/hh-rlhf"]


# Catches: a piece keyed without what entries.toml says of its entry (an override, a
# second section), or a list's order, sections or title taken from the pieces.
def test_an_edit_remakes_that_entry_and_the_list_follows_the_file(
    project: Path, remade: list[list[str]]
) -> None:
    exported(project)
    assert run("edit", "2305.01937", "--title", "Set By Hand").exit_code == 0
    assert changed(project, remade) == ["arxiv:2305.01937"]
    assert run("move", "2305.01937", "-s", "evaluation", "-s", "safety").exit_code == 0
    assert changed(project, remade) == ["arxiv:2305.01937"]
    text = (project / "entries.toml").read_text(encoding="utf-8")
    head, first, *rest = text.split("\n[[entries]]\n")
    head = head.replace('title = "Awesome-LLM-Alignment"', 'title = "Renamed"')
    moved = "\n[[entries]]\n".join([head, *rest, first.rstrip("\n") + "\n"])
    (project / "entries.toml").write_text(moved, encoding="utf-8")
    assert changed(project, remade) == []  # moved to the end, renamed list: joined as kept


# Catches: an entry without a record kept as if it had one, its warning lost, or --strict
# writing the pieces before it refuses.
def test_an_entry_without_a_record_is_said_and_strict_writes_nothing(project: Path) -> None:
    exported(project)
    with (project / "entries.toml").open("a", encoding="utf-8") as f:
        f.write('\n[[entries]]\nid = "arxiv:2401.99999"\nsection = "evaluation"\n')
    before = (project / PIECES).read_bytes()
    strict = run("export", "--strict")
    assert strict.exit_code == 1 and "no cached record yet" in strict.stderr
    assert (project / PIECES).read_bytes() == before
    result = run("export")
    assert result.exit_code == 0 and result.stderr.count("no cached record yet") == 1
    assert result.stdout == dumps(Workspace(project / "entries.toml").export())


# Catches: pieces made by other code joined into an export (after an upgrade that changes
# what an entry's JSON holds), and a damaged pieces file trusted or failing the command.
def test_other_code_or_damaged_pieces_remake_everything(
    project: Path, remade: list[list[str]], tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exported(project)
    code = tmp_path_factory.mktemp("code")
    (code / "export.py").write_text("# another alignfetch\n", encoding="utf-8")
    monkeypatch.setattr(version, "_PACKAGE", code)
    assert len(changed(project, remade)) == 12
    key = (project / PIECES).read_bytes().split(b"\n", 1)[0]
    for junk in (b"{}\n[not json", b'{}\n{"arxiv:2305.01937": [1, 2]}', b"{}\n[]"):
        (project / PIECES).write_bytes(key + b"\n" + junk)
        assert len(changed(project, remade)) == 12
