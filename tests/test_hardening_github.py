"""Issue 18 (GitHub, arXiv, the fetch pipeline, the network layer): junk answers are failed
fetches, an unknown host is not retried, a rate limit stops a large batch.

Everything runs against the fake services on 127.0.0.1 (or a host name under the
reserved ``.invalid`` TLD, RFC 2606, which resolves nowhere), through the CLI or
the sources' own entry points; attempts are counted, never timed.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx2
import pytest
import tomlkit

from alignfetch.config import Settings
from alignfetch.errors import RateLimitError, SourceError
from alignfetch.fetch import pipeline
from alignfetch.http import client as net_http
from alignfetch.http import policy as net
from alignfetch.records import Link, Repo
from alignfetch.sources import Fetched, Outcome, Previous
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import github as github_source
from conftest import Fakes, add_sections, run, state
from fakes.faults import HTML, nested_json
from fakes.server import Request, Response

TRLX = "gh:CarperAI/trlx"
PAPER = "arxiv:2305.01937"


def row(folder: Path, rid: str) -> tuple[object, ...]:
    """The cache row of ``rid``: record, payload, ETag, when fetched and changed (all but
    the error columns, where a failure is noted on purpose)."""
    with sqlite3.connect(folder / ".alignfetch" / "cache.sqlite") as db:
        found = db.execute(
            "SELECT id, kind, record, raw, source_url, etag, fetched_at, changed_at "
            "FROM records WHERE id = ?",
            (rid,),
        ).fetchone()
    assert found is not None, rid
    return tuple(found)


def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy would answer for the unknown host itself; the tests ask the resolver."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


# -- item 1: a GitHub answer that is not a repository is a failed fetch ---------------------

TRLX_BODY = {
    "id": 545104023,
    "name": "trlx",
    "full_name": "CarperAI/trlx",
    "html_url": "https://github.com/CarperAI/trlx",
    "stargazers_count": 4700,
    "description": "A repo",
}


def body(**changes: Any) -> bytes:
    data = {k: v for k, v in {**TRLX_BODY, **changes}.items() if v is not ...}
    return json.dumps(data).encode()


# Each: the answer's bytes, and why it is not a repository (in the message).
JUNK: dict[str, tuple[bytes, str]] = {
    # The audit's case: bytes that are not UTF-8 became U+FFFD in the description,
    # and the stars, licence and last push (absent from the answer) were lost.
    "invalid-utf8": (
        b'{"id":1,"name":"trlx","full_name":"CarperAI/trlx",'
        b'"html_url":"https://github.com/CarperAI/trlx","description":"bad \xff\xfe bytes"}',
        "not UTF-8",
    ),
    "invalid-utf8-full-shape": (body(description="x").replace(b'"x"', b'"bad \xc3\x28"'), "not UTF-8"),
    "truncated-json": (b'{"id": 545104023, "full_name": "CarperAI/trlx", "name":', "not JSON"),
    "json-list": (b'["CarperAI/trlx"]', "JSON that is not an object"),
    "json-string": (b'"CarperAI/trlx"', "JSON that is not an object"),
    "nested-json": (nested_json(), "JSON nested too deep"),
    "html": (HTML, "an HTML page"),
    "empty": (b"", "an empty page"),
    # Shapes GitHub never sends: a record made from them would drop or garble facts.
    "no-star-count": (body(stargazers_count=...), "not a repository object"),
    "stars-as-text": (body(stargazers_count="4.7k"), "not a repository object"),
    "stars-negative": (body(stargazers_count=-1), "not a repository object"),
    "topics-as-text": (body(topics="rlhf"), "not a repository object"),
    "licence-as-text": (body(license="MIT"), "not a repository object"),
    "description-as-number": (body(description=12), "not a repository object"),
    "no-full-name": (body(full_name=...), "not a repository object"),
}


def github_junk(fakes: Fakes, data: bytes) -> None:
    fakes.server.fail(
        r"^/repos/",
        Response(200, data, {"Content-Type": "application/json", "ETag": 'W/"junk"'}),
        times=99,
    )


@pytest.mark.parametrize("case", JUNK)
def test_refresh_keeps_the_repository_record_when_github_sends_junk(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Bug: an answer that is not UTF-8 (or not a repository's shape) was decoded with
    replacement characters and stored over the good record, and refresh said
    "nothing changed" with exit 0."""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "1")
    add_sections(listdir)
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    before = row(listdir, TRLX)
    data, why = JUNK[case]
    github_junk(fakes, data)
    result = run("refresh", "--all")
    message = (
        f"GitHub's answer for {TRLX} is not a repository ({why}); "
        "check ALIGNFETCH_GITHUB_URL, or try again later."
    )
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Checked 1 entry: 1 failed.\n\nFailed (their last good data is kept):\n"
        f"- {TRLX}: {message}\n"
    )
    assert row(listdir, TRLX) == before
    shown = run("show", TRLX).stdout
    assert "\ufffd" not in shown and "Stars" in shown and "Licence" in shown


