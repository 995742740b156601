"""Reading a web page's HTML (pure): its meta tags and title, into a
:class:`~alignfetch.records.Link` (:mod:`alignfetch.sources.webpage` asks the page).

What is read, in this order (the first that gives a field wins):

1. Highwire Press ``citation_*`` meta tags, what Zotero and Google Scholar read: title,
   authors (in order), publication date, conference or journal title, DOI, PDF URL;
2. OpenGraph and Twitter card tags: title, description, site name;
3. the ``<title>`` element.

The page is parsed with the standard library's :class:`html.parser.HTMLParser`: it reads
tags and never runs anything (a ``<script>`` is raw text to it, so a tag written in a
script's string is no tag), it takes the broken HTML of real sites (ACL Anthology's
unquoted attributes), and it can be fed a piece at a time, so parsing stops where the
``<head>`` ends. lxml, also a dependency, would parse faster, but nothing here needs the
whole page, and it is what :mod:`alignfetch.readme.htmltext` uses too. Every text loses
its control characters and bidi overrides, has its spaces collapsed and is cut to a
bound; entities are decoded by the parser.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from alignfetch.records import MONTHS as _MONTHS
from alignfetch.records import Link, is_http, strip_controls
from alignfetch.sources import url as url_source

PREFIX = url_source.PREFIX
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
HEAD_LIMIT = 2_000_000
"""Characters of a page parsed at most: the tags read are in its ``<head>``, which ends
far sooner on any real page; a page with no ``<body>`` is not parsed to its end."""

# Lengths kept of each field (a real title is under 300 characters; a page may say anything).
TITLE_MAX = 300
DESCRIPTION_MAX = 1000
NAME_MAX = 120
AUTHORS_MAX = 100
VENUE_MAX = 300
DOI_MAX = 200
URL_MAX = 2000
RAW_VALUE_MAX = 300

READ = frozenset(
    {
        "citation_title",
        "citation_author",
        "citation_authors",
        "citation_publication_date",
        "citation_date",
        "citation_online_date",
        "citation_conference_title",
        "citation_journal_title",
        "citation_doi",
        "citation_pdf_url",
        "og:title",
        "og:description",
        "og:site_name",
        "twitter:title",
        "twitter:description",
    }
)
"""The meta names (or properties) kept from a page: those :func:`convert` reads."""
VALUES_MAX = 5
"""Values kept of a name other than ``citation_author`` (a page may repeat any tag)."""
_MARKUP = re.compile(r"<(?:!doctype\s+html|html|head|body|title|meta)\b", re.IGNORECASE)
_META_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
"""A charset the page declares in its first bytes: ``<meta charset>``, ``<meta
http-equiv="Content-Type" content="...; charset=...">``, or an XHTML page's XML declaration."""
_NUMERIC_DATE = re.compile(
    r"(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ][\d:.]+(?:Z|[+-][\d:]+)?)?"
)
"""``2023``, ``2023/7``, ``2023-07-09``, ``2023/07/09``, ISO with a time of day."""
_DOI = re.compile(r"10\.\d{4,9}/\S+")


@dataclass(frozen=True)
class Head:
    """What a page's head says: its meta tags read (name -> values, in order) and its
    ``<title>``."""

    meta: Mapping[str, tuple[str, ...]]
    title: str | None


