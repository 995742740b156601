"""Reading records back from storage: a cache row's JSON into a record, checked.

:func:`read` gives the record a row holds, or None when it is not one alignfetch can use
(a field missing or of the wrong type, a date that is no date); :func:`well_typed` says
whether a record's fields all have their types. The record types are
:mod:`alignfetch.records`'.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, Union, get_args, get_origin, get_type_hints

from alignfetch.records import _TYPES, Author, Record, from_dict


def read(data: Any) -> Record | None:
    """The record that JSON ``data`` (a cache row) holds, or None when it is not one
    alignfetch can use: a field missing, or of the wrong type, or a date that is no date
    (:func:`is_date`; an older alignfetch stored what GitHub sent as is).

    Exactly :func:`from_dict` followed by a check of every field against its type
    (:func:`_exact_read`), but fast for the rows that are fine: each kind's fields
    are checked on the JSON itself by a plan built once, and anything the plan
    does not vouch for goes the exact way.
    """
    if type(data) is dict and type(kind := data.get("kind")) is str:
        plan = _plan(kind) if kind in _TYPES else None
        if plan is not None:
            record = plan(data)
            if record is not None:
                return record if _dated(record) else None
    return _exact_read(data)


def well_typed(record: Record) -> bool:
    """Whether every field of ``record`` has its declared type and every date is one
    (:func:`is_date`; what :func:`read` checks of a cached row): a source that built a
    record from a mistyped answer (a number where the Hub documents a name) must not
    store what no command could read back."""
    cls: Any = type(record)
    return _checker(cls)(record) and _dated(record)


DATE_FIELDS = ("published", "updated", "pushed_at", "last_modified", "created", "last_updated")
"""Fields that hold a date (:func:`is_date`), or None where a record may lack one."""
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][^\n]*)?\Z")


def is_date(text: object) -> bool:
    """Whether ``text`` is a real date as records keep one: ``YYYY-MM-DD``, alone or
    starting an ISO 8601 datetime (``2024-01-31T12:00:00Z``), in the years 1 to 9999.
    Every reader of a date (check, citations, the README) takes its first ten characters
    as the day: ``2024-13-45`` or ``0000-01-01`` would crash it."""
    from datetime import datetime

    try:
        return bool(type(text) is str and _DATE.match(text) and datetime.fromisoformat(text))
    except ValueError:
        return False


def _dated(record: Record) -> bool:
    """Whether each date field of ``record`` is None or a date (:func:`is_date`)."""
    for name in _date_fields(record.kind):
        v = getattr(record, name)
        if v is not None and not (_known_date(v) if type(v) is str else is_date(v)):
            return False
    return True


@cache
def _date_fields(kind: str) -> tuple[str, ...]:
    """The fields of :data:`DATE_FIELDS` that records of ``kind`` have."""
    have = {f.name for f in dataclasses.fields(_TYPES[kind])}
    return tuple(n for n in DATE_FIELDS if n in have)


@lru_cache(maxsize=4096)
def _known_date(text: str) -> bool:
    """:func:`is_date`, remembered: a list's records share a few thousand dates."""
    return is_date(text)


