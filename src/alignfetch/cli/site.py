"""The command that writes the list as a browsable static site."""

from __future__ import annotations

import click

from alignfetch.cli.common import talk, workspace


@click.command()
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    metavar="DIR",
    help="The folder to write index.html and assets/ into (made when missing).",
)
@click.option(
    "--from",
    "source",
    type=click.Path(dir_okay=False),
    metavar="EXPORT.json",
    help="Build from an export instead of the cache: no cache or network needed.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 and write nothing when an entry has no cached record yet.",
)
def site(output: str, source: str | None, strict: bool) -> None:
    """Write the list as a browsable site with search and charts.

    DIR gets index.html and its assets, all local: the page opens from a file or
    from GitHub Pages and asks no other host for anything. An entry with no cached
    record yet is shown as entries.toml has it and named on stderr.
    """
    from pathlib import Path

    from alignfetch.list.export import read_export, settled
    from alignfetch.site import build

    doc = (
        workspace().export(strict=strict)
        if source is None
        else settled(read_export(Path(source)), strict)
    )
    build(doc, output)
    talk(f"Wrote the site to {output}/index.html.")
