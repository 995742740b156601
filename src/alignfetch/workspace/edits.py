"""What the Workspace checks and writes around an edit of entries.toml: new IDs against
the list, the entry an ID names, sections added and removed, and a new list's files."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignfetch.errors import BadIdError, InputError, cap_echo

if TYPE_CHECKING:  # entries.toml's reader loads on first use: a kept `list` reads no file
    from alignfetch.fetch.pipeline import FetchRun
    from alignfetch.fetch.store import Store
    from alignfetch.list import ids
    from alignfetch.list.entries import EntriesFile, Entry, Section
    from alignfetch.list.items import Item

log = logging.getLogger("alignfetch")


def the_entry(text: str) -> str:
    """An ID at the start of a sentence: ``The entry arxiv:2305.01937`` (a long one cut)."""
    return f"The entry {cap_echo(text)}"


def listed(text: str, name: str) -> ids.Ref:
    """The ID of an entry to change: a text that is no ID is, above all, not in the list
    ``name`` (`move arxiv:9999.99999` is a typo of an entry, not a request for ID forms)."""
    from alignfetch.list import ids

    try:
        return ids.parse(text)
    except BadIdError:
        raise InputError(
            f"The text {cap_echo(text)!r} is not in {name} (nor an ID alignfetch knows); "
            "`alignfetch list` shows the entries."
        ) from None


def entry_of(ef: EntriesFile, ref: ids.Ref | str) -> Entry:
    """The entry ``ref`` names; the text of an ID is parsed first (a malformed one is a
    :class:`BadIdError`)."""
    if isinstance(ref, str):
        from alignfetch.list import ids

        ref = ids.parse(ref)
    entry = ef.find(str(ref))
    if entry is None:
        raise InputError(f"{the_entry(str(ref))} is not in {ef.path.name}; add it first.")
    return entry


def slugs_of(ef: EntriesFile, section: str | Sequence[str]) -> tuple[str, ...]:
    """The sections an entry is to be listed in, each defined and named once (a slug alone
    is one section; several list the entry in each)."""
    slugs = (section,) if isinstance(section, str) else tuple(section)
    if not slugs:
        raise InputError("Give at least one section.")
    for i, slug in enumerate(slugs):
        ef.section(slug)
        if slug in slugs[:i]:
            raise InputError(f"The section {slug!r} is given twice; give it once.")
    return slugs


def check_new(
    ef: EntriesFile, texts: Sequence[str], refs: Sequence[ids.Ref], section: str | Sequence[str]
) -> None:
    """The sections exist and no ID is given twice or already in the list."""
    from alignfetch.list import ids

    slugs = slugs_of(ef, section)
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
        if there is not None and there.sections == slugs:
            raise InputError(
                f"{the_entry(there.id)} is already in the list, in {_named(slugs)}; "
                "nothing was added."
            )
        if there is not None:
            # Named as entries.toml holds it, whatever the spelling typed. An entry is
            # listed once: to show it in more sections, `move` lists it in all of them.
            both = [*there.sections, *(s for s in slugs if s not in there.sections)]
            raise InputError(
                f"{the_entry(there.id)} is already in the list, in {_named(there.sections)}; "
                f"to move it, run `alignfetch move {there.id}{_options(slugs)}`, or to list it "
                f"in {'both' if len(both) == 2 else 'all of them'}, "
                f"`alignfetch move {there.id}{_options(both)}`."
            )


def _named(slugs: Sequence[str]) -> str:
    """``section 'a'``, or ``sections 'a', 'b'``."""
    return f"section{'s' if len(slugs) > 1 else ''} {', '.join(repr(s) for s in slugs)}"


def _options(slugs: Sequence[str]) -> str:
    return "".join(f" --section {s}" for s in slugs)


def subtree(sections: Sequence[Section], slug: str) -> list[str]:
    """``slug`` and the slugs of its subsections, depth first in file order."""
    out = [slug]
    for s in sections:
        if s.parent == slug:
            out.extend(subtree(sections, s.slug))
    return out


def add(
    texts: Sequence[str],
    section: str | Sequence[str],
    typed: Mapping[str, str | None],
    links: Mapping[str, str],
    load: Callable[[], EntriesFile],
    lock: Callable[[], AbstractContextManager[object]],
    store: Store,
    fetch: Callable[[Sequence[ids.Ref]], FetchRun],
) -> list[Item]:
    """Fetch ``texts`` and append them to ``section`` (a slug, or several: each entry is
    listed in all of them) with the ``typed`` overrides and ``links``; all or nothing
    (:meth:`alignfetch.workspace.Workspace.add`)."""
    from alignfetch.list import entries as entries_mod
    from alignfetch.list import ids
    from alignfetch.list.model import Entry

    if not texts:
        raise InputError("Give at least one ID to add.")
    refs = [ids.parse(t) for t in texts]
    link_pairs = entries_mod.check_overrides(typed, links)
    # Checked before the lock (bad input touches nothing), and again under it.
    check_new(load(), texts, refs, section)
    with lock():
        ef = load()
        check_new(ef, texts, refs, section)
        run = fetch(refs)
        slugs = slugs_of(ef, section)
        new = [
            Entry(
                str(ref),
                slugs[0],
                also=slugs[1:],
                title=typed.get("title"),
                description=typed.get("description"),
                venue=typed.get("venue"),
                affiliation=typed.get("affiliation"),
                date=typed.get("date"),
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
            store.keep(run)
        except BaseException:
            ef.write(before)
            raise
        for message in run.warnings.values():
            log.warning("%s", message)
        return store.items(new)


def named(ef: EntriesFile, texts: Sequence[str]) -> list[Entry]:
    """The entries ``texts`` name (any ID form; in that order, once each); an ID that is
    not in the list is an :class:`InputError`."""
    from alignfetch.list import ids

    refs = [ids.parse(t) for t in texts]
    chosen: list[Entry] = []
    for ref in refs:
        entry = ef.find(str(ref))
        if entry is None:
            raise InputError(f"{ref} is not in {ef.path.name}; add it first.")
        if entry not in chosen:
            chosen.append(entry)
    return chosen


def in_section(ef: EntriesFile, section: str) -> list[Entry]:
    """The entries of ``section`` and its subsections, grouped by section in the README's
    order (a section, then its children)."""
    ef.section(section)
    rank = {slug: i for i, slug in enumerate(subtree(ef.sections, section))}
    # A cross-listed entry once, under the first of its sections the subtree holds.
    first = {e.id: min(rank.get(s, len(rank)) for s in e.sections) for e in ef.entries}
    return sorted((e for e in ef.entries if first[e.id] < len(rank)), key=lambda e: first[e.id])


def new_section(ef: EntriesFile, section: Section) -> Section:
    """Define ``section`` after the last one (its slug, title and parent checked)."""
    from alignfetch.list import entries as entries_mod

    if not entries_mod._SLUG.fullmatch(section.slug):
        raise InputError(
            f"The slug {section.slug!r} is not valid; use lower-case letters, digits, '-' and "
            "'_', starting with a letter or digit."
        )
    if not section.title.strip():
        raise InputError(f"The section {section.slug!r} needs a title; give --title.")
    try:  # named as the option it came from, not as a line of entries.toml
        entries_mod.check_text("title", section.title)
    except InputError as err:
        message = err.message.rstrip(".")
        raise InputError(f"{message[:1].upper()}{message[1:]}.") from None
    if any(s.slug == section.slug for s in ef.sections):
        raise InputError(f"There is already a section {section.slug!r} in {ef.path.name}.")
    if section.parent is not None:
        ef.section(section.parent)
    from alignfetch.list.edits import add_section

    add_section(ef, section)
    return section


def empty_section(ef: EntriesFile, slug: str) -> Section:
    """Remove the section ``slug``, which must hold no entries and no subsections."""
    ef.section(slug)
    used = sum(1 for e in ef.entries if slug in e.sections)
    children = [s.slug for s in ef.sections if s.parent == slug]
    if used or children:
        held = [f"{used} entr{'y' if used == 1 else 'ies'}"] if used else []
        if children:
            plural = "s" if len(children) > 1 else ""
            held.append(f"the subsection{plural} {', '.join(children)}")
        them = "it" if used + len(children) == 1 else "them"
        raise InputError(
            f"The section {slug!r} still holds {' and '.join(held)}; move or remove {them} first."
        )
    from alignfetch.list.edits import remove_section

    return remove_section(ef, slug)


def removed(ef: EntriesFile, ref: ids.Ref) -> Entry:
    """The entry ``ref`` names, taken out of ``ef`` (its cache record stays, harmless)."""
    if ef.find(str(ref)) is None:
        raise InputError(f"{the_entry(str(ref))} is not in {ef.path.name}; nothing was removed.")
    return ef.remove(str(ref))


def moved(ef: EntriesFile, ref: ids.Ref, section: str | Sequence[str]) -> Entry:
    """The entry ``ref`` names, listed in ``section`` (a slug, or several: all of them)."""
    entry = entry_of(ef, ref)
    slugs = slugs_of(ef, section)
    if entry.sections == slugs:
        raise InputError(f"{the_entry(entry.id)} is already in {_named(slugs)}.")
    from alignfetch.list.edits import edit_entry

    return edit_entry(ef, entry.id, {"sections": slugs})


def changes_of(
    overrides: Mapping[str, str | None], links: Mapping[str, str | None] | None
) -> dict[str, Any]:
    """An edit's changes: a value sets, ``""`` clears, None leaves a field alone."""
    from alignfetch.list import entries as entries_mod

    unknown = sorted(set(overrides) - set(entries_mod.OVERRIDES))
    if unknown:
        raise InputError(
            f"There is no override {unknown[0]!r}; use one of: {', '.join(entries_mod.OVERRIDES)}."
        )
    changes: dict[str, Any] = {k: v or None for k, v in overrides.items() if v is not None}
    try:
        for key, value in changes.items():
            if isinstance(value, str):  # as add checks its options: named, not the file
                entries_mod.check_text(key, value)
        if changes.get("date"):
            entries_mod.check_date(changes["date"])
        if links:
            entries_mod.check_links({k: v for k, v in links.items() if v})
    except InputError as err:
        message = err.message.rstrip(".")
        raise InputError(f"{message[:1].upper()}{message[1:]}.") from None
    if links:
        changes["links"] = {k: v or None for k, v in links.items()}
    if not changes:
        raise InputError(
            "Give at least one change, such as --venue 'ACL 2023' (or --venue '' to clear it)."
        )
    return changes


def new_list(path: Path, title: str | None) -> list[Path]:
    """Write a new entries.toml at ``path`` (and .gitignore's line for the cache in a git
    repository); returns the files written. An existing entries.toml is never touched."""
    from alignfetch.list import entries as entries_mod

    if path.exists() or path.is_symlink():
        raise InputError(f"The file {path} already exists; alignfetch init never overwrites it.")
    if not path.parent.is_dir():
        raise InputError(f"The folder {path.parent} does not exist; create it first.")
    name = title if title is not None else path.resolve().parent.name or "Awesome list"
    written = [path]
    ignore = gitignore(path.parent)
    entries_mod.write_atomic(path, entries_mod.init_text(name))
    if ignore is not None:
        entries_mod.write_atomic(ignore[0], ignore[1])
        written.append(ignore[0])
    return written


def gitignore(folder: Path) -> tuple[Path, str] | None:
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
