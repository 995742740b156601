"""checks follow records: a record changed, deleted or put back by any hand loses its check

A record's row in ``checks`` says it was stored or confirmed by an alignfetch that
cleans and checks what it stores. An alignfetch that writes a record writes its check
after it, in the same transaction; a record changed by anything else (a hand at the
database, another program) is no longer what was checked. These triggers drop the
check of a record whose JSON or ETag changes (an arXiv paper's ETag is the fingerprint
that confirms it), or whose row is deleted or inserted, so that a refresh can trust a
checked row's record without reading it (:func:`alignfetch.cache.rows.read_seals`), and
one changed behind its back is read, and fetched again if it cannot be used.

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
    "CREATE TRIGGER records_changed_unchecked AFTER UPDATE OF record, etag ON records "
    "FOR EACH ROW WHEN NEW.record IS NOT OLD.record OR NEW.etag IS NOT OLD.etag "
    "BEGIN DELETE FROM checks WHERE id = OLD.id; END",
    "CREATE TRIGGER records_deleted_unchecked AFTER DELETE ON records "
    "FOR EACH ROW BEGIN DELETE FROM checks WHERE id = OLD.id; END",
    # A row inserted (also by INSERT OR REPLACE, which fires no delete trigger) has no
    # check yet: alignfetch writes its own after the record, in the same transaction.
    "CREATE TRIGGER records_inserted_unchecked AFTER INSERT ON records "
    "FOR EACH ROW BEGIN DELETE FROM checks WHERE id = NEW.id; END",
)
_POSTGRESQL = (
    # The checks of the cache's own schema (named when the function is made), not of
    # whatever the caller's search_path names: two caches may share a database.
    "CREATE FUNCTION alignfetch_uncheck() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM {schema}.checks WHERE id = CASE WHEN TG_OP = 'INSERT' THEN NEW.id "
    "ELSE OLD.id END; RETURN NULL; END $$",
    "CREATE TRIGGER records_changed_unchecked AFTER UPDATE OF record, etag ON records "
    "FOR EACH ROW WHEN (NEW.record IS DISTINCT FROM OLD.record "
    "OR NEW.etag IS DISTINCT FROM OLD.etag) "
    "EXECUTE FUNCTION alignfetch_uncheck()",
    "CREATE TRIGGER records_deleted_unchecked AFTER DELETE ON records "
    "FOR EACH ROW EXECUTE FUNCTION alignfetch_uncheck()",
    "CREATE TRIGGER records_inserted_unchecked AFTER INSERT ON records "
    "FOR EACH ROW EXECUTE FUNCTION alignfetch_uncheck()",
)
TRIGGERS = ("records_changed_unchecked", "records_deleted_unchecked", "records_inserted_unchecked")


def upgrade() -> None:
    # A check made before these triggers vouches for nothing a hand changed meanwhile:
    # all are dropped, and the next refresh checks every record again (their data stays).
    op.execute("DELETE FROM checks")
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for statement in _SQLITE:
            op.execute(statement)
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    quoted = '"' + schema.replace('"', '""') + '"'
    for statement in _POSTGRESQL:
        op.execute(statement.replace("{schema}", quoted))


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}" + (" ON records" if postgresql else ""))
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS alignfetch_uncheck()")
