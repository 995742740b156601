"""checks follow records: a record changed or deleted by any hand loses its check

A record's row in ``checks`` says it was stored or confirmed by an alignfetch that
cleans and checks what it stores. An alignfetch that writes a record writes its check
after it, in the same transaction; a record changed by anything else (a hand at the
database, another program) is no longer what was checked. These triggers drop the
check of a record whose JSON changes, or whose row is deleted, so a refresh can trust
a checked row's record without reading it (:func:`alignfetch.cache.rows.read_seals`),
and one changed behind its back is read, and fetched again if it cannot be used.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE TRIGGER records_changed_unchecked AFTER UPDATE OF record ON records "
    "FOR EACH ROW WHEN NEW.record IS NOT OLD.record "
    "BEGIN DELETE FROM checks WHERE id = OLD.id; END",
    "CREATE TRIGGER records_deleted_unchecked AFTER DELETE ON records "
    "FOR EACH ROW BEGIN DELETE FROM checks WHERE id = OLD.id; END",
)
_POSTGRESQL = (
    "CREATE FUNCTION alignfetch_uncheck() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN DELETE FROM checks WHERE id = OLD.id; RETURN NULL; END $$",
    "CREATE TRIGGER records_changed_unchecked AFTER UPDATE OF record ON records "
    "FOR EACH ROW WHEN (NEW.record IS DISTINCT FROM OLD.record) "
    "EXECUTE FUNCTION alignfetch_uncheck()",
    "CREATE TRIGGER records_deleted_unchecked AFTER DELETE ON records "
    "FOR EACH ROW EXECUTE FUNCTION alignfetch_uncheck()",
)


def upgrade() -> None:
    # A check made before these triggers vouches for nothing a hand changed meanwhile:
    # all are dropped, and the next refresh checks every record again (their data stays).
    op.execute("DELETE FROM checks")
    for statement in _POSTGRESQL if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger in ("records_changed_unchecked", "records_deleted_unchecked"):
        op.execute(f"DROP TRIGGER {trigger}" + (" ON records" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION alignfetch_uncheck()")
