"""The commands that write the list out: export (JSON or citations) and cite."""

from __future__ import annotations

import click

from alignfetch.cli.common import talk, workspace


@click.command()
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

    text = dumps(workspace().export()) if fmt == "json" else workspace().citations(fmt)
    if output and output != "-":  # "-" is stdout, as for every Unix tool
        write_atomic(Path(output), text)
        talk(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


@click.command()
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
    click.echo(workspace().citations(fmt, list(ids)), nl=False)
