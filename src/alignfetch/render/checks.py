"""What each operation a template may run is checked for before it runs: ``%`` and
format widths, the operators that repeat or join (``*``, ``+``, ``**``), the string, list
and dict methods that grow or walk a value, and the filters that do (see
:mod:`alignfetch.render.limits` for the limits and how a value is measured).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sized
from typing import Any

from alignfetch.render.limits import (
    ITEM_LIMIT,
    TEXT_LIMIT,
    _Exceeded,
    _Limits,
    _text_size,
    _text_sizes,
)

_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?"
    r"[hlL]?(?P<conversion>[a-zA-Z%])"
)


def _check_percent(limits: _Limits, template: str, values: object) -> None:
    """``template % values`` (the ``%`` operator, the ``format`` filter) checked before it
    is made: each width and precision, ``*`` ones too, and the text it would give."""
    args = values if isinstance(values, tuple) else (values,)
    size, at, shown = len(template), 0, []
    for m in _PERCENT.finditer(template):
        if m["conversion"] == "%":
            continue
        for part in (m["width"], m["precision"]):
            if part == "*":
                n = args[at] if at < len(args) else 0
                at += 1
            else:
                n = int(part) if part and len(part) < 12 else (TEXT_LIMIT + 1 if part else 0)
            limits.width(n)
            size += n if isinstance(n, int) and n > 0 else 0
        if m["key"] is not None and isinstance(values, Mapping):
            value = values.get(m["key"])
        else:
            value = args[at] if at < len(args) else None
            at += 1
        shown.append(value)
    limits.text(size + _text_sizes(shown, TEXT_LIMIT - size))


_DIGITS = re.compile(r"\d+")


def _check_spec(limits: _Limits, spec: str) -> None:
    """Every number in a ``str.format`` spec (``{:>2000000000}``) as a width."""
    for digits in _DIGITS.findall(spec):
        limits.width(int(digits) if len(digits) < 12 else TEXT_LIMIT + 1)


def _check_binop(limits: _Limits, operator: str, left: Any, right: Any) -> None:
    """``left <operator> right`` checked before it is computed."""
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and isinstance(seq, str | bytes | list | tuple) and n > 0:
                if isinstance(seq, str | bytes):
                    limits.text(len(seq) * n)
                else:
                    limits.list(len(seq) * n)
                    # n references to each part: [[0] * 1000000] * 1000000 is small, but
                    # not what comparing or printing it would go through.
                    limits.deep(seq, times=n)
                return
        if isinstance(left, int) and isinstance(right, int):
            limits.number(left.bit_length() + right.bit_length())
    elif operator == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            limits.number(left.bit_length() * right)
    elif operator == "+":
        if isinstance(left, str | bytes) and isinstance(right, str | bytes):
            limits.text(len(left) + len(right))
        elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
            limits.list(len(left) + len(right))
            limits.deep((left, right))
    elif operator == "%" and isinstance(left, str):
        _check_percent(limits, left, right)


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _check_method(limits: _Limits, method: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A call of a str, bytes, list or dict method that makes something larger than its
    object, checked first; the arguments as the method must get them (an iterator a
    check had to read is passed on as a list)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if isinstance(owner, str | bytes):
        if name in ("center", "ljust", "rjust", "zfill") and args:
            limits.width(args[0])
        elif name == "expandtabs":
            tab = "\t" if isinstance(owner, str) else b"\t"
            size = args[0] if args and isinstance(args[0], int) else 8
            limits.text(len(owner) + owner.count(tab) * max(size, 0))  # type: ignore[arg-type]
        elif name == "replace" and len(args) >= 2:
            old, new = args[0], args[1]
            if isinstance(old, str | bytes) and isinstance(new, str | bytes):
                found = owner.count(old) if old else len(owner) + 1  # type: ignore[arg-type]
                if len(args) > 2 and isinstance(args[2], int) and args[2] >= 0:
                    found = min(found, args[2])
                limits.text(len(owner) + found * max(len(new) - len(old), 0))
        elif name == "join" and args:
            parts = list(args[0])
            limits.list(len(parts))
            limits.text(
                sum(len(p) if isinstance(p, str | bytes) else 0 for p in parts)
                + len(owner) * max(len(parts) - 1, 0)
            )
            return (parts, *args[1:])
        elif name == "translate" and args and isinstance(args[0], Mapping):
            longest = max(
                (len(v) for v in args[0].values() if isinstance(v, str | bytes)), default=1
            )
            limits.text(len(owner) * max(longest, 1))
        elif name in ("split", "rsplit", "splitlines") and len(owner) > ITEM_LIMIT:
            sep = args[0] if args and name != "splitlines" else None
            if isinstance(sep, str | bytes) and sep:
                pieces = owner.count(sep) + 1  # type: ignore[arg-type]
            elif isinstance(owner, str):
                breaks = _LINE_BREAKS if name == "splitlines" else _LINE_BREAKS + " \t"
                pieces = sum(owner.count(c) for c in breaks) + 1
            else:
                pieces = len(owner)
            limits.list(pieces)
    elif isinstance(owner, list):
        if name == "extend" and args:
            more = list(args[0])
            limits.list(len(owner) + len(more))
            return (more, *args[1:])
        if name in ("append", "insert"):
            limits.list(len(owner) + 1)
    elif isinstance(owner, dict):
        if name == "update" and args and isinstance(args[0], Mapping):
            limits.list(len(owner) + len(args[0]))
        elif name in ("update", "setdefault"):
            limits.list(len(owner) + 1)
    return args


def _arg(args: tuple[Any, ...], kwargs: Mapping[str, Any], at: int, name: str, default: Any) -> Any:
    """A filter's argument ``name``, ``at`` its place after the value, as the call gave it."""
    return args[at] if len(args) > at else kwargs.get(name, default)


