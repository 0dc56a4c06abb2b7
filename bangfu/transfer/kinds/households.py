"""households: 户编号, 户主姓名, 户主身份证号, 所属组织编码, 致贫原因, 人均纯收入, 识别日期, 状态
(+ 其他致贫原因, 困难程度, 年度, 住房安全, 饮水安全, 住址, 脱贫年度, 县/乡/村/组, and the
member-roster columns 姓名, 身份证号, 与户主关系 with the person columns).

Two layouts (docs/import-export.md, "households"):

- **One row per household** (bangfu's own sheet): 户主姓名 and 户主身份证号 name the head.
- **One row per person** (the national systems' member rosters): 户码 (户编号), 姓名, 证件号码,
  与户主关系. The rows sharing a 户编号 are one household; the row whose 与户主关系 is 户主 makes
  the household (its person is the head, its cells give the household's fields), the other rows
  become its members. One file, all or nothing.

A bare 姓名 / 身份证号 is a person's own, never the head's: a sheet with them but without
户主身份证号 and without 与户主关系 (a student aid list: 学生姓名, 身份证号, 学校, 年级, 户主姓名 …)
is refused with a message naming the kind to import it as, so that a child is never registered
as a head.

Matched on 户编号. The unit: 所属组织编码, else the village code inside a national 户码, else
the 县/乡/村 (组) names (``places.Places``). A new household's head is created as a person when
the ID number is new and becomes the household's head member; its 状态 is the first step of the
status history, dated 识别日期 (or today), and must be a valid first status; a household
imported as 脱贫 (脱贫户, 已脱贫) with its 脱贫年度 gets the history the national system implies:
帮扶中 at 识别日期 and 脱贫 at the 脱贫年度 (a year), both marked as imported from the file. On
a household already on file a different 状态 is a status change dated today (or the 脱贫年度),
which must be a valid transition (``transition_problem``). 人均纯收入 is the income of 年度 (by
default the year of 识别日期, else the current year).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.idnumber import IdInfo
from bangfu.core.parsing import YEAR, PreciseDate, at_precision, written
from bangfu.orgs.models import Org
from bangfu.registry.choices import Relation, Status
from bangfu.registry.models import (
    Household,
    HouseholdIncome,
    Member,
    Person,
    StatusChange,
    join_causes,
)
from bangfu.registry.selectors import household_list
from bangfu.registry.services import transition_problem
from bangfu.transfer.importers import WRITE_BATCH, RowError, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import all_kinds, register
from bangfu.transfer.kinds.common import (
    CAUSE,
    DIFFICULTY,
    HOUSEHOLD_PHONE_COLUMN,
    PERSON_FIELD_COLUMNS,
    PERSON_PHONE_SYNONYMS,
    RELATION,
    STATUS,
    YES_NO,
    PersonRows,
    apply_fields,
)
from bangfu.transfer.kinds.places import PLACE_COLUMNS, Places, optional_columns
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import (
    HOUSEHOLD_CODE_SYNONYMS,
    ID_SYNONYMS,
    ORG_CODE_SYNONYMS,
    PHONE_SYNONYMS,
    Column,
    Kind,
    labels_of,
)

COLUMNS = (
    Column(
        "code",
        "户编号",
        _lazy(
            "户的唯一编号, 最多 40 个字符; 同一户编号再次导入时更新该户. "
            "国家系统的户码 (前 12 位为村的区划代码) 可直接作户编号"
        ),
        required=True,
        synonyms=HOUSEHOLD_CODE_SYNONYMS,
        text=True,
        width=20,
    ),
    Column(
        "head_name",
        "户主姓名",
        _lazy("一户一行时必填, 须与户主身份证号已登记的姓名一致; 一人一行的名单可不填"),
        required=True,
        synonyms=("户主", "户主名称"),
    ),
    Column(
        "head_id",
        "户主身份证号",
        _lazy(
            "一户一行时必填: 18 位身份证号, 未登记的人员自动登记并成为该户户主; "
            "一人一行的名单不填, 以“与户主关系”为“户主”的行为户主"
        ),
        required=True,
        synonyms=(
            "户主身份证号码",
            "户主公民身份号码",
            "户主证件号码",
            "户主证件号",
            "户主身份证",
        ),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("户所属单位 (通常是村) 的编码; 不填时按户码前 12 位或 县/乡/村 名称确定"),
        required=True,
        synonyms=(*ORG_CODE_SYNONYMS, "行政村编号", "行政村代码", "村编码", "村代码"),
        text=True,
        width=16,
    ),
    Column(
        "main_cause",
        "致贫原因",
        _lazy("主要致贫原因"),
        choices=CAUSE,
        synonyms=("主要致贫原因", "致困原因", "主要致困原因", "致贫原因1"),
    ),
    Column(
        "income",
        "人均纯收入",
        _lazy("单位为元; 表头写“人均纯收入(万元)”时按万元读取; 记入“年度”列的年份"),
        amount=True,
        synonyms=("家庭人均纯收入", "人均收入", "年人均纯收入"),
    ),
    Column(
        "identified_on",
        "识别日期",
        _lazy("如 2014-06-01、2014/6/1、2014年6月1日、2014.6; 不能晚于今天"),
        date=True,
        synonyms=("识别时间", "建档日期", "建档时间", "识别年月", "首次识别时间", "识别年度"),
    ),
    Column(
        "status",
        "状态",
        _lazy(
            "新户只能是 新识别 或 帮扶中 (记为识别日期的第一步), 或填写了脱贫年度的 脱贫; "
            "已有的户填写不同的状态即为一次状态变更 (记为今天), 须符合状态变更规则"
        ),
        choices=STATUS,
        synonyms=("帮扶状态", "贫困户状态", "脱贫状态", "当前状态"),
    ),
    Column(
        "other_causes",
        "其他致贫原因",
        _lazy("可填多个, 用 、 或 , 分隔"),
        choices=CAUSE,
        multiple=True,
        synonyms=("次要致贫原因", "其他致困原因"),
        standard=False,
        width=20,
    ),
    Column("difficulty", "困难程度", choices=DIFFICULTY, standard=False),
    Column(
        "year",
        "年度",
        _lazy("人均纯收入的年度, 默认为识别日期的年份, 未填识别日期时为今年"),
        synonyms=("收入年度",),
        standard=False,
        width=8,
    ),
    Column(
        "housing_safe",
        "住房安全",
        values=YES_NO,
        synonyms=("住房安全保障", "住房是否安全"),
        standard=False,
        width=10,
    ),
    Column(
        "water_safe",
        "饮水安全",
        values=YES_NO,
        synonyms=("饮水安全保障", "饮水是否安全", "是否解决安全饮用水"),
        standard=False,
        width=10,
    ),
    Column(
        "address",
        "住址",
        _lazy("最多 200 个字"),
        synonyms=("家庭住址", "地址", "居住地址"),
        standard=False,
        width=30,
    ),
    Column(
        "exited",
        "脱贫年度",
        _lazy(
            "状态为脱贫时填写脱贫的年份 (如 2019), 也可填日期; "
            "新户据此记下状态历史: 识别日期 帮扶中, 脱贫年度 脱贫"
        ),
        date=True,
        synonyms=("脱贫时间", "脱贫年份", "脱贫年", "脱贫日期", "脱贫年月"),
        standard=False,
        width=10,
    ),
    *PLACE_COLUMNS,
    Column(
        "name",
        "姓名",
        _lazy("一人一行的家庭成员名单: 本行人员的姓名 (与“与户主关系”一起使用)"),
        synonyms=("成员姓名", "家庭成员姓名", "人员姓名"),
        standard=False,
    ),
    Column(
        "id_number",
        "身份证号",
        _lazy("一人一行的家庭成员名单: 本行人员的身份证号, 不是户主的"),
        synonyms=("成员身份证号", "成员身份证号码", "成员证件号码", *ID_SYNONYMS),
        text=True,
        personal="id",
        standard=False,
        width=22,
    ),
    Column(
        "relation",
        "与户主关系",
        _lazy("一人一行的家庭成员名单: 户主本人填“户主”, 该行即建立该户"),
        choices=RELATION,
        synonyms=("与户主的关系", "家庭关系", "与户主关系称谓", "户主或与户主关系"),
        standard=False,
    ),
    Column(
        "phone",
        "联系电话",
        _lazy("本行人员 (一户一行时为户主) 的手机号或带区号的固定电话"),
        synonyms=(*PHONE_SYNONYMS, *PERSON_PHONE_SYNONYMS),
        text=True,
        personal="phone",
        standard=False,
        width=16,
    ),
    HOUSEHOLD_PHONE_COLUMN,
    *PERSON_FIELD_COLUMNS,
)
FIELDS = ("main_cause", "difficulty", "identified_on", "housing_safe", "water_safe", "address")
# The household's own cells, compared between the rows of one household in a member roster.
HOUSEHOLD_KEYS = (
    "org",
    "main_cause",
    "other_causes",
    "difficulty",
    "income",
    "identified_on",
    "status",
    "housing_safe",
    "water_safe",
    "address",
    "exited",
)
# Words in the headers of lists that name persons who are not heads (for the refusal's hint).
STUDENT_WORDS = ("学校", "年级", "学段", "班级", "学籍", "就读", "学生", "在读", "资助", "雨露")
WORKER_WORDS = ("工会", "职工", "工作单位", "工种", "困难职工")
ROSTER = "roster"
HOUSEHOLD_ROWS = "households"


@dataclass
class _Entry:
    """One household of the file: its lead row (the 户主 row, or in a roster without one the
    first row of a household on file), and in a member roster its other rows."""

    code: str
    lead: Row
    data: dict[str, Any]
    head: bool  # the lead row names the head
    members: list[tuple[Row, dict[str, Any]]] = field(default_factory=list)


class HouseholdImporter(PersonRows):
    """Creates and updates households, their heads (and, from a member roster, their members),
    the year's income and the status history."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # 户主姓名 / 户主身份证号 are required of one row per household only, 所属组织编码 only
        # when neither a 户码 nor the names say where: checked in validate().
        optional_columns(self, "head_name", "head_id", "org")

    # -- the layout ------------------------------------------------------------------------------

    def _layout(self) -> str | None:
        """ROSTER (one row per person), HOUSEHOLD_ROWS (one row per household), or None when
        the sheet cannot be read as households (the problem is recorded)."""
        has = self.has
        rows = self.sheet.rows

        def filled(key: str) -> bool:
            return has(key) and any(not self.blank(row, key) for row in rows)

        # A roster names each row's person and relation; our own export of one row per
        # household has those columns empty.
        if filled("relation") and (filled("id_number") or filled("name")):
            return ROSTER if self._require("name", "id_number") else None
        personal = filled("id_number") or filled("name")
        if has("head_id") or (has("head_name") and not personal):
            return HOUSEHOLD_ROWS if self._require("head_name", "head_id") else None
        if personal:
            self._refuse_person_list()
            return None
        self._require("head_name", "head_id")
        return None

    def _require(self, *keys: str) -> bool:
        missing = [k for k in keys if not self.has(k)]
        for key in missing:
            header = self.header(key)
            self.errors.append(
                RowError(self.sheet.header_row or 1, header, _("缺少必填列“%s”") % header)
            )
        return not missing

    def _refuse_person_list(self) -> None:
        """A list of persons (姓名, 身份证号) that does not say who heads a household: refused
        as a whole, with the kind it should be imported as."""
        key = "id_number" if self.has("id_number") else "name"
        shown = self.sheet.header_of(key)
        headers = "".join(self.sheet.ignored)
        if any(w in headers for w in STUDENT_WORDS):
            hint = _("这像是学生名单, 请按“%s”导入") % _kind_label("students")
        elif any(w in headers for w in WORKER_WORDS):
            hint = _("这像是职工名单, 请按“%s”导入") % _kind_label("workers")
        else:
            hint = _(
                "如果这一列就是户主的身份证号, 请把表头改为“户主身份证号”; 如果是家庭成员名单, "
                "请加上“与户主关系”列 (户主本人填“户主”); 如果是人员名单, 请按“%s”导入"
            ) % _kind_label("persons")
        self.errors.append(
            RowError(
                self.sheet.header_row or 1,
                shown,
                _(
                    "表中的“%(column)s”是每行人员本人的, 表中既没有“户主身份证号”列, 也没有"
                    "“与户主关系”列说明谁是户主, 不能按户导入 (否则会把名单上的人登记为户主); "
                    "%(hint)s"
                )
                % {"column": shown, "hint": hint},
                self.sheet.index_of(key),
            )
        )

    # -- reading the rows ------------------------------------------------------------------------

    def _parse(self, row: Row) -> dict[str, Any]:
        roster = self.layout == ROSTER
        # 识别时间 2014 / 201410 keeps its year or month (docs/import-export.md, "Dates").
        identified = (
            self.date(row, "identified_on", precision=True) if self.has("identified_on") else None
        )
        identified_on = identified.date if identified else None
        data: dict[str, Any] = {
            "code": self._code(row),
            "head_name": self.text(
                row, "head_name", required=not roster, max_length=50, compact=True
            )
            if self.has("head_name")
            else "",
            "info": self.identity(row, "head_id", required=not roster)
            if self.has("head_id")
            else None,
            "org": self.text(row, "org", compact=True) if self.has("org") else "",
            "main_cause": self.choice(row, "main_cause", CAUSE) if self.has("main_cause") else "",
            "other_causes": self.choice_list(row, "other_causes", CAUSE)
            if self.has("other_causes")
            else None,
            "difficulty": self.choice(row, "difficulty", DIFFICULTY)
            if self.has("difficulty")
            else "",
            "income": self.amount(row, "income") if self.has("income") else None,
            "identified_on": identified_on,
            "identified_precision": identified.stored_precision if identified else None,
            "identified_cell": written(row.values.get("identified_on")) if identified else "",
            "status": self.choice(row, "status", STATUS) if self.has("status") else "",
            "housing_safe": self.boolean(row, "housing_safe") if self.has("housing_safe") else None,
            "water_safe": self.boolean(row, "water_safe") if self.has("water_safe") else None,
            "address": self.text(row, "address", max_length=200) if self.has("address") else "",
            "exited": self._exited(row) if self.has("exited") else None,
            "household_phone": self.phone(row, "household_phone")
            if self.has("household_phone")
            else "",
        }
        if roster:
            data["name"] = self.text(row, "name", required=True, max_length=50, compact=True)
            data["person_info"] = self.identity(row, "id_number")
            data["relation"] = self.choice(row, "relation", RELATION, required=True)
        # The row's person's own filled cells (联系电话, 健康状况 …, what the ID number says).
        data["person"] = self.person_fields(row, data["person_info"] if roster else data["info"])
        year = self.integer(row, "year", minimum=1949, maximum=self.today.year)
        data["year"] = year or (identified_on.year if identified_on else self.today.year)
        if data["income"] is not None and data["income"] < 0:
            self.fail(row, "income", _("人均纯收入不能为负数"))
        return data

    def _code(self, row: Row) -> str:
        """The 户编号; a long number (a national 户码) in a number cell is read as its digits,
        with a warning that Excel keeps only 15 significant digits of a number it was typed as."""
        code = self.text(row, "code", required=True, max_length=40, compact=True)
        raw = row.values.get("code")
        if isinstance(raw, int | float) and not isinstance(raw, bool) and len(code) > 15:
            self.warn(
                row,
                "code",
                _(
                    "%(header)s %(code)s 是数字单元格: 在 Excel 中输入的超过 15 位的数字"
                    "会丢失末位, 请核对; 宜将该列设为文本"
                )
                % {"header": self.sheet.header_of("code"), "code": code},
            )
        return code

    def _exited(self, row: Row) -> PreciseDate | None:
        """脱贫年度: a year (2019, 2019年, 2019年度) as a year, or a date at its precision."""
        value = self.date(row, "exited", precision=True, caveats=False)
        if value is not None and value.note and value.precision != YEAR:
            header = self.sheet.header_of("exited")
            self.warn(row, "exited", f"{header}“{written(row.values.get('exited'))}”{value.note}")
        return value

    # -- validation ------------------------------------------------------------------------------

    def validate(self) -> None:
        self.new_persons: list[Person] = []
        self.new_households: list[Household] = []
        self.new_members: list[Member] = []
        self.changed_members: list[Member] = []
        self.new_incomes: list[HouseholdIncome] = []
        self.changed_incomes: list[HouseholdIncome] = []
        self.new_changes: list[StatusChange] = []
        self.changed: list[Household] = []
        self.changed_fields: set[str] = set()
        self.changed_persons: dict[int, Person] = {}
        self.changed_person_fields: set[str] = set()
        self.layout = self._layout()
        if self.layout is None:
            return
        rows = [(row, self._parse(row)) for row in self.sheet.rows]
        if self.layout == ROSTER:
            entries = self._roster_entries(rows)
            numbers = [d["person_info"].number for _r, d in rows if d["person_info"] is not None]
            self.duplicates(
                "id_number",
                group_rows((d["person_info"].number, r) for r, d in rows if d["person_info"]),
            )
        else:
            self.duplicates("code", group_rows((d["code"], r) for r, d in rows))
            self.duplicates(
                "head_id",
                group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
            )
            entries = [_Entry(d["code"], r, d, head=True) for r, d in rows]
            numbers = [d["info"].number for _r, d in rows if d["info"] is not None]
            self._unused_person_columns(rows)
        self.places = Places(self, code_keys=("code",))
        refs = {
            e.lead.number: ref
            for e, ref in zip(entries, self.places.prepare(e.lead for e in entries), strict=True)
        }
        codes = [e.code for e in entries if e.code]
        households = {
            h.code: h
            for h in fetch_in(Household.objects.select_related("org", "head"), "code", codes)
        }
        self.load_persons(numbers)
        heads: dict[str, str] = dict(
            fetch_in(
                Household.objects.values_list("head__id_number", "code"), "head__id_number", numbers
            )
        )
        homes: dict[str, set[str]] = defaultdict(set)
        for number, code in fetch_in(
            Member.objects.values_list("person__id_number", "household__code"),
            "person__id_number",
            numbers,
        ):
            homes[number].add(code)
        members: dict[tuple[int, int], Member] = {
            (m.household_id, m.person_id): m
            for m in fetch_in(
                Member.objects.all(), "household_id", [h.pk for h in households.values()]
            )
        }
        incomes = {
            (i.household_id, i.year): i
            for i in fetch_in(
                HouseholdIncome.objects.all(), "household_id", [h.pk for h in households.values()]
            )
        }
        self.recorded_by = self.actor if getattr(self.actor, "pk", None) else None
        self.imported_from = self.sheet.file_name[:200]
        for entry in entries:
            household = self._entry(
                entry, refs[entry.lead.number], households, heads, homes, incomes
            )
            if household is not None and entry.members:
                self._members(entry, household, heads, homes, members)

    def _roster_entries(self, rows: list[tuple[Row, dict[str, Any]]]) -> list[_Entry]:
        """The households of a member roster: the rows sharing a 户编号, led by the 户主 row."""
        by_code: dict[str, list[tuple[Row, dict[str, Any]]]] = defaultdict(list)
        for row, data in rows:
            if data["code"]:
                by_code[data["code"]].append((row, data))
        self.duplicates(
            "relation",
            group_rows((d["code"], r) for r, d in rows if d.get("relation") == Relation.HEAD),
            shown=_("户主所在户"),
        )
        on_file = set(fetch_in(Household.objects.values_list("code", flat=True), "code", by_code))
        self._quiet_repeats(by_code)
        entries: list[_Entry] = []
        for code, items in by_code.items():
            heads = [(r, d) for r, d in items if d.get("relation") == Relation.HEAD]
            if heads:
                lead, data = heads[0]
                others = [(r, d) for r, d in items if r is not lead]
                entry = _Entry(code, lead, self._as_head(data), head=True, members=others)
            elif code in on_file:
                lead, data = items[0]
                entry = _Entry(code, lead, data, head=False, members=items)
            else:
                for row, _data in items:
                    self.fail(
                        row,
                        "relation",
                        _(
                            "户编号 %s 在本表和系统中都没有户主 (与户主关系为“户主”的行), "
                            "无法建立该户"
                        )
                        % code,
                    )
                continue
            self._compare_rows(entry)
            entries.append(entry)
        return entries

    def _quiet_repeats(self, by_code: dict[str, list[tuple[Row, dict[str, Any]]]]) -> None:
        """The household's cells repeat on every row of a roster: a caveat about one (识别时间
        2014 kept as a year …) is reported on the row that gives the household's values only
        (the 户主 row, else the first row), not once per member."""
        keys = (*HOUSEHOLD_KEYS, "year")
        headers = {self.sheet.header_of(k) for k in keys if self.has(k)}
        repeats: set[int] = set()
        for items in by_code.values():
            heads = [r for r, d in items if d.get("relation") == Relation.HEAD]
            lead = heads[0] if heads else items[0][0]
            repeats |= {r.number for r, _d in items if r is not lead}
        self.warnings = [w for w in self.warnings if not (w.row in repeats and w.column in headers)]

    def _as_head(self, data: dict[str, Any]) -> dict[str, Any]:
        """A roster's 户主 row as a household row: its person is the head."""
        return {**data, "head_name": data["name"], "info": data["person_info"]}

    def _compare_rows(self, entry: _Entry) -> None:
        """A member roster repeats the household's cells on every row: a different one is a
        warning (the lead row's are taken); a 户主姓名 / 户主身份证号 cell must be the head's."""
        lead = entry.data
        for row, data in entry.members:
            if row is entry.lead:
                continue
            for key in HOUSEHOLD_KEYS:
                value = data.get(key)
                if key == "identified_on":
                    value = data["identified_on"]
                if value in (None, "", []) or value == lead.get(key) or not self.has(key):
                    continue
                self.warn(
                    row,
                    key,
                    _("与本户户主行 (第 %(row)d 行) 的“%(header)s”不同, 以户主行为准")
                    % {"row": entry.lead.number, "header": self.sheet.header_of(key)},
                )
            if not entry.head:
                continue
            if data["head_name"] and data["head_name"] != lead["name"]:
                self.fail(
                    row,
                    "head_name",
                    _("户主姓名“%(name)s”与本户户主行 (第 %(row)d 行) 的“%(head)s”不一致")
                    % {"name": data["head_name"], "row": entry.lead.number, "head": lead["name"]},
                )
            info, head = data["info"], lead["person_info"]
            if info is not None and head is not None and info.number != head.number:
                self.fail(
                    row,
                    "head_id",
                    _("户主身份证号与本户户主行 (第 %d 行) 的身份证号不一致") % entry.lead.number,
                )

    def _unused_person_columns(self, rows: list[tuple[Row, dict[str, Any]]]) -> None:
        """One row per household: the roster's 姓名 / 身份证号 / 与户主关系 columns are not used;
        when they hold anything they are listed as ignored (never read as the head's)."""
        for key in ("name", "id_number", "relation"):
            if self.has(key) and any(not self.blank(r, key) for r, _d in rows):
                self.sheet.ignored.append(self.sheet.header_of(key))

    # -- one household ---------------------------------------------------------------------------

    def _entry(
        self,
        entry: _Entry,
        ref: Any,
        households: dict[str, Household],
        heads: dict[str, str],
        homes: dict[str, set[str]],
        incomes: dict[tuple[int, int], HouseholdIncome],
    ) -> Household | None:
        """Plan the household of one entry; None when its lead row has an error."""
        row, data = entry.lead, entry.data
        if not self.ok(row):
            return None
        org = self.places.unit(row, ref)
        if org is None:
            return None
        household = households.get(data["code"])
        if household is not None and not self.may_admin(household.org):
            self.fail(row, "code", _("户编号 %s 已登记在其他单位, 无权修改") % data["code"])
            return None
        id_key, name_key = (
            ("id_number", "name") if self.layout == ROSTER else ("head_id", "head_name")
        )
        person: Person | None = None
        if entry.head:
            info, name = data["info"], data["head_name"]
            person = self.persons.get(info.number)
            if person is not None and not self.known_person(
                row, id_key=id_key, name_key=name_key, person=person, name=name
            ):
                return None
            other = heads.get(info.number)
            if other and (household is None or other != household.code):
                self.fail(
                    row, id_key, _("该身份证号已是户 %s 的户主, 一人只能在一户中任户主") % other
                )
                return None
            elsewhere = sorted(homes[info.number] - {data["code"]})
            if elsewhere:
                self.fail(
                    row,
                    id_key,
                    _("该人员已是户 %s 的成员 (一人多户); 请先从原户移出或合并两户")
                    % "、".join(elsewhere),
                )
                return None
        head_fields = self._head_fields(row, data, person) if entry.head else {}
        main = data["main_cause"] or (household.main_cause if household else "")
        others = data["other_causes"]
        other_causes = join_causes([c for c in others if c != main]) if others else None

        if household is None:
            assert person is not None or entry.head
            return self._new(row, data, org, person, head_fields, main, other_causes)

        # A household on file: change what the row says differently.
        head_changed = False
        if entry.head and (person is None or household.head_id != person.pk):
            if household.head_id is not None:
                on_file = household.head
                self.fail(
                    row,
                    id_key,
                    _("该户已登记的户主是“%s”; 导入不能更换户主, 请在户的页面办理")
                    % (on_file.name if on_file else "—"),
                )
                return None
            # A household on file without a head gets the row's head.
            if person is None:
                person = self._build(data["head_name"], data["info"], org, head_fields)
                member = None
            else:
                member = Member.objects.filter(household=household, person=person).first()
            if member is not None and member.relation != Relation.HEAD:
                self.fail(
                    row,
                    id_key,
                    _("该人员已是本户成员 (%s); 设为户主请在户的页面办理")
                    % member.get_relation_display(),
                )
                return None
            if member is None:
                self.new_members.append(
                    Member(household=household, person=person, relation=Relation.HEAD)
                )
            household.head = person
            head_changed = True
        person_changed = False
        if entry.head and person is not None and person.pk is not None:
            person_changed = self._update_person(person, head_fields)
        changes = self._changes(household, data, org.pk, main, other_causes)
        status_changed = self._status(row, household, data)
        if status_changed is None:
            return None
        income_changed = self._income(household, data, incomes)
        if head_changed:
            self.changed_fields.add("head")
        if head_changed or changes or status_changed:
            self.changed.append(household)
        if head_changed or changes or status_changed or income_changed or person_changed:
            self.updated += 1
        return household

    def _head_fields(self, row: Row, data: dict[str, Any], person: Person | None) -> dict[str, Any]:
        """The head's own cells; 户联系电话 becomes the head's phone when the head has none (a
        different number on file is kept, with a warning)."""
        fields = dict(data["person"])
        phone = data["household_phone"]
        if phone:
            current = fields.get("phone") or (person.phone if person is not None else "")
            if not current:
                fields["phone"] = phone
            elif current != phone:
                self.warn(
                    row,
                    "household_phone",
                    _("%(header)s %(phone)s 与户主的联系电话 %(head)s 不同, 未保存")
                    % {
                        "header": self.sheet.header_of("household_phone"),
                        "phone": phone,
                        "head": current,
                    },
                )
        return fields

    def _build(self, name: str, info: IdInfo, org: Org, fields: dict[str, str]) -> Person:
        person = self.build_person(name=name, info=info, org=org, **fields)
        self.new_persons.append(person)
        return person

    def _update_person(self, person: Person, fields: dict[str, Any]) -> bool:
        """A person on file takes the row's filled person cells that differ."""
        changes = apply_fields(person, fields)
        if changes:
            self.changed_persons[person.pk] = person
            self.changed_person_fields |= set(changes)
        return bool(changes)

    def _new(
        self,
        row: Row,
        data: dict[str, Any],
        org: Org,
        person: Person | None,
        head_fields: dict[str, Any],
        main: str,
        other_causes: str | None,
    ) -> Household | None:
        """A new household with its head and the first steps of its history."""
        steps = self._first_steps(row, data)
        if steps is None:
            return None
        if person is None:
            person = self._build(data["head_name"], data["info"], org, head_fields)
        else:
            self._update_person(person, head_fields)
        household = Household(
            code=data["code"],
            org=org,
            head=person,
            main_cause=main,
            other_causes=other_causes or "",
            difficulty=data["difficulty"],
            identified_on=data["identified_on"],
            identified_precision=data["identified_precision"],
            housing_safe=data["housing_safe"],
            water_safe=data["water_safe"],
            address=data["address"],
        )
        self.new_households.append(household)
        self.new_members.append(Member(household=household, person=person, relation=Relation.HEAD))
        for step in steps:
            step.household = household
            self.new_changes.append(step)
        if steps:
            household.status, household.status_since = steps[-1].status, steps[-1].date
            if steps[0].status == Status.IDENTIFIED and household.identified_on is None:
                household.identified_on = steps[0].date
        if data["income"] is not None:
            self.new_incomes.append(
                HouseholdIncome(household=household, year=data["year"], per_capita=data["income"])
            )
        self.created += 1
        return household

    def _step(
        self, status: str, day: datetime.date, precision: str | None, reason: str
    ) -> StatusChange:
        return StatusChange(
            status=status,
            date=day,
            date_precision=precision,
            reason=reason,
            recorded_by=self.recorded_by,
            imported_from=self.imported_from,
        )

    def _first_steps(self, row: Row, data: dict[str, Any]) -> list[StatusChange] | None:
        """The history of a new household: one step 建档 (新识别 or 帮扶中) dated 识别日期 (else
        today); for a household imported as 脱贫 with its 脱贫年度, 帮扶中 at 识别日期 (else at
        the 脱贫 step's date: the identification's date is not known) and 脱贫 at the 脱贫年度.
        None when the row's status cannot start a history (an error was recorded)."""
        status, exited = data["status"], data["exited"]
        identified, precision = data["identified_on"], data["identified_precision"]
        if status == Status.EXITED and exited is not None:
            if identified is not None and exited.last_day < identified:
                self.fail(
                    row,
                    "exited",
                    _("%(header)s %(exited)s 早于识别日期 (%(identified)s)")
                    % {
                        "header": self.sheet.header_of("exited"),
                        "exited": str(exited),
                        "identified": at_precision(identified, precision),
                    },
                )
                return None
            # Within the year of identification the 脱贫 step cannot come before it.
            exit_day = max(exited.date, identified) if identified else exited.date
            exited_shown = f"{self.sheet.header_of('exited')} {written(row.values.get('exited'))}"
            if identified is not None:
                first = self._step(
                    Status.ASSISTING,
                    identified,
                    precision,
                    _("导入: %(header)s %(cell)s")
                    % {
                        "header": self.sheet.header_of("identified_on"),
                        "cell": data["identified_cell"],
                    },
                )
            else:
                first = self._step(
                    Status.ASSISTING,
                    exit_day,
                    exited.stored_precision,
                    _("导入: 未填识别日期, 识别日期不详; 至迟于脱贫时已在册"),
                )
            last = self._step(
                Status.EXITED, exit_day, exited.stored_precision, _("导入: %s") % exited_shown
            )
            return [first, last]
        if exited is not None:
            self.fail(
                row,
                "exited",
                _("填写了%(header)s, 状态应为“脱贫”(或 脱贫户、已脱贫), 实际为“%(status)s”")
                % {
                    "header": self.sheet.header_of("exited"),
                    "status": STATUS.label(status) if status else _("未填"),
                },
            )
            return None
        if not status:
            return []
        problem = transition_problem(None, status)
        if problem:
            if status == Status.EXITED and self.has("exited"):
                problem += _("; 已脱贫的户请同时填写脱贫年度 (如 2019), 以记下它的状态历史")
            elif status in (Status.RETURNED, Status.REMOVED):
                problem += _("; 已有历史的户请先按此导入, 再用“状态变更”导入其后的变化")
            self.fail(row, "status", problem)
            return None
        day = identified or self.today
        return [self._step(status, day, precision if identified else None, _("建档"))]

    def _changes(
        self,
        household: Household,
        data: dict[str, Any],
        org_id: int,
        main: str,
        other_causes: str | None,
    ) -> set[str]:
        wanted: dict[str, Any] = {"org_id": org_id, "main_cause": main}
        if other_causes is not None:
            wanted["other_causes"] = other_causes
        for key in FIELDS[1:]:
            if data[key] not in (None, ""):
                wanted[key] = data[key]
        if data["identified_on"] is not None:
            wanted["identified_precision"] = data["identified_precision"]
        changes = {k for k, v in wanted.items() if getattr(household, k) != v}
        for key in changes:
            setattr(household, key, wanted[key])
        self.changed_fields |= {k.replace("org_id", "org") for k in changes}
        return changes

    def _status(self, row: Row, household: Household, data: dict[str, Any]) -> bool | None:
        """Plan a status change, dated today (a 脱贫 with its 脱贫年度: that year); None when the
        move is not allowed (an error was recorded)."""
        status, exited = data["status"], data["exited"]
        if not status or status == household.status:
            return False
        problem = transition_problem(household.status or None, status)
        if problem:
            self.fail(row, "status", problem)
            return None
        since = household.status_since
        if status == Status.EXITED and exited is not None:
            day, precision = exited.date, exited.stored_precision
            if since and exited.last_day < since:
                self.fail(
                    row,
                    "exited",
                    _("%(header)s %(exited)s 早于该户上一次状态变更 (%(since)s)")
                    % {
                        "header": self.sheet.header_of("exited"),
                        "exited": str(exited),
                        "since": since.isoformat(),
                    },
                )
                return None
            day = max(day, since) if since else day
            reason = _("导入: %(header)s %(cell)s") % {
                "header": self.sheet.header_of("exited"),
                "cell": written(row.values.get("exited")),
            }
        else:
            if since and since > self.today:
                self.fail(row, "status", _("该户上一次状态变更的日期晚于今天"))
                return None
            day, precision, reason = self.today, None, _("导入")
        step = self._step(status, day, precision, reason)
        step.household = household
        self.new_changes.append(step)
        household.status, household.status_since = status, day
        if status == Status.IDENTIFIED and household.identified_on is None:
            household.identified_on = day
        self.changed_fields |= {"status", "status_since", "identified_on"}
        return True

    def _income(
        self,
        household: Household,
        data: dict[str, Any],
        incomes: dict[tuple[int, int], HouseholdIncome],
    ) -> bool:
        amount: Decimal | None = data["income"]
        if amount is None:
            return False
        income = incomes.get((household.pk, data["year"]))
        if income is None:
            self.new_incomes.append(
                HouseholdIncome(household=household, year=data["year"], per_capita=amount)
            )
            return True
        if income.per_capita != amount:
            income.per_capita = amount
            self.changed_incomes.append(income)
            return True
        return False

    # -- the members of a roster ---------------------------------------------------------------

    def _members(
        self,
        entry: _Entry,
        household: Household,
        heads: dict[str, str],
        homes: dict[str, set[str]],
        members: dict[tuple[int, int], Member],
    ) -> None:
        """Plan the other rows of a roster's household as its members (as the members sheet
        does: a new person is registered in the household's unit; a member on file gets its
        relation updated; the head cannot be changed; a person of another household is
        refused)."""
        org = household.org
        head_id = household.head.pk if household.head is not None else None
        for row, data in entry.members:
            if not self.ok(row):
                continue
            info, name, relation = data["person_info"], data["name"], data["relation"]
            person = self.persons.get(info.number)
            if person is not None:
                if not self.known_person(
                    row, id_key="id_number", name_key="name", person=person, name=name
                ):
                    continue
                elsewhere = sorted(homes[info.number] - {household.code})
                if elsewhere:
                    self.fail(
                        row,
                        "id_number",
                        _("该人员已是户 %s 的成员 (一人多户); 请先从原户移出或合并两户")
                        % "、".join(elsewhere),
                    )
                    continue
                other = heads.get(info.number)
                if other and other != household.code:
                    self.fail(row, "id_number", _("该身份证号已是户 %s 的户主") % other)
                    continue
            is_head = person is not None and head_id is not None and person.pk == head_id
            if relation == Relation.HEAD and not is_head:
                shown = household.head.name if household.head is not None else "—"
                self.fail(row, "relation", _("该户已有户主“%s”; 导入不能更换户主") % shown)
                continue
            if is_head and relation != Relation.HEAD:
                self.fail(
                    row,
                    "relation",
                    _("%s 是该户户主, 与户主关系应为“户主”; 更换户主请在户的页面办理") % name,
                )
                continue
            member = (
                members.get((household.pk, person.pk))
                if person is not None and household.pk is not None
                else None
            )
            if member is not None:
                changed = self._update_person(person, data["person"]) if person else False
                if member.relation != relation:
                    member.relation = relation
                    self.changed_members.append(member)
                    changed = True
                if changed:
                    self.updated += 1
                continue
            if person is None:
                person = self._build(name, info, org, data["person"])
            else:
                self._update_person(person, data["person"])
            self.new_members.append(Member(household=household, person=person, relation=relation))
            self.created += 1

    # -- writing ---------------------------------------------------------------------------------

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        if self.changed_persons:
            people = list(self.changed_persons.values())
            self.stamp(people)
            bulk_update(Person, people, self.changed_person_fields | {"updated_at"})
        Household.objects.bulk_create(self.new_households, batch_size=WRITE_BATCH)
        Member.objects.bulk_create(self.new_members, batch_size=WRITE_BATCH)
        bulk_update(Member, self.changed_members, ["relation"])
        HouseholdIncome.objects.bulk_create(self.new_incomes, batch_size=WRITE_BATCH)
        bulk_update(HouseholdIncome, self.changed_incomes, ["per_capita"])
        StatusChange.objects.bulk_create(self.new_changes, batch_size=WRITE_BATCH)
        if self.changed:
            self.stamp(self.changed)
            bulk_update(Household, self.changed, self.changed_fields | {"updated_at"})
        self.wrote("persons", [*self.new_persons, *self.changed_persons.values()])
        self.wrote("households", [*self.new_households, *self.changed])
        self.wrote("households", [i.household for i in (*self.new_incomes, *self.changed_incomes)])
        self.wrote("households", [c.household for c in self.new_changes])
        self.wrote("households", [m.household for m in (*self.new_members, *self.changed_members)])


