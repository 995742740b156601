"""The JSON export: the list, its sections and its enriched entries.

One serializer for ``export``, every ``--json`` output and the renderer's input
(:mod:`alignfetch.render` reads only this form). The document is a pure function
of entries.toml and the cached records, so the same inputs give the same bytes.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alignfetch.errors import CacheMissError, InputError, cap_echo
from alignfetch.records import (
    Affiliations,
    Dataset,
    Link,
    Model,
    Paper,
    PaperPage,
    Record,
    Scholarly,
    affiliations_id,
    page_id,
    plain,
    scholarly_id,
)

if TYPE_CHECKING:
    from alignfetch.list.entries import EntriesFile, Entry, Section
    from alignfetch.list.items import Item

log = logging.getLogger("alignfetch")

SCHEMA_VERSION = 1
CODE_LINK = "Github"
"""The link name under which a paper's code goes; a maintainer's link of that name wins."""


def entry_json(item: Item) -> dict[str, Any]:
    """One entry as exported: identity, the record's fields, then the overrides.

    ``section`` is the entry's first section and ``sections`` all of them (a
    cross-listed entry is exported once, in the sections it is listed in).

    ``title`` and ``description`` are what the list shows (an override wins);
    ``overrides`` holds exactly what entries.toml sets, so nothing is lost.
    """
    entry, record = item.entry, item.record
    overrides = entry.overrides()
    out: dict[str, Any] = {
        "id": entry.id,
        "kind": record.kind,
        "section": entry.section,
        "sections": list(entry.sections),
    }
    # The record's fields in their order, as to_dict gives them (kind and id left out).
    fields, getter = _fields(type(record))
    for name, value in zip(fields, getter(record), strict=True):
        kind = type(value)
        if value is None or kind is str or kind is int or kind is bool:
            out[name] = value
        elif kind is tuple and (name != "authors" or not isinstance(record, Paper)):
            out[name] = [v if type(v) is str else plain(v) for v in value]
        else:
            out[name] = plain(value) if name != "authors" else None  # a paper's: set below
    if isinstance(record, Paper):
        out["authors"], out["affiliations"] = _authors(record)
        page = item.related.get(page_id(record))
        out["hf_paper"] = (
            {"url": page.url, "upvotes": page.upvotes}
            if isinstance(page, PaperPage) and page.url
            else None
        )
        code = overrides.get("links", {}).get(CODE_LINK)
        if code is None and isinstance(page, PaperPage):
            code = page.github_repo
        out["code_url"] = code
    elif isinstance(record, Dataset | Model):
        out["papers"] = [linked_paper(pid, item.related) for pid in record.papers]
    if "gated" in out:
        # A yes-or-no for readers of the export (the Hub says False, "auto" or "manual",
        # which the record keeps as None or the mode); the mode goes beside it.
        out["gated"], out["gating"] = out["gated"] is not None, out["gated"]
    fetched_venue = record.venue if isinstance(record, Link) else None
    fetched_affiliation = None
    if isinstance(record, Paper):
        s2, oa = _scholarly(item)
        fetched_venue = s2.venue if s2 is not None else None
        fetched_affiliation = oa.affiliation if oa is not None else None
        if not out.get("doi") and s2 is not None:
            out["doi"] = s2.doi
        out["citation_count"] = s2.citation_count if s2 is not None else None
        out["influential_citation_count"] = (
            s2.influential_citation_count if s2 is not None else None
        )
        out["publication"] = _publication(s2)
    out["title"] = overrides.get("title", out["title"])
    out["description"] = overrides.get("description", out.get("description"))
    out["venue"] = overrides.get("venue") or fetched_venue
    out["affiliation"] = overrides.get("affiliation") or fetched_affiliation
    if isinstance(record, Paper):
        out["venue_source"] = _source(overrides.get("venue"), fetched_venue, "Semantic Scholar")
        out["affiliation_source"] = _source(
            overrides.get("affiliation"), fetched_affiliation, "OpenAlex"
        )
    out["date"] = overrides.get("date")
    out["links"] = overrides.get("links", {})
    out["overrides"] = overrides
    return out


def _scholarly(item: Item) -> tuple[Scholarly | None, Affiliations | None]:
    """A paper's Semantic Scholar and OpenAlex records, when the cache has them and the
    sources knew the paper."""
    paper = item.record
    assert isinstance(paper, Paper)
    s2 = item.related.get(scholarly_id(paper))
    oa = item.related.get(affiliations_id(paper))
    return (
        s2 if isinstance(s2, Scholarly) and s2.found else None,
        oa if isinstance(oa, Affiliations) and oa.found else None,
    )


def _publication(s2: Scholarly | None) -> dict[str, Any] | None:
    """Where a paper was published, as citations need it; None for a preprint only."""
    if s2 is None or s2.venue is None:
        return None
    return {
        "venue": s2.venue,
        "name": s2.venue_name,
        "year": s2.year,
        "types": list(s2.publication_types),
        "doi": s2.doi,
        "dblp": s2.dblp,
        "acl": s2.acl,
    }


def _source(override: object, fetched: object, source: str) -> str | None:
    """Where a shown value came from: entries.toml's override, else the source, else none."""
    return "entries.toml" if override else source if fetched else None


