# ruff: noqa: E501 (the goldens are the tool's lines, as long as they come)
"""The ``link`` rule of `alignfetch check`: web links asked over HTTP, against tests/fakes/web.py.

Expected findings are read off the README below and the fake's routes by hand:
line 6 answers 404, line 7 410, line 8 500, line 11 redirects to a 404, line 13
names a port nothing listens on, line 14 is a paper's project link that answers
404. Lines 5 (200), 9 (405 to HEAD, 200 to GET), 10 (two redirects to a 200)
and 12 (a redirect to ftp://, not followed) make no finding; the badge of line
14 (a 500 if asked) is an image, never asked; arXiv, GitHub and Hub links are
their sources' business, never asked as web pages.
"""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alignfetch.lint.links import cache_id, cached, check_links
from alignfetch.workspace import Workspace
from conftest import Fakes, run, state
from fakes.web import FakeWeb

README = """\
# Links

## Pages

- [Good page]({u}/page/ok) - fine.
- [Missing page]({u}/page/missing) - gone.
- [Removed]({u}/page/removed) - gone for good.
- [Broken]({u}/page/broken) - a server error.
- [No HEAD]({u}/page/no-head) - GET only.
- [Moved]({u}/page/moved) - two redirects to a good page.
- [Moved away]({u}/page/moved-away) - a redirect to a missing page.
- [To FTP]({u}/page/to-ftp) - a redirect to ftp.
- [Nowhere]({dead}/x) - nothing listens.
- [Paper](https://arxiv.org/abs/2305.01937) - [[project]({u}/page/missing)] ![badge]({u}/page/badge.svg)
"""


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.fixture
def web(fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    monkeypatch.chdir(tmp_path)
    return FakeWeb(fakes.server)


def _readme(fakes: Fakes, here: Path) -> str:
    dead = _closed_port()
    (here / "README.md").write_text(README.format(u=fakes.server.url, dead=dead), encoding="utf-8")
    return dead


def _page_requests(fakes: Fakes) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fakes.server.log if r.path.startswith("/page/")]


def test_broken_links_are_warnings_that_name_the_status(
    fakes: Fakes, web: FakeWeb, tmp_path: Path
) -> None:
    dead = _readme(fakes, tmp_path)
    u = fakes.server.url
    r = run("check", "--format", "json", "README.md")
    assert r.exit_code == 0  # warnings only
    assert r.stderr == ""
    doc = json.loads(r.stdout)
    assert [
        (f["rule"], f["severity"], f["id"], f["line"], f["message"], f["found"])
        for f in doc["findings"]
    ] == [
        (
            "link",
            "warning",
            f"url:{u}/page/missing",
            6,
            f"The link {u}/page/missing answered HTTP 404.",
            f"{u}/page/missing",
        ),
        (
            "link",
            "warning",
            f"url:{u}/page/removed",
            7,
            f"The link {u}/page/removed answered HTTP 410.",
            f"{u}/page/removed",
        ),
        (
            "link",
            "warning",
            f"url:{u}/page/broken",
            8,
            f"The link {u}/page/broken answered HTTP 500.",
            f"{u}/page/broken",
        ),
        (
            "link",
            "warning",
            f"url:{u}/page/moved-away",
            11,
            f"The link {u}/page/moved-away answered HTTP 404.",
            f"{u}/page/moved-away",
        ),
        (
            "link",
            "warning",
            f"url:{dead}/x",
            13,
            f"The link {dead}/x could not be reached (connection refused).",
            f"{dead}/x",
        ),
        (
            "link",
            "warning",
            "arxiv:2305.01937",
            14,
            f"The link {u}/page/missing answered HTTP 404.",
            f"{u}/page/missing",
        ),
    ]
    assert doc["summary"] == {"errors": 0, "warnings": 6, "entries": 10}
    # An error when the list says so.
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "L"\n\n[check]\nseverity = {link = "error"}\n', encoding="utf-8"
    )
    r = run("check", "--format", "github", "README.md")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[0] == (
        f"::error file=README.md,line=6,title=link::The link {u}/page/missing answered HTTP 404."
    )


def test_head_then_get_redirects_and_what_is_never_asked(
    fakes: Fakes, web: FakeWeb, tmp_path: Path
) -> None:
    _readme(fakes, tmp_path)
    run("check", "README.md")
    assert web.requests("/page/ok") == ["HEAD", "HEAD"]  # line 5, and the end of line 10's chain
    assert web.requests("/page/no-head") == ["HEAD", "GET"]  # 405 to HEAD: asked with GET
    assert web.requests("/page/missing") == ["HEAD", "HEAD"]  # lines 6/14 once, line 11's chain
    assert web.requests("/page/moved") == ["HEAD"]
    assert web.requests("/page/moved-on") == ["HEAD"]
    assert web.requests("/page/to-ftp") == ["HEAD"]
    assert web.requests("/page/badge.svg") == []  # an image is not checked
    # Nothing but the pages of the input (and the paper's sources' APIs).
    paths = {
        r.path
        for r in fakes.server.log
        if not r.path.startswith(("/api/", "/paper/batch", "/works"))
    }
    assert paths <= {
        *(
            f"/page/{p}"
            for p in (
                "ok",
                "missing",
                "removed",
                "broken",
                "no-head",
                "moved",
                "moved-on",
                "moved-away",
                "to-ftp",
            )
        ),
    }
    for req in fakes.server.log:
        assert req.headers["User-Agent"].startswith("alignfetch/")


