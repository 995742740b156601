"""The fetch pipeline: which sources are asked, in what order, and what comes back.

Datasets, models, Spaces, collections and repositories go first, so that the
papers datasets and models name join the one arXiv batch with the papers asked
for; paper pages come last and may fail without failing their paper. Each
source is asked in chunks (:func:`batch`); a rate limit fails the rest of its
keys at once. Everything fresh is cleaned (:func:`alignfetch.records.clean`)
before anyone sees or stores it. :class:`alignfetch.core.Workspace` calls
:func:`fetch_outcomes` and stores the :class:`FetchRun`; this module touches
neither entries.toml nor the cache (it reads rows through ``cached``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from alignfetch.errors import SourceError
from alignfetch.sources import Confirmed, Fetched

if TYPE_CHECKING:
    from alignfetch.cache.db import CachedRow, FetchTime, Seal
    from alignfetch.config import Settings
    from alignfetch.list import ids
    from alignfetch.sources import Previous, Source

RunOutcome = Fetched | Confirmed | SourceError
"""What a run holds for one ID: a fresh record, the word that a sealed row's unread record
stands (:class:`Confirmed`, only for :func:`fetch_outcomes`' ``seals``), or the failure."""

Cached = Callable[[Iterable[str]], Mapping[str, "CachedRow"]]
"""Cached rows by ID (without creating a cache that does not exist yet)."""
Times = Callable[[Iterable[str]], Mapping[str, "FetchTime"]]
"""Cached rows' fetch times by ID, their records not decoded
(:meth:`alignfetch.fetch.store.Store.times`)."""


@dataclass
class FetchRun:
    """What one round of fetching brought back."""

    outcomes: dict[str, RunOutcome] = field(default_factory=dict)
    """Per requested ID: a fresh record, the error that stopped it, or that its sealed
    row stands (:data:`RunOutcome`)."""
    related: list[Fetched] = field(default_factory=list)
    """Records the requested ones point to: a dataset's papers, papers' Hub pages."""
    warnings: dict[str, str] = field(default_factory=dict)
    """Failures that do not fail an entry (a paper page the Hub would not give)."""

    def fetched(self) -> list[Fetched]:
        ok = [o for o in self.outcomes.values() if isinstance(o, Fetched)]
        return ok + self.related

    def confirmed(self) -> list[str]:
        """The IDs of the sealed rows upstream confirmed (:class:`Confirmed`)."""
        return [o.id for o in self.outcomes.values() if isinstance(o, Confirmed)]


RAW_NOT_KEPT = frozenset({"paper", "paper_page", "repo"})
"""Kinds whose raw upstream answer the cache does not keep: no source reads it back
(a repository's ETag is kept for its conditional request; a 304 keeps the record)."""


def kept_raw(o: Fetched) -> str:
    """The raw payload the cache keeps of ``o`` (none for :data:`RAW_NOT_KEPT` kinds)."""
    return "" if o.record.kind in RAW_NOT_KEPT else o.raw


def _confirm(run: FetchRun, cached: Cached) -> None:
    """Mark as unchanged (a check, like a 304) each fresh outcome whose cached row holds
    exactly it: record, kept payload, ETag and URL (:meth:`CachedRow.same`), when that
    row was stored or confirmed by an alignfetch that cleans and checks (it has a check).

    Such a record was clean and readable when stored, and it is the same now: cleaning
    and checking it again (most of a warm refresh's own time) would give it back as it
    is, and :meth:`Store.keep` would only mark it checked."""
    from dataclasses import replace

    fresh = [
        o
        for o in [*run.outcomes.values(), *run.related]
        if isinstance(o, Fetched) and not o.unchanged
    ]
    if not fresh:
        return
    rows = cached(o.record.id for o in fresh)

    def confirmed(o: Fetched) -> Fetched:
        row = rows.get(o.record.id)
        if row is None or not row.checked or o.unchanged or not row.same(o, kept_raw(o)):
            return o
        return replace(o, unchanged=True)

    for rid, outcome in run.outcomes.items():
        if isinstance(outcome, Fetched):
            run.outcomes[rid] = confirmed(outcome)
    run.related = [confirmed(o) for o in run.related]


def _clean(run: FetchRun) -> None:
    """Clean every fresh record of ``run`` before anything sees or stores it
    (:func:`alignfetch.records.clean`); what was dropped becomes a warning. A record
    no command could read back (text that is not Unicode, a field of the wrong type,
    a date that is no date) fails its ID, whichever source made it. Then every
    failure's and warning's message is made fit to print (:func:`_said`). A record
    upstream confirmed (a 304, or :func:`_confirm`) is the cached one: not again."""
    from dataclasses import replace

    from alignfetch.records import clean

    def cleaned(o: Fetched) -> Fetched:
        if o.unchanged:
            return o
        record, warnings = clean(o.record)
        if warnings:
            run.warnings[o.record.id] = " ".join(warnings)
        return o if record is o.record else replace(o, record=record)

    for rid, outcome in run.outcomes.items():
        if isinstance(outcome, Fetched):
            run.outcomes[rid] = _unusable(rid, outcome) or cleaned(outcome)
    related = []
    for o in run.related:
        unusable = _unusable(o.record.id, o)
        if unusable is None:
            related.append(cleaned(o))
        else:
            run.warnings[o.record.id] = unusable.message
    run.related = related
    for outcome in run.outcomes.values():
        if isinstance(outcome, SourceError):
            _tell(outcome)
    run.warnings = {rid: _said(text) for rid, text in run.warnings.items()}


MESSAGE_CAP = 1000
"""The most characters of one failure's or warning's message: every message alignfetch
writes fits, with the upstream words it quotes; a source that quoted a page does not."""


def _said(text: str) -> str:
    """``text`` (a message that may quote what a server sent) as it may be printed: one line,
    without control characters or bidi overrides, at most :data:`MESSAGE_CAP` characters."""
    from alignfetch.errors import cap_echo
    from alignfetch.records import strip_controls

    return cap_echo(strip_controls(text), MESSAGE_CAP)


def _tell(err: SourceError) -> None:
    """``err``'s message and URL made fit to print (:func:`_said`), in place: every source's
    failures leave the pipeline so, whatever upstream words they quote (a GitHub 403's
    ``message`` held ``ESC]0;…BEL``, which refresh's report and add's error printed raw)."""
    message = _said(err.message)
    if message != err.message:
        err.message = message
        err.args = (message,)
    if err.url is not None:
        err.url = _said(err.url)


def _unicode(value: object) -> bool:
    """Whether every text in ``value`` (a record) is valid Unicode.

    JSON may escape half a surrogate pair (``"\\ud800"``): it parses, but the text
    cannot be written as UTF-8, so stored it would break every later command that
    prints it. Such an answer is as much junk as one that is not UTF-8 at all.
    """
    import dataclasses

    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, tuple | list):
        return all(_unicode(v) for v in value)
    if isinstance(value, dict):
        return all(_unicode(k) and _unicode(v) for k, v in value.items())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_unicode(getattr(value, f.name)) for f in dataclasses.fields(value))
    return True


