"""GitHub's GraphQL API: the repositories of a batch in one request instead of one each.

REST asks for one repository a request (a conditional one, answered 304 when nothing
changed): a nightly refresh of 500 repositories makes 500 requests. GraphQL names up to
a batch's worth in one query (aliases ``r0``, ``r1``… each ``repository(owner:, name:)``,
the names passed as variables, never written into the query) and answers the fields a
record is made of. GraphQL has no anonymous access, so it is asked only with a token.
An endpoint that refuses or fails is left alone for a while (:func:`refuse`).

Each repository GraphQL answers is turned into the fields of GitHub's REST object that
:func:`~alignfetch.sources.github.convert` reads (:func:`rest_shape`), so a record is the
same whichever API made it, and passes the same checks. The request is made, and
every repository GraphQL leaves out (not found, renamed, an error of its own) is asked
through REST, by :mod:`alignfetch.sources.github`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

AT_LEAST = 10
"""The fewest repositories a batch must name to be asked through GraphQL: fewer are asked
one by one through REST, whose conditional requests cost none of the rate limit."""
REFUSED_FOR = 3600.0
"""Seconds for which an endpoint that refused GraphQL is not asked through it again (its
hourly rate limit, a missing endpoint, a token without the right)."""

FIELDS = (
    "name nameWithOwner url description homepageUrl stargazerCount pushedAt isArchived "
    "licenseInfo { spdxId } defaultBranchRef { name } "
    "repositoryTopics(first: 20) { nodes { topic { name } } }"
)
"""What a record is made of (GitHub allows a repository at most 20 topics)."""


_REFUSED: dict[str, float] = {}
"""Endpoints that refused or failed, and until when (``time.monotonic()``) they are left
alone: a nightly run asks once, not once a batch."""


def refused(url: str) -> bool:
    """Whether the endpoint ``url`` refused or failed less than :data:`REFUSED_FOR` ago."""
    return _REFUSED.get(url, float("-inf")) > time.monotonic()


def refuse(url: str, why: str) -> None:
    """Leave the endpoint ``url`` alone for :data:`REFUSED_FOR` seconds; REST asks instead."""
    _REFUSED[url] = time.monotonic() + REFUSED_FOR
    logging.getLogger("alignfetch").debug("GitHub's GraphQL API failed (%s); using REST", why)


def endpoint(base: str) -> str:
    """The GraphQL endpoint of the REST API at ``base``: ``https://api.github.com/graphql``,
    or ``https://HOST/api/graphql`` for GitHub Enterprise's ``https://HOST/api/v3``."""
    base = base.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def query(repos: Sequence[str]) -> dict[str, Any]:
    """The request body asking for ``repos`` (``owner/name``), alias ``rN`` for the Nth."""
    params = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(len(repos)))
    asks = " ".join(
        f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...repo }}" for i in range(len(repos))
    )
    variables: dict[str, str] = {}
    for i, repo in enumerate(repos):
        owner, name = repo.split("/", 1)
        variables[f"o{i}"] = owner
        variables[f"n{i}"] = name
    text = f"query({params}) {{ {asks} }} fragment repo on Repository {{ {FIELDS} }}"
    return {"query": text, "variables": variables}


def answers(body: object, repos: Sequence[str]) -> dict[str, dict[str, Any]] | None:
    """Each repository of ``repos`` that GraphQL's answer ``body`` (parsed) holds whole, by
    its name as asked, in the REST object's fields; None when ``body`` is not a GraphQL
    answer to this query (an error for the whole query: a rate limit, a bad token; or
    data without the aliases asked).

    Left out, for REST to ask: a repository GraphQL answered null (missing, private), one
    with an error of its own (GraphQL nulls a field that failed and sends the rest: a
    record of it would lose what the cache knew), one answered under another name (GraphQL
    follows renames; REST follows them too, and records the move from its redirect), an
    empty one (no default branch, where REST names the one it would have), and one whose
    fields are not a repository's (:func:`rest_shape`)."""
    if not isinstance(body, Mapping):
        return None
    data = body.get("data")
    if not isinstance(data, Mapping) or any(f"r{i}" not in data for i in range(len(repos))):
        return None
    errors = body.get("errors")
    failed = {
        str(e["path"][0])
        for e in (errors if isinstance(errors, list) else [])
        if isinstance(e, Mapping) and isinstance(e.get("path"), list) and e["path"]
    }
    out: dict[str, dict[str, Any]] = {}
    for i, repo in enumerate(repos):
        shaped = None if f"r{i}" in failed else rest_shape(data[f"r{i}"])
        if (
            shaped is not None
            and isinstance(shaped["full_name"], str)
            and shaped["full_name"].lower() == repo.lower()
            and shaped["default_branch"] is not None
        ):
            out[repo] = shaped
    return out


_ASKED = (
    "name",
    "nameWithOwner",
    "url",
    "description",
    "homepageUrl",
    "stargazerCount",
    "pushedAt",
    "isArchived",
    "licenseInfo",
    "defaultBranchRef",
    "repositoryTopics",
)
"""The fields :data:`FIELDS` asks for: GraphQL answers every one (null when unset)."""


def rest_shape(node: object) -> dict[str, Any] | None:
    """A GraphQL ``Repository`` as the REST object's fields that a record reads, or None
    when ``node`` is not one: not an object (GraphQL's null), a field asked for missing, or
    an object field (licence, branch, topics) of another type. The plain values keep their
    types: :func:`~alignfetch.sources.github_checks.check_shape` judges them as it judges
    REST's."""
    if not isinstance(node, Mapping) or any(name not in node for name in _ASKED):
        return None
    licence = node["licenseInfo"]
    branch = node["defaultBranchRef"]
    topics = node["repositoryTopics"]
    if not (
        _object(licence, "spdxId")
        and _object(branch, "name")
        and isinstance(topics, Mapping)
        and isinstance(topics.get("nodes"), list)
    ):
        return None
    names = [_topic(n) for n in topics["nodes"]]
    if any(not isinstance(n, str) for n in names):
        return None
    return {
        "full_name": node["nameWithOwner"],
        "html_url": node["url"],
        "name": node["name"],
        "description": node["description"],
        "homepage": node["homepageUrl"],
        "stargazers_count": node["stargazerCount"],
        "pushed_at": node["pushedAt"],
        "archived": node["isArchived"],
        "license": None if licence is None else {"spdx_id": licence["spdxId"]},
        "default_branch": None if branch is None else branch["name"],
        "topics": names,
    }


def _object(value: object, field: str) -> bool:
    """Whether ``value`` is null or an object holding ``field``."""
    return value is None or (isinstance(value, Mapping) and field in value)


def _topic(node: object) -> object:
    """A topic's name, or None when ``node`` is not a topic."""
    topic = node.get("topic") if isinstance(node, Mapping) else None
    return topic.get("name") if isinstance(topic, Mapping) else None


def raw(node: Mapping[str, Any]) -> str:
    """The REST-shaped object as the outcome's payload (a repository's is not kept)."""
    return json.dumps(node, ensure_ascii=False, sort_keys=True)
