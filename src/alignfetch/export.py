"""The JSON export: the list, its sections and its enriched entries.

One serializer for ``export`` and every ``--json`` output. The document is a
pure function of entries.toml and the cached records, so the same inputs give
the same bytes (no timestamps, stable key order).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .records import to_dict

if TYPE_CHECKING:
    from .core import Item
    from .entries import EntriesFile, Section

SCHEMA_VERSION = 1


def entry_json(item: Item) -> dict[str, Any]:
    """One entry as exported: identity, the record's fields, then the overrides.

    ``title`` and ``description`` are what the list shows (an override wins);
    ``overrides`` holds exactly what entries.toml sets, so nothing is lost.
    """
    entry, record = item.entry, item.record
    data = to_dict(record)
    del data["kind"], data["id"]
    if "authors" in data:
        data["authors"] = [a["name"] for a in data["authors"]]
        data["affiliations"] = [a["affiliations"] for a in to_dict(record)["authors"]]
    overrides = entry.overrides()
    out: dict[str, Any] = {"id": entry.id, "kind": record.kind, "section": entry.section}
    out.update(data)
    for key in ("title", "description"):
        if key in overrides:
            out[key] = overrides[key]
    out["venue"] = overrides.get("venue")
    out["affiliation"] = overrides.get("affiliation")
    out["date"] = overrides.get("date")
    out["links"] = overrides.get("links", {})
    out["overrides"] = overrides
    return out


def section_json(section: Section) -> dict[str, Any]:
    return {"slug": section.slug, "title": section.title, "parent": section.parent}


def document(ef: EntriesFile, items: list[Item]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "list": dict(ef.list),
        "sections": [section_json(s) for s in ef.sections],
        "entries": [entry_json(i) for i in items],
    }


def dumps(data: Any) -> str:
    """The one JSON form alignfetch writes: UTF-8, indented, newline-terminated."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
