"""Summary tables behind the reports: counts per unit, kept in step with the records.

A report over a subtree adds up a few thousand summary rows instead of grouping a million
households, members, status steps or activities. Each table holds, per unit (the household's
unit for the registry tables, the unit that did the activity for activities), the counts the
reports need grouped by the fields they break down by; a subtree's figures are the sums of its
units' rows, because every record belongs to exactly one unit.

They are kept current by database triggers (migration ``0002_summary_triggers``): every insert,
update or delete of a household, member, person (birth date, schooling, work), status step or
activity marks its unit stale (:class:`StaleUnit`), in the same transaction as the change,
whatever code made it — a form, an import, the shell. Before a report reads a summary,
``reports.summaries.refresh`` recomputes the stale units' rows from the records and clears
their marks. So a report is always as current as the records, and the work of keeping the
summaries is paid per changed unit, not per report.

``org`` has no database constraint (``db_constraint=False``): a summary row outlives nothing,
it is recomputed from the records, and the marks are written by triggers that must not fail.
"""

from __future__ import annotations

from django.db import models

REGISTRY, ACTIVITIES, REACH, COMPLIANCE = "registry", "activities", "reach", "compliance"
PARTS = (REGISTRY, ACTIVITIES, REACH, COMPLIANCE)


def _org() -> models.ForeignKey:
    return models.ForeignKey(
        "orgs.Org", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )


class StaleUnit(models.Model):
    """A unit whose summary rows of ``part`` no longer match its records, marked once per
    writing transaction: ``xact`` is PostgreSQL's transaction id of the change (0 on SQLite,
    where writers take turns). A refresh deletes only the marks it read, so the mark of a
    change still in flight — invisible to the refresh, and maybe to its recount — stays for
    the next one; and writers never wait on each other's marks."""

    part = models.CharField(max_length=20)
    org_id = models.BigIntegerField()
    xact = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["part", "org_id", "xact"], name="reports_stale_once")
        ]

    def __str__(self) -> str:
        return f"{self.part} {self.org_id} ({self.xact})"


class HouseholdTally(models.Model):
    """Households of a unit by status, main cause and degree of difficulty, with their members
    (persons) and, for the status report, how many have a status date and the latest one."""

    org = _org()
    status = models.CharField(max_length=20)
    main_cause = models.CharField(max_length=40)
    difficulty = models.CharField(max_length=20)
    households = models.IntegerField()
    persons = models.IntegerField()
    dated = models.IntegerField()  # households with a status date
    latest_since = models.DateField(null=True)

    class Meta:
        indexes = [models.Index(fields=["org"], name="reports_htally_org")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.status} {self.households}"


class MemberTally(models.Model):
    """Members of a unit's households by relation, schooling and work. ``born`` is the birth
    year of a son or daughter not in school (what 子女待业 counts by age), else null; the
    person counts by age are exact to the day because the one year the cutoff falls in is
    counted from the records (``summaries.members``)."""

    org = _org()
    relation = models.CharField(max_length=20)
    schooling = models.CharField(max_length=20)
    employment = models.CharField(max_length=20)
    born = models.IntegerField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["org"], name="reports_mtally_org")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.relation} {self.n}"


class StatusEntryTally(models.Model):
    """Status steps of a unit's households by status, date and the date of the household's
    previous step into the same status (null: its first). The households that entered a status
    within a range are the steps in the range whose previous one lies before it — exact, and
    without reading the steps."""

    org = _org()
    status = models.CharField(max_length=20)
    date = models.DateField()
    previous = models.DateField(null=True)
    households = models.IntegerField()
    persons = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["org", "date"], name="reports_etally_org_date")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.status} {self.date} {self.households}"


class ActivityTally(models.Model):
    """Activities a unit did per program, day and type: 次数, 户次 and 人次, and the 元 and 册
    their posted ledger entries gave (not 拨入; a posted reversal takes its original out)."""

    org = _org()
    program_id = models.BigIntegerField()
    date = models.DateField()
    type = models.CharField(max_length=40)
    n = models.IntegerField()
    household_visits = models.IntegerField()
    person_times = models.IntegerField()
    amount = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    books = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        indexes = [models.Index(fields=["org", "date"], name="reports_atally_org_date")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.date} {self.type} {self.n}"


