"""Citations of a list's entries: their keys unique across the whole list, and a web
link's access date, the day ``check`` last saw it answer (:mod:`alignfetch.lint.links`)."""

from __future__ import annotations

from collections.abc import Sequence

from alignfetch.fetch.store import Store
from alignfetch.list.entries import Entry
from alignfetch.list.items import Item


def cite(
    fmt: str,
    listed: Sequence[Entry],
    chosen: Sequence[Item] | None,
    store: Store,
    strict: bool = False,
) -> str:
    """BibTeX or CSL-JSON (``fmt``) of the whole list ``listed``, or of ``chosen`` with the
    keys they have in the whole list. Reads the cache only. Of the whole list, an entry
    the cache has no record of is left out, named in a warning (with ``strict``, a
    :class:`~alignfetch.errors.CacheMissError`): a citation needs what the sources say."""
    from alignfetch.citations import cite_keys, write
    from alignfetch.list.export import settle

    if chosen is None:
        known = store.known(listed)
        items = [i for i in known if isinstance(i, Item)]
        settle([i.id for i in known if not isinstance(i, Item)], strict, left_out=True)
        return write(fmt, items, accessed=accessed(items, store))
    # Keys are unique across the list: a collision with any cached entry counts.
    records = store.records(e.id for e in listed)
    keys = cite_keys([Item(e, records[e.id]) for e in listed if e.id in records])
    return write(fmt, chosen, keys, accessed=accessed(chosen, store))


def accessed(items: Sequence[Item], store: Store) -> dict[str, str]:
    """The day each web link last answered `check`'s link rule well, by entry ID: the
    access date a citation of a web page gives (none where it was never seen)."""
    urls = {i.entry.id: i.entry.id[4:] for i in items if i.entry.id.startswith("url:")}
    if not urls or not store.exists():
        return {}
    from alignfetch.lint.links import cached

    answers = cached(store.cache, urls.values())
    return {
        rid: answer.checked_at.date().isoformat()
        for rid, url in urls.items()
        if (answer := answers.get(url)) is not None
        and answer.checked_at is not None
        and answer.status is not None
        and answer.status < 400
    }
