"""programs: 编码, 名称, 模板, 所属组织编码, 开始日期, 结束日期 (+ 帮扶范围编码).

A program (帮扶项目) is matched on its 编码. A new one takes its own copy of the named template's
definition, as ``bangfu.programs.services.program_create`` does; an existing one has its name,
dates and area updated, never its template nor its organising unit. The actor must administer the
organising unit. 帮扶范围编码 (optional) gives the unit whose subtree holds the beneficiaries;
by default the organising unit.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.orgs.models import Org
from bangfu.pairings.selectors import program_list
from bangfu.programs.models import Program, ProgramTemplate
from bangfu.transfer.importers import WRITE_BATCH, Importer, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import org_subtree_filter
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import ORG_CODE_SYNONYMS, Column, Kind

COLUMNS = (
    Column(
        "code",
        "编码",
        _lazy("项目编码, 最多 40 个字; 已有该编码的项目则更新其名称和日期"),
        required=True,
        synonyms=("项目编码", "项目编号", "项目代码"),
        text=True,
        width=18,
    ),
    Column(
        "name",
        "名称",
        _lazy("项目名称, 最多 100 个字"),
        required=True,
        synonyms=("项目名称", "项目名"),
        width=30,
    ),
    Column(
        "template",
        "模板",
        _lazy("项目模板的名称, 如 精准扶贫一对一、四个一、单位包村; 已有项目的模板不能修改"),
        required=True,
        synonyms=("项目模板", "模板名称", "项目类型"),
        width=16,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("主办单位的编码; 须为您管理的单位"),
        required=True,
        synonyms=("主办单位编码", *ORG_CODE_SYNONYMS),
        text=True,
        width=16,
    ),
    Column(
        "start",
        "开始日期",
        _lazy("项目开始日期"),
        required=True,
        date=True,
        synonyms=("起始日期", "开始时间", "项目开始日期"),
    ),
    Column(
        "end",
        "结束日期",
        _lazy("可不填; 不早于开始日期"),
        date=True,
        synonyms=("截止日期", "结束时间", "项目结束日期"),
    ),
    Column(
        "area",
        "帮扶范围编码",
        _lazy("帮扶对象所在单位的编码 (含下属); 不填则为主办单位"),
        synonyms=("帮扶范围", "范围编码"),
        text=True,
        standard=False,
        width=16,
    ),
)


def any_date(importer: Importer, row: Row, key: str, *, required: bool = False) -> Any:
    """A full date (``Importer.date``: a year or a month alone is an error); unlike an
    activity's date it may lie in the future (a program or a pairing runs until a day to come).
    None when empty or bad."""
    return importer.date(row, key, required=required, future=True)


class ProgramImporter(Importer):
    def validate(self) -> None:
        rows: list[tuple[Row, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "code": self.text(row, "code", required=True, max_length=40, compact=True),
                "name": self.text(row, "name", required=True, max_length=100),
                "template": self.text(row, "template", required=True, compact=True),
                "org": self.text(row, "org", required=True, compact=True),
                "start": any_date(self, row, "start", required=True),
                "end": any_date(self, row, "end") if self.has("end") else None,
                "area": self.text(row, "area", compact=True) if self.has("area") else "",
            }
            rows.append((row, data))
        self.duplicates("code", group_rows((d["code"], r) for r, d in rows))
        templates: dict[str, ProgramTemplate] = {}
        for each in ProgramTemplate.objects.all():
            templates[each.name] = each
            templates.setdefault(each.code, each)
        names = [t.name for t in ProgramTemplate.objects.order_by("-builtin", "id")]
        self.load_orgs(code for _r, d in rows for code in (d["org"], d["area"]))
        existing = {
            p.code: p
            for p in fetch_in(
                Program.objects.select_related("template", "org", "area"),
                "code",
                [d["code"] for _r, d in rows],
            )
        }

        self.new: list[Program] = []
        self.changed: list[Program] = []
        for row, data in rows:
            template = templates.get(data["template"]) if data["template"] else None
            if data["template"] and template is None:
                self.fail(
                    row,
                    "template",
                    _("模板“%(name)s”不存在, 可填写: %(names)s")
                    % {"name": data["template"], "names": "、".join(names)},
                )
            if not self.ok(row):
                continue
            assert template is not None
            org = self.unit(row, "org", data["org"])
            if org is None:
                continue
            area = self._area(row, data["area"], org)
            if area is None:
                continue
            program = existing.get(data["code"])
            start: datetime.date = data["start"]
            end: datetime.date | None = data["end"]
            if program is not None:
                if not self.may_admin(program.org):
                    self.refuse(row, "org", program.org)
                    continue
                if program.org_id != org.pk:
                    self.fail(
                        row,
                        "org",
                        _("项目 %(code)s 的主办单位是 %(org)s, 不能修改")
                        % {"code": program.code, "org": program.org.code},
                    )
                    continue
                if program.template_id != template.pk:
                    self.fail(
                        row,
                        "template",
                        _("项目 %(code)s 的模板是“%(template)s”, 已建立的项目不能修改模板")
                        % {"code": program.code, "template": program.template.name},
                    )
                    continue
                if end is None:
                    end = program.end
            if end is not None and end < start:
                self.fail(row, "end", _("结束日期早于开始日期"))
                continue
            if program is None:
                self.new.append(
                    Program(
                        code=data["code"],
                        name=data["name"],
                        template=template,
                        org=org,
                        area=area,
                        start=start,
                        end=end,
                        definition=copy.deepcopy(template.definition),
                    )
                )
                self.created += 1
                continue
            wanted = {"name": data["name"], "start": start, "end": end, "area_id": area.pk}
            changes = {k: v for k, v in wanted.items() if getattr(program, k) != v}
            if changes:
                for key, value in changes.items():
                    setattr(program, key, value)
                self.changed.append(program)
                self.updated += 1

    def _area(self, row: Row, code: str, org: Org) -> Org | None:
        """The program's area: the unit named in 帮扶范围编码, else the organising unit. As in
        program_create, the actor must administer or read it."""
        if not code or code == org.code:
            return org
        area = self.orgs.get(code)
        if area is None:
            self.fail(row, "area", _("帮扶范围编码 %s 不存在") % code)
            return None
        if not (self.scope.can_admin_org(area) or self.scope.can_read_org(area)):
            self.fail(row, "area", _("无权把“%s”作为帮扶范围") % area.name)
            return None
        return area

    def write(self) -> None:
        Program.objects.bulk_create(self.new, batch_size=WRITE_BATCH)
        self.stamp(self.changed)
        bulk_update(Program, self.changed, ["name", "start", "end", "area", "updated_at"])
        self.wrote("programs", [*self.new, *self.changed])


def _row(program: Program) -> dict[str, Any]:
    return {
        "code": program.code,
        "name": program.name,
        "template": program.template.name,
        "org": program.org.code,
        "start": program.start,
        "end": program.end,
        "area": program.area.code,
    }


KIND = register(
    Kind(
        name="programs",
        label=_lazy("帮扶项目"),
        description=_lazy("帮扶项目: 由模板建立, 按编码识别"),
        columns=COLUMNS,
        importer=ProgramImporter,
        queryset=lambda user: program_list(user=user),
        prepare=lambda qs: qs.select_related("template", "org", "area").order_by(
            "org__path", "code"
        ),
        row=_row,
        filters=org_subtree_filter("org__path"),
    )
)
