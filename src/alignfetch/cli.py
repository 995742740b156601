"""The ``alignfetch`` command: thin click wrappers over :class:`alignfetch.core.Workspace`.

stdout carries data, stderr carries talk and errors. Exit codes: 0 success,
1 failure (upstream, cache, lock), 2 bad usage or input.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alignfetch import __version__
from alignfetch.errors import AlignfetchError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from alignfetch.list.entries import EntriesFile
    from alignfetch.list.items import Item
    from alignfetch.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def _offline_after(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().obj.offline = True


def _quiet_after(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["quiet"] = True  # meta is shared by every context of the invocation
        _log_to_stderr(True)


def _global_options() -> list[click.Option]:
    """--offline and --quiet, which each command takes after its name as well."""
    return [
        click.Option(
            ["--offline"],
            is_flag=True,
            expose_value=False,
            callback=_offline_after,
            help="Answer from the cache only; never fetch (as `alignfetch --offline`).",
        ),
        click.Option(
            ["-q", "--quiet"],
            is_flag=True,
            expose_value=False,
            callback=_quiet_after,
            help="No progress or talk on stderr (as `alignfetch --quiet`).",
        ),
    ]


class _Group(click.Group):
    group_class = type  # subgroups (sections, db) are of this class too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        # `alignfetch check --offline` as well as `alignfetch --offline check`: users
        # put options after the command, as the README's examples of each command do.
        cmd.params.extend(_global_options())
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlignfetchError as err:
            click.echo(f"alignfetch: {err}", err=True)
            ctx.exit(err.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--entries",
    type=click.Path(dir_okay=False),
    default="entries.toml",
    show_default=True,
    envvar="ALIGNFETCH_ENTRIES",
    help="The list's entries file (env ALIGNFETCH_ENTRIES).",
)
@click.option(
    "--db",
    default=None,
    envvar="ALIGNFETCH_DB",
    metavar="URL",
    help="Cache database as a SQLAlchemy URL (env ALIGNFETCH_DB) "
    "[default: sqlite:///.alignfetch/cache.sqlite beside the entries file].",
)
@click.option("--offline", is_flag=True, help="Answer from the cache only; never fetch.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or talk on stderr.")
@click.version_option(__version__, "-V", "--version", prog_name="alignfetch")
@click.pass_context
def cli(ctx: click.Context, entries: str, db: str | None, offline: bool, quiet: bool) -> None:
    """Keep a curated awesome list of papers, datasets and code current.

    Start a list with `alignfetch init`, then `alignfetch sections add` and
    `alignfetch add`. Exit codes: 0 success, 1 failure (upstream, cache, lock),
    2 bad usage or input.
    """
    from alignfetch.workspace import Workspace

    ctx.obj = Workspace(entries, db=db, offline=offline)
    ctx.meta["quiet"] = quiet
    _log_to_stderr(quiet)


def _log_to_stderr(quiet: bool) -> None:
    """Library warnings (a paper page the Hub would not give) become talk on stderr."""
    import logging

    logger = logging.getLogger("alignfetch")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("alignfetch: warning: %(message)s"))
    logger.addHandler(handler)
    # On a terminal, also the talk of a wait: "arXiv did not answer; retrying in 4 s (2/4)."
    talk = logging.INFO if sys.stderr.isatty() else logging.WARNING
    logger.setLevel(logging.ERROR if quiet else talk)
    logger.propagate = False


def _ws() -> Workspace:
    ws = click.get_current_context().obj
    return ws  # type: ignore[no-any-return]


def _talk(message: str) -> None:
    if not click.get_current_context().meta.get("quiet"):
        click.echo(message, err=True)


def _json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Output JSON.")(f)


def _entries_file(ctx: click.Context) -> EntriesFile | None:
    """entries.toml as the command line being completed names it, or None."""
    import os
    from pathlib import Path

    from alignfetch.list.entries import load

    path = ctx.find_root().params.get("entries") or os.environ.get(
        "ALIGNFETCH_ENTRIES", "entries.toml"
    )
    try:
        return load(Path(path))
    except Exception:  # noqa: BLE001 (completion must never fail, whatever the file holds)
        return None


def _complete_section(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    ef = _entries_file(ctx)
    if ef is None:
        return []
    return [
        CompletionItem(s.slug, help=s.title) for s in ef.sections if s.slug.startswith(incomplete)
    ]


def _complete_id(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    ef = _entries_file(ctx)
    if ef is None:
        return []
    # Shells split words at ":" (bash's COMP_WORDBREAKS), so match the key too.
    return [
        CompletionItem(e.id)
        for e in ef.entries
        if e.id.startswith(incomplete) or e.id.split(":", 1)[1].startswith(incomplete)
    ]


def _title(item: Item) -> str:
    return item.entry.title or str(getattr(item.record, "title", item.entry.id))


def _summary(item: Item) -> str:
    """What `add` prints of a new entry: enough to see that it is the right one."""
    from alignfetch.records import Collection, Dataset, Model, Paper, Repo, Space
    from alignfetch.render.page import human_date

    r = item.record
    lines = [f"{item.entry.id}  [{item.entry.section}]", f"  {_title(item)}"]
    if isinstance(r, Paper):
        lines.append("  " + ", ".join(a.name for a in r.authors))
        lines.append(f"  {human_date(item.entry.date or r.published)}")
    elif isinstance(r, Dataset):
        lines.append(f"  licence: {', '.join(r.license) or 'none given'}")
        for pid in r.papers:
            paper = item.related.get(pid)
            if isinstance(paper, Paper):
                lines.append(f"  paper: {paper.title} ({paper.published[:4]})")
    elif isinstance(r, Model):
        access = f", gated ({r.gated})" if r.gated else ""
        lines.append(f"  licence: {', '.join(r.license) or 'none given'}{access}")
        facts = [r.pipeline_tag or ""]
        if r.parameters is not None:
            facts.append(f"{r.parameters:,} parameters")
        if any(facts):
            lines.append("  " + ", ".join(f for f in facts if f))
        for pid in r.papers:
            paper = item.related.get(pid)
            if isinstance(paper, Paper):
                lines.append(f"  paper: {paper.title} ({paper.published[:4]})")
    elif isinstance(r, Space):
        lines.append(f"  {r.sdk or 'unknown SDK'} Space, {r.stage or 'state unknown'}")
    elif isinstance(r, Collection):
        lines.append(f"  {r.items} item{'' if r.items == 1 else 's'}, {r.upvotes} upvotes")
    elif isinstance(r, Repo):
        if r.description:
            lines.append(f"  {r.description}")
        lines.append(
            f"  {r.stars} stars"
            + (f", renamed from {r.redirected_from}" if r.redirected_from else "")
        )
    return "\n".join(lines)


def _link(value: str, *, clear: bool = False) -> tuple[str, str]:
    """``NAME=URL`` as a pair; with ``clear``, ``NAME=`` (no URL) is allowed too."""
    from alignfetch.errors import InputError

    name, sep, url = value.partition("=")
    if not sep or not name.strip() or not (url.strip() or clear):
        form = "NAME=URL (or NAME= to remove a link)" if clear else "NAME=URL"
        raise InputError(f"The link {value!r} is not written as {form}.")
    return name.strip(), url.strip()


def _percent(value: float) -> float:
    import math

    from alignfetch.errors import InputError

    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"--stars-threshold must be a number of 0 or more (a percent), not {value}."
        )
    return value


ID_EXAMPLES = (
    (
        "arXiv",
        "2305.01937, 2305.01937v2, arXiv:2305.01937, math.GT/0309136, "
        "https://arxiv.org/abs/2305.01937, 10.48550/arXiv.2305.01937, "
        "https://huggingface.co/papers/2305.01937",
    ),
    (
        "Hugging Face dataset",
        "hf:Anthropic/hh-rlhf, https://huggingface.co/datasets/Anthropic/hh-rlhf",
    ),
    (
        "GitHub",
        "gh:CarperAI/trlx, https://github.com/CarperAI/trlx, "
        "https://github.com/microsoft/DeepSpeedExamples/tree/master/applications/DeepSpeed-Chat",
    ),
    (
        "Hugging Face model",
        "hf-model:HuggingFaceH4/zephyr-7b-beta, https://huggingface.co/HuggingFaceH4/zephyr-7b-beta",
    ),
    (
        "Hugging Face Space",
        "hf-space:owner/name, https://huggingface.co/spaces/owner/name",
    ),
    (
        "Hugging Face collection",
        "hf-collection:owner/slug, https://huggingface.co/collections/owner/slug",
    ),
    ("Web link", "https://openai.com/research/instruction-following"),
)
"""One example of each accepted ID form, one group per source, shown by `add --help`
(tests parse each one, and check that every source has its group)."""


def _id_forms_epilog() -> str:
    lines = ["\b", "Accepted IDs, one example of each form:"]
    for name, examples in ID_EXAMPLES:
        lines.append(f"  {name}:")
        lines.extend(f"    {example}" for example in examples.split(", "))
    return "\n".join(lines)


@cli.command(epilog=_id_forms_epilog())
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--section",
    "-s",
    required=True,
    shell_complete=_complete_section,
    help="Slug of the section to add to.",
)
@click.option("--title", help="Title to show instead of the fetched one.")
@click.option("--description", help="Description to show instead of the fetched one.")
@click.option("--venue", help="Venue, e.g. 'ACL 2023'.")
@click.option("--affiliation", help="Affiliation to show.")
@click.option("--date", help="Date to show instead of the fetched one (YYYY-MM-DD).")
@click.option("--link", "links", multiple=True, metavar="NAME=URL", help="Extra link; repeatable.")
@click.option(
    "--stale-after",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="Reuse a dataset's papers cached more recently than this instead of fetching them.",
)
@_json_option
def add(
    ids: tuple[str, ...],
    section: str,
    links: tuple[str, ...],
    stale_after: str,
    as_json: bool,
    **overrides: str | None,
) -> None:
    """Fetch IDs and add them to a section.

    All or nothing: if any ID fails, nothing is written. Each ID may be given in
    any accepted form (below); entries.toml gets the canonical one.
    """
    from alignfetch.fetch.refresh import parse_duration
    from alignfetch.list.export import dumps, entry_json

    pairs = dict(_link(v) for v in links)
    reuse = parse_duration(stale_after)
    items = _ws().add(list(ids), section, links=pairs, reuse_after=reuse, **overrides)
    if as_json:
        click.echo(dumps([entry_json(i) for i in items]), nl=False)
    else:
        for item in items:
            click.echo(_summary(item))
    _talk(f"Added {len(items)} entr{'y' if len(items) == 1 else 'ies'} to {section}.")


@cli.command()
@click.option("--title", help="The list's title [default: the folder's name].")
def init(title: str | None) -> None:
    """Start a list: write a new entries.toml.

    It holds a [list] table and a commented example section and entry. In a git
    repository, .alignfetch/ (the cache) is added to .gitignore. An existing
    entries.toml is never overwritten.
    """
    for path in _ws().init(title):
        _talk(f"Wrote {path}.")


@cli.command()
@click.argument("id", shell_complete=_complete_id)
def remove(id: str) -> None:
    """Remove an entry from the list."""
    entry = _ws().remove(id)
    _talk(f"Removed {entry.id} from {entry.section}.")


@cli.command()
@click.argument("id", shell_complete=_complete_id)
@click.option(
    "--section",
    "-s",
    required=True,
    shell_complete=_complete_section,
    help="Slug of the section to move it to.",
)
def move(id: str, section: str) -> None:
    """Move an entry to another section.

    The entry keeps its place in entries.toml and its overrides.
    """
    entry = _ws().move(id, section)
    _talk(f"Moved {entry.id} to {entry.section}.")


@cli.command()
@click.argument("id", shell_complete=_complete_id)
@click.option("--title", help="Title to show instead of the fetched one ('' clears).")
@click.option("--description", help="One-line description under the title ('' clears).")
@click.option("--venue", help="Venue, e.g. 'ACL 2023' ('' clears).")
@click.option("--affiliation", help="Affiliation to show ('' clears).")
@click.option("--date", help="Date to show, YYYY-MM-DD ('' clears).")
@click.option(
    "--link",
    "links",
    multiple=True,
    metavar="NAME=URL",
    help="Set a link; NAME= removes it. Repeatable.",
)
def edit(id: str, links: tuple[str, ...], **overrides: str | None) -> None:
    """Set or clear an entry's overrides.

    An option given a value sets that override in entries.toml; given '' it
    clears it; left out, it stays as it is. The entry's comments and layout stay.
    """
    pairs = dict(_link(v, clear=True) for v in links)
    entry = _ws().edit(id, links=pairs, **overrides)
    _talk(f"Edited {entry.id}.")


@cli.command()
@click.argument("id", shell_complete=_complete_id)
@_json_option
def show(id: str, as_json: bool) -> None:
    """Show one entry with everything known about it."""
    from alignfetch.list.export import dumps, entry_json

    item = _ws().item(id)
    if as_json:
        click.echo(dumps(entry_json(item)), nl=False)
        return
    click.echo(_show_text(entry_json(item)))


_LABELS = {
    "url": "URL",
    "pdf_url": "PDF",
    "doi": "DOI",
    "hf_paper": "HF paper page",
    "code_url": "Code",
    "journal_ref": "Journal ref",
    "primary_category": "Primary category",
    "sha": "Commit",
    "last_modified": "Last modified",
    "task_categories": "Task categories",
    "size_categories": "Size categories",
    "summary": "Data Card",
    "full_name": "Full name",
    "pushed_at": "Last push",
    "default_branch": "Default branch",
    "redirected_from": "Renamed from",
    "license": "Licence",
    "overrides": "In entries.toml",
}
_PROSE = ("abstract", "summary")
_WIDTH = 88


def _show_text(data: dict[str, Any]) -> str:
    """An exported entry for a person: aligned labels, lists as lines, prose wrapped.

    The title comes first and the long texts (abstract, Data Card) last, indented
    under their label; a paper's authors carry their affiliations where known and
    a dataset's papers are named by title.
    """
    import textwrap

    rows: list[tuple[str, list[str]]] = []
    prose: list[tuple[str, str]] = []
    keys = ["title", *(k for k in data if k != "title")]
    for key in keys:
        value = data.get(key)
        # 0 stars is worth showing; False (not archived, not private) is not.
        if (
            key in ("id", "section", "affiliations")
            or value is False
            or value in (None, "", [], {})
        ):
            continue
        label = _LABELS.get(key, key.replace("_", " ").capitalize())
        if key in _PROSE:
            prose.append((label, str(value)))
            continue
        if key == "authors":
            affiliations = list(data.get("affiliations") or [])
            affiliations += [[]] * (len(value) - len(affiliations))
            lines = [
                f"{name} ({', '.join(affs)})" if affs else str(name)
                for name, affs in zip(value, affiliations, strict=False)
            ]
        elif key == "papers":
            lines = [
                f"{p['title']} ({p['id']}, {str(p['published'])[:4]})"
                if p.get("title")
                else f"{p['id']} (not in the cache)"
                for p in value
            ]
        elif key == "hf_paper":
            votes = value.get("upvotes")
            lines = [str(value["url"]) + (f" ({votes} upvotes)" if votes is not None else "")]
        elif isinstance(value, dict):
            lines = [
                f"{k}.{n}: {u}" if isinstance(v, dict) else f"{k}: {v}"
                for k, v in value.items()
                for n, u in (v.items() if isinstance(v, dict) else [(None, None)])
            ]
        elif isinstance(value, list):
            lines = [str(v) for v in value]
        elif value is True:
            lines = ["yes"]
        else:
            lines = [str(value)]
        rows.append((label, lines))
    width = max((len(label) for label, _ in rows), default=0) + 2
    out = [f"{data['id']}  [{data['section']}]"]
    for label, lines in rows:
        pad = " " * width
        for i, line in enumerate(lines):
            out.append(
                textwrap.fill(
                    line,
                    width=max(_WIDTH, width + 40),
                    initial_indent=f"{label:<{width}}" if i == 0 else pad,
                    subsequent_indent=pad,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
    for label, text in prose:
        out.append(label)
        out.extend(_wrapped(text, "  "))
    return "\n".join(out)


_LIST_ITEM = re.compile(r"\s*(?:[-*+]|\d{1,9}[.)])\s")


def _wrapped(text: str, indent: str) -> list[str]:
    """Markdown-ish prose wrapped and indented: paragraphs and list items kept apart."""
    import textwrap

    out: list[str] = []
    for para in re.split(r"\n[ \t]*\n", text.strip()):
        blocks: list[str] = []
        for line in para.splitlines():
            if _LIST_ITEM.match(line) or not blocks:
                blocks.append(line.strip())
            else:
                blocks[-1] += " " + line.strip()
        if out:
            out.append("")
        for block in blocks:
            hang = "  " if _LIST_ITEM.match(block) else ""
            out.append(
                textwrap.fill(
                    " ".join(block.split()),
                    width=_WIDTH,
                    initial_indent=indent,
                    subsequent_indent=indent + hang,
                    break_on_hyphens=False,
                )
            )
    return out


@cli.command("list")
@click.option(
    "--section",
    "-s",
    shell_complete=_complete_section,
    help="Only this section and its subsections, grouped by section.",
)
@_json_option
def list_(section: str | None, as_json: bool) -> None:
    """List the entries: ID, section, date, title."""
    from alignfetch.list.export import display_date, dumps, entry_json

    items = _ws().items(section, pages=as_json)  # the lines show no paper page
    if as_json:
        click.echo(dumps([entry_json(i) for i in items]), nl=False)
        return
    lines = [
        f"{item.entry.id}\t{item.entry.section}\t{display_date(entry_json(item)) or ''}\t"
        f"{_title(item)}"
        for item in items
    ]
    if lines:  # one write, not one a line: a long list is written at once
        click.echo("\n".join(lines))


@cli.group(invoke_without_command=True)
@_json_option
@click.pass_context
def sections(ctx: click.Context, as_json: bool) -> None:
    """List, add or remove sections.

    With no subcommand, lists the sections, nested as in the README.
    """
    if ctx.invoked_subcommand is not None:
        return
    from alignfetch.list.export import dumps, section_json

    secs = _ws().sections()
    if as_json:
        click.echo(dumps([section_json(s) for s in secs]), nl=False)
        return
    depth: dict[str, int] = {}
    for s in secs:
        depth[s.slug] = depth[s.parent] + 1 if s.parent else 0
        click.echo(f"{'  ' * depth[s.slug]}{s.slug}\t{s.title}")


@sections.command("add")
@click.argument("slug")
@click.option("--title", required=True, help="The section's heading.")
@click.option(
    "--parent", shell_complete=_complete_section, help="Slug of the section it goes under."
)
def sections_add(slug: str, title: str, parent: str | None) -> None:
    """Define a new section (after the last one)."""
    section = _ws().add_section(slug, title, parent)
    _talk(f"Added section {section.slug}.")


@sections.command("remove")
@click.argument("slug", shell_complete=_complete_section)
def sections_remove(slug: str) -> None:
    """Remove a section that holds no entries or subsections."""
    section = _ws().remove_section(slug)
    _talk(f"Removed section {section.slug}.")


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "bibtex", "csl-json"]),
    default="json",
    show_default=True,
    help="json: everything known; bibtex or csl-json: citations.",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
def export(fmt: str, output: str | None) -> None:
    """Export the list as JSON or citations (stdout unless -o)."""
    from pathlib import Path

    from alignfetch.list.entries import write_atomic
    from alignfetch.list.export import dumps

    text = dumps(_ws().export()) if fmt == "json" else _ws().citations(fmt)
    if output and output != "-":  # "-" is stdout, as for every Unix tool
        write_atomic(Path(output), text)
        _talk(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["bibtex", "csl-json"]),
    default="bibtex",
    show_default=True,
    help="Citation format.",
)
def cite(ids: tuple[str, ...], fmt: str) -> None:
    """Print citations for entries of the list (from the cache)."""
    click.echo(_ws().citations(fmt, list(ids)), nl=False)


@cli.command()
@click.option(
    "--stale-after",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="Re-fetch entries cached longer ago than this (30m, 12h, 1d, 2w).",
)
@click.option("--all", "everything", is_flag=True, help="Re-fetch every entry, however fresh.")
@click.option(
    "--only",
    type=click.Choice(["paper", "dataset", "repo", "model", "space", "collection"]),
    help="Only this kind.",
)
@click.option("--dry-run", is_flag=True, help="Fetch and report, but write nothing.")
@click.option(
    "--stars-threshold",
    type=float,
    callback=lambda _ctx, _param, value: _percent(value),
    default=10.0,
    show_default=True,
    metavar="PCT",
    help="Report a repository's stars when they move by this percent (and 10 stars).",
)
@_json_option
def refresh(
    stale_after: str,
    everything: bool,
    only: str | None,
    dry_run: bool,
    stars_threshold: float,
    as_json: bool,
) -> None:
    """Re-fetch stale entries; report what changed.

    The nightly job.

    Keeps going past failed entries, which keep their last good data; exits 1
    when any entry failed.
    """
    from alignfetch.fetch.refresh import parse_duration
    from alignfetch.list.export import dumps

    ws = _ws()
    ctx = click.get_current_context()
    show = not ctx.meta.get("quiet") and sys.stderr.isatty()
    total = len(ws.load().entries) if show else 0  # only a bar needs it: no second parse
    with (
        click.progressbar(length=total, label="Refreshing", file=sys.stderr)
        if show
        else _NoBar() as bar
    ):
        report = ws.refresh(
            stale_after=parse_duration(stale_after),
            everything=everything,
            only=only,
            dry_run=dry_run,
            stars_threshold=stars_threshold,
            progress=bar.update,
        )
    click.echo(dumps(report.json()) if as_json else report.text(), nl=False)
    if not report.ok:
        ctx.exit(1)


class _NoBar:
    """Stands in for a progress bar when stderr is not a terminal or --quiet is given."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, n: int) -> None:
        pass


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write into this file (only between its alignfetch markers, if it has them).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 and print a diff when the file is not up to date.",
)
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False),
    metavar="EXPORT.json",
    help="Render from an export instead of the cache: no cache or network needed.",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False),
    help="A Jinja2 template instead of [list] template or the default.",
)
def render(output: str | None, check: bool, source: str | None, template: str | None) -> None:
    """Render the list's README (stdout unless -o).

    Writes to stdout, or with -o FILE into FILE (only between its alignfetch
    markers, if it has them).
    """
    from alignfetch.errors import InputError

    ws = _ws()
    if output is None or output == "-":  # "-" is stdout, as for every Unix tool
        if check:
            raise InputError("The --check option needs the file to compare; give -o FILE.")
        click.echo(ws.render(source=source, template=template), nl=False)
        return
    difference = ws.render_to(output, check=check, source=source, template=template)
    if difference is not None:
        click.echo(difference, nl=False)
        _talk(f"{output} is not up to date; run `alignfetch render -o {output}`.")
        click.get_current_context().exit(1)
    _talk(f"{output} is up to date." if check else f"Wrote {output}.")


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option(
    "--keep-typed",
    is_flag=True,
    help="Keep typed titles and dates as overrides too (the sources know them).",
)
@_json_option
def import_(file: str, dry_run: bool, keep_typed: bool, as_json: bool) -> None:
    """Adopt an existing awesome list's README.

    Its sections and entries join entries.toml (created when absent); FILE may be
    - for stdin. Nothing is fetched: run `refresh` next.
    """
    from alignfetch.list.export import dumps

    text = _read_markdown(file)
    report = _ws().import_markdown(text, keep_typed=keep_typed, dry_run=dry_run)
    if as_json:
        click.echo(dumps(report.json()), nl=False)
    _talk(report.text().rstrip("\n"))


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["human", "json", "github"]),
    default="human",
    show_default=True,
    help="json: findings and a summary; github: workflow commands that annotate a pull request.",
)
@click.option(
    "--stale-months",
    type=click.IntRange(min=1),
    default=24,
    show_default=True,
    help="A repository with no push for this long is stale.",
)
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
def check(files: tuple[str, ...], fmt: str, stale_months: int, list_rules: bool) -> None:
    """Lint the list, or awesome-list READMEs, against the sources.

    With FILES (- for stdin), each README's entries are compared with what their
    links point to; without, the list's entries.toml and cache. Nothing is written
    but the cache. Exits 1 when an error-level rule fires.
    """
    from alignfetch.lint.rules import rules_text
    from alignfetch.list.export import dumps

    if list_rules:
        click.echo(rules_text(), nl=False)
        return
    texts = [(name, _read_markdown(name)) for name in files]
    result = _ws().check(texts, stale_months=stale_months)
    if result.unresolved:
        n = len(result.unresolved)
        named = ", ".join(result.unresolved[:5]) + (" …" if n > 5 else "")
        were = f"{n} entr{'y was' if n == 1 else 'ies were'} not checked"
        _talk(
            f"alignfetch: {were}: the cache has no record of them and --offline asks the "
            f"sources nothing: {named}; run `alignfetch refresh`, or check without --offline."
            if _ws().offline
            else f"alignfetch: {were} against the sources, which did not answer for them: "
            f"{named}."
        )
    if fmt == "json":
        click.echo(dumps(result.json()), nl=False)
    elif fmt == "github":
        click.echo(result.github(), nl=False)
    else:
        click.echo(result.text(color=sys.stdout.isatty()), nl=False, color=None)
    if not result.ok:
        click.get_current_context().exit(1)