def _unusable(rid: str, outcome: Fetched) -> SourceError | None:
    """The failure of a fresh ``outcome`` no command could read back, else None."""
    from alignfetch.sources import MODULES, SOURCES
    from alignfetch.stored import well_typed

    if outcome.unchanged:
        return None
    if not _unicode(outcome.record):
        why = "holds text that is not valid Unicode"
    elif not well_typed(outcome.record):
        why = "holds a value alignfetch cannot read (a date that is no date, or of the wrong type)"
    else:
        return None
    prefix, key = rid.split(":", 1)
    related = {"s2": "Semantic Scholar", "openalex": "OpenAlex"}
    name = SOURCES[prefix].NAME if prefix in MODULES else related.get(prefix, "Hugging Face papers")
    return SourceError(
        f"The answer for {rid} {why}; it was not stored. Try again later.",
        source=name,
        ids=(key,),
        url=outcome.url,
    )


def fetch_outcomes(
    refs: Sequence[ids.Ref],
    settings: Settings,
    cached: Cached,
    *,
    times: Times,
    progress: Callable[[int], None] | None = None,
    pages_after: timedelta | None = None,
    reuse_after: timedelta | None = None,
    off: frozenset[str] = frozenset(),
    seals: Mapping[str, Seal] | None = None,
) -> FetchRun:
    """Fetch ``refs``, one batch per source, then what they point to.

    Datasets and models go first so that the papers they name join the one arXiv batch;
    paper pages and the scholarly graph come last and may fail without failing their
    paper (:mod:`alignfetch.fetch.scholarly`; ``off`` names the ones ``[sources]``
    switches off). A batch that fails outright fails each of its IDs. Whether a paper's
    page and its OpenAlex record are due is read from ``times``, their records not decoded.
    A paper in ``seals`` (a refresh's rows read without their records) is asked for with
    its fingerprint: :class:`Confirmed` when arXiv sends the same entry, else fetched as
    any other, its row read through ``cached``.
    """
    from alignfetch.fetch import scholarly
    from alignfetch.records import Dataset, Model, Paper
    from alignfetch.sources import SOURCES, arxiv

    run = FetchRun()
    by_prefix: dict[str, list[str]] = {}
    for ref in refs:
        by_prefix.setdefault(ref.prefix, []).append(ref.key)
    for prefix in ("hf", "hf-model", "hf-space", "hf-collection", "gh"):
        if prefix in by_prefix:
            run.outcomes.update(
                batch(SOURCES[prefix], prefix, by_prefix[prefix], settings, cached, progress)
            )
    if "url" in by_prefix:  # a web page never fails its entry
        run.outcomes.update(scholarly.pages(by_prefix["url"], settings, cached, off))
        if progress is not None:
            progress(len(by_prefix["url"]))
    wanted = by_prefix.get("arxiv", [])
    named: dict[str, list[str]] = {}  # paper key -> datasets and models that name it
    for rid, outcome in run.outcomes.items():
        if isinstance(outcome, Fetched) and isinstance(outcome.record, Dataset | Model):
            for pid in outcome.record.papers:
                named.setdefault(pid.split(":", 1)[1], []).append(rid)
    if reuse_after is not None and named:
        # A paper added a minute ago need not be asked for again for its dataset.
        cutoff = datetime.now(UTC) - reuse_after
        fresh = cached(f"arxiv:{k}" for k in named if k not in wanted)
        named = {
            k: v
            for k, v in named.items()
            if (row := fresh.get(f"arxiv:{k}")) is None or row.fetched_at <= cutoff
        }
    keys = list(dict.fromkeys([*wanted, *named]))
    sealed = {p: seal for k in wanted if (seal := (seals or {}).get(p := f"arxiv:{k}"))}
    arxiv_started = time.monotonic()  # paper pages get no longer than arXiv takes
    with arxiv.run() as arxiv_run:  # a POST arXiv refuses is not tried again this run
        papers = (
            batch(SOURCES["arxiv"], "arxiv", keys, settings, cached, progress, sealed)
            if keys
            else {}
        )
    if arxiv_run.note is not None:
        run.warnings["arxiv"] = arxiv_run.note
    wanted_set = set(wanted)
    for pid, outcome in papers.items():
        key = pid.split(":", 1)[1]
        if key in wanted_set:
            run.outcomes[pid] = outcome
        elif isinstance(outcome, SourceError):
            for rid in named[key]:
                run.outcomes[rid] = type(outcome)(
                    f"{rid} names {pid}, which failed: {outcome.message}",
                    source=outcome.source,
                    ids=(rid,),
                    url=outcome.url,
                    status=outcome.status,
                )
        elif isinstance(outcome, Fetched):  # only the entries' papers are sealed
            run.related.append(outcome)
    for rid, outcome in run.outcomes.items():
        if isinstance(outcome, Fetched) and outcome.warning:
            run.warnings[rid] = outcome.warning  # a dataset card kept from before
    page_keys = [
        rid.split(":", 1)[1]
        for rid, o in run.outcomes.items()
        if isinstance(o, Confirmed) or (isinstance(o, Fetched) and isinstance(o.record, Paper))
    ]
    _fetch_pages(run, page_keys, settings, times, pages_after, arxiv_started)
    scholarly.enrich(run, page_keys, settings, times, off)
    _confirm(run, cached)
    _clean(run)
    return run


