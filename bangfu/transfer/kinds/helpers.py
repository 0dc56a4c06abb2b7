"""helpers: 身份证号, 所属组织编码, 最多帮扶数 (+ 姓名, 在岗).

Registers persons as helpers (帮扶责任人) of a unit, matched on 身份证号. The person must be on
file already, unless the optional 姓名 column gives the name, in which case a new person is
registered in the row's unit too.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.registry.models import Helper, Person
from bangfu.registry.selectors import helper_list
from bangfu.transfer.importers import WRITE_BATCH, bulk_update, fetch_in, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import YES_NO, PersonRows, org_subtree_filter
from bangfu.transfer.spec import ID_SYNONYMS, ORG_CODE_SYNONYMS, Column, Kind

DEFAULT_CAPACITY = 5

COLUMNS = (
    Column(
        "id_number",
        "身份证号",
        _lazy("帮扶责任人的 18 位身份证号; 须已登记为人员, 或同时填写“姓名”列"),
        required=True,
        synonyms=("帮扶人身份证号", "责任人身份证号", *ID_SYNONYMS),
        text=True,
        personal="id",
        width=22,
    ),
    Column(
        "org",
        "所属组织编码",
        _lazy("帮扶责任人所在单位的编码"),
        required=True,
        synonyms=ORG_CODE_SYNONYMS,
        text=True,
        width=16,
    ),
    Column(
        "capacity",
        "最多帮扶数",
        _lazy("最多可结对的帮扶对象数, 1-100, 新登记时默认为 5"),
        synonyms=("帮扶数", "最多帮扶户数", "帮扶户数上限", "可帮扶数", "最多帮扶对象数"),
        width=12,
    ),
    Column(
        "name",
        "姓名",
        _lazy("可不填; 填写时须与已登记的姓名一致, 身份证号未登记时据此登记新人员"),
        synonyms=("帮扶人姓名", "帮扶责任人", "责任人姓名", "帮扶责任人姓名"),
        standard=False,
    ),
    Column(
        "active",
        "在岗",
        _lazy("是 或 否; 新登记时默认为 是"),
        values=YES_NO,
        synonyms=("是否在岗",),
        standard=False,
        width=8,
    ),
)


class HelperImporter(PersonRows):
    def validate(self) -> None:
        rows: list[tuple[Any, dict[str, Any]]] = []
        for row in self.sheet.rows:
            data: dict[str, Any] = {
                "info": self.identity(row, "id_number"),
                "org": self.text(row, "org", required=True, compact=True),
                "capacity": self.integer(row, "capacity", minimum=1, maximum=100)
                if self.has("capacity")
                else None,
                "name": self.text(row, "name", max_length=50, compact=True)
                if self.has("name")
                else "",
                "active": self.boolean(row, "active") if self.has("active") else None,
            }
            rows.append((row, data))
        self.duplicates(
            "id_number",
            group_rows((d["info"].number, r) for r, d in rows if d["info"] is not None),
        )
        self.load_orgs(d["org"] for _r, d in rows)
        self.load_persons(d["info"].number for _r, d in rows if d["info"] is not None)
        helpers = {
            h.person_id: h
            for h in fetch_in(
                Helper.objects.select_related("org"),
                "person_id",
                [p.pk for p in self.persons.values()],
            )
        }

        self.new_persons: list[Person] = []
        self.new: list[Helper] = []
        self.changed: list[Helper] = []
        self.changed_fields: set[str] = set()
        for row, data in rows:
            if not self.ok(row):
                continue
            org = self.unit(row, "org", data["org"])
            if org is None:
                continue
            info, name = data["info"], data["name"]
            person = self.persons.get(info.number)
            if person is None:
                if not name:
                    self.fail(
                        row,
                        "id_number",
                        _("身份证号 %s 尚未登记为人员; 请先导入人员, 或填写“姓名”列一并登记")
                        % info.number,
                    )
                    continue
                person = self.build_person(name=name, info=info, org=org)
                self.new_persons.append(person)
            elif not self.known_person(
                row, id_key="id_number", name_key="name", person=person, name=name
            ):
                continue
            helper = helpers.get(person.pk) if person.pk else None
            if helper is None:
                self.new.append(
                    Helper(
                        person=person,
                        org=org,
                        capacity=data["capacity"] or DEFAULT_CAPACITY,
                        is_active=True if data["active"] is None else data["active"],
                    )
                )
                self.created += 1
                continue
            if not self.may_admin(helper.org):
                self.refuse(row, "org", helper.org)
                continue
            wanted: dict[str, Any] = {"org_id": org.pk}
            if data["capacity"] is not None:
                wanted["capacity"] = data["capacity"]
            if data["active"] is not None:
                wanted["is_active"] = data["active"]
            changes = {k: v for k, v in wanted.items() if getattr(helper, k) != v}
            if changes:
                for key, value in changes.items():
                    setattr(helper, key, value)
                self.changed.append(helper)
                self.changed_fields |= {k.replace("org_id", "org") for k in changes}
                self.updated += 1

    def write(self) -> None:
        Person.objects.bulk_create(self.new_persons, batch_size=WRITE_BATCH)
        Helper.objects.bulk_create(self.new, batch_size=WRITE_BATCH)
        bulk_update(Helper, self.changed, self.changed_fields)
        self.wrote("persons", self.new_persons)
        self.wrote("helpers", [*self.new, *self.changed])


def _row(helper: Helper) -> dict[str, Any]:
    return {
        "id_number": helper.person.id_number,
        "org": helper.org.code,
        "capacity": helper.capacity,
        "name": helper.person.name,
        "active": "是" if helper.is_active else "否",
    }


KIND = register(
    Kind(
        name="helpers",
        label=_lazy("帮扶责任人"),
        description=_lazy("帮扶责任人及其最多帮扶数, 按身份证号识别"),
        columns=COLUMNS,
        importer=HelperImporter,
        queryset=lambda user: helper_list(user=user),
        prepare=lambda qs: qs.select_related("person", "org").order_by(
            "org__path", "person__name_sort"
        ),
        row=_row,
        filters=org_subtree_filter("org__path"),
    )
)