def _read_markdown(file: str) -> str:
    """A Markdown file (or stdin, ``-``) as text; unreadable input is an InputError."""
    from alignfetch.errors import InputError
    from alignfetch.files import MAX_READ, read_bytes

    try:
        if file == "-":
            raw = sys.stdin.buffer.read(MAX_READ + 1)
            if len(raw) > MAX_READ:
                raise InputError(
                    f"The standard input holds more than {MAX_READ // 2**20} MiB, more than "
                    "any list needs; give an awesome list's README."
                )
        else:
            raw = read_bytes(file)
    except OSError as err:
        raise InputError(
            f"The file {file} could not be read ({err.strerror}); check the path."
        ) from None
    name = "The standard input" if file == "-" else f"The file {file}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not UTF-8 text; give a Markdown file.") from None
    if "\0" in text:
        raise InputError(f"{name} is binary, not Markdown; give an awesome list's README.")
    return text


@cli.command()
@click.option(
    "--source",
    type=click.Choice(["arxiv", "hf", "all"]),
    default="all",
    show_default=True,
    help="arXiv's listings, the Hub's daily papers, or both.",
)
@click.option(
    "--category",
    "categories",
    multiple=True,
    metavar="CAT",
    help="arXiv category to read (repeatable) [default: [discover] categories, else the "
    "primary categories of the list's papers].",
)
@click.option(
    "--days",
    type=int,
    default=1,
    show_default=True,
    help="Announcements of the last N days (earlier days as cached by earlier runs).",
)
@click.option("--top", type=int, default=20, show_default=True, help="At most N candidates.")
@click.option(
    "--min-score",
    type=float,
    default=0.0,
    show_default=True,
    metavar="X",
    help="Only candidates scoring X or more.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="markdown: a checklist with each candidate's `alignfetch add` command.",
)
@click.option("--reject", "to_reject", metavar="ID", help="Never propose this paper again.")
@_json_option
def discover(
    source: str,
    categories: tuple[str, ...],
    days: int,
    top: int,
    min_score: float,
    fmt: str,
    to_reject: str | None,
    as_json: bool,
) -> None:
    """Propose new papers for the list, each with a section.

    Papers announced lately, with a suggested section and a reason.

    Exits 1 when a source failed (the other's candidates are still shown).
    """
    from alignfetch.discover import markdown
    from alignfetch.list.export import dumps

    ws = _ws()
    if to_reject is not None:
        rid, new = ws.reject(to_reject)
        _talk(
            f"Rejected {rid}; discover will not propose it again."
            if new
            else f"{rid} was already rejected."
        )
        return
    if as_json and fmt != "text":
        raise click.UsageError("Give --json or --format markdown, not both.")
    result = ws.discover(
        source=source, categories=list(categories), days=days, top=top, min_score=min_score
    )
    for note in result.notes:
        _talk(f"alignfetch: {note}")
    if as_json:
        click.echo(dumps(result.json()), nl=False)
    elif fmt == "markdown":
        click.echo(markdown(result.candidates), nl=False)
    else:
        for c in result.candidates:
            click.echo(f"{c.id}\t{c.section or '-'}\t{c.score:.2f}\t{c.title}")
    for failure in result.failures:
        click.echo(f"alignfetch: {failure}", err=True)
    if not result.ok:
        click.get_current_context().exit(1)


@cli.group()
def db() -> None:
    """Manage the cache database."""


@db.command()
def upgrade() -> None:
    """Bring the cache's schema up to date.

    Also done automatically when the cache is opened.
    """
    from alignfetch.cache.db import current_revision

    ws = _ws()
    click.echo(current_revision(ws.cache.engine) or "empty")


@db.command()
def current() -> None:
    """Print the cache's schema revision."""
    from alignfetch.cache.db import revision_of

    click.echo(revision_of(_ws().db_url) or "empty")


def main() -> None:
    cli(prog_name="alignfetch")


if __name__ == "__main__":
    main()
