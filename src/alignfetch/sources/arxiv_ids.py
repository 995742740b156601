"""arXiv's identifiers: every form a maintainer pastes (:func:`parse_id`) to one canonical
ID, as arXiv itself writes it in its answers. Pure; :mod:`alignfetch.sources.arxiv` gives
it to the rest of alignfetch."""

from __future__ import annotations

import re
from datetime import date

# Archives of the identifiers used before April 2007 (arXiv's identifier docs).
OLD_ARCHIVES = frozenset(
    [
        "acc-phys",
        "adap-org",
        "alg-geom",
        "ao-sci",
        "astro-ph",
        "atom-ph",
        "bayes-an",
        "chao-dyn",
        "chem-ph",
        "cmp-lg",
        "comp-gas",
        "cond-mat",
        "cs",
        "dg-ga",
        "funct-an",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math",
        "math-ph",
        "mtrl-th",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "patt-sol",
        "physics",
        "plasm-ph",
        "q-alg",
        "q-bio",
        "quant-ph",
        "solv-int",
        "supr-con",
    ]
)

_NEW = r"(?P<new>(?P<yy>\d{2})(?P<mm>\d{2})\.(?P<num>\d{4,5}))"
_OLD = (
    r"(?P<old>(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.[A-Za-z]{2}(?:-[a-z]{2})?)?"
    r"/(?P<oyy>\d{2})(?P<omm>\d{2})\d{3})"
)
_ID = rf"(?:{_NEW}|{_OLD})(?:v(?P<version>[1-9]\d*))?"
_BARE = re.compile(rf"(?:arxiv:)?{_ID}", re.IGNORECASE | re.ASCII)
_URL = re.compile(
    rf"https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}(?:\.pdf)?/?(?:[?#].*)?",
    re.IGNORECASE | re.ASCII,
)
_HF_PAGE = re.compile(
    rf"https?://(?:www\.)?huggingface\.co/papers/{_ID}/?(?:[?#].*)?", re.IGNORECASE | re.ASCII
)
_DOI = re.compile(
    rf"(?:https?://(?:dx\.)?doi\.org/|doi:)?10\.48550/arxiv\.{_ID}", re.IGNORECASE | re.ASCII
)


def parse_id(text: str) -> str | None:
    """The canonical arXiv ID (no version) of ``text``, or None if it is not one.

    Old-style IDs drop their subject class (``math.GT/0309136`` is
    ``math/0309136``), as arXiv itself does in its answers.
    """
    text = text.strip()
    for pattern in (_BARE, _URL, _DOI, _HF_PAGE):
        m = pattern.fullmatch(text)
        if m:
            return _canonical(m)
    return None


def _canonical(m: re.Match[str]) -> str | None:
    if m["new"]:
        yy, mm, num = int(m["yy"]), int(m["mm"]), m["num"]
        # Four-digit numbers ran from 0704 to 1412, five-digit ones since 1501;
        # a year past next year's is no arXiv ID yet (2099 is not 1999: there was none).
        if not 1 <= mm <= 12 or (yy, mm) < (7, 4) or yy > date.today().year % 100 + 1:
            return None
        if (len(num) == 5) != ((yy, mm) >= (15, 1)):
            return None
        return m["new"]
    archive = m["archive"].lower()
    yy, mm = int(m["oyy"]), int(m["omm"])
    # Old-style identifiers ran from August 1991 to March 2007.
    in_use = (yy, mm) >= (91, 8) or (yy, mm) <= (7, 3)
    if archive not in OLD_ARCHIVES or not 1 <= mm <= 12 or not in_use:
        return None
    return f"{archive}/{m['old'].split('/')[1]}"