class ReachTally(models.Model):
    """For 七清's 帮扶工作: per unit (of the households reached) and day, the activities that
    reached the unit's households and the 户次 they count. An activity that reached households
    of several units is on each unit's row and in :class:`ReachSpan`, which takes the
    repetitions out of a subtree's sum."""

    org = _org()
    date = models.DateField()
    activities = models.IntegerField()
    household_visits = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["org", "date"], name="reports_rtally_org_date")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.date} {self.activities}"


class ReachSpan(models.Model):
    """One row per unit reached by an activity that reached households of two units or more."""

    org = _org()
    activity_id = models.BigIntegerField()
    date = models.DateField()
    household_visits = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["date"], name="reports_rspan_date")]

    def __str__(self) -> str:
        return f"{self.activity_id} {self.org_id}"


class VisitTally(models.Model):
    """Visits to a unit's households (links of activities that count households) by day and
    the month of the household's previous visit (null: its first). The households visited
    within a range are its visits whose previous one lies before the range; for a range that
    starts within a month, the households last visited earlier that month are read from the
    records (``summaries.households_reached``)."""

    org = _org()
    date = models.DateField()
    previous_month = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["org", "date"], name="reports_vtally_org_date")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.date} {self.n}"


class PairTally(models.Model):
    """A unit's households by the spans in which they had at least one pairing in force (each
    household's pairings merged where they overlap, so a household is counted once a day)."""

    org = _org()
    start = models.DateField()
    end = models.DateField(null=True)
    households = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["org"], name="reports_ptally_org")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.start}–{self.end} {self.households}"


# -- compliance (part ``compliance``) --------------------------------------------------------


class ComplianceState(models.Model):
    """What a program's compliance rows were counted under: a digest of its dates, rules,
    activity types, semesters, area and pools (a change recounts the program's units), and the
    last day whose windows they list (``horizon``; later days read the records)."""

    program_id = models.BigIntegerField(primary_key=True)
    signature = models.CharField(max_length=64)
    horizon = models.DateField()

    def __str__(self) -> str:
        return f"{self.program_id} {self.horizon}"


class DutyTally(models.Model):
    """The obligations of a unit's pairings (the pairing's unit) per program, rule and window:
    how many pairings met it and how many did not, with every activity on record counted."""

    org = _org()
    program_id = models.BigIntegerField()
    rule = models.CharField(max_length=60)
    start = models.DateField()
    end = models.DateField()
    met = models.IntegerField()
    unmet = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["program_id", "end"], name="reports_dtally_prog_end")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.rule} {self.start}–{self.end} {self.met}/{self.unmet}"


class HelperDutyTally(models.Model):
    """The same obligations per helper (or helping unit) too: what the compliance report ranks
    helpers by, and what :class:`DutyTally` is summed from."""

    org = _org()
    program_id = models.BigIntegerField()
    rule = models.CharField(max_length=60)
    helper_id = models.BigIntegerField(null=True)
    helper_org_id = models.BigIntegerField(null=True)
    start = models.DateField()
    end = models.DateField()
    met = models.IntegerField()
    unmet = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["program_id", "end"], name="reports_hdtally_prog_end")]

    def __str__(self) -> str:
        return f"{self.org_id} h{self.helper_id} o{self.helper_org_id} {self.end}"


class CoverageTally(models.Model):
    """The subjects of a coverage rule in a unit: beneficiaries of the program's pool by their
    unit, helpers of its helper pool by theirs (a helping unit's subjects are its spans)."""

    org = _org()
    program_id = models.BigIntegerField()
    rule = models.CharField(max_length=60)
    subjects = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["program_id", "rule"], name="reports_ctally_prog_rule")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.rule} {self.subjects}"


class CoverageSpan(models.Model):
    """How many subjects of a unit meet a coverage rule (``kind`` met) — or, for helping units,
    are subjects at all (``kind`` present: an active pairing in the program) — on every day
    from ``start`` to ``end`` (null: open): the coverage on any day is a sum of spans."""

    MET, PRESENT = "met", "present"

    org = _org()
    program_id = models.BigIntegerField()
    rule = models.CharField(max_length=60)
    kind = models.CharField(max_length=10)
    start = models.DateField()
    end = models.DateField(null=True)
    n = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["program_id", "rule"], name="reports_cspan_prog_rule")]

    def __str__(self) -> str:
        return f"{self.org_id} {self.rule} {self.kind} {self.start}–{self.end} {self.n}"