PAGES_SPREAD = 7
"""Of the pages due, a refresh asks for at most one per this many papers it refreshes (a
seventh: one night's share of a week), so that the pages come due on different nights."""


def _fetch_pages(
    run: FetchRun,
    keys: list[str],
    settings: Settings,
    times: Times,
    pages_after: timedelta | None,
    arxiv_started: float,
) -> None:
    """The Hub pages of the papers ``keys`` that are due, into ``run``.

    With ``pages_after`` (refresh), only the pages :func:`due_pages` picks by their
    fetch times (``times``: the records are not decoded), all waited for. Without
    (``add``, ``check``), every page, waited for no longer than the arXiv batch took,
    nor less than one request may take (twice the timeout);
    those not back by then are left out, with one warning, and the next refresh asks
    for them (they have no row). A page that fails is a warning, never its paper's
    failure.
    """
    from alignfetch.fetch import scholarly
    from alignfetch.sources import hf_papers

    deadline: float | None = None
    waited = 0.0
    if pages_after is not None:
        # A page changes slowly (upvotes, a code link); one request per paper per
        # night would be most of a refresh's traffic to the Hub.
        have = times(f"hfpaper:{k}" for k in keys)
        fetched = {k: t.at for k in keys if (t := have.get(f"hfpaper:{k}")) is not None}
        keys = due_pages(keys, fetched, pages_after, datetime.now(UTC))
    else:
        now = time.monotonic()
        waited = max(now - arxiv_started, 2 * settings.timeout)
        deadline = now + waited
    if not keys:
        return
    got = scholarly.guarded(
        lambda: hf_papers.fetch(keys, settings, {}, deadline=deadline),
        run,
        f"hfpaper:{keys[0]}",
        lambda error: f"The paper pages could not be read ({error}); the next refresh asks "
        "for them again.",
    )
    if got is None:
        return
    late = [k for k in keys if k not in got]
    for key, outcome in got.items():
        if isinstance(outcome, SourceError):
            run.warnings[f"hfpaper:{key}"] = outcome.message
        else:
            run.related.append(outcome)
    if late:
        run.warnings[f"hfpaper:{late[0]}"] = _late(late, len(keys), waited)


