"""Data-quality checks (逻辑校验) over the registry.

The checks are data: ``data/quality_checks.json`` declares each one with a code, a short title,
a message template, a severity, the kind of record it is about and one line on why it matters.
This module holds one function per code (registered with :func:`implements`) that finds the
failing records of a subtree in one or a few set-based queries, so that a county of 200,000
persons is checked in seconds; :func:`run_checks` runs them and returns a :class:`QualityReport`.

Why declarations and code are kept apart: the findings page, the import report and the docs list
the checks from the declarations alone, and a test fails when a declared check has no
implementation or an implementation has no declaration. A check may declare ``"requires":
"pairings"``: it needs an app that is not part of the registry; while that app is not installed,
the runner lists the check as skipped (never silently missing). When the app is installed, its
``bangfu.<app>.quality`` module is imported, where it registers its implementations. A
declaration may name its ``source``: the national rule (国家扶贫开发信息系统 / 防返贫监测信息系统
逻辑校验) or the law it implements (docs/data-quality.md lists them).

:func:`iter_findings` yields the findings one by one, so that a command can write a million of
them without holding them (``bangfu quality``, docs/cli.md); :func:`run_checks` collects them into
a :class:`QualityReport` for pages and imports.

Income lines (:class:`~bangfu.registry.models.IncomeLine`) are data too: the national rural
poverty lines 2014-2020 and the 防止返贫监测 lines found in published notices ship in
``data/income_lines.json`` and :func:`load_default_income_lines` puts them in the database;
provinces and counties add their own rows.
"""

from __future__ import annotations

import datetime
import json
import string
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connection, connections, transaction
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Length, Ord
from django.db.models.functions import Substr as _Substr
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from bangfu.core.idnumber import (
    EARLIEST_BIRTH_DATE,
    age_on,
    known_region_codes,
    prefix_lineage,
)
from bangfu.core.tree import path_ids, prefix_q
from bangfu.orgs.kinds import PLACE_KINDS, significant_prefix
from bangfu.registry.choices import (
    CHILD_RELATIONS,
    IN_SCHOOL,
    PARENT_RELATIONS,
    RELATION_SEX,
    Cause,
    Employment,
    Health,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)
from bangfu.registry.models import (
    Helper,
    Household,
    HouseholdIncome,
    IncomeLine,
    Member,
    Person,
    StatusChange,
)

if TYPE_CHECKING:
    from django.db.models.expressions import Combinable

    from bangfu.orgs.models import Org

