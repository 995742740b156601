"""The library API: a :class:`Workspace` is one list (entries.toml) and its cache.

Every CLI command is one call here, and each call hands its work to the module that owns it:
reading and fetching to :mod:`alignfetch.fetch.store`, import to :mod:`alignfetch.adopt`, check
to :mod:`alignfetch.lint.run`, render to :mod:`alignfetch.render`, refresh to
:mod:`alignfetch.fetch.refresh`, discover to :mod:`alignfetch.discover`. Mutating calls hold the
lock (:mod:`.lock`), re-read entries.toml under it, fetch everything before writing anything, and
write entries.toml and then the cache only when every fetch succeeded (putting entries.toml back
if the cache cannot be written).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, Unpack

from alignfetch.list.items import Item as Item  # where callers have found it
from alignfetch.workspace import edits

if TYPE_CHECKING:  # the rest loads on first use: a kept `list` needs none of it
    from datetime import date

    from alignfetch.adopt import ImportReport
    from alignfetch.adopt import Options as ImportOptions
    from alignfetch.cache.db import Cache
    from alignfetch.config import Settings
    from alignfetch.discover import Options as DiscoverOptions
    from alignfetch.discover import Result as DiscoverResult
    from alignfetch.fetch.pipeline import FetchRun
    from alignfetch.fetch.refresh import Options as RefreshOptions
    from alignfetch.fetch.refresh import Report
    from alignfetch.fetch.store import Store
    from alignfetch.lint.rules import Result as CheckResult
    from alignfetch.list import ids
    from alignfetch.list.entries import EntriesFile, Entry, Section

_T = TypeVar("_T")


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
        from alignfetch.config import Settings

        return self._settings or Settings.from_env()

    @cached_property
    def store(self) -> Store:
        """The cache as the commands use it (:class:`~alignfetch.fetch.store.Store`)."""
        from alignfetch.fetch.store import Store

        return Store(self.db_url, self.settings)

    @property
    def cache(self) -> Cache:
        return self.store.cache

    def load(self) -> EntriesFile:
        from alignfetch.list import entries as entries_mod

        ef = entries_mod.load(self.entries_path)
        self.store.off = ef.sources_off  # [sources] reaches every fetch of this list
        return ef

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Serialize writers: a second process waits, then fails with a clear message."""
        from alignfetch.workspace.lock import hold

        with hold(self.entries_path, self.store, self.settings.lock_timeout):
            yield

    # -- reading -----------------------------------------------------------------

    def sections(self) -> list[Section]:
        return self.load().sections

    def items(self, section: str | None = None, *, pages: bool = True) -> list[Item]:
        """Entries with their cached records (no fetching), in file order.

        With ``section``, that section's entries and its subsections', in the README's order
        (a section, then its children). With ``pages=False``, papers come without their Hugging
        Face page (``list`` does not show it, and it is most of the rows a list of papers reads).
        """
        ef = self.load()
        chosen = ef.entries if section is None else edits.in_section(ef, section)
        return self.store.items(chosen, pages=pages)

    def item(self, text: str) -> Item:
        return self.store.items([edits.entry_of(self.load(), text)])[0]

    def items_for(self, texts: Sequence[str]) -> list[Item]:
        """The entries ``texts`` name (any ID form; in that order, once each) with their
        cached records. An ID that is not in the list is an :class:`InputError`."""
        return self.store.items(edits.named(self.load(), texts))

    def export(self, *, strict: bool = False) -> dict[str, Any]:
        """The export document; an entry the cache has no record of is in it as entries.toml
        has it, named in a warning (with ``strict``, a :class:`CacheMissError`)."""
        from alignfetch.list.export import document, settled

        return settled(document(ef := self.load(), self.store.known(ef.entries)), strict)

    def export_text(self, *, strict: bool = False) -> str:
        """:meth:`export` as ``alignfetch export`` writes it; kept (:mod:`.memo`)."""
        from alignfetch.workspace.memo import export_text

        return export_text(self, strict)

    def citations(
        self, fmt: str = "bibtex", texts: Sequence[str] | None = None, *, strict: bool = False
    ) -> str:
        """BibTeX or CSL-JSON of the list's cached entries, or of those ``texts`` name."""
        from alignfetch.workspace.citing import cite

        ef = self.load()  # once: the entries named and the whole list's keys
        chosen = self.store.items(edits.named(ef, texts)) if texts is not None else None
        return cite(fmt, ef.entries, chosen, self.store, strict)

    def render(
        self,
        *,
        source: str | os.PathLike[str] | None = None,
        template: str | os.PathLike[str] | None = None,
        strict: bool = False,
    ) -> str:
        """The list's README: from the cache, or from an export JSON (``source``).

        Rendering from a committed export needs neither cache nor network, so a CI job
        can check a list's README offline. The template is ``template``, else
        ``[list] template`` (relative to entries.toml), else the default (``strict``: see
        :meth:`export`).
        """
        from alignfetch.workspace.memo import render_text

        return render_text(self, source, template, strict)

    def render_to(
        self,
        output: str | os.PathLike[str],
        *,
        check: bool = False,
        source: str | os.PathLike[str] | None = None,
        template: str | os.PathLike[str] | None = None,
        strict: bool = False,
    ) -> str | None:
        """Write the rendered list into ``output`` (between its markers, if it has them).

        With ``check``, write nothing and return the unified diff when the file differs
        from what would be written (None when it is up to date).
        """
        from alignfetch.render.output import write

        rendered = partial(self.render, source=source, template=template, strict=strict)
        return write(Path(output), rendered, check)

    def discover(self, **options: Unpack[DiscoverOptions]) -> DiscoverResult:
        """Papers announced lately that may belong in the list, ranked (see
        :mod:`alignfetch.discover`; the options are :class:`~alignfetch.discover.Options`);
        each listing is fetched once a day."""
        from alignfetch.discover import run

        return run(self, **options)

    def reject(self, text: str) -> tuple[str, bool]:
        """Never propose the paper ``text`` again; False when it was already rejected."""
        from alignfetch.discover import reject

        return reject(self, text)

    def check(
        self,
        files: Sequence[tuple[str, str]] = (),
        *,
        stale_months: int = 24,
        today: date | None = None,
    ) -> CheckResult:
        """Lint ``files`` (name, Markdown text) or, with none, the list itself
        (:func:`alignfetch.lint.run.check`); only the cache is written."""
        from alignfetch.lint.run import check

        ef = self.load() if not files or self.entries_path.exists() else None
        return check(files, ef, self.store, self.lock, self.offline, stale_months, today)

    # -- writing -----------------------------------------------------------------

    def add(
        self,
        texts: Sequence[str],
        section: str | Sequence[str],
        *,
        title: str | None = None,
        description: str | None = None,
        venue: str | None = None,
        affiliation: str | None = None,
        date: str | None = None,
        links: Mapping[str, str] | None = None,
        reuse_after: timedelta | None = timedelta(days=1),
    ) -> list[Item]:
        """Fetch ``texts`` and append them to ``section`` (or to several); all or nothing.

        A paper that a new dataset names and that was fetched less than ``reuse_after``
        ago is taken from the cache, not asked for again (None: always fetch).
        """
        typed = dict(
            title=title, description=description, venue=venue, affiliation=affiliation, date=date
        )
        return edits.add(
            texts, section, typed, links or {}, self.load, self.lock, self.store,
            lambda refs: self.fetch(refs, reuse_after=reuse_after),
        )  # fmt: skip

    def fetch(self, refs: Sequence[ids.Ref], *, reuse_after: timedelta | None = None) -> FetchRun:
        """Fresh records for ``refs`` and what they point to; any failure raises
        (offline, the cache answers: :meth:`alignfetch.fetch.store.Store.fetch`)."""
        return self.store.fetch(refs, offline=self.offline, reuse_after=reuse_after)

    def import_markdown(self, text: str, **options: Unpack[ImportOptions]) -> ImportReport:
        """Adopt an awesome-list README: its sections and entries join entries.toml, and a
        new list learns its look (:func:`alignfetch.adopt.adopt`); nothing is fetched."""
        from alignfetch.adopt import adopt

        path, venues = self.entries_path, self.store.venues  # what the cache knows
        return adopt(text, path, self.load, self.lock, venues=venues, **options)

    def remove(self, text: str) -> Entry:
        """Take an entry out of entries.toml (its cache record stays, harmless)."""
        ref = edits.listed(text, self.entries_path.name)
        return self._rewrite(lambda ef: edits.removed(ef, ref))

    def init(self, title: str | None = None) -> list[Path]:
        """Create entries.toml (and add ``.alignfetch/`` to .gitignore in a git repository);
        returns the files written. An existing entries.toml is never overwritten."""
        return edits.new_list(self.entries_path, title)

    def add_section(self, slug: str, title: str, parent: str | None = None) -> Section:
        """Define a new section after the last one (style-preserving, atomic, locked)."""
        from alignfetch.list.model import Section

        return self._rewrite(lambda ef: edits.new_section(ef, Section(slug, title, parent)))

    def remove_section(self, slug: str) -> Section:
        """Remove an empty section: one that holds no entries and no subsections."""
        return self._rewrite(lambda ef: edits.empty_section(ef, slug))

    def move(self, text: str, section: str | Sequence[str]) -> Entry:
        """List an entry in another section (or several), keeping its place and overrides."""
        ref = edits.listed(text, self.entries_path.name)
        return self._rewrite(lambda ef: edits.moved(ef, ref, section))

    def edit(
        self, text: str, *, links: Mapping[str, str | None] | None = None, **overrides: str | None
    ) -> Entry:
        """Set or clear an entry's overrides: a value sets, ``""`` clears, None leaves it;
        ``links`` maps a link name to a URL, or to ``""``/None to remove that link."""
        ref = edits.listed(text, self.entries_path.name)
        changes = edits.changes_of(overrides, links)
        from alignfetch.list.edits import edit_entry

        return self._rewrite(lambda ef: edit_entry(ef, edits.entry_of(ef, ref).id, changes))

    def _rewrite(self, apply: Callable[[EntriesFile], _T]) -> _T:
        """Edit entries.toml with ``apply``: tried first without the lock (bad input then
        touches nothing), then again under the lock on a fresh read, and written."""
        apply(self.load())
        with self.lock():
            ef = self.load()
            out = apply(ef)
            ef.write(ef.dumps())
            return out

    def refresh(self, **options: Unpack[RefreshOptions]) -> Report:
        """Re-fetch entries whose cache is older than ``stale_after`` and report the news
        (:func:`alignfetch.fetch.refresh.refresh`; the options are
        :class:`~alignfetch.fetch.refresh.Options`); a failed entry keeps its last record."""
        from alignfetch.fetch.refresh import refresh, refuse

        refuse(self.offline, options.get("only"))
        return refresh(self.load(), self.store, self.lock, **options)
