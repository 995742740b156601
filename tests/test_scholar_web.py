"""Issue 21, item 7: the web page of a ``url:`` entry, read for what it says of itself.

Every test drives :func:`alignfetch.sources.webpage.fetch` against :class:`FakePages`, which
serves the heads of real sites (ACL Anthology, OpenReview, a Hugo blog). The fake listens
on 127.0.0.1: the tests that only read pages allow private addresses (as the ``fakes``
fixture does); the tests of refusal unset the allowance and count the requests that
reached the fakes. A page gets a public-looking name as in the link checker's tests: the
fake server stands as the HTTP proxy that reaches it, and the name's lookup is answered
by a stand-in for ``socket.getaddrinfo`` (the operating system's resolver, not alignfetch).
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from alignfetch.config import Settings
from alignfetch.errors import NotFoundError, SourceError
from alignfetch.http import addresses
from alignfetch.records import Link
from alignfetch.sources import Fetched, webpage
from conftest import Fakes
from fakes.pages import FakePages
from fakes.server import FakeServer, Response

ALLOW = addresses.ALLOW_ENV
PUBLIC = "93.184.215.14"  # a public address; nothing here ever connects to it
PROXIES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
ACL = "http://aclanthology.org/2023.acl-long.870/"


@pytest.fixture
def pages(fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> FakePages:
    for var in PROXIES:
        monkeypatch.delenv(var, raising=False)
    return FakePages(fakes.server)


@pytest.fixture
def inside() -> Iterator[FakeServer]:
    """Another service on 127.0.0.1 (another port): what a list must never reach."""
    server = FakeServer()
    server.route("GET", r"/.*", lambda req, m: Response(200, "<title>secret</title>"))
    yield server
    server.close()


def _resolver(monkeypatch: pytest.MonkeyPatch, names: dict[str, Callable[[], str]]) -> list[str]:
    """Answer the lookups of ``names``; others go to the real resolver. Returns the names
    looked up, in order."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kw: Any) -> Any:
        if host in names:
            asked.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (names[host](), int(port or 80)))]
        return real(host, port, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _public(fakes: Fakes, monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """``names`` resolve to a public address and are reached through the fake as a proxy;
    private addresses are refused (the allowance unset)."""
    monkeypatch.delenv(ALLOW, raising=False)
    monkeypatch.setenv("HTTP_PROXY", fakes.server.url)
    return _resolver(monkeypatch, dict.fromkeys(names, lambda: PUBLIC))


def _one(key: str) -> Fetched | SourceError:
    got = webpage.fetch([key], Settings.from_env(), {})
    assert list(got) == [key]
    return got[key]


def _record(key: str) -> Link:
    got = _one(key)
    assert isinstance(got, Fetched), got
    assert isinstance(got.record, Link)
    return got.record


def _one_sentence(message: str) -> bool:
    """One plain sentence: one line, ending in a full stop, no second sentence in it."""
    return "\n" not in message and message.endswith(".") and not re.search(r"\.\s+[A-Z]", message)


# -- what a page says of itself ---------------------------------------------------------


def test_an_acl_anthology_page_gives_its_citation_tags(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a reader that prefers OpenGraph or <title> to Highwire's citation_* tags
    (the title would end in " - ACL Anthology"), that misses the Anthology's unquoted
    ``name=citation_author`` (no authors), keeps only one author or reorders them,
    leaves the date as written (``2023/7``), or keeps no DOI or PDF link."""
    _public(fakes, monkeypatch, "aclanthology.org")
    got = _one(ACL)
    assert isinstance(got, Fetched)
    assert got.record == Link(
        id=f"url:{ACL}",
        title="Can Large Language Models Be an Alternative to Human Evaluations?",
        url=ACL,
        description=(
            "Cheng-Han Chiang, Hung-yi Lee. Proceedings of the 61st Annual Meeting of the "
            "Association for Computational Linguistics (Volume 1: Long Papers). 2023."
        ),
        authors=("Cheng-Han Chiang", "Hung-yi Lee"),
        issued="2023-07",
        venue=(
            "Proceedings of the 61st Annual Meeting of the Association for Computational "
            "Linguistics (Volume 1: Long Papers)"
        ),
        doi="10.18653/v1/2023.acl-long.870",
        pdf_url="https://aclanthology.org/2023.acl-long.870.pdf",
        site_name="ACL Anthology",
        read=True,
    )
    assert got.url == ACL
    assert pages.asked() == [("aclanthology.org", "/2023.acl-long.870/")]


def test_the_raw_kept_is_the_tags_read_not_the_page(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a raw that stores the whole page in the cache (a 20 MB page per entry, and
    whatever it holds) instead of the tags read from it."""
    _public(fakes, monkeypatch, "aclanthology.org")
    got = _one(ACL)
    assert isinstance(got, Fetched)
    doc = json.loads(got.raw)
    assert doc["meta"]["citation_author"] == ["Cheng-Han Chiang", "Hung-yi Lee"]
    assert doc["type"] == "text/html"
    assert "<body" not in got.raw and "Human evaluation is indispensable" not in got.raw
    assert len(got.raw) < 3000


def test_an_openreview_forum_page_is_read_in_order_and_its_scripts_are_not(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OpenReview's head holds scripts, one with a ``<meta name="citation_title">`` inside a
    string, before the real tags. Catches a reader that finds tags with a regular
    expression over the text (it would take the script's string as the title), that
    reads only citation_publication_date (OpenReview gives citation_online_date), or that
    loses the order of eight authors."""
    _public(fakes, monkeypatch, "openreview.net")
    record = _record("http://openreview.net/forum?id=TyFrPOKYXw")
    assert record.title == "Safe RLHF: Safe Reinforcement Learning from Human Feedback"
    assert record.authors == (
        "Josef Dai",
        "Xuehai Pan",
        "Ruiyang Sun",
        "Jiaming Ji",
        "Xinbo Xu",
        "Mickel Liu",
        "Yizhou Wang",
        "Yaodong Yang",
    )
    assert record.issued == "2024-01-16"
    assert record.venue == "The Twelfth International Conference on Learning Representations"
    assert record.pdf_url == "https://openreview.net/pdf?id=TyFrPOKYXw"
    assert record.doi is None and record.read


def test_a_blog_post_with_only_opengraph_gives_title_description_and_site(
    fakes: Fakes, pages: FakePages
) -> None:
    """Catches a reader that knows only citation_* tags (the title would be the URL), that
    takes <title> over og:title (" | Lil'Log" in the title), that keeps the description's
    line break, or shows the site name's ``&#39;`` undecoded."""
    record = _record(f"{fakes.server.url}/posts/2024-11-28-reward-hacking/")
    assert record.title == "Reward Hacking in Reinforcement Learning"
    assert record.site_name == "Lil'Log"
    assert record.description is not None
    assert record.description.startswith("Reward hacking occurs when a reinforcement learning")
    assert "specify a reward function. With the rise of language models" in record.description
    assert "\n" not in record.description
    assert (record.authors, record.issued, record.venue, record.read) == ((), None, None, True)


def test_twitter_card_tags_stand_in_for_opengraph(fakes: Fakes, pages: FakePages) -> None:
    """Catches a reader of OpenGraph only: a page with Twitter cards alone would show its
    <title> (``Anthropic \\ Constitutional AI``) and no description."""
    record = _record(f"{fakes.server.url}/twitter-only")
    assert record.title == "Constitutional AI: Harmlessness from AI Feedback"
    assert record.description == "We train a harmless AI assistant through self-improvement."


def test_a_page_with_only_a_title_is_named_by_it_cleaned(fakes: Fakes, pages: FakePages) -> None:
    """Catches a title kept raw: ``&amp;`` undecoded, its line breaks and indent kept, or a
    right-to-left override (U+202E) kept, which would reverse the README line it lands in."""
    record = _record(f"{fakes.server.url}/plain")
    assert record.title == "Alignment & Safety Reading List — 2024"
    assert record.read and record.description is None


@pytest.mark.parametrize(
    ("path", "title", "site"),
    [
        ("/latin1", "Über Präferenzen: Lernen aus menschlichem Feedback", "Universität Tübingen"),
        ("/sjis", "大規模言語モデルのアライメント入門", None),
    ],
)
def test_a_page_in_another_charset_is_decoded_as_it_says(
    fakes: Fakes, pages: FakePages, path: str, title: str, site: str | None
) -> None:
    """Catches a page always decoded as UTF-8: ISO-8859-1 said in the header fails or turns
    into replacement characters, and Shift_JIS said only in ``<meta http-equiv>`` too."""
    record = _record(f"{fakes.server.url}{path}")
    assert (record.title, record.site_name) == (title, site)


@pytest.mark.parametrize(
    ("value", "published"),
    [
        ("2023/7", "2023-07"),
        ("2023/07/09", "2023-07-09"),
        ("2023-07-09T12:30:00Z", "2023-07-09"),
        ("2023", "2023"),
        ("July 9, 2023", "2023-07-09"),
        ("9 Jul 2023", "2023-07-09"),
        ("2023/13", None),
        ("2023/02/30", None),
        ("soon", None),
    ],
)
def test_a_citation_date_is_normalized_as_precise_as_given(
    value: str, published: str | None
) -> None:
    """Catches a date kept as the page writes it (``2023/7`` sorts and renders apart from
    ``2023-07``), one padded to a day the page never said, or an impossible date kept."""
    head = webpage.head_of.Head({"citation_publication_date": (value,)}, None)
    assert webpage.head_of.convert("https://example.org/p", head).issued == published


def test_a_pdf_keeps_its_file_name_and_its_body_is_not_read(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PDF at a .pdf path is not asked at all; one known only by its Content-Type is
    named by its Content-Disposition and its body, streamed far past the size cap, left
    unread. Catches a fetch that downloads PDFs (it fails on the cap, or spends 20 MB
    per paper a week), parses one as HTML, or names it by its whole URL."""
    monkeypatch.setenv("ALIGNFETCH_MAX_BYTES", "65536")
    base = fakes.server.url
    by_path = _record(f"{base}/papers/safe-rlhf.pdf")
    assert (by_path.title, by_path.read) == ("safe-rlhf.pdf", False)
    assert pages.asked() == []
    by_type = _record(f"{base}/pdf?id=TyFrPOKYXw")
    assert (by_type.title, by_type.read, by_type.authors) == ("TyFrPOKYXw.pdf", False, ())
    image = _record(f"{base}/image")
    assert (image.title, image.read) == (f"{base}/image", False)
    assert [path for _, path in pages.asked()] == ["/pdf", "/image"]


def test_each_request_names_alignfetch_and_asks_for_html(fakes: Fakes, pages: FakePages) -> None:
    """Catches requests without alignfetch's User-Agent (requests' own names no one to
    complain to) or that do not say they want HTML."""
    _record(f"{fakes.server.url}/plain")
    (request,) = fakes.server.log
    assert request.headers["User-Agent"] == Settings.from_env().user_agent
    assert request.headers["Accept"].startswith("text/html")


# -- which addresses --------------------------------------------------------------------


def test_a_private_address_is_refused_without_a_request(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Catches a fetch that asks a list's URL wherever it points: 127.0.0.1, or a name
    resolving there (localhost), reaches what sits behind the machine. Allowed
    (ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1), the same page is read."""
    monkeypatch.delenv(ALLOW, raising=False)
    direct = f"{fakes.server.url}/2023.acl-long.870/"
    named = direct.replace("127.0.0.1", "localhost")
    got = webpage.fetch([direct, named], Settings.from_env(), {})
    assert [str(e) for e in got.values()] == [
        f"{direct} was not asked: 127.0.0.1 is a loopback address; alignfetch reads only "
        "pages at public addresses (ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1 lets it read others).",
        f"{named} was not asked: localhost resolves to 127.0.0.1, a loopback address; "
        "alignfetch reads only pages at public addresses "
        "(ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1 lets it read others).",
    ]
    assert all(type(e) is SourceError for e in got.values())
    assert fakes.server.log == []
    monkeypatch.setenv(ALLOW, "1")
    assert _record(direct).read


def test_a_redirect_to_a_private_address_is_not_followed(
    fakes: Fakes, pages: FakePages, inside: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A public page that redirects to 127.0.0.1 (another port), or to a name that
    resolves to 10.x. Catches redirects followed by the HTTP client, or checked only
    before the first request: the redirect would land in ``inside``'s log."""
    _public(fakes, monkeypatch, "blog.example")
    _resolver(monkeypatch, {"blog.example": lambda: PUBLIC, "intranet.example": lambda: "10.1.2.3"})
    secret = f"{inside.url}/secret"
    keys = [
        f"http://blog.example/to?url={secret}",
        "http://blog.example/to?url=http://intranet.example/admin",
    ]
    got = webpage.fetch(keys, Settings.from_env(), {})
    tail = (
        "; alignfetch reads only pages at public addresses "
        "(ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1 lets it read others)."
    )
    assert [str(e) for e in got.values()] == [
        f"{keys[0]} redirects to {secret}, which was not asked: 127.0.0.1 is a loopback "
        f"address{tail}",
        f"{keys[1]} redirects to http://intranet.example/admin, which was not asked: "
        f"intranet.example resolves to 10.1.2.3, a private address{tail}",
    ]
    assert inside.log == []
    assert pages.asked() == [("blog.example", "/to")] * 2


def test_every_hop_of_a_redirect_chain_is_checked_and_followed(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/hop/1 301s (relative) to /hop/2, which 302s (absolute) to /hop/3, which 307s to the
    ACL page. Catches hops whose host is not looked up again before each request, and
    relative Locations read against the wrong URL."""
    asked = _public(fakes, monkeypatch, "aclanthology.org")
    got = _one("http://aclanthology.org/hop/1")
    assert isinstance(got, Fetched)
    assert got.record.title == "Can Large Language Models Be an Alternative to Human Evaluations?"
    assert got.url == ACL
    assert [p for _, p in pages.asked()] == ["/hop/1", "/hop/2", "/hop/3", "/2023.acl-long.870/"]
    assert asked == ["aclanthology.org"] * 4


def test_a_name_that_turns_private_between_lookup_and_connect_is_caught(
    fakes: Fakes, pages: FakePages, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name resolves to a public address when checked, and to 127.0.0.1
    when the HTTP client connects. Catches a fetch that trusts its lookup and not the
    address it is connected to (:func:`addresses.guard` not installed)."""
    monkeypatch.delenv(ALLOW, raising=False)
    answers = iter([PUBLIC])
    _resolver(monkeypatch, {"rebind.example": lambda: next(answers, "127.0.0.1")})
    port = fakes.server.url.rsplit(":", 1)[1]
    key = f"http://rebind.example:{port}/2023.acl-long.870/"
    got = _one(key)
    assert isinstance(got, SourceError)
    assert str(got) == (
        f"{key} was not asked: it connected to 127.0.0.1, a loopback address; alignfetch "
        "reads only pages at public addresses (ALIGNFETCH_ALLOW_PRIVATE_NETWORK=1 lets it "
        "read others)."
    )
    assert fakes.server.log == []


# -- faults -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind", "status", "says", "requests"),
    [
        ("/missing", NotFoundError, 404, "answered HTTP 404: the page is gone", 1),
        ("/gone", NotFoundError, 410, "answered HTTP 410: the page is gone", 1),
        ("/busy", SourceError, 503, "answered HTTP 503 after 3 attempts", 3),
        ("/limited", SourceError, 429, "is limiting requests (HTTP 429)", 3),
        ("/loop", SourceError, None, "redirected more than 10 times", 11),
        ("/huge", SourceError, None, "is larger than ALIGNFETCH_MAX_BYTES (65536 bytes)", 1),
        ("/trickle", SourceError, None, "did not answer within 2 seconds", 1),
        ("/binary", SourceError, 200, "is not an HTML page alignfetch can read (it is binary)", 1),
        ("/empty", SourceError, 200, "is not an HTML page alignfetch can read (it is empty)", 1),
        ("/text", SourceError, 200, "is not an HTML page alignfetch can read (it has no HTML)", 1),
    ],
)
def test_each_fault_is_one_sentence_and_no_record(
    fakes: Fakes,
    pages: FakePages,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    kind: type[SourceError],
    status: int | None,
    says: str,
    requests: int,
) -> None:
    """Catches a fault taken for a page (a 404's "Not Found" or a huge page's start stored
    as the title, over the good record the cache holds), a gone page not told apart from
    one that failed (check's ``gone``), a redirect loop or a trickle that never ends,
    retries that never stop, and messages that are tracebacks rather than one sentence."""
    monkeypatch.setenv("ALIGNFETCH_MAX_BYTES", "65536")
    key = f"{fakes.server.url}{path}"
    got = _one(key)
    assert type(got) is kind
    assert isinstance(got, SourceError)
    assert str(got).startswith(f"{key} {says}")
    assert _one_sentence(str(got)), str(got)
    assert (got.status, got.ids, got.source) == (status, (key,), webpage.NAME)
    assert len(fakes.server.requests(f"^{re.escape(path)}$")) == requests


def test_a_trickling_page_takes_no_more_than_its_time(fakes: Fakes, pages: FakePages) -> None:
    """Catches a read without a deadline: a server that sends a byte every 0.3 s would
    hold the refresh for a minute (the page has 250 bytes); 2 s is the timeout here."""
    start = time.monotonic()
    assert isinstance(_one(f"{fakes.server.url}/trickle"), SourceError)
    assert time.monotonic() - start < 6


def test_no_page_is_started_after_the_deadline(fakes: Fakes, pages: FakePages) -> None:
    """Catches a batch that ignores the pipeline's deadline: every page would be asked
    (and the refresh overrun its time); the pages not asked are left out, not failed."""
    keys = [f"{fakes.server.url}/plain", f"{fakes.server.url}/twitter-only"]
    got = webpage.fetch(keys, Settings.from_env(), {}, deadline=time.monotonic() - 1)
    assert got == {}
    assert fakes.server.log == []


def test_a_hostile_page_is_bounded_and_its_links_checked(fakes: Fakes, pages: FakePages) -> None:
    """A page with 5,000 author tags, 2,000 other citation_* names, a 50,000-character
    title and a ``javascript:`` PDF link. Catches a reader without bounds (the cache and
    the README would hold all of it) and a PDF link kept whatever its scheme."""
    head = (
        '<meta name="citation_title" content="'
        + "Long " * 10_000
        + '">'
        + "".join(f'<meta name="citation_author" content="Author {i}">' for i in range(5000))
        + "".join(f'<meta name="citation_x{i}" content="{i}">' for i in range(2000))
        + '<meta name="citation_pdf_url" content="javascript:alert(1)">'
    )
    fakes.server.route(
        "GET",
        r"/hostile",
        lambda req, m: Response(
            200, f"<html><head>{head}</head></html>", {"Content-Type": "text/html"}
        ),
    )
    got = _one(f"{fakes.server.url}/hostile")
    assert isinstance(got, Fetched) and isinstance(got.record, Link)
    record = got.record
    assert len(record.title) == webpage.head_of.TITLE_MAX and record.title.endswith("…")
    assert record.authors == tuple(f"Author {i}" for i in range(webpage.head_of.AUTHORS_MAX))
    assert record.pdf_url is None
    assert len(got.raw) < 10_000
    assert "citation_x1" not in got.raw


def test_a_relative_pdf_link_is_read_against_the_page(fakes: Fakes, pages: FakePages) -> None:
    """Catches a relative citation_pdf_url kept as written (``/pdf/1.pdf`` is no link in a
    README) or read against the URL asked rather than where the redirects ended."""
    page = '<html><head><meta name="citation_pdf_url" content="files/1.pdf"></head></html>'
    fakes.server.route(
        "GET", r"/papers/one/", lambda req, m: Response(200, page, {"Content-Type": "text/html"})
    )
    fakes.server.route(
        "GET", r"/one", lambda req, m: Response(301, "", {"Location": "/papers/one/"})
    )
    record = _record(f"{fakes.server.url}/one")
    assert record.pdf_url == f"{fakes.server.url}/papers/one/files/1.pdf"
    assert record.title == f"{fakes.server.url}/one" and record.read
