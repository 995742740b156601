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
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from alignfetch.config import Settings
from alignfetch.errors import (
    BadIdError,
    CacheMissError,
    InputError,
    LockError,
    SourceError,
    cap_echo,
)
from alignfetch.fetch.pipeline import FetchRun as FetchRun  # where callers have found it
from alignfetch.list import entries as entries_mod
from alignfetch.list import ids
from alignfetch.list.entries import EntriesFile, Entry, Section
from alignfetch.list.items import Item as Item  # where callers have found it
from alignfetch.records import Record

if TYPE_CHECKING:
    from datetime import date

    from alignfetch.adopt import ImportReport
    from alignfetch.cache.db import Cache, CachedRow
    from alignfetch.discover import Result as DiscoverResult
    from alignfetch.fetch.refresh import Report
    from alignfetch.lint.rules import Result as CheckResult
    from alignfetch.sources import Fetched

log = logging.getLogger("alignfetch")
_T = TypeVar("_T")
from alignfetch.sources import KINDS as KINDS  # noqa: E402 (where callers have found it)
PAGES_AFTER = timedelta(days=7)
"""refresh asks the Hub for a paper's page again once its copy is this old, at most a
seventh of them a night (:func:`alignfetch.pipeline.due_pages`)."""
"""The kind of entry each ID prefix names."""
RAW_NOT_KEPT = frozenset({"paper", "paper_page", "repo"})
"""Kinds whose raw upstream answer the cache does not keep: no source reads it back
(a repository's ETag is kept for its conditional request; a 304 keeps the record)."""


