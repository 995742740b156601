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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .errors import SourceError

if TYPE_CHECKING:
    from . import ids
    from .config import Settings
    from .db import CachedRow
    from .sources import Fetched, Outcome, Source

Cached = Callable[[Iterable[str]], Mapping[str, "CachedRow"]]
"""Cached rows by ID (without creating a cache that does not exist yet)."""


@dataclass
class FetchRun:
    """What one round of fetching brought back."""

    outcomes: dict[str, Outcome] = field(default_factory=dict)
    """Per requested ID: a fresh record or the error that stopped it."""
    related: list[Fetched] = field(default_factory=list)
    """Records the requested ones point to: a dataset's papers, papers' Hub pages."""
    warnings: dict[str, str] = field(default_factory=dict)
    """Failures that do not fail an entry (a paper page the Hub would not give)."""

    def fetched(self) -> list[Fetched]:
        ok = [o for o in self.outcomes.values() if not isinstance(o, SourceError)]
        return ok + self.related


def _clean(run: FetchRun) -> None:
    """Clean every fresh record of ``run`` before anything sees or stores it
    (:func:`alignfetch.records.clean`); what was dropped becomes a warning."""
    from dataclasses import replace

    from .records import clean

    def cleaned(o: Fetched) -> Fetched:
        if o.unchanged:
            return o
        record, warnings = clean(o.record)
        if warnings:
            run.warnings[o.record.id] = " ".join(warnings)
        return o if record is o.record else replace(o, record=record)

    for rid, outcome in run.outcomes.items():
        if not isinstance(outcome, SourceError):
            run.outcomes[rid] = cleaned(outcome)
    run.related = [cleaned(o) for o in run.related]


def fetch_outcomes(
    refs: Sequence[ids.Ref],
    settings: Settings,
    cached: Cached,
    *,
    progress: Callable[[int], None] | None = None,
    pages_after: timedelta | None = None,
    reuse_after: timedelta | None = None,
) -> FetchRun:
    """Fetch ``refs``, one batch per source, then what they point to.

    Datasets and models go first so that the papers they name join the one arXiv batch;
    paper pages come last and may fail without failing their paper. A batch
    that fails outright fails each of its IDs.
    """
    from .records import Dataset, Model, Paper
    from .sources import SOURCES, hf_papers

    run = FetchRun()
    by_prefix: dict[str, list[str]] = {}
    for ref in refs:
        by_prefix.setdefault(ref.prefix, []).append(ref.key)
    for prefix in ("hf", "hf-model", "hf-space", "hf-collection", "gh"):
        if prefix in by_prefix:
            run.outcomes.update(
                batch(SOURCES[prefix], prefix, by_prefix[prefix], settings, cached, progress)
            )
    if "url" in by_prefix:  # made from the URL alone: no request
        run.outcomes.update(
            batch(SOURCES["url"], "url", by_prefix["url"], settings, cached, progress)
        )
    wanted = by_prefix.get("arxiv", [])
    named: dict[str, list[str]] = {}  # paper key -> datasets and models that name it
    for rid, outcome in run.outcomes.items():
        if not isinstance(outcome, SourceError) and isinstance(outcome.record, Dataset | Model):
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
    papers = batch(SOURCES["arxiv"], "arxiv", keys, settings, cached, progress) if keys else {}
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
        else:
            run.related.append(outcome)
    for rid, outcome in run.outcomes.items():
        if not isinstance(outcome, SourceError) and outcome.warning:
            run.warnings[rid] = outcome.warning  # a dataset card kept from before
    page_keys = [
        o.record.id.split(":", 1)[1]
        for o in run.outcomes.values()
        if not isinstance(o, SourceError) and isinstance(o.record, Paper)
    ]
    if pages_after is not None:
        # A page changes slowly (upvotes, a code link); one request per paper per
        # night would be most of a refresh's traffic to the Hub.
        cutoff = datetime.now(UTC) - pages_after
        fresh = cached(f"hfpaper:{k}" for k in page_keys)
        page_keys = [
            k
            for k in page_keys
            if (row := fresh.get(f"hfpaper:{k}")) is None or row.fetched_at <= cutoff
        ]
    if page_keys:
        for pid, outcome in batch(hf_papers, "hfpaper", page_keys, settings, cached).items():
            if isinstance(outcome, SourceError):
                run.warnings[pid] = outcome.message
            else:
                run.related.append(outcome)
    _clean(run)
    return run


def batch(
    source: Source,
    prefix: str,
    keys: Sequence[str],
    settings: Settings,
    cached_rows: Cached,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Outcome]:
    """Fetch ``keys`` from one source in chunks (arXiv's: one request each).

    After a rate-limit error the rest of the source's keys fail at once:
    asking again would only be refused again.
    """
    from .errors import RateLimitError
    from .sources import Previous, arxiv

    cached = cached_rows(f"{prefix}:{k}" for k in keys)
    size = arxiv.BATCH if prefix == "arxiv" else 25
    out: dict[str, Outcome] = {}
    stop: SourceError | None = None
    for i in range(0, len(keys), size):
        chunk = keys[i : i + size]
        if stop is not None:
            got: Mapping[str, Outcome] = {k: stop for k in chunk}
        else:
            previous = {
                k: Previous(row.parsed, row.raw, row.etag)
                for k in chunk
                if (row := cached.get(f"{prefix}:{k}")) is not None
            }
            try:
                got = source.fetch(chunk, settings, previous)
            except SourceError as err:
                got = {k: err for k in chunk}
            stop = next((v for v in got.values() if isinstance(v, RateLimitError)), None)
        out.update((f"{prefix}:{k}", v) for k, v in got.items())
        if progress is not None and prefix != "hfpaper":
            progress(len(chunk))
    return out
