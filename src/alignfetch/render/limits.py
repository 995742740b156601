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
them (it is linear in the list). This module holds the limits, the budget and how a
value is measured; :mod:`alignfetch.render.checks` sizes each kind of operation with them.
Plain functions of values that know nothing of a template's environment.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Mapping, MappingView, Sequence
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
