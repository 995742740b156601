"""The sandbox of a list's own template, every hook of it consulting the render's limits.

:class:`_Bounded` is :class:`~alignfetch.render.sandbox._Sandbox` with Jinja's hooks
(operators, calls, slices, ``str.format``, what ``{{ ... }}`` shows, joins of text)
checking each operation with :mod:`alignfetch.render.limits` before it runs and counting
what it made; :class:`_BoundedCode` compiles every loop to step through :class:`_Steps`,
which checks the clock, and every ``~`` to a bounded join; :func:`_bounded_filters` wraps
the filters alike.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
import jinja2.utils
import markupsafe

from alignfetch.render.limits import (
    _check_binop,
    _check_method,
    _check_spec,
    _filter_checks,
    _Limits,
    _text_size,
)
from alignfetch.render.sandbox import _Sandbox


class _BoundedFormatter(jinja2.sandbox.SandboxedFormatter):
    """The sandbox's ``str.format``, with each field's width and text checked first."""

    limits: _Limits
    made = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self.made = len(format_string)
        return super().vformat(format_string, args, kwargs)

    def format_field(self, value: Any, format_spec: str) -> Any:
        _check_spec(self.limits, format_spec)
        self.made += _text_size(value)
        self.limits.text(self.made)  # the whole text so far; the call counts it once made
        return super().format_field(value, format_spec)


class _BoundedEscapeFormatter(_BoundedFormatter, jinja2.sandbox.SandboxedEscapeFormatter):
    """The same for ``Markup.format`` (text marked safe)."""


def _bounded_filters(
    filters: Mapping[str, Callable[..., Any]], limits: _Limits
) -> dict[str, Callable[..., Any]]:
    """Every filter counting what it gives; those whose arguments can make a text or list
    without bound check them first (:func:`_filter_checks`)."""
    checks = _filter_checks(limits)
    out: dict[str, Callable[..., Any]] = {}
    for name, f in filters.items():
        out[name] = _bounded_filter(f, limits, checks.get(name))
    out[_STEPS] = lambda value: _Steps(value, limits)
    return out


def _bounded_filter(
    f: Callable[..., Any], limits: _Limits, check: Callable[..., Any] | None
) -> Callable[..., Any]:
    # A filter that takes the context or environment first keeps that mark (wraps copies
    # jinja_pass_arg), and its value is its second argument.
    skip = 1 if hasattr(f, "jinja_pass_arg") else 0

    @functools.wraps(f)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        if check is not None and len(args) > skip:
            value = check(*args[skip:], **kwargs)
            args = (*args[:skip], value, *args[skip + 1 :])
        result = f(*args, **kwargs)
        limits.made(result)
        return result

    return bounded


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

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        self.limits.tick()
        _check_binop(self.limits, operator, left, right)
        result = super().call_binop(context, operator, left, right)
        self.limits.made(result)
        return result

    def call(
        self, context: jinja2.runtime.Context, obj: Any, /, *args: Any, **kwargs: Any
    ) -> Any:
        self.limits.tick()
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