def test_answers_are_kept_for_a_day(fakes: Fakes, web: FakeWeb, tmp_path: Path) -> None:
    _readme(fakes, tmp_path)
    first = run("check", "README.md")
    asked = len(_page_requests(fakes))
    assert asked == 12
    second = run("check", "README.md")
    assert second.stdout == first.stdout
    assert len(_page_requests(fakes)) == asked  # within a day: nobody asked
    ws = Workspace(tmp_path / "entries.toml")
    u = fakes.server.url
    kept = cached(ws.cache, [f"{u}/page/ok", f"{u}/page/missing", f"{u}/page/no-head"])
    assert {k: v.status for k, v in kept.items()} == {
        f"{u}/page/ok": 200,
        f"{u}/page/missing": 404,
        f"{u}/page/no-head": 200,
    }
    # A day later the links are asked again, and the new answer is kept.
    later = datetime.now(UTC) + timedelta(days=1, minutes=1)
    fakes.server.fail(r"^/page/ok$", _gone(), times=1)
    answers = check_links([f"{u}/page/ok"], ws.settings, ws.cache, now=later)
    assert answers[f"{u}/page/ok"].status == 410
    assert web.requests("/page/ok")[-1:] == ["HEAD"] and len(_page_requests(fakes)) == asked + 1
    assert cached(ws.cache, [f"{u}/page/ok"])[f"{u}/page/ok"].status == 410


def _gone() -> object:
    from fakes.server import Response

    return Response(410)


def test_offline_and_ignore_send_nothing(fakes: Fakes, web: FakeWeb, tmp_path: Path) -> None:
    _readme(fakes, tmp_path)
    r = run("--offline", "check", "--format", "json", "README.md")
    assert [f["rule"] for f in json.loads(r.stdout)["findings"]] == []
    assert _page_requests(fakes) == []
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "L"\n\n[check]\nignore = ["link"]\n', encoding="utf-8"
    )
    r = run("check", "--format", "json", "README.md")
    assert (r.exit_code, json.loads(r.stdout)["findings"]) == (0, [])
    assert _page_requests(fakes) == []


def test_at_most_two_requests_per_host(fakes: Fakes, web: FakeWeb, tmp_path: Path) -> None:
    port = fakes.server.url.rsplit(":", 1)[1]
    lines = [
        f"- [Slow {i}](http://{host}:{port}/page/slow/{i}) - slow."
        for host in ("127.0.0.1", "localhost")
        for i in range(6)
    ]
    (tmp_path / "README.md").write_text(
        "# Slow\n\n## Pages\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    r = run("check", "README.md")
    assert r.stdout == "README.md: no problems in 12 entries.\n"
    assert len(_page_requests(fakes)) == 12
    assert fakes.server.max_in_flight[f"127.0.0.1:{port}"] == 2
    assert fakes.server.max_in_flight[f"localhost:{port}"] == 2
    assert fakes.server.max_in_flight[""] == 4  # hosts are asked side by side


LIST = """\
[list]
title = "L"

[[sections]]
slug = "tools"
title = "Tools"

[[entries]]
id = "url:{u}/page/removed"
section = "tools"

[[entries]]
id = "url:{u}/page/ok"
section = "tools"
links = {{docs = "{u}/page/broken", code = "https://github.com/CarperAI/trlx"}}

[[entries]]
id = "url:{u}/page/missing"
section = "tools"
check_ignore = ["link"]
"""


def test_the_list_itself(fakes: Fakes, web: FakeWeb, tmp_path: Path) -> None:
    u = fakes.server.url
    (tmp_path / "entries.toml").write_text(LIST.format(u=u), encoding="utf-8")
    before = state(tmp_path)
    r = run("check")
    assert (r.exit_code, r.stdout) == (
        0,
        "entries.toml\n"
        f"      8  warning  link       The link {u}/page/removed answered HTTP 410.\n"
        f"                           the file says:    {u}/page/removed\n"
        f"     12  warning  link       The link {u}/page/broken answered HTTP 500.\n"
        f"                           the file says:    {u}/page/broken\n\n"
        "entries.toml: 0 errors, 2 warnings in 3 entries.\n",
    )
    assert {k: v for k, v in state(tmp_path).items() if not k.startswith(".alignfetch")} == before
    assert not [r for r in fakes.server.log if r.path.startswith("/repos/")]  # GitHub not asked
    assert web.requests("/page/missing") == ["HEAD"]  # asked; its finding is ignored


def test_a_long_url_has_a_short_cache_id() -> None:
    url = "https://example.org/" + "a" * 400
    assert cache_id(url).startswith("linkcheck:sha256:") and len(cache_id(url)) <= 300
    assert cache_id("https://example.org/x") == "linkcheck:https://example.org/x"
