"""Activities (帮扶活动日记) and life events (生病住院, 结婚 … for 六必到).

An activity is one thing a helper or a unit did on a day: a visit, a talk, a training, a
donation. Its type is one of the program's activity types (the template's data), with that
type's own fields. One activity may serve several pairings (a unit's trip that visits twenty
households is one activity with twenty links and counts 20 户次). The figures of a report are
sums over these records, never typed in: ``household_visits`` (户次) and ``person_times`` (人次)
are what the activity counts, worked out once when it is recorded (:func:`services.tally`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    WEB = "web", _("网页")
    PHONE = "phone", _("手机")
    OFFLINE = "offline", _("手机离线同步")
    IMPORT = "import", _("导入")


class Activity(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("项目"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    # The canonical type code of the program (an alias such as 上门看望 is stored as 家访).
    type = models.CharField(_("活动类型"), max_length=40)
    # What the type counts (households → 户次, persons → 人次, sessions → 次), from the template.
    counts = models.CharField(_("计数方式"), max_length=12, default="sessions")
    date = models.DateField(_("日期"))
    theme = models.CharField(_("主题"), max_length=200, blank=True)
    content = models.TextField(_("内容"), blank=True)
    # The type's other fields by key (subject, grade, category, measure …), as the template names
    # them; numbers that reports add up have columns of their own below.
    details = models.JSONField(_("其他字段"), default=dict, blank=True)
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("发给每个帮扶对象的金额"),
    )
    people = models.PositiveIntegerField(_("人次"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), null=True, blank=True)
    household_visits = models.PositiveIntegerField(_("户次"), default=0)
    person_times = models.PositiveIntegerField(_("人次(合计)"), default=0)
    helper = models.ForeignKey(
        "registry.Helper",
        verbose_name=_("帮扶人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    helper_org = models.ForeignKey(
        "orgs.Org",
        verbose_name=_("帮扶单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="helper_activities",
    )
    # The unit that did it (the helper's unit, or the helping unit): who reads that unit's
    # subtree reads the activity; readers of a beneficiary's unit reach it through its links.
    org = models.ForeignKey(
        "orgs.Org", verbose_name=_("帮扶方单位"), on_delete=models.PROTECT, related_name="+"
    )
    events = models.ManyToManyField(
        "activities.LifeEvent",
        verbose_name=_("响应的事件"),
        blank=True,
        related_name="answered_by",
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    # A phone's idempotency key: an entry queued offline and sent twice is recorded once.
    client_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("帮扶活动")
        verbose_name_plural = _("帮扶活动")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["program", "date"], name="activities_program_date"),
            models.Index(fields=["helper", "date"], name="activities_helper_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(helper__isnull=False) | Q(helper_org__isnull=False),
                name="activities_has_helper",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="activities_amount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.type}"

    @property
    def doer_name(self) -> str:
        if self.helper_id and self.helper:
            return self.helper.person.name
        return self.helper_org.name if self.helper_org else ""


class ActivityLink(models.Model):
    """An activity serving one pairing. Type, date and program are repeated here so that the
    rules engine reads one indexed table: "activities of these types for this pairing in this
    window"."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="links")
    pairing = models.ForeignKey(
        "pairings.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        related_name="activity_links",
    )
    program = models.ForeignKey("programs.Program", on_delete=models.PROTECT, related_name="+")
    type = models.CharField(max_length=40)
    date = models.DateField()
    # The beneficiary's household (for a person, the household they belong to, if any): the
    # distinct households visited are counted on it.
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "registry.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    beneficiary_org = models.ForeignKey(
        "orgs.Org", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "pairing"], name="activity_links_unique"),
        ]
        indexes = [
            models.Index(fields=["pairing", "type", "date"], name="activity_links_pairing"),
            models.Index(fields=["program", "date"], name="activity_links_program"),
            # The rules engine counts a rule's types over a window for all of a program's
            # pairings from this index alone (docs/performance.md).
            models.Index(
                fields=["program", "type", "date", "pairing"], name="activity_links_program_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.pairing_id}"


class ActivityItem(models.Model):
    """Goods given in an activity (a donation of 200 册 of books worth 6,000 元)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("物品"), max_length=100)
    quantity = models.DecimalField(_("数量"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=10)
    value = models.DecimalField(
        _("价值(元)"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("物品")
        verbose_name_plural = _("物品")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="activity_items_quantity"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.quantity:g}{self.unit}"


class ActivityPhoto(models.Model):
    """A photo as optional evidence, kept downscaled in the database (app servers stay
    stateless), with the date the photo itself says it was taken (EXIF) when it says one."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="photos")
    image = models.BinaryField()
    content_type = models.CharField(max_length=40, default="image/jpeg")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name or f"photo {self.pk}"


class LifeEvent(models.Model):
    """A life event on a person or a household (生病住院, 结婚, 丧事 …), with its date. The rules
    engine turns it into visits owed (六必到); the visits that answered it are linked."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="life_events",
    )
    person = models.ForeignKey(
        "registry.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="life_events",
    )
    kind = models.CharField(_("事件类型"), max_length=20)
    date = models.DateField(_("日期"))
    note = models.CharField(_("说明"), max_length=500, blank=True)
    # The unit of the household or person, for scoping.
    org = models.ForeignKey("orgs.Org", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.WEB)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("生活事件")
        verbose_name_plural = _("生活事件")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False) & Q(person__isnull=True))
                | (Q(household__isnull=True) & Q(person__isnull=False)),
                name="life_events_one_subject",
            ),
        ]
        indexes = [models.Index(fields=["kind", "date"], name="life_events_kind_date")]

    def __str__(self) -> str:
        return f"{self.subject_name} {self.kind} {self.date}"

    @property
    def subject_name(self) -> str:
        if self.household_id and self.household:
            head = self.household.head
            return f"{head.name if head else ''}户 ({self.household.code})"
        return self.person.name if self.person else ""