__all__ = [
    "CHECKS",
    "SEVERITIES",
    "SUBJECTS",
    "CheckContext",
    "Declaration",
    "Finding",
    "Hit",
    "QualityReport",
    "Skipped",
    "declaration_problems",
    "default_income_lines",
    "implements",
    "income_line_for",
    "iter_findings",
    "load_checks",
    "load_default_income_lines",
    "region_codes",
    "run_checks",
    "run_checks_for_org",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
CHECKS_FILE = DATA_DIR / "quality_checks.json"
INCOME_LINES_FILE = DATA_DIR / "income_lines.json"

# Severity keys in the order findings are shown (most serious first), with their labels.
SEVERITIES: dict[str, Any] = {
    "error": gettext_lazy("错误"),
    "warning": gettext_lazy("警告"),
    "info": gettext_lazy("提示"),
}
SUBJECTS: dict[str, Any] = {
    "person": gettext_lazy("人员"),
    "household": gettext_lazy("户"),
    "member": gettext_lazy("家庭成员"),
    "helper": gettext_lazy("帮扶责任人"),
    "unit": gettext_lazy("单位"),
}

# Plausible bounds of a per-capita net income (元 per person per year).
INCOME_MIN = Decimal(0)
INCOME_MAX = Decimal(100_000)
# Parts may differ from the total by rounding: 1 %.
INCOME_TOLERANCE = Decimal("0.01")
# A helper capacity above this is not a capacity anyone can keep up with.
CAPACITY_MAX = 50
# Usual ages (whole years, inclusive; None: no upper bound) of each 在校生状况: the national
# system's bounds (防返贫监测信息系统 rules 5_17_001-5_17_004: 小学 6-14, 初中 12-17, 高中和中职
# 15-20, 学龄前儿童 and 学前教育 under 7 for a healthy child; docs/data-quality.md).
SCHOOLING_AGES: dict[str, tuple[int, int | None]] = {
    Schooling.PRESCHOOL_AGE: (0, 6),
    Schooling.KINDERGARTEN: (2, 6),
    Schooling.PRIMARY: (6, 14),
    Schooling.JUNIOR: (12, 17),
    Schooling.SENIOR: (15, 20),
    Schooling.VOCATIONAL: (15, 20),
    Schooling.COLLEGE: (15, None),
    Schooling.UNIVERSITY: (15, None),
}
# Stages that a sick or disabled child may stay in past their usual age: the national rule asks
# only healthy children of 7 or more to have left them.
PRESCHOOL_STAGES = {Schooling.PRESCHOOL_AGE, Schooling.KINDERGARTEN}
UNWELL = [Health.CHRONIC, Health.SERIOUS, Health.DISABLED]
# 劳动年龄: 16 (inclusive) to 60 (exclusive) years, as the national labour rules count it.
LABOUR_AGE = (16, 60)
# 义务教育适龄: 6 to 15 years on the day of the check (义务教育法 第十一条; P020).
COMPULSORY_SCHOOL_AGE = (6, 15)
# Stages up to 普通高中 (incl. 学龄前) whose pupils should not work away from home (P021).
SCHOOL_UP_TO_SENIOR = [
    Schooling.PRESCHOOL_AGE,
    Schooling.KINDERGARTEN,
    Schooling.PRIMARY,
    Schooling.JUNIOR,
    Schooling.SENIOR,
]
# 外出务工: working outside one's township (乡镇外县内, 县外省内, 省外).
AWAY_FROM_HOME = [Employment.COUNTY, Employment.PROVINCE, Employment.OUT_OF_PROVINCE]
# 民法典第一千零四十七条: the legal age of marriage.
LEGAL_MARRIAGE_AGE = {Sex.MALE: 22, Sex.FEMALE: 20}

_ID_FORMAT = r"^[0-9]{17}[0-9X]$"
_ID_FORMAT_GLOB = "[0-9]" * 17 + "[0-9X]"
_MOBILE = r"^1[3-9][0-9]{9}$"
_MOBILE_GLOB = "1[3-9]" + "[0-9]" * 9
_LANDLINE = r"^0(10|2[0-9]|[3-9][0-9]{2})-[0-9]{7,8}(-[0-9]{1,6})?$"
_ODD_DIGITS = ["1", "3", "5", "7", "9"]
_EVEN_DIGITS = ["0", "2", "4", "6", "8"]
_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_NAME_JUNK = r"[0-9A-Za-z?？*#@!！_=+<>|\\/$%^&~]"
# The same class as a GLOB (inside brackets ?, * and a ^ not first are plain characters).
_NAME_JUNK_GLOB = "*[0-9A-Za-z?？*#@!！_=+<>|\\/$%^&~]*"


# -- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """One declared check, as in ``quality_checks.json``."""

    code: str
    title: str
    message: str
    severity: str
    subject: str
    explain: str
    requires: str | None = None
    # Where the rule comes from: the national rule's number and text, or the law.
    source: str = ""

    @property
    def placeholders(self) -> list[str]:
        """The names in the message template: "{name} 同时登记在 {count} 户中" → name, count."""
        return [
            name for _text, name, _spec, _conv in string.Formatter().parse(self.message) if name
        ]

    @property
    def severity_label(self) -> str:
        return str(SEVERITIES.get(self.severity, self.severity))

    def render(self, params: Mapping[str, Any]) -> str:
        """The message with its placeholders filled; a missing value stays as ``{name}`` so that
        a page never breaks on a finding (the tests require every placeholder to be filled)."""
        return self.message.format_map(_Keep(params))


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_REQUIRED_KEYS = ("code", "title", "message", "severity", "subject", "explain")
_OPTIONAL_KEYS = ("requires", "source")


def declaration_problems(data: Any) -> list[str]:
    """What is wrong with a declarations document (``{"checks": [...]}``); [] when it is valid.

    Checked: required keys are present and non-empty strings, codes are unique and look like
    "P001", severities and subjects are known, a ``source`` (optional) is a non-empty string,
    and every message template parses with plain named placeholders."""
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        return ['the document must be an object with a "checks" list']
    seen: set[str] = set()
    for index, item in enumerate(data["checks"]):
        where = f"checks[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object")
            continue
        for key in _REQUIRED_KEYS:
            if not isinstance(item.get(key), str) or not item[key].strip():
                problems.append(f"{where}: {key} missing or empty")
        code = str(item.get("code", ""))
        where = f"{where} {code}"
        if code in seen:
            problems.append(f"{where}: duplicate code")
        seen.add(code)
        if not (len(code) == 4 and code[0].isalpha() and code[0].isupper() and code[1:].isdigit()):
            problems.append(f"{where}: code must be a capital letter and three digits")
        if item.get("severity") not in SEVERITIES:
            problems.append(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
        if item.get("subject") not in SUBJECTS:
            problems.append(f"{where}: subject must be one of {', '.join(SUBJECTS)}")
        requires = item.get("requires")
        if requires is not None and (not isinstance(requires, str) or not requires.isidentifier()):
            problems.append(f"{where}: requires must be an app name such as pairings")
        source = item.get("source")
        if source is not None and (not isinstance(source, str) or not source.strip()):
            problems.append(f"{where}: source must be a non-empty text naming the rule's origin")
        unknown = set(item) - set(_REQUIRED_KEYS) - set(_OPTIONAL_KEYS)
        if unknown:
            problems.append(f"{where}: unknown keys {sorted(unknown)}")
        try:
            parts = list(string.Formatter().parse(str(item.get("message", ""))))
        except ValueError as exc:
            problems.append(f"{where}: message does not parse: {exc}")
            continue
        for _text, name, spec, conversion in parts:
            if name is not None and (not name.isidentifier() or spec or conversion):
                problems.append(f"{where}: placeholder {{{name}}} must be a plain name")
    return problems


def load_checks(path: Path = CHECKS_FILE) -> tuple[Declaration, ...]:
    """Read and validate the declarations; an invalid file raises ValueError naming each
    problem (a broken file must stop the server at start, not hide checks)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    problems = declaration_problems(data)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return tuple(
        Declaration(
            code=item["code"],
            title=item["title"],
            message=item["message"],
            severity=item["severity"],
            subject=item["subject"],
            explain=item["explain"],
            requires=item.get("requires"),
            source=item.get("source", ""),
        )
        for item in data["checks"]
    )


CHECKS: tuple[Declaration, ...] = load_checks()
CHECKS_BY_CODE: dict[str, Declaration] = {d.code: d for d in CHECKS}


# -- findings and the report -----------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """What an implementation yields: the failing record and the values for the message."""

    object_id: int
    object_repr: str
    org_id: int | None
    household_id: int | None = None
    person_id: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One failing record of one check, with its rendered message and a link to the record.

    ``subject`` says what ``object_id`` is the id of: a person, a household, a member (a
    household's row of a person; ``household_id`` is then set) or a helper."""

    code: str
    severity: str
    title: str
    message: str
    subject: str
    object_id: int
    object_repr: str
    org_id: int | None
    household_id: int | None = None
    person_id: int | None = None
    url: str = ""

    @property
    def severity_label(self) -> str:
        return str(SEVERITIES.get(self.severity, self.severity))


@dataclass(frozen=True)
class Skipped:
    """A declared check that did not run, and why (e.g. the pairings app is not installed)."""

    code: str
    title: str
    reason: str


@dataclass
class QualityReport:
    """The findings of one run, with counts by code and by severity and the skipped checks."""

    today: datetime.date
    ran: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Findings per code, every check that ran included (0 when it found nothing)."""
        counts = dict.fromkeys(self.ran, 0)
        for finding in self.findings:
            counts[finding.code] = counts.get(finding.code, 0) + 1
        return counts

    @property
    def severity_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    @property
    def total(self) -> int:
        return len(self.findings)

    def by_code(self) -> dict[str, list[Finding]]:
        """Findings grouped by code, in declaration order; codes without findings left out."""
        groups: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            groups[finding.code].append(finding)
        return {d.code: groups[d.code] for d in CHECKS if d.code in groups}

    def ids(self, code: str) -> set[int]:
        """The object ids a check found (what the tests and the import report ask)."""
        return {f.object_id for f in self.findings if f.code == code}


# -- the context the implementations work on -------------------------------------------------


@dataclass
class CheckContext:
    """The subtree's querysets and the day the checks are run for (ages, "this year")."""

    persons: QuerySet[Person]
    households: QuerySet[Household]
    helpers: QuerySet[Helper]
    today: datetime.date

    def person_qs(self) -> QuerySet[Person]:
        return self.persons.order_by()

    def household_qs(self) -> QuerySet[Household]:
        return self.households.order_by()

    def helper_qs(self) -> QuerySet[Helper]:
        return self.helpers.order_by()

    def members(self) -> QuerySet[Member]:
        """Members of the households in scope (whoever the person is)."""
        return Member.objects.filter(household__in=self.households.order_by().values("pk"))

    def born_by(self, years: int) -> datetime.date:
        """The last birth date of someone who is at least ``years`` old today: age ≥ n ⇔
        birth_date ≤ born_by(n). (29 February counts as 28 February in common years.)"""
        return years_before(self.today, years)

    def age(self, birth: datetime.date | None) -> int | str:
        if birth is None:
            return "?"
        try:
            return age_on(birth, self.today)
        except ValueError:
            return "?"


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


Implementation = Callable[[CheckContext], Iterable[Hit]]
IMPLEMENTATIONS: dict[str, Implementation] = {}


def implements(code: str) -> Callable[[Implementation], Implementation]:
    """Register the function that finds the failing records of check ``code``."""

    def register(func: Implementation) -> Implementation:
        if code in IMPLEMENTATIONS:
            raise ValueError(f"check {code} is implemented twice")
        IMPLEMENTATIONS[code] = func
        return func

    return register


# -- the runner ------------------------------------------------------------------------------


def run_checks(
    *,
    persons: QuerySet[Person],
    households: QuerySet[Household],
    helpers: QuerySet[Helper],
    codes: Iterable[str] | None = None,
    today: datetime.date | None = None,
) -> QualityReport:
    """Run the checks (all, or ``codes``) over querysets the caller has already scoped.

    A view passes the selectors' querysets filtered to a subtree; an import passes the rows it
    wrote. Querysets must be plain filters (no slicing). Findings come only from the records of
    these querysets; a few checks look beyond them to say more about such a record (一人多户
    counts every household a person of the scope belongs to)."""
    today = today or timezone.localdate()
    report = QualityReport(today=today)
    report.findings.extend(
        iter_findings(
            persons=persons,
            households=households,
            helpers=helpers,
            codes=codes,
            today=today,
            report=report,
        )
    )
    return report


def run_checks_in_threads(
    *,
    persons: QuerySet[Person],
    households: QuerySet[Household],
    helpers: QuerySet[Helper],
    codes: Iterable[str] | None = None,
    today: datetime.date | None = None,
    threads: int = 2,
) -> QualityReport:
    """:func:`run_checks`, with the checks shared out among ``threads`` threads, each on its
    own database connection, and the same report: findings in declaration order.

    Each check is a query or two that the database works out while the thread waits (SQLite
    and psycopg let other threads run meanwhile), so two threads on two cores take about half
    the time: the checks after a 200,000-row import (docs/performance.md). Only outside a
    transaction: another connection would not see what this one has not committed. Inside one,
    or with one thread, this is :func:`run_checks`."""
    today = today or timezone.localdate()
    wanted = [d.code for d in CHECKS] if codes is None else [_declaration(c).code for c in codes]
    if threads < 2 or connection.in_atomic_block or len(wanted) < 2:
        return run_checks(
            persons=persons, households=households, helpers=helpers, codes=wanted, today=today
        )

    def work(group: list[str]) -> QualityReport:
        try:
            return run_checks(
                persons=persons, households=households, helpers=helpers, codes=group, today=today
            )
        finally:
            connections.close_all()  # (this thread's own connections)

    with ThreadPoolExecutor(threads) as pool:
        reports = list(pool.map(work, [wanted[i::threads] for i in range(threads)]))
    order = {code: index for index, code in enumerate(wanted)}
    merged = QualityReport(today=today)
    merged.ran = sorted((c for r in reports for c in r.ran), key=order.__getitem__)
    merged.skipped = sorted((s for r in reports for s in r.skipped), key=lambda s: order[s.code])
    # (a stable sort: each check's findings stay in the order it found them)
    merged.findings = sorted((f for r in reports for f in r.findings), key=lambda f: order[f.code])
    return merged


def iter_findings(
    *,
    persons: QuerySet[Person],
    households: QuerySet[Household],
    helpers: QuerySet[Helper],
    codes: Iterable[str] | None = None,
    today: datetime.date | None = None,
    report: QualityReport | None = None,
    links: bool = True,
) -> Iterator[Finding]:
    """The findings of :func:`run_checks`, one at a time and in declaration order, none kept:
    what ``bangfu quality`` streams for a county of a million persons (docs/cli.md).

    ``report``, when given, is told which checks ran and which were skipped (its findings are
    left alone). ``links=False`` leaves ``Finding.url`` empty (a command has no pages to link
    to). An unknown code raises ValueError here, before anything runs."""
    wanted = list(CHECKS) if codes is None else [_declaration(code) for code in codes]
    context = CheckContext(
        persons=persons,
        households=households,
        helpers=helpers,
        today=today or timezone.localdate(),
    )
    return _findings(wanted, context, report, links)


def _findings(
    wanted: list[Declaration],
    context: CheckContext,
    report: QualityReport | None,
    links: bool,
) -> Iterator[Finding]:
    _load_app_checks()
    linker = _Linker()
    for declaration in wanted:
        if declaration.requires and not apps.is_installed(f"bangfu.{declaration.requires}"):
            reason = _("需要“%(app)s”模块, 尚未安装") % {"app": declaration.requires}
            if report is not None:
                report.skipped.append(Skipped(declaration.code, declaration.title, reason))
            continue
        implementation = IMPLEMENTATIONS.get(declaration.code)
        if implementation is None:
            if report is not None:
                report.skipped.append(Skipped(declaration.code, declaration.title, _("尚未实现")))
            continue
        if report is not None:
            report.ran.append(declaration.code)
        for hit in implementation(context):
            yield Finding(
                code=declaration.code,
                severity=declaration.severity,
                title=declaration.title,
                message=declaration.render(hit.params),
                subject=declaration.subject,
                object_id=hit.object_id,
                object_repr=hit.object_repr,
                org_id=hit.org_id,
                household_id=hit.household_id,
                person_id=hit.person_id,
                url=linker.url(declaration.subject, hit) if links else "",
            )


def run_checks_for_org(
    org: Org, *, codes: Iterable[str] | None = None, today: datetime.date | None = None
) -> QualityReport:
    """Run the checks over the whole subtree of ``org`` (no user scope: for commands and jobs;
    views go through the selectors and :func:`run_checks`)."""
    return run_checks(
        persons=Person.objects.filter(prefix_q("org__path", org.path)),
        households=Household.objects.filter(prefix_q("org__path", org.path)),
        helpers=Helper.objects.filter(prefix_q("org__path", org.path)),
        codes=codes,
        today=today,
    )


def _declaration(code: str) -> Declaration:
    try:
        return CHECKS_BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown check code {code!r}") from None


@cache
def _load_app_checks() -> None:
    """Import ``bangfu.<app>.quality`` of every installed app a declaration requires, where that
    app registers its implementations."""
    for app in sorted({d.requires for d in CHECKS if d.requires}):
        if apps.is_installed(f"bangfu.{app}"):
            try:
                import_module(f"bangfu.{app}.quality")
            except ModuleNotFoundError as exc:
                if exc.name != f"bangfu.{app}.quality":
                    raise


class _Linker:
    """Links to the records' pages; a page that does not exist (yet) gives no link.

    Each page's URL is reversed once, for a sentinel id that is then replaced by the record's:
    reversing for each of 100,000 findings would take longer than the checks themselves."""

    VIEWS = {
        "person": ("registry:person_detail",),
        "household": ("registry:household_detail",),
        "member": ("registry:household_detail",),
        "helper": ("registry:helper_detail", "registry:person_detail"),
    }
    SENTINEL = 9_876_543_210

    def __init__(self) -> None:
        self.templates: dict[str, str | None] = {}

    def url(self, subject: str, hit: Hit) -> str:
        for view in self.VIEWS.get(subject, ()):
            template = self._template(view)
            pk = self._pk(view, subject, hit)
            if template is not None and pk is not None:
                return template.replace(str(self.SENTINEL), str(pk))
        return ""

    def _template(self, view: str) -> str | None:
        if view not in self.templates:
            try:
                template: str | None = reverse(view, args=[self.SENTINEL])
            except NoReverseMatch:
                template = None
            if template is not None and template.count(str(self.SENTINEL)) != 1:
                template = None
            self.templates[view] = template
        return self.templates[view]

    @staticmethod
    def _pk(view: str, subject: str, hit: Hit) -> int | None:
        if view == "registry:household_detail":
            return hit.household_id if subject == "member" else hit.object_id
        if view == "registry:person_detail" and subject == "helper":
            return hit.person_id
        return hit.object_id


# -- regions and income lines ----------------------------------------------------------------


def _places(org_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """For each unit, the (kind, code) of its nearest ancestor-or-self that is a place (省 … 村,
    社区), whose code is a GB/T 2260 region code; units under no place are left out. Two
    queries whatever the number of units."""
    from bangfu.orgs.models import Org

    paths = dict(Org.objects.filter(pk__in=list(org_ids)).values_list("pk", "path"))
    chains = {pk: path_ids(path) for pk, path in paths.items()}
    everyone = {pk for chain in chains.values() for pk in chain}
    kinds = {
        pk: (kind, code)
        for pk, kind, code in Org.objects.filter(pk__in=everyone).values_list("pk", "kind", "code")
    }
    places: dict[int, tuple[str, str]] = {}
    for pk, chain in chains.items():
        for ancestor in reversed(chain):
            kind, code = kinds.get(ancestor, ("", ""))
            if kind in PLACE_KINDS and code.isascii() and code.isdigit():
                places[pk] = (kind, code)
                break
    return places


def region_codes(org_ids: Iterable[int]) -> dict[int, str]:
    """The region code of each unit: the code of its nearest place ancestor-or-self."""
    return {pk: code for pk, (_kind, code) in _places(org_ids).items()}


def default_income_lines() -> list[dict[str, Any]]:
    """The income lines shipped with bangfu: the national rural poverty lines 2014-2020 and
    the 防止返贫监测 lines of later years found in published notices, each with its source
    (docs/data-quality.md, "Income lines")."""
    data = json.loads(INCOME_LINES_FILE.read_text(encoding="utf-8"))
    return [
        {
            "year": int(row["year"]),
            "region_prefix": str(row.get("region_prefix", "")),
            "amount": Decimal(str(row["amount"])),
            "source": str(row.get("source", "")),
            "notes": str(row.get("notes", "")),
        }
        for row in data["lines"]
    ]


def load_default_income_lines() -> int:
    """Put the shipped income lines in the database; returns how many rows were created.

    Idempotent: a (year, region) that is already there is left as it is, so that an
    administrator's correction survives the next seeding."""
    created = 0
    with transaction.atomic():
        for row in default_income_lines():
            _line, was_created = IncomeLine.objects.get_or_create(
                year=row["year"],
                region_prefix=row["region_prefix"],
                defaults={k: row[k] for k in ("amount", "source", "notes")},
            )
            created += was_created
    return created


def income_line_for(
    year: int, region_code: str, lines: Iterable[tuple[int, str, Decimal]] | None = None
) -> Decimal | None:
    """The income line (元/人·年) that applies to a household of ``region_code`` in ``year``.

    Among the lines whose prefix the region code starts with ("" always does), the latest year
    not after ``year`` is taken, and within it the longest prefix wins: a county's own line beats
    its province's, which beats the national one. A year without any line (2021 on, unless
    administrators add them) uses the most recent earlier year's lines. None if there is none.
    ``lines`` are (year, region_prefix, amount) rows; by default all IncomeLine rows."""
    if lines is None:
        lines = IncomeLine.objects.values_list("year", "region_prefix", "amount")
    best: tuple[int, int] | None = None
    amount: Decimal | None = None
    for line_year, prefix, line_amount in lines:
        if line_year > year or not region_code.startswith(prefix):
            continue
        key = (line_year, len(prefix))
        if best is None or key > best:
            best, amount = key, line_amount
    return amount


# -- expression helpers ----------------------------------------------------------------------

# Rows fetched per round trip when a check streams its failing records.
STREAM_CHUNK = 2000


def _stream(rows: QuerySet[Any, Any]) -> Iterator[Any]:
    """A check's rows fetched in chunks and not kept: iterating a QuerySet caches every row, so
    a check failing half a million persons would hold them all (``bangfu quality`` streams its
    findings, docs/cli.md)."""
    return rows.iterator(chunk_size=STREAM_CHUNK)


class _DateDigits(Func):
    """A date as the text "yyyymmdd", computed by the database itself: Django's Extract is a
    Python callback on SQLite, which costs seconds over a county's persons. bangfu runs on
    SQLite and PostgreSQL only (settings refuse any other database)."""

    arity = 1
    output_field = CharField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # The format goes in as a parameter: a "%" in the SQL text would need escaping.
        strftime = Func(
            Value("%Y%m%d"),
            *self.get_source_expressions(),
            function="strftime",
            output_field=CharField(),
        )
        return compiler.compile(strftime)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "TO_CHAR(%(expressions)s, 'YYYYMMDD')"
        return self.as_sql(compiler, connection, template=template, **extra)


class _Matches(Func):
    """True when a text column matches a pattern, tested by the database itself: a GLOB on
    SQLite, a POSIX regular expression (``~``) on PostgreSQL. Django's ``__regex`` on SQLite is
    a Python callback for every row: five of them over 200,000 persons took 1.5 s of the checks
    after an import (docs/performance.md). Both patterns must say the same; the tests hold each
    pair to the same answers on both databases."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field_name: str, *, glob: str, regex: str) -> None:
        super().__init__(F(field_name))
        self.glob, self.regex = glob, regex

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql} GLOB %s)", (*params, self.glob)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"({sql} ~ %s)", (*params, self.regex)


def _id_shaped() -> _Matches:
    """18 digits, the last of which may be X."""
    return _Matches("id_number", glob=_ID_FORMAT_GLOB, regex=_ID_FORMAT)


def _ymd(field_name: str) -> Combinable:
    """A date as the integer yyyymmdd: comparing two of them compares the dates, and adding
    150000 moves a date 15 years on."""
    return Cast(_DateDigits(field_name), IntegerField())


def _month_day(field_name: str) -> Combinable:
    """A date as (year*12 + month)*100 + day: adding 600 moves a date six months on. (Integer
    division on both databases.)"""
    ymd = _ymd(field_name)
    return (ymd / 10000 * 12 + ymd / 100 % 100) * 100 + ymd % 100


def _digit(position: int) -> Combinable:
    """The value of the ID number's character at 1-based ``position`` (X counts as 40); no
    cast, so a non-digit never breaks the query on PostgreSQL."""
    return Ord(_Substr("id_number", position, 1)) - 48


def _cause_q(cause: str) -> Q:
    return Q(main_cause=cause) | Q(other_causes__contains=f",{cause},")


def _label(choices: Any, value: str) -> str:
    return _labels(choices, get_language()).get(value, value)


@cache
def _labels(choices: Any, language: str | None) -> dict[str, str]:
    """The labels of a vocabulary in the active language (built once per language)."""
    return {key: str(label) for key, label in choices.choices}


# -- the rows the hits are built from --------------------------------------------------------

PERSON_VALUES = ("pk", "name", "org_id")
HOUSEHOLD_VALUES = ("pk", "code", "org_id", "head__name")
MEMBER_VALUES = (
    "pk",
    "household_id",
    "household__code",
    "household__org_id",
    "person_id",
    "person__name",
    "person__birth_date",
    "relation",
)
HELPER_VALUES = ("pk", "person_id", "person__name", "org_id")


def _person_hit(row: Mapping[str, Any], **params: Any) -> Hit:
    return Hit(
        object_id=row["pk"],
        object_repr=row["name"] or f"#{row['pk']}",
        org_id=row["org_id"],
        person_id=row["pk"],
        params={"name": row["name"], **params},
    )


def _household_hit(row: Mapping[str, Any], **params: Any) -> Hit:
    head = row.get("head__name") or ""
    return Hit(
        object_id=row["pk"],
        object_repr=f"{row['code']} {head}".strip(),
        org_id=row["org_id"],
        household_id=row["pk"],
        params={"code": row["code"], **params},
    )


def _member_hit(row: Mapping[str, Any], **params: Any) -> Hit:
    relation = _label(Relation, row["relation"])
    return Hit(
        object_id=row["pk"],
        object_repr=f"{row['household__code']} {row['person__name']} ({relation})",
        org_id=row["household__org_id"],
        household_id=row["household_id"],
        person_id=row["person_id"],
        params={
            "code": row["household__code"],
            "name": row["person__name"],
            "relation": relation,
            **params,
        },
    )


def _helper_hit(row: Mapping[str, Any], **params: Any) -> Hit:
    return Hit(
        object_id=row["pk"],
        object_repr=row["person__name"],
        org_id=row["org_id"],
        person_id=row["person_id"],
        params={"name": row["person__name"], **params},
    )


# -- persons: identity -----------------------------------------------------------------------


@implements("P001")
def one_person_several_households(ctx: CheckContext) -> Iterator[Hit]:
    """一人多户: counted over every household, so that a person of this subtree who is also
    registered elsewhere is found (only the count is shown, not the other household)."""
    # Grouped from the member rows, not from the persons: persons in no household (a roster
    # of 200,000 just imported) cost nothing (docs/performance.md).
    rows = (
        Member.objects.filter(person__in=ctx.person_qs().values("pk"))
        .order_by()
        .values("person_id", "person__name", "person__org_id")
        .annotate(n=Count("household", distinct=True))
        .filter(n__gt=1)
    )
    for row in _stream(rows):
        person = {"pk": row["person_id"], "name": row["person__name"]}
        yield _person_hit({**person, "org_id": row["person__org_id"]}, count=row["n"])


@implements("P002")
def birth_date_differs_from_id(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(_id_shaped(), birth_date__isnull=False)
        .alias(recorded=_DateDigits("birth_date"), encoded=_Substr("id_number", 7, 8))
        .exclude(recorded=F("encoded"))
        .values(*PERSON_VALUES, "birth_date", "id_number")
    )
    for row in _stream(rows):
        digits = row["id_number"][6:14]
        yield _person_hit(
            row,
            birth_date=row["birth_date"].isoformat(),
            id_birth_date=f"{digits[:4]}-{digits[4:6]}-{digits[6:]}",
        )


@implements("P003")
def sex_differs_from_id(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(_id_shaped())
        .alias(d17=_Substr("id_number", 17, 1))
        .filter(Q(sex=Sex.MALE, d17__in=_EVEN_DIGITS) | Q(sex=Sex.FEMALE, d17__in=_ODD_DIGITS))
        .values(*PERSON_VALUES, "sex")
    )
    for row in _stream(rows):
        other = Sex.FEMALE if row["sex"] == Sex.MALE else Sex.MALE
        yield _person_hit(row, sex=_label(Sex, row["sex"]), id_sex=_label(Sex, other))


@implements("P004")
def id_region_differs_from_unit(ctx: CheckContext) -> Iterator[Hit]:
    """The ID's first six digits against the unit's region: a province's two digits, a city's
    four, a county's (or a township's, a village's) six, or a code of the same place before or
    after it was renumbered (隆安县 450123 accepts 452126, its code until 2001; the lineage rules
    are in docs/data-quality.md). Residence permits of Hong Kong, Macau and Taiwan residents
    (810000, 820000, 830000) and foreigners' permanent residence cards (9…) name no place of
    residence and are not compared. One query: the units are grouped by the prefix they expect,
    each with the few codes of its lineage that lie outside the prefix."""
    no_residence_region = (
        Q(id_number__startswith="9")
        | Q(id_number__startswith="810000")
        | Q(id_number__startswith="820000")
        | Q(id_number__startswith="830000")
    )
    with_id = ctx.person_qs().exclude(id_number="").exclude(no_residence_region)
    places = _places(with_id.values_list("org_id", flat=True).distinct())
    expected: dict[str, list[int]] = defaultdict(list)
    for org_id, (kind, code) in places.items():
        expected[significant_prefix(kind, code)[:6]].append(org_id)
    if not expected:
        return
    wrong = Q(pk__in=[])
    for prefix, org_ids in expected.items():
        accepted = Q(id_number__startswith=prefix)
        elsewhere = sorted(code for code in prefix_lineage(prefix) if not code.startswith(prefix))
        if elsewhere:
            accepted |= Q(id_region__in=elsewhere)
        wrong |= Q(org_id__in=org_ids) & ~accepted
    regions = {pk: code for pk, (_kind, code) in places.items()}
    rows = with_id.alias(id_region=_Substr("id_number", 1, 6)).filter(wrong)
    for row in rows.values(*PERSON_VALUES, "id_number"):
        yield _person_hit(row, id_region=row["id_number"][:6], region=regions[row["org_id"]])


@implements("P005")
def adult_without_id(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(id_number="", birth_date__lte=ctx.born_by(18))
        .values(*PERSON_VALUES, "birth_date")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]))


@implements("P006")
def no_id_no_birth_date(ctx: CheckContext) -> Iterator[Hit]:
    for row in _stream(
        ctx.person_qs().filter(id_number="", birth_date__isnull=True).values(*PERSON_VALUES)
    ):
        yield _person_hit(row)


@implements("P007")
def invalid_phone(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .exclude(phone="")
        .exclude(_Matches("phone", glob=_MOBILE_GLOB, regex=_MOBILE))
        .exclude(phone__regex=_LANDLINE)  # a callback on SQLite, but only for the few left
        .values(*PERSON_VALUES, "phone")
    )
    for row in _stream(rows):
        yield _person_hit(row, length=sum(ch.isdigit() for ch in row["phone"]))


@implements("P008")
def phone_shared_across_households(ctx: CheckContext) -> Iterator[Hit]:
    """A phone of members of two or more households, held by two or more persons (one person
    in two households is 一人多户, P001, not this)."""
    members = ctx.members().exclude(person__phone="")
    shared = (
        members.order_by()
        .values("person__phone")
        .annotate(
            households=Count("household", distinct=True), persons=Count("person", distinct=True)
        )
        .filter(households__gt=1, persons__gt=1)
    )
    counts = {row["person__phone"]: row["households"] for row in shared}
    if not counts:
        return
    rows = (
        ctx.person_qs()
        .filter(phone__in=list(counts), memberships__in=members)
        .values(*PERSON_VALUES, "phone")
        .distinct()
    )
    for row in _stream(rows):
        yield _person_hit(row, count=counts[row["phone"]] - 1)


@implements("P009")
def invalid_id_number(ctx: CheckContext) -> Iterator[Hit]:
    """GB 11643: the shape, the region code, the birth date and the check digit. The region
    codes and birth dates are checked over their distinct values (a few hundred, a few
    thousand), the check digit in SQL. A malformed number gets only the shape problem, so the
    other queries need not filter on the pattern (a Python callback on SQLite: applied once)."""
    base = ctx.person_qs().exclude(id_number="")
    problems: dict[int, list[str]] = defaultdict(list)
    rows: dict[int, Mapping[str, Any]] = {}
    malformed: set[int] = set()

    def note(queryset: QuerySet[Person], problem: str) -> None:
        for row in _stream(queryset.values(*PERSON_VALUES)):
            if row["pk"] not in malformed:
                rows[row["pk"]] = row
                problems[row["pk"]].append(problem)

    note(base.exclude(_id_shaped()), _("不是 18 位数字(末位可为 X)"))
    malformed.update(rows)

    with_region = base.annotate(region=_Substr("id_number", 1, 6))
    regions = set(with_region.values_list("region", flat=True).distinct())
    known = known_region_codes()
    # A foreigner's permanent residence number (9…) carries the issuing province's two digits
    # after its 9, not a region code (core/idnumber.py).
    unknown = sorted(r for r in regions - known if not (r[:1] == "9" and r[1:3] + "0000" in known))
    if unknown:
        note(with_region.filter(region__in=unknown), _("前 6 位不是已知的行政区划代码"))

    with_birth = base.annotate(birth=_Substr("id_number", 7, 8))
    births = set(with_birth.values_list("birth", flat=True).distinct())
    bad_births = sorted(b for b in births if not _plausible_birth(b, ctx.today))
    if bad_births:
        note(with_birth.filter(birth__in=bad_births), _("中的出生日期无效"))

    total: Any = Value(0)
    for i, weight in enumerate(_ID_WEIGHTS):
        total = total + _digit(i + 1) * weight
    check = (12 - total % 11) % 11
    checked = (
        base.alias(length=Length("id_number"))
        .filter(length=18)
        .alias(check_value=ExpressionWrapper(check, IntegerField()))
        .alias(
            expected=Case(
                When(check_value=10, then=Value(ord("X"))), default=F("check_value") + 48
            ),
            last=Ord(_Substr("id_number", 18, 1)),
        )
    )
    note(checked.exclude(last=F("expected")), _("校验位错误"))
    for pk, row in rows.items():
        yield _person_hit(row, problem="、".join(problems[pk]))


def _plausible_birth(digits: str, today: datetime.date) -> bool:
    try:
        day = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return EARLIEST_BIRTH_DATE <= day <= today


@implements("P010")
def odd_name(ctx: CheckContext) -> Iterator[Hit]:
    junk = _Matches("name", glob=_NAME_JUNK_GLOB, regex=_NAME_JUNK)
    rows = ctx.person_qs().filter(Q(name="") | junk).values(*PERSON_VALUES)
    for row in _stream(rows):
        yield _person_hit(row)


@implements("P011")
def implausible_birth_date(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(Q(birth_date__gt=ctx.today) | Q(birth_date__lte=ctx.born_by(121)))
        .values(*PERSON_VALUES, "birth_date")
    )
    for row in _stream(rows):
        problem = _("晚于今天") if row["birth_date"] > ctx.today else _("意味着超过 120 岁")
        yield _person_hit(row, birth_date=row["birth_date"].isoformat(), problem=problem)


# -- persons: labour and schooling -----------------------------------------------------------


@implements("P012")
def child_with_labour(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(
            birth_date__gt=ctx.born_by(16),
            labour__in=[Labour.ORDINARY, Labour.SKILLED, Labour.WEAK],
        )
        .values(*PERSON_VALUES, "birth_date", "labour")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]), labour=_label(Labour, row["labour"]))


@implements("P013")
def elderly_full_labour(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.person_qs()
        .filter(birth_date__lte=ctx.born_by(66), labour__in=[Labour.ORDINARY, Labour.SKILLED])
        .values(*PERSON_VALUES, "birth_date", "labour")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]), labour=_label(Labour, row["labour"]))


@implements("P014")
def school_age_out_of_school(ctx: CheckContext) -> Iterator[Hit]:
    """7-15 岁 (inclusive) with 辍学 or 非在校生: 义务教育保障."""
    rows = (
        ctx.person_qs()
        .filter(
            birth_date__gt=ctx.born_by(16),
            birth_date__lte=ctx.born_by(7),
            schooling__in=[Schooling.DROPOUT, Schooling.NOT_IN_SCHOOL],
        )
        .values(*PERSON_VALUES, "birth_date", "schooling")
    )
    for row in _stream(rows):
        yield _person_hit(
            row, age=ctx.age(row["birth_date"]), schooling=_label(Schooling, row["schooling"])
        )


@implements("P015")
def age_inconsistent_with_schooling(ctx: CheckContext) -> Iterator[Hit]:
    """A 在校生状况 outside its usual ages (``SCHOOLING_AGES``, the national bounds). A sick or
    disabled child may stay in 学龄前/学前教育 past 6: the national rule asks it of healthy
    children only."""
    wrong = Q(pk__in=[])
    for schooling, (low, high) in SCHOOLING_AGES.items():
        outside = Q(birth_date__gt=ctx.born_by(low))
        if high is not None:
            too_old = Q(birth_date__lte=ctx.born_by(high + 1))
            if schooling in PRESCHOOL_STAGES:
                too_old &= ~Q(health__in=UNWELL)
            outside |= too_old
        wrong |= Q(schooling=schooling) & outside
    rows = (
        ctx.person_qs()
        .filter(birth_date__isnull=False)
        .filter(wrong)
        .values(*PERSON_VALUES, "birth_date", "schooling")
    )
    for row in _stream(rows):
        low, high = SCHOOLING_AGES[row["schooling"]]
        usual = (
            _("%(low)d-%(high)d 岁") % {"low": low, "high": high}
            if high is not None
            else _("%(low)d 岁及以上") % {"low": low}
        )
        yield _person_hit(
            row,
            age=ctx.age(row["birth_date"]),
            schooling=_label(Schooling, row["schooling"]),
            usual=usual,
        )


def _in_a_household() -> Exists:
    """The person belongs to a household that is not 剔除: a registered beneficiary, whose
    labour and schooling the national system requires (not a helper or a cadre)."""
    return Exists(
        Member.objects.filter(person=OuterRef("pk")).exclude(household__status=Status.REMOVED)
    )


@implements("P016")
def healthy_adult_without_labour(ctx: CheckContext) -> Iterator[Hit]:
    """Healthy, 16 (inclusive) to 60 (exclusive), not in school, yet 弱/无/丧失劳动力."""
    low, high = LABOUR_AGE
    rows = (
        ctx.person_qs()
        .filter(
            birth_date__lte=ctx.born_by(low),
            birth_date__gt=ctx.born_by(high),
            health=Health.HEALTHY,
            labour__in=[Labour.WEAK, Labour.NONE, Labour.LOST],
        )
        .exclude(schooling__in=IN_SCHOOL)
        .values(*PERSON_VALUES, "birth_date", "labour")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]), labour=_label(Labour, row["labour"]))


@implements("P017")
def child_with_lost_labour(ctx: CheckContext) -> Iterator[Hit]:
    """Under 16 with 丧失劳动力: a child has no labour capacity to lose (P012 has the rest of
    the national rule "16 岁以下劳动能力不是无劳动力")."""
    rows = (
        ctx.person_qs()
        .filter(birth_date__gt=ctx.born_by(LABOUR_AGE[0]), labour=Labour.LOST)
        .values(*PERSON_VALUES, "birth_date")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]))


@implements("P018")
def pupil_with_labour(ctx: CheckContext) -> Iterator[Hit]:
    """In school and 普通/技能劳动力; those known to be under 16 are P012's."""
    rows = (
        ctx.person_qs()
        .filter(schooling__in=IN_SCHOOL, labour__in=[Labour.ORDINARY, Labour.SKILLED])
        .filter(Q(birth_date__lte=ctx.born_by(LABOUR_AGE[0])) | Q(birth_date__isnull=True))
        .values(*PERSON_VALUES, "schooling", "labour")
    )
    for row in _stream(rows):
        yield _person_hit(
            row,
            schooling=_label(Schooling, row["schooling"]),
            labour=_label(Labour, row["labour"]),
        )


@implements("P019")
def adult_labour_missing(ctx: CheckContext) -> Iterator[Hit]:
    """A household member of 16 or more whose 劳动能力 is empty."""
    rows = (
        ctx.person_qs()
        .filter(birth_date__lte=ctx.born_by(LABOUR_AGE[0]), labour="")
        .filter(_in_a_household())
        .values(*PERSON_VALUES, "birth_date")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]))