def _exact_read(data: Any) -> Record | None:
    """:func:`read`, the slow and plain way: build the record, then check it."""
    if not isinstance(data, dict):
        return None
    try:
        record = from_dict(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return record if well_typed(record) else None


def _exact_types(hint: Any) -> frozenset[type] | None:
    """The exact types a value of ``hint`` may have, when those decide it (``str | None``)."""
    if hint is None or hint is type(None):
        return frozenset({type(None)})
    if hint is float:
        return frozenset({int, float})  # JSON writes 3.0 as 3
    if hint in (str, int, bool):
        return frozenset({hint})  # JSON gives exact types: no bool for an int
    if get_origin(hint) in (Union, types.UnionType):
        parts = [_exact_types(arg) for arg in get_args(hint)]
        if all(p is not None for p in parts):
            return frozenset().union(*(p for p in parts if p is not None))
    return None


@cache
def _checker(hint: Any) -> Callable[[Any], bool]:
    """A test that a value has the type ``hint`` (a record's field types), built once."""
    exact = _exact_types(hint)
    if exact is not None:
        return lambda v: type(v) in exact
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [_checker(arg) for arg in get_args(hint)]
        return lambda v: any(check(v) for check in options)
    if origin is tuple:
        item = _checker(get_args(hint)[0])
        return lambda v: type(v) is tuple and all(map(item, v))
    if hint is Any:
        return lambda v: True
    if origin in (dict, list):
        return lambda v: isinstance(v, origin)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = get_type_hints(hint)
        checks = [(f.name, _checker(hints[f.name])) for f in dataclasses.fields(hint)]

        def check(v: Any) -> bool:
            if not isinstance(v, hint):
                return False
            for name, field_check in checks:  # noqa: SIM110  # a loop beats a generator here
                if not field_check(getattr(v, name)):
                    return False
            return True

        return check
    if isinstance(hint, type):
        return lambda v: isinstance(v, hint)
    return lambda v: True  # whatever a record may hold that JSON cannot mistype


_MISSING = object()


@cache
def _plan(kind: str) -> Callable[[dict[str, Any]], Record | None] | None:
    """A reader of a ``kind`` of record's JSON that checks each field as JSON gives it
    and builds the record; it returns None where :func:`_exact_read` must decide.
    None when a field has a type the plan does not know (then every row goes the
    exact way).

    The reader is Python source made once per kind (as :mod:`dataclasses` makes
    ``__init__``): one straight function with a test per field, no loop over fields.
    A refresh reads some forty thousand rows, and a loop of converters per field was
    most of the time it took to read them."""
    cls = _TYPES[kind]
    hints = get_type_hints(cls)
    lines = ["def plan(d):", "    get = d.get"]
    names: dict[str, Any] = {"M": _MISSING, "cls": cls, "authors": _authors, "strings": _strings}
    args = []
    for i, f in enumerate(dataclasses.fields(cls)):
        if not f.init or f.kw_only or f.default_factory is not dataclasses.MISSING:
            return None
        hint = hints[f.name]
        if f.default is not dataclasses.MISSING and not _checker(hint)(f.default):
            return None
        v = f"v{i}"
        args.append(v)
        lines.append(f"    {v} = get({f.name!r}, M)")
        if f.default is dataclasses.MISSING:
            lines.append(f"    if {v} is M: return None")
            absent = None
        else:
            names[f"D{i}"] = f.default
            absent = f"{v} = D{i}"  # the dataclass's default, as from_dict leaves it
        if f.name == "authors" or hint == tuple[Author, ...]:
            if f.name != "authors" or hint != tuple[Author, ...]:
                return None  # from_dict builds authors by name: the plan would not be it
            test = [f"{v} = authors({v})", f"if {v} is M: return None"]
        elif hint == tuple[str, ...]:
            test = [f"{v} = strings({v})", f"if {v} is M: return None"]
        elif (exact := _exact_types(hint)) is not None:
            names[f"T{i}"] = exact
            test = [f"if type({v}) not in T{i}: return None"]
        else:
            return None
        if absent is None:
            lines.extend(f"    {t}" for t in test)
        else:
            lines.append(f"    if {v} is M: {absent}")
            lines.append("    else:")
            lines.extend(f"        {t}" for t in test)
    lines.append(f"    return cls({', '.join(args)})")
    exec("\n".join(lines), names)  # noqa: S102  # our own source, from the record's fields
    plan: Callable[[dict[str, Any]], Record | None] = names["plan"]
    return plan


def _exactly(exact: frozenset[type]) -> Callable[[Any], Any]:
    """The value itself when its type is one of ``exact``, else :data:`_MISSING`."""
    return lambda v: v if type(v) in exact else _MISSING


def _strings(value: Any) -> Any:
    """A JSON list of strings as a tuple, else :data:`_MISSING`."""
    if type(value) is not list:
        return _MISSING
    for x in value:  # a loop: any() with a generator costs more for the short lists here
        if type(x) is not str:
            return _MISSING
    return tuple(value)


def _authors(value: Any) -> Any:
    """A paper's authors from JSON (a list of ``{"name", "affiliations"}``), or :data:`_MISSING`
    where :func:`_exact_read` must decide."""
    if type(value) is not list:
        return _MISSING
    out = []
    for a in value:
        if type(a) is not dict:
            return _MISSING
        name, affiliations = a.get("name"), a.get("affiliations", ())
        if type(name) is not str or type(affiliations) not in (list, tuple):
            return _MISSING
        for x in affiliations:
            if type(x) is not str:
                return _MISSING
        out.append(Author(name, tuple(affiliations)))
    return tuple(out)
