"""The ``alignfetch`` command: thin click wrappers over :class:`alignfetch.core.Workspace`.

stdout carries data, stderr carries talk and errors. Exit codes: 0 success,
1 failure (upstream, cache, lock), 2 bad usage or input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import __version__
from .errors import AlignfetchError

if TYPE_CHECKING:
    from .core import Item, Workspace

F = TypeVar("F", bound=Callable[..., Any])


class _Group(click.Group):
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
    help="Cache database as a SQLAlchemy URL (env ALIGNFETCH_DB) "
    "[default: sqlite:///.alignfetch/cache.sqlite beside the entries file].",
)
@click.option("--offline", is_flag=True, help="Answer from the cache only; never fetch.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or talk on stderr.")
@click.version_option(__version__, prog_name="alignfetch")
@click.pass_context
def cli(ctx: click.Context, entries: str, db: str | None, offline: bool, quiet: bool) -> None:
    """Keep a curated awesome list of papers, datasets and code current.

    Exit codes: 0 success, 1 failure (upstream, cache, lock), 2 bad usage or input.
    """
    from .core import Workspace

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
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


def _ws() -> Workspace:
    ws = click.get_current_context().obj
    return ws  # type: ignore[no-any-return]


def _talk(message: str) -> None:
    if not click.get_current_context().meta.get("quiet"):
        click.echo(message, err=True)


def _json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Output JSON.")(f)


def _title(item: Item) -> str:
    return item.entry.title or str(getattr(item.record, "title", item.entry.id))


def _summary(item: Item) -> str:
    """What `add` prints of a new entry: enough to see that it is the right one."""
    from .records import Dataset, Paper, Repo
    from .render import human_date

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
    elif isinstance(r, Repo):
        if r.description:
            lines.append(f"  {r.description}")
        lines.append(
            f"  {r.stars} stars"
            + (f", renamed from {r.redirected_from}" if r.redirected_from else "")
        )
    return "\n".join(lines)


def _link(value: str) -> tuple[str, str]:
    name, sep, url = value.partition("=")
    if not sep or not name.strip() or not url.strip():
        raise click.BadParameter(f"{value!r} is not NAME=URL.", param_hint="--link")
    return name.strip(), url.strip()


def _percent(value: float) -> float:
    import math

    from .errors import InputError

    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"--stars-threshold must be a number of 0 or more (a percent), not {value}."
        )
    return value


@cli.command()
@click.argument("ids", nargs=-1, required=True)
@click.option("--section", "-s", required=True, help="Slug of the section to add to.")
@click.option("--title", help="Title to show instead of the fetched one.")
@click.option("--description", help="Description to show instead of the fetched one.")
@click.option("--venue", help="Venue, e.g. 'ACL 2023'.")
@click.option("--affiliation", help="Affiliation to show.")
@click.option("--date", help="Date to show instead of the fetched one (YYYY-MM-DD).")
@click.option("--link", "links", multiple=True, metavar="NAME=URL", help="Extra link; repeatable.")
@_json_option
def add(
    ids: tuple[str, ...],
    section: str,
    links: tuple[str, ...],
    as_json: bool,
    **overrides: str | None,
) -> None:
    """Fetch IDs and add them to a section of the list (all or nothing)."""
    from .export import dumps, entry_json

    pairs = dict(_link(v) for v in links)
    items = _ws().add(list(ids), section, links=pairs, **overrides)
    if as_json:
        click.echo(dumps([entry_json(i) for i in items]), nl=False)
    else:
        for item in items:
            click.echo(_summary(item))
    _talk(f"Added {len(items)} entr{'y' if len(items) == 1 else 'ies'} to {section}.")


@cli.command()
@click.argument("id")
def remove(id: str) -> None:
    """Remove an entry from the list."""
    entry = _ws().remove(id)
    _talk(f"Removed {entry.id} from {entry.section}.")


@cli.command()
@click.argument("id")
@_json_option
def show(id: str, as_json: bool) -> None:
    """Show one entry with everything known about it."""
    from .export import dumps, entry_json

    item = _ws().item(id)
    if as_json:
        click.echo(dumps(entry_json(item)), nl=False)
        return
    data = entry_json(item)
    for key, value in data.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        click.echo(f"{key + ':':18}{value}")


@cli.command("list")
@click.option("--section", "-s", help="Only this section.")
@_json_option
def list_(section: str | None, as_json: bool) -> None:
    """List the entries, in file order."""
    from .export import dumps, entry_json

    items = _ws().items(section)
    if as_json:
        click.echo(dumps([entry_json(i) for i in items]), nl=False)
        return
    for item in items:
        r = item.record
        fetched = getattr(r, "published", None) or getattr(r, "created", None) or ""
        when = item.entry.date or fetched[:10]
        click.echo(f"{item.entry.id}\t{item.entry.section}\t{when}\t{_title(item)}")


@cli.command()
@_json_option
def sections(as_json: bool) -> None:
    """List the sections, nested as in the README."""
    from .export import dumps, section_json

    secs = _ws().sections()
    if as_json:
        click.echo(dumps([section_json(s) for s in secs]), nl=False)
        return
    depth: dict[str, int] = {}
    for s in secs:
        depth[s.slug] = depth[s.parent] + 1 if s.parent else 0
        click.echo(f"{'  ' * depth[s.slug]}{s.slug}\t{s.title}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here, not stdout.")
def export(fmt: str, output: str | None) -> None:
    """Export the list with every entry's metadata."""
    from pathlib import Path

    from .entries import write_atomic
    from .export import dumps

    text = dumps(_ws().export())
    if output:
        write_atomic(Path(output), text)
        _talk(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option(
    "--stale-after",
    default="1d",
    show_default=True,
    metavar="DURATION",
    help="Re-fetch entries cached longer ago than this (30m, 12h, 1d, 2w).",
)
@click.option("--all", "everything", is_flag=True, help="Re-fetch every entry, however fresh.")
@click.option("--only", type=click.Choice(["paper", "dataset", "repo"]), help="Only this kind.")
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
    """Re-fetch stale entries and report what changed (the nightly job).

    Keeps going past failed entries, which keep their last good data; exits 1
    when any entry failed.
    """
    from .export import dumps
    from .refresh import parse_duration

    ws = _ws()
    ctx = click.get_current_context()
    total = len(ws.load().entries)
    show = not ctx.meta.get("quiet") and sys.stderr.isatty()
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
    """Render the list's README in its house style."""
    ws = _ws()
    if output is None:
        if check:
            raise click.UsageError("--check needs the file to compare: give -o FILE.")
        click.echo(ws.render(source=source, template=template), nl=False)
        return
    difference = ws.render_to(output, check=check, source=source, template=template)
    if difference is not None:
        click.echo(difference, nl=False)
        _talk(f"{output} is not up to date; run `alignfetch render -o {output}`.")
        click.get_current_context().exit(1)
    _talk(f"{output} is up to date." if check else f"Wrote {output}.")


@cli.group()
def db() -> None:
    """Manage the cache database."""


@db.command()
def upgrade() -> None:
    """Bring the cache's schema up to date (done automatically when it is opened)."""
    from .db import current_revision

    ws = _ws()
    click.echo(current_revision(ws.cache.engine) or "empty")


@db.command()
def current() -> None:
    """Print the cache's schema revision."""
    from .db import revision_of

    click.echo(revision_of(_ws().db_url) or "empty")


def main() -> None:
    cli(prog_name="alignfetch")


if __name__ == "__main__":
    main()
