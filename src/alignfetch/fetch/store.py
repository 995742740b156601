"""The cache as a list's commands use it: read without creating it, fetch into it, keep.

A :class:`Store` reads records for entries and rows for a refresh, and writes a refresh's
check times (a SQLite cache at the newest revision with the standard library alone,
:mod:`alignfetch.cache.sqlite_read`), fetches fresh ones
through the pipeline (:mod:`alignfetch.fetch.pipeline`), and writes a run's records in
bulk. Reading never creates a cache that does not exist yet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from alignfetch.config import Settings
from alignfetch.errors import CacheMissError, SourceError
from alignfetch.list.items import Item

if TYPE_CHECKING:
    from alignfetch.cache.db import Cache, CachedRow, FetchTime, Seal
    from alignfetch.fetch.pipeline import FetchRun
    from alignfetch.list import ids
    from alignfetch.list.entries import Entry
    from alignfetch.records import Record
    from alignfetch.sources import Fetched

T = TypeVar("T")
D = TypeVar("D", bound=Mapping[str, Any])


class Store:
    """One list's cache (``db_url``), opened on first need."""

    def __init__(self, db_url: str, settings: Settings) -> None:
        self.db_url = db_url
        self.settings = settings
        self.off: frozenset[str] = frozenset()
        """The enriching sources the list switches off (its ``[sources]``)."""

    @cached_property
    def cache(self) -> Cache:
        from alignfetch.cache.db import open_cache
        from alignfetch.http import policy

        cache = open_cache(self.db_url)
        # A shared cache paces arXiv requests across every process that uses it.
        policy.shared_pace = cache.paced if cache.shared else None
        return cache

    def exists(self) -> bool:
        """False for a SQLite cache not created yet (reading must not create one)."""
        if "cache" in self.__dict__ or not self.db_url.startswith("sqlite:///"):
            return True
        return Path(self.db_url.removeprefix("sqlite:///")).exists()

    def rows(self, rids: Iterable[str]) -> dict[str, CachedRow]:
        """Cached rows by ID (:meth:`alignfetch.cache.db.Cache.get`)."""
        wanted = list(rids)
        return self._read(lambda plain: plain.rows(self.db_url, wanted), lambda c: c.get(wanted))

    def times(self, rids: Iterable[str]) -> dict[str, FetchTime]:
        """When each cached row was last fetched, by ID, its record not decoded
        (:meth:`alignfetch.cache.db.Cache.times`)."""
        wanted = list(rids)
        return self._read(
            lambda plain: plain.times(self.db_url, wanted), lambda c: c.times(wanted)
        )

    def seals(self, rids: Iterable[str]) -> dict[str, Seal]:
        """The checked rows with an ETag, by ID, their records not read
        (:meth:`alignfetch.cache.db.Cache.seals`)."""
        wanted = list(rids)
        return self._read(
            lambda plain: plain.seals(self.db_url, wanted), lambda c: c.seals(wanted)
        )

    def records(self, rids: Iterable[str]) -> dict[str, Record]:
        """Cached records (their JSON only, parsed once)."""
        wanted = list(rids)
        return self._read(
            lambda plain: plain.records(self.db_url, wanted), lambda c: c.records(wanted)
        )

    def _read(self, plain: Callable[[Any], D | None], full: Callable[[Cache], D]) -> D:
        """What ``plain`` reads through :mod:`alignfetch.cache.sqlite_read` (:meth:`_plain`),
        else what ``full`` reads of the cache opened the full way; nothing of a cache
        that does not exist yet (reading never creates one)."""
        if not self.exists():
            return cast(D, {})
        fast = self._plain(plain)
        return fast if fast is not None else full(self.cache)

    def _plain(self, use: Callable[[Any], T | None]) -> T | None:
        """What ``use`` does with :mod:`alignfetch.cache.sqlite_read`, the standard
        library's way to a SQLite cache at the newest revision, when the cache was not
        opened the full way yet (SQLAlchemy takes a fifth of a second to import, longer
        than a reading command or a warm refresh's reads); None when it does not serve
        the cache (any other is opened the full way: upgraded if it is behind)."""
        if "cache" in self.__dict__ or not self.db_url.startswith("sqlite:///"):
            return None
        from alignfetch.cache import sqlite_read

        return use(sqlite_read)

    def items(self, chosen: Sequence[Entry], *, pages: bool = True) -> list[Item]:
        """Entries with their records and related records, all from the cache
        (without papers' pages when not ``pages``); a missing record is an error."""
        shown = self.known(chosen, pages=pages)
        missing = [s.id for s in shown if not isinstance(s, Item)]
        if missing:
            one = len(missing) == 1
            raise CacheMissError(
                f"{named(missing)} {'is' if one else 'are'} not in the cache yet; "
                f"run `alignfetch refresh` to fetch {'it' if one else 'them'}."
            )
        return [s for s in shown if isinstance(s, Item)]

    def venues(self, paper_ids: Iterable[str]) -> dict[str, str]:
        """The venue Semantic Scholar gives each cached paper of ``paper_ids`` (those it
        names one for), by paper ID."""
        from alignfetch.records import Scholarly

        wanted = {f"s2:{p.split(':', 1)[1]}": p for p in paper_ids if p.startswith("arxiv:")}
        found = self.records(wanted) if self.exists() else {}
        return {
            wanted[k]: r.venue
            for k, r in found.items()
            if isinstance(r, Scholarly) and r.found and r.venue
        }

    def known(self, chosen: Sequence[Entry], *, pages: bool = True) -> list[Item | Entry]:
        """:meth:`items`, but an entry the cache has no record of comes as itself (what
        render and export show as entries.toml has it), not as an error."""
        from alignfetch.records import Paper, related_ids

        records = self.records(e.id for e in chosen)
        related = self.records(
            k for r in records.values() if pages or not isinstance(r, Paper) for k in related_ids(r)
        )
        return [
            Item(e, r, {k: related[k] for k in related_ids(r) if k in related})
            if (r := records.get(e.id)) is not None
            else e
            for e in chosen
        ]

    def fetch(
        self,
        refs: Sequence[ids.Ref],
        *,
        offline: bool = False,
        reuse_after: timedelta | None = None,
    ) -> FetchRun:
        """Fetch fresh records for ``refs`` and what they point to; any failure raises.

        Offline, the cache answers instead and the run holds nothing new. Papers
        that datasets name and that were fetched within ``reuse_after`` come from
        the cache.
        """
        if offline:
            have = self.rows(str(r) for r in refs)
            missing = [str(r) for r in refs if str(r) not in have]
            if missing:
                raise CacheMissError(
                    f"{named(missing)} {'is' if len(missing) == 1 else 'are'} not in the cache "
                    "and --offline forbids fetching; run again without --offline."
                )
            from alignfetch.fetch.pipeline import FetchRun

            return FetchRun()
        run = self.fetch_outcomes(refs, reuse_after=reuse_after)
        errors = [o for o in run.outcomes.values() if isinstance(o, SourceError)]
        if errors:
            first = errors[0]
            if len(errors) > 1:
                first.message += f" ({len(errors) - 1} more ID(s) failed too.)"
            raise first
        return run

    def fetch_outcomes(
        self,
        refs: Sequence[ids.Ref],
        progress: Callable[[int], None] | None = None,
        pages_after: timedelta | None = None,
        reuse_after: timedelta | None = None,
        rows: Callable[[Iterable[str]], Mapping[str, CachedRow]] | None = None,
        off: frozenset[str] = frozenset(),
        times: Callable[[Iterable[str]], Mapping[str, FetchTime]] | None = None,
        seals: Mapping[str, Seal] | None = None,
    ) -> FetchRun:
        """Fetch ``refs``, one batch per source, then what they point to
        (:func:`alignfetch.fetch.pipeline.fetch_outcomes`), without the enriching sources
        the list switches off or ``off`` names. ``rows`` reads whole rows, ``times`` only
        their fetch times (the paper pages' and OpenAlex's, which are only asked again
        when due); each is this cache's unless given. ``seals``: papers' rows read
        without their records (:meth:`seals`)."""
        from alignfetch.fetch.pipeline import fetch_outcomes

        return fetch_outcomes(
            refs,
            self.settings,
            rows or self.rows,
            times=times or self.times,
            progress=progress,
            pages_after=pages_after,
            reuse_after=reuse_after,
            off=self.off | off,
            seals=seals,
        )

    def keep(
        self,
        run: FetchRun,
        rows: Mapping[str, CachedRow] | None = None,
        seals: Mapping[str, Seal] | None = None,
    ) -> None:
        """Write a run's fresh records to the cache; 304s only mark their records checked.

        A paper's raw arXiv entry, a paper page's raw answer and a repository's
        raw answer are never read back (nothing asks arXiv or the Hub
        conditionally for a paper; GitHub is asked with the ETag alone): they
        are not stored, which keeps the cache small. A record that came back
        exactly as its row in ``rows`` holds it (record, payload, ETag and URL)
        is marked checked in one bulk update, like a 304, instead of being
        written again; the others are written in one bulk upsert. Each sealed row
        upstream confirmed (:meth:`FetchRun.confirmed`; ``seals`` holds those read) is
        marked checked too.
        """
        from alignfetch.fetch.pipeline import RAW_NOT_KEPT

        rows = rows or {}
        fresh: list[Fetched] = []
        checked: list[str] = run.confirmed()
        for o in run.fetched():
            rid = o.record.id
            if o.unchanged:
                checked.append(rid)
                continue
            raw = "" if o.record.kind in RAW_NOT_KEPT else o.raw
            row = rows.get(rid)
            if row is not None and row.same(o, raw):
                checked.append(rid)
            else:
                fresh.append(o if raw == o.raw else replace(o, raw=raw))
        if fresh:
            self.cache.put(fresh)
        held: dict[str, CachedRow | Seal] = {**(seals or {}), **rows}
        if checked and not self._plain(
            lambda sqlite_read: sqlite_read.touch(self.db_url, checked, datetime.now(UTC), held)
        ):
            self.cache.touch(checked, held=held)


def named(rids: Sequence[str]) -> str:
    """``The entry X`` or ``The entries X, Y …`` at the start of a sentence."""
    from alignfetch.errors import cap_echo

    if len(rids) == 1:
        return f"The entry {cap_echo(rids[0])}"
    shown = ", ".join(cap_echo(r) for r in rids[:5])
    return f"The entries {shown}" + (f" and {len(rids) - 5} more" if len(rids) > 5 else "")
