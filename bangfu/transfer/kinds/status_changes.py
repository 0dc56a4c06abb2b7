"""status-changes: 户编号, 状态, 日期, 原因 (+ 决定人).

Each row is one dated step of a household's status history (动态管理). The rows of a household
are taken in date order after the steps already on file, and each must be a valid transition
(``bangfu.registry.services.transition_problem``) on a date not before the previous step and not
after today. A row equal to a step on file (same household, status and date) is matched, not
added again: only its 原因 / 决定人 are updated when they differ. A step added by an import
keeps the file's name (``StatusChange.imported_from``): the history says which steps were taken
over from another system's sheet rather than recorded in bangfu.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import at_precision
from bangfu.registry.choices import Status
from bangfu.registry.models import Household, StatusChange
from bangfu.registry.selectors import household_list
from bangfu.registry.services import transition_problem
from bangfu.transfer.importers import WRITE_BATCH, Importer, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import STATUS, household_named, org_subtree_filter
from bangfu.transfer.spec import HOUSEHOLD_CODE_SYNONYMS, Column, Kind

COLUMNS = (
    Column(
        "code",
        "户编号",
        _lazy("该户须已登记"),
        required=True,
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        width=20,
    ),
    Column(
        "status",
        "状态",
        _lazy("变更后的状态; 须符合状态变更规则 (如 帮扶中 → 拟脱贫 → 脱贫)"),
        required=True,
        choices=STATUS,
        synonyms=("变更后状态", "新状态", "变更状态"),
    ),
    Column(
        "date",
        "日期",
        _lazy("变更日期, 不早于该户上一次变更, 不晚于今天"),
        required=True,
        date=True,
        synonyms=("变更日期", "状态日期", "变更时间"),
    ),
    Column(
        "reason",
        "原因",
        _lazy("最多 300 个字"),
        synonyms=("变更原因", "原因说明", "理由"),
        width=30,
    ),
    Column(
        "decided_by",
        "决定人",
        _lazy("作出决定的人或机构, 最多 100 个字"),
        synonyms=("决定人/机构", "决定机构", "决定单位"),
        standard=False,
        width=16,
    ),
)


class StatusChangeImporter(Importer):
    def validate(self) -> None:
        rows: list[tuple[Any, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "code": self.text(row, "code", required=True, max_length=40, compact=True),
                "status": self.choice(row, "status", STATUS, required=True),
                "date": self.date(row, "date", required=True, precision=True),
                "reason": self.text(row, "reason", max_length=300) if self.has("reason") else "",
                "decided_by": self.text(row, "decided_by", max_length=100)
                if self.has("decided_by")
                else "",
            }
            rows.append((row, data))
        self.duplicates(
            "date",
            group_rows(
                (f"{d['code']} {d['date'].date.isoformat()} {STATUS.label(d['status'])}", r)
                for r, d in rows
                if d["code"] and d["status"] and d["date"]
            ),
            shown=_("同一户同一日期的同一状态"),
        )
        households = {
            h.code: h
            for h in fetch_in(
                Household.objects.select_related("org"), "code", [d["code"] for _r, d in rows]
            )
        }
        history: dict[int, list[StatusChange]] = defaultdict(list)
        for change in fetch_in(
            StatusChange.objects.order_by("date", "id"),
            "household_id",
            [h.pk for h in households.values()],
        ):
            history[change.household_id].append(change)
        for steps in history.values():
            steps.sort(key=lambda c: (c.date, c.pk))

        by_household: dict[str, list[tuple[Any, dict[str, Any]]]] = defaultdict(list)
        for row, data in rows:
            if not self.ok(row):
                continue
            household = household_named(self, row, households, data["code"])
            if household is None:
                continue
            by_household[household.code].append((row, data))

        self.new: list[StatusChange] = []
        self.changed: list[StatusChange] = []
        self.households: list[Household] = []
        recorded_by = self.actor if getattr(self.actor, "pk", None) else None
        labels = dict(Status.choices)
        for code, items in by_household.items():
            household = households[code]
            steps = history[household.pk]
            on_file = {(c.status, c.date): c for c in steps}
            last = (steps[-1].status, steps[-1].date) if steps else None
            moved = False
            for row, data in sorted(items, key=lambda item: (item[1]["date"].date, item[0].number)):
                status, day = data["status"], data["date"].date
                precision = data["date"].stored_precision
                existing = on_file.get((status, day))
                if existing is not None:
                    changed = False
                    if existing.date_precision != precision:
                        existing.date_precision = precision
                        changed = True
                    for key in ("reason", "decided_by"):
                        if data[key] and getattr(existing, key) != data[key]:
                            setattr(existing, key, data[key])
                            changed = True
                    if changed:
                        self.changed.append(existing)
                        self.updated += 1
                    continue
                if last is not None and day < last[1]:
                    self.fail(
                        row,
                        "date",
                        _("日期 %(date)s 早于该户上一次状态变更 (%(last)s, %(status)s)")
                        % {
                            "date": str(data["date"]),
                            "last": last[1].isoformat(),
                            "status": labels.get(last[0], last[0]),
                        },
                    )
                    continue
                problem = transition_problem(last[0] if last else None, status)
                if problem:
                    self.fail(row, "status", problem)
                    continue
                self.new.append(
                    StatusChange(
                        household=household,
                        status=status,
                        date=day,
                        date_precision=precision,
                        reason=data["reason"],
                        decided_by=data["decided_by"],
                        recorded_by=recorded_by,
                        imported_from=self.sheet.file_name[:200],
                    )
                )
                last, moved = (status, day), True
                self.created += 1
            if moved and last is not None:
                household.status, household.status_since = last
                if last[0] == Status.IDENTIFIED and household.identified_on is None:
                    household.identified_on = last[1]
                self.households.append(household)

    def write(self) -> None:
        StatusChange.objects.bulk_create(self.new, batch_size=WRITE_BATCH)
        bulk_update(StatusChange, self.changed, ["reason", "decided_by", "date_precision"])
        if self.households:
            self.stamp(self.households)
            bulk_update(
                Household,
                self.households,
                ["status", "status_since", "identified_on", "updated_at"],
            )
        self.wrote("households", [c.household for c in (*self.new, *self.changed)])


def _row(change: StatusChange) -> dict[str, Any]:
    return {
        "code": change.household.code,
        "status": STATUS.label(change.status),
        # A year or a month as 2019 / 2019-12 (docs/import-export.md, "Dates")
        "date": at_precision(change.date, change.date_precision)
        if change.date_precision
        else change.date,
        "reason": change.reason,
        "decided_by": change.decided_by,
    }


KIND = register(
    Kind(
        name="status-changes",
        label=_lazy("状态变更"),
        description=_lazy("户的状态历史, 每次变更一行 (动态管理)"),
        columns=COLUMNS,
        importer=StatusChangeImporter,
        queryset=lambda user: StatusChange.objects.filter(
            household__in=household_list(user=user).values("pk")
        ),
        prepare=lambda qs: qs.select_related("household").order_by("household__code", "date", "id"),
        row=_row,
        org_path="household__org__path",
        filters=org_subtree_filter("household__org__path"),
    )
)