def _late(late: list[str], asked: int, waited: float) -> str:
    """The one warning about the pages not waited for."""
    if len(late) == 1:
        what, it, was = f"the paper page of arxiv:{late[0]}", "it", "it was"
    else:
        what, it, was = f"{len(late)} of {asked} paper pages", "them", "they were"
    return (
        f"The Hugging Face Hub had not sent {what} after {_seconds(waited)} seconds (as long as "
        f"arXiv took, at least twice ALIGNFETCH_TIMEOUT); {was} not waited for, and the next "
        f"refresh asks for {it}."
    )


def _seconds(waited: float) -> str:
    """A wait as a message says it: 0.25, 2.5, 12.3, 1235 (never 1.23e+03)."""
    return f"{waited:.0f}" if waited >= 100 else f"{waited:.3g}"


def due_pages(
    keys: Sequence[str],
    fetched: Mapping[str, datetime],
    after: timedelta,
    now: datetime,
) -> list[str]:
    """Which of ``keys`` (the papers a refresh fetched) have their Hub page asked for.

    ``fetched`` holds when each cached page was fetched. A page is due once its copy
    is ``after`` old (less the slack a nightly job needs: its records are written a
    little after it starts). Of the due ones, the oldest are asked first, ties in the
    order of the SHA-1 of the key (stable across runs and machines), at most
    1/:data:`PAGES_SPREAD` of ``keys`` (rounded up) a run; a page never fetched, or
    twice ``after`` old, is always asked. So a list fetched in one night spreads
    its pages over the following week's nights, and they stay spread. The keys come
    back in the order given.
    """
    import hashlib
    import math

    slack = min(timedelta(hours=1), after / 10)
    due_at = now - after + slack
    overdue_at = now - 2 * after + slack
    always = {k for k in keys if k not in fetched or fetched[k] <= overdue_at}
    due = sorted(
        (k for k in keys if k not in always and fetched[k] <= due_at),
        key=lambda k: (fetched[k], hashlib.sha1(k.encode()).hexdigest()),
    )
    chosen = always | set(due[: math.ceil(len(keys) / PAGES_SPREAD)])
    return [k for k in keys if k in chosen]


