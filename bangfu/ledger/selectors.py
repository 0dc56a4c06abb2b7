"""Reads of the ledger, scoped by the user, and its totals and balances: by category, source,
recipient, unit (subtree) and period, in 元 and 万元, goods in their units, 户次 and 人次.

Only posted entries count in totals (a reversal, posted too, takes its original out); drafts are
listed apart until they are approved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.ledger.models import Direction, LedgerEntry, SourceKind, Status

if TYPE_CHECKING:
    from bangfu.accounts.models import User

TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")

DIMENSIONS = {
    "category": "category",
    "source": "source",
    "recipient": "recipient",
    "org": "org",
    "month": "month",
    "program": "program",
}


def entry_list(*, user: User) -> QuerySet[LedgerEntry]:
    """Entries the user may see: of the ledgers of units they read; a helper's, those of
    activities they did."""
    scope = scope_of(user)
    qs = LedgerEntry.objects.select_related(
        "org",
        "program",
        "source_org",
        "source_helper__person",
        "household__head",
        "person",
        "recipient_org",
        "reverses",
    )
    if scope.is_sysadmin:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(scope.read_q("org__path") | Q(activity__helper__user=user))


def entry_get(*, user: User, pk: Any) -> LedgerEntry:
    try:
        return entry_list(user=user).get(pk=pk)
    except (LedgerEntry.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def wan(amount: Decimal | None) -> Decimal:
    """元 → 万元 to two decimals (256,600 元 → 25.66)."""
    return ((amount or Decimal(0)) / TEN_THOUSAND).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    key: str
    label: str
    amount: Decimal = Decimal(0)  # 元, posted, out minus reversals
    income: Decimal = Decimal(0)  # 元 brought in (拨入)
    goods: dict[str, Decimal] = field(default_factory=dict)  # unit → quantity given
    items: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (goods, unit) → quantity
    household_times: int = 0  # 户次: entries to households
    person_times: int = 0  # 人次: entries to persons
    entries: int = 0

    @property
    def amount_wan(self) -> Decimal:
        return wan(self.amount)

    @property
    def balance(self) -> Decimal:
        return self.income - self.amount

    @property
    def goods_text(self) -> str:
        return "、".join(f"{_number(q)}{u}" for u, q in sorted(self.goods.items()) if q)

    @property
    def items_text(self) -> str:
        """The goods by name: "图书 658 册、书包 20 个"."""
        return "、".join(
            f"{name} {_number(q)} {unit}" for (name, unit), q in sorted(self.items.items()) if q
        )

    @property
    def sentence(self) -> str:
        """ "发放 25.66 万元, 图书 658 册, 惠及 1095 户次、365 人次"."""
        parts = [_("发放 %s 万元") % self.amount_wan]
        if self.items_text:
            parts.append(self.items_text)
        reached = []
        if self.household_times:
            reached.append(_("%d 户次") % self.household_times)
        if self.person_times:
            reached.append(_("%d 人次") % self.person_times)
        if reached:
            parts.append(_("惠及 %s") % "、".join(reached))
        return ", ".join(parts)


def _number(quantity: Decimal) -> str:
    """658.00 → "658", 2.50 → "2.5"."""
    return f"{quantity.normalize():f}"


@dataclass
class Totals:
    rows: list[Row]
    total: Row
    drafts: int


def _key(entry: dict[str, Any], by: str) -> tuple[str, str]:
    if by == "category":
        return entry["category"], entry["category"]
    if by == "program":
        return str(entry["program__code"] or ""), entry["program__name"] or "—"
    if by == "org":
        return entry["org__code"], entry["org__name"]
    if by == "month":
        month = entry["month"]
        return f"{month:%Y-%m}", f"{month.year}年{month.month}月"
    if by == "source":
        kind = entry["source_kind"]
        if kind == SourceKind.UNIT:
            return f"u{entry['source_org_id']}", entry["source_org__name"] or ""
        if kind == SourceKind.HELPER:
            return f"h{entry['source_helper_id']}", entry["source_helper__person__name"] or ""
        return f"f{entry['source_fund']}", entry["source_fund"]
    # recipient
    if entry["household_id"]:
        head = entry["household__head__name"] or ""
        return f"h{entry['household_id']}", f"{head}户 ({entry['household__code']})"
    if entry["person_id"]:
        return f"p{entry['person_id']}", entry["person__name"]
    if entry["recipient_org_id"]:
        return f"o{entry['recipient_org_id']}", entry["recipient_org__name"]
    return "-", "—"


GROUP_FIELDS = (
    "category",
    "program__code",
    "program__name",
    "org__code",
    "org__name",
    "month",
    "source_kind",
    "source_org_id",
    "source_org__name",
    "source_helper_id",
    "source_helper__person__name",
    "source_fund",
    "household_id",
    "household__code",
    "household__head__name",
    "person_id",
    "person__name",
    "recipient_org_id",
    "recipient_org__name",
    "goods",
    "goods_unit",
)


# The fields each dimension's key is made of (:func:`_key`): grouping by them alone gives the
# same rows as by every field, without joining the tables the other dimensions name.
KEY_FIELDS = {
    "category": ("category",),
    "program": ("program__code", "program__name"),
    "org": ("org__code", "org__name"),
    "month": ("month",),
    "source": (
        "source_kind",
        "source_org_id",
        "source_org__name",
        "source_helper_id",
        "source_helper__person__name",
        "source_fund",
    ),
    "recipient": (
        "household_id",
        "household__code",
        "household__head__name",
        "person_id",
        "person__name",
        "recipient_org_id",
        "recipient_org__name",
    ),
}


def amount_given(qs: QuerySet[LedgerEntry]) -> Decimal:
    """The 元 given in ``qs``: :func:`totals`' total amount (posted, not 拨入; a reversal, posted
    too, takes its original out), in one aggregate when nothing else is needed."""
    posted = qs.filter(status=Status.POSTED).exclude(direction=Direction.IN).order_by()
    return posted.aggregate(amount=Sum("amount"))["amount"] or Decimal(0)


def totals(qs: QuerySet[LedgerEntry], *, by: str = "category") -> Totals:
    """Posted totals of ``qs`` grouped by ``by`` (a key of :data:`DIMENSIONS`)."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    posted = qs.filter(status=Status.POSTED).order_by()
    fields = (*KEY_FIELDS.get(by, GROUP_FIELDS), "goods", "goods_unit")
    groups = (
        posted.annotate(month=TruncMonth("date"))
        .values("direction", *fields)
        .annotate(amount=Sum("amount"), quantity=Sum("quantity"), n=Count("id"))
        .order_by()
    )
    rows: dict[str, Row] = {}
    total = Row("", _("合计"))
    for g in groups:
        key, label = _key(g, by)
        row = rows.setdefault(key, Row(key, label))
        for target in (row, total):
            amount = g["amount"] or Decimal(0)
            if g["direction"] == Direction.IN:
                target.income += amount
            else:
                target.amount += amount
            # Goods brought in (拨入) are not goods given.
            if g["quantity"] is not None and g["goods_unit"] and g["direction"] != Direction.IN:
                unit = g["goods_unit"]
                target.goods[unit] = target.goods.get(unit, Decimal(0)) + g["quantity"]
                item = (g["goods"], unit)
                target.items[item] = target.items.get(item, Decimal(0)) + g["quantity"]
    # 户次 / 人次: one aid to a household is one 户次, to a person one 人次, however many entries
    # it made (money and goods of one activity are one aid); a reversal takes its entry out.
    aids: dict[tuple[Any, ...], int] = defaultdict(int)
    labels: dict[tuple[Any, ...], tuple[str, str, str]] = {}
    counted = posted.filter(direction=Direction.OUT)
    if "month" in fields:
        counted = counted.annotate(month=TruncMonth("date"))
    recipients = ("household_id", "person_id", "recipient_org_id")
    names = list(dict.fromkeys((*fields, *recipients, "id", "activity_id", "reverses_id")))
    household, person, org, pk, activity, reverses = (
        names.index(n) for n in (*recipients, "id", "activity_id", "reverses_id")
    )
    keys: dict[tuple[Any, ...], tuple[str, str]] = {}
    width = len(fields) if by != "recipient" else len(names)  # recipient: the ids count too
    # Rows as tuples (a ledger of a million households has tens of thousands of entries a year);
    # the key of an aid is read from the entry that made it, not from its reversal.
    for values in counted.values_list(*names):
        if values[activity]:
            aid: tuple[Any, ...] = (
                "a",
                values[activity],
                values[household],
                values[person],
                values[org],
            )
        else:
            aid = ("e", values[reverses] or values[pk])
        aids[aid] += -1 if values[reverses] else 1
        if aid not in labels or not values[reverses]:
            kind = "h" if values[household] else "p" if values[person] else "o"
            shown = values[:width]  # the fields the key is made of: few distinct values
            if shown not in keys:
                keys[shown] = _key(dict(zip(names, values, strict=True)), by)
            labels[aid] = (*keys[shown], kind)
    for aid, net in aids.items():
        if net <= 0:
            continue
        key, label, kind = labels[aid]
        row = rows.setdefault(key, Row(key, label))
        for target in (row, total):
            target.entries += 1
            if kind == "h":
                target.household_times += 1
            elif kind == "p":
                target.person_times += 1
    ordered = sorted(rows.values(), key=lambda r: (-r.amount, r.label))
    drafts = qs.filter(status=Status.DRAFT).count()
    return Totals(rows=ordered, total=total, drafts=drafts)
