"""What changed between two fetches of the same entry, and the nightly report.

Pure functions over records: :func:`changes` compares a cached record with a
fresh one; :class:`Report` gathers a refresh's changes and failures and says
them as text (for people) or JSON (for the job that opens a pull request).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from alignfetch.errors import InputError, SourceError
from alignfetch.list import ids
from alignfetch.records import (
    SPACE_UP,
    Collection,
    Dataset,
    Model,
    Paper,
    Record,
    Repo,
    Scholarly,
    Space,
)
from alignfetch.sources import KINDS, Fetched

if TYPE_CHECKING:
    from alignfetch.cache.db import CachedRow
    from alignfetch.fetch.store import Store
    from alignfetch.list.entries import EntriesFile

WEB_PAGES_AFTER = timedelta(days=7)
"""How old a web page's record (a ``url:`` entry) must be before refresh reads it again."""
STARS_THRESHOLD = 10.0
"""Percent by which stars must move to be news (and at least 10 stars)."""


@dataclass(frozen=True)
class Change:
    id: str
    what: str
    """A short code: new_version, title, authors, abstract, published (a venue), withdrawn,
    card, license, gated, disabled, renamed, archived, stars, stage, new."""
    message: str
    old: Any = None
    new: Any = None


def changes(
    old: Record | None, new: Record, stars_threshold: float = STARS_THRESHOLD
) -> list[Change]:
    """The news in ``new`` compared with ``old`` (None: first fetch)."""
    rid = new.id
    if old is None:
        return [Change(rid, "new", "fetched for the first time")]
    out: list[Change] = []
    if isinstance(old, Paper) and isinstance(new, Paper):
        if new.version != old.version:
            out.append(
                Change(
                    rid,
                    "new_version",
                    f"new version v{new.version} (was v{old.version})",
                    old.version,
                    new.version,
                )
            )
        out.extend(
            Change(rid, name, f"{name} changed", getattr(old, name), getattr(new, name))
            for name in ("title", "abstract")
            if getattr(old, name) != getattr(new, name)
        )
        if [a.name for a in old.authors] != [a.name for a in new.authors]:
            out.append(
                Change(
                    rid,
                    "authors",
                    "authors changed",
                    [a.name for a in old.authors],
                    [a.name for a in new.authors],
                )
            )
        if new.journal_ref and new.journal_ref != old.journal_ref:
            out.append(
                Change(
                    rid,
                    "published",
                    f"published: {new.journal_ref}",
                    old.journal_ref,
                    new.journal_ref,
                )
            )
        if new.doi and new.doi != old.doi:
            out.append(Change(rid, "doi", f"DOI {new.doi}", old.doi, new.doi))
        if _withdrawn(new) and not _withdrawn(old):
            out.append(Change(rid, "withdrawn", "withdrawn by its authors", None, new.comment))
    elif isinstance(old, Dataset | Model) and isinstance(new, Dataset | Model):
        if isinstance(old, Model) and isinstance(new, Model):
            out.extend(_renamed(rid, old.title, new.title))
        if old.summary != new.summary:
            out.append(
                Change(rid, "card", f"{new.kind} card summary changed", old.summary, new.summary)
            )
        if old.license != new.license:
            out.append(
                Change(
                    rid,
                    "license",
                    f"licence {_list(old.license)} -> {_list(new.license)}",
                    list(old.license),
                    list(new.license),
                )
            )
        if old.gated != new.gated:
            state = f"gated ({new.gated})" if new.gated else "no longer gated"
            out.append(Change(rid, "gated", f"now {state}", old.gated, new.gated))
        if new.disabled and not old.disabled:
            out.append(Change(rid, "disabled", "disabled on the Hub", False, True))
    elif isinstance(old, Repo) and isinstance(new, Repo):
        if old.full_name.lower() != new.full_name.lower():
            out.append(
                Change(
                    rid,
                    "renamed",
                    f"renamed {old.full_name} -> {new.full_name}",
                    old.full_name,
                    new.full_name,
                )
            )
        if new.archived and not old.archived:
            out.append(Change(rid, "archived", "archived by its owners", False, True))
        if old.stars is not None and new.stars is not None:
            moved = new.stars - old.stars
            if abs(moved) >= max(10, old.stars * stars_threshold / 100):
                out.append(
                    Change(
                        rid,
                        "stars",
                        f"stars {old.stars} -> {new.stars} ({moved:+d})",
                        old.stars,
                        new.stars,
                    )
                )
    elif isinstance(old, Space) and isinstance(new, Space):
        out.extend(_renamed(rid, old.repo_id, new.repo_id))
        # Between two working stages (a Space sleeps when idle) is no news.
        if (
            old.stage
            and new.stage
            and old.stage != new.stage
            and (old.stage in SPACE_UP) != (new.stage in SPACE_UP)
        ):
            out.append(
                Change(
                    rid,
                    "stage",
                    f"running state {old.stage} -> {new.stage}",
                    old.stage,
                    new.stage,
                )
            )
        if new.disabled and not old.disabled:
            out.append(Change(rid, "disabled", "disabled on the Hub", False, True))
    elif isinstance(old, Collection) and isinstance(new, Collection) and old.title != new.title:
        out.append(
            Change(rid, "title", f"title {old.title!r} -> {new.title!r}", old.title, new.title)
        )
    return out


