"""The commands that ask the sources: refresh (the nightly job) and discover."""

from __future__ import annotations

import sys

import click

from alignfetch.cli.common import json_option, talk, workspace


def _percent(value: float) -> float:
    import math

    from alignfetch.errors import InputError

    if not math.isfinite(value) or value < 0:
        raise InputError(
            f"--stars-threshold must be a number of 0 or more (a percent), not {value}."
        )
    return value


@click.command()
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
@json_option
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

    ws = workspace()
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


@click.command()
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
@json_option
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

    ws = workspace()
    if to_reject is not None:
        rid, new = ws.reject(to_reject)
        talk(
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
        talk(f"alignfetch: {note}")
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
