"""The ``alignfetch`` command: thin click wrappers over :class:`alignfetch.workspace.Workspace`.

This module holds the root group, its global options and ``main``; each command
group lives in a module of its own (entries, export, refresh, readme, db) and
shares what :mod:`alignfetch.cli.common` holds. The command modules never import
this one: it imports their commands and adds them to the root group.

stdout carries data, stderr carries talk and errors. Exit codes: 0 success,
1 failure (upstream, cache, lock), 2 bad usage or input.
"""

from __future__ import annotations

import click

from alignfetch.cli.common import Group, log_to_stderr
from alignfetch.cli.db import db as db_group
from alignfetch.cli.display import show_text as _show_text
from alignfetch.cli.entries import (
    ID_EXAMPLES,
    add,
    edit,
    init,
    list_,
    move,
    remove,
    sections,
    show,
)
from alignfetch.cli.export import cite
from alignfetch.cli.export import export as export_command
from alignfetch.cli.readme import check, import_, render
from alignfetch.cli.refresh import discover
from alignfetch.cli.refresh import refresh as refresh_command
from alignfetch.version import __version__

# Names that tests import from here.
__all__ = ["ID_EXAMPLES", "_show_text", "cli", "main"]


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
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
    log_to_stderr(quiet)


# In the order they were defined before the split, which `cli.commands` keeps
# (`--help` lists them sorted by name).
for _command in (
    add,
    init,
    remove,
    move,
    edit,
    show,
    list_,
    sections,
    export_command,
    cite,
    refresh_command,
    render,
    import_,
    check,
    discover,
    db_group,
):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="alignfetch")