def _filter_checks(limits: _Limits) -> dict[str, Callable[..., Any]]:
    """Checks of Jinja's filters that can make far more than they are given, by name.
    Each takes the filter's value and arguments and gives back the value (an iterator it
    had to read, as a list)."""

    def center(value: Any, *args: Any, **kw: Any) -> Any:
        limits.width(_arg(args, kw, 0, "width", 80))
        return value

    def indent(value: Any, *args: Any, **kw: Any) -> Any:
        width = _arg(args, kw, 0, "width", 4)
        pad = width if isinstance(width, int) else len(str(width))
        limits.width(pad)
        size = _text_size(value)
        lines = value.count("\n") + 1 if isinstance(value, str) else size + 1
        limits.text(size + lines * max(pad, 0))
        return value

    def format_(value: Any, *args: Any, **kw: Any) -> Any:
        _check_percent(limits, str(value), kw or args)
        return value

    def wordwrap(value: Any, *args: Any, **kw: Any) -> Any:
        wrap = _arg(args, kw, 2, "wrapstring", None) or "\n"
        size = _text_size(value)
        limits.text(size + (size + 1) * len(str(wrap)))
        return value

    def replace(value: Any, *args: Any, **kw: Any) -> Any:
        old, new = str(_arg(args, kw, 0, "old", "")), str(_arg(args, kw, 1, "new", ""))
        count = _arg(args, kw, 2, "count", None)
        text = value if isinstance(value, str) else ""
        found = text.count(old) if old else len(text) + 1
        if isinstance(count, int) and count >= 0:
            found = min(found, count)
        limits.text(_text_size(value) + found * max(len(new) - len(old), 0))
        return value

    def join(value: Any, *args: Any, **kw: Any) -> Any:
        items = list(value)
        limits.list(len(items))
        sep = str(_arg(args, kw, 0, "d", ""))
        limits.text(_text_sizes(items) + len(sep) * max(len(items) - 1, 0))
        return items

    def tojson(value: Any, *args: Any, **kw: Any) -> Any:
        indent = _arg(args, kw, 0, "indent", None)
        step = indent if isinstance(indent, int) else len(indent) if isinstance(indent, str) else 0
        limits.width(step)
        limits.text(_text_size(value, indent=max(step, 0)))
        return value

    def pprint(value: Any, *args: Any, **kw: Any) -> Any:
        limits.text(_text_size(value, indent=1))
        return value

    def string(value: Any, *args: Any, **kw: Any) -> Any:
        limits.text(_text_size(value))
        return value

    def batch(value: Any, *args: Any, **kw: Any) -> Any:
        count = _arg(args, kw, 0, "linecount", 1)
        if isinstance(count, int):
            limits.list(count)
        return value

    def slice_(value: Any, *args: Any, **kw: Any) -> Any:
        count = _arg(args, kw, 0, "slices", 1)
        if isinstance(count, int):
            limits.list(count)
        return value

    def sum_(value: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(_arg(args, kw, 1, "start", 0), int | float):
            return value
        items = list(value)  # lists added one by one: each sum copies all so far
        total = _text_sizes(items)
        limits.list(total)
        if len(items) * total > 16 * ITEM_LIMIT:
            raise _Exceeded(f"it would add up {len(items):,} lists of {total:,} items in all")
        return items

    def list_(value: Any, *args: Any, **kw: Any) -> Any:
        if isinstance(value, Sized):
            limits.list(len(value))
        return value

    def urlize(value: Any, *args: Any, **kw: Any) -> Any:
        extra = sum(len(v) for v in (*args[1:], *kw.values()) if isinstance(v, str))
        size = _text_size(value)
        limits.text(size + (size // 4 + 1) * (extra + 64))  # each link: its attributes
        return value

    return {
        "center": center,
        "indent": indent,
        "format": format_,
        "wordwrap": wordwrap,
        "replace": replace,
        "join": join,
        "tojson": tojson,
        "pprint": pprint,
        "string": string,
        "batch": batch,
        "slice": slice_,
        "sum": sum_,
        "list": list_,
        "urlize": urlize,
    }
