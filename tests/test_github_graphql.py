"""GitHub's repositories asked many at a time through GraphQL, and REST where it cannot.

The fake answers GraphQL from the same recorded REST bodies it serves (``graphql_node``),
so a record made through either API can be compared with the other's. Each test names the
bug it is there to catch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError
from alignfetch.records import Repo
from alignfetch.sources import Fetched, Outcome, Previous
from alignfetch.sources import github as source
from alignfetch.sources import github_graphql as graphql
from fakes.github import FakeGitHub, graphql_node
from fakes.server import FakeServer, Response

HERE = Path(__file__).parent
DATA = HERE / "data" / "github"
REFERENCE = HERE / "data" / "reference" / "github"
TOKEN = "ghp_TestOnly0123456789abcdefghijABCDEFGHIJ"  # not a real token
MOVED = "protoncoin/protoncoin"  # transferred: REST answers a 301 to its new home
RECORDED = [
    "PyGithub/PyGithub",
    "octokit-fixture-org/hello-world",
    "CarperAI/trlx",
    "PKU-Alignment/safe-rlhf",
    "lucidrains/PaLM-rlhf-pytorch",
    "microsoft/DeepSpeedExamples",
]


@pytest.fixture
def github(server: FakeServer) -> FakeGitHub:
    fake = FakeGitHub(server, DATA, REFERENCE)
    base = json.loads((REFERENCE / "repos_CarperAI_trlx.body.json").read_text("utf-8"))
    for i in range(8):  # more repositories, each with its own values
        fake.put(
            base
            | {
                "id": 7000 + i,
                "name": f"tool-{i}",
                "full_name": f"Some-Org/tool-{i}",
                "html_url": f"https://github.com/Some-Org/tool-{i}",
                "stargazers_count": 10 * i,
                "description": None if i % 3 == 0 else f"Tool number {i}",
                "homepage": "" if i % 2 else f"https://tool{i}.example.org",
                "license": None if i == 4 else base["license"],
                "topics": [] if i == 5 else [f"topic-{i}", "rlhf"],
                "archived": i == 6,
                "default_branch": "main" if i % 2 else "trunk",
            }
        )
    return fake


REPOS = [*RECORDED, *(f"Some-Org/tool-{i}" for i in range(8))]
KEYS = [*REPOS, "CarperAI/trlx/examples", "PyGithub/PyGithub/tree/v2/doc"]


def settings(server: FakeServer, *, token: str | None = TOKEN) -> Settings:
    return Settings(github_url=server.url, backoff=0.0, timeout=2.0, retries=2, github_token=token)


def records(got: dict[str, Outcome]) -> dict[str, Repo]:
    out = {}
    for key, outcome in got.items():
        assert isinstance(outcome, Fetched), outcome
        assert isinstance(outcome.record, Repo)
        out[key] = outcome.record
    return out


def through_rest(server: FakeServer, keys: list[str]) -> dict[str, Repo]:
    """The records REST makes of ``keys`` (no token: GraphQL is not asked)."""
    got = source.fetch(keys, settings(server, token=None), {})
    return records(got)


def test_many_repositories_are_one_graphql_request_and_the_same_records(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: a GraphQL field mapped to the wrong REST field (homepage, licence,
    default branch, topics), answers matched to the wrong alias, or a folder's record made
    from its repository wrongly: the records differ from REST's."""
    got = source.fetch(KEYS, settings(server), {})
    assert len(github.graphql_requests()) == 1
    assert github.requests() == []  # no repository asked through REST
    assert records(got) == through_rest(server, KEYS)
    assert {o.url for o in got.values() if isinstance(o, Fetched)} >= {
        f"{server.url}/repos/{r}" for r in REPOS
    }


