"""A run of ``alignfetch check``: entries resolved through the cache and the sources,
then every rule over the list itself or over READMEs (:mod:`alignfetch.lint.rules`).

What the cache lacks is fetched (unless offline) and stored; a source that answers 404
or 410 makes the entry ``gone``. entries.toml is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from alignfetch.errors import NotFoundError, SourceError
from alignfetch.lint import rules as chk
from alignfetch.lint.links import check_links
from alignfetch.list import ids
from alignfetch.readme.reading import read_list
from alignfetch.records import Paper, Record, Scholarly, related_ids, scholarly_id

if TYPE_CHECKING:
    from alignfetch.fetch.store import Store
    from alignfetch.list.entries import EntriesFile


def check(
    files: Sequence[tuple[str, str]],
    ef: EntriesFile | None,
    store: Store,
    lock: Callable[[], AbstractContextManager[object]],
    offline: bool = False,
    stale_months: int = 24,
    today: date | None = None,
) -> chk.Result:
    """Lint ``files`` (name, Markdown text) or, with none, the list ``ef`` itself.

    ``ef``'s ``[check]`` table and its entries' ``check_ignore`` apply when it is given.
    Fetched records are kept through ``store`` under ``lock``.
    """
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
    rows = store.rows(rids)
    gone: dict[str, str] = {
        rid: row.last_error
        for rid, row in rows.items()
        if row.last_error and chk.GONE.search(row.last_error)
    }
    missing = [r for r in refs if str(r) not in rows]
    unresolved: list[str] = []
    if missing and not offline:
        # The link rule asks the web pages: their entries are not read a second time.
        run = store.fetch_outcomes(missing, off=frozenset({"web_pages"}))
        for rid, outcome in run.outcomes.items():
            if isinstance(outcome, NotFoundError) or (
                isinstance(outcome, SourceError) and outcome.status in (404, 410)
            ):
                gone[rid] = outcome.message
        if run.fetched():
            with lock():
                store.keep(run)
    records = store.records(rids)
    records.update(store.records(k for r in records.values() for k in related_ids(r)))
    unresolved = [rid for rid in rids if rid not in records and rid not in gone]
    facts = {
        rid: chk.Facts(records.get(rid), gone.get(rid), _scholarly(records, records.get(rid)))
        for rid in {*rids, *records}
    }
    day = today or datetime.now(UTC).date()
    links = None
    if not offline and "link" not in config.ignore:
        urls = (
            [u for _, _, rd in readings for u in chk.reading_links(rd)]
            if files
            else chk.entry_links(ef.entries if ef is not None else [])
        )
        links = (
            check_links(urls, store.settings, store.cache, max_links=config.max_links)
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
                # Listed in several sections by entries.toml: once in each is no duplicate.
                cross=chk.cross_listed(reading, ef.sections, ef.entries) if ef else None,
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


def _scholarly(records: dict[str, Record], record: Record | None) -> Scholarly | None:
    """A paper's cached Semantic Scholar record (the venue rule compares with it)."""
    found = records.get(scholarly_id(record)) if isinstance(record, Paper) else None
    return found if isinstance(found, Scholarly) else None
