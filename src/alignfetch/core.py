"""The library API: a :class:`Workspace` is one list (entries.toml) and its cache.

Every CLI command is one call here. Mutating calls hold a lock beside the cache,
re-read entries.toml under it, fetch everything before writing anything, and
write entries.toml and then the cache only when every fetch succeeded (putting
entries.toml back if the cache cannot be written).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import entries as entries_mod
from . import ids
from .config import Settings
from .entries import EntriesFile, Entry, Section
from .errors import CacheMissError, InputError, LockError, SourceError
from .records import Record

if TYPE_CHECKING:
    from .db import Cache
    from .models import CachedRecord
    from .refresh import Report
    from .sources import Fetched, Outcome, Source

log = logging.getLogger("alignfetch")
KINDS = {"arxiv": "paper", "hf": "dataset", "gh": "repo"}
PAGES_AFTER = timedelta(days=7)
"""refresh asks the Hub for a paper's page again once its copy is this old."""
"""The kind of entry each ID prefix names."""


@dataclass(frozen=True)
class Item:
    """An entry of the list with its cached record and the records it points to
    (a paper's Hugging Face page, a dataset's papers), by ID."""

    entry: Entry
    record: Record
    related: Mapping[str, Record] = field(default_factory=dict)


class Workspace:
    """One awesome list: its entries.toml, its cache and the sources behind them."""

    def __init__(
        self,
        entries: str | os.PathLike[str] = "entries.toml",
        *,
        db: str | None = None,
        offline: bool = False,
        settings: Settings | None = None,
    ) -> None:
        self.entries_path = Path(entries)
        self.state_dir = self.entries_path.parent / ".alignfetch"
        self.db_url = db or f"sqlite:///{self.state_dir / 'cache.sqlite'}"
        self.offline = offline
        self._settings = settings

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    @cached_property
    def cache(self) -> Cache:
        from .db import open_cache

        return open_cache(self.db_url)

    def load(self) -> EntriesFile:
        return entries_mod.load(self.entries_path)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialize writers: a second process waits, then fails with a clear message."""
        from filelock import FileLock, Timeout

        timeout = self.settings.lock_timeout
        path = self.state_dir / "lock"
        lock = FileLock(str(path), timeout=timeout)
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            raise LockError(
                f"Another alignfetch process has held {path} for "
                f"{timeout:g} seconds; wait for it to finish and try again."
            ) from None
        except OSError as err:
            # A folder where the lock file goes, a read-only or full disk, a file
            # where the state folder goes: say so rather than show a traceback.
            raise LockError(
                f"The lock file {path} could not be created ({err.strerror or err}); "
                f"check that {self.state_dir} is a writable folder and that {path} is not one."
            ) from None
        try:
            yield
        finally:
            lock.release()

    # -- reading -----------------------------------------------------------------

    def sections(self) -> list[Section]:
        return self.load().sections

    def items(self, section: str | None = None) -> list[Item]:
        """Entries in file order with their cached records (no fetching)."""
        ef = self.load()
        chosen = ef.entries
        if section is not None:
            ef.section(section)
            chosen = [e for e in chosen if e.section == section]
        return self._items(chosen)

    def _items(self, chosen: Sequence[Entry]) -> list[Item]:
        """Entries with their records and related records, all from the cache."""
        from .records import related_ids

        records = self._records(e.id for e in chosen)
        missing = [e.id for e in chosen if e.id not in records]
        if missing:
            raise CacheMissError(
                f"{_some(missing)} {'is' if len(missing) == 1 else 'are'} not in the cache yet; "
                "run `alignfetch refresh` to fetch "
                f"{'it' if len(missing) == 1 else 'them'}."
            )
        related = self._records(k for r in records.values() for k in related_ids(r))
        return [
            Item(
                e,
                records[e.id],
                {k: related[k] for k in related_ids(records[e.id]) if k in related},
            )
            for e in chosen
        ]

    def item(self, text: str) -> Item:
        ref = ids.parse(text)
        ef = self.load()
        entry = ef.find(str(ref))
        if entry is None:
            raise InputError(f"{ref} is not in {self.entries_path.name}; add it first.")
        return self._items([entry])[0]

    def export(self) -> dict[str, Any]:
        from .export import document

        ef = self.load()
        return document(ef, self._items(ef.entries))

    def render(
        self,
        *,
        source: str | os.PathLike[str] | None = None,
        template: str | os.PathLike[str] | None = None,
    ) -> str:
        """The list's README: from the cache, or from an export JSON (``source``).

        Rendering from a committed export needs neither cache nor network, so a
        CI job can check a list's README offline. The template is ``template``,
        else ``[list] template`` (relative to entries.toml), else the default.
        """
        from . import render

        doc = read_export(Path(source)) if source is not None else self.export()
        meta = doc.get("list")
        listed = meta.get("template") if isinstance(meta, dict) else None
        folder = self.entries_path.parent
        # --template is the user's own choice, anywhere; [list] template comes with the
        # list (a pull request can change it), so it must lie inside the list's folder.
        if template:
            path = Path(template)
            text = render.read_template(path)
            return render.render(doc, text, name=str(path), folder=path.parent)
        if listed:
            text = render.read_template(Path(str(listed)), inside=folder)
            return render.render(doc, text, name=str(listed), folder=folder)
        return render.render(doc)

    def render_to(
        self,
        output: str | os.PathLike[str],
        *,
        check: bool = False,
        source: str | os.PathLike[str] | None = None,
        template: str | os.PathLike[str] | None = None,
    ) -> str | None:
        """Write the rendered list into ``output`` (between its markers, if it has them).

        With ``check``, write nothing and return the unified diff when the file
        differs from what would be written (None when it is up to date).
        """
        from .render import diff, splice

        path = Path(output)
        try:
            with path.open(encoding="utf-8", newline="") as f:
                existing = f.read()
        except FileNotFoundError:
            existing = ""
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(
                f"{path} could not be read as UTF-8 text ({err}); check the path."
            ) from None
        new = splice(existing, self.render(source=source, template=template))
        if check:
            return diff(existing, new, str(path)) if new != existing else None
        if new != existing:
            entries_mod.write_atomic(path, new)
        return None

    # -- writing -----------------------------------------------------------------

    def add(
        self,
        texts: Sequence[str],
        section: str,
        *,
        title: str | None = None,
        description: str | None = None,
        venue: str | None = None,
        affiliation: str | None = None,
        date: str | None = None,
        links: Mapping[str, str] | None = None,
    ) -> list[Item]:
        """Fetch ``texts`` and append them to ``section``; all or nothing."""
        if not texts:
            raise InputError("Give at least one ID to add.")
        refs = [ids.parse(t) for t in texts]
        overrides = dict(
            title=title, description=description, venue=venue, affiliation=affiliation, date=date
        )
        link_pairs = entries_mod.check_overrides(overrides, links or {})
        # Checked before the lock (bad input touches nothing), and again under it.
        _check_new(self.load(), texts, refs, section)
        with self.lock():
            ef = self.load()
            _check_new(ef, texts, refs, section)
            run = self.fetch(refs)
            new = [
                Entry(
                    str(ref),
                    section,
                    title=title,
                    description=description,
                    venue=venue,
                    affiliation=affiliation,
                    date=date,
                    links=link_pairs,
                )
                for ref in refs
            ]
            before = ef.dumps()
            ef.add(new)
            text = ef.dumps()  # fails before anything is written, if it fails
            # entries.toml first: if it cannot be written, the cache never holds the new
            # records as if they were added; if the cache then fails, the file goes back.
            ef.write(text)
            try:
                self.store(run)
            except BaseException:
                ef.write(before)
                raise
            for message in run.warnings.values():
                log.warning("%s", message)
            return self._items(new)

    def remove(self, text: str) -> Entry:
        """Take an entry out of entries.toml (its cache record stays, harmless)."""
        ref = ids.parse(text)
        if self.load().find(str(ref)) is None:
            raise InputError(f"{ref} is not in {self.entries_path.name}; nothing was removed.")
        with self.lock():
            ef = self.load()
            entry = ef.remove(str(ref))
            ef.write(ef.dumps())
            return entry

    def fetch(self, refs: Sequence[ids.Ref]) -> FetchRun:
        """Fetch fresh records for ``refs`` and what they point to; any failure raises.

        Offline, the cache answers instead and the run holds nothing new.
        """
        if self.offline:
            have = self._cached(str(r) for r in refs)
            missing = [str(r) for r in refs if str(r) not in have]
            if missing:
                raise CacheMissError(
                    f"{_some(missing)} {'is' if len(missing) == 1 else 'are'} not in the cache "
                    "and --offline forbids fetching; run again without --offline."
                )
            return FetchRun()
        run = self.fetch_outcomes(refs)
        errors = [o for o in run.outcomes.values() if isinstance(o, SourceError)]
        if errors:
            first = errors[0]
            if len(errors) > 1:
                first.message += f" ({len(errors) - 1} more ID(s) failed too.)"
            raise first
        return run

    def refresh(
        self,
        *,
        stale_after: timedelta = timedelta(days=1),
        everything: bool = False,
        only: str | None = None,
        dry_run: bool = False,
        stars_threshold: float | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Report:
        """Re-fetch entries whose cache is older than ``stale_after`` and report the news.

        Keeps going past failures: a failed entry keeps its last good record and
        is named in the report. The lock is held only while writing, so an
        ``add`` does not wait for a long refresh.
        """
        from .records import from_dict
        from .refresh import STARS_THRESHOLD, Report, changes

        if self.offline:
            raise InputError(
                "refresh exists to fetch, and --offline forbids fetching; drop --offline."
            )
        if only is not None and only not in KINDS.values():
            raise InputError(f"--only takes one of {', '.join(KINDS.values())}, not {only!r}.")
        ef = self.load()
        chosen = [e for e in ef.entries if only is None or KINDS[e.id.split(":", 1)[0]] == only]
        cached = self._cached(e.id for e in chosen)
        # Yesterday's run wrote its records a little after it started: with no slack
        # a nightly job would find them a minute short of a day old, and skip them.
        slack = min(timedelta(hours=1), stale_after / 10)
        cutoff = datetime.now(UTC) - stale_after + slack
        due = [
            e
            for e in chosen
            if everything or e.id not in cached or cached[e.id].fetched_at <= cutoff
        ]
        report = Report(
            checked=[e.id for e in due], skipped=len(chosen) - len(due), dry_run=dry_run
        )
        if not due:
            return report
        run = self.fetch_outcomes(
            [ids.parse(e.id) for e in due], progress=progress, pages_after=PAGES_AFTER
        )
        threshold = STARS_THRESHOLD if stars_threshold is None else stars_threshold
        for rid, outcome in run.outcomes.items():
            if isinstance(outcome, SourceError):
                report.failures[rid] = outcome.message
            elif not outcome.unchanged:
                row = cached.get(rid)
                old = from_dict(row.record) if row is not None else None
                report.changes.extend(changes(old, outcome.record, threshold))
        report.warnings.update(run.warnings)
        if not dry_run:
            with self.lock():
                self.store(run)
                self.cache.record_error(report.failures)
        return report

    def fetch_outcomes(
        self,
        refs: Sequence[ids.Ref],
        progress: Callable[[int], None] | None = None,
        pages_after: timedelta | None = None,
    ) -> FetchRun:
        """Fetch ``refs``, one batch per source, then what they point to.

        Datasets go first so that the papers they name join the one arXiv batch;
        paper pages come last and may fail without failing their paper. A batch
        that fails outright fails each of its IDs.
        """
        from .records import Dataset, Paper
        from .sources import SOURCES, hf_papers

        run = FetchRun()
        by_prefix: dict[str, list[str]] = {}
        for ref in refs:
            by_prefix.setdefault(ref.prefix, []).append(ref.key)
        for prefix in ("hf", "gh"):
            if prefix in by_prefix:
                run.outcomes.update(
                    self._batch(SOURCES[prefix], prefix, by_prefix[prefix], progress)
                )
        wanted = by_prefix.get("arxiv", [])
        named: dict[str, list[str]] = {}  # paper key -> datasets that name it
        for rid, outcome in run.outcomes.items():
            if not isinstance(outcome, SourceError) and isinstance(outcome.record, Dataset):
                for pid in outcome.record.papers:
                    named.setdefault(pid.split(":", 1)[1], []).append(rid)
        keys = list(dict.fromkeys([*wanted, *named]))
        papers = self._batch(SOURCES["arxiv"], "arxiv", keys, progress) if keys else {}
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
        page_keys = [
            o.record.id.split(":", 1)[1]
            for o in run.outcomes.values()
            if not isinstance(o, SourceError) and isinstance(o.record, Paper)
        ]
        if pages_after is not None:
            # A page changes slowly (upvotes, a code link); one request per paper per
            # night would be most of a refresh's traffic to the Hub.
            cutoff = datetime.now(UTC) - pages_after
            fresh = self._cached(f"hfpaper:{k}" for k in page_keys)
            page_keys = [
                k
                for k in page_keys
                if (row := fresh.get(f"hfpaper:{k}")) is None or row.fetched_at <= cutoff
            ]
        if page_keys:
            for pid, outcome in self._batch(hf_papers, "hfpaper", page_keys).items():
                if isinstance(outcome, SourceError):
                    run.warnings[pid] = outcome.message
                else:
                    run.related.append(outcome)
        _clean(run)
        return run

    def _batch(
        self,
        source: Source,
        prefix: str,
        keys: Sequence[str],
        progress: Callable[[int], None] | None = None,
    ) -> dict[str, Outcome]:
        """Fetch ``keys`` from one source in chunks (arXiv's: one request each).

        After a rate-limit error the rest of the source's keys fail at once:
        asking again would only be refused again.
        """
        from .errors import RateLimitError
        from .records import from_dict
        from .sources import Previous, arxiv

        cached = self._cached(f"{prefix}:{k}" for k in keys)
        size = arxiv.BATCH if prefix == "arxiv" else 25
        out: dict[str, Outcome] = {}
        stop: SourceError | None = None
        for i in range(0, len(keys), size):
            chunk = keys[i : i + size]
            if stop is not None:
                got: Mapping[str, Outcome] = {k: stop for k in chunk}
            else:
                previous = {
                    k: Previous(from_dict(row.record), row.raw, row.etag)
                    for k in chunk
                    if (row := cached.get(f"{prefix}:{k}")) is not None
                }
                try:
                    got = source.fetch(chunk, self.settings, previous)
                except SourceError as err:
                    got = {k: err for k in chunk}
                stop = next((v for v in got.values() if isinstance(v, RateLimitError)), None)
            out.update((f"{prefix}:{k}", v) for k, v in got.items())
            if progress is not None and prefix != "hfpaper":
                progress(len(chunk))
        return out

    def _cached(self, rids: Iterable[str]) -> dict[str, CachedRecord]:
        """Cached rows, without creating a cache that does not exist yet."""
        sqlite = self.db_url.startswith("sqlite:///")
        if "cache" not in self.__dict__ and sqlite:  # noqa: SIM102 (two reasons, two tests)
            if not Path(self.db_url.removeprefix("sqlite:///")).exists():
                return {}
        return self.cache.get(rids)

    def _records(self, rids: Iterable[str]) -> dict[str, Record]:
        from .records import from_dict

        return {k: from_dict(v.record) for k, v in self._cached(rids).items()}

    def store(self, run: FetchRun) -> None:
        """Write a run's fresh records to the cache; 304s only mark their records checked."""
        fresh = [o for o in run.fetched() if not o.unchanged]
        checked = [o.record.id for o in run.fetched() if o.unchanged]
        if fresh:
            self.cache.put(fresh)
        if checked:
            self.cache.touch(checked)


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


def _check_new(
    ef: EntriesFile, texts: Sequence[str], refs: Sequence[ids.Ref], section: str
) -> None:
    """The section exists and no ID is given twice or already in the list."""
    ef.section(section)
    seen: dict[str, str] = {}
    for text, ref in zip(texts, refs, strict=True):
        if ref.identity in seen:
            raise InputError(
                f"{text!r} and {seen[ref.identity]!r} are the same entry ({ref}); give it once."
            )
        seen[ref.identity] = text
        there = ef.find(str(ref))
        if there is not None:
            raise InputError(
                f"{ref} is already in the list, in section {there.section!r}; "
                "remove it first to move it."
            )


def read_export(path: Path) -> dict[str, Any]:
    """An export document written by ``alignfetch export``, checked for its version."""
    import json

    from .export import SCHEMA_VERSION

    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path} does not exist; write it with `alignfetch export -o {path}`."
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise InputError(f"{path} is not an alignfetch export ({err}).") from None
    if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"{path} is not an alignfetch export of schema version {SCHEMA_VERSION}; "
            "write it again with `alignfetch export`."
        )
    return doc


def _some(ids_: Sequence[str], shown: int = 5) -> str:
    text = ", ".join(ids_[:shown])
    return text + (f" and {len(ids_) - shown} more" if len(ids_) > shown else "")
