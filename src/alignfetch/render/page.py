"""The README renderer: an export document (schema_version 1) in, Markdown out.

This module owns the list's Markdown: the Jinja2 environment and its filters,
the default template (``templates/awesome.md.j2``, the house style of
Awesome-LLM-Alignment), GitHub's heading anchors, splicing the generated text
between markers of an existing README, and the diff that ``render --check``
prints. Its only input is the document :mod:`alignfetch.export` builds; it
never looks at the cache or at upstream payloads.

Upstream text is data, not markup. Every filter that puts text into Markdown
escapes it for the place it goes, so that a title, abstract or dataset card
cannot open a tag, close the ``<details>`` block, start a heading or swallow
the rest of the page in a code fence.

Writing your own template
-------------------------
``render(doc, template=text)`` renders ``text`` with the same variables and
filters as the default template. Undefined names are errors (StrictUndefined).
A template is data, not code: it runs in Jinja's sandbox (no attributes that
start with ``_``, no reaching Python's internals), and ``{% include %}`` and
``{% import %}`` find only templates inside ``folder`` (the list's folder,
symbolic links resolved) and alignfetch's own (``awesome.md.j2``).
:func:`read_template` reads a template named in entries.toml, which must lie
inside the list's folder.
A template of the list's own (not alignfetch's) is bounded too: it may run for
:data:`TIME_LIMIT` seconds, make no text longer than :data:`TEXT_LIMIT` characters (the
page included) and no list longer than :data:`ITEM_LIMIT` items, ask for no wider padding
or precision, and compute no number above :data:`INT_BITS` bits; past a limit the render
stops with one sentence (exit 1) and writes nothing.
Every text of the document loses its control characters (but newlines and tabs) and
bidi overrides before a template sees it, whoever wrote the export.
Autoescaping is off (the output is Markdown; escape with the filters below, which live in
:mod:`alignfetch.markdown_text`),
and block tags take their own line with them: the newline after a ``{% ... %}``
tag is dropped (``trim_blocks``), and so are spaces and tabs before it on its
line (``lstrip_blocks``).

Variables:

``doc``
    The export document as given.
``list``
    ``doc["list"]``: the ``[list]`` table of entries.toml (``list.title``, ...).
``toc``
    The table of contents, in page order: one :class:`TocLine` (``title``,
    ``anchor``, ``depth``) for the list's title (depth 0), then one per section
    (depth 1 for a top-level section, 2 for its children, ...).
``title_anchor``
    The anchor of the page's title heading (also ``toc[0].anchor``).
``sections``
    The top-level sections that hold an entry, themselves or under them (an empty
    section has no heading, no line in the contents and no anchor; ``doc.sections``
    still lists it), each a :class:`SectionView`: ``slug``, ``title``,
    ``parent``, ``depth`` (1 for top level), ``level`` (its heading level: 2
    for ``##``, at most 6), ``anchor``, ``items`` (its entries, in the list's
    order) and ``children`` (its sub-sections). Walk them with
    ``{% for s in sections recursive %}...{{ loop(s.children) }}{% endfor %}``.
``all_sections``
    Every section as a :class:`SectionView`, in page order: each followed by its
    sub-sections (the walk above without the recursion: a recursive loop builds
    its whole text before it gives any, so the default template uses this one).
``items``
    Every entry of the document as an :class:`ItemView`, in the list's order.

Each :class:`ItemView` has ``entry`` (the exported entry, unchanged: use
``item.entry.title``, ``item.entry.abstract``, ...), ``kind`` (``paper``,
``dataset``, ``repo``, ``model``, ``space`` or ``collection``) and what the
house style derives from it:
``date`` (the ISO date shown, by the one rule of
:func:`alignfetch.export.display_date`: the entry's date override, else a
paper's ``published``, a dataset's first paper's ``published``, else the
dataset's creation day, a model's creation day; a repository, Space or
collection shows none, so only its override counts), ``venue``
(the venue override, else a paper's journal reference, else ``arXiv YEAR`` for
a paper or a dataset's paper), ``links`` (the ``(name, url)`` pairs to show,
``Paper`` first, then ``DOI`` when the paper has one; a model links each of
its papers, ``Paper`` or ``Paper 1``, ``Paper 2``, ...), ``paper`` (a dataset's
first linked paper, or None) and ``facts`` (short phrases about a Hub model,
Space or collection: its task, size, licence and gating; its SDK and, when it
does not work, its running state; its number of items), and ``summary`` (a dataset's
or model's card summary as shown: without an opening sentence or paragraph that the
entry's description repeats, None when nothing else is left). A model's date is its
creation day, a Space's or collection's only the override (see display_date).

Filters, by where the text goes:

``md``
    Inline Markdown text (headings, ``**bold**``, ``*italic*``, link text):
    whitespace collapsed, Markdown punctuation and ``< > &`` backslash-escaped.
``heading``
    A heading's text: kept as written, escaping only what Markdown would
    misread there (``\\ ` * _ [ ] ~ |``, ``&`` before an entity name, ``<``
    before a tag, a closing run of ``#``).
``code``
    A whole code span, backticks included: ``{{ title|code }}`` gives
    ``\\`title\\``` (a longer fence when the text holds backticks).
``url``
    A link target: must be http(s); spaces, quotes, brackets and parentheses
    are percent-encoded. ``urlpath`` percent-encodes a path such as
    ``owner/name``.
``abstract``
    Text inside an HTML block such as ``<details>``: ``& < >`` become
    entities and blank lines are dropped (a blank line would end the block).
``card``
    Markdown kept (a dataset card's summary) but made safe: ``<`` outside
    code fences becomes ``&lt;``, headings are turned into text (they would
    shift GitHub's anchors), and a fence left open is closed.
``human_date``
    ``2023-05-03`` -> ``3 May 2023``, in English whatever the locale.

The generated text ends with exactly one newline, and the same document gives
the same bytes.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import time
import traceback
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import jinja2.compiler
import jinja2.nodes
import jinja2.runtime
import jinja2.sandbox
import jinja2.utils
import markupsafe

from alignfetch.errors import AlignfetchError, InputError
from alignfetch.files import MAX_READ
from alignfetch.list.export import display_date, no_cycle_collection
from alignfetch.readme.text import (
    _SPACE,
    _plain,
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
from alignfetch.records import SPACE_UP, strip_controls

__all__ = [
    "END_MARKER",
    "START_MARKER",
    "ItemView",
    "SectionView",
    "TocLine",
    "abstract",
    "anchor",
    "card",
    "code",
    "default_template",
    "diff",
    "heading",
    "human_date",
    "md",
    "read_template",
    "render",
    "splice",
    "url",
    "urlpath",
]

SCHEMA_VERSION = 1
START_MARKER = "<!-- alignfetch:start -->"
END_MARKER = "<!-- alignfetch:end -->"
DEFAULT_TEMPLATE = "awesome.md.j2"
KINDS = ("paper", "dataset", "repo", "model", "space", "collection", "link")
ORDERS = ("file", "newest")
_TEMPLATE_FILE = "<template>"
"""The file name Jinja gives a template compiled from a string, in tracebacks."""

# -- the variables a template sees -----------------------------------------------------


@dataclass(frozen=True)
class TocLine:
    title: str
    anchor: str
    depth: int


@dataclass(frozen=True)
class ItemView:
    entry: Mapping[str, Any]
    kind: str
    date: str | None
    venue: str | None
    links: tuple[tuple[str, str], ...]
    paper: Mapping[str, Any] | None
    facts: tuple[str, ...] = ()
    summary: str | None = None


@dataclass
class SectionView:
    slug: str
    title: str
    parent: str | None
    depth: int
    level: int
    anchor: str = ""
    items: list[ItemView] = field(default_factory=list)
    children: list[SectionView] = field(default_factory=list)


# -- public API ----------------------------------------------------------------------


def render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
) -> str:
    """The README text for an export document.

    ``template`` is the text of a Jinja2 template; None means the packaged
    default. ``name`` is what errors call it (its path, say); ``folder`` is
    where its includes and imports may come from (besides alignfetch's own
    templates). Raises :class:`InputError` when the document is not a schema 1
    export or the template cannot be rendered.
    """
    with no_cycle_collection():
        return _render(doc, template, name=name, folder=folder)


def _render(
    doc: Mapping[str, Any],
    template: str | None = None,
    *,
    name: str | None = None,
    folder: Path | None = None,
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
    env = _environment(folder, filters, limits)
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
            f"The {what} needed more memory than this machine has; "
            "make the template do less."
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


def splice(existing: str, generated: str) -> str:
    """``existing`` with the text between its alignfetch markers replaced by ``generated``.

    Everything outside the markers, and the markers, stay as they are. Without
    markers the result is ``generated`` alone.
    """
    starts, ends = existing.count(START_MARKER), existing.count(END_MARKER)
    if starts == 0 and ends == 0:
        return generated
    if START_MARKER in generated or END_MARKER in generated:
        raise InputError(
            "The generated text contains an alignfetch marker itself, so it cannot be spliced."
        )
    if starts != 1 or ends != 1:
        raise InputError(
            f"The file must hold exactly one {START_MARKER} and one {END_MARKER} "
            f"(found {starts} and {ends})."
        )
    head_end = existing.index(START_MARKER) + len(START_MARKER)
    tail_start = existing.index(END_MARKER)
    if tail_start < head_end:
        raise InputError(f"The file has {END_MARKER} before {START_MARKER}; swap them.")
    return existing[:head_end] + "\n" + generated.strip("\n") + "\n" + existing[tail_start:]


def diff(old: str, new: str, path: str) -> str:
    """A unified diff from ``old`` (the file at ``path``) to ``new``; empty when equal."""
    lines = difflib.unified_diff(
        _lines(old),
        _lines(new),
        fromfile=f"{path} (current)",
        tofile=f"{path} (rendered)",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


FILTERS = {
    "md": md,
    "heading": heading,
    "code": code,
    "url": url,
    "urlpath": urlpath,
    "abstract": abstract,
    "card": card,
    "human_date": human_date,
}


# -- building the context -------------------------------------------------------------


def _once(filter_: Callable[[object], str]) -> Callable[[object], str]:
    """``filter_`` remembering what it gave for each text: a filter is a pure function
    of its value, and only a ``str`` is remembered (``None`` and ``"None"``, say, may
    give different results). What raises is not remembered, so it raises each time."""
    seen: dict[str, str] = {}

    def remembered(value: object, *args: Any, **kwargs: Any) -> str:
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
    filters: Mapping[str, Callable[[object], str]] = FILTERS,
    limits: _Limits | None = None,
) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [] if folder is None else [_FolderLoader(folder)]
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


class _Sandbox(jinja2.sandbox.SandboxedEnvironment):
    """Jinja's sandbox, with a short way to what a template reads most: the values of an
    exported entry (a dict) and the fields of the views above and of a loop. The answers are the
    sandbox's own; only the detour is skipped (for a dict, a failed attribute lookup
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

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        root = self.folder.resolve()
        path = (root / template).resolve()
        if Path(template).is_absolute() or not path.is_relative_to(root):
            raise _Outside(template)
        if not path.is_file():
            raise jinja2.TemplateNotFound(template)
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise _Unreadable(template, err) from None
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


