"""An entry of the list together with the cached records it is shown with.

Its own module so that readers of items (export, render, citations) and the
:class:`~alignfetch.core.Workspace` that builds them do not import each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: building an Item loads no record type
    from collections.abc import Mapping

    from alignfetch.list.model import Entry
    from alignfetch.records import Record


@dataclass(frozen=True)
class Item:
    """An entry of the list with its cached record and the records it points to
    (a paper's Hugging Face page, a dataset's papers), by ID."""

    entry: Entry
    record: Record
    related: Mapping[str, Record] = field(default_factory=dict)
