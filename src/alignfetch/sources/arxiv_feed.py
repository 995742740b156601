"""arXiv's Atom feed, read: its entries as ``arxiv.Result`` objects (:func:`parse_feed`),
what makes an answer no feed (:func:`feed_problem`), each entry's XML kept as the raw
payload (:func:`raw_entries`) and known by its own ETag (:func:`fingerprint`), and the DOI
an entry may name (:func:`doi`).

Pure functions of the bytes arXiv sent; :mod:`alignfetch.sources.arxiv` asks for them.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from arxiv import _feed as arxiv_feed

    from alignfetch.http import policy as net


def split_version(short_id: str) -> tuple[str, int]:
    """``2305.01937v2`` -> (``2305.01937``, 2); an ID without a version is version 1.

    What ``(.+?)v(\\d+)`` matching the whole ID gives, without a regular expression (a
    refresh splits some ten thousand)."""
    head, v, number = short_id.rpartition("v")
    if v and head and number.isdecimal() and "\n" not in head:
        return head, int(number)
    return short_id, 1


# Crossref's pattern for the DOIs it has registered since 2008 (and most before): its
# own count, 74.4 million of 74.9 million. A longer DOI than DOI_MAX is no DOI arXiv holds.
_DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Za-z0-9]+", re.ASCII)
DOI_MAX = 300


def doi(text: str | None) -> str | None:
    """The DOI an entry's ``<arxiv:doi>`` names, or None when it names none.

    arXiv separates several DOIs by spaces; the first is the paper's. A field that is
    not DOIs (a brace, a line break, markup, anything outside Crossref's pattern) is
    dropped whole: it is junk (or an attempt to write into a BibTeX export, where a
    DOI goes), and the paper keeps everything else, citing arXiv's own DOI instead.
    """
    words = (text or "").split()
    if not words or not all(len(w) <= DOI_MAX and _DOI.fullmatch(w) for w in words):
        return None
    return words[0]


_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


_read: list[tuple[bytes, Any]] = []
"""The last feed :func:`feed_problem` found well formed, and its parsed tree: the feed
is then read (:func:`parse_feed`) and cut into entries (:func:`raw_entries`) from
that tree, not parsed twice more (a 2,000-paper answer is some 8 MB of XML)."""


def _tree(content: bytes) -> Any:
    """The tree :func:`feed_problem` parsed of exactly ``content``, else None."""
    held = _read[:1]  # a copy: another thread may clear the list meanwhile
    if held and (held[0][0] is content or held[0][0] == content):
        return held[0][1]
    return None


def forget() -> None:
    """Let the last feed's tree go (a query is done with it)."""
    _read.clear()


def feed_problem(url: str, answer: net.Answer) -> str | None:
    """Why a 200 answer is not an arXiv API feed (HTML, broken XML, an empty page), or None.

    A feed that matched nothing still carries its ``totalResults``; a page
    without one is not the API speaking.
    """
    from lxml import etree

    if not answer.body.strip():
        return "an empty page"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(answer.body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        head = answer.body.lstrip()[:15].lower()
        return "an HTML page" if head.startswith((b"<!doctype html", b"<html")) else "broken XML"
    if root is None or root.tag != f"{_ATOM}feed":
        return "an HTML page" if root is not None and "html" in str(root.tag) else "not a feed"
    if root.getroottree().docinfo.doctype:
        # arXiv's feeds declare no DTD. One that does may define entities (an external
        # one reads a file or a URL, nested ones expand a billion-fold); they are never
        # expanded, and a text that held one would be read short: refuse the feed.
        return "a document with a DTD"
    if root.find(f"{_OPENSEARCH}totalResults") is None:
        return "a feed without results"
    # Well formed, so the forgiving parser of parse_feed would build this same tree.
    _read[:] = [(answer.body, root)]
    return None


_AUTHOR = "{http://www.w3.org/2005/Atom}author"
_LINK = "{http://www.w3.org/2005/Atom}link"
_CATEGORY = "{http://www.w3.org/2005/Atom}category"
_PRIMARY = "{http://arxiv.org/schemas/atom}primary_category"
_NAME = "{http://www.w3.org/2005/Atom}name"
_AFFILIATION = "{http://arxiv.org/schemas/atom}affiliation"


def parse_feed(content: bytes) -> arxiv_feed.ParsedFeed:
    """An arXiv API feed as the ``arxiv`` package's parser reads it, in one pass.

    The same results, field for field, as ``arxiv._feed.parse`` (a test compares
    the two on every recorded feed): the first of each element counts, an entry
    without an ID or either date is skipped, a feed that is no XML is an empty,
    malformed one. Each entry's children are read once instead of searched for
    by a namespaced path per field.
    """
    import arxiv as arxiv_pkg
    from arxiv import _feed as arxiv_feed
    from lxml import etree

    root = _tree(content)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    try:
        if root is None:
            root = etree.fromstring(content, parser=parser)
    except etree.XMLSyntaxError as exc:
        return arxiv_feed.ParsedFeed(arxiv_feed.FeedHeader(), [], malformed=True, error=exc)
    if root is None:
        return arxiv_feed.ParsedFeed(
            arxiv_feed.FeedHeader(), [], malformed=True, error=ValueError("empty document")
        )

    header = feed_header(root)
    results: list[arxiv_pkg.Result] = []
    for entry in root.iterchildren(f"{_ATOM}entry"):
        text, people, link_elements, categories, primary = entry_parts(entry)
        authors = [arxiv_pkg.Result.Author(name=n or "", affiliation=a) for n, a in people]
        links = [
            arxiv_pkg.Result.Link(
                href=link.get("href"),
                title=link.get("title"),
                rel=link.get("rel") or "",
                content_type=link.get("type"),
            )
            for link in link_elements
        ]
        entry_id = text.get(f"{_ATOM}id")
        updated = arxiv_feed._parse_datetime(text.get(f"{_ATOM}updated"))
        published = arxiv_feed._parse_datetime(text.get(f"{_ATOM}published"))
        if not entry_id or updated is None or published is None:
            continue  # as the package does (it says so on its logger)
        results.append(
            arxiv_pkg.Result(
                entry_id=entry_id,
                updated=updated,
                published=published,
                title=_SPACES.sub(" ", text.get(f"{_ATOM}title") or ""),
                authors=authors,
                summary=text.get(f"{_ATOM}summary") or "",
                comment=text.get(f"{_ARXIV}comment"),
                journal_ref=text.get(f"{_ARXIV}journal_ref"),
                doi=text.get(f"{_ARXIV}doi"),
                primary_category=primary or "",
                categories=categories,
                links=links,
            )
        )
    return arxiv_feed.ParsedFeed(header=header, results=results, malformed=False)


Parts = tuple[
    dict[str, str | None], list[tuple[str | None, list[str]]], list[Any], list[str], str | None
]
"""An entry's texts by tag, authors (name, affiliations), links, categories, primary one."""


def entry_parts(entry: Any) -> Parts:
    """One ``<entry>``'s children, each read once, as the ``arxiv`` package reads them (the
    first of each element counts): the text of every other element by its tag, each
    author's name and affiliations, the link elements that have an ``href``, the categories
    in their order, and the primary category ("" for one without a term)."""
    text: dict[str, str | None] = {}
    authors: list[tuple[str | None, list[str]]] = []
    links: list[Any] = []
    categories: list[str] = []
    primary: str | None = None
    for child in entry:
        tag = child.tag
        if tag == _AUTHOR:
            name = next((n.text for n in child.iterchildren(_NAME)), None)
            affiliations = [a.text for a in child.iterchildren(_AFFILIATION) if a.text is not None]
            authors.append((name, affiliations))
        elif tag == _LINK:
            if child.get("href") is not None:
                links.append(child)
        elif tag == _CATEGORY:
            term = child.get("term")
            if term is not None:
                categories.append(term)
        elif tag == _PRIMARY:
            if primary is None:
                primary = child.get("term") or ""
        elif isinstance(tag, str) and tag not in text:
            text[tag] = child.text
    return text, authors, links, categories, primary


def feed_header(root: Any) -> arxiv_feed.FeedHeader:
    """The feed's page numbers (``opensearch``'s), 0 for one missing or no number."""
    from arxiv import _feed as arxiv_feed

    def number(tag: str) -> int:
        found = root.find(f"{_OPENSEARCH}{tag}")
        try:
            return int(found.text.strip()) if found is not None and found.text else 0
        except ValueError:
            return 0

    return arxiv_feed.FeedHeader(
        total_results=number("totalResults"),
        items_per_page=number("itemsPerPage"),
        start_index=number("startIndex"),
    )


_SPACES = re.compile(r"\s+")
_ARXIV = "{http://arxiv.org/schemas/atom}"


def fingerprint(xml: str) -> str:
    """An entry's own ETag, which arXiv does not send: a digest of its XML as sent and of
    the code that reads it (:func:`alignfetch.version.source`), so that an entry arXiv sends
    again unchanged is known without being read, and one an upgraded alignfetch would
    read otherwise is read again."""
    from hashlib import blake2b

    return "entry:" + blake2b(xml.encode(), digest_size=16, key=_reader()).hexdigest()


@cache
def _reader() -> bytes:
    """A digest of alignfetch's code (its bytes, not its files' times: the same after a
    reinstall) and of the libraries that read a feed."""
    from hashlib import blake2b

    import arxiv as arxiv_pkg
    from lxml import etree

    from alignfetch import version

    h = blake2b(version.source(), digest_size=32)
    with open(arxiv_pkg.__file__, "rb") as f:  # the package that pages through answers
        h.update(f.read())
    h.update(repr((etree.LXML_VERSION, etree.LIBXML_VERSION)).encode())
    return h.digest()


def raw_entries(bodies: list[tuple[str, bytes]]) -> dict[str, str]:
    """Each ``<entry>`` element of the responses, as XML text, by canonical key."""
    from lxml import etree

    atom = "{http://www.w3.org/2005/Atom}"
    out: dict[str, str] = {}
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    for _url, body in bodies:
        try:
            root = _tree(body)
            if root is None:
                root = etree.fromstring(body, parser=parser)
        except etree.XMLSyntaxError:
            continue
        if root is None:
            continue
        for entry in root.iterfind(f"{atom}entry"):
            entry_id = entry.findtext(f"{atom}id") or ""
            if "/abs/" in entry_id:
                key, _ = split_version(entry_id.split("/abs/", 1)[1])
                out[key] = etree.tostring(entry, encoding="unicode")
    return out
