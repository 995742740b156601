"""``discover``: papers announced lately that may belong in the list, and where.

Owns the pipeline from listings to ranked candidates: the ``[discover]`` table of
entries.toml (:func:`config`), the day's listings from arXiv's feeds and the
Hub's daily papers, cached per day so that a second run asks nobody
(:func:`run`), merging them by arXiv ID (:func:`merge`), ranking them against
each section's papers (:func:`rank`), rejections (:func:`reject`), and the JSON
and Markdown forms (:func:`document`, :func:`markdown`).

Ranking is TF-IDF with cosine similarity (scikit-learn, the ``discover`` extra): a
candidate's title and abstract against each listed paper's, the vocabulary weighted
over the listed papers and the day's candidates together. A candidate's section is the section
of its nearest listed paper, its score that similarity plus a boost per
``[discover] keywords`` phrase it contains, and ``because`` its nearest listed
papers. A ``negative_keywords`` phrase excludes it.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from sqlalchemy import select

from alignfetch.errors import (
    AlignfetchError,
    CacheMissError,
    EntriesFileError,
    InputError,
    SourceError,
    cap_echo,
)
from alignfetch.records import Paper, strip_controls
from alignfetch.sources import arxiv_rss, hf_daily
from alignfetch.sources.arxiv_rss import Announcement

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from alignfetch.cache.db import Cache
    from alignfetch.config import Settings
    from alignfetch.fetch.store import Store
    from alignfetch.list.entries import EntriesFile


class Listing(Protocol):
    """What discover needs of a list (a :class:`~alignfetch.workspace.Workspace` is one):
    its entries, its cache, its settings and its writers' lock."""

    offline: bool

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def cache(self) -> Cache: ...

    def load(self) -> EntriesFile: ...

    def lock(self) -> AbstractContextManager[None]: ...


KEYS = ("keywords", "negative_keywords", "categories")
"""Keys of [discover] in entries.toml."""
SOURCES = ("arxiv", "hf")
KEYWORD_BOOST = 0.1
"""Added to a candidate's score for each distinct [discover] keyword it contains."""
BECAUSE = 3
"""How many nearest listed papers a candidate names as its reason."""
MAX_DAYS = 30


@dataclass(frozen=True)
class Config:
    """The [discover] table: what to read and what to boost or exclude."""

    keywords: tuple[str, ...] = ()
    negative_keywords: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def config(ef: EntriesFile) -> Config:
    """[discover] of entries.toml, checked (every problem names the key)."""
    raw = ef.rest.get("discover", {})
    name = ef.path.name
    if not isinstance(raw, dict):
        raise EntriesFileError(f"In {name}, [discover] must be a table.")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise EntriesFileError(
            f"In {name}, [discover] has unknown key(s) "
            f"{', '.join(cap_echo(k if k.isprintable() else repr(k), 60) for k in unknown[:10])}; "
            f"allowed: {', '.join(KEYS)}."
        )
    values: dict[str, tuple[str, ...]] = {}
    for key in KEYS:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise EntriesFileError(
                f'In {name}, [discover] {key} must be a list of non-empty strings, like ["a", "b"].'
            )
        values[key] = tuple(" ".join(v.split()) for v in value)
    for cat in values["categories"]:
        try:
            arxiv_rss.check_category(cat)
        except InputError as err:
            raise EntriesFileError(f"In {name}, [discover] categories: {err}") from None
    return Config(**values)


@dataclass(frozen=True)
class Candidate:
    """A paper that may belong in the list, with the section and reason it would go under."""

    id: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    published: str | None
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    """``arxiv`` and/or ``hf``, in that order."""
    upvotes: int | None = None
    """Upvotes on the Hub's daily papers; None when the Hub did not list it."""
    section: str | None = None
    score: float = 0.0
    because: tuple[str, ...] = ()
    """The nearest listed papers, nearest first."""

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "authors": list(self.authors),
            "abstract": self.abstract,
            "published": self.published,
            "categories": list(self.categories),
            "sources": list(self.sources),
            "upvotes": self.upvotes,
            "section": self.section,
            "score": self.score,
            "because": list(self.because),
        }


@dataclass(frozen=True)
class Listed:
    """A paper of the list, as the ranking sees it."""

    id: str
    section: str
    text: str
    """Title and abstract."""


