"""Repositories through the whole path: add, export, a 304 on the next fetch, renames."""

from __future__ import annotations

import json
from pathlib import Path

import tomlkit

from alignfetch import Workspace
from conftest import Fakes, add_sections, run, state


def test_add_repository_and_export(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    result = run("add", "https://github.com/CarperAI/trlx", "--section", "rlhf",
                 "--title", "trlx: Transformer Reinforcement Learning X")
    assert result.exit_code == 0, result.output
    assert fakes.github_requests() == 1
    body = json.loads((Path(__file__).parent / "data" / "reference" / "github"
                       / "repos_CarperAI_trlx.body.json").read_text())
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["id"] == "gh:CarperAI/trlx" and entry["kind"] == "repo"
    assert entry["description"] == body["description"]
    assert entry["stars"] == body["stargazers_count"]
    assert entry["title"] == "trlx: Transformer Reinforcement Learning X"
    assert entry["url"] == "https://github.com/CarperAI/trlx"
    doc = tomlkit.parse((listdir / "entries.toml").read_text()).unwrap()
    assert doc["entries"][0]["id"] == "gh:CarperAI/trlx"


def test_fetching_a_cached_repository_again_costs_one_304(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "gh:CarperAI/trlx", "-s", "rlhf").exit_code == 0
    ws = Workspace(listdir / "entries.toml")
    (row,) = ws.cache.get(["gh:CarperAI/trlx"]).values()
    exported = run("export").stdout
    result = run("refresh", "--all")
    assert result.exit_code == 0 and result.stdout == "Checked 1 entry: nothing changed.\n"
    repo_requests = fakes.server.requests(r"^/repos/")
    assert len(repo_requests) == 2
    assert repo_requests[-1].headers.get("If-None-Match")
    assert fakes.github.statuses()[-1] == 304
    assert run("export").stdout == exported
    (again,) = ws.cache.get(["gh:CarperAI/trlx"]).values()
    # Only the time of the check moved: the record, raw payload and ETag are as they were.
    assert (again.record, again.raw, again.etag, again.changed_at) == (
        row.record, row.raw, row.etag, row.changed_at)
    assert again.fetched_at > row.fetched_at


def test_folder_keeps_its_path_and_links_there(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    url = "https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat"
    assert run("add", url, "-s", "rlhf").exit_code == 0
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["id"] == "gh:microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat"
    assert entry["url"] == url
    assert entry["full_name"] == "microsoft/DeepSpeedExamples" and entry["title"] == "DeepSpeed-Chat"
    dup = run("add", "gh:Microsoft/deepspeedexamples/applications/DeepSpeed-Chat", "-s", "rlhf")
    assert dup.exit_code == 2 and "already in the list" in dup.stderr


def test_transferred_repository_is_followed_and_reported(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    result = run("add", "gh:protoncoin/protoncoin", "-s", "rlhf")
    assert result.exit_code == 0, result.output
    assert "renamed from protoncoin/protoncoin" in result.stdout
    (entry,) = json.loads(run("export").stdout)["entries"]
    assert entry["full_name"] == "padima2/protoncoin"
    assert entry["redirected_from"] == "protoncoin/protoncoin"


def test_stars_and_archiving_are_reported(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "gh:CarperAI/trlx", "-s", "rlhf").exit_code == 0
    stars = json.loads(run("show", "gh:CarperAI/trlx", "--json").stdout)["stars"]
    fakes.github.update("CarperAI/trlx", stargazers_count=stars * 2, archived=True)
    report = json.loads(run("refresh", "--all", "--json").stdout)
    assert sorted(c["what"] for c in report["changes"]) == ["archived", "stars"]


def test_missing_and_rate_limited_repositories_change_nothing(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", "gh:CarperAI/trlx", "-s", "rlhf").exit_code == 0
    before = state(listdir)
    missing = run("add", "gh:nobody/nothing", "-s", "rlhf")
    assert missing.exit_code == 1 and "does not exist on GitHub" in missing.stderr
    fakes.github.rate_limit()
    limited = run("add", "gh:PKU-Alignment/safe-rlhf", "-s", "rlhf")
    assert limited.exit_code == 1 and "rate limit" in limited.stderr and "UTC" in limited.stderr
    assert state(listdir) == before
