"""Issue 18, item 6 and 16: the link rule of `check` reaches only public addresses, asks a
bounded number of links per run, asks again with GET after a 403 to HEAD, and reads
typed dates year-month-day.

The fakes listen on 127.0.0.1, a loopback address: the tests that must reach them set
``ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1``; the tests of refusal unset it and read the
fakes' request logs to see that nothing reached them. To give a page a public-looking
name, a test sends the checker through the fake server as an HTTP proxy (it answers
``GET http://name/page/...`` like ``GET /page/...``), or answers the name's lookup
itself (``socket.getaddrinfo``, the operating system's resolver, not alignfetch's code).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alignfetch.config import Settings
from alignfetch.errors import InputError
from alignfetch.http import addresses, client
from alignfetch.lint.config import Config, config_from
from alignfetch.lint.links import DEFAULT_MAX_LINKS, HOST_LINKS, check_links
from alignfetch.lint.rules import check_reading
from alignfetch.readme.reading import read_list
from alignfetch.workspace import Workspace
from conftest import Fakes, run
from fakes.server import FakeServer, Response
from fakes.web import FakeWeb

ALLOW = addresses.ALLOW_ENV
TODAY = date(2026, 11, 30)
PUBLIC = "93.184.215.14"  # a public address; nothing here ever connects to it
PROXIES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture
def web(fakes: Fakes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeWeb:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ALLOW, raising=False)  # refused unless a test allows it
    for var in PROXIES:
        monkeypatch.delenv(var, raising=False)
    return FakeWeb(fakes.server)


@pytest.fixture
def inside() -> Iterator[FakeServer]:
    """Another service on 127.0.0.1 (another port): what a list must never reach."""
    server = FakeServer()
    server.route("GET", r"/.*", lambda req, m: Response(200, "secret"))
    yield server
    server.close()


def _resolver(monkeypatch: pytest.MonkeyPatch, names: dict[str, Callable[[], str]]) -> list[str]:
    """Answer the lookups of ``names`` (each call may answer differently); others go to
    the real resolver. Returns the names looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host in names:
            asked.append(host)
            ip = names[host]()
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, int(port or 80)))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _findings(*args: str, exit_code: int = 0) -> list[tuple[str, str, int | None, str]]:
    r = run("check", "--format", "json", *args)
    assert r.exit_code == exit_code, r.output
    return [
        (f["rule"], f["severity"], f["line"], f["message"])
        for f in json.loads(r.stdout)["findings"]
    ]


def _pages(server: FakeServer) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in server.log if r.path.startswith("/page/")]