def uncached_json(entry: Entry) -> dict[str, Any]:
    """An entry the cache has no record of, as exported: ``"cached": false``, what
    entries.toml says of it (its overrides) and its ID's page; no record field."""
    from alignfetch.list.ids import kind, page

    overrides = entry.overrides()
    return {
        "id": entry.id,
        "kind": kind(entry.id),
        "section": entry.section,
        "sections": list(entry.sections),
        "cached": False,
        "title": overrides.get("title"),
        "description": overrides.get("description"),
        "url": page(entry.id),
        "venue": overrides.get("venue"),
        "affiliation": overrides.get("affiliation"),
        "date": overrides.get("date"),
        "links": overrides.get("links", {}),
        "overrides": overrides,
    }


def uncached(doc: Mapping[str, Any]) -> list[str]:
    """The IDs of a document's entries that have no cached record (``"cached": false``)."""
    entries = doc.get("entries")
    return [
        str(e.get("id"))
        for e in (entries if isinstance(entries, list) else [])
        if isinstance(e, Mapping) and e.get("cached") is False
    ]


def settled(doc: dict[str, Any], strict: bool) -> dict[str, Any]:
    """``doc``, once its entries without a cached record are said (:func:`settle`)."""
    settle(uncached(doc), strict)
    return doc


def settle(rids: Sequence[str], strict: bool, *, left_out: bool = False) -> None:
    """Say that the entries ``rids`` have no cached record: one warning (they are shown
    as entries.toml has them, or, ``left_out``, not at all), or with ``strict`` a
    :class:`CacheMissError`, before anything is written."""
    if not rids:
        return
    one = len(rids) == 1
    shown = ", ".join(cap_echo(r) for r in rids[:5]) + (
        f" and {len(rids) - 5} more" if len(rids) > 5 else ""
    )
    shown_as = (
        "left out of the citations"
        if left_out
        else f"shown as entries.toml has {'it' if one else 'them'}"
    )
    head = f"{len(rids)} entr{'y has' if one else 'ies have'} no cached record yet"
    if strict:
        raise CacheMissError(
            f"{head}: {shown}; run `alignfetch refresh` (without --strict, "
            f"{'it is' if one else 'they are'} {shown_as})."
        )
    log.warning(
        "%s and %s %s: %s; run `alignfetch refresh`.", head, "is" if one else "are", shown_as, shown
    )


_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]] = {}


def _fields(cls: type) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """A record type's exported field names (all but ``id``), in order, and a getter
    that reads them all at once (looked up once per type)."""
    found = _FIELDS.get(cls)
    if found is None:
        names = tuple(f.name for f in dataclasses.fields(cls) if f.name != "id")
        getter = operator.attrgetter(*names)
        found = _FIELDS[cls] = (
            names,
            getter if len(names) > 1 else (lambda record: (getter(record),)),
        )
    return found