@implements("P020")
def school_age_schooling_missing(ctx: CheckContext) -> Iterator[Hit]:
    """A household member aged 6 to 15 (whole years on the day of the check) whose 在校生状况
    is empty."""
    low, high = COMPULSORY_SCHOOL_AGE
    rows = (
        ctx.person_qs()
        .filter(
            birth_date__lte=ctx.born_by(low),
            birth_date__gt=ctx.born_by(high + 1),
            schooling="",
        )
        .filter(_in_a_household())
        .values(*PERSON_VALUES, "birth_date")
    )
    for row in _stream(rows):
        yield _person_hit(row, age=ctx.age(row["birth_date"]))


@implements("P021")
def pupil_working_away(ctx: CheckContext) -> Iterator[Hit]:
    """A pupil up to 普通高中 (学龄前 included) whose 务工状况 is work outside the township."""
    rows = (
        ctx.person_qs()
        .filter(schooling__in=SCHOOL_UP_TO_SENIOR, employment__in=AWAY_FROM_HOME)
        .values(*PERSON_VALUES, "schooling", "employment")
    )
    for row in _stream(rows):
        yield _person_hit(
            row,
            schooling=_label(Schooling, row["schooling"]),
            employment=_label(Employment, row["employment"]),
        )


# -- households: members and relations -------------------------------------------------------


