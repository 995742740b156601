"""Citations: BibTeX and CSL-JSON for the list's entries.

Owns the pure conversion from :class:`alignfetch.core.Item` (an entry with its
cached record) to BibTeX and CSL-JSON, and the citation keys the two share. It
never fetches and never reads a file. The rules, which README.md repeats:

- **Keys**: family name of the first author (a dataset's or repository's owner),
  year, first significant word of the title (stop words skipped), folded to
  lower-case ASCII letters and digits: ``chiang2023can``. A repository has no
  year in its key, since its only date (the last push) moves. Keys that collide
  get ``a``, ``b``, ... in list order, so they are stable and unique across the list.
- **Entry types**: a paper whose venue (the ``venue`` override, else arXiv's
  journal reference) names a conference (:data:`CONFERENCE_WORDS` or an acronym of
  :data:`CONFERENCE_ACRONYMS`) is ``@inproceedings`` with that ``booktitle``; any
  other venue but arXiv is a journal (``@article``); no venue, ``@misc`` as arXiv
  exports it. Datasets, models, Spaces and collections are ``@misc`` with
  ``howpublished`` the Hub URL (CSL: ``dataset``, ``software``, ``software``,
  ``webpage``); repositories
  ``@software`` (biblatex's type, and what GitHub's "Cite this repository" writes;
  plain bibtex styles warn and format it as ``@misc``, so ``howpublished`` carries the
  URL there too). A web link (``url:``) is ``@misc`` with its title, ``howpublished``
  and ``url``, the year of its ``date`` override, and ``urldate`` when the day it was
  accessed is known (CSL: ``webpage`` with ``URL`` and ``accessed``); its key's "author"
  is the site (``www.perspectiveapi.com`` -> ``perspectiveapi``). Nothing in a list
  makes an export fail: what no rule covers is ``@misc`` with its title and URL.
- **Text**: LaTeX's special characters are escaped; a letter with one accent, or one
  LaTeX has a macro for, is written in LaTeX (``M{\\"u}ller``, ``Mar{\\'i}a``,
  ``{\\L}ukasz``, ``{\\DJ}``), which bibtex (8-bit: sorting, initials) and biber both
  read; what has no such form (two stacked accents as in Vietnamese, CJK, emoji) stays
  UTF-8, which biber reads natively and bibtex passes through. A paper title
  keeps its capitalisation: a word with a capital after its first letter (LLM,
  MT-Bench, GPT-4) or a lone capital letter is braced. A dataset's or repository's
  title is a name and is braced whole.
- **CSL-JSON** follows the CSL 1.0 input schema. Names are split by
  :func:`split_name`; ``issued`` is a paper's first version, a dataset's, model's or
  Space's creation, a repository's last push.

Both outputs are pure functions of the items: the same cache gives the same bytes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from alignfetch.errors import InputError
from alignfetch.records import (
    Collection,
    Dataset,
    Link,
    Model,
    Paper,
    Repo,
    Scholarly,
    Space,
    scholarly_id,
)

if TYPE_CHECKING:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    from alignfetch.list.items import Item
    from alignfetch.records import Record

FORMATS = ("bibtex", "csl-json")

STOP_WORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "at", "to", "for", "and", "or", "with", "by",
     "from", "into", "via", "towards", "toward"}
)  # fmt: skip
"""Words a key skips to find the title's first significant word."""

CONFERENCE_WORDS = re.compile(
    r"\b(conference|proceedings|workshop|symposium|colloquium)\b|\b(proc|conf)\.", re.I
)
CONFERENCE_ACRONYMS = (
    "ACL", "EMNLP", "NAACL", "EACL", "AACL", "COLING", "CoNLL", "LREC", "NeurIPS", "NIPS",
    "ICML", "ICLR", "AAAI", "IJCAI", "AISTATS", "UAI", "COLT", "CVPR", "ICCV", "ECCV", "WACV",
    "BMVC", "KDD", "SIGIR", "WWW", "WSDM", "CIKM", "RecSys", "CHI", "FAccT", "ICASSP",
    "Interspeech", "INTERSPEECH", "CoRL", "ICRA", "IROS",
)  # fmt: skip
"""Venue acronyms that make a paper ``@inproceedings`` (matched as whole words, with case)."""
_ACRONYM = re.compile(r"(?<![A-Za-z])(" + "|".join(CONFERENCE_ACRONYMS) + r")(?![A-Za-z])")
_ARXIV_VENUE = re.compile(r"^\s*arxiv\b", re.I)

SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
"""Name suffixes :func:`split_name` recognises at the end of a name."""

ARXIV_DOI = "10.48550/arXiv.{}"
"""The DOI arXiv gives every paper; a journal's DOI wins."""


# -- names -------------------------------------------------------------------------


@dataclass(frozen=True)
class Name:
    """An author's name in CSL's parts; ``literal`` alone for a one-word name or a group."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""


def split_name(name: str) -> Name:
    """Split ``name`` into given name, particle, family name and suffix.

    ``Family, Given`` is taken as written. Otherwise the last word is the family name,
    a run of lower-case words just before it a particle (``Ludwig van der Berg``), and
    the words before those the given name (``Jean-Pierre``, ``Eric P.``). A trailing
    ``Jr.``, ``Sr.``, ``II``-``IV`` is the suffix. A single word is a literal name.
    """
    words = name.replace(",", " , ").split()
    suffix = ""
    if len(words) > 2 and words[-1] in SUFFIXES:
        suffix = words.pop()
        if words[-1] == ",":
            words.pop()
    if "," in words:
        at = words.index(",")
        family_words, given = words[:at], " ".join(w for w in words[at + 1 :] if w != ",")
        particle_words: list[str] = []
        while len(family_words) > 1 and family_words[0][:1].islower():
            particle_words.append(family_words.pop(0))
        return Name(" ".join(family_words), given, " ".join(particle_words), suffix)
    if len(words) == 1 and not suffix:
        return Name(literal=words[0])
    if not words:
        return Name(literal=name.strip())
    family = words.pop()
    start = len(words)
    while start > 1 and words[start - 1][:1].islower():
        start -= 1
    return Name(family, " ".join(words[:start]), " ".join(words[start:]), suffix)


# -- keys --------------------------------------------------------------------------

_FOLD = str.maketrans(
    {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae",
     "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"}
)  # fmt: skip


def fold(text: str) -> str:
    """``text`` in lower-case ASCII: accents dropped, ł/đ/ø/ß... spelled in Latin letters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if c.isascii()).lower()


def _first_word(title: str) -> str:
    words: list[str] = re.findall(r"[a-z0-9]+", fold(title))
    return next((w for w in words if w not in STOP_WORDS), "")


def _owner(item: Item) -> str:
    r = item.record
    if isinstance(r, Repo):
        return r.full_name.split("/", 1)[0]
    if isinstance(r, Dataset | Model | Space):
        return r.author or r.id.split(":", 1)[1].split("/", 1)[0]
    if isinstance(r, Collection):
        return r.owner or r.slug.split("/", 1)[0]
    return ""


def _hub_date(r: Record) -> str | None:
    """The date a Hub repository is cited with: the day it was created (a collection: none)."""
    return r.created if isinstance(r, Dataset | Model | Space) else None


def _title(item: Item) -> str:
    return item.entry.title or str(getattr(item.record, "title", ""))


