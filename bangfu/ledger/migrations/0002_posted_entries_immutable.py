"""The database itself refuses to change a posted ledger entry (an UPDATE of a row whose status
was ``posted``), whatever code runs: a correction is a reversal plus a new entry. Deletes are
refused by the model and its queryset; a trigger on DELETE would also stop the test database's
flush on SQLite."""

from django.db import migrations

MESSAGE = "posted ledger entries are immutable"

SQLITE = [
    f"""CREATE TRIGGER ledger_posted_immutable BEFORE UPDATE ON ledger_ledgerentry
    WHEN OLD.status = 'posted'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS ledger_posted_immutable;"]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION ledger_posted_immutable() RETURNS trigger AS $$
    BEGIN
        IF OLD.status = 'posted' THEN
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
    END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER ledger_posted_immutable BEFORE UPDATE ON ledger_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION ledger_posted_immutable();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS ledger_posted_immutable ON ledger_ledgerentry;",
    "DROP FUNCTION IF EXISTS ledger_posted_immutable();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = (
        POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    )
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_ledger_entries")]

    operations = [migrations.RunPython(forwards, backwards)]
