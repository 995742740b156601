"""The rules that compare a list's entry with what its sources say of its ID.

This module owns :class:`Facts` (one ID's record, or why there is none) and the
rules that need only those facts and the fields a list types: withdrawn,
published, archived, renamed, gone, stale and gated; a paper's title, authors
and date. A README and entries.toml both run them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as Date

from rapidfuzz import fuzz

from alignfetch.lint.config import Sink
from alignfetch.records import Collection, Dataset, Model, Paper, Record, Repo, Scholarly, Space

__all__ = [
    "GONE",
    "Facts",
    "author_rules",
    "date_rules",
    "norm",
    "source_rules",
    "title_rules",
]


@dataclass
class Facts:
    """What the sources say of one ID: its record, or why there is none."""

    record: Record | None = None
    gone: str | None = None
    """The 404/410 message of the last fetch."""
    scholarly: Scholarly | None = None
    """A paper's Semantic Scholar record (where it was published), when cached."""


def norm(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}(?!\d)", re.ASCII)


def _day(iso: object) -> Date | None:
    """The day a record's ISO date or time names; None when it names none (an older
    cache may hold ``2024-13-45`` or ``not a date``): an unreadable date is unknown."""
    if not isinstance(iso, str) or not _ISO_DAY.match(iso):
        return None
    try:
        return Date.fromisoformat(iso[:10])
    except ValueError:
        return None


def _shown(d: Date) -> str:
    """``2022-10-28`` -> ``28 Oct 2022``."""
    return f"{d.day} {d.strftime('%b')} {d.year}"


_ARXIV_YEAR = re.compile(r"^arxiv\s+((?:19|20)\d{2})$", re.IGNORECASE)
GONE = re.compile(r"\b(404|410)\b|does not exist|not found", re.IGNORECASE)
"""A last fetch error that says the object is gone."""
_WITHDRAWN = re.compile(r"\bwithdrawn\b", re.IGNORECASE)


def source_rules(
    sink: Sink,
    rid: str,
    line: int | None,
    facts: Facts,
    typed_venue: str | None,
    today: Date,
    stale_months: int,
) -> None:
    """The rules that need only the record: withdrawn, published, archived, renamed,
    gone, stale, gated."""
    if facts.gone is not None:
        sink.add("gone", rid, line, f"{rid} is gone: {facts.gone}")
    r = facts.record
    if isinstance(r, Paper):
        if _WITHDRAWN.search(r.comment or ""):
            sink.add("withdrawn", rid, line, f"{rid} was withdrawn.", expected=r.comment)
        doi = r.doi if r.doi and not r.doi.lower().startswith("10.48550/") else None
        ref = r.journal_ref or (f"DOI {doi}" if doi else None)
        shows = typed_venue is not None and not _ARXIV_YEAR.match(typed_venue.strip())
        if ref and not shows:
            sink.add(
                "published",
                rid,
                line,
                f"{rid} is published now ({ref}); the list shows "
                + (f"{typed_venue!r}." if typed_venue else "no venue."),
                expected=ref,
                found=typed_venue,
            )
        venue_rule(sink, rid, line, typed_venue, facts.scholarly)
    elif isinstance(r, Repo):
        if r.archived:
            sink.add("archived", rid, line, f"{rid} is archived on GitHub.")
        asked = "/".join(rid.split(":", 1)[1].split("/")[:2])
        if r.redirected_from or r.full_name.lower() != asked.lower():
            sink.add(
                "renamed",
                rid,
                line,
                f"{rid} is now {r.full_name} on GitHub.",
                expected=r.full_name,
                found=asked,
            )
        pushed = _day(r.pushed_at)
        if pushed is not None:
            months = (today.year - pushed.year) * 12 + today.month - pushed.month
            if today.day < pushed.day:
                months -= 1
            if months >= stale_months:
                sink.add(
                    "stale",
                    rid,
                    line,
                    f"{rid} has had no push for {months} months (last {_shown(pushed)}).",
                    expected=pushed.isoformat(),
                )
    elif isinstance(r, Dataset | Model):
        key = rid.split(":", 1)[1]
        if r.disabled:
            sink.add("gated", rid, line, f"{rid} is disabled on the Hub.")
        elif r.gated not in (None, "", "False", "false"):
            sink.add("gated", rid, line, f"{rid} is gated on the Hub ({r.gated}).")
        if isinstance(r, Model) and r.title.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.title} on the Hub.", r.title, key)
    elif isinstance(r, Space):
        key = rid.split(":", 1)[1]
        if r.repo_id.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.repo_id} on the Hub.", r.repo_id, key)
    elif isinstance(r, Collection):
        key = rid.split(":", 1)[1]
        if r.slug.lower() != key.lower():
            sink.add("renamed", rid, line, f"{rid} is now {r.slug} on the Hub.", r.slug, key)


