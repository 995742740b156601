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
    """Each repository of ``repos`` that GraphQL's answer ``body`` (parsed) holds, by its
    position's name as asked, in the REST object's fields; None when ``body`` is not a
    GraphQL answer with data (an error for the whole query: a rate limit, a bad token)."""
    if not isinstance(body, Mapping):
        return None
    data = body.get("data")
    if not isinstance(data, Mapping):
        return None
    out: dict[str, dict[str, Any]] = {}
    for i, repo in enumerate(repos):
        shaped = rest_shape(data.get(f"r{i}"))
        if shaped is not None:
            out[repo] = shaped
    return out


def rest_shape(node: object) -> dict[str, Any] | None:
    """A GraphQL ``Repository`` as the REST object's fields that a record reads, or None
    when ``node`` is not an object (GraphQL's null for a repository it could not resolve).
    Values keep their types: :func:`~alignfetch.sources.github_checks.check_shape` judges
    them as it judges REST's."""
    if not isinstance(node, Mapping):
        return None
    licence = node.get("licenseInfo")
    branch = node.get("defaultBranchRef")
    topics = node.get("repositoryTopics")
    nodes = topics.get("nodes") if isinstance(topics, Mapping) else None
    return {
        "full_name": node.get("nameWithOwner"),
        "html_url": node.get("url"),
        "name": node.get("name"),
        "description": node.get("description"),
        "homepage": node.get("homepageUrl"),
        "stargazers_count": node.get("stargazerCount"),
        "pushed_at": node.get("pushedAt"),
        "archived": node.get("isArchived"),
        "license": {"spdx_id": licence.get("spdxId")} if isinstance(licence, Mapping) else None,
        "default_branch": branch.get("name") if isinstance(branch, Mapping) else None,
        "topics": [_topic(n) for n in nodes] if isinstance(nodes, list) else None,
    }


def _topic(node: object) -> object:
    """A topic's name (anything else is kept, for the shape check to refuse)."""
    topic = node.get("topic") if isinstance(node, Mapping) else None
    return topic.get("name") if isinstance(topic, Mapping) else topic


def raw(node: Mapping[str, Any]) -> str:
    """The REST-shaped object as the outcome's payload (a repository's is not kept)."""
    return json.dumps(node, ensure_ascii=False, sort_keys=True)