def _count_members(**filters: Any) -> Subquery:
    """The number of a household's members matching ``filters`` (a correlated subquery)."""
    return Subquery(
        Member.objects.filter(household=OuterRef("pk"), **filters)
        .order_by()
        .values("household")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


@implements("M001")
def head_and_spouse_same_sex(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.members()
        .filter(relation=Relation.SPOUSE, person__sex=F("household__head__sex"))
        .exclude(person__sex="")
        .values(
            "household_id",
            "household__code",
            "household__org_id",
            "household__head__name",
            "person__name",
            "person__sex",
        )
    )
    seen: set[int] = set()
    for row in _stream(rows):
        if row["household_id"] in seen:
            continue
        seen.add(row["household_id"])
        yield _household_hit(
            {
                "pk": row["household_id"],
                "code": row["household__code"],
                "org_id": row["household__org_id"],
                "head__name": row["household__head__name"],
            },
            head=row["household__head__name"],
            spouse=row["person__name"],
            sex=_label(Sex, row["person__sex"]),
        )


@implements("M002")
def household_without_head(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .annotate(size=_count_members(), heads=_count_members(relation=Relation.HEAD))
        .filter(size__gt=0, heads__isnull=True)
        .values(*HOUSEHOLD_VALUES, "size")
    )
    for row in _stream(rows):
        yield _household_hit(row, count=row["size"])


@implements("M003")
def several_heads(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .annotate(heads=_count_members(relation=Relation.HEAD))
        .filter(heads__gt=1)
        .values(*HOUSEHOLD_VALUES, "heads")
    )
    for row in _stream(rows):
        yield _household_hit(row, count=row["heads"])


@implements("M004")
def head_field_differs_from_members(ctx: CheckContext) -> Iterator[Hit]:
    """Household.head and the member whose relation is 户主 must be the same person."""
    heads = Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD)
    rows = (
        ctx.household_qs()
        .annotate(
            has_head_member=Exists(heads),
            field_is_member_head=Exists(heads.filter(person=OuterRef("head_id"))),
            member_head=Subquery(heads.order_by("pk").values("person__name")[:1]),
        )
        .filter(
            Q(head__isnull=True, has_head_member=True)
            | Q(head__isnull=False, field_is_member_head=False)
        )
        .values(*HOUSEHOLD_VALUES, "member_head")
    )
    for row in _stream(rows):
        yield _household_hit(
            row, head=row["head__name"] or _("(空)"), member_head=row["member_head"] or _("(无)")
        )


