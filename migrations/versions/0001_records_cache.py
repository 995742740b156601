"""records cache: one row per upstream object

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# SQLite's types as they always were; on PostgreSQL, JSONB and timestamps with time zone.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> sa.types.TypeEngine:  # type: ignore[type-arg]
    return sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record", JSON, nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=True),
        # UTC: naive on SQLite (alignfetch.models.UTCDateTime adds the zone back).
        sa.Column("fetched_at", _timestamp(), nullable=False),
        sa.Column("changed_at", _timestamp(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _timestamp(), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_records")),
    )
    with op.batch_alter_table("records") as batch_op:
        batch_op.create_index(batch_op.f("ix_records_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.drop_index(batch_op.f("ix_records_kind"))
    op.drop_table("records")
