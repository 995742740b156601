"""The venue of a paper as lists write it: a short name and a year (``ACL 2023``).

Pure: :func:`venue_of` reads one Semantic Scholar paper object (the fields
``externalIds``, ``publicationVenue``, ``venue``, ``year``), and the table of known
venues is the data file ``venues.json`` beside this module. The rule, in order:

1. **The DBLP key's venue**, where the table knows it: ``conf/acl/ChiangL23`` is
   ``ACL``, ``conf/nips/…`` ``NeurIPS`` (its Datasets and Benchmarks track too: DBLP
   files it under ``conf/nips``), ``conf/iclr/…`` ``ICLR``, ``journals/tmlr/…``
   ``TMLR``. The year is the DBLP key's own (its last two digits, ``…23`` is 2023),
   which is the proceedings' year: Semantic Scholar's ``year`` is often the year the
   paper first appeared on arXiv (an ICLR 2025 paper posted in 2024 says 2024).
   An ACL Anthology ID of a Findings volume (``2023.findings-acl.…``) makes it
   ``Findings of ACL 2023``.
2. Else **``publicationVenue``**, unless it is arXiv itself: its name where the table
   knows it (``Neural Information Processing Systems`` is ``NeurIPS``), else the
   table's short name among its alternate names, else the shortest alternate name
   that looks like an acronym (one word, at least two capitals and mostly capitals:
   ``ICML``, ``BMJ``), else its name.
3. Else the **``venue``** text, unless it is arXiv: the table's short name for it, or
   the text itself.
4. Else the paper is **a preprint only** (a CoRR key ``journals/corr/…``, the venue
   ``arXiv.org``, or no venue at all): None, and the README shows ``arXiv YEAR``.

In 2 and 3 the year is the paper's ``year`` (else the DBLP key's). A name with no year
known is given alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

ARXIV_VENUE_ID = "1901e811-ee72-4b20-8f7e-de08cd395a10"
"""Semantic Scholar's ``publicationVenue`` id of arXiv (``arXiv.org``)."""

_DBLP_YEAR = re.compile(r"([0-9]{2})[a-z]?\Z")
_FINDINGS = re.compile(r"[0-9]{4}\.findings-([a-z]+)\.", re.IGNORECASE)
_ACRONYM = re.compile(r"[A-Za-z][A-Za-z0-9&+-]{1,11}")


@dataclass(frozen=True)
class Table:
    """``venues.json``: DBLP venue -> short name (None: arXiv), full name -> short name."""

    dblp: Mapping[str, str | None]
    names: Mapping[str, str]
    preprints: frozenset[str]
    shorts: Mapping[str, str]
    """Every short name by its lower case, to spell an alternate name as the table does."""


@cache
def table() -> Table:
    """The table of known venues, read once from ``venues.json``."""
    text = resources.files("alignfetch.sources").joinpath("venues.json").read_text("utf-8")
    data = json.loads(text)
    dblp: dict[str, str | None] = dict(data["dblp"])
    names: dict[str, str] = dict(data["names"])
    shorts = {s.lower(): s for s in [*dblp.values(), *names.values()] if s is not None}
    return Table(dblp, names, frozenset(data["preprints"]), shorts)


def venue_of(item: Mapping[str, Any]) -> str | None:
    """The venue of ``item`` (a Semantic Scholar paper) as lists write it, or None for a
    preprint only; the rule is the module's. Fields of an unexpected type count as
    absent (the caller checks types; this never raises on them)."""
    t = table()
    ids = item.get("externalIds")
    ids = ids if isinstance(ids, Mapping) else {}
    dblp = _text(ids.get("DBLP"))
    year = item.get("year")
    year = year if type(year) is int else None
    dblp_year = _dblp_year(dblp) if dblp else None

    if dblp:
        where = "/".join(dblp.split("/")[:2])
        short = t.dblp.get(where)
        if short is not None:
            findings = _FINDINGS.match(_text(ids.get("ACL")) or "")
            if findings:
                short = f"Findings of {findings[1].upper()}"
            return _with_year(short, dblp_year or year)

    year = year or dblp_year
    pv = item.get("publicationVenue")
    if isinstance(pv, Mapping) and not _is_arxiv(pv, t):
        name = _text(pv.get("name"))
        alts = pv.get("alternate_names")
        alternates = [a for a in map(_text, alts) if a] if isinstance(alts, list) else []
        short = _short(name, alternates, t)
        if short:
            return _with_year(short, year)
    venue = _text(item.get("venue"))
    if venue and venue.lower() not in t.preprints:
        return _with_year(t.names.get(venue.lower(), venue), year)
    return None


def _short(name: str | None, alternates: list[str], t: Table) -> str | None:
    """A venue's short form: the table's for its name or an alternate name, else its
    shortest acronym-like alternate name, else its name."""
    if name and name.lower() in t.names:
        return t.names[name.lower()]
    for alt in alternates:
        known = t.names.get(alt.lower()) or t.shorts.get(alt.lower())
        if known:
            return known
    acronyms = [a for a in alternates if _acronym(a)]
    if acronyms:
        return min(acronyms, key=lambda a: (len(a), a))
    return name


def _acronym(text: str) -> bool:
    """``ICLR``, ``NeurIPS``, ``BMJ``: one word, two capitals or more, mostly capitals."""
    if not _ACRONYM.fullmatch(text):
        return False
    letters = [c for c in text if c.isalpha()]
    capitals = sum(c.isupper() for c in letters)
    return capitals >= 2 and capitals * 2 >= len(letters)


def _is_arxiv(venue: Mapping[str, Any], t: Table) -> bool:
    name = _text(venue.get("name"))
    return venue.get("id") == ARXIV_VENUE_ID or name is None or name.lower() in t.preprints


def _dblp_year(key: str) -> int | None:
    """The year of a DBLP key (``conf/acl/ChiangL23`` -> 2023; ``journals/x/Turing50``
    -> 1950): its last two digits, in the past century when later than next year."""
    m = _DBLP_YEAR.search(key.rsplit("/", 1)[-1])
    if not m:
        return None
    yy = int(m[1])
    return 2000 + yy if 2000 + yy <= date.today().year + 1 else 1900 + yy


def _with_year(short: str, year: int | None) -> str:
    return f"{short} {year}" if year else short


def _text(value: object) -> str | None:
    """A non-blank string with its spaces made single, else None."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None
