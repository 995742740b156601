"""Reading an awesome list: its README in, sections and entries out; nothing is written.

:func:`read_list` interprets the blocks :mod:`alignfetch.readme.markdown` finds: for
each entry its file line, primary link and ID (classified through
:func:`alignfetch.list.ids.parse`, so every registered source gets its links), link
text, what the maintainer typed (:mod:`alignfetch.readme.fields`), its badges, and any
conflict between its own signals. It is reused by ``import``
(:mod:`alignfetch.adopt`) and by ``check`` (:mod:`alignfetch.lint`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from alignfetch.errors import BadIdError
from alignfetch.list import ids
from alignfetch.list.checks import url_problem
from alignfetch.list.entries import Section
from alignfetch.readme import markdown as md
from alignfetch.readme.fields import conflict, read_text
from alignfetch.readme.found import (
    ATTACHED,
    GENERIC,
    NOT_SECTIONS,
    SPACE,
    TOC,
    Found,
    ListReading,
    Skip,
)
from alignfetch.readme.furniture import credit, furniture
from alignfetch.readme.schemes import (
    REFUSED_HINT,
    SCHEME,
    clean_event,
    not_web,
    refused_links,
    scrub_event,
)
from alignfetch.sources.url import file_name

__all__ = ["GENERIC", "Found", "ListReading", "Skip", "classify", "read_list", "slugify"]


@dataclass
class _Sec:
    title: str
    level: int
    line: int
    parent: _Sec | None
    slug: str = ""
    used: bool = False
    furniture: bool = False
    """A table of contents, Contributing, License...: its links are not entries."""
    attached: bool = False
    """An entry's own ``<details>`` (Abstract, Data Card): its links are the entry's."""


def read_list(text: str) -> ListReading:
    """The sections and entries of an awesome-list README (nothing is written)."""
    doc = md.parse(text)
    title: str | None = None
    skipped: list[Skip] = []
    # Every text becomes a field as entries.toml may hold it: no control character or
    # bidi override reaches an entry (a refused import) or the terminal (the report).
    events = [clean_event(e) for e in doc.events]
    if REFUSED_HINT.search(html.unescape(text)):
        skipped.extend(refused_links(text))
        events = [scrub_event(e) for e in events]
    placed: list[tuple[Found, _Sec]] = []
    secs: list[_Sec] = []
    stack: list[_Sec] = []  # headings, then <details> groups
    root = _Sec("General", 0, 1, None)
    entry_heading: tuple[md.Heading, list[md.Block]] | None = None
    last_block: Found | None = None

    def current() -> _Sec:
        return stack[-1] if stack else root

    def flush() -> None:
        nonlocal entry_heading, last_block
        if entry_heading is not None:
            heading, blocks = entry_heading
            lines = [md.Line(heading.text, "strong", heading.line, list(heading.links))]
            links = list(heading.links)
            for b in blocks:
                for ln in b.lines:  # under the heading: details of the heading's entry
                    ln.depth += 1
                lines.extend(b.lines)
                links.extend(b.links)
            end = max([heading.line, *(b.end for b in blocks)])
            block = md.Block("heading", heading.line, lines, links, end=end)
            last_block = _entry(block, current(), placed, skipped)
            entry_heading = None

    levels = [e.level for e in events if isinstance(e, md.Heading)]
    top = min(levels, default=1)
    # The first heading names the list when it is the page's only top heading (or a "#").
    titled = bool(levels) and levels[0] == top and (top == 1 or levels.count(top) == 1)
    for event in events:
        if isinstance(event, md.Heading):
            flush()
            last_block = None
            web = [k for k in event.links if not k.image and not k.wraps_image and _web(k.url)]
            if titled:
                titled = False
                title = event.text or None
                _skip_all(event.links, "in the list's title", skipped)
                continue
            if web and not NOT_SECTIONS.match(event.text):
                entry_heading = (event, [])
                continue
            _skip_all(event.links, "in a heading", skipped)
            while stack and (stack[-1].level >= event.level or stack[-1].level < 0):
                stack.pop()
            sec = _Sec(
                event.text or f"Section {len(secs) + 1}",
                event.level,
                event.line,
                current() if stack else None,
            )
            sec.furniture = bool(NOT_SECTIONS.match(event.text)) or any(
                s.furniture for s in _parents(sec)
            )
            secs.append(sec)
            stack.append(sec)
        elif isinstance(event, md.Group):
            if event.text is None:
                if stack and stack[-1].level < 0:
                    flush()
                    stack.pop()
                continue
            flush()
            if last_block is not None and ATTACHED.match(event.text):
                stack.append(_Sec(event.text, -2, event.line, current(), attached=True))
                continue
            last_block = None
            sec = _Sec(event.text, -1, event.line, current() if stack else None)
            sec.furniture = any(s.furniture for s in _parents(sec))
            secs.append(sec)
            stack.append(sec)
        else:
            if entry_heading is not None:
                entry_heading[1].append(event)
                continue
            here = current()
            if here.attached and last_block is not None:
                _attach(last_block, event, skipped)
                continue
            if here.furniture:
                _skip_all(
                    event.links, f"under {here.title!r}, which is not a list section", skipped
                )
                continue
            last_block = _entry(event, here, placed, skipped)
    flush()
    skipped.sort(key=lambda s: s.line)  # the refused links among the others, in file order
    sections = _sections([root, *secs], placed)
    found = [f for f, _ in placed]
    return ListReading(
        title,
        sections,
        found,
        [s for s in skipped if s.reason != TOC],
        {s.slug: s.line for s in [root, *secs] if s.used},
        toc=[s for s in skipped if s.reason == TOC],
    )


def _parents(sec: _Sec) -> list[_Sec]:
    out: list[_Sec] = []
    p = sec.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def _sections(all_secs: list[_Sec], placed: list[tuple[Found, _Sec]]) -> list[Section]:
    """Slugs for the sections that hold entries (or whose subsections do)."""
    for _, here in placed:
        s: _Sec | None = here
        while s is not None:
            s.used = True
            s = s.parent
    taken: set[str] = set()
    out: list[Section] = []
    for sec in all_secs:
        if not sec.used:
            continue
        sec.slug = unique(slugify(sec.title) or f"section-{len(out) + 1}", taken)
        parent = sec.parent.slug if sec.parent is not None and sec.parent.used else None
        out.append(Section(sec.slug, sec.title, parent))
    for f, here in placed:
        f.section = here.slug
    return out


def slugify(title: str) -> str:
    """``LLM for Safety & Safe-Alignment`` -> ``llm-for-safety-safe-alignment``."""
    ascii_ = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60].strip("-")


def unique(slug: str, taken: set[str]) -> str:
    base, n = slug, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    taken.add(slug)
    return slug


def _web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def _skip_all(links: Iterable[md.Link], where: str, skipped: list[Skip]) -> None:
    for k in links:
        if _anchor(k.url) and not (k.image or k.inert):
            skipped.append(Skip(k.line, k.url, k.text, TOC))
            continue
        what = (
            "Markdown inside an HTML block (text on GitHub)"
            if k.inert
            else "an image"
            if k.image
            else "a badge's link"
            if k.wraps_image
            else "a link"
        )
        skipped.append(Skip(k.line, k.url, k.text, f"{what} {where}"))


def _attach(entry: Found, block: md.Block, skipped: list[Skip]) -> None:
    """Links inside an entry's abstract or card: more links of that entry."""
    for k in block.links:
        if k.inert:
            skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry's details")))
        elif k.image or not _web(k.url):
            _skip_all([k], "inside an entry's details", skipped)
        else:
            _add_link(entry, k, skipped)


