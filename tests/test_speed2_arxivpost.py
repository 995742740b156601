"""Issue 23, arXiv by POST: 2,000 IDs a request, and GET batches of 100 when POST is refused.

Counts of requests to the fake arXiv (tests/fakes/arxiv.py), never timings. The fake
serves POST /api/query as the real API does (the form body read as the query string;
at most 2,000 results a request, more refused) and can refuse every POST (405, 414).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alignfetch import Workspace
from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, RateLimitError, SourceError
from alignfetch.sources import Fetched
from alignfetch.sources import arxiv as source
from conftest import Fakes, run
from fakes.arxiv import RATE_EXCEEDED, UNAVAILABLE, FakeArxiv
from fakes.server import FakeServer, Request, Response

HERE = Path(__file__).parent
FEED = HERE / "data" / "arxiv" / "001.xml"
NO_GRAPH = "\n[sources]\nsemantic_scholar = false\nopenalex = false\nweb_pages = false\n"


def settings(server: FakeServer) -> Settings:
    return Settings(
        arxiv_url=f"{server.url}/api/query", arxiv_delay=0.0, backoff=0.0, timeout=5.0, retries=2
    )


def papers(arxiv: FakeArxiv, count: int, month: str = "2301") -> list[str]:
    """``count`` new papers served by ``arxiv`` (copies of 1605.08386), their keys."""
    template = arxiv.entry("1605.08386").decode()
    keys = [f"{month}.{n:05d}" for n in range(1, count + 1)]
    for key in keys:
        arxiv.put(template.replace("1605.08386", key))
    return keys


def asked(requests: list[Request]) -> list[tuple[str, int]]:
    """Each request's method and number of IDs."""
    return [(r.method, len(r.arg("id_list").split(","))) for r in requests]


def arxiv_log(server: FakeServer) -> list[Request]:
    return server.requests(r"^/api/query$")


# Catches: the IDs still sent in the URL (a GET, or a POST with a query string), a body
# not form-encoded (arXiv would read no id_list and answer nothing), max_results left out.
def test_ids_go_in_a_form_body(server: FakeServer) -> None:
    arxiv = FakeArxiv(server, [FEED])
    keys = papers(arxiv, 3)
    got = source.fetch(keys, settings(server), {})
    assert all(isinstance(got[k], Fetched) for k in keys)
    (req,) = arxiv_log(server)
    assert req.method == "POST" and req.query == {}
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    form = req.form()
    assert form["id_list"] == [",".join(keys)] and form["max_results"] == ["2000"]
    assert req.headers["User-Agent"].startswith("alignfetch/")


# Catches: a batch above arXiv's slice (the fake, like arXiv, refuses max_results > 2,000,
# and a longer id_list would be paged through 2,000 at a time), or no chunking at all.
def test_4500_ids_are_three_requests_of_at_most_2000(server: FakeServer) -> None:
    arxiv = FakeArxiv(server, [FEED])
    keys = papers(arxiv, 4500)
    got = source.fetch(keys, settings(server), {})
    assert all(isinstance(got[k], Fetched) for k in keys)
    assert asked(arxiv_log(server)) == [("POST", 2000), ("POST", 2000), ("POST", 500)]
    # Each paper's source URL is its own query, not the 2,000-ID form.
    assert got[keys[0]].url == f"{server.url}/api/query?id_list={keys[0]}"


# Catches: the answer mapped to the IDs by position (arXiv drops an unknown ID, so every
# paper after it would get its neighbour's record) and a missing ID failing its batch.
def test_a_missing_id_fails_alone_and_is_asked_once_more(server: FakeServer) -> None:
    arxiv = FakeArxiv(server, [FEED])
    keys = papers(arxiv, 1500)
    wanted = [*keys[:700], "2301.99999", *keys[700:]]
    got = source.fetch(wanted, settings(server), {})
    assert isinstance(got["2301.99999"], NotFoundError)
    assert all(got[k].record.id == f"arxiv:{k}" for k in keys)  # type: ignore[union-attr]
    assert asked(arxiv_log(server)) == [("POST", 1501), ("POST", 1)]


