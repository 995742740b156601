"""The cache database's commands: db upgrade, db current."""

from __future__ import annotations

import click

from alignfetch.cli.common import Group, workspace


@click.group(cls=Group)
def db() -> None:
    """Manage the cache database."""


@db.command()
def upgrade() -> None:
    """Bring the cache's schema up to date.

    Also done automatically when the cache is opened.
    """
    from alignfetch.cache.db import current_revision

    ws = workspace()
    click.echo(current_revision(ws.cache.engine) or "empty")


@db.command()
def current() -> None:
    """Print the cache's schema revision."""
    from alignfetch.cache.db import revision_of

    click.echo(revision_of(workspace().db_url) or "empty")