def classify(url: str) -> ids.Ref | None:
    try:
        return ids.parse(url)
    except BadIdError:
        return None


def _entry(
    block: md.Block, sec: _Sec, placed: list[tuple[Found, _Sec]], skipped: list[Skip]
) -> Found | None:
    """The entry a block makes, or None (its links are then skipped, with why)."""
    if credit(block.text):  # "Template from …": the page's furniture, not an entry
        skipped.extend(Skip(k.line, k.url, k.text, _why_not(k, CREDIT)) for k in block.links)
        return None
    choice = _primary(block)
    if choice is None:
        skipped.extend(
            Skip(k.line, k.url, k.text, _why_not(k, "outside any entry")) for k in block.links
        )
        return None
    link, ref = choice
    f = Found(block.line, ref, link.url, link.text, "", end=block.end or block.line)
    conflict(f, block, link)
    read_text(f, block)
    for k in block.links:
        if k is link:  # an overruled link is told among the conflicts
            continue
        if k.inert:
            skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry")))
        elif k.image or k.wraps_image:
            f.badges.append(k.url)
        elif not _web(k.url):
            skipped.append(Skip(k.line, k.url, k.text, _why_not(k, "in an entry")))
        else:
            _add_link(f, k, skipped)
    placed.append((f, sec))
    return f