# Catches: a 429 or 5xx taken for a refusal of POST (the run would fall back to 20 times
# as many requests at the first busy minute) instead of being retried and failed as ever.
@pytest.mark.parametrize("fault", [RATE_EXCEEDED, UNAVAILABLE], ids=["429", "503"])
def test_a_busy_arxiv_is_retried_not_a_refusal(server: FakeServer, fault: object) -> None:
    arxiv = FakeArxiv(server, [FEED])
    keys = papers(arxiv, 150)
    server.fail("/api/query", fault, times=1)  # type: ignore[arg-type]
    got = source.fetch(keys, settings(server), {})
    assert all(isinstance(got[k], Fetched) for k in keys)
    assert asked(arxiv_log(server)) == [("POST", 150), ("POST", 150)]
    server.log.clear()
    server.fail("/api/query", fault, times=3)  # type: ignore[arg-type]
    with pytest.raises(RateLimitError):
        source.fetch(keys, settings(server), {})
    assert [r.method for r in arxiv_log(server)] == ["POST"] * 3


# Catches: a malformed ID's HTTP 400 (arXiv's answer about the IDs) taken for a refusal of
# POST, which would ask every paper again by GET to get the same 400.
def test_a_400_is_no_refusal(server: FakeServer) -> None:
    FakeArxiv(server, [FEED])
    with pytest.raises(SourceError) as err:
        source.fetch(["1605.08386", "2301.001"], settings(server), {})
    assert err.value.status == 400 and "malformed" in str(err.value)
    assert [r.method for r in arxiv_log(server)] == ["POST"]


# Catches: a refused POST failing the papers, the fallback asking GET batches above 100
# (arXiv answers a longer URL with 414), or POST tried again for each chunk.
@pytest.mark.parametrize("status", [405, 414])
def test_a_refused_post_falls_back_to_gets_of_100(server: FakeServer, status: int) -> None:
    arxiv = FakeArxiv(server, [FEED])
    arxiv.refuse_post = status
    keys = papers(arxiv, 4250)
    with source.run() as state:
        got = source.fetch(keys[:2000], settings(server), {})
        got.update(source.fetch(keys[2000:], settings(server), {}))
    assert all(isinstance(got[k], Fetched) for k in keys)
    assert asked(arxiv_log(server)) == [("POST", 2000)] + [("GET", 100)] * 42 + [("GET", 50)]
    assert state.note is not None and f"HTTP {status}" in state.note
    assert all(r.arg("max_results") == "100" for r in arxiv_log(server)[1:])


def paper_list(folder: Path, keys: list[str]) -> None:
    text = (folder / "entries.toml").read_text(encoding="utf-8") + NO_GRAPH
    text += "".join(f'\n[[entries]]\nid = "arxiv:{k}"\nsection = "papers"\n' for k in keys)
    (folder / "entries.toml").write_text(text, encoding="utf-8")


# Issue 23's first goal. Catches: the pipeline still chunking arXiv's keys by 100 (25
# requests), or a chunk of 2,000 split again by the source.
def test_2500_papers_in_one_add_cost_2_requests(fakes: Fakes, listdir: Path) -> None:
    keys = papers(fakes.arxiv, 2500, "2302")
    result = run("-q", "add", "--section", "papers", *keys)
    assert result.exit_code == 0, result.output
    assert asked(arxiv_log(fakes.server)) == [("POST", 2000), ("POST", 500)]


# Issue 23's second goal. Catches the same in refresh, and a cold cache asking twice.
def test_10000_papers_in_a_cold_refresh_cost_5_requests(fakes: Fakes, listdir: Path) -> None:
    keys = papers(fakes.arxiv, 10000, "2303")
    paper_list(listdir, keys)
    report = Workspace(listdir / "entries.toml").refresh(everything=True)
    assert not report.failures
    assert asked(arxiv_log(fakes.server)) == [("POST", 2000)] * 5