@implements("M005")
def head_under_16(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.members()
        .filter(relation=Relation.HEAD, person__birth_date__gt=ctx.born_by(16))
        .values(*MEMBER_VALUES)
    )
    for row in _stream(rows):
        yield _member_hit(row, age=ctx.age(row["person__birth_date"]))


@implements("M006")
def spouse_under_18(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.members()
        .filter(relation=Relation.SPOUSE, person__birth_date__gt=ctx.born_by(18))
        .values(*MEMBER_VALUES)
    )
    for row in _stream(rows):
        yield _member_hit(row, age=ctx.age(row["person__birth_date"]))


@implements("M007")
def spouse_under_marriage_age(ctx: CheckContext) -> Iterator[Hit]:
    """Adults under the legal age of marriage (under 18 is M006)."""
    young = Q(pk__in=[])
    for sex, age in LEGAL_MARRIAGE_AGE.items():
        young |= Q(person__sex=sex, person__birth_date__gt=ctx.born_by(age))
    rows = (
        ctx.members()
        .filter(relation=Relation.SPOUSE, person__birth_date__lte=ctx.born_by(18))
        .filter(young)
        .values(*MEMBER_VALUES, "person__sex")
    )
    for row in _stream(rows):
        yield _member_hit(
            row,
            age=ctx.age(row["person__birth_date"]),
            legal_age=LEGAL_MARRIAGE_AGE[row["person__sex"]],
        )


