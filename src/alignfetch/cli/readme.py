"""The commands about READMEs: render the list's, import an awesome list's, check them."""

from __future__ import annotations

import sys

import click

from alignfetch.cli.common import json_option, read_markdown, talk, workspace


@click.command()
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
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 and write nothing when an entry has no cached record yet.",
)
def render(
    output: str | None, check: bool, source: str | None, template: str | None, strict: bool
) -> None:
    """Render the list's README (stdout unless -o).

    Writes to stdout, or with -o FILE into FILE (only between its alignfetch
    markers, if it has them). An entry with no cached record yet is shown as
    entries.toml has it and named on stderr.
    """
    from alignfetch.errors import InputError

    ws = workspace()
    if output is None or output == "-":  # "-" is stdout, as for every Unix tool
        if check:
            raise InputError("The --check option needs the file to compare; give -o FILE.")
        click.echo(ws.render(source=source, template=template, strict=strict), nl=False)
        return
    difference = ws.render_to(output, check=check, source=source, template=template, strict=strict)
    if difference is not None:
        click.echo(difference, nl=False)
        talk(f"{output} is not up to date; run `alignfetch render -o {output}`.")
        click.get_current_context().exit(1)
    talk(f"{output} is up to date." if check else f"Wrote {output}.")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@click.option(
    "--keep-typed",
    is_flag=True,
    help="Keep typed titles and dates as overrides too (the sources know them).",
)
@click.option(
    "--house-style",
    is_flag=True,
    help="Write the page with alignfetch's own template, not the look learned from FILE.",
)
@json_option
def import_(file: str, dry_run: bool, keep_typed: bool, house_style: bool, as_json: bool) -> None:
    """Adopt an existing awesome list's README.

    Its sections and entries join entries.toml (created when absent); a new list also
    gets FILE's own look, a template named after it (README.md.j2). FILE may be - for
    stdin. Nothing is fetched: run `refresh` next.
    """
    from alignfetch.list.export import dumps

    text = read_markdown(file)
    report = workspace().import_markdown(
        text,
        keep_typed=keep_typed,
        dry_run=dry_run,
        house_style=house_style,
        source="README.md" if file == "-" else file,
    )
    if as_json:
        click.echo(dumps(report.json()), nl=False)
    talk(report.text().rstrip("\n"))


@click.command()
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
    texts = [(name, read_markdown(name)) for name in files]
    result = workspace().check(texts, stale_months=stale_months)
    if result.unresolved:
        n = len(result.unresolved)
        named = ", ".join(result.unresolved[:5]) + (" …" if n > 5 else "")
        were = f"{n} entr{'y was' if n == 1 else 'ies were'} not checked"
        talk(
            f"alignfetch: {were}: the cache has no record of them and --offline asks the "
            f"sources nothing: {named}; run `alignfetch refresh`, or check without --offline."
            if workspace().offline
            else f"alignfetch: {were} against the sources, which did not answer for them: {named}."
        )
    if fmt == "json":
        click.echo(dumps(result.json()), nl=False)
    elif fmt == "github":
        click.echo(result.github(), nl=False)
    else:
        click.echo(result.text(color=sys.stdout.isatty()), nl=False, color=None)
    if not result.ok:
        click.get_current_context().exit(1)
