"""Village (and school) outcomes by year with growth: each unit beneficiary's yearly indicators
for the report's year and the year before, and the seed's sentence
"农民人均纯收入9620.3元, 比上年增长12.0%".

Additive indicators (收入 in 万元, 教师数, 学生数) reconcile: the units' values add up to the
total. 人均 figures are not added; their total line is the mean of the units that reported.
Units that reported nothing for the year show on a 未填报 line."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from bangfu.core.tree import prefix_q
from bangfu.registry.choices import Indicator
from bangfu.registry.models import UnitIndicator
from bangfu.registry.selectors import unit_beneficiary_list
from bangfu.reports.base import MEMO, Params, Report, Table, number_text, url

if TYPE_CHECKING:
    from bangfu.accounts.models import User

KIND = "villages"
TITLE = "村级发展成效"
AVERAGED = {Indicator.PER_CAPITA_INCOME}
ONE_DECIMAL = Decimal("0.1")


def growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """Growth on the year before in percent, one decimal (None without a base)."""
    if now is None or not before:
        return None
    return ((now - before) * 100 / before).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def growth_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value < 0:
        return _("比上年下降%s%%") % number_text(-value)
    return _("比上年增长%s%%") % f"{value:.1f}"


def build(*, user: User, params: Params) -> Report:
    year = params.end.year
    units = unit_beneficiary_list(user=user)
    if params.org is not None:
        units = units.filter(prefix_q("org__path", params.org.path))
    units = units.order_by("org__path")
    values: dict[tuple[int, str, int], Decimal] = {
        (row.unit_id, row.indicator, row.year): row.value
        for row in UnitIndicator.objects.filter(unit__in=units, year__in=(year - 1, year))
    }
    report = Report(KIND, _(TITLE), params)
    columns = [_("%d年") % (year - 1), _("%d年") % year, _("增长 (%)")]
    sentences: list[str] = []
    for code, label in Indicator.choices:
        rows = [
            (u, values.get((u.pk, code, year)), values.get((u.pk, code, year - 1))) for u in units
        ]
        if not any(now is not None or before is not None for _u, now, before in rows):
            continue
        table = Table(code, str(label), columns, unsummed=(2,))
        missing = []
        for unit, now, before in rows:
            if now is None and before is None:
                continue
            if now is None:
                missing.append(unit.org.name)
            table.add(
                unit.org.name,
                [before, now, growth(now, before)],
                link=url("registry:unit_detail", unit.pk),
            )
            if code == Indicator.PER_CAPITA_INCOME and now is not None:
                text = _("%(unit)s%(year)d年农民人均纯收入%(v)s元") % {
                    "unit": unit.org.name,
                    "year": year,
                    "v": number_text(now),
                }
                g = growth_text(growth(now, before))
                sentences.append(f"{text}, {g}" if g else text)
        reported_now = [now for _u, now, _b in rows if now is not None]
        reported_before = [b for _u, _n, b in rows if b is not None]
        if code in AVERAGED:
            mean_now = _mean(reported_now)
            mean_before = _mean(reported_before)
            table.add(_("平均"), [mean_before, mean_now, growth(mean_now, mean_before)], kind=MEMO)
            table.reconciles = False
            table.note = _("人均数不相加, 平均为填报单位的简单平均。")
        else:
            total_now = sum(reported_now, Decimal(0))
            total_before = sum(reported_before, Decimal(0))
            table.close([total_before, total_now, growth(total_now, total_before)])
        if missing:
            table.note = (table.note + " " if table.note else "") + _("未填报: %s") % "、".join(
                missing
            )
        report.tables.append(table)
    report.sentence = (
        "; ".join(sentences) + "。"
        if sentences
        else _("%(place)s%(year)d年尚无农民人均纯收入的填报。")
        % {"place": params.place, "year": year}
    )
    return report


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)