def _relative_of_head(
    ctx: CheckContext, relations: Collection[str], born: Q
) -> QuerySet[Member, dict[str, Any]]:
    """Members of the given relations to the head whose birth compares with the head's as
    ``born`` says, on the aliases ``own`` and ``head`` (dates as yyyymmdd)."""
    return (
        ctx.members()
        .filter(
            relation__in=relations,
            person__birth_date__isnull=False,
            household__head__birth_date__isnull=False,
        )
        .exclude(person=F("household__head"))
        .alias(own=_ymd("person__birth_date"), head=_ymd("household__head__birth_date"))
        .filter(born)
        .values(*MEMBER_VALUES, "household__head__name", "household__head__birth_date")
    )


def _relative_params(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "birth_date": row["person__birth_date"].isoformat(),
        "head": row["household__head__name"],
        "head_birth_date": row["household__head__birth_date"].isoformat(),
    }


@implements("M008")
def child_too_close_in_age(ctx: CheckContext) -> Iterator[Hit]:
    """A son or daughter born less than 15 years after the head (or before)."""
    for row in _stream(_relative_of_head(ctx, CHILD_RELATIONS, Q(own__lt=F("head") + 150000))):
        yield _member_hit(row, **_relative_params(row))


@implements("M009")
def parent_younger_than_head(ctx: CheckContext) -> Iterator[Hit]:
    for row in _stream(_relative_of_head(ctx, PARENT_RELATIONS, Q(own__gte=F("head")))):
        yield _member_hit(row, **_relative_params(row))