def _kind_label(name: str) -> str:
    """“学生”(students): a kind's label and name for a message; persons when it is not there."""
    kinds = {k.name: k for k in all_kinds()}
    kind = kinds.get(name) or kinds["persons"]
    return f"{kind.label} ({kind.name})"


def latest_income(household: Household) -> HouseholdIncome | None:
    incomes = list(household.incomes.all())
    return max(incomes, key=lambda i: i.year) if incomes else None


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _row(household: Household) -> dict[str, Any]:
    income = latest_income(household)
    head = household.head
    exited = household.status == Status.EXITED and household.status_since is not None
    return {
        "code": household.code,
        "head_name": head.name if head else "",
        "head_id": head.id_number if head else "",
        "org": household.org.code,
        "main_cause": CAUSE.label(household.main_cause),
        "income": income.per_capita if income else None,
        # 2014 / 2014-10 for a year or a month, as imported (docs/import-export.md, "Dates")
        "identified_on": at_precision(household.identified_on, household.identified_precision)
        if household.identified_precision
        else household.identified_on,
        "status": STATUS.label(household.status),
        "other_causes": labels_of(household.other_cause_list, CAUSE),
        "difficulty": DIFFICULTY.label(household.difficulty),
        "year": income.year if income else None,
        "housing_safe": _yes_no(household.housing_safe),
        "water_safe": _yes_no(household.water_safe),
        "address": household.address,
        # the year of the step to 脱贫 (the latest step, as the household is 脱贫)
        "exited": household.status_since.year if exited and household.status_since else None,
    }


