"""The GitHub source against a fake GitHub replaying recorded responses.

The golden files (tests/golden/github/) were written by hand from the bodies in
tests/data/github/ (recorded) and tests/data/reference/github/ (constructed), not
by this code; each is fetched through the fake, so the whole path (request,
redirect, conversion) is what gets compared.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from alignfetch.config import Settings
from alignfetch.errors import BadIdError, NotFoundError, RateLimitError, SourceError
from alignfetch.list import ids
from alignfetch.records import Repo, to_dict
from alignfetch.sources import Fetched, Outcome, Previous
from alignfetch.sources import github as source
from fakes.github import NOT_FOUND, FakeGitHub
from fakes.server import FakeServer, Response

HERE = Path(__file__).parent
DATA = HERE / "data" / "github"
REFERENCE = HERE / "data" / "reference" / "github"
GOLDEN = sorted((HERE / "golden" / "github").glob("*.json"))
TOKEN = "ghp_TestOnly0123456789abcdefghijABCDEFGHIJ"  # not a real token
RENAMED = "octokit-fixture-org/tmp-scenario-rename-repository-20220719044033126-ukeod"


def settings(server: FakeServer, **kw: Any) -> Settings:
    base: dict[str, Any] = {
        "github_url": server.url, "backoff": 0.0, "timeout": 2.0, "retries": 2,
    }
    base.update(kw)
    return Settings(**base)


@pytest.fixture
def github(server: FakeServer) -> FakeGitHub:
    return FakeGitHub(server, DATA, REFERENCE)


def fetched(outcome: Outcome) -> Fetched:
    assert isinstance(outcome, Fetched), outcome
    return outcome


def repo(outcome: Outcome) -> Repo:
    record = fetched(outcome).record
    assert isinstance(record, Repo)
    return record


def body(name: str) -> dict[str, Any]:
    for folder in (DATA, REFERENCE):
        path = folder / f"{name}.body.json"
        if path.exists():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    raise FileNotFoundError(name)


def remember(got: dict[str, Outcome]) -> dict[str, Previous]:
    """What the cache would hold after ``got``."""
    return {k: Previous(fetched(v).record, fetched(v).raw, fetched(v).etag) for k, v in got.items()}


# -- parsing -----------------------------------------------------------------------

ACCEPTED = [
    ("gh:CarperAI/trlx", "gh:CarperAI/trlx"),
    ("GH:CarperAI/trlx", "gh:CarperAI/trlx"),
    ("gh:CarperAI/trlx/", "gh:CarperAI/trlx"),
    ("gh:owner/.github", "gh:owner/.github"),
    ("gh:o/r", "gh:o/r"),
    (
        "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
        "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
    ),
    ("https://github.com/CarperAI/trlx", "gh:CarperAI/trlx"),
    ("https://github.com/CarperAI/trlx/", "gh:CarperAI/trlx"),
    ("https://github.com/CarperAI/trlx.git", "gh:CarperAI/trlx"),
    ("http://github.com/CarperAI/trlx", "gh:CarperAI/trlx"),
    ("https://www.github.com/CarperAI/trlx", "gh:CarperAI/trlx"),
    ("HTTPS://GitHub.com/CarperAI/trlx", "gh:CarperAI/trlx"),
    ("https://github.com/CarperAI/trlx?tab=readme-ov-file", "gh:CarperAI/trlx"),
    ("https://github.com/CarperAI/trlx#readme", "gh:CarperAI/trlx"),
    ("  https://github.com/lucidrains/PaLM-rlhf-pytorch\n", "gh:lucidrains/PaLM-rlhf-pytorch"),
    ("https://github.com/PKU-Alignment/safe-rlhf", "gh:PKU-Alignment/safe-rlhf"),
    (
        "https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat",
        "gh:microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat",
    ),
    (
        "https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat/",
        "gh:microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat",
    ),
    (
        "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
        "gh:microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
    ),
    (  # a branch is kept (issue 20, item 5): the repository on that branch
        "https://github.com/microsoft/DeepSpeedExamples/tree/master",
        "gh:microsoft/DeepSpeedExamples/tree/master",
    ),
    (f"gh:{RENAMED}", f"gh:{RENAMED}"),
]

REJECTED = [
    "gh:owner",
    "gh:owner/",
    "gh:/repo",
    "gh:-owner/repo",
    "gh:owner-/repo",
    "gh:own--er/repo",
    "gh:" + "o" * 40 + "/repo",  # owners have at most 39 characters
    "gh:owner/.",
    "gh:owner/..",
    "gh:owner/repo.git",
    "gh:owner/re po",
    "gh:owner/repo//folder",
    "gh:owner/repo/../other",
    "gh:owner/repo/./folder",
    "https://github.com/owner",
    "https://github.com/owner/repo/issues/1",
    "https://github.com/owner/repo/pulls",
    "https://github.com/settings/profile",
    "https://github.com/orgs/foo/repos",
    "https://github.com/owner/repo/tree/",
    "https://github.com/owner/repo/tree/main/../../other/repo",
    "https://gitlab.com/owner/repo",
    "ftp://github.com/owner/repo",
    "https://github.com.example.org/owner/repo",
    "https://api.github.com/repos/owner/repo",
]


@pytest.mark.parametrize(("text", "canonical"), ACCEPTED)
def test_accepted_forms_normalize(text: str, canonical: str) -> None:
    assert source.parse_id(text) == canonical.removeprefix("gh:")
    assert str(ids.parse(text)) == canonical
    assert str(ids.parse(canonical)) == canonical  # the canonical ID parses to itself


@pytest.mark.parametrize("text", REJECTED)
def test_malformed_forms_are_rejected(text: str) -> None:
    assert source.parse_id(text) is None


# https://github.com/owner, a profile, is a web link (url:) since import; see test_import.py.
@pytest.mark.parametrize("text", ["gh:owner", "gh:owner/repo/../other"])
def test_malformed_ids_fail_before_any_request_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(BadIdError) as err:
        ids.parse(text)
    assert "gh:owner/repo" in str(err.value)


def test_fetch_refuses_malformed_keys_without_asking(
    server: FakeServer, github: FakeGitHub
) -> None:
    got = source.fetch(["owner", "owner/repo/../x", "CarperAI/trlx"], settings(server), {})
    for key in ("owner", "owner/repo/../x"):
        err = got[key]
        assert isinstance(err, SourceError) and "not a GitHub repository ID" in str(err)
        assert err.ids == (key,)
    assert repo(got["CarperAI/trlx"]).full_name == "CarperAI/trlx"
    assert [r.path for r in github.requests()] == ["/repos/CarperAI/trlx"]


# -- golden records ------------------------------------------------------------------


def test_there_is_a_golden_file_per_served_repository_body() -> None:
    served = sorted(
        p.name.removesuffix(".body.json")
        for folder in (DATA, REFERENCE)
        for p in folder.glob("*.body.json")
        if "full_name" in json.loads(p.read_text(encoding="utf-8"))
    )
    assert [g.stem for g in GOLDEN] == served
    assert len(GOLDEN) == 7


@pytest.mark.parametrize("golden", GOLDEN, ids=lambda p: p.stem)
def test_body_matches_golden(server: FakeServer, golden: Path) -> None:
    expected: list[dict[str, Any]] = json.loads(golden.read_text(encoding="utf-8"))
    fake = FakeGitHub(server, DATA, REFERENCE)
    keys = [want["id"].removeprefix("gh:") for want in expected]
    got = source.fetch(keys, settings(server), {})
    raw = next(
        (folder / f"{golden.stem}.body.json").read_text(encoding="utf-8")
        for folder in (DATA, REFERENCE)
        if (folder / f"{golden.stem}.body.json").exists()
    )
    redirected = golden.stem.startswith("redirect301_")
    assert fake.statuses() == ([301, 200] if redirected else [200])  # one per repository
    for want, key in zip(expected, keys, strict=True):
        outcome = fetched(got[key])
        assert to_dict(outcome.record) == want
        assert outcome.raw == raw  # the body as GitHub sent it
        assert not outcome.unchanged
        assert outcome.etag == fake.served(repo(outcome).full_name).etag
        assert outcome.url == server.url + fake.requests()[-1].path


def test_the_recorded_etag_is_the_one_kept() -> None:
    headers = json.loads((DATA / "repos_PyGithub_PyGithub.headers.json").read_text())
    recorded = {k.lower(): v for k, v in headers["headers"]}["etag"]
    server = FakeServer()
    try:
        FakeGitHub(server, DATA)
        got = source.fetch(["PyGithub/PyGithub"], settings(server), {})
    finally:
        server.close()
    assert fetched(got["PyGithub/PyGithub"]).etag == recorded


# -- conversion (pure) ----------------------------------------------------------------


def test_convert_reads_what_github_leaves_unset_as_none() -> None:
    data = body("repos_PyGithub_PyGithub")
    data |= {
        "license": {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None},
        "homepage": "",
        "description": "",
        "archived": True,
    }
    del data["topics"]
    record = source.convert(data, "PyGithub/PyGithub")
    assert record.license is None and record.homepage is None and record.description is None
    assert record.topics == () and record.archived is True
    assert source.convert(body("repos_octokit-fixture-org_hello-world"),
                          "octokit-fixture-org/hello-world").license is None


def test_convert_a_folder() -> None:
    record = source.convert(body("repos_PyGithub_PyGithub"), "pygithub/PyGithub/doc/examples")
    assert record.id == "gh:pygithub/PyGithub/doc/examples"
    assert record.title == "examples" and record.path == "doc/examples"
    assert record.url == "https://github.com/PyGithub/PyGithub/tree/main/doc/examples"
    data = body("repos_PyGithub_PyGithub")
    del data["default_branch"]
    assert source.convert(data, "PyGithub/PyGithub/doc").url.endswith("/tree/HEAD/doc")


def test_convert_counts_a_redirect_only_when_the_name_changed() -> None:
    data = body("redirect301_target_repositories_112116543")
    assert source.convert(data, "protoncoin/protoncoin", redirected=True).redirected_from == (
        "protoncoin/protoncoin"
    )
    assert source.convert(data, "protoncoin/protoncoin").redirected_from is None
    assert source.convert(data, "Padima2/ProtonCoin", redirected=True).redirected_from is None


def test_convert_refuses_what_is_not_a_repository() -> None:
    with pytest.raises(KeyError):
        source.convert(NOT_FOUND, "nobody/nothing")


# -- conditional requests -------------------------------------------------------------


def test_second_fetch_sends_the_etag_and_a_304_keeps_the_record(
    server: FakeServer, github: FakeGitHub
) -> None:
    s = settings(server)
    first = source.fetch(["CarperAI/trlx"], s, {})
    assert "If-None-Match" not in github.requests()[0].headers
    second = fetched(source.fetch(["CarperAI/trlx"], s, remember(first))["CarperAI/trlx"])
    before = fetched(first["CarperAI/trlx"])
    assert second.unchanged
    assert second.record == before.record and second.raw == before.raw
    assert second.etag == before.etag == github.served("CarperAI/trlx").etag
    assert github.requests()[1].headers["If-None-Match"] == before.etag
    assert github.statuses() == [200, 304]


def test_a_changed_body_has_a_new_etag_and_gives_a_new_record(
    server: FakeServer, github: FakeGitHub
) -> None:
    s = settings(server)
    first = source.fetch(["CarperAI/trlx"], s, {})
    old_etag = fetched(first["CarperAI/trlx"]).etag
    github.update("CarperAI/trlx", stargazers_count=4800, pushed_at="2026-04-20T10:00:00Z")
    again = fetched(source.fetch(["CarperAI/trlx"], s, remember(first))["CarperAI/trlx"])
    assert github.requests()[1].headers["If-None-Match"] == old_etag
    assert github.statuses() == [200, 200]
    assert not again.unchanged
    assert again.etag != old_etag and again.etag == github.served("CarperAI/trlx").etag
    record = repo(again)
    assert record.stars == 4800 and record.pushed_at == "2026-04-20T10:00:00Z"
    assert '"stargazers_count":4800' in again.raw


def test_no_etag_is_sent_when_a_key_of_the_repository_is_not_cached(
    server: FakeServer, github: FakeGitHub
) -> None:
    s = settings(server)
    folder = "microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat"
    first = source.fetch(["microsoft/DeepSpeedExamples"], s, {})
    got = source.fetch(["microsoft/DeepSpeedExamples", folder], s, remember(first))
    assert "If-None-Match" not in github.requests()[1].headers
    assert not fetched(got["microsoft/DeepSpeedExamples"]).unchanged
    assert repo(got[folder]).path == "applications/DeepSpeed-Chat"
    # Now both are cached with the same ETag: one conditional request answers both.
    again = source.fetch(["microsoft/DeepSpeedExamples", folder], s, remember(got))
    assert all(fetched(o).unchanged for o in again.values())
    assert github.statuses() == [200, 200, 304]


# -- redirects ------------------------------------------------------------------------


def test_a_transferred_repository_is_followed(server: FakeServer, github: FakeGitHub) -> None:
    got = fetched(source.fetch(["protoncoin/protoncoin"], settings(server), {})[
        "protoncoin/protoncoin"
    ])
    record = repo(got)
    assert record.id == "gh:protoncoin/protoncoin"
    assert record.full_name == "padima2/protoncoin"
    assert record.redirected_from == "protoncoin/protoncoin"
    assert [r.path for r in github.requests()] == [
        "/repos/protoncoin/protoncoin", "/repositories/112116543",
    ]
    assert got.url == f"{server.url}/repositories/112116543"


def test_a_renamed_repository_is_followed(server: FakeServer, github: FakeGitHub) -> None:
    # Constructed here: the recording has the 301 but not the body it leads to.
    target = body("repos_octokit-fixture-org_hello-world") | {
        "id": 515436299,
        "name": "rename-repository-newname",
        "full_name": "octokit-fixture-org/rename-repository-newname",
        "html_url": "https://github.com/octokit-fixture-org/rename-repository-newname",
    }
    github.put(target)
    record = repo(source.fetch([RENAMED], settings(server), {})[RENAMED])
    assert record.redirected_from == RENAMED
    assert record.full_name == "octokit-fixture-org/rename-repository-newname"
    assert record.title == "rename-repository-newname"
    assert github.statuses() == [301, 200]


def test_a_redirected_repository_answers_304_too(server: FakeServer, github: FakeGitHub) -> None:
    s = settings(server)
    first = source.fetch(["protoncoin/protoncoin"], s, {})
    again = fetched(source.fetch(["protoncoin/protoncoin"], s, remember(first))[
        "protoncoin/protoncoin"
    ])
    assert again.unchanged and repo(again).redirected_from == "protoncoin/protoncoin"
    assert github.statuses() == [301, 200, 301, 304]
    sent = github.requests()[3].headers["If-None-Match"]
    assert sent == fetched(first["protoncoin/protoncoin"]).etag


def test_a_case_difference_is_not_a_redirect(server: FakeServer, github: FakeGitHub) -> None:
    record = repo(source.fetch(["pygithub/PYGITHUB"], settings(server), {})["pygithub/PYGITHUB"])
    assert record.id == "gh:pygithub/PYGITHUB" and record.full_name == "PyGithub/PyGithub"
    assert record.redirected_from is None


# -- batching -------------------------------------------------------------------------


def test_a_repository_and_its_folders_cost_one_request(
    server: FakeServer, github: FakeGitHub
) -> None:
    keys = [
        "microsoft/DeepSpeedExamples",
        "microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
        "Microsoft/deepspeedexamples/training",
        "microsoft/DeepSpeedExamples",
    ]
    got = source.fetch(keys, settings(server), {})
    assert list(got) == keys[:3]
    assert len(github.requests()) == 1
    assert repo(got["Microsoft/deepspeedexamples/training"]).url == (
        "https://github.com/microsoft/DeepSpeedExamples/tree/master/training"
    )


def test_requests_carry_the_api_headers(server: FakeServer, github: FakeGitHub) -> None:
    source.fetch(["CarperAI/trlx"], settings(server), {})
    (req,) = github.requests()
    assert req.headers["Accept"] == "application/vnd.github+json"
    assert req.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert req.headers["User-Agent"].startswith("alignfetch/")
    assert "Authorization" not in req.headers


# -- failures -------------------------------------------------------------------------


def test_404_is_not_found_and_the_others_still_come(
    server: FakeServer, github: FakeGitHub
) -> None:
    got = source.fetch(["nobody/nothing", "CarperAI/trlx"], settings(server), {})
    err = got["nobody/nothing"]
    assert isinstance(err, NotFoundError)
    assert str(err).startswith("gh:nobody/nothing does not exist on GitHub, or is private;")
    assert "GITHUB_TOKEN" in str(err)
    assert err.status == 404 and err.ids == ("nobody/nothing",) and err.source == "GitHub"
    assert err.url == f"{server.url}/repos/nobody/nothing"
    assert repo(got["CarperAI/trlx"]).title == "trlx"
    assert github.statuses() == [404, 200]


def test_rate_limit_says_when_it_resets_and_stops_asking(
    server: FakeServer, github: FakeGitHub
) -> None:
    github.rate_limit(remaining=1)
    keys = [
        "CarperAI/trlx",
        "PKU-Alignment/safe-rlhf",
        "lucidrains/PaLM-rlhf-pytorch",
        "microsoft/DeepSpeedExamples/applications/DeepSpeed-Chat",
    ]
    got = source.fetch(keys, settings(server), {})
    assert repo(got["CarperAI/trlx"]).title == "trlx"
    errors = [got[k] for k in keys[1:]]
    assert github.statuses() == [200, 403]  # nothing asked after the 403
    for key, err in zip(keys[1:], errors, strict=True):
        assert isinstance(err, RateLimitError)
        assert "until 10:03 UTC" in str(err) and "GITHUB_TOKEN" in str(err)
        assert "(60 an hour)" in str(err)
        assert err.status == 403 and err.ids == (key,)
    assert len({id(e) for e in errors}) == 3  # separate errors: core amends messages


def test_rate_limit_reset_time_comes_from_the_header(
    server: FakeServer, github: FakeGitHub
) -> None:
    github.rate_limit()
    github.reset = 1700000000  # 2023-11-14 22:13:20 UTC
    got = source.fetch(["CarperAI/trlx", "nobody/nothing"], settings(server), {})
    assert all(isinstance(e, RateLimitError) and "until 22:13 UTC" in str(e) for e in got.values())
    assert len(github.requests()) == 1


def test_429_with_no_requests_left_is_not_retried(server: FakeServer, github: FakeGitHub) -> None:
    limited = Response(
        429, '{"message":"API rate limit exceeded"}',
        {"Content-Type": "application/json", "x-ratelimit-remaining": "0",
         "x-ratelimit-limit": "5000", "x-ratelimit-reset": "1776074582"},
    )
    server.fail(r"^/repos/", limited, times=10)
    keys = ["CarperAI/trlx", "PKU-Alignment/safe-rlhf"]
    got = source.fetch(keys, settings(server, retries=3), {})
    assert len(github.requests()) == 1
    assert all(isinstance(e, RateLimitError) and e.status == 429 for e in got.values())


def test_another_403_is_a_plain_source_error(server: FakeServer, github: FakeGitHub) -> None:
    blocked = Response(
        403, '{"message":"Repository access blocked","block":{"reason":"tos"}}',
        {"Content-Type": "application/json", "x-ratelimit-remaining": "4999"},
    )
    server.fail(r"^/repos/CarperAI/trlx$", blocked)
    got = source.fetch(["CarperAI/trlx", "PKU-Alignment/safe-rlhf"], settings(server), {})
    err = got["CarperAI/trlx"]
    assert isinstance(err, SourceError) and not isinstance(err, RateLimitError)
    assert err.status == 403 and "Repository access blocked" in str(err)
    assert repo(got["PKU-Alignment/safe-rlhf"]).title == "safe-rlhf"  # still asked


def test_5xx_is_retried_then_fails_naming_the_status(
    server: FakeServer, github: FakeGitHub
) -> None:
    server.fail(r"^/repos/CarperAI/trlx$", Response(502, "Bad Gateway"), times=100)
    got = source.fetch(["CarperAI/trlx", "PKU-Alignment/safe-rlhf"], settings(server), {})
    err = got["CarperAI/trlx"]
    assert isinstance(err, SourceError) and err.status == 502
    assert "HTTP 502" in str(err) and "3 attempts" in str(err)
    assert len(server.requests(r"^/repos/CarperAI/trlx$")) == 3  # the first try and 2 retries
    assert repo(got["PKU-Alignment/safe-rlhf"]).title == "safe-rlhf"


def test_a_passing_5xx_is_retried_away(server: FakeServer, github: FakeGitHub) -> None:
    server.fail(r"^/repos/", Response(503, "Service Unavailable"), times=1)
    got = source.fetch(["CarperAI/trlx"], settings(server), {})
    assert repo(got["CarperAI/trlx"]).title == "trlx"
    assert len(server.requests(r"^/repos/")) == 2


def test_timeout(server: FakeServer, github: FakeGitHub) -> None:
    server.fail(r"^/repos/CarperAI/trlx$", Response(200, "", delay=1.5))
    got = source.fetch(["CarperAI/trlx", "lucidrains/PaLM-rlhf-pytorch"],
                       settings(server, timeout=0.5), {})
    err = got["CarperAI/trlx"]
    assert isinstance(err, SourceError)
    assert str(err).startswith("GitHub did not answer within 0.5 seconds;")
    assert repo(got["lucidrains/PaLM-rlhf-pytorch"]).title == "PaLM-rlhf-pytorch"


def test_unreachable_server_fails_every_key() -> None:
    s = Settings(github_url="http://127.0.0.1:9", retries=0, backoff=0.0)
    got = source.fetch(["CarperAI/trlx", "PKU-Alignment/safe-rlhf"], s, {})
    for key, err in got.items():
        assert isinstance(err, SourceError) and "could not be reached" in str(err)
        assert err.ids == (key,)


def test_a_body_that_is_not_a_repository_is_an_error(
    server: FakeServer, github: FakeGitHub
) -> None:
    server.fail(r"^/repos/", Response(200, "<html>captive portal</html>"), times=10)
    err = source.fetch(["CarperAI/trlx"], settings(server), {})["CarperAI/trlx"]
    assert isinstance(err, SourceError) and "is not a repository" in str(err)
    assert len(server.requests(r"^/repos/")) == 3  # an invalid answer is retried like a 503


# -- the token --------------------------------------------------------------------------


def test_the_token_is_sent_and_kept_out_of_everything_stored_or_shown(
    server: FakeServer, github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Even if GitHub echoed it back, in a body or an error message.
    github.update("CarperAI/trlx", description=f"leaked {TOKEN} here")
    server.fail(
        r"^/repos/PKU-Alignment/safe-rlhf$",
        Response(403, json.dumps({"message": f"token {TOKEN} may not read this"}),
                 {"Content-Type": "application/json", "x-ratelimit-remaining": "4000"}),
    )
    keys = ["CarperAI/trlx", "PKU-Alignment/safe-rlhf", "nobody/nothing", "protoncoin/protoncoin"]
    got = source.fetch(keys, settings(server, github_token=TOKEN), {})
    for req in github.requests():
        assert req.headers["Authorization"] == f"Bearer {TOKEN}"  # redirects keep it (same host)
    shown = [caplog.text]
    for outcome in got.values():
        if isinstance(outcome, Fetched):
            shown += [json.dumps(to_dict(outcome.record)), outcome.raw, outcome.url,
                      outcome.etag or "", repr(outcome)]
        else:
            shown += [str(outcome), repr(outcome), outcome.url or ""]
    assert not [text for text in shown if TOKEN in text]
    assert isinstance(got["PKU-Alignment/safe-rlhf"], SourceError)
    assert isinstance(got["nobody/nothing"], NotFoundError)
    assert repo(got["protoncoin/protoncoin"]).full_name == "padima2/protoncoin"


def test_a_rejected_token_stops_the_batch(server: FakeServer, github: FakeGitHub) -> None:
    bad = Response(401, '{"message":"Bad credentials","status":"401"}',
                   {"Content-Type": "application/json"})
    server.fail(r"^/repos/", bad, times=10)
    got = source.fetch(["CarperAI/trlx", "PKU-Alignment/safe-rlhf"],
                       settings(server, github_token=TOKEN), {})
    assert len(github.requests()) == 1
    for err in got.values():
        assert isinstance(err, SourceError) and err.status == 401
        assert "rejected GITHUB_TOKEN" in str(err) and TOKEN not in str(err)


# -- the fake itself ----------------------------------------------------------------------


def test_the_fake_answers_like_github(server: FakeServer, github: FakeGitHub) -> None:
    import requests

    ok = requests.get(f"{server.url}/repos/carperai/TRLX", timeout=5)
    assert ok.status_code == 200
    assert ok.content == (REFERENCE / "repos_CarperAI_trlx.body.json").read_bytes()
    assert ok.headers["Content-Type"].startswith("application/json")
    assert ok.headers["X-RateLimit-Limit"] == "60" and ok.headers["X-RateLimit-Remaining"] == "59"
    assert ok.headers["X-RateLimit-Reset"] == "1776074582"
    assert "Content-Encoding" not in ok.headers
    same = requests.get(f"{server.url}/repos/CarperAI/trlx",
                        headers={"If-None-Match": ok.headers["ETag"]}, timeout=5)
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == ok.headers["ETag"]
    missing = requests.get(f"{server.url}/repos/nobody/nothing", timeout=5)
    assert missing.status_code == 404 and missing.json() == NOT_FOUND
    moved = requests.get(f"{server.url}/repos/protoncoin/protoncoin", allow_redirects=False,
                         timeout=5)
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"{server.url}/repositories/112116543"
    github.rate_limit()
    limited = requests.get(f"{server.url}/repos/CarperAI/trlx", timeout=5)
    assert limited.status_code == 403 and limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.json()["message"].startswith("API Rate Limit Exceeded")