@dataclass
class Result:
    """What one run of ``discover`` found."""

    candidates: list[Candidate] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    """One sentence per source that failed; the others' candidates are still given."""
    notes: list[str] = field(default_factory=list)
    """Talk: an empty listing, a listed paper with a new version."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def json(self) -> dict[str, Any]:
        return document(self.candidates)


def document(candidates: Iterable[Candidate]) -> dict[str, Any]:
    return {"candidates": [c.json() for c in candidates]}


def merge(arxiv: Iterable[Announcement], hf: Iterable[tuple[Announcement, int]]) -> list[Candidate]:
    """One candidate per arXiv ID, arXiv's metadata first; only ``new`` and ``cross``
    announcements of arXiv propose a paper, and the Hub adds its upvotes."""
    out: dict[str, Candidate] = {}
    for a in arxiv:
        if a.announce_type in arxiv_rss.KEEP and a.id not in out:
            out[a.id] = _candidate(a, ("arxiv",), None)
    for a, upvotes in hf:
        there = out.get(a.id)
        if there is None:
            out[a.id] = _candidate(a, ("hf",), upvotes)
        elif "hf" not in there.sources:
            out[a.id] = replace(
                there,
                sources=(*there.sources, "hf"),
                upvotes=upvotes,
                abstract=there.abstract or a.abstract,
            )
    return list(out.values())


def _candidate(a: Announcement, sources: tuple[str, ...], upvotes: int | None) -> Candidate:
    return Candidate(
        id=a.id,
        title=a.title,
        authors=a.authors,
        abstract=a.abstract,
        published=a.announced,
        categories=a.categories,
        sources=sources,
        upvotes=upvotes,
    )


def _phrase(keyword: str) -> re.Pattern[str]:
    """A keyword as a case-insensitive phrase of whole words; spaces match spaces or
    hyphens, and a trailing ``s`` is allowed so that a plural matches."""
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"[\s-]+".join(words) + r"s?(?!\w)", re.IGNORECASE)


def excluded(candidate: Candidate, cfg: Config) -> str | None:
    """The negative keyword that excludes ``candidate``, if any."""
    text = f"{candidate.title}\n{candidate.abstract}"
    return next((k for k in cfg.negative_keywords if _phrase(k).search(text)), None)


def rank(candidates: Sequence[Candidate], listed: Sequence[Listed], cfg: Config) -> list[Candidate]:
    """``candidates`` with section, score and reason, best first; excluded ones dropped."""
    kept = [c for c in candidates if excluded(c, cfg) is None]
    if not kept:
        return []
    sims = _similarities([f"{c.title}\n{c.abstract}" for c in kept], [p.text for p in listed])
    patterns = [_phrase(k) for k in cfg.keywords]
    out = []
    for c, row in zip(kept, sims, strict=True):
        order = sorted(range(len(listed)), key=lambda j: (-row[j], listed[j].id))
        best = order[0] if order and row[order[0]] > 0 else None
        text = f"{c.title}\n{c.abstract}"
        boost = KEYWORD_BOOST * sum(1 for p in patterns if p.search(text))
        score = (row[best] if best is not None else 0.0) + boost
        out.append(
            replace(
                c,
                section=listed[best].section if best is not None else None,
                score=round(float(score), 4),
                because=tuple(listed[j].id for j in order[:BECAUSE] if row[j] > 0),
            )
        )
    out.sort(key=lambda c: (-c.score, -(c.upvotes or 0), c.id))
    return out


def _need_ranking() -> None:
    """Fails when the ``discover`` extra (scikit-learn, 270 MB with SciPy and NumPy) is absent."""
    try:
        import sklearn.feature_extraction.text  # noqa: F401  # what _similarities uses
    except ImportError:
        raise AlignfetchError(
            "discover needs scikit-learn, which this install lacks: "
            "run `pip install 'alignfetch[discover]'` and try again."
        ) from None


def _similarities(queries: Sequence[str], docs: Sequence[str]) -> list[list[float]]:
    """Cosine similarity of each query to each doc, TF-IDF weighted over both."""
    if not docs:
        return [[] for _ in queries]
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, strip_accents="unicode", ngram_range=(1, 2)
    )
    try:
        matrix = vectorizer.fit_transform([*docs, *queries])
    except ValueError:  # nothing but stop words on either side
        return [[0.0] * len(docs) for _ in queries]
    sims = cosine_similarity(matrix[len(docs) :], matrix[: len(docs)])
    return [[float(x) for x in row] for row in sims]


def markdown(candidates: Sequence[Candidate]) -> str:
    """A checklist to tick in an issue: one line per candidate, with its ``add`` command."""
    from alignfetch.readme.text import code, md

    if not candidates:
        return "No new candidates for the list.\n"
    lines = []
    for c in candidates:
        key = c.id.split(":", 1)[1]
        where = f" --section {c.section}" if c.section else " --section SECTION"
        hub = f", {c.upvotes} upvotes" if c.upvotes is not None else ""
        like = f", like {', '.join(c.because)}" if c.because else ""
        lines.append(
            f"- [ ] [{md(c.title)}](https://arxiv.org/abs/{key}) ({c.id}, score "
            f"{c.score:.2f}{hub}{like}): {code(f'alignfetch add {c.id}{where}')}"
        )
    return "\n".join(lines) + "\n"


# -- the pipeline ---------------------------------------------------------------


class Options(TypedDict, total=False):
    """What ``discover`` takes besides the list (``Workspace.discover(**options)``)."""

    source: str
    """``arxiv``, ``hf`` or ``all`` (the default)."""
    categories: Sequence[str]
    """arXiv categories to read (default: ``[discover] categories``, else the list's)."""
    days: int
    """Announcements of the last N days (default 1)."""
    top: int
    """At most this many candidates (default 20)."""
    min_score: float
    """Only candidates scoring at least this (default 0)."""
    today: date | None
    """The day to count from (default: today, in UTC)."""


def run(
    ws: Listing,
    *,
    source: str = "all",
    categories: Sequence[str] = (),
    days: int = 1,
    top: int = 20,
    min_score: float = 0.0,
    today: date | None = None,
) -> Result:
    """Today's candidates for the list: fetched once a day per listing, then ranked.

    A source that fails (or whose listing ``--offline`` lacks) is a sentence in
    :attr:`Result.failures` and the other source's candidates are still given; when
    every source asked for failed, the error is raised instead.
    """
    if source not in (*SOURCES, "all"):
        raise InputError(f"--source takes arxiv, hf or all, not {source!r}.")
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"--days must be from 1 to {MAX_DAYS}, not {days}.")
    if top < 1:
        raise InputError(f"--top must be 1 or more, not {top}.")
    if not math.isfinite(min_score):  # nan would silently drop every candidate
        raise InputError(f"--min-score must be a number, not {min_score}.")
    _need_ranking()  # before anything is fetched or cached
    ef = ws.load()
    cfg = config(ef)
    for cat in categories:
        arxiv_rss.check_category(cat)
    papers = [e for e in ef.entries if e.id.startswith("arxiv:")]
    # Through the workspace's reader, which creates no cache where there is none.
    records = ws.store.records(e.id for e in papers)
    listed = [
        Listed(e.id, e.section, f"{r.title}\n{r.abstract}")
        for e in papers
        if isinstance(r := records.get(e.id), Paper)
    ]
    if not listed:
        raise CacheMissError(
            "The list has no papers in the cache to compare candidates with; add papers or "
            "run `alignfetch refresh` first."
        )
    today = today or datetime.now(UTC).date()
    result = Result()
    arxiv_items: list[Announcement] = []
    hf_items: list[tuple[Announcement, int]] = []
    errors: list[AlignfetchError] = []
    # Each source on its own: one that fails (a redirect loop, a 5xx, a body that is no
    # listing, a timeout, a host that does not resolve, a listing --offline lacks) is
    # a sentence naming it, and the other's papers are still given.
    if source in ("arxiv", "all"):
        cats = list(categories) or list(cfg.categories) or _primary(records.values())
        try:
            arxiv_items = [_clean(a) for a in _arxiv(ws, cats, days, today, result)]
        except (SourceError, CacheMissError) as err:
            errors.append(err)
    if source in ("hf", "all"):
        try:
            hf_items = [(_clean(a), n) for a, n in _hf(ws, days, today, result)]
        except (SourceError, CacheMissError) as err:
            errors.append(err)
    messages = [strip_controls(err.message) for err in errors]
    if errors and (source != "all" or len(errors) == 2):
        # Nothing to show: the one source asked for, or both, failed.
        errors[0].message = " ".join(messages)
        raise errors[0]
    result.failures = messages
    listed_ids = {e.id for e in ef.entries}
    known = _known_versions(ef, records)
    newer: dict[str, int] = {}
    for a in arxiv_items:
        # Only a version above the one the cache holds (or entries.toml names) is new, as
        # numbers: a listing (today's, or an earlier day's under --days, read again on
        # every run and with --offline) can name a version older than the one fetched since.
        if a.announce_type not in arxiv_rss.KEEP and a.version > known.get(a.id, a.version):
            newer[a.id] = max(a.version, newer.get(a.id, 0))
    result.notes.extend(
        f"{rid} (in the list) has a new version on arXiv (v{version}); "
        "`alignfetch refresh` fetches it."
        for rid, version in newer.items()
    )
    skip = listed_ids | rejections(ws)
    fresh = [c for c in merge(arxiv_items, hf_items) if c.id not in skip]
    ranked = rank(fresh, listed, cfg)
    result.candidates = [c for c in ranked if c.score >= min_score][:top]
    return result


