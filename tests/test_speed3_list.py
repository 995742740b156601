"""`list` writes each entry's date without exporting the entry (issue 23): the date it
shows is the export's, for every kind, with or without the list's own ``date``."""

from __future__ import annotations

from pathlib import Path

from test_hub_kinds import COLLECTION, SPACE, hub_sections
from test_hub_kinds import papers as papers  # the fakes serving the models' papers  # noqa: F401
from test_roundtrip import project as project  # the reference list, cached  # noqa: F401

from alignfetch.list.export import display_date, entry_json, item_date
from alignfetch.workspace import Workspace
from conftest import Fakes, run


def dates(folder: Path) -> list[tuple[str, str | None, str | None]]:
    items = Workspace(folder / "entries.toml").items(pages=False)  # as `list` reads them
    return [(i.entry.id, item_date(i), display_date(entry_json(i))) for i in items]


# Catches: list's date drifting from the export's (a paper's version date instead of its
# first, a dataset shown on the day it was made instead of its paper's, a date override
# ignored, a repository given a date).
def test_list_shows_the_exports_date_for_papers_datasets_and_repos(project: Path) -> None:
    assert run("edit", "2306.05685", "--date", "2023-06-01").exit_code == 0
    shown = dates(project)
    assert [(rid, mine) for rid, mine, _ in shown] == [(rid, theirs) for rid, _, theirs in shown]
    assert {mine for _, mine, _ in shown} >= {"2023-06-01", None}
    assert "2023-06-01\tJudging LLM-as-a-judge" in run("list").stdout


# Catches the same for the Hub's other kinds: a model's creation day, none for a Space
# or a collection.
def test_list_shows_the_exports_date_for_models_spaces_collections(
    papers: Fakes, listdir: Path
) -> None:
    hub_sections(listdir)
    for args in (
        ("hf-model:google-bert/bert-base-uncased", f"hf-collection:{COLLECTION}", "-s", "models"),
        (f"hf-space:{SPACE}", "-s", "demos"),
    ):
        assert run("add", *args).exit_code == 0
    shown = dates(listdir)
    assert [mine for _, mine, _ in shown] == [theirs for _, _, theirs in shown]
    assert shown[0][1] is not None and shown[1][1] is None and shown[2][1] is None
