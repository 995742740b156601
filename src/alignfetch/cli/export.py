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
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 and write nothing when an entry has no cached record yet.",
)
def export(fmt: str, output: str | None, strict: bool) -> None:
    """Export the list as JSON or citations (stdout unless -o).

    An entry with no cached record yet is exported as entries.toml has it
    ("cached": false) and left out of citations, and named on stderr.
    """
    from pathlib import Path

    from alignfetch.list.entries import write_atomic

    ws = workspace()
    text = ws.export_text(strict=strict) if fmt == "json" else ws.citations(fmt, strict=strict)
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