def _primary(records: Iterable[Any]) -> list[str]:
    """The list's papers' primary categories, the most common first."""
    counts = Counter(r.primary_category for r in records if getattr(r, "primary_category", ""))
    return sorted(counts, key=lambda c: (-counts[c], c))


def _known_versions(ef: EntriesFile, records: Mapping[str, object]) -> dict[str, int]:
    """The version of each listed paper alignfetch knows: the highest of the cached
    record's and the one entries.toml spells in its ID (``arxiv:2306.05685v4``)."""
    out: dict[str, int] = {}
    for entry, raw in zip(ef.entries, ef.raws, strict=False):
        if not entry.id.startswith("arxiv:"):
            continue
        record = records.get(entry.id)
        versions = [record.version] if isinstance(record, Paper) else []
        given = re.search(r"v([1-9][0-9]*)\s*\Z", str(raw.get("id", "")))
        if given:
            versions.append(int(given[1]))
        if versions:
            out[entry.id] = max(versions)
    return out


def _clean(a: Announcement) -> Announcement:
    """``a`` without control characters or bidi overrides in any of its texts.

    Listings come from outside (a feed, the Hub's JSON, or the cache a past run filled
    from them) and go to a terminal and, with ``--format markdown``, into an issue the
    nightly job posts: an ``ESC]0;...BEL`` or a U+202E in a title must reach neither.
    Every text of both sources passes here, whichever output it is for.
    """

    def one(text: str, most: int = FIELD_MOST) -> str:
        text = " ".join(strip_controls(text).split())
        return text if len(text) <= most else text[: most - 1] + "…"

    return replace(
        a,
        id=one(a.id, 100),
        announce_type=one(a.announce_type, 100),
        title=one(a.title),
        authors=tuple(name for name in map(one, a.authors[:AUTHORS_MOST]) if name),
        abstract=one(a.abstract, ABSTRACT_MOST),
        categories=tuple(c for c in (one(c, 100) for c in a.categories[:20]) if c),
        announced=one(a.announced or "", 100) or None,
    )


