"""What any template may reach: Jinja's sandbox, and the templates of one folder.

A template is data, not code. :class:`_Sandbox` is Jinja's sandbox (no attributes
that start with ``_``, no reaching Python's internals) with a short way to the
values a template reads most; :class:`_FolderLoader` finds the templates a
``{% include %}`` or ``{% import %}`` names inside one folder, and nothing that a
name or a symbolic link leads out of it (:class:`_Outside`, :class:`_Unreadable`
say why one is refused). The environment a render uses is built in
:mod:`alignfetch.render.page`; a list's own template runs in the bounded subclass
of :mod:`alignfetch.render.bounded`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jinja2.runtime
import jinja2.sandbox

from alignfetch.files import digest
from alignfetch.render.context import ItemView, SectionView, TocLine


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, with a short way to what a template reads most: the values of an
    exported entry (a dict) and the fields of the context's views and of a loop. The answers
    are the sandbox's own; only the detour is skipped (for a dict, a failed attribute lookup
    before the item lookup; for a view, the safety check of a field it knows is safe)."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        kind = type(obj)
        if kind is dict:
            if attribute not in _DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    return self.undefined(obj=obj, name=attribute)
        elif attribute in _VIEW_FIELDS.get(kind, ()):
            return getattr(obj, attribute)
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))
"""What ``getattr`` finds on a dict (its methods): the sandbox prefers these to its items."""
_VIEW_FIELDS: dict[type, frozenset[str]] = {
    view: frozenset(f.name for f in dataclasses.fields(view))
    for view in (TocLine, ItemView, SectionView)
}
# A loop's own counters (``loop.last``, ...), which the sandbox finds safe too.
_VIEW_FIELDS[jinja2.runtime.LoopContext] = frozenset(
    ("first", "last", "index", "index0", "revindex", "revindex0", "length", "depth", "depth0")
)


class _FolderLoader(jinja2.BaseLoader):
    """Templates inside one folder, and nothing that a name or a link leads out of it."""

    def __init__(self, folder: Path, seen: dict[str, str | None] | None = None) -> None:
        self.folder = folder
        self.seen = seen
        """Where each file looked for is noted, with its text's digest (None: absent), for a
        kept render (:mod:`alignfetch.workspace.memo`) to look at again."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        root = self.folder.resolve()
        path = (root / template).resolve()
        if Path(template).is_absolute() or not path.is_relative_to(root):
            raise _Outside(template)
        if not path.is_file():
            if self.seen is not None:
                self.seen[str(path)] = None
            raise jinja2.TemplateNotFound(template)
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise _Unreadable(template, err) from None
        if self.seen is not None:
            self.seen[str(path)] = digest(data)
        return text, str(path), None


class _Outside(Exception):
    """An include or import that leads out of the template folder."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Unreadable(Exception):
    """An included template that cannot be read as UTF-8 text."""

    def __init__(self, name: str, err: OSError | UnicodeDecodeError) -> None:
        super().__init__(name)
        self.name = name
        self.reason = (
            "it is not UTF-8 text"
            if isinstance(err, UnicodeDecodeError)
            else (f"it could not be read: {err.strerror or err}")
        )
