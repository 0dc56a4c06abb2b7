"""Triggers that mark a unit's compliance rows stale (part ``compliance``; see
``bangfu/reports/models.py``) whenever a record they are counted from changes, on SQLite and
PostgreSQL; and every unit that already has pairings, helpers or beneficiaries marked stale.

What marks what (old and new rows alike):
- pairings: their unit, the unit of their household, person or beneficiary unit, their
  helper's unit and their helping unit;
- activity links: the unit of their pairing;
- life events: the units of the pairings they fall on (the household's and its members', the
  person's and their households'); members: the units of the pairings of their household and
  of their person (who an event falls on);
- households, persons, helpers, unit beneficiaries: their unit (who is in a pool, a helper's
  capacity); a person's tags: the unit of the person and of their helper records.

A change to a program (rules, dates, semesters, area, pools) is caught when the summaries are
refreshed, by the digest kept in ``reports_compliancestate``.
"""

# The SQL is built from this file's own constants only.
# ruff: noqa: S608

from django.db import migrations

PART = "compliance"


def one(expression: str) -> str:
    return f"SELECT {expression} AS unit"


HOUSEHOLD = one("(SELECT org_id FROM registry_household WHERE id = {row}.household_id)")
PERSON = one("(SELECT org_id FROM registry_person WHERE id = {row}.person_id)")
# (table, the units of NEW/OLD as queries with a column ``unit``, using {row})
TARGETS = [
    (
        "pairings_pairing",
        [
            one("{row}.org_id"),
            HOUSEHOLD,
            PERSON,
            one("{row}.beneficiary_org_id"),
            one("(SELECT org_id FROM registry_helper WHERE id = {row}.helper_id)"),
            one("{row}.helper_org_id"),
        ],
    ),
    (
        "activities_activitylink",
        [one("(SELECT org_id FROM pairings_pairing WHERE id = {row}.pairing_id)")],
    ),
    (
        "activities_lifeevent",
        [
            """SELECT p.org_id AS unit FROM pairings_pairing p
            WHERE p.household_id = {row}.household_id
            UNION SELECT p.org_id FROM registry_member m
            JOIN pairings_pairing p ON p.person_id = m.person_id
            WHERE m.household_id = {row}.household_id
            UNION SELECT p.org_id FROM pairings_pairing p WHERE p.person_id = {row}.person_id
            UNION SELECT p.org_id FROM registry_member m
            JOIN pairings_pairing p ON p.household_id = m.household_id
            WHERE m.person_id = {row}.person_id"""
        ],
    ),
    (
        "registry_member",
        [
            """SELECT p.org_id AS unit FROM pairings_pairing p
            WHERE p.household_id = {row}.household_id
            UNION SELECT p.org_id FROM pairings_pairing p WHERE p.person_id = {row}.person_id"""
        ],
    ),
    ("registry_household", [one("{row}.org_id")]),
    ("registry_person", [one("{row}.org_id")]),
    ("registry_helper", [one("{row}.org_id")]),
    ("registry_unitbeneficiary", [one("{row}.org_id")]),
    (
        "registry_person_tags",
        [PERSON, "SELECT org_id AS unit FROM registry_helper WHERE person_id = {row}.person_id"],
    ),
]
EVENTS = (("INSERT", ("NEW",)), ("UPDATE", ("NEW", "OLD")), ("DELETE", ("OLD",)))


def _sqlite() -> tuple[list[str], list[str]]:
    create, drop = [], []
    for table, selects in TARGETS:
        for event, rows in EVENTS:
            name = f"reports_stale_{PART}_{table}_{event.lower()}"
            body = " ".join(
                f"INSERT INTO reports_staleunit (part, org_id, xact) SELECT '{PART}', unit, 0 "
                f"FROM ({select.format(row=row)}) WHERE unit IS NOT NULL ON CONFLICT DO NOTHING;"
                for row in rows
                for select in selects
            )
            create.append(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body} END;")
            drop.append(f"DROP TRIGGER IF EXISTS {name};")
    return create, drop


def _postgres() -> tuple[list[str], list[str]]:
    create, drop = [], []
    for table, selects in TARGETS:
        function = f"reports_stale_{PART}_{table}"

        def marks(row: str, selects: list[str] = selects) -> str:
            return " ".join(
                f"INSERT INTO reports_staleunit (part, org_id, xact) "
                f"SELECT '{PART}', s.unit, txid_current() FROM ({select.format(row=row)}) s "
                f"WHERE s.unit IS NOT NULL ON CONFLICT DO NOTHING;"
                for select in selects
            )

        create.append(
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'DELETE' THEN {marks("NEW")} END IF;
                IF TG_OP <> 'INSERT' THEN {marks("OLD")} END IF;
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
    return create, drop


# Every unit with pairings, helpers or beneficiaries starts stale: the first report counts it.
EXISTING = [
    f"""INSERT INTO reports_staleunit (part, org_id, xact)
    SELECT DISTINCT '{PART}', unit, 0 FROM (
        SELECT org_id AS unit FROM pairings_pairing
        UNION SELECT org_id FROM registry_household
        UNION SELECT org_id FROM registry_person
        UNION SELECT org_id FROM registry_helper
        UNION SELECT org_id FROM registry_unitbeneficiary
        UNION SELECT helper_org_id FROM pairings_pairing
    ) s WHERE unit IS NOT NULL ON CONFLICT DO NOTHING""",
]


def forwards(apps, schema_editor):
    create, _drop = _postgres() if schema_editor.connection.vendor == "postgresql" else _sqlite()
    for sql in create + EXISTING:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    _create, drop = _postgres() if schema_editor.connection.vendor == "postgresql" else _sqlite()
    for sql in drop:
        schema_editor.execute(sql)
    schema_editor.execute(f"DELETE FROM reports_staleunit WHERE part = '{PART}'")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_compliance_tables"),
        ("registry", "0003_person_birth_date_index"),
        ("activities", "0002_links_program_type_index"),
        ("pairings", "0002_plans"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
