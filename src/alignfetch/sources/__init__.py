"""The upstream services, each behind the same small interface.

A source is a module with three layers: pure ID parsing (:func:`parse_id`),
the HTTP fetch (:func:`fetch`), and a pure conversion from the raw response to a
:mod:`alignfetch.records` record. They register here by ID prefix; everything
else finds them through :data:`SOURCES`.

Parsing an ID needs only the first layer, so the modules the fetch layers
share (:mod:`alignfetch.net` and :mod:`alignfetch.sources.hub`, which bring the
HTTP stack) are deferred while the registry is built (:func:`_deferred`): they
load when a fetch first uses them, and ``list`` or ``show`` never pays for them.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec, module_from_spec
from typing import TYPE_CHECKING, Any, Protocol

from ..config import Settings
from ..errors import SourceError
from ..records import Record


@dataclass(frozen=True)
class Fetched:
    """A record fresh from upstream, with the payload it came from."""

    record: Record
    raw: str
    url: str
    etag: str | None = None
    unchanged: bool = False
    """Upstream confirmed the cached record (HTTP 304): keep it, only note the check."""
    warning: str | None = None
    """Something the user should hear that does not fail the ID (a card kept from before)."""


@dataclass(frozen=True)
class Previous:
    """What the cache already holds, for conditional requests."""

    record: Record
    raw: str
    etag: str | None


Outcome = Fetched | SourceError


class Source(Protocol):
    NAME: str
    PREFIX: str
    FORMS: tuple[str, ...]

    def parse_id(self, text: str) -> str | None: ...

    def fetch(
        self, keys: Sequence[str], settings: Settings, previous: Mapping[str, Previous]
    ) -> dict[str, Outcome]: ...


class _Deferred(types.ModuleType):
    """A module whose code runs when one of its names is first looked up or set.

    The standard library's ``importlib.util.LazyLoader`` does the same, but on
    Python 3.11 two threads that first use the module at once can see it half
    run; here the first use runs it under a lock, and a use from another thread
    meanwhile waits for it. A name set before the code runs would be set again
    by it (``net.shared_pace = ...``): setting one runs the code first.
    """

    _lock = threading.RLock()

    def _load(self) -> None:
        with _Deferred._lock:
            if type(self) is _Deferred:
                spec = self.__spec__
                assert spec is not None and spec.loader is not None
                try:
                    spec.loader.exec_module(self)
                finally:
                    object.__setattr__(self, "__class__", types.ModuleType)

    def __getattr__(self, name: str) -> Any:
        self._load()
        return types.ModuleType.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._load()
        types.ModuleType.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._load()
        types.ModuleType.__delattr__(self, name)


def _deferred(name: str) -> None:
    """Put module ``name`` (not yet imported) in place without running its code."""
    if name in sys.modules:
        return
    spec = find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = module_from_spec(spec)
    module.__class__ = _Deferred  # its first use runs its code
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)


MODULES = {
    "arxiv": "arxiv",
    "hf": "hf_datasets",
    "gh": "github",
    "hf-space": "hf_spaces",
    "hf-collection": "hf_collections",
    # Hub models last: their URL form is any huggingface.co/owner/name not taken above.
    "hf-model": "hf_models",
    # url: claims any http(s) URL that no other source does, so it goes last.
    "url": "url",
}
"""Each source's module by ID prefix, in the order IDs are tried (:data:`SOURCES`)."""


def source(prefix: str) -> Source:
    """The source of ``prefix`` (a key of :data:`MODULES`), importing only its module."""
    _deferred("alignfetch.net")
    _deferred("alignfetch.sources.hub")
    module: Source = import_module(f"{__name__}.{MODULES[prefix]}")
    return module


if TYPE_CHECKING:
    SOURCES: dict[str, Source]
    """Every source by ID prefix, in the order IDs are tried."""


def __getattr__(name: str) -> Any:
    # SOURCES is built on first use: parsing an ID of a known prefix imports only
    # its own source (:func:`source`).
    if name == "SOURCES":
        registry = {prefix: source(prefix) for prefix in MODULES}
        globals()["SOURCES"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