@implements("M010")
def several_spouses(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .annotate(spouses=_count_members(relation=Relation.SPOUSE))
        .filter(spouses__gt=1)
        .values(*HOUSEHOLD_VALUES, "spouses")
    )
    for row in _stream(rows):
        yield _household_hit(row, count=row["spouses"])


@implements("M011")
def relation_contradicts_sex(ctx: CheckContext) -> Iterator[Hit]:
    """A member whose relation to the head implies the other sex (之女 who is male …);
    ``choices.RELATION_SEX`` says which relations imply which sex (户主, 配偶, 之兄弟姐妹 and
    其他 imply none)."""
    implied: dict[str, list[str]] = defaultdict(list)
    for relation, sex in RELATION_SEX.items():
        implied[sex].append(relation)
    other = {Sex.MALE: Sex.FEMALE, Sex.FEMALE: Sex.MALE}
    wrong = Q(pk__in=[])
    for sex, relations in implied.items():
        wrong |= Q(relation__in=relations, person__sex=other[Sex(sex)])
    rows = ctx.members().filter(wrong).values(*MEMBER_VALUES, "person__sex")
    for row in _stream(rows):
        yield _member_hit(row, sex=_label(Sex, row["person__sex"]))


# -- households: basics and causes -----------------------------------------------------------


@implements("H001")
def household_without_members(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .filter(~Exists(Member.objects.filter(household=OuterRef("pk"))))
        .values(*HOUSEHOLD_VALUES)
    )
    for row in _stream(rows):
        yield _household_hit(row)


@implements("H002")
def main_cause_missing(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().filter(main_cause="").exclude(status=Status.REMOVED)
    for row in _stream(rows.values(*HOUSEHOLD_VALUES)):
        yield _household_hit(row)


def _cause_without_members(ctx: CheckContext, cause: str, members: Q) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .filter(_cause_q(cause))
        .filter(~Exists(Member.objects.filter(members, household=OuterRef("pk"))))
        .values(*HOUSEHOLD_VALUES)
    )
    for row in _stream(rows):
        yield _household_hit(row)


@implements("C001")
def illness_without_ill_member(ctx: CheckContext) -> Iterator[Hit]:
    ill = Q(person__health__in=[Health.CHRONIC, Health.SERIOUS])
    yield from _cause_without_members(ctx, Cause.ILLNESS, ill)


@implements("C002")
def disability_without_disabled_member(ctx: CheckContext) -> Iterator[Hit]:
    yield from _cause_without_members(ctx, Cause.DISABILITY, Q(person__health=Health.DISABLED))


@implements("C003")
def schooling_without_pupil(ctx: CheckContext) -> Iterator[Hit]:
    yield from _cause_without_members(ctx, Cause.SCHOOLING, Q(person__schooling__in=IN_SCHOOL))


@implements("C004")
def no_labour_with_labourers(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .filter(_cause_q(Cause.NO_LABOUR))
        .annotate(able=_count_members(person__labour__in=[Labour.ORDINARY, Labour.SKILLED]))
        .filter(able__gte=2)
        .values(*HOUSEHOLD_VALUES, "able")
    )
    for row in _stream(rows):
        yield _household_hit(row, count=row["able"])


# -- income ----------------------------------------------------------------------------------

INCOME_VALUES = (
    "household_id",
    "household__code",
    "household__org_id",
    "household__head__name",
    "year",
    "per_capita",
    "wage",
    "business",
    "transfer",
)


def _incomes(ctx: CheckContext) -> QuerySet[HouseholdIncome]:
    return HouseholdIncome.objects.filter(household__in=ctx.household_qs().values("pk")).order_by(
        "household_id", "year"
    )


def _income_hit(row: Mapping[str, Any], **params: Any) -> Hit:
    return _household_hit(
        {
            "pk": row["household_id"],
            "code": row["household__code"],
            "org_id": row["household__org_id"],
            "head__name": row["household__head__name"],
        },
        year=row["year"],
        amount=_money(row["per_capita"]),
        **params,
    )


def _money(value: Decimal | None) -> str:
    return "" if value is None else f"{Decimal(value):.2f}"


def _parts_sum() -> ExpressionWrapper:
    zero = Value(Decimal(0))
    money: DecimalField = DecimalField(max_digits=14, decimal_places=2)
    return ExpressionWrapper(
        Coalesce("wage", zero, output_field=money)
        + Coalesce("business", zero, output_field=money)
        + Coalesce("transfer", zero, output_field=money),
        output_field=money,
    )


@implements("I001")
def income_out_of_bounds(ctx: CheckContext) -> Iterator[Hit]:
    rows = _incomes(ctx).filter(Q(per_capita__lt=INCOME_MIN) | Q(per_capita__gt=INCOME_MAX))
    for row in _stream(rows.values(*INCOME_VALUES)):
        yield _income_hit(row)


@implements("I002")
def income_parts_exceed_total(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        _incomes(ctx)
        .filter(Q(wage__isnull=False) | Q(business__isnull=False) | Q(transfer__isnull=False))
        .alias(parts=_parts_sum())
        .filter(parts__gt=F("per_capita") * (1 + INCOME_TOLERANCE))
        .filter(parts__gt=0)
        .values(*INCOME_VALUES)
    )
    for row in _stream(rows):
        yield _income_hit(row, parts=_money(_sum_parts(row)))


@implements("I003")
def income_parts_fall_short(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        _incomes(ctx)
        .filter(
            wage__isnull=False, business__isnull=False, transfer__isnull=False, per_capita__gt=0
        )
        .alias(parts=_parts_sum())
        .filter(parts__lt=F("per_capita") * (1 - INCOME_TOLERANCE))
        .values(*INCOME_VALUES)
    )
    for row in _stream(rows):
        yield _income_hit(row, parts=_money(_sum_parts(row)))


def _sum_parts(row: Mapping[str, Any]) -> Decimal:
    return sum((Decimal(row[k] or 0) for k in ("wage", "business", "transfer")), Decimal(0))


@implements("I004")
def negative_wage_or_transfer(ctx: CheckContext) -> Iterator[Hit]:
    rows = _incomes(ctx).filter(Q(wage__lt=0) | Q(transfer__lt=0))
    for row in _stream(rows.values(*INCOME_VALUES)):
        parts = []
        if row["wage"] is not None and row["wage"] < 0:
            parts.append(_("工资性收入为 %(value)s 元") % {"value": _money(row["wage"])})
        if row["transfer"] is not None and row["transfer"] < 0:
            parts.append(_("转移性收入为 %(value)s 元") % {"value": _money(row["transfer"])})
        yield _income_hit(row, parts="、".join(parts))


@implements("I005")
def income_missing_this_year(ctx: CheckContext) -> Iterator[Hit]:
    year = ctx.today.year
    rows = (
        ctx.household_qs()
        .exclude(status=Status.REMOVED)
        .filter(~Exists(HouseholdIncome.objects.filter(household=OuterRef("pk"), year=year)))
        .values(*HOUSEHOLD_VALUES)
    )
    for row in _stream(rows):
        yield _household_hit(row, year=year)