def publications(
    related: Iterable[Any], rows: Callable[[Iterable[str]], dict[str, CachedRow]], papers: Any
) -> list[Change]:
    """``arxiv:ID was published: ACL 2023 (doi …)``, once: when Semantic Scholar first
    names a venue for a paper the list had already fetched, or names another one. Citation
    counts move daily and are no news."""
    fresh = [o.record for o in related if isinstance(o.record, Scholarly)]
    old = rows(r.id for r in fresh)
    out: list[Change] = []
    for new in fresh:
        paper = f"arxiv:{new.id.split(':', 1)[1]}"
        row = old.get(new.id)
        before = row.parsed if row is not None else None
        was = before.venue if isinstance(before, Scholarly) and before.found else None
        if not new.found or not new.venue or new.venue == was:
            continue
        if row is None and paper not in papers:
            continue  # a paper fetched for the first time: its venue is no news yet
        doi = f" (doi {new.doi})" if new.doi else ""
        out.append(
            Change(paper, "published", f"was published: {new.venue}{doi}", was, new.venue)
        )
    return out


def _renamed(rid: str, old: str, new: str) -> list[Change]:
    """A Hub repository answered under another name (the Hub redirects renamed ones)."""
    if old.lower() == new.lower():
        return []
    return [Change(rid, "renamed", f"renamed {old} -> {new}", old, new)]


def _withdrawn(paper: Paper) -> bool:
    return "withdrawn" in (paper.comment or "").lower()