def _site(url: str) -> str:
    """The name a web page's key is made of: its host's first label after ``www.``."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return host.split(".", 1)[0]


def _base_key(item: Item) -> str:
    r = item.record
    title = _title(item)
    if isinstance(r, Paper):
        first = split_name(r.authors[0].name) if r.authors else Name()
        who, year = first.family or first.literal, r.published[:4]
    elif isinstance(r, Link):
        # Its record's title is the URL itself: only the maintainer's title names the page,
        # and a title that starts with the site's name says it once (perspectiveapi).
        who, year, title = _site(r.url), (item.entry.date or "")[:4], item.entry.title or ""
        if _first_word(title) and _first_word(title) in fold(who):
            title = ""
    else:
        who = _owner(item)
        year = (_hub_date(r) or "")[:4]
        title = title.removeprefix(who + "/")  # a dataset's name, not its owner again
    family = "".join(re.findall(r"[a-z0-9]+", fold(who))) or "anon"
    return f"{family}{year}{_first_word(title)}"


def cite_keys(items: Sequence[Item]) -> dict[str, str]:
    """Each entry's citation key, by entry ID: unique across ``items``, suffixed in order."""
    bases = [_base_key(i) for i in items]
    counts: dict[str, int] = {}
    for b in bases:
        counts[b] = counts.get(b, 0) + 1
    taken = {b for b in bases if counts[b] == 1}
    following: dict[str, int] = {}  # the next suffix to try, per colliding base
    keys: dict[str, str] = {}
    for item, base in zip(items, bases, strict=True):
        key = base
        if counts[base] > 1:
            n = following.get(base, 0)
            while (key := base + _letters(n)) in taken:
                n += 1
            following[base] = n + 1
        taken.add(key)
        keys[item.entry.id] = key
    return keys