@implements("I006")
def exited_below_income_line(ctx: CheckContext) -> Iterator[Hit]:
    """An exited household whose latest income is below the line for that year and its region.

    Set-based: units are grouped by the line that applies to them each year, and one query
    asks for the households under their group's line."""
    latest = HouseholdIncome.objects.filter(household=OuterRef("pk")).order_by("-year")
    exited = (
        ctx.household_qs()
        .filter(status=Status.EXITED)
        .annotate(
            latest_year=Subquery(latest.values("year")[:1]),
            latest_amount=Subquery(latest.values("per_capita")[:1]),
        )
        .filter(latest_year__isnull=False)
    )
    lines = list(IncomeLine.objects.values_list("year", "region_prefix", "amount"))
    if not lines:
        return
    pairs = exited.values_list("org_id", "latest_year").distinct()
    pairs_list = list(pairs)
    regions = region_codes({org_id for org_id, _year in pairs_list})
    groups: dict[tuple[int, Decimal], list[int]] = defaultdict(list)
    for org_id, year in pairs_list:
        amount = income_line_for(year, regions.get(org_id, ""), lines)
        if amount is not None:
            groups[(year, amount)].append(org_id)
    if not groups:
        return
    below = Q(pk__in=[])
    for (year, amount), org_ids in groups.items():
        below |= Q(org_id__in=org_ids, latest_year=year, latest_amount__lt=amount)
    rows = exited.filter(below).values(*HOUSEHOLD_VALUES, "latest_year", "latest_amount")
    for row in _stream(rows):
        line = income_line_for(row["latest_year"], regions.get(row["org_id"], ""), lines)
        yield _household_hit(
            row,
            year=row["latest_year"],
            amount=_money(row["latest_amount"]),
            line=_money(line),
        )


# -- status history --------------------------------------------------------------------------


def _history(*, newest_first: bool) -> QuerySet[StatusChange]:
    order = ("-date", "-id") if newest_first else ("date", "id")
    return StatusChange.objects.filter(household=OuterRef("pk")).order_by(*order)


@implements("S001")
def status_differs_from_history(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .annotate(
            last=Coalesce(Subquery(_history(newest_first=True).values("status")[:1]), Value(""))
        )
        .exclude(last=F("status"))
        .values(*HOUSEHOLD_VALUES, "status", "last")
    )
    for row in _stream(rows):
        yield _household_hit(
            row,
            status=_label(Status, row["status"]) if row["status"] else _("(空)"),
            last=_label(Status, row["last"]) if row["last"] else _("(无记录)"),
        )


@implements("S002")
def identified_after_first_step(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        ctx.household_qs()
        .filter(identified_on__isnull=False)
        .annotate(first=Subquery(_history(newest_first=False).values("date")[:1]))
        .filter(first__lt=F("identified_on"))
        .values(*HOUSEHOLD_VALUES, "identified_on", "first")
    )
    for row in _stream(rows):
        yield _household_hit(
            row, identified_on=row["identified_on"].isoformat(), first=row["first"].isoformat()
        )


@implements("S003")
def exit_too_soon(ctx: CheckContext) -> Iterator[Hit]:
    """An exit (脱贫) dated less than six calendar months after the identification date."""
    rows = (
        StatusChange.objects.filter(
            status=Status.EXITED,
            household__in=ctx.household_qs().values("pk"),
            household__identified_on__isnull=False,
        )
        .alias(exit=_month_day("date"), start=_month_day("household__identified_on"))
        .filter(exit__lt=F("start") + 600)
        .order_by("household_id", "date")
        .values(
            "household_id",
            "household__code",
            "household__org_id",
            "household__head__name",
            "household__identified_on",
            "date",
        )
    )
    seen: set[int] = set()
    for row in _stream(rows):
        if row["household_id"] in seen:
            continue
        seen.add(row["household_id"])
        yield _household_hit(
            {
                "pk": row["household_id"],
                "code": row["household__code"],
                "org_id": row["household__org_id"],
                "head__name": row["household__head__name"],
            },
            identified_on=row["household__identified_on"].isoformat(),
            exited_on=row["date"].isoformat(),
        )


@implements("S004")
def removed_without_reason(ctx: CheckContext) -> Iterator[Hit]:
    rows = (
        StatusChange.objects.filter(
            status=Status.REMOVED, household__in=ctx.household_qs().values("pk")
        )
        .filter(Q(reason="") | Q(reason__regex=r"^\s*$"))
        .order_by("household_id", "date")
        .values(
            "household_id",
            "household__code",
            "household__org_id",
            "household__head__name",
            "date",
        )
    )
    seen: set[int] = set()
    for row in _stream(rows):
        if row["household_id"] in seen:
            continue
        seen.add(row["household_id"])
        yield _household_hit(
            {
                "pk": row["household_id"],
                "code": row["household__code"],
                "org_id": row["household__org_id"],
                "head__name": row["household__head__name"],
            },
            date=row["date"].isoformat(),
        )


@implements("S005")
def identified_for_over_a_year(ctx: CheckContext) -> Iterator[Hit]:
    year_ago = ctx.born_by(1)
    rows = (
        ctx.household_qs()
        .filter(status=Status.IDENTIFIED)
        .annotate(since=Coalesce("status_since", "identified_on"))
        .filter(since__lt=year_ago)
        .values(*HOUSEHOLD_VALUES, "since")
    )
    for row in _stream(rows):
        yield _household_hit(row, since=row["since"].isoformat())


@implements("S006")
def exited_unsafe_housing(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().filter(status=Status.EXITED, housing_safe=False)
    for row in _stream(rows.values(*HOUSEHOLD_VALUES)):
        yield _household_hit(row)


@implements("S007")
def exited_unsafe_water(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().filter(status=Status.EXITED, water_safe=False)
    for row in _stream(rows.values(*HOUSEHOLD_VALUES)):
        yield _household_hit(row)


@implements("S008")
def identification_date_missing(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().exclude(status="").filter(identified_on__isnull=True)
    for row in _stream(rows.values(*HOUSEHOLD_VALUES, "status")):
        yield _household_hit(row, status=_label(Status, row["status"]))


@implements("S009")
def exited_safety_unknown(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().filter(
        Q(housing_safe__isnull=True) | Q(water_safe__isnull=True), status=Status.EXITED
    )
    for row in _stream(rows.values(*HOUSEHOLD_VALUES, "housing_safe", "water_safe")):
        missing = []
        if row["housing_safe"] is None:
            missing.append(_("住房安全"))
        if row["water_safe"] is None:
            missing.append(_("饮水安全"))
        yield _household_hit(row, fields="、".join(missing))


@implements("S010")
def identified_in_future(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.household_qs().filter(identified_on__gt=ctx.today)
    for row in _stream(rows.values(*HOUSEHOLD_VALUES, "identified_on")):
        yield _household_hit(row, identified_on=row["identified_on"].isoformat())


# -- helpers ---------------------------------------------------------------------------------


@implements("B001")
def absurd_capacity(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.helper_qs().filter(Q(capacity=0) | Q(capacity__gt=CAPACITY_MAX))
    for row in _stream(rows.values(*HELPER_VALUES, "capacity")):
        yield _helper_hit(row, capacity=row["capacity"])


@implements("B002")
def helper_without_phone(ctx: CheckContext) -> Iterator[Hit]:
    rows = ctx.helper_qs().filter(is_active=True, person__phone="")
    for row in _stream(rows.values(*HELPER_VALUES)):
        yield _helper_hit(row)


@implements("B003")
def helper_is_beneficiary(ctx: CheckContext) -> Iterator[Hit]:
    """Any household counts, not only the subtree's: a cadre of this county registered as a
    member of a household elsewhere is the conflict this check is for."""
    memberships = Member.objects.filter(person=OuterRef("person_id")).exclude(
        household__status=Status.REMOVED
    )
    rows = (
        ctx.helper_qs()
        .filter(is_active=True)
        .annotate(code=Subquery(memberships.order_by("pk").values("household__code")[:1]))
        .filter(code__isnull=False)
        .values(*HELPER_VALUES, "code")
    )
    for row in _stream(rows):
        yield _helper_hit(row, code=row["code"])
