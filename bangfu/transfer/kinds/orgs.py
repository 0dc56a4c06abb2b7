"""orgs: 编码, 名称, 上级编码, 类型 (+ 地址, 办公电话, 经度, 纬度).

Matched on 编码. Every row runs the organisation service's own checks
(``bangfu.orgs.services._validate``: code shape per kind, region codes nesting in their parent's,
the kinds a unit may stand under). A new unit's parent is a unit on file or one defined on an
earlier row of the same sheet; new units get their materialised path (``child_path``) level by
level. Moving a unit on file to another parent is refused: it moves a whole subtree, which the
organisation page does with its checks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import CellError
from bangfu.core.pinyin import pinyin_key
from bangfu.core.tree import child_path
from bangfu.orgs.geo import parse_degrees
from bangfu.orgs.kinds import OrgKind, kind_from_label, parent_problem
from bangfu.orgs.models import Org
from bangfu.orgs.selectors import org_list
from bangfu.orgs.services import _validate
from bangfu.transfer.importers import WRITE_BATCH, Importer, bulk_update, group_rows
from bangfu.transfer.kinds import register
from bangfu.transfer.kinds.common import org_subtree_filter
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import ChoiceTable, Column, Kind

KINDS = ChoiceTable(OrgKind)
FIELD_COLUMNS = {
    "code": "code",
    "name": "name",
    "parent": "parent",
    "kind": "kind",
    "longitude": "longitude",
    "latitude": "latitude",
}

COLUMNS = (
    Column(
        "code",
        "编码",
        _lazy(
            "单位的唯一编码. 省/市/县/乡镇/村/社区用区划代码 (GB/T 2260): 省、市、县 6 位, "
            "乡镇 9 位, 村和社区 12 位, 并以上级的代码开头; 其他单位用字母、数字、_-. 最长 32 位"
        ),
        required=True,
        synonyms=(
            "单位编码",
            "组织编码",
            "机构编码",
            "区划代码",
            "代码",
            "组织机构代码",
            "单位代码",
        ),
        text=True,
        width=16,
    ),
    Column(
        "name",
        "名称",
        _lazy("最多 100 个字"),
        required=True,
        synonyms=("单位名称", "组织名称", "机构名称", "组织机构名称"),
        width=24,
    ),
    Column(
        "parent",
        "上级编码",
        _lazy(
            "上级单位的编码; 上级须已存在, 或在本表中排在本行之前; 空白表示顶级单位 (仅系统管理员)"
        ),
        synonyms=("上级单位编码", "上级组织编码", "上级代码", "父级编码", "上级机构编码"),
        text=True,
        width=16,
    ),
    Column(
        "kind",
        "类型",
        _lazy("单位类型, 决定它可以设在哪类单位之下"),
        required=True,
        choices=KINDS,
        synonyms=("单位类型", "组织类型", "机构类型", "类别"),
    ),
    Column(
        "address",
        "地址",
        _lazy("最多 200 个字"),
        synonyms=("单位地址", "办公地址"),
        standard=False,
        width=30,
    ),
    Column(
        "contact_phone",
        "办公电话",
        _lazy("带区号的固定电话或手机号"),
        synonyms=("联系电话", "电话", "单位电话"),
        text=True,
        standard=False,
        width=16,
    ),
    Column(
        "longitude",
        "经度",
        _lazy("WGS-84 经度, 以度为单位的小数, 东经为正 (如 107.7); 与纬度同时填写"),
        synonyms=("东经", "经度(度)", "经度坐标", "X坐标"),
        standard=False,
        width=12,
    ),
    Column(
        "latitude",
        "纬度",
        _lazy("WGS-84 纬度, 以度为单位的小数, 北纬为正 (如 23.17); 与经度同时填写"),
        synonyms=("北纬", "纬度(度)", "纬度坐标", "Y坐标"),
        standard=False,
        width=12,
    ),
)


class OrgImporter(Importer):
    def _kind(self, row: Row) -> str:
        text = self.text(row, "kind", required=True)
        if not text:
            return ""
        kind = kind_from_label(text)
        if kind is None:
            self.fail(
                row,
                "kind",
                _("“%(text)s”不是有效的类型, 可填写: %(allowed)s")
                % {"text": text, "allowed": "、".join(KINDS.labels())},
            )
            return ""
        return kind

    def _degrees(self, row: Row, key: str) -> Decimal | None:
        if not self.has(key):
            return None
        try:
            return parse_degrees(row.values.get(key))
        except CellError as exc:
            self.fail(row, key, f"{self.header(key)}{exc}")
            return None

    def validate(self) -> None:
        rows: list[tuple[Row, dict[str, Any]]] = []
        for row in self.sheet.rows:
            phone = (
                self.text(row, "contact_phone", max_length=30) if self.has("contact_phone") else ""
            )
            data: dict[str, Any] = {
                "code": self.text(row, "code", required=True, max_length=32, compact=True),
                "name": self.text(row, "name", required=True, max_length=100),
                "parent": self.text(row, "parent", compact=True) if self.has("parent") else "",
                "kind": self._kind(row),
                "address": self.text(row, "address", max_length=200) if self.has("address") else "",
                "contact_phone": phone,
                "longitude": self._degrees(row, "longitude"),
                "latitude": self._degrees(row, "latitude"),
            }
            rows.append((row, data))
        self.duplicates("code", group_rows((d["code"], r) for r, d in rows))
        self.load_orgs({d["code"] for _r, d in rows} | {d["parent"] for _r, d in rows})
        # What each unit of the sheet will be once imported: parents are checked against it.
        planned: dict[str, tuple[Row, Org]] = {}
        final: dict[str, dict[str, Any]] = {d["code"]: d for r, d in rows if self.ok(r)}
        bad_codes = {d["code"] for r, d in rows if not self.ok(r)}

        self.new: list[Org] = []
        self.changed: list[Org] = []
        for row, data in rows:
            if not self.ok(row):
                continue
            code = data["code"]
            existing = self.orgs.get(code)
            if existing is not None:
                org = self._update(row, existing, data, final)
            else:
                org = self._create(row, data, planned, final, bad_codes)
            if org is not None:
                planned[code] = (row, org)
            else:
                bad_codes.add(code)

    def _view(self, org: Org, final: dict[str, dict[str, Any]]) -> Org:
        """A unit as it will be after the import (its kind and name from the sheet, if listed)."""
        data = final.get(org.code)
        if data is None:
            return org
        return Org(pk=org.pk, code=org.code, name=data["name"], kind=data["kind"], path=org.path)

    def _check(
        self, row: Row, data: dict[str, Any], parent: Org | None, instance: Org | None
    ) -> bool:
        try:
            _validate(
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                parent=parent,
                instance=instance,
                longitude=data["longitude"],
                latitude=data["latitude"],
            )
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                for message in messages:
                    self.fail(row, FIELD_COLUMNS.get(field_name, "code"), message)
            return False
        return True

    def _update(
        self, row: Row, org: Org, data: dict[str, Any], final: dict[str, dict[str, Any]]
    ) -> Org | None:
        if not self.may_admin(org):
            self.refuse(row, "code", org)
            return None
        parent = org.parent
        current_parent = parent.code if parent else ""
        if data["parent"] and data["parent"] != current_parent:
            self.fail(
                row,
                "parent",
                _(
                    "单位 %(code)s 现在的上级是 %(parent)s; "
                    "导入不能调整上级单位, 请在组织机构页面移动"
                )
                % {"code": org.code, "parent": current_parent or _("(顶级)")},
            )
            return None
        view = self._view(parent, final) if parent else None
        if not self._check(row, data, view, org):
            return None
        if data["kind"] != org.kind:
            for child in Org.objects.filter(parent=org):
                if child.code in final:
                    continue  # checked on its own row, against this row's kind
                problem = parent_problem(child.kind, data["kind"])
                if problem:
                    self.fail(
                        row,
                        "kind",
                        _("下属单位“%(child)s”: %(problem)s")
                        % {"child": child.name, "problem": problem},
                    )
                    return None
        wanted = {"name": data["name"], "kind": data["kind"]}
        for key in ("address", "contact_phone"):
            if data[key]:
                wanted[key] = data[key]
        if data["longitude"] is not None:  # both or neither (checked above); empty keeps them
            wanted["longitude"], wanted["latitude"] = data["longitude"], data["latitude"]
        changes = {k: v for k, v in wanted.items() if getattr(org, k) != v}
        self.touch(org)
        if changes:
            for key, value in changes.items():
                setattr(org, key, value)
            org.name_pinyin = pinyin_key(org.name)
            self.changed.append(org)
            self.updated += 1
        return org

    def _create(
        self,
        row: Row,
        data: dict[str, Any],
        planned: dict[str, tuple[Row, Org]],
        final: dict[str, dict[str, Any]],
        bad_codes: set[str],
    ) -> Org | None:
        parent_code = data["parent"]
        parent: Org | None = None
        if parent_code:
            if parent_code in planned:
                parent = planned[parent_code][1]
            elif parent_code in self.orgs:
                parent = self.orgs[parent_code]
                if not self.may_admin(parent):
                    self.refuse(row, "parent", parent)
                    return None
            elif parent_code in bad_codes:
                self.fail(
                    row, "parent", _("上级单位 %s 所在的行有错误, 本行无法导入") % parent_code
                )
                return None
            elif parent_code in final:
                self.fail(
                    row,
                    "parent",
                    _("上级单位 %s 在本表中排在本行之后, 请把上级单位排在前面") % parent_code,
                )
                return None
            else:
                self.fail(row, "parent", _("上级编码 %s 不存在") % parent_code)
                return None
        elif not self.scope.is_sysadmin:
            self.fail(row, "parent", _("只有系统管理员可以建立顶级单位, 请填写上级编码"))
            return None
        view = self._view(parent, final) if parent is not None and parent.pk else parent
        if not self._check(row, data, view, None):
            return None
        org = Org(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            parent=parent,
            depth=(parent.depth + 1) if parent is not None else 0,
            address=data["address"],
            contact_phone=data["contact_phone"],
            longitude=data["longitude"],
            latitude=data["latitude"],
            name_pinyin=pinyin_key(data["name"]),
        )
        if parent is not None and parent.pk:
            self.touch(parent)
        self.new.append(org)
        self.created += 1
        return org

    def write(self) -> None:
        # Level by level: a unit's parent must have its id (and path) before the unit is saved.
        remaining = list(self.new)
        while remaining:
            level = [o for o in remaining if o.parent is None or o.parent.pk is not None]
            if not level:  # pragma: no cover - parents always come first (checked in validate)
                raise RuntimeError("units whose parents are never created")
            Org.objects.bulk_create(level, batch_size=WRITE_BATCH)
            for org in level:
                org.path = child_path(org.parent.path if org.parent else None, org.pk)
                self.touch(org)
            bulk_update(Org, level, ["path"])
            done = {id(o) for o in level}
            remaining = [o for o in remaining if id(o) not in done]
        if self.changed:
            self.stamp(self.changed)
            bulk_update(
                Org,
                self.changed,
                [
                    "name",
                    "kind",
                    "address",
                    "contact_phone",
                    "longitude",
                    "latitude",
                    "name_pinyin",
                    "updated_at",
                ],
            )
        self.wrote("orgs", [*self.new, *self.changed])


def _row(org: Org) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "parent": org.parent.code if org.parent else "",
        "kind": KINDS.label(org.kind),
        "address": org.address,
        "contact_phone": org.contact_phone,
        "longitude": float(org.longitude) if org.longitude is not None else None,
        "latitude": float(org.latitude) if org.latitude is not None else None,
    }


KIND = register(
    Kind(
        name="orgs",
        label=_lazy("组织机构"),
        description=_lazy("单位及其上下级关系; 上级单位排在下级之前"),
        columns=COLUMNS,
        importer=OrgImporter,
        queryset=lambda user: org_list(user=user),
        prepare=lambda qs: qs.select_related("parent").order_by("path"),
        row=_row,
        org_path="path",
        filters=org_subtree_filter("path"),
    )
)
