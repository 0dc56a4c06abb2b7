"""On PostgreSQL, the triggers that mark units stale (0002_summary_triggers,
0004_compliance_triggers) run once per statement instead of once per row.

A row-level trigger calls its PL/pgSQL function for every row: a load of 200,000 persons with
``COPY`` ran 200,000 functions, each an ``INSERT … ON CONFLICT DO NOTHING`` of the same mark,
and its 133,000 tag links two each (13 s of a 25.6 s load on a busy machine; docs/performance.md,
"Where the time went"). A statement-level trigger with a transition table (``REFERENCING NEW
TABLE`` / ``OLD TABLE``) sees every row the statement wrote and marks their distinct units in
one ``INSERT … SELECT DISTINCT``: the same marks, set by set. PostgreSQL allows a transition
table only on a trigger for one event, so each table gets three triggers (insert, update,
delete); an update marks the units of the old and of the new rows, as before.

What marks what is unchanged: the targets are read from those two migrations. The triggers on
an update of some columns only (``UPDATE OF …``, 0002's persons and activities) stay row-level:
PostgreSQL gives no transition table to a trigger with a column list. SQLite has no
statement-level triggers and keeps its row triggers; there a bulk insert avoids what made them
expensive (``BulkInsert``'s ``INSERT OR FAIL``) and sets the known ones aside, making their
marks once (``reports.summaries.bulk_insert``).
"""

# The SQL is built from the earlier migrations' constants only.
# ruff: noqa: S608

import re
from importlib import import_module

from django.db import migrations

SUMMARY = import_module("bangfu.reports.migrations.0002_summary_triggers")
COMPLIANCE = import_module("bangfu.reports.migrations.0004_compliance_triggers")

# The earlier migrations' queries for the units of one row ({row}), as queries a set of rows
# can be joined to: a scalar subquery ``SELECT (SELECT org_id FROM t WHERE id = {row}.c) AS unit``
# becomes the subquery itself (no row: no unit, where NULL was skipped before), and a query made
# of ``UNION``s its branches, each marked by its own statement (the marks are the same union).
# PostgreSQL then plans each as a join of the transition table, not a subquery run per row.
SCALAR = re.compile(r"^SELECT \((SELECT .*)\) AS unit$", re.DOTALL)


def _branches(select: str) -> list[str]:
    scalar = SCALAR.match(select.strip())
    if scalar:
        return [scalar.group(1)]
    return [branch.strip() for branch in re.split(r"\s+UNION\s+", select)]


# (table, part, the units of a row as queries with one column, using {row})
TARGETS = [
    *((table, part, _branches(f"SELECT {unit} AS unit")) for table, part, unit in SUMMARY.TARGETS),
    *(
        (table, COMPLIANCE.PART, [b for select in selects for b in _branches(select)])
        for table, selects in COMPLIANCE.TARGETS
    ),
]
# event → (the transition tables it has, as (name, alias))
EVENTS = {
    "insert": [("new_rows", "n")],
    "update": [("old_rows", "o"), ("new_rows", "n")],
    "delete": [("old_rows", "o")],
}
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}


def _statement_level() -> tuple[list[str], list[str]]:
    create, drop = [], []
    for table, part, selects in TARGETS:
        for event, transitions in EVENTS.items():
            function = f"reports_stale_{part}_{table}_{event}"
            marks = " ".join(
                f"INSERT INTO reports_staleunit (part, org_id, xact) "
                f"SELECT DISTINCT '{part}', s.unit, txid_current() "
                f"FROM {rows} AS {alias} "
                f"CROSS JOIN LATERAL ({select.format(row=alias)}) AS s (unit) "
                f"WHERE s.unit IS NOT NULL ON CONFLICT DO NOTHING;"
                for rows, alias in transitions
                for select in selects
            )
            create.append(
                # (jit off: compiling these small statements would cost more than running them)
                f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger SET jit = off AS $$
                BEGIN
                    {marks}
                    RETURN NULL;
                END; $$ LANGUAGE plpgsql;"""
            )
            create.append(
                f"CREATE TRIGGER {function} AFTER {event.upper()} ON {table} "
                f"{REFERENCING[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
            drop += [
                f"DROP TRIGGER IF EXISTS {function} ON {table};",
                f"DROP FUNCTION IF EXISTS {function}();",
            ]
    return create, drop


def _row_level_drop() -> list[str]:
    """The row-level triggers (and their functions) the statement-level ones replace."""
    drop = []
    for table, part, _selects in TARGETS:
        function = f"reports_stale_{part}_{table}"
        drop += [
            f"DROP TRIGGER IF EXISTS {function} ON {table};",
            f"DROP FUNCTION IF EXISTS {function}();",
        ]
    return drop


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    create, _drop = _statement_level()
    for sql in _row_level_drop() + create:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _create, drop = _statement_level()
    for sql in drop:
        schema_editor.execute(sql)
    # The row-level triggers as the earlier migrations made them (their CREATE OR REPLACE
    # statements; the shared reports_mark function was never dropped).
    summary_create, _summary_drop = SUMMARY._postgres()
    compliance_create, _compliance_drop = COMPLIANCE._postgres()
    for sql in summary_create + compliance_create:
        if sql.startswith("CREATE TRIGGER") and " UPDATE OF " in sql:
            continue  # (the column triggers were kept)
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_compliance_triggers")]

    operations = [migrations.RunPython(forwards, backwards)]