def _list(values: tuple[str, ...]) -> str:
    return ", ".join(values) or "none"


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    skipped: int = 0
    changes: list[Change] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    uncached: set[str] = field(default_factory=set)
    """Failed entries that were never fetched, so have no last good data to keep."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        n = len(self.checked)
        head = f"Checked {n} entr{'y' if n == 1 else 'ies'}"
        if self.skipped:
            head += f" ({self.skipped} fresh enough, skipped)"
        changed = len({c.id for c in self.changes if c.what != "new"})
        if not self.changes and not self.failures:
            return f"{head}: nothing changed."
        parts = []
        if changed:
            parts.append(f"{changed} changed")
        fresh = len([c for c in self.changes if c.what == "new"])
        if fresh:
            parts.append(f"{fresh} fetched for the first time")
        if self.failures:
            parts.append(f"{len(self.failures)} failed")
        return f"{head}: {', '.join(parts) or 'nothing changed'}."

    def text(self) -> str:
        """The report for people (and a pull request's body)."""
        lines = []
        if self.dry_run:
            lines.append("Dry run: nothing was written.")
        lines.append(self.summary())
        shown = [c for c in self.changes if c.what != "new"]
        if shown:
            lines.append("")
            lines.extend(f"- {c.id}: {c.message}" for c in shown)
        kept = {k: v for k, v in self.failures.items() if k not in self.uncached}
        never = {k: v for k, v in self.failures.items() if k in self.uncached}
        if kept:
            lines.append("")
            lines.append("Failed (their last good data is kept):")
            lines.extend(_grouped(kept))
        if never:
            lines.append("")
            lines.append("Failed, with no data yet (never fetched successfully):")
            lines.extend(_grouped(never))
        if self.warnings:
            lines.append("")
            lines.append("Warnings:")
            lines.extend(_grouped(self.warnings))
        return "\n".join(lines) + "\n"

    def json(self) -> dict[str, Any]:
        return {
            "checked": len(self.checked),
            "skipped": self.skipped,
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "changes": [
                {"id": c.id, "what": c.what, "message": c.message, "old": c.old, "new": c.new}
                for c in self.changes
            ],
            "failures": [{"id": k, "message": v} for k, v in self.failures.items()],
            "warnings": [{"id": k, "message": v} for k, v in self.warnings.items()],
        }


def _grouped(problems: dict[str, str], shown: int = 3) -> list[str]:
    """One line per entry, but one line per message when many entries share it
    (an outage fails thousands alike; the report should still fit on a screen)."""
    by_message: dict[str, list[str]] = {}
    for rid, message in problems.items():
        by_message.setdefault(message, []).append(rid)
    lines: list[str] = []
    for message, rids in by_message.items():
        if len(rids) <= shown + 1:
            lines.extend(f"- {rid}: {message}" for rid in rids)
        else:
            lines.append(f"- {', '.join(rids[:shown])} and {len(rids) - shown} more: {message}")
    return lines


_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``12h``, ``1d``, ``2w`` (or ``0``) as a timedelta."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not m or (not m[2] and float(m[1]) != 0):
        raise InputError(
            f"The text {text!r} is not a duration; write a number and a unit, "
            "e.g. 30m, 12h, 1d or 2w."
        )
    try:
        return timedelta(**{_UNITS[m[2] or "s"]: float(m[1])})
    except OverflowError:
        raise InputError(
            f"The duration {text!r} is longer than alignfetch can count; use a shorter duration."
        ) from None


PAGES_AFTER = timedelta(days=7)
"""refresh asks the Hub for a paper's page again once its copy is this old, at most a
seventh of them a night (:func:`alignfetch.fetch.pipeline.due_pages`)."""


class Options(TypedDict, total=False):
    """What ``refresh`` takes besides the list (``Workspace.refresh(**options)``)."""

    stale_after: timedelta
    """Refetch entries whose cache is older than this (default a day)."""
    everything: bool
    """Refetch every entry, however fresh."""
    only: str | None
    """Only entries of this kind (a value of :data:`alignfetch.sources.KINDS`)."""
    dry_run: bool
    """Fetch and report, write nothing."""
    stars_threshold: float | None
    """Percent by which stars must move to be news (default :data:`STARS_THRESHOLD`)."""
    progress: Callable[[int], None] | None
    """Called with the number of entries done as a batch ends."""


def refuse(offline: bool, only: str | None) -> None:
    """Refuse a refresh that cannot be: ``--offline``, or ``--only`` no kind of entry."""
    if offline:
        raise InputError("Refresh exists to fetch, and --offline forbids fetching; drop --offline.")
    if only is not None and only not in KINDS.values():
        raise InputError(f"--only takes one of {', '.join(KINDS.values())}, not {only!r}.")


def refresh(
    ef: EntriesFile,
    store: Store,
    lock: Callable[[], AbstractContextManager[object]],
    *,
    stale_after: timedelta = timedelta(days=1),
    everything: bool = False,
    only: str | None = None,
    dry_run: bool = False,
    stars_threshold: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Re-fetch ``ef``'s entries whose cache is older than ``stale_after``; report the news.

    Keeps going past failures: a failed entry keeps its last good record and is named
    in the report. ``lock`` is held only while writing, so an ``add`` does not wait for
    a long refresh. On a shared (PostgreSQL) cache, refreshes take turns, whichever list
    they serve: the second waits (up to the lock timeout; then it goes ahead anyway) and
    finds fresh what the first fetched, so a paper two lists share is fetched once.
    """
    from alignfetch.cache.rows import no_collection
    from alignfetch.cache.urls import backend

    # A refresh of 10,000 entries makes millions of objects and next to no cycles:
    # the collector's passes over them took a tenth of its time, and with it held off
    # its peak memory is the same.
    with no_collection():
        if dry_run or backend(store.db_url) != "postgresql":
            return _refresh(
                ef, store, lock, stale_after, everything, only, dry_run, stars_threshold, progress
            )
        with store.cache.turn("alignfetch:refresh", store.settings.lock_timeout):
            return _refresh(
                ef, store, lock, stale_after, everything, only, dry_run, stars_threshold, progress
            )


def _refresh(
    ef: EntriesFile,
    store: Store,
    lock: Callable[[], AbstractContextManager[object]],
    stale_after: timedelta,
    everything: bool,
    only: str | None,
    dry_run: bool,
    stars_threshold: float | None,
    progress: Callable[[int], None] | None,
) -> Report:
    chosen = [e for e in ef.entries if only is None or KINDS[e.id.split(":", 1)[0]] == only]
    # A checked paper's row is read without its record: arXiv confirms most papers by the
    # fingerprint of an unchanged entry, and the record is read only when the entry differs.
    seals = store.seals(e.id for e in chosen if e.id.startswith("arxiv:"))
    cached = store.rows(e.id for e in chosen if e.id not in seals)
    times = {rid: seal.fetched_at for rid, seal in seals.items()}
    times.update((rid, row.fetched_at) for rid, row in cached.items())
    # Yesterday's run wrote its records a little after it started: with no slack
    # a nightly job would find them a minute short of a day old, and skip them.
    slack = min(timedelta(hours=1), stale_after / 10)
    cutoff = datetime.now(UTC) - stale_after + slack
    # A web page is read once a week (it is someone's page, not an API).
    weekly = datetime.now(UTC) - max(stale_after, WEB_PAGES_AFTER) + slack
    due = [
        e
        for e in chosen
        if everything
        or e.id not in times
        or times[e.id] <= (weekly if e.id.startswith("url:") else cutoff)
    ]
    report = Report(checked=[e.id for e in due], skipped=len(chosen) - len(due), dry_run=dry_run)
    if not due:
        return report
    loaded = dict(cached)  # every row read, each once: the entries', then what they name

    def rows(rids: Iterable[str]) -> dict[str, CachedRow]:
        """Rows by ID; those loaded before are not loaded again."""
        wanted = list(rids)
        loaded.update(store.rows(r for r in wanted if r not in loaded))
        return {r: loaded[r] for r in wanted if r in loaded}

    run = store.fetch_outcomes(
        [ids.of(e.id) for e in due],
        progress=progress,
        pages_after=PAGES_AFTER,
        rows=rows,
        seals=seals,
    )
    threshold = STARS_THRESHOLD if stars_threshold is None else stars_threshold
    fresh = {
        rid: o for rid, o in run.outcomes.items() if isinstance(o, Fetched) and not o.unchanged
    }
    before = rows(fresh)  # a sealed paper's row, read now that its entry changed
    for rid, outcome in run.outcomes.items():
        if isinstance(outcome, SourceError):
            report.failures[rid] = outcome.message
        elif rid in fresh:
            row = before.get(rid)
            old = row.parsed if row is not None else None
            report.changes.extend(changes(old, fresh[rid].record, threshold))
    report.warnings.update(run.warnings)
    report.uncached = {rid for rid in report.failures if rid not in times}
    report.changes.extend(publications(run.related, rows, times))
    if not dry_run:
        rows([o.record.id for o in run.fetched()])  # the related records' rows, if any
        with lock():
            store.keep(run, loaded, seals)
            if report.failures:  # else the cache need not be opened the full way
                store.cache.record_error(report.failures)
    return report