def document_object(value: object, what: str) -> Mapping[str, Any]:
    """``value``, a part of an export document read back, if it is an object."""
    if not isinstance(value, Mapping):
        raise InputError(f"In the export document, {what} must be an object.")
    return value


def document_list(value: object, what: str) -> Sequence[Any]:
    """``value``, a part of an export document read back, if it is a list."""
    if not isinstance(value, list):
        raise InputError(f"In the export document, {what} must be a list.")
    return value


def display_date(entry: Mapping[str, Any]) -> str | None:
    """The one date the list shows for an exported entry (``list`` and ``render`` alike).

    The entry's ``date`` override wins. Else a paper shows its first version's
    date (``published``); a dataset that names a paper shows that paper's
    ``published`` (the work it belongs to), else the day it was created on the
    Hub; a model shows the day it was created; a repository, Space or collection
    shows none.
    """
    if entry.get("date"):
        return str(entry["date"])
    kind = entry.get("kind")
    if kind == "paper":
        return str(entry["published"])[:10] if entry.get("published") else None
    if kind == "dataset":
        papers = entry.get("papers") or []
        first = papers[0] if papers and isinstance(papers[0], Mapping) else None
        if first and first.get("published"):
            return str(first["published"])[:10]
        return str(entry["created"])[:10] if entry.get("created") else None
    if kind == "model":
        return str(entry["created"])[:10] if entry.get("created") else None
    return None


def item_date(item: Item) -> str | None:
    """:func:`display_date` of the item's exported entry, without exporting it (``list``
    shows only the date and the title of each entry; the export is a tenth of its time)."""
    entry, record = item.entry, item.record
    if entry.date:
        return str(entry.date)
    if isinstance(record, Paper):
        return record.published[:10] if record.published else None
    if isinstance(record, Dataset):
        first = item.related.get(record.papers[0]) if record.papers else None
        if isinstance(first, Paper) and first.published:
            return first.published[:10]
        return record.created[:10] if record.created else None
    if isinstance(record, Model):
        return record.created[:10] if record.created else None
    return None


def linked_paper(paper_id: str, related: Mapping[str, Record]) -> dict[str, Any]:
    """What a dataset or model shows of a paper it names; nulls when it is not cached."""
    paper = related.get(paper_id)
    if not isinstance(paper, Paper):
        return {"id": paper_id, "title": None, "authors": [], "url": None, "published": None}
    return {
        "id": paper_id,
        "title": paper.title,
        "authors": [a.name for a in paper.authors],
        "url": paper.url,
        "published": paper.published,
    }


def _authors(paper: Paper) -> tuple[list[str], list[list[str]]]:
    return [a.name for a in paper.authors], [list(a.affiliations) for a in paper.authors]


def section_json(section: Section) -> dict[str, Any]:
    out = {"slug": section.slug, "title": section.title, "parent": section.parent}
    if section.order is not None:
        out["order"] = section.order
    return out


def document(ef: EntriesFile, items: Sequence[Item | Entry]) -> dict[str, Any]:
    """The export of ``ef``: ``items`` are its entries with their records, or an entry
    alone where the cache has none (:meth:`alignfetch.fetch.store.Store.known`)."""
    from alignfetch.list.model import Entry

    with no_cycle_collection():
        return {
            **document_head(ef),
            "entries": [uncached_json(i) if isinstance(i, Entry) else entry_json(i) for i in items],
        }


def document_head(ef: EntriesFile) -> dict[str, Any]:
    """The export of ``ef`` before its entries: the list and its sections."""
    return {
        "schema_version": SCHEMA_VERSION,
        "list": dict(ef.meta),
        "sections": [section_json(s) for s in ef.sections],
    }


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused: building a long document (or the page from it)
    allocates enough dicts to start full collections, each walking every object the
    process holds (a fifth of a second at 10,000 entries), to find no cycle in data
    that has none. Restores the collector as it was, and never pauses it nested twice.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def dumps(data: Any) -> str:
    """The one JSON form alignfetch writes: UTF-8, indented, newline-terminated.

    Byte for byte ``json.dumps(data, ensure_ascii=False, indent=2)``, built
    without the standard encoder's generators (four times faster on a
    10,000-entry export); anything but plain JSON data goes to ``json.dumps``.
    """
    out: list[str] = []
    try:
        _write(data, out, "\n", {})
    except _NotPlain:
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    out.append("\n")
    return "".join(out)


