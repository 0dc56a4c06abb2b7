"""The registry (一户一档): persons, households and their members, status history, helpers and
unit beneficiaries. Every record belongs to a unit of the organisation tree (``org``), which is
what scoping filters on."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bangfu.core.pinyin import pinyin_key, pinyin_sort_key
from bangfu.registry.choices import (
    Cause,
    DatePrecision,
    Difficulty,
    DisabilityCategory,
    DisabilityLevel,
    DocumentType,
    Education,
    Employment,
    Health,
    Indicator,
    Labour,
    Relation,
    Schooling,
    Sex,
    Status,
)


class Tag(models.Model):
    """A label on a person (党员, 教师, 留守儿童 …); new ones are created as they are used."""

    name = models.CharField(_("标签"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """One person; one ID number is one person (a unique constraint on the normalised number)."""

    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="persons"
    )
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="persons")
    health = models.CharField(_("健康状况"), max_length=20, choices=Health.choices, blank=True)
    schooling = models.CharField(
        _("在校生状况"), max_length=20, choices=Schooling.choices, blank=True
    )
    labour = models.CharField(_("劳动能力"), max_length=20, choices=Labour.choices, blank=True)
    employment = models.CharField(
        _("务工状况"), max_length=20, choices=Employment.choices, blank=True
    )
    notes = models.CharField(_("备注"), max_length=500, blank=True)
    # The fields below came with the national systems' exports (docs/registry.md). They are
    # nullable without a default (NULL: not given) so that adding them alters the tables in
    # place: on SQLite a NOT NULL column would rebuild the table and drop the summary
    # tables' triggers on it (reports/migrations/0002).
    education = models.CharField(
        _("文化程度"), max_length=20, choices=Education.choices, null=True, blank=True
    )
    grade = models.PositiveSmallIntegerField(
        _("年级"),
        null=True,
        blank=True,
        help_text=_("在校生所在年级, 按学段计 (七年级为初中 1 年级)"),
    )
    document_type = models.CharField(
        _("证件类型"),
        max_length=20,
        choices=DocumentType.choices,
        null=True,
        blank=True,
        help_text=_("身份证号所属的证件; 未填为居民身份证"),
    )
    disability_category = models.PositiveSmallIntegerField(
        _("残疾类别"), choices=DisabilityCategory.choices, null=True, blank=True
    )
    disability_level = models.PositiveSmallIntegerField(
        _("残疾等级"), choices=DisabilityLevel.choices, null=True, blank=True
    )
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_sort = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["name_sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=~Q(id_number=""), name="registry_one_person_per_id"
            )
        ]
        indexes = [
            models.Index(fields=["org", "name_sort"], name="registry_person_org_name"),
            # 七清 counts the sons and daughters born in the 16-year cutoff's year from here.
            models.Index(fields=["birth_date"], name="registry_person_birth_date"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_pinyin = pinyin_key(self.name, person_name=True)
        self.name_sort = pinyin_sort_key(self.name, person_name=True)[:200]
        super().save(*args, **kwargs)

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    @property
    def age(self) -> int | None:
        return self.age_on(datetime.date.today())


class Household(models.Model):
    """A household (户) with its members, causes, income by year and status history."""

    code = models.CharField(_("户编号"), max_length=40, unique=True)
    org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    head = models.ForeignKey(
        Person,
        verbose_name=_("户主"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_households",
    )
    main_cause = models.CharField(
        _("主要致贫原因"), max_length=20, choices=Cause.choices, blank=True
    )
    # Other causes as ",illness,schooling," so that one LIKE finds a cause on every database.
    other_causes = models.CharField(_("其他致贫原因"), max_length=200, blank=True)
    difficulty = models.CharField(
        _("困难程度"), max_length=20, choices=Difficulty.choices, blank=True
    )
    identified_on = models.DateField(_("识别日期"), null=True, blank=True)
    # NULL: known to the day. A year or month (识别时间 2014, 201410) is stored as its first day.
    identified_precision = models.CharField(
        _("识别日期精度"), max_length=5, choices=DatePrecision.choices, null=True, blank=True
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, blank=True)
    status_since = models.DateField(_("状态日期"), null=True, blank=True)
    housing_safe = models.BooleanField(_("住房安全"), null=True, blank=True)
    water_safe = models.BooleanField(_("饮水安全"), null=True, blank=True)
    address = models.CharField(_("住址"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["code"]
        indexes = [models.Index(fields=["org", "status"], name="registry_household_org_status")]

    def __str__(self) -> str:
        head = self.head.name if self.head_id and self.head else ""
        return f"{self.code} {head}".strip()

    @property
    def other_cause_list(self) -> list[str]:
        return [c for c in self.other_causes.split(",") if c]

    @property
    def other_cause_labels(self) -> list[str]:
        labels = dict(Cause.choices)
        return [str(labels.get(c, c)) for c in self.other_cause_list]


def join_causes(causes: list[str]) -> str:
    return f",{','.join(causes)}," if causes else ""


class Member(models.Model):
    """A person's place in a household (与户主关系)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="registry_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.household.code} {self.person.name} {self.get_relation_display()}"


