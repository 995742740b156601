"""Alembic environment for alignfetch's cache.

Run by :func:`alignfetch.cache.schema.upgrade` with a connection in ``config.attributes``,
or by the ``alembic`` command from the repository root (``alembic.ini``), which
takes the database from ``ALIGNFETCH_DB`` or the ini file.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from alignfetch.cache.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = os.environ.get("ALIGNFETCH_DB") or config.get_main_option("sqlalchemy.url")
    assert url, "set ALIGNFETCH_DB or sqlalchemy.url"
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)