# -- the bounds of a render -------------------------------------------------------------
#
# A template named in entries.toml comes with the list (a pull request can change it), and
# the sandbox keeps it from Python but not from work without end: nested ranges, a
# ``'%2000000000d'|format(1)``, ``'a' * 3000000000``. A thread cannot be stopped from
# outside, so a render of such a template carries a _Limits that every hook below consults:
# loops and calls check the clock, and whatever makes a text or a list checks its size
# first when it can grow without bound (repetition, widths, padding, joins), and counts
# what it made. alignfetch's own template runs without them (it is linear in the list).

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
_NODE_LIMIT = ITEM_LIMIT
"""Values a text conversion may walk (``{{ items }}`` of a list of lists of lists...)."""


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


_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d*))?"
    r"[hlL]?(?P<conversion>[a-zA-Z%])"
)


def _check_percent(limits: _Limits, template: str, values: object) -> None:
    """``template % values`` (the ``%`` operator, the ``format`` filter) checked before it
    is made: each width and precision, ``*`` ones too, and the text it would give."""
    args = values if isinstance(values, tuple) else (values,)
    size, at = len(template), 0
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
        size += _text_size(value)
    limits.text(size)


_DIGITS = re.compile(r"\d+")


def _check_spec(limits: _Limits, spec: str) -> None:
    """Every number in a ``str.format`` spec (``{:>2000000000}``) as a width."""
    for digits in _DIGITS.findall(spec):
        limits.width(int(digits) if len(digits) < 12 else TEXT_LIMIT + 1)


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