class _HeadParser(HTMLParser):
    """The meta tags and the first ``<title>`` of a page, until its ``<body>`` starts.

    ``<script>`` and ``<style>`` are raw text to this parser: a tag written inside a
    script's string is not a tag, and nothing in it runs.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.title: list[str] | None = None
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
        elif tag == "meta":
            values = {k.lower(): v for k, v in attrs if v is not None}
            # OpenGraph uses property=, Highwire and Twitter name= (each is found with both).
            key = (values.get("name") or values.get("property") or "").strip().lower()
            content = values.get("content")
            if content is not None and key in READ:
                kept = self.meta.setdefault(key, [])
                if len(kept) < (AUTHORS_MAX if key == "citation_author" else VALUES_MAX):
                    kept.append(content[: DESCRIPTION_MAX * 2])
        elif tag == "title" and self.title is None:
            self.title = []
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and self.title is not None and sum(map(len, self.title)) < TITLE_MAX * 4:
            self.title.append(data)


def read(html: str) -> Head:
    """The meta tags and title of ``html`` (text), read no further than its head."""
    parser = _HeadParser()
    step = 65536
    for start in range(0, min(len(html), HEAD_LIMIT), step):
        parser.feed(html[start : start + step])
        if parser.done:
            break
    title = "".join(parser.title) if parser.title is not None else None
    return Head({k: tuple(v) for k, v in parser.meta.items()}, title)


def convert(key: str, head: Head, page_url: str | None = None) -> Link:
    """The record of ``key`` from what its page says; ``page_url`` (where the page was
    found, after redirects) resolves a relative PDF link."""
    meta = head.meta
    base = page_url or key

    def first(*names: str, limit: int) -> str | None:
        for name in names:
            for value in meta.get(name, ()):
                text = _text(value, limit)
                if text:
                    return text
        return None

    title = first("citation_title", "og:title", "twitter:title", limit=TITLE_MAX)
    title = title or (_text(head.title, TITLE_MAX) if head.title is not None else None)
    authors = _authors(meta)
    description = first("og:description", "twitter:description", limit=DESCRIPTION_MAX)
    dates = ("citation_publication_date", "citation_date", "citation_online_date")
    published = next((d for n in dates for v in meta.get(n, ()) if (d := _date(v))), None)
    venue = first("citation_conference_title", "citation_journal_title", limit=VENUE_MAX)
    doi = next((d for v in meta.get("citation_doi", ()) if (d := _doi(v))), None)
    pdf_url = next((u for v in meta.get("citation_pdf_url", ()) if (u := _link(v, base))), None)
    site_name = first("og:site_name", limit=NAME_MAX)
    found = (title, description, published, venue, doi, pdf_url, site_name)
    return Link(
        id=f"{PREFIX}:{key}",
        title=title or url_source.convert(key).title,
        url=key,
        description=description,
        authors=authors,
        issued=published,
        venue=venue,
        doi=doi,
        pdf_url=pdf_url,
        site_name=site_name,
        read=bool(authors) or any(v is not None for v in found),
    )


def unread(
    key: str, *, pdf: bool = False, disposition: str | None = None, final: str | None = None
) -> Link:
    """The record of a page not read: what :func:`url.convert` gives, a PDF named by its
    file (the ``Content-Disposition`` name its server gives, else the last segment of the
    URL it was found at, ``final``, or of its own)."""
    link = url_source.convert(key)
    if not pdf or url_source.file_name(key):
        return link
    name = _disposition_name(disposition) or _pdf_name(final or key) or _pdf_name(key)
    return dataclasses.replace(link, title=name) if name else link


def _text(value: str, limit: int) -> str:
    """One line of a page's text: controls and bidi overrides out, spaces collapsed, cut."""
    text = " ".join(strip_controls(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _authors(meta: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    names = list(meta.get("citation_author", ()))
    if not names:  # the older form: one tag, names separated by semicolons
        names = [n for v in meta.get("citation_authors", ()) for n in v.split(";")]
    out: list[str] = []
    for value in names[:AUTHORS_MAX]:
        name = _text(value, NAME_MAX)
        last, comma, given = name.partition(",")
        if comma and "," not in given and last.strip() and given.strip():
            name = f"{given.strip()} {last.strip()}"  # "Chiang, Cheng-Han", as arXiv writes
        if name:
            out.append(name)
    return tuple(out)


def _date(value: str) -> str | None:
    """``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` from a page's date (``2023/7``,
    ``2023/07/09``, ``2023-07-09T12:00:00Z``, ``9 July 2023``, ``July 9, 2023``); None
    when it is no date."""
    text = value.strip()
    m = _NUMERIC_DATE.fullmatch(text)
    if m:
        year, month, day = m[1], m[2], m[3]
    else:
        words = re.findall(r"[A-Za-z]+|\d+", text)
        nums = [w for w in words if w.isdigit()]
        months = [_MONTHS[w.lower()] for w in words if w.lower() in _MONTHS]
        years = [n for n in nums if len(n) == 4]
        days = [n for n in nums if len(n) <= 2]
        if len(years) != 1 or len(months) != 1 or len(days) > 1 or len(words) > 4:
            return None
        year, month, day = years[0], str(months[0]), (days[0] if days else None)
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    if not 1000 <= int(year) <= 2999:
        return None
    if month is None:
        return year
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day is not None else "")


def _doi(value: str) -> str | None:
    """The bare DOI (``10.18653/v1/…``) from ``doi:10…``, ``https://doi.org/10…`` or itself."""
    m = _DOI.search(unquote(strip_controls(value).strip()))
    return m[0].rstrip(".,;")[:DOI_MAX] if m else None


def _link(value: str, base: str) -> str | None:
    """An absolute http(s) URL from a page's link (relative ones read against ``base``)."""
    text = strip_controls(value).strip()
    try:
        target = urljoin(base, text)
        urlsplit(target).hostname  # noqa: B018  # raises for a host that is no address
    except ValueError:
        return None
    return target if len(target) <= URL_MAX and is_http(target) else None


def _pdf_name(address: str) -> str | None:
    """The last segment of ``address``'s path when it names a PDF file (``paper.pdf``)."""
    try:
        path = urlsplit(address).path
    except ValueError:
        return None
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    name = _text(name, NAME_MAX)
    return name if name.lower().endswith(".pdf") and len(name) > 4 else None


def _disposition_name(header: str | None) -> str | None:
    """The file name a ``Content-Disposition`` header gives, without any folder."""
    if not header:
        return None
    from email.message import Message

    msg = Message()
    msg["Content-Disposition"] = header
    try:
        name = msg.get_filename()
    except (ValueError, LookupError):
        return None
    if not name:
        return None
    name = _text(re.split(r"[/\\]", name)[-1], NAME_MAX)
    return name or None


def is_pdf_url(key: str) -> bool:
    """Whether ``key`` names a PDF by its path (``…/paper.pdf``): not asked at all."""
    return _pdf_name(key) is not None


def media_type(headers: Mapping[str, str]) -> str | None:
    """The answer's media type, lower-cased, without parameters; None when not given."""
    value = header(headers, "Content-Type")
    kind = (value or "").split(";", 1)[0].strip().lower()
    return kind or None


def header(headers: Mapping[str, str], name: str) -> str | None:
    low = name.lower()
    return next((v for k, v in headers.items() if k.lower() == low), None)


class Junk(ValueError):
    """A page that claims to be HTML and is not readable as such; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode(body: bytes, headers: Mapping[str, str]) -> str:
    """The page's text, in the charset its header, byte-order mark or ``<meta charset>``
    gives (UTF-8, then Windows-1252, when none does); :class:`Junk` when it is empty,
    binary or not text in that charset."""
    if not body.strip():
        raise Junk("it is empty")
    if b"\x00" in body[:4096] and not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise Junk("it is binary")
    declared = _charset(header(headers, "Content-Type") or "")
    if body.startswith(codecs.BOM_UTF8):
        names = ["utf-8-sig"]
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        names = ["utf-16"]
    elif declared:
        names = [declared]
    elif m := _META_CHARSET.search(body[:2048]):
        names = [_known((m[1] or m[2]).decode("ascii", "replace")) or "utf-8"]
    else:
        names = ["utf-8", "windows-1252"]  # the web's defaults, in the order browsers try
    for name in names:
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        if not _MARKUP.search(text):
            raise Junk("it has no HTML")
        return text
    raise Junk(f"it is not {names[-1]} text")


def _charset(content_type: str) -> str | None:
    m = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.IGNORECASE)
    return _known(m[1]) if m else None


def _known(name: str) -> str | None:
    """A codec Python knows by ``name`` (``iso-8859-1`` read as Windows-1252, as browsers
    do), or None."""
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def raw(head: Head | None, *, final: str, kind: str | None) -> str:
    """What a :class:`~alignfetch.sources.Fetched` keeps of the answer: the tags read, as
    JSON (never the page)."""
    doc: dict[str, Any] = {"url": final, "type": kind}
    if head is not None:
        doc["meta"] = {k: [v[:RAW_VALUE_MAX] for v in vs] for k, vs in sorted(head.meta.items())}
        doc["title"] = head.title[:RAW_VALUE_MAX] if head.title is not None else None
    return json.dumps(doc, ensure_ascii=False, sort_keys=True)