def _readme(tmp_path: Path, urls: list[str]) -> None:
    lines = [f"- [Page {i}]({u}) - a page." for i, u in enumerate(urls)]
    (tmp_path / "README.md").write_text(
        "# Links\n\n## Pages\n\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )


# -- which addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback address"),
        ("127.8.9.10", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.1.1", "a private address"),
        ("100.64.0.1", "a shared (carrier-grade NAT) address"),
        ("100.127.255.254", "a shared (carrier-grade NAT) address"),
        ("169.254.169.254", "a link-local address"),  # the cloud metadata service
        ("224.0.0.1", "a multicast address"),
        ("0.0.0.0", "an unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "a reserved address"),
        ("192.0.2.1", "a private address"),  # documentation range
        ("::1", "a loopback address"),
        ("::", "an unspecified address"),
        ("fe80::1", "a link-local address"),
        ("fe80::1%eth0", "a link-local address"),
        ("fc00::1", "a private address"),
        ("fd12:3456::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::ffff:127.0.0.1", "a loopback address (as 127.0.0.1)"),
        ("::ffff:10.0.0.1", "a private address (as 10.0.0.1)"),
        ("::ffff:169.254.169.254", "a link-local address (as 169.254.169.254)"),
        ("2002:7f00:1::1", "a loopback address (as 127.0.0.1)"),  # 6to4
        ("2002:a9fe:a9fe::1", "a link-local address (as 169.254.169.254)"),
        ("64:ff9b::7f00:1", "a loopback address (as 127.0.0.1)"),  # NAT64
        ("64:ff9b::a00:1", "a private address (as 10.0.0.1)"),
        ("64:ff9b:1::a00:1", "a private address"),  # local-use NAT64
        ("8.8.8.8", None),
        ("93.184.215.14", None),
        ("100.63.255.255", None),  # just below the shared range
        ("172.32.0.1", None),  # just past 172.16/12
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
        ("2002:808:808::1", None),
        ("64:ff9b::808:808", None),
    ],
)
def test_private_addresses_are_told_from_public_ones(address: str, kind: str | None) -> None:
    """Catches a rule that looks at one range too few: the RFC 1918 blocks but not
    100.64/10, the metadata service's link-local 169.254.169.254, or an IPv6 form
    (mapped, 6to4, NAT64) that carries 127.0.0.1 past an IPv4-only check."""
    assert addresses.private(address) == kind


def test_a_url_is_judged_by_the_addresses_its_host_resolves_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Catches a check of the URL's text instead of the resolved addresses: 2130706433
    and 0x7f000001 are 127.0.0.1 to the resolver, localhost is a name, and a name with
    one private address among public ones may connect to that one."""
    _resolver(
        monkeypatch,
        {"mixed.example": lambda: "10.0.0.7", "public.example": lambda: PUBLIC},
    )
    assert addresses.refusal("http://127.0.0.1:8080/x") == "127.0.0.1 is a loopback address"
    assert addresses.refusal("http://2130706433/") == (
        "2130706433 resolves to 127.0.0.1, a loopback address"
    )
    assert addresses.refusal("https://0x7f000001/") == (
        "0x7f000001 resolves to 127.0.0.1, a loopback address"
    )
    assert addresses.refusal("http://[::ffff:127.0.0.1]/") == (
        "::ffff:127.0.0.1 is a loopback address (as 127.0.0.1)"
    )
    assert addresses.refusal("http://localhost:9/") == (
        "localhost resolves to 127.0.0.1, a loopback address"
    )
    assert addresses.refusal("http://mixed.example/") == (
        "mixed.example resolves to 10.0.0.7, a private address"
    )
    assert addresses.refusal("http://public.example/") is None
    assert addresses.refusal("http://127.0.0.1/", allow_private=True) is None
    with pytest.raises(addresses.Unresolved) as err:
        addresses.refusal("http://no-such-host.invalid/")
    assert err.value.reason == "unknown host"
    with pytest.raises(addresses.Unresolved) as err:
        addresses.refusal("http://example.org:99999/")
    assert err.value.reason == "invalid port"


def test_the_allowance_is_one_or_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    """Catches a variable read as "set means yes": ALIGNFETCH_ALLOW_PRIVATE_NETWORK=0
    would open the network it is meant to keep closed, and "yes" would silently not."""
    for value, allowed in (("1", True), ("0", False), ("", False)):
        monkeypatch.setenv(ALLOW, value)
        assert Settings.from_env().allow_private_network is allowed
    monkeypatch.delenv(ALLOW)
    assert Settings.from_env().allow_private_network is False
    monkeypatch.setenv(ALLOW, "yes")
    with pytest.raises(InputError) as err:
        Settings.from_env()
    assert str(err.value) == f"{ALLOW} must be 1 (yes) or 0 (no), not 'yes'."


# -- refused links are findings, and nothing is asked -------------------------------------


def test_links_to_inside_are_findings_and_never_requested(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit's case: `check` of a README requested 127.0.0.1 and private addresses
    directly. Catches a checker that asks first and judges after (the request is the
    harm), or that judges the name and not what it resolves to (localhost)."""
    port = fakes.server.url.rsplit(":", 1)[1]
    urls = [
        f"{fakes.server.url}/page/ok",
        f"http://localhost:{port}/page/missing",
        f"http://[::ffff:127.0.0.1]:{port}/page/ok",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/admin",
    ]
    _readme(tmp_path, urls)
    found = _findings("README.md")
    tail = "; check asks only public addresses."
    assert found == [
        (
            "link",
            "warning",
            5,
            f"The link {urls[0]} was not asked: 127.0.0.1 is a loopback address{tail}",
        ),
        (
            "link",
            "warning",
            6,
            f"The link {urls[1]} was not asked: localhost resolves to 127.0.0.1, a loopback address{tail}",
        ),
        (
            "link",
            "warning",
            7,
            f"The link {urls[2]} was not asked: ::ffff:127.0.0.1 is a loopback address (as 127.0.0.1){tail}",
        ),
        (
            "link",
            "warning",
            8,
            f"The link {urls[3]} was not asked: 169.254.169.254 is a link-local address{tail}",
        ),
        (
            "link",
            "warning",
            9,
            f"The link {urls[4]} was not asked: 10.0.0.1 is a private address{tail}",
        ),
    ]
    assert _pages(fakes.server) == []
    # Allowed, the same links are asked: the fake could have been reached.
    monkeypatch.setenv(ALLOW, "1")
    run("check", "README.md")
    assert web.requests("/page/ok") == ["HEAD", "HEAD"]


def test_a_redirect_to_another_port_on_localhost_is_not_followed(
    fakes: Fakes,
    web: FakeWeb,
    inside: FakeServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The audit's case: a public page that redirects to 127.0.0.1:<another port> was
    followed there. Catches a check made only before the first request (redirects
    followed by the HTTP client, or by hand without asking again).

    links.example resolves to a public address, and the fake server stands as the
    proxy that reaches it; 127.0.0.1 and localhost bypass the proxy (NO_PROXY), so a
    redirect followed there would land in ``inside``'s log."""
    _resolver(
        monkeypatch,
        {"links.example": lambda: PUBLIC, "intranet.example": lambda: "10.1.2.3"},
    )
    monkeypatch.setenv("HTTP_PROXY", fakes.server.url)
    secret = f"{inside.url}/secret"
    localhost = secret.replace("127.0.0.1", "localhost")
    urls = [
        f"http://links.example/page/to?url={secret}",
        f"http://links.example/page/to?url={localhost}",
        "http://links.example/page/to?url=http://intranet.example/",
        "http://links.example/page/ok",
    ]
    _readme(tmp_path, urls)
    tail = "; check asks only public addresses."
    assert _findings("README.md") == [
        (
            "link",
            "warning",
            5,
            f"The link {urls[0]} redirects to {secret}, which was not asked: "
            f"127.0.0.1 is a loopback address{tail}",
        ),
        (
            "link",
            "warning",
            6,
            f"The link {urls[1]} redirects to {localhost}, which was not asked: "
            f"localhost resolves to 127.0.0.1, a loopback address{tail}",
        ),
        (
            "link",
            "warning",
            7,
            f"The link {urls[2]} redirects to http://intranet.example/, which was not asked: "
            f"intranet.example resolves to 10.1.2.3, a private address{tail}",
        ),
    ]
    assert inside.log == []  # nothing reached the service inside
    assert sorted(_pages(fakes.server)) == [("HEAD", "/page/ok")] + [("HEAD", "/page/to")] * 3
    assert {r.headers["Host"] for r in fakes.server.log} == {"links.example"}
    # Allowed, the first redirect is followed into ``inside``: the test can see it.
    monkeypatch.setenv(ALLOW, "1")
    _readme(tmp_path, [urls[0].replace("links.example", "links2.example")])
    _resolver(monkeypatch, {"links2.example": lambda: PUBLIC})
    assert _findings("README.md") == []
    assert [(r.method, r.path) for r in inside.log] == [("HEAD", "/secret")]


def test_a_name_that_turns_private_between_check_and_connect_is_caught(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: rebind.example resolves to a public address when the checker looks
    it up, and to 127.0.0.1 when the HTTP client connects. Catches a checker that trusts
    its lookup and not the address it is connected to; the request is never sent."""
    answers = iter([PUBLIC])
    asked = _resolver(monkeypatch, {"rebind.example": lambda: next(answers, "127.0.0.1")})
    port = fakes.server.url.rsplit(":", 1)[1]
    url = f"http://rebind.example:{port}/page/ok"
    _readme(tmp_path, [url])
    assert _findings("README.md") == [
        (
            "link",
            "warning",
            5,
            f"The link {url} was not asked: it connected to 127.0.0.1, a loopback address; "
            "check asks only public addresses.",
        )
    ]
    assert asked == ["rebind.example", "rebind.example"]  # our lookup, then the client's
    assert fakes.server.log == []


def test_an_unknown_host_is_one_lookup_not_retries(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 14's case for `check`: a name that does not resolve was retried with back-off
    (16 s for a README). Catches a lookup failure handed on to the HTTP client's
    retries: the name is looked up once, and the finding says so at once."""
    monkeypatch.setenv("ALIGNFETCH_BACKOFF", "0.2")  # retries would show as more lookups

    def unknown() -> str:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    asked = _resolver(monkeypatch, {"gone.example": unknown})
    _readme(tmp_path, ["http://gone.example/page"])
    assert _findings("README.md") == [
        (
            "link",
            "warning",
            5,
            "The link http://gone.example/page could not be reached (unknown host).",
        )
    ]
    assert asked == ["gone.example"]


def test_the_connect_hook_refuses_before_sending(fakes: Fakes, web: FakeWeb) -> None:
    """The peer check rides on urllib3's ``HTTPConnection._new_conn``: catches an
    urllib3 release that moves it (the guarded session would then send the request)."""
    settings = Settings.from_env()
    for url in (f"{fakes.server.url}/page/ok", fakes.server.url.replace("http:", "https:")):
        with client.session(settings, "test") as s:
            addresses.guard(s)
            with pytest.raises(addresses.Refused) as err:
                s.get(url, timeout=2)
        assert err.value.reason == "it connected to 127.0.0.1, a loopback address"
    assert fakes.server.log == []
    with client.session(settings, "test") as s:
        addresses.guard(s, allow_private=True)
        assert s.get(f"{fakes.server.url}/page/ok", timeout=2).status_code == 200


# -- how many links a run asks ------------------------------------------------------------


def test_max_links_is_validated() -> None:
    """Catches a limit taken as given: 0 or a negative would check nothing and report
    everything unchecked; true is an int to Python; "500" a string."""
    assert config_from({}).max_links == DEFAULT_MAX_LINKS == 500
    assert config_from({"max_links": 3}).max_links == 3
    for bad in (0, -1, True, "500", 2.5):
        with pytest.raises(InputError) as err:
            config_from({"max_links": bad})
        assert str(err.value) == (
            "In entries.toml, [check] max_links must be a whole number of 1 or more, "
            f"such as 500, not {bad!r}."
        )


def test_a_run_asks_at_most_max_links_and_the_next_run_asks_the_rest(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The audit's case: 1,700 links gave 1,700 requests. Catches a limit that is not
    applied, one left unreported, and one that always asks the same first links (the
    tail of a long list would never be checked)."""
    monkeypatch.setenv(ALLOW, "1")
    urls = [f"{fakes.server.url}/page/ok?n={i}" for i in range(5)]
    ws = Workspace(tmp_path / "entries.toml")
    t0 = datetime(2026, 11, 30, 12, tzinfo=UTC)
    first = check_links(urls, ws.settings, ws.cache, max_links=3, now=t0)
    assert [first[u].status for u in urls] == [200, 200, 200, None, None]
    assert first[urls[4]].unchecked == "[check] max_links (3) was reached"
    assert not first[urls[4]].broken
    assert sorted(r.arg("n") for r in fakes.server.log) == ["0", "1", "2"]
    # A day later the 3 answers are old, and the 2 never asked go first.
    later = t0 + timedelta(days=1, minutes=1)
    second = check_links(urls, ws.settings, ws.cache, max_links=3, now=later)
    assert sorted(r.arg("n") for r in fakes.server.log[3:]) == ["0", "3", "4"]
    assert [second[u].checked_at for u in urls] == [later, None, None, later, later]
    # Within that day the rest: the 2 asked longest ago.
    last = check_links(urls, ws.settings, ws.cache, max_links=3, now=later)
    assert sorted(r.arg("n") for r in fakes.server.log[6:]) == ["1", "2"]
    assert all(last[u].status == 200 for u in urls)
    # What a file's check says of the links left over.
    text = "# L\n\n" + "".join(f"- [P{i}]({u}) - a page.\n" for i, u in enumerate(urls))
    found = check_reading(read_list(text), text, "x.md", {}, today=TODAY, links=first)
    assert [(f.rule, f.severity, f.line, f.message) for f in found] == [
        (
            "link",
            "warning",
            None,
            "2 links were left unchecked: [check] max_links (3) was reached; "
            "the next check asks them first.",
        )
    ]
    # A warning even where the list makes broken links errors; gone when link is ignored.
    strict = Config(severity={"link": "error"})
    found = check_reading(
        read_list(text), text, "x.md", {}, today=TODAY, links=first, config=strict
    )
    assert [f.severity for f in found] == ["warning"]
    quiet = Config(ignore=frozenset({"link"}))
    assert (
        check_reading(read_list(text), text, "x.md", {}, today=TODAY, links=first, config=quiet)
        == []
    )


def test_the_default_limit_holds_on_the_command_line(
    fakes: Fakes, web: FakeWeb, tmp_path: Path
) -> None:
    """Catches a default that does not reach the command: 505 links on 505 hosts (no
    host limit applies) make 500 verdicts and one warning for the 5 left over. The
    hosts are loopback addresses, refused without a request, so the test asks nobody."""
    urls = [f"http://127.0.{i // 200}.{i % 200 + 1}:9/x" for i in range(505)]
    _readme(tmp_path, urls)
    found = _findings("README.md")
    assert found[0] == (
        "link",
        "warning",
        None,
        "5 links were left unchecked: [check] max_links (500) was reached; "
        "the next check asks them first.",
    )
    assert len(found) == 501 and all("was not asked" in f[3] for f in found[1:])
    assert [f[2] for f in found[1:]] == list(range(5, 505))
    assert fakes.server.log == []


def test_max_links_from_entries_toml(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a [check] max_links that is validated but not used."""
    monkeypatch.setenv(ALLOW, "1")
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "L"\n\n[check]\nmax_links = 2\n', encoding="utf-8"
    )
    _readme(tmp_path, [f"{fakes.server.url}/page/ok?n={i}" for i in range(3)])
    found = _findings("README.md")
    assert found == [
        (
            "link",
            "warning",
            None,
            "1 link was left unchecked: [check] max_links (2) was reached; "
            "the next check asks them first.",
        )
    ]
    assert len(_pages(fakes.server)) == 2


def test_one_host_is_asked_at_most_host_links_times_a_run(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a checker that hammers one site: a list linking 102 pages of one host asks
    it 100 times in a run (two at a time), says so, and asks the other 2 next run."""
    monkeypatch.setenv(ALLOW, "1")
    assert HOST_LINKS == 100
    _readme(tmp_path, [f"{fakes.server.url}/page/ok?n={i}" for i in range(102)])
    assert _findings("README.md") == [
        (
            "link",
            "warning",
            None,
            "2 links were left unchecked: at most 100 links of 127.0.0.1 are asked per run; "
            "the next check asks them first.",
        )
    ]
    assert len(_pages(fakes.server)) == 100
    assert fakes.server.max_in_flight[fakes.server.url.removeprefix("http://")] <= 2
    assert _findings("README.md") == []
    assert sorted(r.arg("n") for r in fakes.server.log[100:]) == ["100", "101"]


# -- HEAD refused: GET (item 16) ----------------------------------------------------------


def test_a_403_to_head_is_asked_again_with_get(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many servers (CDNs, S3) answer HEAD with 403 and GET properly. Catches a checker
    that stops at the 403: the page whose GET answers 404 would go unreported, and the
    good page would be asked once only."""
    monkeypatch.setenv(ALLOW, "1")
    u = fakes.server.url
    _readme(tmp_path, [f"{u}/page/head-forbidden", f"{u}/page/head-forbidden-missing"])
    assert _findings("README.md") == [
        ("link", "warning", 6, f"The link {u}/page/head-forbidden-missing answered HTTP 404.")
    ]
    assert web.requests("/page/head-forbidden") == ["HEAD", "GET"]
    assert web.requests("/page/head-forbidden-missing") == ["HEAD", "GET"]


# -- typed dates are year-month-day (item 16) ----------------------------------------------

PAPER = (
    "# L\n\n**Can Large Language Models Be an Alternative to Human Evaluations?** \\\n"
    "*Cheng-Han Chiang, Hung-yi Lee*\\\n"
    "National Taiwan University, arXiv 2023. [[Paper](https://arxiv.org/abs/2305.01937)] \\\n"
    "{day}\n"
)


@pytest.mark.parametrize(
    ("typed", "flagged"),
    [
        ("2023-05-03", False),  # arxiv:2305.01937 v1 is of 3 May 2023
        ("2023/05/03", False),
        ("2023.05.03", False),
        ("3 May 2023", False),
        ("2023-03-05", True),  # 5 March: day and month swapped
        ("2023/03/05", True),
    ],
)
def test_typed_dates_are_read_year_month_day(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, typed: str, flagged: bool
) -> None:
    """Catches a date reader that takes 2023-05-03 or 2023/05/03 as day-month (5 March):
    the right date would be flagged and the swapped one pass."""
    (tmp_path / "README.md").write_text(PAPER.format(day=typed), encoding="utf-8")
    found = [f for f in _findings("README.md", exit_code=int(flagged)) if f[0] == "date"]
    if flagged:
        assert found == [
            (
                "date",
                "error",
                3,
                f"The date {typed} is neither the first nor the latest version's date "
                "of arxiv:2305.01937.",
            )
        ]
    else:
        assert found == []


@pytest.mark.parametrize(("typed", "flagged"), [("2023-05-03", False), ("2023-03-05", True)])
def test_dates_in_entries_toml_are_year_month_day(
    fakes: Fakes, web: FakeWeb, tmp_path: Path, typed: str, flagged: bool
) -> None:
    """The same for the list itself: ``date = "2023-05-03"`` of an entry is 3 May."""
    (tmp_path / "entries.toml").write_text(
        '[list]\ntitle = "L"\n\n[[sections]]\nslug = "p"\ntitle = "P"\n\n'
        f'[[entries]]\nid = "arxiv:2305.01937"\nsection = "p"\ndate = "{typed}"\n',
        encoding="utf-8",
    )
    r = run("check", "--format", "json")
    rules = [f["rule"] for f in json.loads(r.stdout)["findings"]]
    assert rules == (["date"] if flagged else [])