def _check_binop(limits: _Limits, operator: str, left: Any, right: Any) -> None:
    """``left <operator> right`` checked before it is computed."""
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            if isinstance(n, int) and isinstance(seq, str | bytes | list | tuple) and n > 0:
                if isinstance(seq, str | bytes):
                    limits.text(len(seq) * n)
                else:
                    limits.list(len(seq) * n)
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
        limits.text(sum(_text_size(i) for i in items) + len(sep) * max(len(items) - 1, 0))
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
        total = sum(_text_size(i) for i in items)
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



def _clean(value: Any) -> Any:
    """``value`` with every text in it (keys too, at any depth) free of control characters
    and bidi overrides; newlines and tabs stay (an abstract's, a card's, a template's own
    multi-line ``[list]`` text), and the filters place them. What is clean already is
    given back as it is, not copied."""
    return _cleaned(value) if _unclean(value) else value


def _unclean(value: Any) -> bool:
    """Whether any text in ``value`` needs cleaning (a walk without copies: most exports
    are clean, and a long one holds a million texts)."""
    search = _UNCLEAN.search
    stack = [value]
    while stack:
        v = stack.pop()
        kind = type(v)
        if kind is dict:
            for k, x in v.items():
                if type(k) is not str or search(k):
                    return True
                if type(x) is str:
                    if search(x):
                        return True
                elif x is not None and type(x) is not int and type(x) is not bool:
                    stack.append(x)
        elif kind is list:
            stack.extend(v)
        elif kind is str:
            if search(v):
                return True
        elif kind is not int and kind is not float and kind is not bool and v is not None:
            return True  # anything else (a subclass, a view): the careful walk decides
    return False