def batch(
    source: Source,
    prefix: str,
    keys: Sequence[str],
    settings: Settings,
    cached_rows: Cached,
    progress: Callable[[int], None] | None = None,
    seals: Mapping[str, Seal] | None = None,
) -> dict[str, RunOutcome]:
    """Fetch ``keys`` from one source in chunks (arXiv's: one request each).

    After a rate-limit error the rest of the source's keys fail at once:
    asking again would only be refused again. The papers of ``seals`` are given to arXiv
    by their fingerprints alone (:func:`alignfetch.sources.arxiv.fetch`), their rows unread.
    """
    from alignfetch.errors import RateLimitError
    from alignfetch.sources import Previous, arxiv

    seals = seals or {}
    cached = cached_rows(f"{prefix}:{k}" for k in keys if f"{prefix}:{k}" not in seals)
    size = arxiv.BATCH if prefix == "arxiv" else 25
    out: dict[str, RunOutcome] = {}
    stop: SourceError | None = None
    for i in range(0, len(keys), size):
        chunk = keys[i : i + size]
        if stop is not None:
            got: Mapping[str, RunOutcome] = {k: stop for k in chunk}
        else:
            previous = {
                k: Previous(row.parsed, row.raw, row.etag)
                for k in chunk
                if (row := cached.get(f"{prefix}:{k}")) is not None
            }
            sealed = {k: s.etag for k in chunk if (s := seals.get(f"{prefix}:{k}")) is not None}
            got = _fetch_chunk(source, prefix, chunk, settings, previous, sealed)
            stop = next((v for v in got.values() if isinstance(v, RateLimitError)), None)
        out.update((f"{prefix}:{k}", got[k]) for k in chunk)
        if progress is not None and prefix != "hfpaper":
            progress(len(chunk))
    return out


def _fetch_chunk(
    source: Source,
    prefix: str,
    chunk: Sequence[str],
    settings: Settings,
    previous: Mapping[str, Previous],
    sealed: Mapping[str, str],
) -> dict[str, RunOutcome]:
    """An outcome for each key of ``chunk``, whatever the source does (arXiv's told of
    ``sealed``: :func:`batch`).

    A key the source left without an answer, or answered with another ID's
    record, fails; so does the whole chunk when the source raises, whatever it
    raises: a failed key keeps its cached record and is reported as failed,
    never counted as unchanged, and never written over another row.
    """
    import logging

    try:
        got: dict[str, RunOutcome] = {}
        if sealed:
            from alignfetch.sources import arxiv

            got.update(arxiv.fetch(chunk, settings, previous, sealed))
        else:
            got.update(source.fetch(chunk, settings, previous))
    except SourceError as err:
        return {k: err for k in chunk}
    except (KeyboardInterrupt, MemoryError):
        raise
    except Exception as err:  # noqa: BLE001  # an answer the source could not read
        logging.getLogger("alignfetch").debug("%s failed", source.NAME, exc_info=True)
        return {
            k: SourceError(
                f"The {source.NAME} source could not read its answer for {prefix}:{k} "
                f"({type(err).__name__}); try again later.",
                source=source.NAME,
                ids=(k,),
            )
            for k in chunk
        }
    out: dict[str, RunOutcome] = {}
    for key in chunk:
        outcome = got.get(key)
        rid = f"{prefix}:{key}"
        if outcome is None:
            outcome = SourceError(
                f"The {source.NAME} source gave no answer for {rid}; try again later.",
                source=source.NAME,
                ids=(key,),
            )
        elif (answered := _answered(outcome)) is not None and answered != rid:
            outcome = SourceError(
                f"The {source.NAME} source answered {rid} with the record of "
                f"{answered}; try again later.",
                source=source.NAME,
                ids=(key,),
                url=outcome.url if isinstance(outcome, Fetched) else None,
            )
        out[key] = outcome
    return out


def _answered(outcome: RunOutcome) -> str | None:
    """The ID of the record ``outcome`` answers with (None for a failure)."""
    if isinstance(outcome, Fetched):
        return outcome.record.id
    return outcome.id if isinstance(outcome, Confirmed) else None