@pytest.mark.parametrize("case", ["invalid-utf8", "no-star-count", "truncated-json", "empty"])
def test_add_of_a_repository_github_answers_with_junk_writes_nothing(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Bug: `add` stored the junk record (with U+FFFD, without stars) and said it was added."""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "0")
    add_sections(listdir)
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0  # a cache to keep
    before = state(listdir)
    data, why = JUNK[case]
    github_junk(fakes, data)
    result = run("add", TRLX, "-s", "rlhf")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        f"alignfetch: GitHub's answer for {TRLX} is not a repository ({why}); "
        "check ALIGNFETCH_GITHUB_URL, or try again later.\n"
    )
    assert state(listdir) == before


def test_text_that_is_not_valid_unicode_is_a_failed_fetch(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug: JSON may escape half a surrogate pair ("\\ud800"); it parsed, was stored over the
    good record, and every later `show` of it died with UnicodeEncodeError."""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "0")
    add_sections(listdir)
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    before = row(listdir, TRLX)
    github_junk(fakes, body(description="bad \\ud800 half").replace(b"\\\\ud800", b"\\ud800"))
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert result.stdout == (
        "Checked 1 entry: 1 failed.\n\nFailed (their last good data is kept):\n"
        f"- {TRLX}: The answer for {TRLX} holds text that is not valid Unicode; "
        "it was not stored. Try again later.\n"
    )
    assert row(listdir, TRLX) == before
    assert run("show", TRLX).exit_code == 0


def test_a_good_answer_after_the_junk_is_stored_again(fakes: Fakes, listdir: Path) -> None:
    """The strict checks must not refuse GitHub's real answers (every recorded body)."""
    add_sections(listdir)
    for text in ("gh:CarperAI/trlx", "gh:PKU-Alignment/safe-rlhf", "gh:PyGithub/PyGithub"):
        result = run("add", text, "-s", "rlhf")
        assert result.exit_code == 0, result.stderr
    fakes.github.update("CarperAI/trlx", stargazers_count=9000)
    result = run("refresh", "--all")
    assert result.exit_code == 0, result.stdout
    assert "- gh:CarperAI/trlx: stars 4697 -> 9000 (+4303)" in result.stdout


# -- item 1: arXiv's Atom answers -------------------------------------------------------------


def feed(fakes: Fakes, *, prolog: bytes = b"", entry: bytes | None = None) -> bytes:
    """An arXiv API feed holding ``entry`` (the served 2305.01937 by default)."""
    head = (
        b'<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        b'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        b"<id>https://arxiv.org/api/x</id>"
        b"<opensearch:totalResults>1</opensearch:totalResults>"
        b"<opensearch:startIndex>0</opensearch:startIndex>"
        b"<opensearch:itemsPerPage>1</opensearch:itemsPerPage>"
    )
    return prolog + head + (entry or fakes.arxiv.entry("2305.01937")) + b"</feed>"


def laughs() -> bytes:
    defs = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE feed [{defs}]>\n'.encode()


def arxiv_junk(fakes: Fakes, case: str) -> tuple[bytes, str]:
    """The answer of each case, and the message that fails the paper (0 retries)."""
    entry = fakes.arxiv.entry("2305.01937")
    invalid = "arXiv's answer was not a valid feed ({}); try again later."
    if case == "latin-1-bytes":
        return feed(fakes, entry=entry.replace(b"<title>", b"<title>caf\xe9 ")), invalid.format(
            "broken XML"
        )
    if case in ("xxe-file", "xxe-http"):
        target = "file:///etc/passwd" if case == "xxe-file" else f"{fakes.server.url}/leak"
        prolog = f'<?xml version="1.0"?>\n<!DOCTYPE feed [<!ENTITY x SYSTEM "{target}">]>\n'
        title = entry.replace(b"<title>", b"<title>&x; ")
        return feed(fakes, prolog=prolog.encode(), entry=title), invalid.format(
            "a document with a DTD"
        )
    if case == "billion-laughs":
        title = entry.replace(b"<title>", b"<title>&lol9; ")
        return feed(fakes, prolog=laughs(), entry=title), invalid.format("broken XML")
    if case == "junk-xml":
        return b"<feed><entry>", invalid.format("broken XML")
    if case == "no-title":
        untitled = re.sub(rb"<title>.*?</title>", b"", entry, flags=re.S)
        return feed(fakes, entry=untitled), (
            "arXiv's entry for arxiv:2305.01937 has no title; try again later."
        )
    raise AssertionError(case)


