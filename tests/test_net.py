"""The one retry-and-deadline policy (alignfetch.net), the settings it reads, and the
sources' use of it: Retry-After, the wait cap, retry talk, the pacer, the size cap,
the Hub's token, and the one private hook alignfetch still needs (arxiv's session)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alignfetch.config import Settings
from alignfetch.errors import InputError, RateLimitError, SourceError
from alignfetch.http import client as http_client
from alignfetch.http import policy as net
from alignfetch.sources import Fetched, hf_datasets, hf_papers
from alignfetch.sources import arxiv as arxiv_source
from alignfetch.sources import github as github_source
from conftest import Fakes, run, state
from fakes.server import Response

HF_TOKEN = "hf_TestOnlyNotARealToken0123456789abcdef"


def settings(fakes: Fakes, **kw: object) -> Settings:
    base: dict[str, object] = dict(
        hf_endpoint=fakes.server.url,
        github_url=fakes.server.url,
        arxiv_url=f"{fakes.server.url}/api/query",
        timeout=2.0,
        retries=2,
        backoff=0.0,
        arxiv_delay=0.0,
    )
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


# -- Retry-After and its cap ---------------------------------------------------------


def test_the_hub_waits_as_long_as_retry_after_says(fakes: Fakes) -> None:
    fakes.server.fail(
        "/api/datasets/", Response(429, '{"error":"slow down"}', {"Retry-After": "1"})
    )
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes), {})["Anthropic/hh-rlhf"]
    assert isinstance(got, Fetched)
    first, second = fakes.server.requests("^/api/datasets/")
    assert second.at - first.at >= 0.95


def test_a_retry_after_beyond_the_cap_is_not_waited_for(fakes: Fakes) -> None:
    fakes.server.fail("/api/datasets/", Response(503, "busy", {"Retry-After": "3"}), times=9)
    start = time.monotonic()
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], settings(fakes, max_wait=2.0), {})
    err = got["Anthropic/hh-rlhf"]
    assert time.monotonic() - start < 1.5
    assert isinstance(err, RateLimitError) and err.status == 503
    assert str(err) == (
        "The Hugging Face Hub asks to wait 3 seconds (HTTP 503) for hf:Anthropic/hh-rlhf, "
        "longer than ALIGNFETCH_MAX_WAIT (2 seconds); try again later."
    )
    assert len(fakes.server.requests("^/api/datasets/")) == 1


def test_a_retry_after_date_is_honoured_as_seconds() -> None:
    from email.utils import formatdate

    assert net.retry_after({"Retry-After": "7"}) == 7.0
    later = net.retry_after({"retry-after": formatdate(time.time() + 30, usegmt=True)})
    assert later is not None and 27 <= later <= 30
    assert net.retry_after({"Retry-After": "soon"}) is None
    assert net.retry_after({}) is None


def test_arxiv_is_paced_even_when_retry_after_says_zero(fakes: Fakes) -> None:
    fakes.server.fail("/api/query", Response(503, "busy", {"Retry-After": "0"}))
    arxiv_source.fetch(["2305.01937"], settings(fakes, arxiv_delay=0.5), {})
    first, second = fakes.server.requests("^/api/query$")
    assert second.at - first.at >= 0.45


def test_the_pacer_spaces_requests_from_the_end_of_the_last() -> None:
    pacer = net.IntervalPacer(0.3)
    pacer.wait()
    pacer.mark()
    start = time.monotonic()
    pacer.wait()
    pacer.mark()
    assert time.monotonic() - start >= 0.28
    assert net.pacer("arxiv", 0.3) is net.pacer("arxiv", 0.3)  # one per process


# -- retry talk ----------------------------------------------------------------------


def test_each_retry_is_said_with_its_wait_and_count(
    fakes: Fakes, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alignfetch")
    fakes.server.fail("/api/query", Response(503, "busy"), times=2)
    got = arxiv_source.fetch(["2305.01937"], settings(fakes, backoff=0.01, retries=3), {})
    assert isinstance(got["2305.01937"], Fetched)
    assert [r.getMessage() for r in caplog.records] == [
        "arXiv answered HTTP 503; retrying in 0.01 s (1/3).",
        "arXiv answered HTTP 503; retrying in 0.02 s (2/3).",
    ]


def test_github_connection_errors_are_retried_and_said(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="alignfetch")
    s = Settings(github_url="http://127.0.0.1:9", retries=2, backoff=0.0)
    got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
    assert isinstance(got, SourceError)
    assert str(got) == (
        "GitHub could not be reached at http://127.0.0.1:9 (connection refused); "
        "check the network or ALIGNFETCH_GITHUB_URL."
    )
    assert [r.getMessage() for r in caplog.records] == [
        "GitHub did not answer; retrying in 0 s (1/2).",
        "GitHub did not answer; retrying in 0 s (2/2).",
    ]


def test_a_timeout_is_not_retried(fakes: Fakes) -> None:
    fakes.server.fail("^/repos/", Response(200, "{}", delay=1.0), times=9)
    got = github_source.fetch(["CarperAI/trlx"], settings(fakes, timeout=0.3), {})
    assert isinstance(got["CarperAI/trlx"], SourceError)
    assert len(fakes.server.requests("^/repos/")) == 1


# -- deadlines and size --------------------------------------------------------------


def test_a_trickled_answer_ends_within_twice_the_timeout(fakes: Fakes, listdir: Path) -> None:
    """A real process against a server sending a valid feed one byte every 20 ms (40 s)."""
    body = fakes.arxiv.entry("2305.01937")
    fakes.server.fail("/api/query", Response(200, body * 1, trickle=0.02), times=9)
    before = state(listdir)
    env = dict(os.environ, ALIGNFETCH_TIMEOUT="1", ALIGNFETCH_RETRIES="3")
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "alignfetch", "add", "2305.01937", "-s", "safety"],
        cwd=listdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    took = time.monotonic() - start
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        "alignfetch: arXiv did not answer within 1 seconds; try again later or raise "
        "ALIGNFETCH_TIMEOUT.\n",
    )
    assert len(fakes.server.requests("^/api/query$")) == 1  # a timeout is not retried
    assert took < 2 * 1 + 4  # twice the timeout, and the interpreter's start
    assert state(listdir) == before


def test_a_body_past_the_cap_is_not_read_whole(fakes: Fakes) -> None:
    fakes.server.fail("^/repos/", Response(200, b"{", stream=500_000_000), times=9)
    start = time.monotonic()
    got = github_source.fetch(["CarperAI/trlx"], settings(fakes, max_bytes=100_000), {})
    assert time.monotonic() - start < 5  # 500 MB would take far longer
    assert str(got["CarperAI/trlx"]) == (
        "GitHub's answer for gh:CarperAI/trlx was larger than ALIGNFETCH_MAX_BYTES "
        "(100000 bytes) and was not read; try again later."
    )


def test_a_gzip_bomb_is_stopped_at_the_cap(fakes: Fakes) -> None:
    import gzip

    bomb = gzip.compress(b'{"a": "' + b"x" * 5_000_000 + b'"}')
    fakes.server.fail("/api/papers/", Response(200, bomb, {"Content-Encoding": "gzip"}), times=9)
    got = hf_papers.fetch(["2305.16960"], settings(fakes, max_bytes=100_000), {})["2305.16960"]
    assert str(got) == (
        "The Hugging Face Hub's answer for arxiv:2305.16960 was larger than ALIGNFETCH_MAX_BYTES "
        "(100000 bytes) and was not read; try again later."
    )


def test_a_real_gzip_answer_is_read(fakes: Fakes) -> None:
    import gzip
    import json

    body = json.dumps(fakes.hub.papers["2305.16960"]).encode()
    fakes.server.fail(
        "/api/papers/", Response(200, gzip.compress(body), {"Content-Encoding": "gzip"})
    )
    got = hf_papers.fetch(["2305.16960"], settings(fakes), {})["2305.16960"]
    assert isinstance(got, Fetched) and got.record.url == "https://huggingface.co/papers/2305.16960"


# -- the Hub's token -----------------------------------------------------------------


def test_hub_answers_are_stored_without_the_token(fakes: Fakes) -> None:
    fakes.hub.datasets["anthropic/hh-rlhf"]["description"] = f"echo {HF_TOKEN} echo"
    fakes.hub.cards["anthropic/hh-rlhf"] = f"# Summary\n\nLeaked {HF_TOKEN} here.\n"
    fakes.hub.papers["2305.16960"]["summary"] = f"and {HF_TOKEN}"
    s = settings(fakes, hf_token=HF_TOKEN)
    got = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, {})["Anthropic/hh-rlhf"]
    page = hf_papers.fetch(["2305.16960"], s, {})["2305.16960"]
    assert isinstance(got, Fetched) and isinstance(page, Fetched)
    assert HF_TOKEN not in got.raw and "echo [HF_TOKEN] echo" in got.raw
    assert got.record.summary == "Leaked [HF_TOKEN] here."  # type: ignore[union-attr]
    assert HF_TOKEN not in page.raw and "and [HF_TOKEN]" in page.raw
    sent = fakes.server.requests("^/api/datasets/")[0].headers
    assert sent["authorization"] == f"Bearer {HF_TOKEN}"


# -- settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        (
            "HF_ENDPOINT",
            "huggingface.co",
            "HF_ENDPOINT must be an http(s) URL with a host, such "
            "as https://huggingface.co, not 'huggingface.co'.",
        ),
        (
            "HF_ENDPOINT",
            "ftp://huggingface.co",
            "HF_ENDPOINT must be an http(s) URL with a host, "
            "such as https://huggingface.co, not 'ftp://huggingface.co'.",
        ),
        (
            "ALIGNFETCH_ARXIV_URL",
            "http:///api/query",
            "ALIGNFETCH_ARXIV_URL must be an http(s) "
            "URL with a host, such as https://export.arxiv.org/api/query, not 'http:///api/query'.",
        ),
        (
            "ALIGNFETCH_GITHUB_URL",
            "https://api.github.com:port",
            "ALIGNFETCH_GITHUB_URL must be "
            "an http(s) URL with a host, such as https://api.github.com, not "
            "'https://api.github.com:port'.",
        ),
        (
            "ALIGNFETCH_MAX_BYTES",
            "20MB",
            "ALIGNFETCH_MAX_BYTES must be a whole number of bytes, not '20MB'.",
        ),
        (
            "ALIGNFETCH_MAX_BYTES",
            "10",
            "ALIGNFETCH_MAX_BYTES must be at least 1024 bytes, not '10'.",
        ),
        (
            "ALIGNFETCH_MAX_WAIT",
            "-1",
            "ALIGNFETCH_MAX_WAIT must be 0 or more and at most 86400 seconds, not '-1'.",
        ),
    ],
)
def test_a_bad_setting_is_one_sentence(
    fakes: Fakes, listdir: Path, monkeypatch: pytest.MonkeyPatch, var: str, value: str, message: str
) -> None:
    monkeypatch.setenv(var, value)
    before = state(listdir)
    result = run("add", "2305.01937", "-s", "safety")
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"alignfetch: {message}\n")
    assert state(listdir) == before and fakes.server.log == []


def test_settings_defaults_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ALIGNFETCH_MAX_BYTES", "ALIGNFETCH_MAX_WAIT", "HF_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    s = Settings.from_env()
    assert (s.max_bytes, s.max_wait, s.hf_endpoint) == (20_000_000, 60.0, "https://huggingface.co")
    monkeypatch.setenv("ALIGNFETCH_MAX_BYTES", "5000")
    monkeypatch.setenv("ALIGNFETCH_MAX_WAIT", "7")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:8080/")
    s = Settings.from_env()
    assert (s.max_bytes, s.max_wait, s.hf_endpoint) == (5000, 7.0, "http://127.0.0.1:8080")
    with pytest.raises(InputError):
        monkeypatch.setenv("HF_ENDPOINT", "http://")
        Settings.from_env()


# -- the private hook ----------------------------------------------------------------


def test_arxiv_clients_still_send_through_their_session_attribute(fakes: Fakes) -> None:
    """arxiv.Client takes no session; alignfetch sets its ``_session`` (arxiv>=4,<5).
    Should a release rename it, this fails before any user meets unpaced requests."""
    import arxiv
    import requests

    client = arxiv.Client(num_retries=0, delay_seconds=0)
    assert isinstance(client._session, requests.Session)
    client._session = http_client.session(settings(fakes), "arXiv")
    client.query_url_format = f"{fakes.server.url}/api/query?{{}}"
    (result,) = client.results(arxiv.Search(id_list=["2305.01937"]))
    assert result.entry_id.startswith("http://arxiv.org/abs/2305.01937")
    (req,) = fakes.server.requests("^/api/query$")
    assert req.headers["User-Agent"] == Settings().user_agent  # ours, not the package's


def test_on_a_terminal_the_cli_says_each_retry(fakes: Fakes, listdir: Path) -> None:
    """stderr a terminal (a pty): the talk of each retry comes before the final sentence."""
    import pty

    fakes.server.fail("/api/query", Response(503, "busy"), times=9)
    master, slave = pty.openpty()
    env = dict(os.environ, ALIGNFETCH_RETRIES="2")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "alignfetch", "add", "2305.01937", "-s", "safety"],
            cwd=listdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=60,
        )
    finally:
        os.close(slave)
    said = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the pty's other end is closed and drained
            break
        if not chunk:
            break
        said += chunk
    os.close(master)
    assert done.returncode == 1
    assert said.decode().replace("\r\n", "\n") == (
        "alignfetch: warning: arXiv answered HTTP 503; retrying in 0 s (1/2).\n"
        "alignfetch: warning: arXiv answered HTTP 503; retrying in 0 s (2/2).\n"
        "alignfetch: arXiv is unavailable (HTTP 503) after 3 attempts; wait a few minutes and "
        "try again.\n"
    )


@pytest.mark.parametrize("route", ["github", "hub"])
def test_trickled_headers_cannot_outlive_twice_the_timeout(fakes: Fakes, route: str) -> None:
    """Every byte comes well within the per-read timeout, but the headers never end."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 4000
    pattern = "^/repos/" if route == "github" else "^/api/datasets/"
    fakes.server.fail(pattern, Response(raw=head, trickle=0.005), times=9)
    s = settings(fakes, timeout=0.5)
    start = time.monotonic()
    if route == "github":
        got = github_source.fetch(["CarperAI/trlx"], s, {})["CarperAI/trlx"]
        expected = (
            "GitHub did not answer within 0.5 seconds; try again later or raise ALIGNFETCH_TIMEOUT."
        )
    else:
        got = hf_datasets.fetch(["Anthropic/hh-rlhf"], s, {})["Anthropic/hh-rlhf"]
        expected = (
            "The Hugging Face Hub did not answer within 0.5 seconds for "
            "hf:Anthropic/hh-rlhf; try again later or raise ALIGNFETCH_TIMEOUT."
        )
    took = time.monotonic() - start
    assert str(got) == expected
    assert took < 2 * 0.5 + 0.5  # the headers alone would take 20 s
    assert len(fakes.server.requests(pattern)) == 1
