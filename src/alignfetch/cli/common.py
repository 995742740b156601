"""What every command of the CLI shares.

The group class that takes --offline and --quiet after each command's name and
turns an :class:`~alignfetch.errors.AlignfetchError` into one sentence, the
logging set-up, the workspace of the invocation, talk on stderr, the --json
option, shell completion of section slugs and entry IDs, and reading a Markdown
file or stdin.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alignfetch.errors import AlignfetchError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from alignfetch.list.entries import EntriesFile
    from alignfetch.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def _offline_after(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().obj.offline = True


def _quiet_after(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta["quiet"] = True  # meta is shared by every context of the invocation
        log_to_stderr(True)


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


class Group(click.Group):
    """The root group's class and its subgroups': options after the command, one-sentence errors."""

    group_class = type  # subgroups (sections, db) are of this class too

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._with_global_options(cmd)
        super().add_command(cmd, name)

    @staticmethod
    def _with_global_options(cmd: click.Command) -> None:
        # `alignfetch check --offline` as well as `alignfetch --offline check`: users
        # put options after the command, as the README's examples of each command do.
        cmd.params.extend(_global_options())

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AlignfetchError as err:
            click.echo(f"alignfetch: {shown(str(err))}", err=True)
            ctx.exit(err.exit_code)


def shown(message: str) -> str:
    """``message`` as the terminal may show it: one line, no control character or bidi
    override, whatever upstream text or file name it quotes (an escape sequence in a
    server's error text would otherwise reach the terminal)."""
    from alignfetch.records import strip_controls

    return strip_controls(message)


def log_to_stderr(quiet: bool) -> None:
    """Library warnings (a paper page the Hub would not give) become talk on stderr,
    cleaned as :func:`shown` cleans errors (logging loads here: --help needs none of it)."""
    import logging

    class Clean(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return shown(super().format(record))

    logger = logging.getLogger("alignfetch")
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Clean("alignfetch: warning: %(message)s"))
    logger.addHandler(handler)
    # On a terminal, also the talk of a wait: "arXiv did not answer; retrying in 4 s (2/4)."
    talk = logging.INFO if sys.stderr.isatty() else logging.WARNING
    logger.setLevel(logging.ERROR if quiet else talk)
    logger.propagate = False


def workspace() -> Workspace:
    ws = click.get_current_context().obj
    return ws  # type: ignore[no-any-return]


def talk(message: str) -> None:
    if not click.get_current_context().meta.get("quiet"):
        click.echo(message, err=True)


def json_option(f: F) -> F:
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


def complete_section(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    ef = _entries_file(ctx)
    if ef is None:
        return []
    return [
        CompletionItem(s.slug, help=s.title) for s in ef.sections if s.slug.startswith(incomplete)
    ]


def complete_id(
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


def read_markdown(file: str) -> str:
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