def _primary(block: md.Block) -> tuple[md.Link, ids.Ref] | None:
    """The link an entry is about: the first that a source names (a paper, dataset,
    repository...) on the entry's own lines, else the first web link there; links
    on nested lines (``Code: [Official](…)``) are details of the entry. The page's
    furniture (a social profile, a sponsor...) is never what an entry is about."""
    own = {id(k) for ln in block.lines if ln.depth == 0 for k in ln.links}
    web = [
        k
        for k in block.links
        if not (k.image or k.wraps_image or k.inert) and _web(k.url) and not furniture(k.url)
    ]
    for links in ([k for k in web if id(k) in own], web):
        refs = [(k, r) for k in links if (r := classify(k.url)) is not None]
        named = [(k, r) for k, r in refs if r.prefix != "url"]
        if named or refs:
            return (named or refs)[0]
    return None


CREDIT = "a template's credit, the page's furniture"


def _anchor(url: str) -> bool:
    """A link to a heading of the page itself (``#anchor``, ``./#anchor``)."""
    return url.startswith(("#", "./#"))


def _why_not(k: md.Link, where: str) -> str:
    if _anchor(k.url) and not (k.image or k.inert):
        return TOC
    if k.inert:
        return f"Markdown inside an HTML block, which GitHub shows as text, {where}"
    if k.image:
        return f"an image (a badge or picture) {where}"
    if k.wraps_image:
        return f"a badge's link {where}"
    if not k.url.strip():
        return f"an empty link {where}"
    if k.url.lower().startswith("mailto:"):
        return f"an e-mail address {where}"
    if _web(k.url):
        if where == CREDIT:
            return CREDIT
        what = furniture(k.url)
        if what is not None:
            return f"{what}, the page's furniture, {where}"
        return f"{_why_no_id(k.url)}, {where}"
    scheme = SCHEME.match(k.url.strip())
    if scheme is not None:  # javascript: in an <a href>, ftp:, ssh:...
        return f"{not_web(scheme.group(1).lower(), 'a link')}, {where}"
    return f"a relative link (a file beside the list) {where}"


def _why_no_id(url: str) -> str:
    """Why no source takes the http(s) link ``url`` as an ID (a clause)."""
    problem = url_problem(url.strip())
    if problem is not None:
        return problem  # not a valid URL, a user name or password in it...
    if len(url.strip()) > ids.MAX_LENGTH:
        return f"longer than any ID ({ids.MAX_LENGTH:,} characters at most)"
    if not url.isprintable():
        return "a URL holding an invisible character"
    return "the shape of an arXiv, GitHub or Hub link, but no ID they know (a typo?)"


_USABLE = re.compile(r"https?://[^\s/?#]+\S*$")
"""The shape of a link entries.toml can hold; :func:`alignfetch.list.checks.url_problem`
says whether it is one."""


def _add_link(f: Found, k: md.Link, skipped: list[Skip]) -> None:
    if not _USABLE.match(k.url):
        skipped.append(Skip(k.line, k.url, k.text, "not a complete http(s) URL"))
        return
    problem = url_problem(k.url)
    if problem is not None:
        skipped.append(Skip(k.line, k.url, k.text, problem))
        return
    ref = classify(k.url)
    if ref is not None and ref.identity == f.ref.identity:
        skipped.append(Skip(k.line, k.url, k.text, f"the entry's own link again ({f.ref})"))
        return
    if any(url == k.url for _, url, _ in f.links):
        skipped.append(Skip(k.line, k.url, k.text, f"already a link of {f.ref}"))
        return
    text = SPACE.sub(" ", k.text).strip()
    named = file_name(k.url)  # a file on GitHub is named by its file, unless its text names it
    name = (text if text != k.url.strip() or not named else "") or named
    name = name or urlsplit(k.url).netloc or "Link"
    base, n = name, 2
    while any(existing == name for existing, _, _ in f.links):
        name = f"{base} {n}"
        n += 1
    f.links.append((name, k.url, k.line))
