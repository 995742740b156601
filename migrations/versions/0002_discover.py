"""discover: cached listings of announcements, and rejected candidates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# As 0001: JSONB and time-zone timestamps on PostgreSQL; SQLite unchanged.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime().with_variant(postgresql.TIMESTAMP(timezone=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "discover_listings",
        sa.Column("key", sa.String(length=500), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        # UTC, stored naive (alignfetch.models.UTCDateTime adds the zone back).
        sa.Column("fetched_at", TIMESTAMP, nullable=False),
        sa.Column("announcements", JSON, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_discover_listings")),
    )
    with op.batch_alter_table("discover_listings") as batch_op:
        batch_op.create_index(batch_op.f("ix_discover_listings_day"), ["day"], unique=False)
    op.create_table(
        "discover_rejections",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("rejected_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discover_rejections")),
    )


def downgrade() -> None:
    op.drop_table("discover_rejections")
    with op.batch_alter_table("discover_listings") as batch_op:
        batch_op.drop_index(batch_op.f("ix_discover_listings_day"))
    op.drop_table("discover_listings")
