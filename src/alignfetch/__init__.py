"""alignfetch: keep a curated awesome list of papers, datasets and code current.

The Python API mirrors the CLI: open a :class:`~alignfetch.workspace.Workspace` on an
``entries.toml`` and call its methods (``add``, ``remove``, ``show``, ``entries``,
``export``...). Heavy dependencies load only when a method needs them, so that
``import alignfetch`` and ``alignfetch --help`` stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alignfetch.version import __version__

if TYPE_CHECKING:
    from alignfetch.workspace import Workspace

__all__ = ["Workspace", "__version__"]


def __getattr__(name: str) -> object:
    if name == "Workspace":
        from alignfetch.workspace import Workspace

        return Workspace
    raise AttributeError(name)