def entry_text(entry: Mapping[str, Any]) -> str:
    """One exported entry as :func:`dumps` writes it inside a document's ``entries``."""
    out: list[str] = []
    try:
        _write(entry, out, _ENTRY, {})
    except _NotPlain:
        return json.dumps(entry, ensure_ascii=False, indent=2).replace("\n", _ENTRY)
    return "".join(out)


_ENTRY = "\n    "
"""An entry's line start in a document: the document's ``entries``, two levels in."""


def document_text(doc: Mapping[str, Any], entries: Sequence[str]) -> str:
    """:func:`dumps` of ``doc`` with these entries (each its :func:`entry_text`), joined
    without writing them again (an export made of kept pieces)."""
    head = dumps({**doc, "entries": []})
    tail = '"entries": []\n}\n'
    if not head.endswith(tail) or ("entries" in doc and list(doc)[-1] != "entries"):
        raise ValueError("the document's entries are not its last member")
    if not entries:
        return head
    joined = ("," + _ENTRY).join(entries)
    return head[: -len(tail)] + '"entries": [' + _ENTRY + joined + "\n  ]\n}\n"


class _NotPlain(Exception):
    """A value :func:`_write` leaves to ``json.dumps`` (a non-string key, a subclass)."""


_string = json.encoder.encode_basestring  # ensure_ascii=False's escaping (C when available)
_ATOMS: dict[object, str] = {True: "true", False: "false", None: "null"}


def _write(value: Any, out: list[str], newline: str, heads: dict[str, dict[str, str]]) -> None:
    """``value`` as JSON onto ``out``; ``newline`` is its line's start (a newline and the
    indent). ``heads`` keeps ``,<newline>  "key": `` by indent and key (documents repeat
    their keys entry after entry)."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        known = heads.get(inner)
        if known is None:
            known = heads[inner] = {}
        first = True
        for key, item in value.items():
            head = known.get(key)
            if head is None:
                if type(key) is not str:
                    raise _NotPlain
                head = known[key] = "," + inner + _string(key) + ": "
            if first:
                head = "{" + head[1:]
                first = False
            if type(item) is str:  # most values: no call deeper
                out.append(head + _string(item))
            elif item is None:
                out.append(head + "null")
            else:
                out.append(head)
                _write(item, out, inner, heads)
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        first = True
        for item in value:
            head = ("[" if first else ",") + inner
            first = False
            if type(item) is str:
                out.append(head + _string(item))
            else:
                out.append(head)
                _write(item, out, inner, heads)
        out.append(newline + "]")
    elif kind is bool or value is None:
        out.append(_ATOMS[value])
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(json.dumps(value))
    else:
        raise _NotPlain


# -- reading an export back (`render --from`) ---------------------------------------------


def read_export(path: Path) -> dict[str, Any]:
    """An export document written by ``alignfetch export``, checked for its version."""
    from alignfetch.files import read_text

    try:
        doc = json.loads(read_text(path))
    except FileNotFoundError:
        raise InputError(
            f"The export {path} does not exist; write it with `alignfetch export -o {path}`."
        ) from None
    except OSError as err:
        raise InputError(
            f"The file {path} could not be read ({err.strerror or err}); give an alignfetch export."
        ) from None
    except UnicodeDecodeError:
        raise InputError(f"The file {path} is not an alignfetch export (not UTF-8).") from None
    except ValueError as err:
        # Python's own advice for a number of 5,000 digits (set_int_max_str_digits) is no
        # advice for a user: say what is wrong with the file.
        why = "a number of more than 4,300 digits" if "4300" in str(err) else err
        raise InputError(f"The file {path} is not an alignfetch export ({why}).") from None
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
