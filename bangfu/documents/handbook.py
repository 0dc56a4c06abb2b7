"""The 帮扶手册 of a household: one printable PDF with everything the records hold about its
help — the household and its members, its status history and incomes, the helpers and
pairings, each pairing's plan with the progress of its measures, the visits (activities linked
to the pairings) and the aid received (posted ledger entries) with their total.

ID and phone numbers are masked (4501**********1234, 139****1111) unless the caller asks for
the full numbers *and* may reveal them in the household's unit; the view writes the audit row
either way. Like the commitment letters, the handbook is rendered by WeasyPrint on A4 in the
system's Noto CJK fonts, with nothing fetched from anywhere, and always in Chinese.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bangfu.accounts.scope import scope_of
from bangfu.activities.models import Activity
from bangfu.core.masking import mask_id_number, mask_phone
from bangfu.ledger.models import Direction, LedgerEntry, Status
from bangfu.ledger.selectors import totals
from bangfu.pairings.models import Pairing
from bangfu.pairings.plans import MeasureRow, common_plan, measure_rows, personal_plan
from bangfu.pairings.selectors import pairing_list
from bangfu.registry.models import Household

if TYPE_CHECKING:
    from bangfu.accounts.models import User

LANGUAGE = "zh-hans"
PAGE_CM = (21.0, 29.7)
MARGINS_CM = {"top": 2.5, "bottom": 2.5, "left": 2.6, "right": 2.4}
PROGRESS_LABELS = {"met": "已完成", "due": "进行中", "missed": "未完成", "unknown": "不计"}


class PdfUnavailable(RuntimeError):
    """WeasyPrint's system libraries (Pango) are missing on this server."""


@dataclass(frozen=True)
class MemberRow:
    name: str
    relation: str
    id_number: str
    sex: str
    age: int | None
    health: str
    schooling: str
    labour: str
    phone: str


@dataclass
class PairingBlock:
    pairing: Pairing
    helper: str
    helper_unit: str
    helper_phone: str
    beneficiary: str
    goals: list[str]
    measures: list[MeasureRow]

    @property
    def progress(self) -> list[tuple[MeasureRow, str]]:
        return [
            (row, PROGRESS_LABELS.get(row.progress.status, "") if row.progress else "")
            for row in self.measures
        ]


def _id(value: str, full: bool) -> str:
    return value if full else mask_id_number(value)


def _phone(value: str, full: bool) -> str:
    return value if full else mask_phone(value)


def may_reveal(user: User, household: Household) -> bool:
    return scope_of(user).can_reveal_in(household.org)


def household_pairings(*, user: User, household: Household) -> list[Pairing]:
    """Pairings the user sees that serve the household or one of its members, oldest first."""
    persons = household.members.values("person_id")
    return list(
        pairing_list(user=user)
        .filter(Q(household=household) | Q(person__in=persons))
        .select_related("helper__org", "helper_org")
        .order_by("start", "id")
    )


def handbook_context(
    *, user: User, household: Household, full: bool = False, today: datetime.date | None = None
) -> dict[str, Any]:
    """Everything the handbook shows. ``full`` shows whole numbers, and only takes effect when
    the user may reveal them in the household's unit."""
    today = today or timezone.localdate()
    full = full and may_reveal(user, household)
    members = [
        MemberRow(
            name=m.person.name,
            relation=m.get_relation_display(),
            id_number=_id(m.person.id_number, full),
            sex=m.person.get_sex_display(),
            age=m.person.age_on(today),
            health=m.person.get_health_display(),
            schooling=m.person.get_schooling_display(),
            labour=m.person.get_labour_display(),
            phone=_phone(m.person.phone, full),
        )
        for m in household.members.select_related("person").order_by("id")
    ]
    pairings = household_pairings(user=user, household=household)
    blocks = []
    for p in pairings:
        common, own = common_plan(p.program), personal_plan(p)
        helper_person = p.helper.person if p.helper_id and p.helper else None
        blocks.append(
            PairingBlock(
                pairing=p,
                helper=p.helper_name,
                helper_unit=(p.helper.org.name if p.helper_id and p.helper else p.helper_name),
                helper_phone=_phone(helper_person.phone, full) if helper_person else "",
                beneficiary=p.beneficiary_name,
                goals=[plan.goals for plan in (common, own) if plan is not None and plan.goals],
                measures=measure_rows(common, pairing=p, day=today)
                + measure_rows(own, pairing=p, day=today),
            )
        )
    visits = list(
        Activity.objects.filter(links__pairing__in=[p.pk for p in pairings])
        .distinct()
        .select_related("program", "helper__person", "helper_org")
        .prefetch_related("items")
        .order_by("date", "id")
    )
    member_persons = household.members.values("person_id")
    aid_qs = LedgerEntry.objects.filter(
        Q(household=household) | Q(person__in=member_persons),
        status=Status.POSTED,
        direction=Direction.OUT,
    ).select_related("program", "source_org", "source_helper__person", "person", "reverses")
    aid = list(aid_qs.order_by("date", "id"))
    aid_total = totals(aid_qs).total
    return {
        "household": household,
        "place": " › ".join([*(a.name for a in household.org.ancestors()), household.org.name]),
        "members": members,
        "full": full,
        "history": list(household.history.order_by("date", "id")),
        "incomes": list(household.incomes.order_by("year")),
        "pairings": blocks,
        "visits": visits,
        "aid": [(e, source_name(e)) for e in aid],
        "aid_total": aid_total,
        "aid_amount": sum((e.amount or Decimal(0) for e in aid), Decimal(0)),
        "today": today,
        "title": _("帮扶手册"),
    }


def source_name(entry: LedgerEntry) -> str:
    if entry.source_org_id and entry.source_org:
        return entry.source_org.name
    if entry.source_helper_id and entry.source_helper:
        return entry.source_helper.person.name
    return entry.source_fund


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the handbook loads no resources ({url})")


def handbook_pdf(
    *, user: User, household: Household, full: bool = False, today: datetime.date | None = None
) -> bytes:
    try:
        from weasyprint import HTML
    except (OSError, ImportError) as exc:
        raise PdfUnavailable(
            _("服务器缺少 PDF 组件 (Pango), 暂时无法生成 PDF, 请管理员安装。")
        ) from exc
    with translation.override(LANGUAGE):
        context = handbook_context(user=user, household=household, full=full, today=today)
        context.update(page_cm=PAGE_CM, margins_cm=MARGINS_CM)
        html = render_to_string("documents/handbook.html", context)
        return bytes(HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf())
