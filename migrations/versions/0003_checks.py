"""checks: when upstream last confirmed each record, in a narrow table of its own

A refresh that finds a record unchanged (a 304, or the same answer again) notes the
time here instead of rewriting the record's wide row; a record's last check is the
newer of its ``records.fetched_at`` and its ``checks.checked_at``. A record stored
since gets a row with no time (it was stored by an alignfetch that cleans and checks
what it stores). An upgraded cache keeps every record and its fetched time; its
records have no row here yet.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# As 0001: time-zone timestamps on PostgreSQL; SQLite unchanged (naive UTC).
TIMESTAMP = sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "checks",
        sa.Column("id", sa.String(length=300), nullable=False),
        # NULL: stored, and not confirmed since (its time is the record's fetched_at).
        sa.Column("checked_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checks")),
        # On SQLite, rows kept in the primary key's own tree: no second copy of each ID
        # in an index beside the table (half the table's size).
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("checks")