FIELD_MOST = 1_000
"""The longest title or author name a candidate shows (a 5 MB title in a listing would
otherwise reach the checklist the nightly job posts whole); longer ones end in "…"."""
ABSTRACT_MOST = 10_000
AUTHORS_MOST = 500


def _arxiv(
    ws: Listing, categories: list[str], days: int, today: date, result: Result
) -> list[Announcement]:
    """The announcements of the feed of ``categories`` over the last ``days`` days:
    today's fetched once (then cached), earlier days' as earlier runs cached them."""
    from alignfetch.cache.models import DiscoverListing

    url = arxiv_rss.feed_url(ws.settings, categories)
    key = f"arxiv {url} {today.isoformat()}"
    window = {(today - timedelta(days=i)).isoformat() for i in range(days)}
    with ws.cache.session() as s:
        rows = {
            r.key: [Announcement.from_dict(a) for a in r.announcements]
            for r in s.scalars(
                select(DiscoverListing).where(
                    DiscoverListing.source == "arxiv", DiscoverListing.query == url
                )
            )
            if r.day in window
        }
    if key not in rows:
        if ws.offline:
            raise CacheMissError(
                f"arXiv's listing {url} of today is not in the cache and --offline forbids "
                "fetching; run again without --offline."
            )
        items = arxiv_rss.convert(arxiv_rss.fetch(url, ws.settings), url)
        _store(ws, key, "arxiv", url, today, items)
        rows[key] = items
    if not rows[key]:
        result.notes.append(
            f"arXiv announced nothing in {'+'.join(categories)} today (it publishes no "
            "listings on weekends and holidays)."
        )
    return [a for k in sorted(rows, reverse=True) for a in rows[k]]