ARXIV_JUNK = ["latin-1-bytes", "xxe-file", "xxe-http", "billion-laughs", "junk-xml", "no-title"]


@pytest.mark.parametrize("case", ARXIV_JUNK)
def test_refresh_keeps_the_paper_when_arxiv_sends_junk(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """Bug: a feed declaring an external entity in the title (XXE), or an entry without a
    title, gave a paper titled "" that replaced the good one; no entity may be expanded
    and no request made by the parser."""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "0")
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    before = row(listdir, PAPER)
    data, message = arxiv_junk(fakes, case)
    fakes.server.fail(r"^/api/query$", Response(200, data, {"Content-Type": "application/atom+xml"}), 99)
    result = run("refresh", "--all")
    assert (result.exit_code, result.stderr) == (1, "")
    assert result.stdout == (
        "Checked 1 entry: 1 failed.\n\nFailed (their last good data is kept):\n"
        f"- {PAPER}: {message}\n"
    )
    assert row(listdir, PAPER) == before
    assert fakes.server.requests("/leak") == []  # the parser reached no network


@pytest.mark.parametrize("case", ["xxe-http", "no-title", "billion-laughs"])
def test_add_of_a_paper_arxiv_answers_with_junk_writes_nothing(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "0")
    assert run("add", "2306.05685", "-s", "evaluation").exit_code == 0
    before = state(listdir)
    data, message = arxiv_junk(fakes, case)
    fakes.server.fail(r"^/api/query$", Response(200, data, {"Content-Type": "application/atom+xml"}), 99)
    result = run("add", "2305.01937", "-s", "evaluation")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", f"alignfetch: {message}\n")
    assert state(listdir) == before
    assert fakes.server.requests("/leak") == []


def test_a_long_unreadable_value_is_not_echoed_whole(fakes: Fakes) -> None:
    """Bug: a date arXiv's parser could not read was quoted whole in the error (100 KB)."""
    entry = fakes.arxiv.entry("2305.01937")
    bad = re.sub(rb"<published>.*?</published>", b"<published>" + b"x" * 100_000 + b"</published>", entry, flags=re.S)
    fakes.server.fail(r"^/api/query$", Response(200, feed(fakes, entry=bad)), 9)
    s = Settings(arxiv_url=f"{fakes.server.url}/api/query", arxiv_delay=0.0, retries=0)
    with pytest.raises(SourceError) as err:
        arxiv_source.fetch(["2305.01937"], s, {})
    assert len(str(err.value)) < 300, str(err.value)[:300]


# -- item 1: the shared failure path (pipeline.batch), for any source --------------------


class StubSource:
    """A source that misbehaves as a source module may: it raises what it should not,
    leaves keys without an answer, or answers one key with another's record. (Not a
    stand-in for alignfetch's code: it plays the part of a source behind the interface.)"""

    NAME = "Stub"
    PREFIX = "url"
    FORMS = ("stub",)

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def parse_id(self, text: str) -> str | None:
        return text

    def fetch(
        self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]:
        if self.behaviour == "raises":
            raise RecursionError("maximum recursion depth exceeded")
        out: dict[str, Outcome] = {}
        for i, key in enumerate(keys):
            if self.behaviour == "leaves-one-out" and i == 0:
                continue
            ident = keys[-1] if self.behaviour == "wrong-record" and i == 0 else key
            out[key] = Fetched(Link(id=f"url:{ident}", title=ident, url=ident), raw="", url=ident)
        return out


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        (
            "raises",
            "The Stub source could not read its answer for url:https://a.example/ "
            "(RecursionError); try again later.",
        ),
        ("leaves-one-out", "The Stub source gave no answer for url:https://a.example/; try again later."),
        (
            "wrong-record",
            "The Stub source answered url:https://a.example/ with the record of "
            "url:https://b.example/; try again later.",
        ),
    ],
)
def test_any_source_that_fails_a_key_fails_it_in_the_pipeline(behaviour: str, message: str) -> None:
    """Bug: a source raising anything but SourceError (the Hub's parser on deep JSON) ended in
    a traceback; a key it left out was counted as "nothing changed"; a record under another
    ID was written over that other ID's row."""
    keys = ["https://a.example/", "https://b.example/"]
    got = pipeline.batch(StubSource(behaviour), "url", keys, Settings(), lambda _ids: {})
    assert list(got) == [f"url:{k}" for k in keys]
    first = got["url:https://a.example/"]
    assert isinstance(first, SourceError) and first.message == message
    second = got["url:https://b.example/"]
    if behaviour == "raises":
        assert isinstance(second, SourceError)
    else:
        assert isinstance(second, Fetched) and second.record.id == "url:https://b.example/"