def _taking_turns(refresh: Callable[..., Report]) -> Callable[..., Report]:
    """On a shared (PostgreSQL) cache, refreshes take turns, whichever list they serve.

    The second waits (up to the lock timeout; then it goes ahead anyway) and then
    finds fresh what the first fetched: a paper two lists share is fetched once.
    """
    from functools import wraps

    @wraps(refresh)
    def taking_turns(self: Workspace, **kwargs: Any) -> Report:
        from alignfetch.cache.db import backend

        if self.offline or kwargs.get("dry_run") or backend(self.db_url) != "postgresql":
            return refresh(self, **kwargs)
        with self.cache.turn("alignfetch:refresh", self.settings.lock_timeout):
            return refresh(self, **kwargs)

    return taking_turns


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
        from alignfetch.cache.db import open_cache
        from alignfetch.http import policy as net

        cache = open_cache(self.db_url)
        # A shared cache paces arXiv requests across every process that uses it.
        net.shared_pace = cache.pacer("arxiv") if cache.shared else None
        return cache

    def load(self) -> EntriesFile:
        return entries_mod.load(self.entries_path)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialize writers: a second process waits, then fails with a clear message.

        The lock is a file beside entries.toml, or on a PostgreSQL cache an advisory
        lock named after the list's entries.toml.
        """
        from filelock import FileLock, Timeout

        from alignfetch.cache.db import backend

        timeout = self.settings.lock_timeout
        if backend(self.db_url) == "postgresql":
            where = self.entries_path.resolve()
            with self.cache.advisory_lock(
                f"alignfetch:list:{where}",
                timeout,
                f"Another alignfetch process has held the lock on {where} in the cache at "
                f"{self.cache.url} for {timeout:g} seconds; wait for it to finish and try again.",
            ):
                yield
            return
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

    def items(self, section: str | None = None, *, pages: bool = True) -> list[Item]:
        """Entries with their cached records (no fetching), in file order.

        With ``section``, the entries of that section and of its subsections,
        grouped by section in the README's order (a section, then its children).
        With ``pages=False``, papers come without their Hugging Face page (what
        ``list`` does not show, and most of the rows a list of papers reads).
        """
        ef = self.load()
        chosen = ef.entries
        if section is not None:
            ef.section(section)
            rank = {slug: i for i, slug in enumerate(_subtree(ef.sections, section))}
            chosen = sorted((e for e in chosen if e.section in rank), key=lambda e: rank[e.section])
        return self._items(chosen, pages=pages)

    def _items(self, chosen: Sequence[Entry], *, pages: bool = True) -> list[Item]:
        """Entries with their records and related records, all from the cache
        (without papers' pages when not ``pages``)."""
        from alignfetch.records import Paper, related_ids

        records = self._records(e.id for e in chosen)
        missing = [e.id for e in chosen if e.id not in records]
        if missing:
            raise CacheMissError(
                f"{_entries(missing)} {'is' if len(missing) == 1 else 'are'} not in the cache yet; "
                "run `alignfetch refresh` to fetch "
                f"{'it' if len(missing) == 1 else 'them'}."
            )
        related = self._records(
            k for r in records.values() if pages or not isinstance(r, Paper) for k in related_ids(r)
        )
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
            raise InputError(f"{_cap(str(ref))} is not in {self.entries_path.name}; add it first.")
        return self._items([entry])[0]

    def export(self) -> dict[str, Any]:
        from alignfetch.list.export import document

        ef = self.load()
        return document(ef, self._items(ef.entries))

    def items_for(self, texts: Sequence[str]) -> list[Item]:
        """The entries ``texts`` name (any ID form; in that order, once each) with their
        cached records. An ID that is not in the list is an :class:`InputError`."""
        refs = [ids.parse(t) for t in texts]
        ef = self.load()
        chosen: list[Entry] = []
        for ref in refs:
            entry = ef.find(str(ref))
            if entry is None:
                raise InputError(f"{ref} is not in {self.entries_path.name}; add it first.")
            if entry not in chosen:
                chosen.append(entry)
        return self._items(chosen)

    def citations(self, fmt: str = "bibtex", texts: Sequence[str] | None = None) -> str:
        """BibTeX or CSL-JSON (``fmt``) for the whole list, or for the entries ``texts``
        name, with the keys they have in the whole list. Reads the cache only."""
        from alignfetch.citations import cite_keys, write

        if texts is None:
            items = self._items(self.load().entries)
            return write(fmt, items, accessed=self._accessed(items))
        chosen = self.items_for(texts)
        # Keys are unique across the list: a collision with any cached entry counts.
        listed = self.load().entries
        records = self._records(e.id for e in listed)
        keys = cite_keys([Item(e, records[e.id]) for e in listed if e.id in records])
        return write(fmt, chosen, keys, accessed=self._accessed(chosen))

    def _accessed(self, items: Sequence[Item]) -> dict[str, str]:
        """The day each web link last answered `check`'s link rule well, by entry ID: the
        access date a citation of a web page gives (none where it was never seen)."""
        urls = {i.entry.id: i.entry.id[4:] for i in items if i.entry.id.startswith("url:")}
        if not urls or not self._cached_exists():
            return {}
        from alignfetch.lint.links import cached

        answers = cached(self.cache, urls.values())
        return {
            rid: answer.checked_at.date().isoformat()
            for rid, url in urls.items()
            if (answer := answers.get(url)) is not None
            and answer.checked_at is not None
            and answer.status is not None
            and answer.status < 400
        }

    def _cached_exists(self) -> bool:
        """False for a SQLite cache not yet created (reading must not create one)."""
        if "cache" in self.__dict__ or not self.db_url.startswith("sqlite:///"):
            return True
        return Path(self.db_url.removeprefix("sqlite:///")).exists()

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
        from alignfetch.render import page as render

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
        from alignfetch.files import read_text
        from alignfetch.render.page import diff, splice

        path = Path(output)
        try:
            existing = read_text(path, keep_lines=True)
        except FileNotFoundError:
            existing = ""
        except (OSError, UnicodeDecodeError) as err:
            raise InputError(
                f"The file {path} could not be read as UTF-8 text ({err}); check the path."
            ) from None
        new = splice(existing, self.render(source=source, template=template))
        if check:
            return diff(existing, new, str(path)) if new != existing else None
        if new != existing:
            entries_mod.write_atomic(path, new)
        return None

    def discover(
        self,
        *,
        source: str = "all",
        categories: Sequence[str] = (),
        days: int = 1,
        top: int = 20,
        min_score: float = 0.0,
    ) -> DiscoverResult:
        """Papers announced lately that may belong in the list, ranked (see
        :mod:`alignfetch.discover`); each listing is fetched once a day."""
        from alignfetch.discover import run

        return run(
            self, source=source, categories=categories, days=days, top=top, min_score=min_score
        )

    def reject(self, text: str) -> tuple[str, bool]:
        """Never propose the paper ``text`` again; False when it was already rejected."""
        from alignfetch.discover import reject

        return reject(self, text)

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
        reuse_after: timedelta | None = timedelta(days=1),
    ) -> list[Item]:
        """Fetch ``texts`` and append them to ``section``; all or nothing.

        A paper that a new dataset names and that was fetched less than
        ``reuse_after`` ago is taken from the cache, not asked for again (None:
        always fetch).
        """
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
            run = self.fetch(refs, reuse_after=reuse_after)
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

    def import_markdown(
        self, text: str, *, keep_typed: bool = False, dry_run: bool = False
    ) -> ImportReport:
        """Adopt an awesome-list README: its sections and entries join entries.toml.

        Nothing is fetched (``refresh`` fetches what the cache lacks). entries.toml
        is created when absent (its title from the README's first heading) and
        appended to otherwise; what it already holds is left alone, so a second
        import adds nothing. With ``dry_run`` nothing is written.
        """
        from alignfetch.adopt import adopt

        return adopt(
            text, self.entries_path, self.load, self.lock, keep_typed=keep_typed, dry_run=dry_run
        )

    def check(
        self,
        files: Sequence[tuple[str, str]] = (),
        *,
        stale_months: int = 24,
        today: date | None = None,
    ) -> CheckResult:
        """Lint ``files`` (name, Markdown text) or, with none, the list itself.

        Entries are resolved through the cache; what it lacks is fetched (unless
        offline) and stored in the cache. entries.toml is never written; its
        ``[check]`` table and entries' ``check_ignore`` apply when it exists.
        """
        from alignfetch.errors import NotFoundError
        from alignfetch.lint import rules as chk
        from alignfetch.readme.reading import read_list

        ef = self.load() if not files or self.entries_path.exists() else None
        config = chk.config_from(ef.rest.get("check"), ef.path.name) if ef else chk.Config()
        ignores: dict[str, tuple[str, ...]] = {}
        if ef is not None:
            for e in ef.entries:
                chk.check_rules(e.check_ignore, f"In {ef.path.name}, {e.id}'s check_ignore")
                ignores[ids.identity(e.id)] = e.check_ignore
        readings = [(name, text, read_list(text)) for name, text in files]
        if files:
            refs = list({str(r): r for _, _, rd in readings for r in chk.wanted(rd)}.values())
        else:
            assert ef is not None
            refs = [ids.parse(e.id) for e in ef.entries]
        rids = [str(r) for r in refs]
        rows = self._cached(rids)
        gone: dict[str, str] = {
            rid: row.last_error
            for rid, row in rows.items()
            if row.last_error and chk.GONE.search(row.last_error)
        }
        missing = [r for r in refs if str(r) not in rows]
        unresolved: list[str] = []
        if missing and not self.offline:
            run = self.fetch_outcomes(missing)
            for rid, outcome in run.outcomes.items():
                if isinstance(outcome, NotFoundError) or (
                    isinstance(outcome, SourceError) and outcome.status in (404, 410)
                ):
                    gone[rid] = outcome.message
            if run.fetched():
                with self.lock():
                    self.store(run)
        from alignfetch.records import related_ids

        records = self._records(rids)
        records.update(self._records(k for r in records.values() for k in related_ids(r)))
        unresolved = [rid for rid in rids if rid not in records and rid not in gone]
        facts = {rid: chk.Facts(records.get(rid), gone.get(rid)) for rid in {*rids, *records}}
        day = today or datetime.now(UTC).date()
        links = None
        if not self.offline and "link" not in config.ignore:
            from alignfetch.lint.links import check_links

            urls = (
                [u for _, _, rd in readings for u in chk.reading_links(rd)]
                if files
                else chk.entry_links(ef.entries if ef is not None else [])
            )
            links = (
                check_links(urls, self.settings, self.cache, max_links=config.max_links)
                if urls
                else {}
            )
        findings: list[chk.Finding] = []
        if files:
            for name, text, reading in readings:
                findings += chk.check_reading(
                    reading,
                    text,
                    name,
                    facts,
                    today=day,
                    stale_months=stale_months,
                    config=config,
                    ignores=ignores,
                    links=links,
                )
            count = sum(len(rd.found) for _, _, rd in readings)
            names = [name for name, _, _ in readings]
        else:
            assert ef is not None
            findings = chk.check_entries(
                ef.entries,
                chk.entry_lines(ef.text, ef.entries),
                ef.path.name,
                facts,
                today=day,
                stale_months=stale_months,
                config=config,
                links=links,
            )
            count = len(ef.entries)
            names = [ef.path.name]
        return chk.Result(findings, count, names, unresolved)

    def remove(self, text: str) -> Entry:
        """Take an entry out of entries.toml (its cache record stays, harmless)."""
        ref = self._listed(text)
        if self.load().find(str(ref)) is None:
            raise InputError(
                f"{_cap(str(ref))} is not in {self.entries_path.name}; nothing was removed."
            )
        with self.lock():
            ef = self.load()
            entry = ef.remove(str(ref))
            ef.write(ef.dumps())
            return entry

    def init(self, title: str | None = None) -> list[Path]:
        """Create entries.toml (and add ``.alignfetch/`` to .gitignore in a git repository).

        Returns the files written. An existing entries.toml is never overwritten.
        """
        path = self.entries_path
        if path.exists() or path.is_symlink():
            raise InputError(
                f"The file {path} already exists; alignfetch init never overwrites it."
            )
        if not path.parent.is_dir():
            raise InputError(f"The folder {path.parent} does not exist; create it first.")
        name = title if title is not None else path.resolve().parent.name or "Awesome list"
        written = [path]
        ignore = _gitignore(path.parent)
        entries_mod.write_atomic(path, entries_mod.init_text(name))
        if ignore is not None:
            entries_mod.write_atomic(ignore[0], ignore[1])
            written.append(ignore[0])
        return written

    def add_section(self, slug: str, title: str, parent: str | None = None) -> Section:
        """Define a new section after the last one (style-preserving, atomic, locked)."""
        if not entries_mod._SLUG.fullmatch(slug):
            raise InputError(
                f"The slug {slug!r} is not valid; use lower-case letters, digits, '-' and '_', "
                "starting with a letter or digit."
            )
        if not title.strip():
            raise InputError(f"The section {slug!r} needs a title; give --title.")
        section = Section(slug, title, parent)

        def apply(ef: EntriesFile) -> Section:
            if any(s.slug == slug for s in ef.sections):
                raise InputError(f"There is already a section {slug!r} in {ef.path.name}.")
            if parent is not None:
                ef.section(parent)
            entries_mod.add_section(ef, section)
            return section

        return self._rewrite(apply)

    def remove_section(self, slug: str) -> Section:
        """Remove an empty section: one that holds no entries and no subsections."""

        def apply(ef: EntriesFile) -> Section:
            ef.section(slug)
            used = sum(1 for e in ef.entries if e.section == slug)
            children = [s.slug for s in ef.sections if s.parent == slug]
            if used or children:
                held = [f"{used} entr{'y' if used == 1 else 'ies'}"] if used else []
                if children:
                    plural = "s" if len(children) > 1 else ""
                    held.append(f"the subsection{plural} {', '.join(children)}")
                them = "it" if used + len(children) == 1 else "them"
                raise InputError(
                    f"The section {slug!r} still holds {' and '.join(held)}; "
                    f"move or remove {them} first."
                )
            return entries_mod.remove_section(ef, slug)

        return self._rewrite(apply)

    def move(self, text: str, section: str) -> Entry:
        """Put an entry in another section, keeping its place in the file and its overrides."""
        ref = self._listed(text)

        def apply(ef: EntriesFile) -> Entry:
            entry = self._entry(ef, ref)
            ef.section(section)
            if entry.section == section:
                raise InputError(f"{_cap(entry.id)} is already in section {section!r}.")
            return entries_mod.edit_entry(ef, entry.id, {"section": section})

        return self._rewrite(apply)

    def edit(
        self,
        text: str,
        *,
        links: Mapping[str, str | None] | None = None,
        **overrides: str | None,
    ) -> Entry:
        """Set or clear an entry's overrides: a value sets, ``""`` clears, None leaves it.

        ``links`` maps a link name to a URL, or to ``""``/None to remove that link.
        """
        ref = self._listed(text)
        unknown = sorted(set(overrides) - set(entries_mod.OVERRIDES))
        if unknown:
            raise InputError(
                f"There is no override {unknown[0]!r}; use one of: "
                f"{', '.join(entries_mod.OVERRIDES)}."
            )
        changes: dict[str, Any] = {k: v or None for k, v in overrides.items() if v is not None}
        if changes.get("date"):
            _sentence(entries_mod.check_date, changes["date"])
        if links:
            _sentence(entries_mod.check_links, {k: v for k, v in links.items() if v})
            changes["links"] = {k: v or None for k, v in links.items()}
        if not changes:
            raise InputError(
                "Give at least one change, such as --venue 'ACL 2023' (or --venue '' to clear it)."
            )

        def apply(ef: EntriesFile) -> Entry:
            entry = self._entry(ef, ref)
            return entries_mod.edit_entry(ef, entry.id, changes)

        return self._rewrite(apply)

    def _rewrite(self, apply: Callable[[EntriesFile], _T]) -> _T:
        """Edit entries.toml with ``apply``: tried first without the lock (bad input then
        touches nothing), then again under the lock on a fresh read, and written."""
        apply(self.load())
        with self.lock():
            ef = self.load()
            out = apply(ef)
            ef.write(ef.dumps())
            return out

    def _listed(self, text: str) -> ids.Ref:
        """The ID of an entry to change: a text that is no ID is, above all, not in the list
        (`move arxiv:9999.99999` is a typo of an entry, not a request for the ID forms)."""
        try:
            return ids.parse(text)
        except BadIdError:
            raise InputError(
                f"The text {cap_echo(text)!r} is not in {self.entries_path.name} (nor an ID "
                "alignfetch knows); `alignfetch list` shows the entries."
            ) from None

    def _entry(self, ef: EntriesFile, ref: ids.Ref) -> Entry:
        entry = ef.find(str(ref))
        if entry is None:
            raise InputError(f"{_cap(str(ref))} is not in {ef.path.name}; add it first.")
        return entry

    def fetch(self, refs: Sequence[ids.Ref], *, reuse_after: timedelta | None = None) -> FetchRun:
        """Fetch fresh records for ``refs`` and what they point to; any failure raises.

        Offline, the cache answers instead and the run holds nothing new. Papers
        that datasets name and that were fetched within ``reuse_after`` come from
        the cache.
        """
        if self.offline:
            have = self._cached(str(r) for r in refs)
            missing = [str(r) for r in refs if str(r) not in have]
            if missing:
                raise CacheMissError(
                    f"{_entries(missing)} {'is' if len(missing) == 1 else 'are'} not in the cache "
                    "and --offline forbids fetching; run again without --offline."
                )
            return FetchRun()
        run = self.fetch_outcomes(refs, reuse_after=reuse_after)
        errors = [o for o in run.outcomes.values() if isinstance(o, SourceError)]
        if errors:
            first = errors[0]
            if len(errors) > 1:
                first.message += f" ({len(errors) - 1} more ID(s) failed too.)"
            raise first
        return run

    @_taking_turns
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
        from alignfetch.fetch.refresh import STARS_THRESHOLD, Report, changes

        if self.offline:
            raise InputError(
                "Refresh exists to fetch, and --offline forbids fetching; drop --offline."
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
        from alignfetch.fetch.pipeline import fetch_outcomes

        loaded = dict(cached)  # every row read, each once: the entries', then what they name

        def rows(rids: Iterable[str]) -> dict[str, CachedRow]:
            """Rows by ID; those loaded before are not loaded again."""
            wanted = list(rids)
            loaded.update(self._cached(r for r in wanted if r not in loaded))
            return {r: loaded[r] for r in wanted if r in loaded}

        run = fetch_outcomes(
            [ids.parse(e.id) for e in due],
            self.settings,
            rows,
            progress=progress,
            pages_after=PAGES_AFTER,
        )
        threshold = STARS_THRESHOLD if stars_threshold is None else stars_threshold
        for rid, outcome in run.outcomes.items():
            if isinstance(outcome, SourceError):
                report.failures[rid] = outcome.message
            elif not outcome.unchanged:
                row = cached.get(rid)
                old = row.parsed if row is not None else None
                report.changes.extend(changes(old, outcome.record, threshold))
        report.warnings.update(run.warnings)
        report.uncached = {rid for rid in report.failures if rid not in cached}
        if not dry_run:
            rows([o.record.id for o in run.fetched()])  # the related records' rows, if any
            with self.lock():
                self.store(run, loaded)
                self.cache.record_error(report.failures)
        return report

    def fetch_outcomes(
        self,
        refs: Sequence[ids.Ref],
        progress: Callable[[int], None] | None = None,
        pages_after: timedelta | None = None,
        reuse_after: timedelta | None = None,
    ) -> FetchRun:
        """Fetch ``refs``, one batch per source, then what they point to
        (:func:`alignfetch.pipeline.fetch_outcomes`)."""
        from alignfetch.fetch.pipeline import fetch_outcomes

        return fetch_outcomes(
            refs,
            self.settings,
            self._cached,
            progress=progress,
            pages_after=pages_after,
            reuse_after=reuse_after,
        )

    def _cached(self, rids: Iterable[str]) -> dict[str, CachedRow]:
        """Cached rows, without creating a cache that does not exist yet."""
        sqlite = self.db_url.startswith("sqlite:///")
        if "cache" not in self.__dict__ and sqlite:  # noqa: SIM102 (two reasons, two tests)
            if not Path(self.db_url.removeprefix("sqlite:///")).exists():
                return {}
        return self.cache.get(rids)

    def _records(self, rids: Iterable[str]) -> dict[str, Record]:
        """Cached records (their JSON only, parsed once), without creating a cache.

        A SQLite cache at the newest revision is read with the standard library
        (:mod:`alignfetch.sqlite_read`), without loading SQLAlchemy; any other
        cache is opened the full way (upgraded if it is behind)."""
        sqlite = self.db_url.startswith("sqlite:///")
        if "cache" not in self.__dict__ and sqlite:
            if not Path(self.db_url.removeprefix("sqlite:///")).exists():
                return {}
            from alignfetch.cache.sqlite_read import records

            wanted = list(rids)
            fast = records(self.db_url, wanted)
            if fast is not None:
                return fast
            return self.cache.records(wanted)
        return self.cache.records(rids)

    def store(self, run: FetchRun, rows: Mapping[str, CachedRow] | None = None) -> None:
        """Write a run's fresh records to the cache; 304s only mark their records checked.

        A paper's raw arXiv entry, a paper page's raw answer and a repository's
        raw answer are never read back (nothing asks arXiv or the Hub
        conditionally for a paper; GitHub is asked with the ETag alone): they
        are not stored, which keeps the cache small. A record that came back
        exactly as its row in ``rows`` holds it (record, payload, ETag and URL)
        is marked checked in one bulk update, like a 304, instead of being
        written again; the others are written in one bulk upsert.
        """
        rows = rows or {}
        fresh: list[Fetched] = []
        checked: list[str] = []
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
        if checked:
            self.cache.touch(checked)


def _check_new(
    ef: EntriesFile, texts: Sequence[str], refs: Sequence[ids.Ref], section: str
) -> None:
    """The section exists and no ID is given twice or already in the list."""
    ef.section(section)
    seen: dict[str, str] = {}
    listed: dict[str, Entry] = {}  # by identity, built once: linear in list and IDs
    for e in ef.entries:
        listed.setdefault(ids.identity(e.id), e)
    for text, ref in zip(texts, refs, strict=True):
        if ref.identity in seen:
            raise InputError(
                f"The IDs {text!r} and {seen[ref.identity]!r} are the same entry ({ref}); "
                "give it once."
            )
        seen[ref.identity] = text
        there = listed.get(ref.identity)
        if there is not None and there.section == section:
            raise InputError(
                f"{_cap(there.id)} is already in the list, in section {section!r}; "
                "nothing was added."
            )
        if there is not None:
            # Named as entries.toml holds it, whatever the spelling typed.
            raise InputError(
                f"{_cap(there.id)} is already in the list, in section {there.section!r}; "
                f"to move it, run `alignfetch move {there.id} --section {section}`."
            )


def read_export(path: Path) -> dict[str, Any]:
    """An export document written by ``alignfetch export``, checked for its version."""
    import json

    from alignfetch.files import read_text
    from alignfetch.list.export import SCHEMA_VERSION

    try:
        doc = json.loads(read_text(path))
    except FileNotFoundError:
        raise InputError(
            f"The export {path} does not exist; write it with `alignfetch export -o {path}`."
        ) from None
    except OSError as err:
        raise InputError(
            f"The file {path} could not be read ({err.strerror or err}); give an alignfetch "
            "export."
        ) from None
    except (UnicodeDecodeError, ValueError) as err:
        raise InputError(f"The file {path} is not an alignfetch export ({err}).") from None
    except RecursionError:
        raise InputError(
            f"The file {path} is not an alignfetch export (its JSON is nested too deep)."
        ) from None
    if _depth(doc) > _EXPORT_DEPTH:
        raise InputError(
            f"The file {path} is not an alignfetch export (its JSON is nested more than "
            f"{_EXPORT_DEPTH} levels deep); write it again with `alignfetch export`."
        )
    if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"The file {path} is not an alignfetch export of schema version {SCHEMA_VERSION}; "
            "write it again with `alignfetch export`."
        )
    return doc