def _filters(qs: Any, params: Any, user: Any) -> Any:
    from bangfu.orgs.selectors import org_list
    from bangfu.registry.filters import HouseholdFilter

    return HouseholdFilter(params, queryset=qs, orgs=org_list(user=user)).qs


KIND = register(
    Kind(
        name="households",
        label=_lazy("户"),
        description=_lazy(
            "一户一行 (户主、致贫原因、收入、识别日期与状态), 或国家系统一人一行的家庭成员名单 "
            "(户码、姓名、证件号码、与户主关系); 按户编号识别"
        ),
        columns=COLUMNS,
        importer=HouseholdImporter,
        queryset=lambda user: household_list(user=user),
        prepare=lambda qs: (
            qs.select_related("org", "head").prefetch_related("incomes").order_by("code")
        ),
        row=_row,
        filters=_filters,
        notes=(
            _lazy(
                "两种格式: 一户一行 (填户主姓名、户主身份证号); 或一人一行的家庭成员名单 "
                "(户编号/户码、姓名、身份证号/证件号码、与户主关系), "
                "与户主关系为“户主”的行建立该户, 其余行为家庭成员"
            ),
            _lazy(
                "只有“姓名”“身份证号”而没有“户主身份证号”和“与户主关系”的名单 (如学生资助名单) "
                "不能按户导入: 名单上的人不是户主"
            ),
            _lazy(
                "所属单位: 所属组织编码; 或户码 (前 12 位为村的统计用区划代码); "
                "或 县、乡、村 (组) 名称, 名称写法略有不同 (那桐/那桐镇, 村/村委会) 时会提示"
            ),
            _lazy(
                "状态为脱贫 (脱贫户) 的新户须填脱贫年度: "
                "状态历史记为 识别日期 帮扶中、脱贫年度 脱贫, 并注明从本文件导入"
            ),
        ),
    )
)
