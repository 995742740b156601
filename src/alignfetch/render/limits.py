"""The bounds of a render: what a list's own template may make, and the checks that
size an operation before it runs.

A template named in entries.toml comes with the list (a pull request can change it), and
the sandbox keeps it from Python but not from work without end: nested ranges, a
``'%2000000000d'|format(1)``, ``'a' * 3000000000``. A thread cannot be stopped from
outside, so a render of such a template carries a :class:`_Limits` that every hook of
:mod:`alignfetch.render.bounded` consults: loops and calls check the clock, and whatever
makes a text or a list checks its size first when it can grow without bound (repetition,
widths, padding, joins), and counts what it made. The clock cannot stop one call of C
code either: ``[[0] * 1000000] * 1000000`` is a million references to one list (little
memory), but comparing, sorting or printing it would visit 10**12 values. So what a list
holds is counted deep (:func:`_deep_size`: the values of the lists inside it each time
they appear) when a list is made, and before any comparison, filter or method that goes
through a value's every part. alignfetch's own template runs without
them (it is linear in the list). This module holds the limits, the budget and the checks,
plain functions of values that know nothing of a template's environment.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import time
from collections.abc import Callable, Mapping, MappingView, Sequence, Sized
from typing import Any

import jinja2.utils
import markupsafe

from alignfetch.files import MAX_READ

TIME_LIMIT = 5.0
"""Seconds a template of the list's own (or ``--template``) may run."""
TEXT_LIMIT = MAX_READ
"""Characters of the rendered page, and of any one text a template makes: what
alignfetch would read back as a file."""
ITEM_LIMIT = 1_000_000
"""Items of any one list (or dictionary) a template makes."""
MADE_LIMIT = 8 * TEXT_LIMIT
"""Characters of all the texts a template makes in one render (what it could hold at once)."""
ITEMS_MADE_LIMIT = 16 * ITEM_LIMIT
"""Items of all the lists a template makes in one render."""
INT_BITS = 1 << 16
"""Bits of the largest number a template may compute (a README needs none this large)."""
DEEP_LIMIT = 4 * ITEM_LIMIT
"""Values one list (tuple, dictionary) a template makes may hold, those of the lists inside
it counted each time they appear; and what one comparison, filter or method may go through
at once (there, a text counts one more for every :data:`_TEXT_WEIGHT` characters)."""
_NODE_LIMIT = ITEM_LIMIT
"""Values a text conversion may walk (``{{ items }}`` of a list of lists of lists...)."""
_TEXT_WEIGHT = 1024
"""Characters of a text that cost a comparison about what one value does (C compares
texts a block of memory at a time)."""