_YEAR = re.compile(r"\b((?:19|20)\d{2})\b|'(\d{2})\b")
_ALIASES = {"nips": "neurips"}


def venue_rule(
    sink: Sink, rid: str, line: int | None, typed: str | None, s2: Scholarly | None
) -> None:
    """A typed venue that the scholarly graph contradicts (``arXiv 2023`` for a paper
    published at ACL 2023): its name or its year is not the published one's."""
    if not typed or s2 is None or not s2.found or not s2.venue:
        return
    if _venue_key(typed) == _venue_key(s2.venue) or _venue_key(typed) in _venue_keys(s2):
        return
    sink.add(
        "venue",
        rid,
        line,
        f"The venue says {typed}, but Semantic Scholar says {rid} was published at "
        f"{s2.venue}.",
        expected=s2.venue,
        found=typed,
    )


def _venue_key(text: str) -> tuple[str, str]:
    """A venue's name (letters, lower case, an alias resolved) and year: ``NeurIPS'23``,
    ``NeurIPS 2023`` and ``neurips 2023`` are one venue."""
    m = _YEAR.search(text)
    year = (m.group(1) or f"20{m.group(2)}") if m else ""
    name = re.sub(r"[^a-z]", "", _YEAR.sub("", text).lower())
    return _ALIASES.get(name, name), year


def _venue_keys(s2: Scholarly) -> set[tuple[str, str]]:
    """The keys a paper's published venue may be typed as (its short and full name)."""
    year = str(s2.year or "")
    keys = {_venue_key(s2.venue or "")}
    if s2.venue_name:
        keys.add((_venue_key(s2.venue_name)[0], year))
    return keys


def date_rules(
    sink: Sink,
    rid: str,
    line: int | None,
    paper: Paper,
    typed_iso: str | None,
    typed_text: str | None,
    typed_venue: str | None,
    also: Sequence[str] = (),
    whose: str = "",
) -> None:
    """A typed day that is neither the first nor the latest version's; a typed
    ``arXiv YYYY`` that is neither version's year. ``also``: more acceptable days.
    A paper whose dates cannot be read has unknown dates: no finding."""
    v1, vn = _day(paper.published), _day(paper.updated)
    if v1 is None or vn is None:
        return
    first, latest = v1.isoformat(), vn.isoformat()
    source = (
        f"{_shown(v1)} (v1)"
        if first == latest
        else f"{_shown(v1)} (v1) or {_shown(vn)} (v{paper.version})"
    )
    if typed_iso is not None and typed_iso not in {first, latest, *(d[:10] for d in also)}:
        sink.add(
            "date",
            rid,
            line,
            f"The date {typed_text or typed_iso} is neither the first nor the latest version's "
            f"date of {whose}{paper.id}.",
            expected=source,
            found=typed_text or typed_iso,
        )
    m = _ARXIV_YEAR.match((typed_venue or "").strip())
    if m and m.group(1) not in {first[:4], latest[:4]}:
        sink.add(
            "date",
            rid,
            line,
            f"The venue says {typed_venue}, but {whose}{paper.id} is from {first[:4]}.",
            expected=source,
            found=typed_venue,
        )


def title_rules(sink: Sink, rid: str, line: int | None, typed: str | None, paper: Paper) -> None:
    if not typed or norm(typed) == norm(paper.title):
        return
    if len(typed.split()) < 4:
        return  # a short name (``DPO``, ``Judging``) is a nickname, not a title
    if fuzz.ratio(norm(typed), norm(paper.title)) < 60:
        sink.add(
            "mismatch",
            rid,
            line,
            f"The title names another paper than the link's target, {rid}.",
            expected=paper.title,
            found=typed,
        )
    else:
        sink.add(
            "title",
            rid,
            line,
            f"The title differs from {rid}'s.",
            expected=paper.title,
            found=typed,
        )


def author_rules(
    sink: Sink, rid: str, line: int | None, typed: Sequence[str], paper: Paper, whose: str = ""
) -> None:
    if not typed:
        return
    source = [a.name for a in paper.authors]
    # A typed list may stop early (``et al.``); what it names must agree.
    if len(typed) > len(source) or any(
        norm(t) != norm(s) for t, s in zip(typed, source, strict=False)
    ):
        sink.add(
            "authors",
            rid,
            line,
            f"The authors differ from those of {whose}{paper.id}.",
            expected=", ".join(source),
            found=", ".join(typed),
        )