def _letters(n: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa: the suffixes of colliding keys."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


# -- venues ------------------------------------------------------------------------


def venue(item: Item) -> str | None:
    """Where a paper appeared: the ``venue`` override, else arXiv's journal reference,
    else the venue Semantic Scholar gives (its full name); None for a preprint (no
    venue, or one that is arXiv itself)."""
    r = item.record
    s2 = published(item)
    text = item.entry.venue or (r.journal_ref if isinstance(r, Paper) else None)
    if not text and s2 is not None:
        text = s2.venue_name or s2.venue
    if not text or _ARXIV_VENUE.match(text):
        return None
    return " ".join(text.split())


def published(item: Item) -> Scholarly | None:
    """A paper's Semantic Scholar record when it names where the paper was published."""
    r = item.record
    s2 = item.related.get(scholarly_id(r)) if isinstance(r, Paper) else None
    return s2 if isinstance(s2, Scholarly) and s2.found and s2.venue else None


def is_conference(text: str, item: Item | None = None) -> bool:
    """Whether a venue names a conference (else it is taken for a journal): what Semantic
    Scholar says of the published version, else the venue's words."""
    s2 = published(item) if item is not None and not item.entry.venue else None
    if s2 is not None and (s2.dblp or "").startswith(("conf/", "journals/")):
        return (s2.dblp or "").startswith("conf/")  # DBLP files proceedings apart
    if s2 is not None and "Conference" in s2.publication_types:
        return True  # Semantic Scholar marks many proceedings papers JournalArticle too
    return bool(CONFERENCE_WORDS.search(text) or _ACRONYM.search(text))


# -- BibTeX ------------------------------------------------------------------------

_SPECIALS = str.maketrans(
    {"\\": r"{\textbackslash}", "{": r"{\{}", "}": r"{\}}", "&": r"{\&}", "%": r"{\%}",
     "$": r"{\$}", "#": r"{\#}", "_": r"{\_}", "~": r"{\textasciitilde}",
     "^": r"{\textasciicircum}"}
)  # fmt: skip
_ACCENTS = {
    "\u0300": "\\`", "\u0301": "\\'", "\u0302": "\\^", "\u0303": "\\~", "\u0304": "\\=",
    "\u0307": "\\.", "\u0308": '\\"', "\u0306": "\\u{}", "\u030a": "\\r{}", "\u030b": "\\H{}",
    "\u030c": "\\v{}", "\u0323": "\\d{}", "\u0327": "\\c{}", "\u0328": "\\k{}",
}  # fmt: skip
"""LaTeX's accent commands by combining mark (``{}`` where the letter goes in braces)."""


def _accented(char: str) -> str:
    """A Latin letter with one accent as LaTeX writes it (``{\\'i}``, ``{\\c{c}}``).

    Done here rather than by pylatexenc, which writes í as ``{\\'\\i}``: biber decodes
    that to a dotless i and a combining accent, which pdflatex cannot set. Letters with
    two accents (Vietnamese ặ, ễ) are left as they are: biber decodes nested accents in
    the wrong order, and reads UTF-8 as it is.
    """
    parts = unicodedata.normalize("NFD", char)
    if len(parts) != 2 or not parts[0].isascii() or not parts[0].isalpha():
        return char
    command = _ACCENTS.get(parts[1])
    if command is None:
        return char
    if command.endswith("{}"):
        return "{" + command[:-1] + parts[0] + "}}"
    return "{" + command + parts[0] + "}"


@cache
def _encoder() -> UnicodeToLatexEncoder:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    return UnicodeToLatexEncoder(
        non_ascii_only=True,
        replacement_latex_protection="braces-all",
        unknown_char_policy="keep",  # CJK, emoji, stacked accents: UTF-8
        unknown_char_warning=False,
    )


@lru_cache(maxsize=1 << 16)  # a list names the same authors and words again and again
def latex(text: str) -> str:
    """``text`` as BibTeX field text: specials escaped, accents as ``{\\"u}``."""
    escaped = text.translate(_SPECIALS)
    if escaped.isascii():  # most text: pylatexenc costs ~0.1 ms a call, and has nothing to do
        return escaped
    accented = "".join(c if c.isascii() else _accented(c) for c in escaped)
    if accented.isascii():
        return accented
    # The rest: letters LaTeX has a macro for ({\\L}, {\\DJ}, {\\o}, {\\ss}), punctuation.
    return str(_encoder().unicode_to_latex(accented))


def _protected(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    if len(letters) == 1:
        return letters[0].isupper() and letters[0] != "A"
    return any(c.isupper() for c in letters[1:])


def bibtex_title(text: str, *, whole: bool = False) -> str:
    """A title for BibTeX: words that must keep their capitals braced (or all of it)."""
    words = [
        "{" + latex(w) + "}" if _protected(w) and not whole else latex(w) for w in text.split()
    ]
    joined = " ".join(words)
    return "{" + joined + "}" if whole else joined


def bibtex_name(name: str) -> str:
    """One author as ``particle Family, Suffix, Given`` (or ``{Literal}``)."""
    n = split_name(name)
    if n.literal:
        return "{" + latex(n.literal) + "}"

    def part(text: str) -> str:
        return " ".join("{and}" if w.lower() == "and" else latex(w) for w in text.split())

    family = part(" ".join(p for p in (n.particle, n.family) if p))
    return ", ".join(p for p in (family, part(n.suffix), part(n.given)) if p)


def bibtex_entry(item: Item, accessed: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """An item's entry type and fields (as BibTeX text), in the order they are written;
    ``accessed`` is the day (``YYYY-MM-DD``) a web link was last seen, when known."""
    r = item.record
    title = _title(item)
    if isinstance(r, Paper):
        where = venue(item)
        kind = (
            "misc"
            if where is None
            else "inproceedings"
            if is_conference(where, item)
            else "article"
        )
        fields = [
            ("title", bibtex_title(title)),
            ("author", " and ".join(bibtex_name(a.name) for a in r.authors)),
        ]
        if where is not None:
            fields.append(("booktitle" if kind == "inproceedings" else "journal", latex(where)))
        key_id = r.id.split(":", 1)[1]
        # Verbatim fields (eprint, doi, url) are percent-encoded, the others escaped: no
        # upstream text (a DOI of ``10.1/x}, note={...``) may close its field.
        s2 = published(item) if where is not None else None
        year = str(s2.year) if s2 is not None and s2.year else _year(r.published)
        fields += [
            ("year", year or ""),
            ("eprint", verbatim(key_id)),
            ("archivePrefix", "arXiv"),
            ("primaryClass", latex(r.primary_category)),
            ("doi", verbatim(_doi(r, key_id, s2))),
            ("url", verbatim(r.url)),
        ]
        return kind, fields
    if isinstance(r, Dataset | Model | Space | Collection | Repo):
        when = r.pushed_at if isinstance(r, Repo) else _hub_date(r)
        fields = [
            ("title", bibtex_title(title, whole=True)),
            ("author", "{" + latex(_owner(item)) + "}"),
        ]
        fields.append(("year", _year(when) or ""))
        fields += _address(r.url)
        return ("software" if isinstance(r, Repo) else "misc"), fields
    # A web link, or whatever else a list may hold: a page with a title and an address.
    url = str(getattr(r, "url", "") or "")
    fields = [("title", bibtex_title(title))]
    if isinstance(r, Link):
        fields.append(("year", _year(item.entry.date) or ""))
    if url:
        fields += _address(url)
    if accessed and _issued(accessed[:10]):
        fields.append(("urldate", accessed[:10]))
    return "misc", fields


def _doi(paper: Paper, key_id: str, s2: Scholarly | None = None) -> str:
    """The DOI a paper is cited with: its journal's, else the published version's
    (Semantic Scholar), else arXiv's. A cache written before arXiv's field was checked
    (:func:`arxiv_feed.doi`) may hold one that is no DOI."""
    from alignfetch.sources.arxiv_feed import doi

    return doi(paper.doi) or doi(s2.doi if s2 else None) or ARXIV_DOI.format(key_id)


def _year(when: str | None) -> str | None:
    """The year of a date, or None for no date or one no calendar has."""
    issued = _issued(when)
    return str(issued["date-parts"][0][0]) if issued else None


_UNSAFE = re.compile(r"[\\{}\s\x00-\x1f\x7f-\x9f]")


def verbatim(text: str) -> str:
    """``text`` for a field BibTeX and biblatex take verbatim (``url``, ``doi``, ``eprint``):
    braces and backslashes percent-encoded (a ``}`` would close the field, a ``{`` leave
    it open), and blanks and control characters too (an address or identifier has none)."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), text)


def _address(url: str) -> list[tuple[str, str]]:
    """``howpublished`` and ``url`` fields for ``url``: made :func:`verbatim`, and in
    ``\\url{}``, which LaTeX reads inside the field's argument, ``%`` and ``#`` escaped."""
    safe = verbatim(url)
    shown = safe.replace("%", r"\%").replace("#", r"\#")
    return [("howpublished", r"\url{" + shown + "}"), ("url", safe)]


def to_bibtex(
    items: Sequence[Item],
    keys: Mapping[str, str] | None = None,
    accessed: Mapping[str, str] | None = None,
) -> str:
    """The items as a BibTeX file, written by bibtexparser; keys from :func:`cite_keys`,
    ``accessed`` the day each web link was last seen, by entry ID, where known."""
    from bibtexparser.entrypoint import write_string
    from bibtexparser.library import Library
    from bibtexparser.middlewares.parsestack import default_unparse_stack
    from bibtexparser.model import Block, Entry, Field
    from bibtexparser.writer import BibtexFormat

    keys = keys if keys is not None else cite_keys(items)
    entries: list[Block] = []
    for item in items:
        key = keys[item.entry.id]
        kind, fields = bibtex_entry(item, (accessed or {}).get(item.entry.id))
        entries.append(Entry(kind, key, [Field(k, v, enclosing="{") for k, v in fields if v]))
    fmt = BibtexFormat()  # type: ignore[no-untyped-call]  # bibtexparser leaves it unannotated
    fmt.indent = "  "
    fmt.block_separator = "\n"
    # The library is ours and thrown away: no need for the default stack's deep copies.
    stack = default_unparse_stack(allow_inplace_modification=True)
    text = write_string(Library(entries), unparse_stack=stack, bibtex_format=fmt)
    return text if text.endswith("\n") or not text else text + "\n"


# -- CSL-JSON ----------------------------------------------------------------------


def csl_name(name: str) -> dict[str, str]:
    n = split_name(name)
    if n.literal:
        return {"literal": n.literal}
    out = {"family": n.family, "given": n.given}
    if n.particle:
        out["non-dropping-particle"] = n.particle
    if n.suffix:
        out["suffix"] = n.suffix
    return {k: v for k, v in out.items() if v}


def _issued(date: str | None) -> dict[str, Any] | None:
    """CSL's date of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; None for anything else (a
    date no calendar has, which an old cache may hold, is no date)."""
    from datetime import date as Date

    m = _ISSUED.match(date or "")
    if m is None:
        return None
    parts = [int(p) for p in m.groups() if p is not None]
    try:
        Date(parts[0], *(parts[1:] + [1, 1])[:2])
    except ValueError:
        return None
    return {"date-parts": [parts]}


_ISSUED = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:$|T)")


CSL_TYPES = {
    "dataset": "dataset",
    "model": "software",
    "space": "software",
    "collection": "webpage",
    "repo": "software",
}
"""CSL type of each kind that is not a paper (a model's weights are cited as software)."""


def csl_item(item: Item, key: str, accessed: str | None = None) -> dict[str, Any]:
    """One item as CSL-JSON (CSL 1.0 input data); ``accessed`` as for :func:`bibtex_entry`."""
    r = item.record
    out: dict[str, Any] = {"id": key, "citation-key": key}
    if isinstance(r, Paper):
        where = venue(item)
        arxiv_id = r.id.split(":", 1)[1]
        out["type"] = (
            "article"
            if where is None
            else "paper-conference"
            if is_conference(where, item)
            else "article-journal"
        )
        out["title"] = _title(item)
        out["author"] = [csl_name(a.name) for a in r.authors]
        out["issued"] = _issued(r.published)
        if where is None:
            out["publisher"] = "arXiv"
            out["number"] = f"arXiv:{arxiv_id}"
        else:
            out["container-title"] = where
            out["archive"] = "arXiv"
            out["archive_location"] = f"arXiv:{arxiv_id}"
        out["DOI"] = _doi(r, arxiv_id, published(item) if where is not None else None)
        out["URL"] = r.url
        out["abstract"] = r.abstract
    elif isinstance(r, Dataset | Model | Space | Collection | Repo):
        out["type"] = CSL_TYPES[r.kind]
        out["title"] = _title(item)
        out["author"] = [{"literal": _owner(item)}]
        out["issued"] = _issued(r.pushed_at if isinstance(r, Repo) else _hub_date(r))
        out["publisher"] = "GitHub" if isinstance(r, Repo) else "Hugging Face"
        out["URL"] = r.url
    else:  # a web link, or whatever else a list may hold
        out["type"] = "webpage"
        out["title"] = _title(item)
        if isinstance(r, Link):
            out["issued"] = _issued(item.entry.date)
        out["URL"] = str(getattr(r, "url", "") or "")
        out["accessed"] = _issued(accessed)
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def to_csl(
    items: Sequence[Item],
    keys: Mapping[str, str] | None = None,
    accessed: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The items as a CSL-JSON array; each ``id`` is the BibTeX key."""
    keys = keys if keys is not None else cite_keys(items)
    seen = accessed or {}
    return [csl_item(i, keys[i.entry.id], seen.get(i.entry.id)) for i in items]


def write(
    fmt: str,
    items: Sequence[Item],
    keys: Mapping[str, str] | None = None,
    accessed: Mapping[str, str] | None = None,
) -> str:
    """``items`` as BibTeX or CSL-JSON text (keys from the whole list when given;
    ``accessed``: the day each web link was last seen, by entry ID, where known)."""
    from alignfetch.list.export import dumps

    if fmt == "bibtex":
        return to_bibtex(items, keys, accessed)
    if fmt == "csl-json":
        return dumps(to_csl(items, keys, accessed))
    raise InputError(f"Citations come as {' or '.join(FORMATS)}, not {fmt!r}.")