def _cleaned(value: Any) -> Any:
    if type(value) is str:
        return strip_controls(value, multiline=True) if _UNCLEAN.search(value) else value
    if isinstance(value, Mapping):
        pairs = [(_cleaned(k), _cleaned(v)) for k, v in value.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    if isinstance(value, list):
        items = [_cleaned(v) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if isinstance(value, str):
        return _cleaned(str(value))
    return value


_UNCLEAN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""What :func:`alignfetch.records.strip_controls` takes out of multi-line text (and ``\r``)."""

def _context(
    doc: Mapping[str, Any],
    card_filter: Callable[[object], str] = card,
    date_filter: Callable[[object], str] = human_date,
) -> dict[str, Any]:
    if not isinstance(doc, Mapping) or doc.get("schema_version") != SCHEMA_VERSION:
        version = doc.get("schema_version") if isinstance(doc, Mapping) else None
        raise InputError(
            f"The export document has schema_version {version!r}; "
            f"this alignfetch renders version {SCHEMA_VERSION}."
        )
    meta = _mapping(doc.get("list"), "list")
    order = meta.get("order", "file")
    if order not in ORDERS:
        raise InputError(f"The list's order must be 'file' or 'newest', not {order!r}.")
    views: dict[str, SectionView] = {}
    top: list[SectionView] = []
    for raw in _sequence(doc.get("sections"), "sections"):
        s = _mapping(raw, "a section")
        slug, parent = s.get("slug"), s.get("parent")
        if slug in views:
            raise InputError(f"The export document defines section {slug!r} twice.")
        if parent is not None and parent not in views:
            raise InputError(
                f"Section {slug!r} names parent {parent!r}, which is not a section above it."
            )
        depth = 1 if parent is None else views[parent].depth + 1
        view = SectionView(
            slug=str(slug),
            title=str(s.get("title", "")),
            parent=parent,
            depth=depth,
            level=min(depth + 1, 6),
        )
        views[view.slug] = view
        (top if parent is None else views[parent].children).append(view)
    items = []
    for raw in _sequence(doc.get("entries"), "entries"):
        e = _mapping(raw, "an entry")
        if e.get("kind") not in KINDS:
            raise InputError(
                f"Entry {e.get('id')!r} has kind {e.get('kind')!r}, not one of {', '.join(KINDS)}."
            )
        if e.get("section") not in views:
            raise InputError(
                f"Entry {e.get('id')!r} names section {e.get('section')!r}, "
                "which the export document does not define."
            )
        try:
            item = _item(e, card_filter, date_filter)
        except (AttributeError, KeyError, TypeError, ValueError) as err:
            if isinstance(err, InputError):
                raise
            raise InputError(
                f"Entry {e.get('id')!r} is not well formed ({type(err).__name__}: "
                f"{_clause(str(err))}); write the export again with `alignfetch export`."
            ) from None
        items.append(item)
        views[e["section"]].items.append(item)
    if order == "newest":
        for view in views.values():
            # Stable, so equal dates keep the file's order; undated entries go last.
            view.items.sort(key=lambda i: i.date or "", reverse=True)
    seen: dict[str, int] = {}
    # The title heading's text ends with the space before its badge.
    title = str(meta.get("title", ""))
    toc = [TocLine(title, anchor(_plain(title) + " ", seen), 0)]
    # A section with no entry in it or under it would be a heading over nothing: it is
    # left out of the page, and so of the table of contents and of the anchors' count.
    top = _holding(top)
    every = _walk(top)
    for view in every:
        view.anchor = anchor(_plain(view.title), seen)
        toc.append(TocLine(view.title, view.anchor, view.depth))
    return {
        "doc": doc,
        "list": meta,
        "toc": toc,
        "title_anchor": toc[0].anchor,
        "sections": top,
        "all_sections": every,
        "items": items,
    }


def _item(
    e: Mapping[str, Any],
    card_filter: Callable[[object], str] = card,
    date_filter: Callable[[object], str] = human_date,
) -> ItemView:
    """The entry as the house style shows it. A link alignfetch fetched that is not
    http(s) (an old cache's) is left out; the entry's own page or a maintainer's link
    that is not is refused, naming the entry."""
    kind = e["kind"]
    links = list((e.get("links") or {}).items())
    for what, target in [("page", e.get("url")), *((f"link {n!r}", u) for n, u in links)]:
        if not _is_http(target):
            raise InputError(
                f"Entry {e.get('id')!r} has the {what} {target!r}, which is not an http(s) "
                "URL; fix it and render again."
            )
    if e.get("summary"):
        try:
            card_filter(e["summary"])
        except InputError as err:
            raise InputError(f"Entry {e.get('id')!r}: {err}") from None
    paper: Mapping[str, Any] | None = None
    venue = e.get("venue")
    shown = display_date(e)
    if kind == "paper":
        # A journal reference means the preprint was published: that is its venue now.
        if not venue and e.get("journal_ref"):
            venue = str(e["journal_ref"])
        if not venue and e.get("published"):
            venue = f"arXiv {str(e['published'])[:4]}"
        names = {name for name, _ in links}
        links.insert(0, ("Paper", e.get("url")))
        if e.get("doi") and "DOI" not in names:
            links.insert(1, ("DOI", f"https://doi.org/{e['doi']}"))
        if _is_http(e.get("code_url")) and "Github" not in names:
            links.append(("Github", e["code_url"]))
        hf_paper = e.get("hf_paper")
        if hf_paper and _is_http(hf_paper.get("url")) and "HuggingFace" not in names:
            links.append(("HuggingFace", hf_paper["url"]))
    elif kind == "dataset":
        papers = e.get("papers") or []
        paper = papers[0] if papers else None
        published = paper.get("published") if paper else None
        if paper:
            if not venue:
                venue = f"arXiv {str(published)[:4]}" if published else "arXiv"
            key = str(paper.get("id", "")).removeprefix("arxiv:")
            target = paper.get("url")
            if "Paper" not in {name for name, _ in links}:  # the maintainer's link wins
                links.insert(
                    0, ("Paper", target if _is_http(target) else f"https://arxiv.org/abs/{key}")
                )
    elif kind == "model":
        papers = e.get("papers") or []
        for i, p in enumerate(papers):
            key = str(p.get("id", "")).removeprefix("arxiv:")
            name = "Paper" if len(papers) == 1 else f"Paper {i + 1}"
            target = p.get("url")
            links.insert(i, (name, target if _is_http(target) else f"https://arxiv.org/abs/{key}"))
    if shown:
        try:
            date_filter(shown)
        except ValueError:
            raise InputError(
                f"Entry {e.get('id')!r} has the date {shown!r}, which is not written as "
                "YYYY-MM-DD; fix it and render again."
            ) from None
    return ItemView(
        entry=e,
        kind=kind,
        date=shown,
        venue=venue,
        links=tuple([(str(n), str(u)) for n, u in links]),
        paper=paper,
        facts=_facts(e),
        summary=_unrepeated(e.get("summary"), e.get("description")),
    )


def _unrepeated(summary: object, description: object) -> str | None:
    """A card's summary without the opening that the entry's description repeats (a
    maintainer often gives as ``--description`` the card's first sentence); None when
    nothing else is left. Words are compared without case, spacing or closing punctuation."""
    if not isinstance(summary, str) or not summary.strip():
        return None
    if not isinstance(description, str):
        return summary
    words = description.split()
    if not words:
        return summary
    words[-1] = words[-1].rstrip(".!?:;,")
    said = r"\s+".join(re.escape(w) for w in words if w)
    # The description must be the card's whole first sentence or paragraph, not the
    # start of one (which would leave the card beginning in mid-sentence).
    m = re.match(r"\s*" + said + r"(?:[.!?]+(?=\s|$)|[.!?:;,]*\s*(?:\n\s*\n|$))", summary, re.I)
    if m is None:
        return summary
    rest = summary[m.end() :].strip()
    return rest or None


def _facts(e: Mapping[str, Any]) -> tuple[str, ...]:
    """What a Hub model, Space or collection shows under its title. Counts that
    move every day (downloads, likes) are left out: each night would rewrite the page."""
    kind = e["kind"]
    out: list[str] = []
    if kind == "model":
        if e.get("pipeline_tag"):
            out.append(str(e["pipeline_tag"]))
        if isinstance(e.get("parameters"), int):
            out.append(f"{_count(e['parameters'])} parameters")
        if e.get("license"):
            out.append("licence " + ", ".join(str(x) for x in e["license"]))
        if e.get("gated"):
            out.append("gated")
    elif kind == "space":
        out.append(f"{e['sdk'].capitalize()} Space" if e.get("sdk") else "Space")
        if e.get("stage") and e["stage"] not in SPACE_UP:
            out.append(f"not running ({e['stage']})")
    elif kind == "collection":
        n = e.get("items")
        if isinstance(n, int):
            out.append(f"{n} item{'' if n == 1 else 's'}")
    return tuple(out)


def _count(n: int) -> str:
    """``8030261248`` -> ``8.0B``, ``26895998464`` -> ``27B``, ``110106428`` -> ``110M``."""
    for size, unit in ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K")):
        if n >= size:
            value = n / size
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(n)


_HTTP = re.compile(r"https?://", re.IGNORECASE)


def _is_http(value: object) -> bool:
    return isinstance(value, str) and _HTTP.match(value.strip()) is not None


def _holding(sections: Sequence[SectionView]) -> list[SectionView]:
    """The sections that hold an entry, themselves or in a sub-section; each keeps only
    such sub-sections."""
    out = []
    for s in sections:
        s.children = _holding(s.children)
        if s.items or s.children:
            out.append(s)
    return out


def _walk(sections: Sequence[SectionView]) -> list[SectionView]:
    out = []
    for s in sections:
        out.append(s)
        out.extend(_walk(s.children))
    return out


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"In the export document, {what} must be an object.")
    return value


def _sequence(value: object, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise InputError(f"In the export document, {what} must be a list.")
    return value


def _shown(folder: Path | None) -> str:
    return str(folder.resolve()) if folder is not None else "alignfetch's templates"


def _where(err: BaseException) -> str:
    """`` at line N`` for the deepest template line in the error's traceback."""
    tb = traceback.extract_tb(err.__traceback__)
    lines = [f.lineno for f in tb if f.filename == _TEMPLATE_FILE]
    return f" at line {lines[-1]}" if lines and lines[-1] else ""


def _lines(text: str) -> list[str]:
    # Only "\n" ends a line of a Markdown file; str.splitlines would also split
    # at form feeds and U+2028, which a diff must show as they are.
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _clause(message: str | None) -> str:
    return _SPACE.sub(" ", message or "unknown error").strip().rstrip(".")
