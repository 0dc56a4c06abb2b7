"""Triggers that mark a unit's summary rows stale whenever its records change (see
``bangfu/reports/models.py``), on SQLite and PostgreSQL; and every unit that already has
records marked stale, so that an existing installation's first report recounts them.

What marks what:
- households (insert, update, delete): the household's unit, old and new;
- members (insert, update, delete) and status steps: the unit of their household;
- persons (update of birth date, schooling or work): the units of the households they belong
  to (a new person belongs to none yet; a deleted one leaves through its members);
- activities (insert, update, delete): the unit that did it, old and new; ledger entries, the
  unit that did their activity (the 元 and 册 an activity gave);
- for 七清's 帮扶工作 (part ``reach``): activity links and pairings (insert, update, delete),
  the unit of their household; activities (update of date, counting or 户次), the units of the
  households they reached; households, their unit, old and new.
"""

# The SQL is built from this file's own constants only.
# ruff: noqa: S608

from django.db import migrations

REGISTRY, ACTIVITIES, REACH = "registry", "activities", "reach"

# (table, part, the unit of NEW/OLD as an SQL expression with {row}, events)
HOUSEHOLD_ORG = "(SELECT org_id FROM registry_household WHERE id = {row}.household_id)"
TARGETS = [
    ("registry_household", REGISTRY, "{row}.org_id"),
    ("registry_member", REGISTRY, HOUSEHOLD_ORG),
    ("registry_statuschange", REGISTRY, HOUSEHOLD_ORG),
    ("activities_activity", ACTIVITIES, "{row}.org_id"),
    (
        "ledger_ledgerentry",
        ACTIVITIES,
        "(SELECT org_id FROM activities_activity WHERE id = {row}.activity_id)",
    ),
    ("registry_household", REACH, "{row}.org_id"),
    ("activities_activitylink", REACH, HOUSEHOLD_ORG),
    ("pairings_pairing", REACH, HOUSEHOLD_ORG),
]
# (table, part, the units of NEW as a query, the columns whose update matters)
MANY = [
    (
        "registry_person",
        REGISTRY,
        """SELECT DISTINCT h.org_id FROM registry_member m
        JOIN registry_household h ON h.id = m.household_id WHERE m.person_id = NEW.id""",
        "birth_date, schooling, employment",
    ),
    (
        "activities_activity",
        REACH,
        """SELECT DISTINCT h.org_id FROM activities_activitylink l
        JOIN registry_household h ON h.id = l.household_id WHERE l.activity_id = NEW.id""",
        "date, counts, household_visits",
    ),
]


def _sqlite() -> tuple[list[str], list[str]]:
    create, drop = [], []

    def mark(part: str, select: str) -> str:
        return (
            f"INSERT INTO reports_staleunit (part, org_id, xact) SELECT '{part}', unit, 0 "
            f"FROM ({select}) WHERE unit IS NOT NULL ON CONFLICT DO NOTHING;"
        )

    for table, part, unit in TARGETS:
        for event, rows in (
            ("INSERT", ("NEW",)),
            ("UPDATE", ("NEW", "OLD")),
            ("DELETE", ("OLD",)),
        ):
            name = f"reports_stale_{part}_{table}_{event.lower()}"
            body = " ".join(mark(part, f"SELECT {unit.format(row=row)} AS unit") for row in rows)
            create.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END;")
            drop.append(f"DROP TRIGGER IF EXISTS {name};")
    for table, part, units, columns in MANY:
        name = f"reports_stale_{part}_{table}_columns"
        select = units.replace("h.org_id", "h.org_id AS unit")
        create.append(
            f"CREATE TRIGGER {name} AFTER UPDATE OF {columns} ON {table} "
            f"BEGIN {mark(part, select)} END;"
        )
        drop.append(f"DROP TRIGGER IF EXISTS {name};")
    return create, drop


def _postgres() -> tuple[list[str], list[str]]:
    create = [
        """CREATE OR REPLACE FUNCTION reports_mark(p_part text, p_unit bigint) RETURNS void AS $$
        BEGIN
            IF p_unit IS NOT NULL THEN
                INSERT INTO reports_staleunit (part, org_id, xact)
                VALUES (p_part, p_unit, txid_current()) ON CONFLICT DO NOTHING;
            END IF;
        END; $$ LANGUAGE plpgsql;"""
    ]
    drop = []
    for table, part, unit in TARGETS:
        function = f"reports_stale_{part}_{table}"
        new, old = unit.format(row="NEW"), unit.format(row="OLD")
        create.append(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'DELETE' THEN PERFORM reports_mark('{part}', {new}); END IF;
                IF TG_OP <> 'INSERT' THEN PERFORM reports_mark('{part}', {old}); END IF;
                RETURN NULL;
            END; $$ LANGUAGE plpgsql;"""
        )
        create.append(
            f"CREATE TRIGGER {function} AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}();"
        )
        drop += [
            f"DROP TRIGGER IF EXISTS {function} ON {table};",
            f"DROP FUNCTION IF EXISTS {function}();",
        ]
    for table, part, units, columns in MANY:
        function = f"reports_stale_{part}_{table}_columns"
        create.append(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            DECLARE unit bigint;
            BEGIN
                FOR unit IN {units} LOOP
                    PERFORM reports_mark('{part}', unit);
                END LOOP;
                RETURN NULL;
            END; $$ LANGUAGE plpgsql;"""
        )
        create.append(
            f"CREATE TRIGGER {function} AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}();"
        )
        drop += [
            f"DROP TRIGGER IF EXISTS {function} ON {table};",
            f"DROP FUNCTION IF EXISTS {function}();",
        ]
    drop += [
        "DROP FUNCTION IF EXISTS reports_mark(text, bigint);",
    ]
    return create, drop


# Every unit with records starts stale: the first report (or `bangfu summaries`) counts it.
EXISTING = [
    f"""INSERT INTO reports_staleunit (part, org_id, xact)
    SELECT DISTINCT '{REGISTRY}', org_id, 0 FROM registry_household""",
    f"""INSERT INTO reports_staleunit (part, org_id, xact)
    SELECT DISTINCT '{ACTIVITIES}', org_id, 0 FROM activities_activity""",
    f"""INSERT INTO reports_staleunit (part, org_id, xact)
    SELECT DISTINCT '{REACH}', org_id, 0 FROM registry_household""",
]


def forwards(apps, schema_editor):
    create, _drop = _postgres() if schema_editor.connection.vendor == "postgresql" else _sqlite()
    for sql in create + EXISTING:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    _create, drop = _postgres() if schema_editor.connection.vendor == "postgresql" else _sqlite()
    for sql in drop:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_summary_tables"),
        ("registry", "0002_income_lines"),
        ("activities", "0002_links_program_type_index"),
        ("pairings", "0002_plans"),
        ("ledger", "0002_posted_entries_immutable"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
