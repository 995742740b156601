"""The sandbox of a list's own template, every hook of it consulting the render's limits.

:class:`_Bounded` is :class:`~alignfetch.render.sandbox._Sandbox` with Jinja's hooks
(operators, calls, slices, ``str.format``, what ``{{ ... }}`` shows, joins of text)
checking each operation with :mod:`alignfetch.render.limits` before it runs and counting
what it made; :class:`_BoundedCode` compiles every loop to step through :class:`_Steps`,
which checks the clock, every ``~`` to a bounded join, every comparison (``==``, ``<``,
``in``...) to one that sizes both sides deep first (:func:`_check_compare`), and every
list, tuple or dictionary written in the template to one counted as made;
:func:`_bounded_filters` and :func:`_bounded_tests` wrap the filters and tests alike.
"""

from __future__ import annotations

import functools
import operator
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sequence, Sized
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.filters
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
import jinja2.utils
import markupsafe

from alignfetch.render.checks import _check_binop, _check_method, _check_spec, _filter_checks
from alignfetch.render.limits import (
    _LEAVES,
    DEEP_LIMIT,
    _container,
    _deep_size,
    _Limits,
    _text_size,
)
from alignfetch.render.sandbox import _Sandbox


class _BoundedFormatter(jinja2.sandbox.SandboxedFormatter):
    """The sandbox's ``str.format``, with each field's width and text checked first."""

    limits: _Limits
    made = 0
    sizes: dict[int, int]

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self.made = len(format_string)
        self.sizes = {}  # ('{0}' * 100000).format(long_list) walks the list once
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_spec(self.limits, format_spec)
        size = self.sizes.get(id(value))
        if size is None:
            size = self.sizes[id(value)] = _text_size(value)
        self.made += size
        self.limits.text(self.made)  # the whole text so far; the call counts it once made
        return super().format_field(value, format_spec)


class _BoundedEscapeFormatter(_BoundedFormatter, jinja2.sandbox.SandboxedEscapeFormatter):
    """The same for ``Markup.format`` (text marked safe)."""


def _bounded_filters(
    filters: Mapping[str, Callable[..., Any]], limits: _Limits
) -> dict[str, Callable[..., Any]]:
    """Every filter checking the clock and counting what it gives; those that go through
    their value's every part (compare, sort, hash or convert it) check its deep size first
    (:meth:`_Limits.walk`), and those whose arguments can make a text or list without bound
    check them too (:func:`_filter_checks`)."""
    checks = _filter_checks(limits)
    out: dict[str, Callable[..., Any]] = {}
    for name, f in filters.items():
        out[name] = _bounded_filter(f, limits, checks.get(name), name)
    out[_STEPS] = lambda value: _Steps(value, limits)
    return out


_SHALLOW = frozenset(
    {"length", "count", "first", "last", "random", "list", "reverse", "default", "d", "attr"}
    | {"batch", "slice", "map", "select", "reject", "selectattr", "rejectattr", "items"}
    | {"abs", "round", "int", "float", "filesizeformat"}
)
"""Filters that go through no part of their value in C (map, select and their kin call
other filters and tests, which check)."""
_KEYED = {"sort": 2, "max": 1, "min": 1, "unique": 1, "groupby": 0, "sum": 0, "join": 1}
"""Filters comparing (or converting) their value's items, or the attribute named by their
argument at this place after the value: what they go through is those."""


def _bounded_filter(
    f: Callable[..., Any], limits: _Limits, check: Callable[..., Any] | None, name: str = ""
) -> Callable[..., Any]:
    # A filter that takes the context or environment first keeps that mark (wraps copies
    # jinja_pass_arg), and its value is its second argument.
    skip = 1 if hasattr(f, "jinja_pass_arg") else 0
    shallow = name in _SHALLOW

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        limits.tick()
        if len(args) > skip and not shallow:
            env = getattr(args[0], "environment", args[0]) if skip else None
            value = _walked(limits, name, env, args[skip], args[skip + 1 :], kwargs)
            args = (*args[:skip], value, *args[skip + 1 :])
        if check is not None and len(args) > skip:
            value = check(*args[skip:], **kwargs)
            args = (*args[:skip], value, *args[skip + 1 :])
        result = f(*args, **kwargs)
        limits.made(result)
        return result

    return bounded


