"""The README renderer's entry points: an export document in, Markdown out.

This module owns what the rest of alignfetch calls: :func:`render` (the document
through the default template, ``templates/awesome.md.j2``, or the list's own),
:func:`read_template` and :func:`default_template` (splicing the text into a README
and the diff of ``render --check`` are :mod:`alignfetch.render.output`'s). It builds the
Jinja2 environment a render runs in (the sandbox of :mod:`alignfetch.render.sandbox`, bounded by
:mod:`alignfetch.render.bounded` for a template of the list's own) over the context of
:mod:`alignfetch.render.context`, and turns every way a template can fail into one
sentence. What a template sees and may do is documented in :mod:`alignfetch.render`;
the limits (:data:`TIME_LIMIT`, ...) and the document's constants (:data:`SCHEMA_VERSION`,
:data:`KINDS`, :data:`ORDERS`) can be imported from here as well as from their modules.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from alignfetch.errors import AlignfetchError, InputError
from alignfetch.list.export import no_cycle_collection
from alignfetch.readme.text import (
    abstract,
    anchor,
    card,
    code,
    heading,
    human_date,
    md,
    url,
    urlpath,
)
from alignfetch.render.bounded import _Bounded, _bounded_filters
from alignfetch.render.context import KINDS as KINDS
from alignfetch.render.context import ORDERS as ORDERS
from alignfetch.render.context import SCHEMA_VERSION as SCHEMA_VERSION
from alignfetch.render.context import ItemView, SectionView, TocLine, _clause, _clean, _context
from alignfetch.render.limits import DEEP_LIMIT as DEEP_LIMIT
from alignfetch.render.limits import INT_BITS as INT_BITS
from alignfetch.render.limits import ITEM_LIMIT as ITEM_LIMIT
from alignfetch.render.limits import ITEMS_MADE_LIMIT as ITEMS_MADE_LIMIT
from alignfetch.render.limits import MADE_LIMIT as MADE_LIMIT
from alignfetch.render.limits import TEXT_LIMIT, TIME_LIMIT, _Exceeded, _Limits
from alignfetch.render.said import arrange, fill
from alignfetch.render.sandbox import _FolderLoader, _Outside, _Sandbox, _Unreadable

__all__ = [
    "ItemView",
    "SectionView",
    "TocLine",
    "abstract",
    "anchor",
    "card",
    "code",
    "default_template",
    "heading",
    "human_date",
    "md",
    "read_template",
    "render",
    "url",
    "urlpath",
]

DEFAULT_TEMPLATE = "awesome.md.j2"
_TEMPLATE_FILE = "<template>"
"""The file name Jinja gives a template compiled from a string, in tracebacks."""

# -- public API ----------------------------------------------------------------------


def render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
    seen: dict[str, str | None] | None = None,
) -> str:
    """The README text for an export document.

    ``template`` is the text of a Jinja2 template; None means the packaged
    default. ``name`` is what errors call it (its path, say); ``folder`` is
    where its includes and imports may come from (besides alignfetch's own
    templates); ``seen`` gets the path of every file looked for there with its digest.
    Raises :class:`InputError` when the document is not a schema 1
    export or the template cannot be rendered.
    """
    with no_cycle_collection():
        return _render(doc, template, name=name, folder=folder, seen=seen)


def _render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
    seen: dict[str, str | None] | None = None,
) -> str:
    what = f"template {name}" if name else "template"
    if template is None:
        what = "default template"
    source = default_template() if template is None else template
    # A template may show an abstract or card twice (a test, then the text), and link
    # names, venues, authors and dates recur from entry to entry: each text is escaped
    # once per render.
    filters = {name: _once(f) for name, f in FILTERS.items()}
    try:
        # An export read from a file (render --from) may hold what no fetch would have
        # stored: terminal escapes and bidi overrides go before a template sees any text.
        doc = _clean(doc)
    except RecursionError:
        raise InputError(
            "The export is nested too deeply to be an alignfetch export; "
            "write it again with `alignfetch export`."
        ) from None
    try:
        context = _context(doc, filters["card"], filters["human_date"])
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"The export is not well formed ({type(err).__name__}: {_clause(str(err))}); "
            "write it again with `alignfetch export`."
        ) from None
    # alignfetch's own template is linear in the list; any other is bounded (see _Limits).
    limits = None if template is None else _Limits(TIME_LIMIT)
    env = _environment(folder, filters, limits, seen)
    try:
        compiled = env.from_string(source)
    except jinja2.TemplateSyntaxError as err:
        raise InputError(
            f"The {what} has a syntax error at line {err.lineno}: {_clause(err.message)}."
        ) from None
    try:
        # The pieces, joined once: the page is long and Template.render's text would be
        # copied again to end it with exactly one newline.
        pieces = _generate(compiled, context, limits)
    except _Exceeded as err:
        raise AlignfetchError(
            f"The {what} went past a limit of a render{_where(err)}: {err.reason}; "
            "a list's page never needs as much, so make the template do less."
        ) from None
    except MemoryError:
        raise AlignfetchError(
            f"The {what} needed more memory than this machine has; make the template do less."
        ) from None
    except jinja2.exceptions.SecurityError as err:
        raise InputError(
            f"The {what} tried something templates may not do{_where(err)} "
            f"({_clause(str(err))}); use only the variables and filters alignfetch documents."
        ) from None
    except jinja2.UndefinedError as err:
        raise InputError(
            f"The {what} uses an undefined value{_where(err)}: {_clause(err.message)}."
        ) from None
    except jinja2.TemplateSyntaxError as err:
        raise InputError(
            f"The {what} includes {err.name or 'a template'}, which has a syntax error at "
            f"line {err.lineno}: {_clause(err.message)}."
        ) from None
    except jinja2.TemplateNotFound as err:
        where = f"in {_shown(folder)} or " if folder is not None else ""
        raise InputError(
            f"The {what} includes {err.name!r}, which is not a template {where}among "
            "alignfetch's own; fix the name."
        ) from None
    except _Outside as err:
        raise InputError(
            f"The {what} includes {err.name!r}, which lies outside {_shown(folder)}; "
            "a template may include only templates inside that folder."
        ) from None
    except _Unreadable as err:
        raise InputError(f"The {what} includes {err.name!r}, but {err.reason}.") from None
    except RecursionError:
        raise InputError(
            f"The {what} recurses without end (does it include itself?); break the loop."
        ) from None
    except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as err:
        # A template is a maintainer's program: its mistakes are input, not crashes.
        raise InputError(f"The {what} failed{_where(err)}: {_clause(str(err))}.") from None
    while pieces and not pieces[-1].strip("\n"):
        pieces.pop()
    if pieces:
        pieces[-1] = pieces[-1].rstrip("\n")
    pieces.append("\n")
    return "".join(pieces)


def read_template(path: Path, *, inside: Path | None = None) -> str:
    """The text of the template file ``path``; with ``inside``, only if the file lies
    inside that folder once every symbolic link is resolved (a template named in
    entries.toml, which a pull request can edit, may read nothing else)."""
    if inside is not None:
        root = inside.resolve()
        where = path if path.is_absolute() else inside / path
        if path.is_absolute() or not where.resolve().is_relative_to(root):
            raise InputError(
                f"The template {path} lies outside the list's folder; put it inside "
                "that folder and name it relative to entries.toml."
            )
        path = where
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"The template {path} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as err:
        raise InputError(
            f"The template {path} could not be read ({err.strerror or err}); fix the path."
        ) from None


def default_template() -> str:
    """The text of the packaged default template."""
    return (
        resources.files("alignfetch.render")
        .joinpath("templates", DEFAULT_TEMPLATE)
        .read_text(encoding="utf-8")
    )


FILTERS: dict[str, Callable[..., Any]] = {
    "md": md,
    "heading": heading,
    "code": code,
    "url": url,
    "urlpath": urlpath,
    "abstract": abstract,
    "card": card,
    "human_date": human_date,
    "fill": fill,
    "arrange": arrange,
}


# -- the environment of a render --------------------------------------------------------


def _once(filter_: Callable[..., Any]) -> Callable[..., Any]:
    """``filter_`` remembering what it gave for each text: a filter is a pure function
    of its value, and only a ``str`` is remembered (``None`` and ``"None"``, say, may
    give different results). What raises is not remembered, so it raises each time."""
    seen: dict[str, Any] = {}

    def remembered(value: object, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or type(value) is not str:
            # Extra arguments go to the filter, whose own error then names it.
            return filter_(value, *args, **kwargs)
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = filter_(value)
            return result

    return remembered


def _environment(
    folder: Path | None = None,
    filters: Mapping[str, Callable[..., Any]] = FILTERS,
    limits: _Limits | None = None,
    seen: dict[str, str | None] | None = None,
) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [] if folder is None else [_FolderLoader(folder, seen)]
    loaders.append(jinja2.PackageLoader("alignfetch.render", "templates"))
    options: dict[str, Any] = {
        "autoescape": False,  # the output is Markdown; the filters escape for each place
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "loader": jinja2.ChoiceLoader(loaders),
    }
    if limits is None:
        env = _Sandbox(**options)
        env.filters.update(filters)
        return env
    env = _Bounded(limits, **options)
    env.filters.update(filters)
    env.filters = _bounded_filters(env.filters, limits)
    return env


def _generate(
    compiled: jinja2.Template, context: Mapping[str, Any], limits: _Limits | None
) -> list[str]:
    """The template's pieces of text, at most :data:`TEXT_LIMIT` characters in all."""
    pieces: list[str] = []
    size = 0
    for piece in compiled.generate(context):
        size += len(piece)
        if size > TEXT_LIMIT:
            raise _Exceeded(f"its page grew past {TEXT_LIMIT:,} characters")
        if limits is not None:
            limits.tick()
        pieces.append(piece)
    return pieces


def _shown(folder: Path | None) -> str:
    return str(folder.resolve()) if folder is not None else "alignfetch's templates"


def _where(err: BaseException) -> str:
    """`` at line N`` for the deepest template line in the error's traceback."""
    tb = traceback.extract_tb(err.__traceback__)
    lines = [f.lineno for f in tb if f.filename == _TEMPLATE_FILE]
    return f" at line {lines[-1]}" if lines and lines[-1] else ""