class _Exceeded(Exception):
    """A template went past one of the limits; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Limits:
    """The budget of one render: a deadline, and what the template has made so far."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.chars = 0
        self.items = 0
        # The deep sizes of the context's views (:func:`_deep_size`), by id and by whether
        # texts weigh, kept with the views; and what those views hold (lists, dictionaries),
        # by id: a method that changes one of these makes the sizes be measured again.
        self.known: dict[bool, dict[int, int]] = {False: {}, True: {}}
        self.parts: dict[int, object] = {}

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _Exceeded(f"it ran for more than {self.seconds:g} seconds")

    def text(self, size: int) -> None:
        """A text of ``size`` characters is about to be made."""
        if size > TEXT_LIMIT:
            raise _Exceeded(f"it would make a text of more than {TEXT_LIMIT:,} characters")

    def list(self, size: int) -> None:
        """A list of ``size`` items is about to be made (or one is to grow to that size)."""
        if size > ITEM_LIMIT:
            raise _Exceeded(f"it would make a list of more than {ITEM_LIMIT:,} items")

    def count(self, chars: int = 0, items: int = 0) -> None:
        """Texts and lists of these sizes were made: what the render made in all is bounded
        too, since a list may keep each of many texts of the largest size."""
        self.chars += chars
        self.items += items
        if self.chars > MADE_LIMIT:
            raise _Exceeded(f"it made more than {MADE_LIMIT:,} characters of text in all")
        if self.items > ITEMS_MADE_LIMIT:
            raise _Exceeded(f"it made more than {ITEMS_MADE_LIMIT:,} list items in all")

    def made(self, value: object) -> None:
        """Count what an operation gave (its size was checked before, where it could grow)."""
        if type(value) is str:  # most of what filters give: the short way
            self.chars += len(value)
            if self.chars > MADE_LIMIT or len(value) > TEXT_LIMIT:
                self.text(len(value))
                self.count()
        elif isinstance(value, str | bytes):
            self.text(len(value))
            self.count(chars=len(value))
        elif isinstance(value, list | tuple | dict):
            self.list(len(value))
            self.count(items=len(value))
            self.deep(value)

    def deep(self, value: object, times: int = 1) -> None:
        """A list (tuple, dictionary) is made (``value``, or ``value`` repeated ``times``):
        it holds at most :data:`DEEP_LIMIT` values, those of the lists inside it counted
        each time they appear."""
        if _deep_size(value, DEEP_LIMIT // times, self) * times > DEEP_LIMIT:
            raise _Exceeded(
                f"it would make a list of more than {DEEP_LIMIT:,} values in all, "
                "counting the values of the lists it holds"
            )

    def walk(self, value: object) -> None:
        """C code is to go through ``value``'s every part (compare, sort, hash or convert
        it): at most :data:`DEEP_LIMIT` values, texts weighing by their length."""
        if _deep_size(value, DEEP_LIMIT, self, texts=True) > DEEP_LIMIT:
            raise _Exceeded(
                f"it would go through more than {DEEP_LIMIT:,} values in one step, "
                "counting the values of the lists they hold"
            )

    def changed(self, owner: object) -> None:
        """A method is to change ``owner``: if a known view holds it, the views' sizes
        are measured again."""
        if id(owner) in self.parts:
            self.known = {False: {}, True: {}}
            self.parts = {}

    def number(self, bits: int) -> None:
        if bits > INT_BITS:
            raise _Exceeded(f"it would compute a number of more than {INT_BITS:,} bits")

    def width(self, value: object) -> None:
        """A width, padding or precision the template asks for."""
        if isinstance(value, int) and value > TEXT_LIMIT:
            raise _Exceeded(
                f"it asked for a width of {value:,}, more than {TEXT_LIMIT:,} characters"
            )

    def converted(self, value: object) -> int:
        """The size of ``str(value)`` for a container (counted as made), checked before
        Python builds it: a list may hold the same long text a million times."""
        size = _text_size(value)
        self.text(size)
        self.count(chars=size)
        return size


def _text_size(value: object, indent: int = 0, limit: int = TEXT_LIMIT) -> int:
    """About how many characters ``str(value)`` (or its JSON indented by ``indent``) has;
    ``limit + 1`` as soon as it is sure to be more than ``limit``. Walks at most
    :data:`_NODE_LIMIT` values, shared ones once each time they are shown."""
    if type(value) is str:
        return len(value)
    size = nodes = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        nodes += 1
        size += 2 + indent * depth  # quotes or brackets, a separator, the line's indent
        if isinstance(v, str | bytes):
            size += len(v)
        elif isinstance(v, Mapping):
            stack.extend((x, depth + 1) for pair in v.items() for x in pair)
        elif isinstance(v, list | tuple | set | frozenset):
            stack.extend((x, depth + 1) for x in v)
        elif isinstance(v, jinja2.utils.Namespace):
            stack.append((getattr(v, "_Namespace__attrs", {}), depth + 1))  # its attributes
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            stack.extend((getattr(v, f.name), depth + 1) for f in dataclasses.fields(v))
        elif isinstance(v, int):
            size += v.bit_length() // 3
        else:
            size += 24  # a float, None, a macro: short
        if size > limit or nodes > _NODE_LIMIT:
            return limit + 1
    return size


def _text_sizes(values: list[Any], limit: int = TEXT_LIMIT) -> int:
    """The sum of :func:`_text_size` of each value, each measured once however often it
    appears (``([[0] * 1000000] * 100)|join`` walked a million values a hundred times)."""
    sizes: dict[int, int] = {}
    total = 0
    for v in values:
        size = sizes.get(id(v))
        if size is None:
            size = sizes[id(v)] = _text_size(v, limit=limit)
        total += size
        if total > limit:
            return limit + 1
    return total


_LEAVES = frozenset({int, float, bool, complex, type(None), str, bytes, markupsafe.Markup})
"""Values whose comparison, hash or text costs C no walk (a text's, a memory block's)."""
_TEXTS = frozenset({str, bytes, markupsafe.Markup})
_HOLDERS = (list, tuple, Mapping, set, frozenset, MappingView, jinja2.utils.Namespace)


def _container(value: object) -> bool:
    """Whether C code comparing or converting ``value`` goes through parts of it."""
    return type(value) not in _LEAVES and (isinstance(value, _HOLDERS) or _is_view(value))


def _parts(value: object) -> Sequence[Any] | None:
    """What C code comparing, hashing or converting ``value`` goes through (a dictionary's
    keys and values, a view's fields, a namespace's attributes); None for what it need not."""
    kind = type(value)
    if kind is list or kind is tuple:
        return value  # type: ignore[return-value]
    if kind is dict or isinstance(value, Mapping):
        return list(itertools.chain.from_iterable(value.items()))  # type: ignore[attr-defined]
    if kind in _LEAVES or isinstance(value, str | bytes | int | float):
        return None
    if isinstance(value, list | tuple | set | frozenset | MappingView):
        return list(value)  # type: ignore[arg-type]
    if isinstance(value, jinja2.utils.Namespace):
        return [getattr(value, "_Namespace__attrs", {})]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [getattr(value, f.name) for f in dataclasses.fields(value)]
    return None


def _is_view(value: object) -> bool:
    """Whether ``value`` is one of the context's views (a dataclass: a template makes none)."""
    return hasattr(type(value), "__dataclass_fields__")


def _flat(parts: Sequence[Any], texts: bool) -> int | None:
    """The deep size of ``parts`` if none of them holds parts (C counts them fast)."""
    kinds = set(map(type, parts))
    if not kinds <= _LEAVES:
        return None
    if not texts or kinds.isdisjoint(_TEXTS):
        return len(parts)
    if kinds <= _TEXTS:
        return len(parts) + sum(map(len, parts)) // _TEXT_WEIGHT
    return len(parts) + sum(len(p) for p in parts if type(p) in _TEXTS) // _TEXT_WEIGHT


def _deep_size(
    value: object, limit: int = DEEP_LIMIT, limits: _Limits | None = None, texts: bool = False
) -> int:
    """How many values ``value`` holds, those of the lists (tuples, dictionaries, views,
    namespaces) inside it counted each time they appear, as C code comparing or printing
    it visits them; with ``texts``, each text weighs one more for every
    :data:`_TEXT_WEIGHT` characters. ``limit + 1`` as soon as it is sure to be more than
    ``limit`` (and for a list inside itself). Each list is walked once (it may appear a
    million times), so the walk costs at most what the value takes in memory, and stops
    past ``limit``. With ``limits``, the sizes of the context's views are remembered."""
    top = _parts(value)
    if top is None:
        return len(value) // _TEXT_WEIGHT if texts and isinstance(value, str | bytes) else 0
    flat = _flat(top, texts)
    if flat is not None:
        return flat if flat <= limit else limit + 1
    known = limits.known[texts] if limits is not None else {}
    sizes: dict[int, int] = {}  # of the lists walked so far, by id (all alive: value holds them)
    walked = len(top)
    # A namespace changes without a method, and a list first met outside a view is not
    # known to be the view's: the views' sizes of a walk meeting either are not kept.
    volatile = False
    parts_of_views = limits.parts if limits is not None else {}
    # Each frame: a list, its parts, the next part to count, its size so far, in a view?
    frames: list[list[Any]] = [[value, top, 0, 0, _is_view(value)]]
    open_ids = {id(value)}
    while frames:
        frame = frames[-1]
        obj, parts, i, size, in_view = frame
        if i == 0 and (flat := _flat(parts, texts)) is not None:
            i, size = len(parts), flat
        descend = None
        while i < len(parts):
            part = parts[i]
            i += 1
            size += 1
            kind = type(part)
            if kind in _LEAVES:
                if texts and kind in _TEXTS:
                    size += len(part) // _TEXT_WEIGHT
                    if size > limit:
                        return limit + 1
                continue
            seen = sizes.get(id(part))
            if seen is not None and in_view and id(part) not in parts_of_views:
                volatile = True
            if seen is None:
                seen = known.get(id(part))
            if seen is None:
                sub = _parts(part)
                if sub is None:
                    continue
                if id(part) in open_ids:
                    return limit + 1  # a list inside itself: a walk without end
                descend = part, sub
                break
            size += seen
            if size > limit:
                return limit + 1
        if descend is not None:
            part, sub = descend
            walked += len(sub)
            if walked > limit:
                return limit + 1
            volatile = volatile or isinstance(part, jinja2.utils.Namespace)
            frame[2], frame[3] = i, size
            frames.append([part, sub, 0, 0, in_view or _is_view(part)])
            open_ids.add(id(part))
            continue
        frames.pop()
        open_ids.discard(id(obj))
        sizes[id(obj)] = size
        if in_view and limits is not None:
            parts_of_views[id(obj)] = obj  # kept alive, so the id stays its own
            if not volatile and _is_view(obj):
                known[id(obj)] = size
        if not frames:
            return size if size <= limit else limit + 1
        frames[-1][3] += size
        if frames[-1][3] > limit:
            return limit + 1
    return 0  # not reached: the first frame returns


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