def _walked(
    limits: _Limits,
    name: str,
    env: Any,
    value: Any,
    args: tuple[Any, ...],
    kwargs: Mapping[str, Any],
) -> Any:
    """The filter's value, its deep size (and its arguments') checked as C will go through
    them; an iterator that must be read for it, as a list."""
    # A text is converted in one pass of C: only what holds parts is measured.
    parts = [v for v in (*args, *kwargs.values()) if type(v) not in _LEAVES]
    if name not in _KEYED:
        if type(value) not in _LEAVES:
            parts.append(value)
        if parts:
            limits.walk(parts)
        return value
    if isinstance(value, Iterator):
        value = list(value)
        limits.list(len(value))
    at = _KEYED[name]
    attribute = args[at] if len(args) > at else kwargs.get("attribute")
    measured = value
    if attribute is not None and isinstance(env, jinja2.Environment):
        # items|sort(attribute="date") compares dates, not items: measure those.
        try:
            get = jinja2.filters.make_multi_attrgetter(env, attribute)
            measured = [get(item) for item in value]
        except (jinja2.TemplateError, LookupError, TypeError, ValueError):
            # The filter itself will say what is wrong; measure the items.
            measured = value
    limits.walk([measured, *parts] if parts else measured)
    return value


def _bounded_tests(
    tests: Mapping[str, Callable[..., Any]], limits: _Limits
) -> dict[str, Callable[..., Any]]:
    """Jinja's tests, those that compare (``is eq``, ``is in``, ``select("lt", x)``, ...)
    checking both sides as the operators do."""
    out = dict(tests)
    for name, op in _TEST_OPERATORS.items():
        if name in tests:
            out[name] = _bounded_test(tests[name], op, limits)
    return out


def _bounded_test(test: Callable[..., Any], op: str, limits: _Limits) -> Callable[..., Any]:
    @functools.wraps(test)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        limits.tick()
        if len(args) == 2:
            _check_compare(limits, op, *args)
        return test(*args, **kwargs)

    return bounded


_TEST_OPERATORS = {
    "eq": "eq", "equalto": "eq", "==": "eq", "ne": "ne", "!=": "ne",
    "lt": "lt", "lessthan": "lt", "<": "lt", "le": "lteq", "<=": "lteq",
    "gt": "gt", "greaterthan": "gt", ">": "gt", "ge": "gteq", ">=": "gteq", "in": "in",
}  # fmt: skip
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lteq": operator.le,
    "gt": operator.gt,
    "gteq": operator.ge,
    "in": lambda a, b: a in b,
    "notin": lambda a, b: a not in b,
}


_STEPS = "_alignfetch_steps"
"""The filter every ``{% for %}`` of a bounded template iterates through."""


class _Steps:
    """A loop's iterable, checking the clock at every step: a loop's body may hold no
    call (``{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}...``)."""

    __slots__ = ("limits", "value")

    def __init__(self, value: Any, limits: _Limits) -> None:
        self.value = value
        self.limits = limits

    def __len__(self) -> int:
        return len(self.value)  # a TypeError for an iterator, as loop.length expects

    def __iter__(self) -> Iterator[Any]:
        limits = self.limits
        limits.tick()
        if isinstance(self.value, list | tuple) and len(self.value) <= 64:
            return iter(self.value)  # a short loop: its body's own loops and calls check
        return self._checked(iter(self.value), limits)

    @staticmethod
    def _checked(steps: Iterator[Any], limits: _Limits) -> Iterator[Any]:
        for step in steps:
            limits.tick()
            yield step