# -- item 14: a host name that does not resolve is not retried ------------------------------

NOWHERE = "http://api.nowhere.invalid"


def test_requests_to_an_unknown_host_make_one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug: a name that does not resolve was retried with back-off (16-19 s before failing)."""
    no_proxy(monkeypatch)
    pauses: list[float] = []
    policy = net.Policy(Settings(retries=4, backoff=30.0), "GitHub", sleep=pauses.append)
    with net_http._session(policy, "alignfetch-test") as s, pytest.raises(net.UnknownHost) as err:
        s.get(f"{NOWHERE}/repos/a/b")
    assert (err.value.attempts, err.value.reason, pauses) == (
        1,
        "unknown host api.nowhere.invalid",
        [],
    )


def test_the_hub_transport_makes_one_attempt_to_an_unknown_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_proxy(monkeypatch)
    pauses: list[float] = []
    policy = net.Policy(
        Settings(retries=4, backoff=30.0), "the Hugging Face Hub", sleep=pauses.append
    )
    with httpx2.Client(transport=net_http.transport(policy)) as client, pytest.raises(
        net.UnknownHost
    ) as err:
        client.get("http://hub.nowhere.invalid/api/datasets/a/b")
    assert (err.value.attempts, err.value.reason, pauses) == (
        1,
        "unknown host hub.nowhere.invalid",
        [],
    )


def test_a_refused_connection_is_still_retried() -> None:
    """The other side of it: a host that resolves but does not answer may come back."""
    pauses: list[float] = []
    policy = net.Policy(Settings(retries=2, backoff=0.0), "GitHub", sleep=pauses.append)
    with net_http._session(policy, "alignfetch-test") as s, pytest.raises(net.Unreachable) as err:
        s.get("http://127.0.0.1:9/")
    assert not isinstance(err.value, net.UnknownHost)
    assert (err.value.attempts, len(pauses)) == (3, 2)


def test_add_with_an_unknown_arxiv_host_fails_at_once_naming_it(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    no_proxy(monkeypatch)
    monkeypatch.setenv("ALIGNFETCH_ARXIV_URL", "http://export.nowhere.invalid/api/query")
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "4")
    caplog.set_level(logging.INFO, logger="alignfetch")
    before = state(listdir)
    result = run("add", "2305.01937", "-s", "evaluation")
    # No " after N attempts": there was one.
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "alignfetch: arXiv could not be reached at http://export.nowhere.invalid/api/query "
        "(unknown host export.nowhere.invalid); check the network or ALIGNFETCH_ARXIV_URL.\n",
    )
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]
    assert state(listdir) == before


def test_refresh_with_an_unknown_github_host_fails_at_once_naming_it(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    add_sections(listdir)
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    before = row(listdir, TRLX)
    no_proxy(monkeypatch)
    monkeypatch.setenv("ALIGNFETCH_GITHUB_URL", NOWHERE)
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "4")
    caplog.set_level(logging.INFO, logger="alignfetch")
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert result.stdout.endswith(
        f"- {TRLX}: GitHub could not be reached at {NOWHERE} (unknown host api.nowhere.invalid); "
        "check the network or ALIGNFETCH_GITHUB_URL.\n"
    )
    assert not [r for r in caplog.records if "retrying" in r.getMessage()]
    assert row(listdir, TRLX) == before


# -- item 16b: a rate limit stops the batch: later chunks are not requested ---------------


def write_papers(folder: Path, keys: list[str]) -> None:
    doc = tomlkit.parse((folder / "entries.toml").read_text())
    aot = tomlkit.aot()
    for key in keys:
        t = tomlkit.table()
        t["id"] = key
        t["section"] = "evaluation"
        aot.append(t)
    doc["entries"] = aot
    (folder / "entries.toml").write_text(tomlkit.dumps(doc))


def limit_after(
    fakes: Fakes, route: str, answered: int, limited: Response, method: str = "GET"
) -> None:
    """``route`` answers normally ``answered`` times, then with ``limited`` for ever."""
    handler = next(h for m, p, h in fakes.server.routes if p.pattern == route and m == method)
    count = [0]

    def answer(req: Request, m: re.Match[str]) -> Response:
        count[0] += 1
        return handler(req, m) if count[0] <= answered else limited

    fakes.server.routes.insert(0, (method, re.compile(route), answer))


@pytest.mark.parametrize("answered", [0, 1])
def test_an_arxiv_rate_limit_stops_the_later_chunks(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, answered: int
) -> None:
    """Bug (planted, unnoticed): after arXiv rate-limited one chunk of 100 IDs, the later
    chunks were still requested, each refused again and each spending the retries.
    (Issue 23: a chunk is 2,000 IDs, one POST; three chunks take 4,250 papers.)"""
    monkeypatch.setenv("ALIGNFETCH_RETRIES", "1")
    template = fakes.arxiv.entry("2305.01937").decode()
    keys = [f"2301.{n:05d}" for n in range(1, 4251)]
    for key in keys:
        fakes.arxiv.put(template.replace("2305.01937", key))
    write_papers(listdir, [f"arxiv:{k}" for k in keys])
    limited = Response(429, "Rate exceeded.", {"Retry-After": "0"})
    limit_after(fakes, r"/api/query", answered, limited, method="POST")
    result = run("refresh", "--all")
    assert result.exit_code == 1
    # The chunks answered, then the limited chunk's two attempts; nothing after it.
    assert fakes.arxiv_requests() == answered + 2
    failed = 4250 - 2000 * answered
    assert f"{failed} failed" in result.stdout.splitlines()[0]


def test_a_github_rate_limit_stops_the_later_chunks(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub is asked in chunks of 25 repositories; once its limit is spent (the 25th
    request), none of the next chunk's repositories may be asked for."""
    names = [f"owner{n}/repo{n}" for n in range(30)]
    for n, name in enumerate(names):
        fakes.github.put(
            {
                **TRLX_BODY,
                "id": 10_000 + n,
                "full_name": name,
                "name": name.split("/")[1],
                "html_url": f"https://github.com/{name}",
            }
        )
    write_papers(listdir, [f"gh:{name}" for name in names])
    fakes.github.rate_limit(24)
    result = run("refresh", "--all")
    assert result.exit_code == 1
    assert fakes.github_requests() == 25
    assert result.stdout.startswith("Checked 30 entries: 24 fetched for the first time, 6 failed.")