_EXPORT_DEPTH = 32
"""An export nests a few levels (document, section, entry, record, list of authors); the
bound keeps every later walk of a hand-made document (cleaning, the template) shallow."""


def _depth(value: Any) -> int:
    """How deep JSON ``value`` nests, without recursion (a deep document is what it checks)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level <= _EXPORT_DEPTH:
                inner = item.values() if isinstance(item, dict) else item
                stack.extend((v, level + 1) for v in inner)
    return deepest


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _subtree(sections: Sequence[Section], slug: str) -> list[str]:
    """``slug`` and the slugs of its subsections, depth first in file order."""
    out = [slug]
    for s in sections:
        if s.parent == slug:
            out.extend(_subtree(sections, s.slug))
    return out


def _gitignore(folder: Path) -> tuple[Path, str] | None:
    """The .gitignore to write so that git ignores the cache, or None: not a git
    repository, or ``.alignfetch`` is ignored there already."""
    here = folder.resolve()
    if not any((d / ".git").exists() for d in (here, *here.parents)):
        return None
    path = folder / ".gitignore"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"The file {path} could not be read ({err}); fix it first.") from None
    lines = {line.strip() for line in text.splitlines()}
    if lines & {".alignfetch", ".alignfetch/", "/.alignfetch", "/.alignfetch/"}:
        return None
    nl = "\r\n" if "\r\n" in text else "\n"
    sep = nl if text and not text.endswith("\n") else ""
    return path, f"{text}{sep}.alignfetch/{nl}"


def _entries(rids: Sequence[str]) -> str:
    """IDs at the start of a sentence: ``The entry X`` or ``The entries X, Y``."""
    return f"The entr{'y' if len(rids) == 1 else 'ies'} {_some(rids)}"


def _cap(text: str) -> str:
    """An ID at the start of a sentence: ``The entry arxiv:2305.01937`` (a long one cut)."""
    return f"The entry {cap_echo(text)}"


def _sentence(check: Callable[[Any], Any], value: Any) -> Any:
    """Run a check whose message is a clause (``the date ...``) and make it a sentence."""
    try:
        return check(value)
    except InputError as err:
        message = err.message.rstrip(".")
        raise InputError(f"{message[:1].upper()}{message[1:]}.") from None


def _some(ids_: Sequence[str], shown: int = 5) -> str:
    text = ", ".join(ids_[:shown])
    return text + (f" and {len(ids_) - shown} more" if len(ids_) > shown else "")