def _check_compare(limits: _Limits, operator: str, left: Any, right: Any) -> None:
    """``left <operator> right`` (Jinja's names: ``eq``, ``lt``, ``in``, ``notin``, ...)
    checked before C compares the two part by part. A comparison goes through both sides
    together, so either side's deep size bounds it; ``in`` compares ``left`` with each item
    of ``right`` (a dictionary hashes it: a list cannot be hashed, a tuple is bounded when
    made)."""
    if operator in ("in", "notin"):
        if type(right) in _LEAVES or not isinstance(right, Sized):
            if _container(left):  # each item of an iterator is compared with it
                limits.walk(left)
            return
        if isinstance(right, Mapping | set | frozenset | MappingView):
            return
        size = _deep_size(left, DEEP_LIMIT, limits, texts=True)
        if (size + 1) * len(right) > DEEP_LIMIT:
            limits.walk(right)
        return
    if (
        _container(left)
        and _container(right)
        and _deep_size(left, DEEP_LIMIT, limits, texts=True) > DEEP_LIMIT
    ):
        limits.walk(right)


def _check_walks(limits: _Limits, method: Any, args: tuple[Any, ...]) -> None:
    """A call of a method that compares its arguments part by part, checked as the
    operators are; a method that changes a list or dictionary, told to the limits (a view
    of the context may hold it)."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if name in ("count", "index", "remove") and isinstance(owner, list | tuple) and args:
        _check_compare(limits, "in", args[0], owner)  # compared with each item
    elif name == "sort" and isinstance(owner, list):
        limits.walk(owner)
    elif name == "changed" and isinstance(owner, jinja2.runtime.LoopContext):
        limits.walk(args)  # compared with the last ones
    if name in _CHANGES and isinstance(owner, list | dict):
        limits.changed(owner)


_CHANGES = frozenset(
    {"append", "extend", "insert", "pop", "popitem", "remove", "clear", "sort", "reverse"}
    | {"update", "setdefault"}
)
"""The methods that change a list or dictionary."""


class _BoundedCode(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, with every loop stepping through :class:`_Steps` and every
    joining of text (``~``, a macro's or block's output) through the environment's bounded
    joins."""

    def visit_Template(self, node: jinja2.nodes.Template, frame: Any = None) -> None:
        for loop in node.find_all(jinja2.nodes.For):
            loop.iter = jinja2.nodes.Filter(
                loop.iter, _STEPS, [], [], None, None, lineno=loop.iter.lineno
            )
        super().visit_Template(node, frame)

    @jinja2.compiler.optimizeconst
    def visit_Compare(self, node: jinja2.nodes.Compare, frame: Any) -> None:
        # a == b, a in b: environment.bounded_compare(a, "eq", b); a chain (a < b < c)
        # evaluates each operand at most once, and only as Python would.
        self.write("environment.bounded_compare(")
        self.visit(node.expr, frame)
        for i, operand in enumerate(node.ops):
            self.write(f", {operand.op!r}, ")
            if i:
                self.write("lambda: ")
            self.visit(operand.expr, frame)
        self.write(")")

    def visit_List(self, node: jinja2.nodes.List, frame: Any) -> None:
        self.write("environment.bounded_made(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Dict(self, node: jinja2.nodes.Dict, frame: Any) -> None:
        self.write("environment.bounded_made(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Tuple(self, node: jinja2.nodes.Tuple, frame: Any) -> None:
        if node.ctx != "load":  # {% for a, b in ... %}, {% set a, b = ... %}
            super().visit_Tuple(node, frame)
            return
        self.write("environment.bounded_made(")
        super().visit_Tuple(node, frame)
        self.write(")")

    @jinja2.compiler.optimizeconst
    def visit_Concat(self, node: jinja2.nodes.Concat, frame: Any) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context)")


class _Bounded(_Sandbox):
    """The sandbox of a list's own template: every hook consults the render's limits."""

    intercepted_binops = frozenset({"*", "%", "+", "**"})
    code_generator_class = _BoundedCode

    def __init__(self, limits: _Limits, **options: Any) -> None:
        super().__init__(**options)
        self.limits = limits
        self.finalize = self._finalize
        self.concat = self._concat  # type: ignore[method-assign]
        self.tests = _bounded_tests(self.tests, limits)  # type: ignore[arg-type,assignment]

    def bounded_compare(self, left: Any, *rest: Any) -> Any:
        """``left op right [op2 right2 ...]`` (each further operand a function giving it),
        each pair checked before C compares it."""
        for at in range(0, len(rest), 2):
            op, right = rest[at], rest[at + 1]
            if at:
                right = right()
            _check_compare(self.limits, op, left, right)
            result = _COMPARE[op](left, right)
            if not result or at + 2 == len(rest):
                return result
            left = right
        return True  # not reached: a comparison has an operator

    def bounded_made(self, value: Any) -> Any:
        """A list, tuple or dictionary written in the template, counted as made: a literal
        holding the same long list ten times, ten times over, would be deep too."""
        self.limits.made(value)
        return value

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        self.limits.tick()
        _check_binop(self.limits, operator, left, right)
        result = super().call_binop(context, operator, left, right)
        self.limits.made(result)
        return result

    def call(self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        self.limits.tick()
        _check_walks(self.limits, obj, args)
        args = _check_method(self.limits, obj, args)
        if obj is jinja2.utils.generate_lorem_ipsum:  # lipsum(n, html, min, max): n * max words
            n = args[0] if args else kwargs.get("n", 5)
            most = args[3] if len(args) > 3 else kwargs.get("max", 100)
            if isinstance(n, int) and isinstance(most, int):
                self.limits.list(max(n, 0) * max(most, 0))
        result = super().call(context, obj, *args, **kwargs)
        self.limits.made(result)
        return result

    def getitem(self, obj: Any, argument: Any) -> Any:
        result = super().getitem(obj, argument)
        if type(argument) is slice:
            self.limits.made(result)
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if (
            not isinstance(value, types.MethodType | types.BuiltinMethodType)
            or value.__name__ not in ("format", "format_map")
            or not isinstance(value.__self__, str)
        ):
            return None
        # Jinja's wrapper, rebuilt around the bounded formatter.
        f_self: str = value.__self__
        formatter: _BoundedFormatter
        if isinstance(f_self, markupsafe.Markup):
            formatter = _BoundedEscapeFormatter(self, escape=f_self.escape)
        else:
            formatter = _BoundedFormatter(self)
        formatter.limits = self.limits
        is_map = value.__name__ == "format_map"

        def bounded(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one argument")
                return type(f_self)(formatter.vformat(f_self, (), args[0]))
            return type(f_self)(formatter.vformat(f_self, args, kwargs))

        return functools.update_wrapper(bounded, value)

    def _finalize(self, value: Any) -> Any:
        # What {{ ... }} shows becomes str(value): a list's text is sized before it is made.
        if type(value) is not str and isinstance(value, Mapping | list | tuple | set):
            self.limits.converted(value)
        return value

    def _concat(self, parts: Iterable[str]) -> str:
        # A macro's, call block's or {% set %} block's output, joined.
        parts = list(parts)
        size = sum(map(len, parts))
        self.limits.text(size)
        self.limits.count(chars=size)
        return "".join(parts)

    def bounded_join(self, values: tuple[Any, ...], context: jinja2.runtime.Context) -> str:
        """``~``: each value's text sized before it is made (escaping: 6 times longer at most)."""
        size = sum(_text_size(v) for v in values)
        if context.eval_ctx.autoescape:
            size *= 6
        self.limits.text(size)
        self.limits.count(chars=size)
        if context.eval_ctx.autoescape:
            return jinja2.runtime.markup_join(values)
        return jinja2.runtime.str_join(values)