# Catches: the fallback note missing (a nightly job slowed twentyfold, silently), given
# once per chunk or per paper, or the papers failing instead of being fetched by GET.
def test_a_refused_post_in_refresh_is_one_warning(fakes: Fakes, listdir: Path) -> None:
    keys = papers(fakes.arxiv, 2100, "2304")
    paper_list(listdir, keys)
    fakes.arxiv.refuse_post = 405
    report = Workspace(listdir / "entries.toml").refresh(everything=True)
    assert not report.failures
    assert asked(arxiv_log(fakes.server)) == [("POST", 2000)] + [("GET", 100)] * 21
    notes = [m for m in report.warnings.values() if "POST" in m]
    assert len(notes) == 1 and "HTTP 405" in notes[0]
    assert "arxiv" in report.warnings
    # The next run tries POST again (arXiv or a proxy may have changed its mind).
    fakes.arxiv.refuse_post = None
    fakes.server.log.clear()
    report = Workspace(listdir / "entries.toml").refresh(everything=True)
    assert asked(arxiv_log(fakes.server)) == [("POST", 2000), ("POST", 100)]
    assert not any("POST" in m for m in report.warnings.values())


# The fake server's POST (tests/fakes/server.py). Catches: a body left unread when a fault
# answers (the next request on the keep-alive connection would be read from its bytes),
# faults or the log skipping POSTs, and form() reading a JSON body as a form.
def test_the_fake_server_serves_post_like_get(server: FakeServer) -> None:
    import json

    import requests

    seen: list[Request] = []

    def echo(req: Request, _m: object) -> Response:
        seen.append(req)
        return Response(200, req.body)

    server.route("POST", r"/echo", echo)  # type: ignore[arg-type]
    server.fail("/echo", UNAVAILABLE, times=1)
    with requests.Session() as s:
        first = s.post(f"{server.url}/echo", data={"id_list": "a,b", "max_results": "2"})
        second = s.post(f"{server.url}/echo?x=1", data={"id_list": "c"})
        third = s.post(f"{server.url}/echo", json={"ids": ["d"]})
        assert s.get(f"{server.url}/echo").status_code == 404  # a POST route is no GET one
    assert first.status_code == 503 and second.status_code == 200 and third.status_code == 200
    assert second.content == b"id_list=c"
    assert seen[0].form() == {"id_list": ["c"]} and seen[0].arg("x") == "1"
    assert seen[0].arg("id_list") == "c"  # a parameter from the query or the form
    assert json.loads(seen[1].body) == {"ids": ["d"]} and seen[1].form() == {}
    assert [r.method for r in server.requests("/echo")] == ["POST", "POST", "POST", "GET"]
    assert server.requests("/echo")[0].body == b"id_list=a%2Cb&max_results=2"


# Catches: a redirected POST taken at its word, when requests followed it as a GET to the
# new address without the form: arXiv answers that with an empty feed, and every paper
# of the batch would be missing and asked again, or reported as not existing.
def test_a_redirected_post_falls_back_to_get(server: FakeServer) -> None:
    arxiv = FakeArxiv(server, [FEED])
    keys = papers(arxiv, 150)
    moved = Response(301, "", {"Location": f"{server.url}/api/query?moved=1"})
    server.fail("/api/query", moved, times=1)
    with source.run() as state:
        got = source.fetch(keys, settings(server), {})
    assert all(isinstance(got[k], Fetched) for k in keys)
    log = arxiv_log(server)
    assert log[1].query == {"moved": ["1"]}  # requests' GET to the new address, no IDs
    assert asked(log) == [("POST", 150), ("GET", 1), ("GET", 100), ("GET", 50)]
    assert state.note is not None and "HTTP 301" in state.note
