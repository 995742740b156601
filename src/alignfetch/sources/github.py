"""GitHub: repositories, and folders inside them, through the REST API.

Three layers: :func:`parse_id` (pure), :func:`fetch` (``GET /repos/{owner}/{repo}``
with conditional requests and redirects followed), and :func:`convert` (pure;
the API's JSON to a :class:`~alignfetch.records.Repo`).

A folder (``owner/repo/path``) has no metadata of its own on GitHub, so it is
described by its repository: keys that share a repository share one request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, RateLimitError, SourceError
from alignfetch.http import policy as net
from alignfetch.records import Repo
from alignfetch.sources import github_checks as checks
from alignfetch.sources import github_graphql as graphql

if TYPE_CHECKING:
    import requests

    from alignfetch.sources import Outcome, Previous

NAME = "GitHub"
PREFIX = "gh"
FORMS = (
    "gh:owner/repo",
    "https://github.com/owner/repo",
    "https://github.com/owner/repo/tree/BRANCH/folder (a folder)",
    "https://github.com/owner/repo/tree/BRANCH (a branch)",
)

API_VERSION = "2022-11-28"
TOKEN_LABEL = "[GITHUB_TOKEN]"
"""What the token is replaced with wherever an answer echoed it."""
# 429 is left out on purpose: GitHub's rate limits last up to an hour, so a
# back-off of seconds only spends requests; the limit is reported instead.
RETRY_STATUSES = frozenset({500, 502, 503, 504})

_OWNER = r"(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})"
_REPO = r"(?P<repo>(?!\.\.?(?:/|$))[A-Za-z0-9._-]{1,100}?)"
_PATH = r"(?P<path>(?:[^/?#\s]+/)*[^/?#\s]+)"
_SHORT = re.compile(rf"gh:{_OWNER}/{_REPO}(?:/{_PATH})?/?", re.IGNORECASE)
_URL = re.compile(
    rf"https?://(?:www\.)?github\.com/{_OWNER}/{_REPO}(?:\.git)?"
    rf"(?:/(?P<view>tree|blob)/(?P<branch>[^/?#\s]+)(?:/{_PATH})?)?/?(?:[?#].*)?",
    re.IGNORECASE,
)
# First path segments of github.com that are pages, not owners.
_RESERVED = frozenset(
    {
        "about",
        "apps",
        "collections",
        "customer-stories",
        "enterprise",
        "events",
        "explore",
        "features",
        "issues",
        "login",
        "marketplace",
        "new",
        "notifications",
        "orgs",
        "pricing",
        "pulls",
        "search",
        "settings",
        "site",
        "sponsors",
        "topics",
        "trending",
        "users",
    }
)


def parse_id(text: str) -> str | None:
    """``owner/repo``, ``owner/repo/path`` or ``owner/repo/tree/BRANCH[/path]`` for
    ``text``, or None if it is not one.

    The key keeps the case it was given: GitHub ignores case in names, and the
    maintainer's spelling is what the list shows. A folder or a branch keeps the
    branch of the URL it was pasted from (``/tree/iclr19`` is the repository on
    that branch, one entry with the repository). A ``/blob/BRANCH/path`` link is a
    file, not a folder: no repository or folder, so the web links take it. ``.`` and
    ``..`` segments are refused, since they would name another folder than the link
    seems to.
    """
    for pattern in (_SHORT, _URL):
        m = pattern.fullmatch(text.strip())
        if m:
            if m["owner"].lower() in _RESERVED or m["repo"].endswith(".git"):
                return None
            key = f"{m['owner']}/{m['repo']}"
            branch = m.groupdict().get("branch")
            if m.groupdict().get("view") == "blob" and m["path"]:
                return None  # a file: a web link (url:), named by its file
            if any(part in (".", "..") for part in [*(m["path"] or "").split("/"), branch]):
                return None
            if not m["path"]:
                return f"{key}/tree/{branch}" if branch else key
            return f"{key}/tree/{branch}/{m['path']}" if branch else f"{key}/{m['path']}"
    return None


def split_key(key: str) -> tuple[str, str | None]:
    """``owner/repo/a/b`` -> (``owner/repo``, ``a/b``); a repository has no path."""
    owner, repo, *path = key.split("/")
    return f"{owner}/{repo}", "/".join(path) or None


# -- conversion (pure) ------------------------------------------------------------


def convert(body: Mapping[str, Any], key: str, *, redirected: bool = False) -> Repo:
    """The API's repository object as a record for ``key`` (a repository or a folder).

    ``redirected`` says that GitHub answered with a 301 (the repository was
    renamed or transferred); the record then remembers the name that was asked
    for, unless the two differ only in case, which GitHub does not count as a
    move. Raises KeyError or TypeError when ``body`` is not a repository: its
    names missing, or a field GitHub always sends of the wrong type (a record
    built from such an answer would hold junk, or lose what the cache knew).
    """
    asked, path = split_key(key)
    full_name = _str(body["full_name"])
    html_url = _str(body["html_url"])
    name = _str(body["name"])
    if not (full_name and html_url and name):
        raise TypeError("not a repository object")
    checks.check_shape(body)
    default_branch = _str(body.get("default_branch"))
    branch = default_branch or "HEAD"  # GitHub resolves HEAD to the default branch
    if path is not None and path.startswith("tree/") and path.count("/") >= 2:
        # ``tree/BRANCH/folder``: a folder on the branch its URL named.
        _, branch, path = path.split("/", 2)
    if path is not None and path.startswith("tree/") and "/" not in path[5:]:
        # ``tree/BRANCH``: the repository, on the branch its URL named.
        title, url, path = name, f"{html_url}/{path}", None
    elif path is None:
        title, url = name, html_url
    else:
        title = path.rsplit("/", 1)[-1]
        url = f"{html_url}/tree/{branch}/{path}"
    licence = body.get("license")
    spdx = _str(licence.get("spdx_id")) if isinstance(licence, Mapping) else None
    stars = body.get("stargazers_count")
    topics = body.get("topics")
    return Repo(
        id=f"{PREFIX}:{key}",
        title=title,
        url=url,
        full_name=full_name,
        path=path,
        description=_str(body.get("description")),
        stars=stars,
        pushed_at=_str(body.get("pushed_at")),
        # NOASSERTION: GitHub found a licence file but could not name the licence.
        license=spdx if spdx and spdx != "NOASSERTION" else None,
        archived=body.get("archived") is True,
        homepage=_str(body.get("homepage")),
        topics=tuple(t for t in topics if isinstance(t, str)) if isinstance(topics, list) else (),
        default_branch=default_branch,
        redirected_from=asked if redirected and asked.lower() != full_name.lower() else None,
    )


def _str(value: object) -> str | None:
    """A non-blank string as is; GitHub sends ``""`` and null alike for "not set"."""
    return value if isinstance(value, str) and value.strip() else None


# -- fetching -----------------------------------------------------------------------


def fetch(
    keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
) -> dict[str, Outcome]:
    """Fetch repositories and folders by key, one request per distinct repository.

    Every key gets an outcome: a failure is returned for its keys, not raised,
    so one missing repository does not hide the others. Once GitHub says its
    rate limit is used up, the rest of the batch fails without asking again.
    No outcome holds the token (:func:`tokens.scrubbed`): an answer may echo it
    into any field, spelt in JSON's ``\\u`` escapes that only parsing decodes.
    """
    from alignfetch.sources import tokens

    client = _Client(settings)
    try:
        out = client.fetch(list(dict.fromkeys(keys)), previous)
    finally:
        client.close()
    token = settings.github_token
    return {k: tokens.scrubbed(o, token, TOKEN_LABEL) for k, o in out.items()}


class _Client:
    """One batch's session, and what the batch has learnt (a rate limit, an outage)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._base = settings.github_url.rstrip("/")
        from alignfetch.http import client

        self._session = client.session(
            settings, NAME, statuses=RETRY_STATUSES, validate=checks.json_problem
        )
        self._session.headers["Accept"] = "application/vnd.github+json"
        self._session.headers["X-GitHub-Api-Version"] = API_VERSION
        if settings.github_token:
            # requests drops this header itself on a redirect to another host.
            self._session.headers["Authorization"] = f"Bearer {settings.github_token}"
        self._stop: SourceError | None = None
        """Set when asking again is pointless: every later repository gets its like."""

    def close(self) -> None:
        self._session.close()

    def fetch(self, keys: list[str], previous: Mapping[str, Previous]) -> dict[str, Outcome]:
        groups: dict[str, list[str]] = {}
        out: dict[str, Outcome] = {}
        for key in keys:
            if parse_id(f"{PREFIX}:{key}") != key:
                out[key] = SourceError(
                    f"{PREFIX}:{key} is not a GitHub repository ID; "
                    "use gh:owner/repo or a github.com link.",
                    source=NAME,
                    ids=(key,),
                )
                continue
            repo, _ = split_key(key)
            groups.setdefault(repo.lower(), []).append(key)
        if len(groups) >= graphql.AT_LEAST and self._settings.github_token:
            out.update(self._graphql(list(groups.values()), previous))
        for members in groups.values():
            if members[0] in out:
                continue  # answered through GraphQL
            repo, _ = split_key(members[0])
            url = f"{self._base}/repos/{repo}"
            if self._stop is not None:
                out.update((k, _like(self._stop, k, url)) for k in members)
                continue
            out.update(self._ask(url, members, previous))
        return {k: out[k] for k in keys}

    def _graphql(
        self, groups: list[list[str]], previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]:
        """The outcomes of the repositories GraphQL answered (:mod:`github_graphql`), in one
        request; none when the endpoint refuses or fails (it is then left alone for a
        while: :func:`github_graphql.refuse`). A repository whose answer is not one is left
        out too: REST asks for it, and says what is wrong, as for any other."""
        import requests

        from alignfetch.sources import Fetched

        url = graphql.endpoint(self._base)
        if graphql.refused(url):
            return {}
        repos = [split_key(members[0])[0] for members in groups]
        try:
            response = self._session.post(url, json=graphql.query(repos))
            body = json.loads(response.content.decode("utf-8")) if response.ok else None
        except (net.NetError, requests.RequestException, ValueError, RecursionError) as err:
            # Unreachable, refused, cut short, not UTF-8 or not JSON: REST asks instead.
            graphql.refuse(url, type(err).__name__)
            return {}
        got = graphql.answers(body, repos)
        if got is None:
            graphql.refuse(url, f"HTTP {response.status_code}")
            return {}
        out: dict[str, Outcome] = {}
        for members, repo in zip(groups, repos, strict=True):
            node = got.get(repo)
            if node is None:
                continue
            try:
                records = {k: convert(node, k) for k in members}  # under the name asked
            except (KeyError, TypeError):
                continue
            where = f"{self._base}/repos/{repo}"
            for k in members:
                before = previous.get(k)
                if before is not None and before.record == records[k]:
                    # What a 304 says: the cached record stands, ETag and all.
                    out[k] = Fetched(before.record, before.raw, where, before.etag, unchanged=True)
                else:
                    out[k] = Fetched(records[k], graphql.raw(node), where)
        return out

    def _ask(
        self, url: str, members: list[str], previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]:
        import requests

        from alignfetch.sources import Fetched

        headers: dict[str, str] = {}
        etag = self._shared_etag(members, previous)
        if etag is not None:
            headers["If-None-Match"] = etag
        try:
            response = self._session.get(url, headers=headers)
        except net.TimedOut:
            return self._fail(
                SourceError,
                lambda _: (
                    f"GitHub did not answer within {self._settings.timeout:g} seconds; "
                    "try again later or raise ALIGNFETCH_TIMEOUT."
                ),
                members,
                url,
            )
        except net.Unreachable as err:
            # The host is unreachable, so the rest of the batch would fail alike.
            return self._halt(
                SourceError,
                f"GitHub could not be reached at {self._base} ({err.reason}); "
                "check the network or ALIGNFETCH_GITHUB_URL.",
                members,
                url,
            )
        except net.WaitTooLong as err:
            return self._halt(
                RateLimitError,
                f"GitHub {err.reason}, longer than ALIGNFETCH_MAX_WAIT "
                f"({self._settings.max_wait:g} seconds); try again later.",
                members,
                url,
                err.status,
            )
        except net.InvalidBody as err:
            why = err.reason
            return self._fail(
                SourceError,
                lambda ident: (
                    f"GitHub's answer for {ident} is not a repository ({why}); "
                    "check ALIGNFETCH_GITHUB_URL, or try again later."
                ),
                members,
                url,
                200,
            )
        except net.NetError as err:  # broken off, or too large
            what = net.unread(err, self._settings.max_bytes)
            return self._fail(
                SourceError,
                lambda ident: f"GitHub's answer for {ident} {what}; try again later.",
                members,
                url,
            )
        except requests.exceptions.TooManyRedirects:
            return self._fail(
                SourceError,
                lambda ident: (
                    f"GitHub redirected the request for {ident} more than "
                    f"{net.MAX_REDIRECTS} times; check ALIGNFETCH_GITHUB_URL."
                ),
                members,
                url,
            )
        except requests.exceptions.RequestException as err:
            reason = _reason(err)
            return self._fail(
                SourceError,
                lambda ident: (
                    f"The request to GitHub for {ident} failed ({reason}); try again later."
                ),
                members,
                url,
            )

        final = response.url or url
        if response.status_code == 304 and etag is not None:
            return {
                k: Fetched(
                    record=previous[k].record,
                    raw=previous[k].raw,
                    url=final,
                    etag=previous[k].etag,
                    unchanged=True,
                )
                for k in members
            }
        if response.status_code != 200:
            return self._http_error(response, members, final)
        # Strictly UTF-8, as JSON is: a replacement character stored in place of the
        # bytes would be junk shown as the description, and the fetch called a success.
        why = "not a repository object"
        try:
            raw = response.content.decode("utf-8")
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise TypeError("not an object")
            records = {k: convert(body, k, redirected=bool(response.history)) for k in members}
        except UnicodeDecodeError:
            why = "not UTF-8"
        except RecursionError:
            why = "JSON nested too deep"
        except ValueError:
            why = "not JSON"
        except (KeyError, TypeError):
            pass
        else:
            return {
                k: Fetched(record=records[k], raw=raw, url=final, etag=response.headers.get("ETag"))
                for k in members
            }
        return self._fail(
            SourceError,
            lambda ident: (
                f"GitHub's answer for {ident} is not a repository ({why}); "
                "check ALIGNFETCH_GITHUB_URL, or try again later."
            ),
            members,
            final,
            200,
        )

    @staticmethod
    def _shared_etag(members: list[str], previous: Mapping[str, Previous]) -> str | None:
        """The ETag to send, if every key of this repository holds the same one.

        A 304 answers for all the keys at once, so a key without a cached
        record (or with an older one) needs the full answer.
        """
        etags = {previous[k].etag if k in previous else None for k in members}
        return etags.pop() if len(etags) == 1 else None

    def _http_error(
        self, response: requests.Response, members: list[str], url: str
    ) -> dict[str, Outcome]:
        status = response.status_code
        headers = response.headers
        message = checks.message(response)
        detail = f"HTTP {status}: {message}" if message else f"HTTP {status}"
        token = bool(self._settings.github_token)
        if status == 404:
            return self._fail(
                NotFoundError,
                lambda ident: (
                    f"{ident} does not exist on GitHub, or is private; check the ID"
                    + (
                        " (and that GITHUB_TOKEN may read it)."
                        if token
                        else " (set GITHUB_TOKEN for a private one)."
                    )
                ),
                members,
                url,
                status,
            )
        if status in (403, 429) and headers.get("x-ratelimit-remaining") == "0":
            limit = checks.number(headers.get("x-ratelimit-limit"))
            whom = "GITHUB_TOKEN" if token else "requests without a token"
            per_hour = f" ({limit} an hour)" if limit else ""
            reset = _reset(headers.get("x-ratelimit-reset"))
            when = f" until {reset}" if reset else ""
            wait = "wait until then" if reset else "wait up to an hour"
            return self._halt(
                RateLimitError,
                f"GitHub's rate limit for {whom}{per_hour} is used up{when}; {wait}"
                + ("." if token else ", or set GITHUB_TOKEN to be allowed 5,000 an hour."),
                members,
                url,
                status,
            )
        if status == 429 or (status == 403 and "retry-after" in headers):
            # GitHub's secondary limits: too many requests at once or too fast.
            after = checks.number(headers.get("retry-after"))
            wait = f"{after} seconds" if after else "a few minutes"
            return self._halt(
                RateLimitError,
                f"GitHub is limiting requests ({detail}); wait {wait} and try again"
                + ("." if token else ", or set GITHUB_TOKEN."),
                members,
                url,
                status,
            )
        if status == 401:
            # A token GitHub rejects fails every request alike.
            return self._halt(
                SourceError,
                f"GitHub rejected GITHUB_TOKEN ({detail}); renew it, or unset it to ask "
                "without one.",
                members,
                url,
                status,
            )
        if status == 403:
            return self._fail(
                SourceError,
                lambda ident: (
                    f"GitHub refused access to {ident} ({detail}); "
                    + (
                        "check that GITHUB_TOKEN may read it."
                        if token
                        else "set GITHUB_TOKEN if it needs one."
                    )
                ),
                members,
                url,
                status,
            )
        if status >= 500:
            failed = net.server_error("GitHub", status, self._settings.retries)
            return self._fail(SourceError, failed, members, url, status)
        return self._fail(
            SourceError,
            lambda ident: (
                f"GitHub answered {ident} with {detail}; check the ID, or try again later."
            ),
            members,
            url,
            status,
        )

    def _fail(
        self,
        kind: type[SourceError],
        message: Callable[[str], str],
        members: list[str],
        url: str,
        status: int | None = None,
    ) -> dict[str, Outcome]:
        """A failure for each key of one repository; ``message`` is given the key's ID."""
        return {
            k: kind(
                self._scrub(message(f"{PREFIX}:{k}")),
                source=NAME,
                ids=(k,),
                url=url,
                status=status,
            )
            for k in members
        }

    def _halt(
        self,
        kind: type[SourceError],
        message: str,
        members: list[str],
        url: str,
        status: int | None = None,
    ) -> dict[str, Outcome]:
        """Fail these keys, and every later one without asking GitHub again."""
        self._stop = kind(self._scrub(message), source=NAME, ids=(), url=url, status=status)
        return {k: _like(self._stop, k, url) for k in members}

    def _scrub(self, text: str) -> str:
        """``text`` without the token: nothing alignfetch stores or prints may hold it."""
        from alignfetch.sources import tokens

        return tokens.scrub(text, self._settings.github_token, TOKEN_LABEL)


def _like(err: SourceError, key: str, url: str) -> SourceError:
    """A copy of ``err`` for another key (callers may amend a message in place)."""
    return type(err)(err.message, source=err.source, ids=(key,), url=url, status=err.status)


def _reset(epoch: str | None) -> str | None:
    """``HH:MM UTC`` from ``x-ratelimit-reset`` (epoch seconds); the limit is hourly."""
    try:
        moment = datetime.fromtimestamp(int(epoch or ""), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return f"{moment:%H:%M} UTC"


def _reason(err: Exception) -> str:
    """What went wrong, as a message may say it (an exception's text may quote a server)."""
    text = checks.quoted(str(err))
    return text if len(text) < 120 else type(err).__name__
