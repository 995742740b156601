"""The commands that edit and read the list: init, add, remove, move, edit, show, list, sections."""

from __future__ import annotations

import click

from alignfetch.cli.common import (
    Group,
    complete_id,
    complete_section,
    json_option,
    talk,
    workspace,
)
from alignfetch.cli.display import item_title, show_text, summary


def _link(value: str, *, clear: bool = False) -> tuple[str, str]:
    """``NAME=URL`` as a pair; with ``clear``, ``NAME=`` (no URL) is allowed too."""
    from alignfetch.errors import InputError

    name, sep, url = value.partition("=")
    if not sep or not name.strip() or not (url.strip() or clear):
        form = "NAME=URL (or NAME= to remove a link)" if clear else "NAME=URL"
        raise InputError(f"The link {value!r} is not written as {form}.")
    return name.strip(), url.strip()


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


@click.command(epilog=_id_forms_epilog())
@click.argument("ids", nargs=-1, required=True)
@click.option(
    "--section",
    "-s",
    "sections",
    required=True,
    multiple=True,
    shell_complete=complete_section,
    help="Slug of the section to add to; repeat it to list the entries in several.",
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
@json_option
def add(
    ids: tuple[str, ...],
    sections: tuple[str, ...],
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
    items = workspace().add(list(ids), sections, links=pairs, reuse_after=reuse, **overrides)
    if as_json:
        click.echo(dumps([entry_json(i) for i in items]), nl=False)
    else:
        for item in items:
            click.echo(summary(item))
    talk(f"Added {len(items)} entr{'y' if len(items) == 1 else 'ies'} to {', '.join(sections)}.")


@click.command()
@click.option("--title", help="The list's title [default: the folder's name].")
def init(title: str | None) -> None:
    """Start a list: write a new entries.toml.

    It holds a [list] table and a commented example section and entry. In a git
    repository, .alignfetch/ (the cache) is added to .gitignore. An existing
    entries.toml is never overwritten.
    """
    for path in workspace().init(title):
        talk(f"Wrote {path}.")


@click.command()
@click.argument("id", shell_complete=complete_id)
def remove(id: str) -> None:
    """Remove an entry from the list."""
    entry = workspace().remove(id)
    talk(f"Removed {entry.id} from {', '.join(entry.sections)}.")


@click.command()
@click.argument("id", shell_complete=complete_id)
@click.option(
    "--section",
    "-s",
    "sections",
    required=True,
    multiple=True,
    shell_complete=complete_section,
    help="Slug of the section to move it to; repeat it to list the entry in several.",
)
def move(id: str, sections: tuple[str, ...]) -> None:
    """Move an entry to another section, or list it in several.

    The entry is then in exactly the sections given (`-s a -s b` lists it in both). It
    keeps its place in entries.toml and its overrides.
    """
    entry = workspace().move(id, sections)
    talk(f"Moved {entry.id} to {', '.join(entry.sections)}.")


@click.command()
@click.argument("id", shell_complete=complete_id)
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
    entry = workspace().edit(id, links=pairs, **overrides)
    talk(f"Edited {entry.id}.")


@click.command()
@click.argument("id", shell_complete=complete_id)
@json_option
def show(id: str, as_json: bool) -> None:
    """Show one entry with everything known about it."""
    from alignfetch.list.export import dumps, entry_json

    item = workspace().item(id)
    if as_json:
        click.echo(dumps(entry_json(item)), nl=False)
        return
    click.echo(show_text(entry_json(item)))


@click.command("list")
@click.option(
    "--section",
    "-s",
    shell_complete=complete_section,
    help="Only this section and its subsections, grouped by section.",
)
@json_option
def list_(section: str | None, as_json: bool) -> None:
    """List the entries: ID, section, date, title."""
    from alignfetch.workspace.memo import remembered

    ws = workspace()

    def make(*_: object) -> tuple[str, list[str]]:
        from alignfetch.list.export import dumps, entry_json, item_date

        items = ws.items(section, pages=as_json)  # the lines show no paper page
        if as_json:
            return dumps([entry_json(i) for i in items]), []
        # A cross-listed entry is one line, its sections comma-separated (a slug holds none).
        return "".join(
            f"{item.entry.id}\t{','.join(item.entry.sections)}\t"
            f"{item_date(item) or ''}\t{item_title(item)}\n"
            for item in items
        ), []  # an entry without a record is an error here, never kept

    # Kept from the last run when nothing it shows can have changed; written at once.
    click.echo(remembered(ws, f"list {section!r} {as_json}", make), nl=False)


@click.group(cls=Group, invoke_without_command=True)
@json_option
@click.pass_context
def sections(ctx: click.Context, as_json: bool) -> None:
    """List, add or remove sections.

    With no subcommand, lists the sections, nested as in the README.
    """
    if ctx.invoked_subcommand is not None:
        return
    secs = workspace().sections()
    if as_json:
        from alignfetch.list.export import dumps, section_json  # the record types: JSON only

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
    "--parent", shell_complete=complete_section, help="Slug of the section it goes under."
)
def sections_add(slug: str, title: str, parent: str | None) -> None:
    """Define a new section (after the last one)."""
    section = workspace().add_section(slug, title, parent)
    talk(f"Added section {section.slug}.")


@sections.command("remove")
@click.argument("slug", shell_complete=complete_section)
def sections_remove(slug: str) -> None:
    """Remove a section that holds no entries or subsections."""
    section = workspace().remove_section(slug)
    talk(f"Removed section {section.slug}.")
