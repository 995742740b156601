"""An export made of kept pieces: after a change, only the entries it touched are made again.

Each entry's JSON text (:func:`alignfetch.list.export.entry_text`) is kept in
``.alignfetch/memo/`` with a key of all it is made of: what entries.toml says of the entry
(its ID, sections and overrides, in their order), the digest of its record's JSON text as
the cache stores it, and of each record it points to (a paper's Hugging Face page, Semantic Scholar
and OpenAlex rows; a dataset's papers). An export after a refresh that changed a few records,
or an edit of a few entries, decodes and writes only those; the others are joined as kept.
The pieces are kept under a digest of alignfetch's own files too, and all of them are made
again after an upgrade. :mod:`alignfetch.workspace.memo` gives the cache's rows (read once,
for its key) and keeps the pieces as it keeps a text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from hashlib import blake2b
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alignfetch.list.entries import Entry
    from alignfetch.workspace import Workspace

NAME = "export.pieces"
"""The file in ``.alignfetch/memo/`` that holds the pieces."""


def export(
    ws: Workspace, texts: Mapping[str, bytes], kept: str | None
) -> tuple[str, list[str], str | None]:
    """The export's JSON text, the entries without a cached record, and the pieces to keep
    for the next export (None: the ``kept`` ones are all still good), from the ``kept``
    pieces (their text, None for none) and the cache's rows (each record's JSON text by ID)."""
    from alignfetch.list.export import document_head, document_text

    ef = ws.load()
    old = _pieces(kept)
    rows = _Digests(texts)
    pieces: dict[str, list[Any]] = {}
    todo: list[Entry] = []
    for entry in ef.entries:
        said = repr((entry.id, entry.section, entry.sections, entry.overrides()))
        piece = old.get(entry.id)
        if piece is not None and piece[0] == said and piece[1] == rows[entry.id]:
            related = [rows[r] for r in piece[2]]
            if related == piece[3]:
                pieces[entry.id] = piece
                continue
        todo.append(entry)
        pieces[entry.id] = [said, rows[entry.id]]
    _make(ws, todo, rows, pieces)
    missing = [e.id for e in ef.entries if pieces[e.id][5]]
    fresh = json.dumps(pieces, ensure_ascii=False) if todo or len(pieces) != len(old) else None
    return document_text(document_head(ef), [pieces[e.id][4] for e in ef.entries]), missing, fresh


class _Digests(dict[str, str | None]):
    """Each cached record's digest by ID, worked out when first asked for (None: no row)."""

    def __init__(self, texts: Mapping[str, bytes]) -> None:
        super().__init__()
        self.texts = texts

    def __missing__(self, rid: str) -> str | None:
        text = self.texts.get(rid)
        self[rid] = out = None if text is None else blake2b(text, digest_size=12).hexdigest()
        return out


def _make(
    ws: Workspace, todo: list[Entry], rows: _Digests, pieces: dict[str, list[Any]]
) -> None:
    """Make the pieces of the entries ``todo`` from their records, as a full export does."""
    from alignfetch.list.export import entry_json, entry_text, uncached_json
    from alignfetch.list.model import Entry
    from alignfetch.records import related_ids

    for item in ws.store.known(todo):
        if isinstance(item, Entry):
            piece = pieces[item.id]
            piece += [[], [], entry_text(uncached_json(item)), True]
        else:
            related = related_ids(item.record)
            piece = pieces[item.entry.id]
            piece += [related, [rows[r] for r in related], entry_text(entry_json(item)), False]


def _pieces(kept: str | None) -> dict[str, list[Any]]:
    """The kept pieces by entry ID: [entry's data, record digest, related IDs, their digests,
    the entry's JSON text, whether it had no record]; none when unreadable."""
    if kept is None:
        return {}
    try:
        pieces = json.loads(kept)
    except ValueError:
        return {}
    if not isinstance(pieces, dict) or not all(
        isinstance(p, list)
        and len(p) == 6
        and isinstance(p[2], list)
        and all(type(r) is str for r in p[2])
        and type(p[4]) is str
        for p in pieces.values()
    ):
        return {}
    return pieces