def _hf(ws: Listing, days: int, today: date, result: Result) -> list[tuple[Announcement, int]]:
    """The Hub's daily papers of the ``days`` days before today: whole days, whose lists
    are settled, so each is fetched once and then read from the cache."""
    from alignfetch.cache.models import DiscoverListing

    wanted = [(today - timedelta(days=i)).isoformat() for i in range(1, days + 1)]
    keys = {f"hf date={d}": d for d in wanted}
    with ws.cache.session() as s:
        rows = {
            r.key: (r.day, r.announcements)
            for r in s.scalars(select(DiscoverListing).where(DiscoverListing.key.in_(list(keys))))
        }
    out: list[tuple[Announcement, int]] = []
    for key, day in keys.items():
        row = rows.get(key)
        if row is not None and row[0] > day:  # fetched after the day ended
            items = [(Announcement.from_dict(a["paper"]), int(a["upvotes"])) for a in row[1]]
        elif ws.offline:
            raise CacheMissError(
                f"The Hub's daily papers of {day} are not in the cache and --offline forbids "
                "fetching; run again without --offline."
            )
        else:
            url = f"{ws.settings.hf_endpoint}/api/daily_papers?date={day}"
            text = hf_daily.fetch(day, ws.settings)
            if text is None:
                # Said, and not cached as an empty day: a Hub that lacks the list now (or an
                # HF_ENDPOINT without the API) is asked again by the next run.
                result.notes.append(
                    f"The Hugging Face Hub has no daily papers list for {day} ({url} answered "
                    "HTTP 404), so none of its papers are proposed; the next run asks again, "
                    "and if every day says so, check HF_ENDPOINT."
                )
                continue
            items = hf_daily.convert(text, url)
            _store(
                ws,
                key,
                "hf",
                f"date={day}",
                today,
                [{"paper": a.to_dict(), "upvotes": n} for a, n in items],
            )
        out.extend(items)
    return out


def _store(
    ws: Listing, key: str, source: str, query: str, today: date, items: Sequence[Any]
) -> None:
    from alignfetch.cache.models import DiscoverListing

    data = [i.to_dict() if isinstance(i, Announcement) else i for i in items]
    with ws.lock(), ws.cache.session() as s:
        row = s.get(DiscoverListing, key)
        if row is None:
            row = DiscoverListing(key=key)
            s.add(row)
        row.source, row.query, row.day = source, query, today.isoformat()
        row.fetched_at = datetime.now(UTC)
        row.announcements = data


def rejections(ws: Listing) -> set[str]:
    from alignfetch.cache.models import Rejection

    with ws.cache.session() as s:
        return set(s.scalars(select(Rejection.id)))


def reject(ws: Listing, text: str) -> tuple[str, bool]:
    """Record that ``text`` (an arXiv paper) is not for the list; False if it already was."""
    from alignfetch.cache.models import Rejection
    from alignfetch.list import ids

    ref = ids.parse(text)
    if ref.prefix != "arxiv":
        raise InputError(f"{ref} is not an arXiv paper; discover only proposes papers.")
    there = ws.load().find(str(ref))
    if there is not None:
        raise InputError(
            f"{ref} is in the list, in section {there.section!r}; `alignfetch remove` it instead."
        )
    with ws.lock(), ws.cache.session() as s:
        if s.get(Rejection, str(ref)) is not None:
            return str(ref), False
        s.add(Rejection(id=str(ref), rejected_at=datetime.now(UTC)))
    return str(ref), True