def test_a_rate_limit_in_one_chunk_fails_the_rest_without_asking() -> None:
    """The pipeline's own rule, for any source: after a RateLimitError, no more fetches."""

    class Limited:
        NAME, PREFIX, FORMS = "Limited", "url", ("x",)
        calls: list[list[str]] = []

        def parse_id(self, text: str) -> str | None:
            return text

        def fetch(
            self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
        ) -> dict[str, Outcome]:
            self.calls.append(list(keys))
            err = RateLimitError("Limited is limiting requests.", source="Limited")
            return {k: err for k in keys}

    source = Limited()
    keys = [f"https://e{n}.example/" for n in range(60)]
    got = pipeline.batch(source, "url", keys, Settings(), lambda _ids: {})
    assert len(source.calls) == 1
    assert all(isinstance(o, RateLimitError) for o in got.values()) and len(got) == 60


# -- every request: a timeout, a size cap, a User-Agent naming alignfetch -------------------


def test_github_and_arxiv_requests_name_alignfetch(fakes: Fakes, listdir: Path) -> None:
    add_sections(listdir)
    assert run("add", TRLX, "-s", "rlhf").exit_code == 0
    assert run("add", "2305.01937", "-s", "evaluation").exit_code == 0
    sent = fakes.server.requests(r"^/(repos|api/query)")
    assert sent and all(r.headers.get("User-Agent", "").startswith("alignfetch") for r in sent)


def test_the_size_cap_holds_for_github(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    fakes.server.fail(r"^/repos/", Response(200, b'{"a": "', stream=5_000_000), 9)
    s = Settings(github_url=fakes.server.url, retries=0, max_bytes=100_000)
    got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
    assert isinstance(got, SourceError) and "larger than ALIGNFETCH_MAX_BYTES" in got.message


def test_repo_record_from_a_real_answer_is_unchanged_by_the_shape_check() -> None:
    data = json.loads(
        (Path(__file__).parent / "data" / "reference" / "github" / "repos_CarperAI_trlx.body.json")
        .read_text(encoding="utf-8")
    )
    record = github_source.convert(data, "CarperAI/trlx")
    assert isinstance(record, Repo) and record.stars == data["stargazers_count"]