def test_names_travel_as_variables(server: FakeServer, github: FakeGitHub) -> None:
    """Bug caught: a name written into the query text, where a quote in it would change
    the query; the token not sent (GraphQL has no anonymous access)."""
    source.fetch(REPOS, settings(server), {})
    (req,) = github.graphql_requests()
    sent = json.loads(req.body)
    assert all(r.split("/")[1] not in sent["query"] for r in REPOS)
    assert sorted(sent["variables"].values()) == sorted(
        part for r in REPOS for part in r.split("/")
    )
    assert req.headers.get("Authorization") == f"Bearer {TOKEN}"
    assert "alignfetch" in req.headers.get("User-Agent", "")


def test_few_repositories_or_no_token_go_through_rest(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: GraphQL asked without a token (always a 401), or for a handful of
    repositories, where REST's conditional requests cost none of the rate limit."""
    few = REPOS[: graphql.AT_LEAST - 1]
    source.fetch(few, settings(server), {})
    source.fetch(REPOS, settings(server, token=None), {})
    assert github.graphql_requests() == []
    assert len(github.requests()) == len(few) + len(REPOS)


def test_what_graphql_cannot_resolve_is_asked_through_rest(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: a repository GraphQL answered null (missing, renamed) failed or was
    dropped instead of asked through REST, which follows the rename and words the 404."""
    keys = [*REPOS, MOVED, "nobody/nothing"]
    got = source.fetch(keys, settings(server), {})
    assert len(github.graphql_requests()) == 1
    assert sorted(r.path for r in github.requests() if r.path.startswith("/repos/")) == [
        "/repos/nobody/nothing",
        f"/repos/{MOVED}",
    ]
    missing = got["nobody/nothing"]
    assert isinstance(missing, NotFoundError)
    assert "does not exist on GitHub" in missing.message
    moved = got[MOVED]
    assert isinstance(moved, Fetched) and isinstance(moved.record, Repo)
    assert moved.record.redirected_from == MOVED
    assert records({k: got[k] for k in REPOS}) == through_rest(server, REPOS)


@pytest.mark.parametrize(
    "answer",
    [
        Response(404, b'{"message":"Not Found"}', {"Content-Type": "application/json"}),
        Response(200, b"<!DOCTYPE html><html>a portal</html>", {"Content-Type": "text/html"}),
        Response(200, b'{"errors":[{"type":"RATE_LIMITED","message":"API rate limit"}]}'),
        Response(200, b'{"data":"not an object"}'),
        Response(401, b'{"message":"Bad credentials"}'),
        Response(502, b"bad gateway"),
        Response(reset=True),
    ],
    ids=["absent", "html", "rate-limited", "junk-data", "bad-token", "outage", "reset"],
)
def test_a_refusing_endpoint_falls_back_to_rest_once_a_run(
    server: FakeServer, github: FakeGitHub, answer: Response
) -> None:
    """Bug caught: an endpoint without GraphQL (a REST-only server), an error for the whole
    query or junk failing the batch instead of asking REST; or GraphQL asked again for
    every batch of a night after it refused."""
    server.fail(r"^/graphql", answer, times=10)
    first = source.fetch(REPOS, settings(server), {})
    assert records(first) == through_rest(server, REPOS)
    asked = len(github.graphql_requests())
    source.fetch(REPOS, settings(server), {})
    assert len(github.graphql_requests()) == asked  # not asked again
    retried = answer.reset or answer.status == 502 or b"html" in bytes(answer.body)
    assert asked == (3 if retried else 1)  # retried as any request is


def test_a_repository_of_the_wrong_shape_is_asked_through_rest(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: a GraphQL answer whose fields are not a repository's (a star count that
    is text) made into a record, replacing a good one, instead of asking REST."""
    good = json.loads(github.served(REPOS[0]).body)
    bad = {"nameWithOwner": REPOS[0], "url": good["html_url"], "name": good["name"]}
    nodes: dict[str, Any] = {f"r{i}": None for i in range(len(REPOS))}
    nodes["r0"] = bad | {"stargazerCount": "many"}
    server.fail(r"^/graphql", Response(200, json.dumps({"data": nodes})))
    got = source.fetch(REPOS, settings(server), {})
    assert records(got) == through_rest(server, REPOS)
    assert records(got)[REPOS[0]].stars == good["stargazers_count"]


def test_an_unchanged_repository_is_kept_like_a_304(server: FakeServer, github: FakeGitHub) -> None:
    """Bug caught: an unchanged repository made a fresh record (a rewrite every night) or
    lost the ETag REST's conditional requests need; a changed one kept as unchanged."""
    first = source.fetch(REPOS, settings(server, token=None), {})  # through REST: ETags
    previous = {
        k: Previous(o.record, o.raw, o.etag) for k, o in first.items() if isinstance(o, Fetched)
    }
    github.update("Some-Org/tool-3", stargazers_count=12345)
    github.update("Some-Org/tool-5", description="A new description, the stars as they were")
    again = source.fetch(REPOS, settings(server), previous)
    assert len(github.graphql_requests()) == 1
    for key in REPOS:
        outcome = again[key]
        assert isinstance(outcome, Fetched)
        if key in ("Some-Org/tool-3", "Some-Org/tool-5"):
            assert not outcome.unchanged and outcome.etag is None
            assert isinstance(outcome.record, Repo)
            assert outcome.record != previous[key].record
        else:
            assert outcome.unchanged and outcome.record is previous[key].record
            assert outcome.etag == previous[key].etag and outcome.etag


def test_a_token_echoed_in_an_answer_is_scrubbed(server: FakeServer, github: FakeGitHub) -> None:
    """Bug caught: the GraphQL path's outcomes left out of the token scrub REST's get."""
    github.update("Some-Org/tool-1", description=f"leaked {TOKEN} here")
    got = source.fetch(REPOS, settings(server), {})
    assert len(github.graphql_requests()) == 1
    record = records(got)["Some-Org/tool-1"]
    assert record.description == f"leaked {source.TOKEN_LABEL} here"
    assert all(TOKEN not in o.raw for o in got.values() if isinstance(o, Fetched))


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("https://api.github.com", "https://api.github.com/graphql"),
        ("https://api.github.com/", "https://api.github.com/graphql"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
    ],
)
def test_the_graphql_endpoint_of_a_rest_base(base: str, url: str) -> None:
    """Bug caught: GitHub Enterprise's GraphQL looked for under its REST path."""
    assert graphql.endpoint(base) == url


def test_exactly_the_threshold_of_repositories_not_keys(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: the threshold counted off by one, or counted keys (folders of one
    repository are one repository, asked once) instead of repositories."""
    source.fetch(REPOS[: graphql.AT_LEAST], settings(server), {})
    assert len(github.graphql_requests()) == 1
    few = REPOS[: graphql.AT_LEAST - 1]
    folders = [*few, *(f"{few[0]}/docs/{i}" for i in range(5))]
    source.fetch(folders, settings(server), {})
    assert len(github.graphql_requests()) == 1  # 9 repositories, 14 keys: REST


def test_a_refusal_is_forgotten_after_its_time(
    server: FakeServer, github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug caught: an endpoint that refused once (a passing outage) never asked again."""
    server.fail(r"^/graphql", Response(404, b'{"message":"Not Found"}'))
    source.fetch(REPOS, settings(server), {})
    now = graphql.time.monotonic()
    monkeypatch.setattr(graphql.time, "monotonic", lambda: now + graphql.REFUSED_FOR - 1)
    source.fetch(REPOS, settings(server), {})
    assert len(github.graphql_requests()) == 1
    monkeypatch.setattr(graphql.time, "monotonic", lambda: now + graphql.REFUSED_FOR + 1)
    source.fetch(REPOS, settings(server), {})
    assert len(github.graphql_requests()) == 2


def answer_with(github: FakeGitHub, change: Any) -> None:
    """The next GraphQL answer is the fake's own for :data:`REPOS`, changed by
    ``change(answer)``."""
    nodes = {f"r{i}": graphql_node(json.loads(github.served(r).body)) for i, r in enumerate(REPOS)}
    answer: dict[str, Any] = {"data": nodes}
    change(answer)
    github.server.fail(r"^/graphql", Response(200, json.dumps(answer)))


@pytest.fixture
def cached(server: FakeServer, github: FakeGitHub) -> dict[str, Previous]:
    """What the cache holds of :data:`REPOS` after REST fetched them."""
    first = source.fetch(REPOS, settings(server, token=None), {})
    return {
        k: Previous(o.record, o.raw, o.etag) for k, o in first.items() if isinstance(o, Fetched)
    }


def _field_error(answer: dict[str, Any]) -> None:
    answer["errors"] = []
    for alias, field in (("r0", "licenseInfo"), ("r1", "description"), ("r2", "pushedAt")):
        answer["data"][alias][field] = None  # GraphQL nulls a field that failed
        answer["errors"].append({"type": "INTERNAL", "path": [alias, field], "message": "x"})


def _wrong_objects(answer: dict[str, Any]) -> None:
    answer["data"]["r0"]["licenseInfo"] = "MIT"
    answer["data"]["r1"]["defaultBranchRef"] = "master"
    answer["data"]["r2"]["repositoryTopics"] = ["rlhf"]


def _missing_fields(answer: dict[str, Any]) -> None:
    for name in ("description", "homepageUrl", "licenseInfo"):
        del answer["data"]["r0"][name]
        del answer["data"]["r1"][name]
        del answer["data"]["r2"][name]


def _swapped(answer: dict[str, Any]) -> None:
    data = answer["data"]
    data["r0"], data["r1"], data["r2"] = data["r1"], data["r2"], data["r0"]


def _empty_repositories(answer: dict[str, Any]) -> None:
    for alias in ("r0", "r1", "r2"):
        answer["data"][alias]["defaultBranchRef"] = None  # no commit yet: no branch ref


@pytest.mark.parametrize(
    "change",
    [_field_error, _wrong_objects, _missing_fields, _swapped, _empty_repositories],
    ids=["field-error", "wrong-objects", "missing-fields", "swapped", "empty"],
)
def test_a_node_that_is_not_wholly_its_repository_is_asked_through_rest(
    server: FakeServer, github: FakeGitHub, cached: dict[str, Previous], change: Any
) -> None:
    """Bug caught: a node GraphQL answered in part (a field's error nulls it), in the wrong
    shape, without fields it always sends, for another repository than its alias asked,
    or for an empty repository (no default branch, where REST names one) made into a
    record that replaces the good cached one instead of asking REST."""
    answer_with(github, change)
    rest_before = len(github.requests())
    got = source.fetch(REPOS, settings(server), cached)
    assert len(github.graphql_requests()) == 1
    asked = [r.path for r in github.requests()[rest_before:]]
    assert sorted(asked) == sorted(f"/repos/{r}" for r in REPOS[:3])
    for key in REPOS:
        outcome = got[key]
        assert isinstance(outcome, Fetched)
        assert outcome.record == cached[key].record  # nothing lost, nothing changed
        assert outcome.unchanged  # REST's 304 or GraphQL's same record


def test_data_without_the_aliases_asked_is_a_refusal(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: an answer with empty data taken as "none found" for every batch of a
    night (every repository asked twice), instead of leaving GraphQL alone."""
    server.fail(r"^/graphql", Response(200, b'{"data":{}}'))
    got = source.fetch(REPOS, settings(server), {})
    assert records(got) == through_rest(server, REPOS)
    source.fetch(REPOS, settings(server), {})
    assert len(github.graphql_requests()) == 1


def test_a_renamed_repository_is_recorded_as_rest_records_it(
    server: FakeServer, github: FakeGitHub
) -> None:
    """Bug caught: GraphQL's answer for a renamed repository (it follows renames) taken
    under the old name without the move, or with another source URL than REST's."""
    keys = [*REPOS, MOVED]
    got = source.fetch(keys, settings(server), {})
    moved = got[MOVED]
    assert isinstance(moved, Fetched) and isinstance(moved.record, Repo)
    rest = source.fetch([MOVED], settings(server, token=None), {})[MOVED]
    assert isinstance(rest, Fetched)
    assert moved.record == rest.record and moved.url == rest.url
    assert moved.record.redirected_from == MOVED