class HouseholdIncome(models.Model):
    """Per-capita net income of a household in one year, with its optional parts (元)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("年度"))
    per_capita = models.DecimalField(_("人均纯收入(元)"), max_digits=12, decimal_places=2)
    wage = models.DecimalField(
        _("工资性收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    business = models.DecimalField(
        _("生产经营性收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    transfer = models.DecimalField(
        _("转移性收入"), max_digits=12, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("年度收入")
        verbose_name_plural = _("年度收入")
        ordering = ["household", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["household", "year"], name="registry_income_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.household.code} {self.year}: {self.per_capita}"


class StatusChange(models.Model):
    """One dated step of a household's status history: what, when, why and who decided."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    date = models.DateField(_("日期"))
    # NULL: known to the day; a year or month (脱贫年度 2019) is stored as its first day.
    date_precision = models.CharField(
        _("日期精度"), max_length=5, choices=DatePrecision.choices, null=True, blank=True
    )
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    decided_by = models.CharField(_("决定人/机构"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The file a step was imported from (a history taken over from the national system), NULL
    # for a step recorded in bangfu.
    imported_from = models.CharField(_("导入自"), max_length=200, null=True, blank=True)

    class Meta:
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        ordering = ["household", "date", "id"]
        indexes = [
            models.Index(fields=["household", "date"], name="registry_status_hh_date"),
            models.Index(fields=["status", "date"], name="registry_status_date"),
        ]

    def __str__(self) -> str:
        return f"{self.household.code} {self.date} {self.get_status_display()}"


class Helper(models.Model):
    """A helper (帮扶责任人): a person in a unit, who may carry up to ``capacity`` pairings."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="helper")
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="helpers"
    )
    capacity = models.PositiveSmallIntegerField(_("最多帮扶数"), default=5)
    user = models.OneToOneField(
        "accounts.User",
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="helper_profile",
    )
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("帮扶责任人")
        verbose_name_plural = _("帮扶责任人")
        ordering = ["person__name_sort"]

    def __str__(self) -> str:
        return self.person.name


class UnitBeneficiary(models.Model):
    """A unit helped as a whole: a village (单位包村), a rural school or a kindergarten."""

    org = models.OneToOneField(
        "orgs.Org",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="beneficiary",
    )
    notes = models.CharField(_("基本情况"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("帮扶单位对象")
        verbose_name_plural = _("帮扶单位对象")

    def __str__(self) -> str:
        return self.org.name


class UnitIndicator(models.Model):
    """One yearly figure of a unit beneficiary (农民人均纯收入 of a village in 2025 …)."""

    unit = models.ForeignKey(UnitBeneficiary, on_delete=models.CASCADE, related_name="indicators")
    year = models.PositiveSmallIntegerField(_("年度"))
    indicator = models.CharField(_("指标"), max_length=30, choices=Indicator.choices)
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("年度指标")
        verbose_name_plural = _("年度指标")
        ordering = ["unit", "indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "indicator"], name="registry_indicator_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.get_indicator_display()}: {self.value}"


class IncomeLine(models.Model):
    """An income line (贫困线/监测线) of one year, per person per year in 元.

    ``region_prefix`` is "" for the national default, or the start of a GB/T 2260 code ("45" a
    province, "450123" a county): among the lines whose prefix a household's region code starts
    with, the one of the year (or, for a year without lines, the latest earlier year) with the
    longest prefix applies (``quality.income_line_for``). The quality checks compare an exited
    household's latest income with it; lines are data, so that a province's own line or a new
    year's line is a new row, not a code change.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    region_prefix = models.CharField(
        _("区划代码前缀"),
        max_length=12,
        blank=True,
        help_text=_("留空为全国标准; 如 45 为广西, 450123 为某县"),
    )
    amount = models.DecimalField(_("标准(元/人·年)"), max_digits=10, decimal_places=2)
    source = models.CharField(_("依据"), max_length=200, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("收入标准线")
        verbose_name_plural = _("收入标准线")
        ordering = ["year", "region_prefix"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "region_prefix"], name="registry_income_line_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_prefix or '全国'}: {self.amount}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.region_prefix and not (
            self.region_prefix.isascii() and self.region_prefix.isdigit()
        ):
            raise ValidationError({"region_prefix": [_("区划代码前缀只能由数字组成")]})
