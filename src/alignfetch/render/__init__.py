"""Rendering the list's README from a sandboxed Jinja2 template.

An export document (schema_version 1) goes in, Markdown comes out. The only input
is the document :mod:`alignfetch.list.export` builds; rendering never looks at the
cache or at upstream payloads. The package's modules, each importing only those
listed after it:

- :mod:`alignfetch.render.page`: the entry points (:func:`~alignfetch.render.page.render`,
  :func:`~alignfetch.render.output.splice`, :func:`~alignfetch.render.output.diff`, reading
  templates) and the Jinja2 environment a render runs in;
- :mod:`alignfetch.render.bounded`: the sandbox of a list's own template, whose hooks
  consult the limits;
- :mod:`alignfetch.render.limits`: the limits themselves, the budget a render counts
  against, and how a value is measured (its text, its deep size);
- :mod:`alignfetch.render.checks`: what each operator, method and filter is checked for
  before it runs;
- :mod:`alignfetch.render.sandbox`: what any template may reach (Jinja's sandbox, the
  templates of one folder);
- :mod:`alignfetch.render.context`: the variables a template sees, built from the
  document once its text is cleaned.

This docstring is the reference for template authors (importing the package imports
nothing else, so it stays cheap to read).

Upstream text is data, not markup. Every filter that puts text into Markdown
escapes it for the place it goes, so that a title, abstract or dataset card
cannot open a tag, close the ``<details>`` block, start a heading or swallow
the rest of the page in a code fence.

Writing your own template
-------------------------
``render(doc, template=text)`` renders ``text`` with the same variables and
filters as the default template (``templates/awesome.md.j2``, the house style of
Awesome-LLM-Alignment). Undefined names are errors (StrictUndefined).
A template is data, not code: it runs in Jinja's sandbox (no attributes that
start with ``_``, no reaching Python's internals), and ``{% include %}`` and
``{% import %}`` find only templates inside ``folder`` (the list's folder,
symbolic links resolved) and alignfetch's own (``awesome.md.j2``).
:func:`~alignfetch.render.page.read_template` reads a template named in entries.toml,
which must lie inside the list's folder.
A template of the list's own (not alignfetch's) is bounded too: it may run for
:data:`~alignfetch.render.limits.TIME_LIMIT` seconds, make no text longer than
:data:`~alignfetch.render.limits.TEXT_LIMIT` characters (the page included) and no list
longer than :data:`~alignfetch.render.limits.ITEM_LIMIT` items, ask for no wider padding
or precision, and compute no number above :data:`~alignfetch.render.limits.INT_BITS` bits.
Nested lists count deep: a list may hold at most
:data:`~alignfetch.render.limits.DEEP_LIMIT` values, those of the lists inside it counted
each time they appear (``[[0] * 1000] * 1000`` holds a million), and a comparison, a
filter that sorts, joins or converts, or a method that searches goes through at most as
many at once (a long text counting more);
past a limit the render stops with one sentence (exit 1) and writes nothing.
Every text of the document loses its control characters (but newlines and tabs) and
bidi overrides before a template sees it, whoever wrote the export.
Autoescaping is off (the output is Markdown; escape with the filters below, which live in
:mod:`alignfetch.readme.text`),
and block tags take their own line with them: the newline after a ``{% ... %}``
tag is dropped (``trim_blocks``), and so are spaces and tabs before it on its
line (``lstrip_blocks``).

Variables:

``doc``
    The export document as given.
``list``
    ``doc["list"]``: the ``[list]`` table of entries.toml (``list.title``, ...).
``toc``
    The table of contents, in page order: one
    :class:`~alignfetch.render.context.TocLine` (``title``, ``anchor``, ``depth``) for
    the list's title (depth 0), then one per section (depth 1 for a top-level section,
    2 for its children, ...).
``title_anchor``
    The anchor of the page's title heading (also ``toc[0].anchor``).
``sections``
    The top-level sections that hold an entry, themselves or under them (an empty
    section has no heading, no line in the contents and no anchor; ``doc.sections``
    still lists it), each a :class:`~alignfetch.render.context.SectionView`: ``slug``,
    ``title``, ``parent``, ``depth`` (1 for top level), ``level`` (its heading level: 2
    for ``##``, at most 6), ``anchor``, ``items`` (its entries, in the list's
    order) and ``children`` (its sub-sections). Walk them with
    ``{% for s in sections recursive %}...{{ loop(s.children) }}{% endfor %}``.
``all_sections``
    Every section as a :class:`~alignfetch.render.context.SectionView`, in page order:
    each followed by its sub-sections (the walk above without the recursion: a
    recursive loop builds its whole text before it gives any, so the default template
    uses this one).
``items``
    Every entry of the document as an :class:`~alignfetch.render.context.ItemView`, in
    the list's order.
``section``
    Every section of the document by slug (a
    :class:`~alignfetch.render.context.SectionView`; one with no entry has no anchor).
``listed``
    Each section's items by slug (``listed.get("papers", [])``): what a learned look loops
    over.

Each :class:`~alignfetch.render.context.ItemView` has ``entry`` (the exported entry,
unchanged: use ``item.entry.title``, ``item.entry.abstract``, ...; an entry with no
cached record, ``item.entry.cached`` false, comes with every field its kind's record
would have there, empty, its title the typed one or its ID's, its ``url`` its ID's page
and a repository's ``full_name`` its ID's owner/name), ``kind``
(``paper``, ``dataset``, ``repo``, ``model``, ``space``, ``collection`` or ``link``) and
what the house style derives from it:
``date`` (the ISO date shown, by the one rule of
:func:`alignfetch.list.export.display_date`: the entry's date override, else a
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
``look`` is what a list's own look (the template ``import`` learns) shows of the entry,
all texts (empty when unknown): ``name``, ``title``, ``authors``, ``venue``, ``date``,
``affiliation``, ``description``, ``url`` and ``links`` (name to URL, in order): an
override, else a fetched title, author list or date (written the way the list writes
its own), else what the list typed (:func:`alignfetch.render.said.said`).

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
