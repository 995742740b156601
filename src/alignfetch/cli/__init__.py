"""The ``alignfetch`` command: thin click wrappers over :class:`alignfetch.workspace.Workspace`.

This module holds the root group, its global options and ``main``; each command
group lives in a module of its own (entries, export, refresh, readme, db) and
shares what :mod:`alignfetch.cli.common` holds. The command modules never import
this one: it loads a command's module when the command is first asked for
(:data:`COMMANDS`), so a read command starts without the others.

stdout carries data, stderr carries talk and errors. Exit codes: 0 success,
1 failure (upstream, cache, lock), 2 bad usage or input.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import click

from alignfetch.cli.common import Group, log_to_stderr
from alignfetch.version import __version__

# Names that tests import from here (loaded on first use: see __getattr__).
__all__ = ["ID_EXAMPLES", "_show_text", "cli", "main"]

COMMANDS = {
    "add": ("entries", "add"),
    "init": ("entries", "init"),
    "remove": ("entries", "remove"),
    "move": ("entries", "move"),
    "edit": ("entries", "edit"),
    "show": ("entries", "show"),
    "list": ("entries", "list_"),
    "sections": ("entries", "sections"),
    "export": ("export", "export"),
    "cite": ("export", "cite"),
    "refresh": ("refresh", "refresh"),
    "render": ("readme", "render"),
    "import": ("readme", "import_"),
    "check": ("readme", "check"),
    "site": ("site", "site"),
    "discover": ("refresh", "discover"),
    "db": ("db", "db"),
}
"""Each command's module (in ``alignfetch.cli``) and name there. A command's module is
imported when the command is run or listed, so `alignfetch list` loads only its own."""


class _Root(Group):
    """The root group, whose commands load from :data:`COMMANDS` when first asked for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._commands: dict[str, click.Command] = {}
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        """Every command, loaded (what --help, completion and tests read)."""
        for name in COMMANDS:
            self._load(name)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = dict(value)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name is None:
            raise TypeError("Command has no name.")
        self._with_global_options(cmd)
        self._commands[name] = cmd

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load(cmd_name)
        return self._commands.get(cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def _load(self, name: str) -> None:
        if name in COMMANDS and name not in self._commands:
            module, attribute = COMMANDS[name]
            self.add_command(getattr(import_module(f"alignfetch.cli.{module}"), attribute), name)


@click.group(cls=_Root, context_settings={"help_option_names": ["-h", "--help"]})
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


def __getattr__(name: str) -> object:
    # What tests import from here, loaded only when asked for.
    if name == "ID_EXAMPLES":
        from alignfetch.cli.entries import ID_EXAMPLES

        return ID_EXAMPLES
    if name == "_show_text":
        from alignfetch.cli.display import show_text

        return show_text
    raise AttributeError(name)


def main() -> None:
    import atexit
    import gc

    # As the process ends, Python's last collections of cycles would walk every object
    # the command made (a refresh of 10,000 entries: a tenth of its time) only to find
    # none; frozen then, and only then, they are left to the exit.
    atexit.unregister(gc.freeze)  # once, however often a program calls main()
    atexit.register(gc.freeze)
    cli(prog_name="alignfetch")
