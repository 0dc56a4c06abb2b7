"""Column mapping (docs/import-export.md, "Column mapping"): an unknown column is mapped to a field
on the upload page, the choice is saved for the unit and the file's layout and applied to the
next upload with the same headers; the reader's hook, the scoping, the audit rows, the refusals
and ``bangfu import --map``.

The household sheets follow real exports of the national systems: their head's ID column is
not always called 户主身份证号 — 户住证件号码 (sic) is the label of the head's ID in the 贫困户
table of tianyarenzai/fengxinzi (src/main/java/com/sysh/entity/AC01Part.java, field aac031), a
header no kind knows — and they carry columns bangfu has no field for, such as 是否参加大病保险
in the 已脱贫人口名单 export of xiaoxinllleee/idap-service
(bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/entity/SgtzglYtprkmd.java).
(Issue 14's example, 户主证件号, has since become one of 户主身份证号's own names.)
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from bangfu.accounts.tests.factories import RoleFactory, UserFactory
from bangfu.audit.models import AuditEvent
from bangfu.registry.models import Household
from bangfu.transfer.forms import IGNORE_CHOICE, MappingForm
from bangfu.transfer.kinds import all_kinds, get_kind
from bangfu.transfer.mappings import (
    mapping_for,
    mapping_problems,
    mapping_save,
    parse_map_options,
    plain_sheet,
)
from bangfu.transfer.models import ColumnMapping
from bangfu.transfer.reader import layout_key, read_sheet
from bangfu.transfer.tests.sheets import messy_xlsx, new_id, plain_xlsx
from bangfu.transfer.uploads import SESSION_KEY

VILLAGE = "450123100201"  # 甲村, in county A
HEADERS = ["户编号", "户主姓名", "户住证件号码", "所属组织编码", "是否参加大病保险"]


def household_file(path: Path, rows: list[tuple[str, str, int]], org: str = VILLAGE) -> Path:
    """A 花名册 with title rows and a 序号 column whose head's ID column is 户住证件号码."""
    messy_xlsx(
        path,
        HEADERS,
        [[code, name, new_id(n), org, "是"] for code, name, n in rows],
        blank_every=0,
    )
    return path


def upload(client, path: Path, kind: str = "households"):
    file = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("transfer:upload"), {"kind": kind, "file": file})


def field_for(response, header: str) -> str:
    """The name of the drop-down of ``header`` in the page's mapping form."""
    form = response.context["colmap"]["form"]
    return form.field_name(form.headers.index(header))


def second_admin(world):
    """Another administrator of county A (the unit of world.unit_admin)."""
    user = UserFactory(username="unitadmin2", name="甲县管理员二", org=world.a_office)
    RoleFactory(user=user, org=world.a, role="org_admin")
    return user


# -- the page ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_map_save_reuse_by_the_unit_and_not_by_another(world, client, tmp_path):
    first = household_file(tmp_path / "低收入农户.xlsx", [("H001", "张三", 1), ("H002", "李四", 2)])
    client.force_login(world.unit_admin)
    response = upload(client, first)
    html = response.content.decode()
    assert 'data-testid="column-mapping"' in html
    assert "缺少必填列“户主身份证号”" in html
    # Each unused header has a drop-down of the fields still free, with 不导入; 序号 is not asked.
    form = response.context["colmap"]["form"]
    assert form.headers == ["户住证件号码", "是否参加大病保险"]
    choices = dict(form.fields[field_for(response, "户住证件号码")].choices)
    assert choices["head_id"] == "户主身份证号 (必填)"
    assert choices[IGNORE_CHOICE] == "不导入 (忽略此列)"
    assert "code" not in choices and "head_name" not in choices  # matched by the file already
    assert '<option value="head_id">户主身份证号 (必填)</option>' in html
    assert "<details open>" in html  # undecided columns and errors: shown unfolded

    token = response.context["upload"].token
    response = client.post(
        reverse("transfer:mapping", args=[token]),
        {
            field_for(response, "户住证件号码"): "head_id",
            field_for(response, "是否参加大病保险"): "-",
        },
    )
    html = response.content.decode()
    assert "检查通过: 共 2 行, 将新增 2 条, 更新 0 条" in html
    assert "已保存列对应关系, 并按它重新检查:" in html
    assert "户住证件号码 → 户主身份证号" in html and "是否参加大病保险 → 不导入" in html
    # Ignored by choice: still listed among the columns not used.
    assert response.context["result"].ignored == ["序号", "是否参加大病保险"]
    assert Household.objects.count() == 0  # a dry run only

    saved = ColumnMapping.objects.get()
    assert (saved.org, saved.kind) == (world.a, "households")
    assert saved.columns == {"户住证件号码": "head_id", "是否参加大病保险": ""}
    assert saved.headers == ["序号", *HEADERS]
    assert saved.layout == layout_key(saved.headers)
    assert (saved.created_by, saved.updated_by) == (world.unit_admin, world.unit_admin)
    event = AuditEvent.objects.get(object_type="transfer.columnmapping")
    assert (event.action, event.actor, event.org) == ("create", world.unit_admin, world.a)
    assert event.object_id == str(saved.pk)
    assert event.summary == (
        "保存户导入的列对应关系: 户住证件号码 → 户主身份证号; 是否参加大病保险 → 不导入"
    )
    assert event.after["columns"] == saved.columns
    assert client.session[SESSION_KEY][token]["mapping"] == saved.columns

    # 确认导入 reads the file with the same mapping.
    response = client.post(reverse("transfer:confirm", args=[token]))
    assert "已导入 2 行: 新增 2 条" in response.content.decode()
    assert Household.objects.get(code="H001").head.id_number == new_id(1)

    # Another administrator of the unit uploads a file of the same layout: read with the mapping.
    other = client_for(second_admin(world))
    later = household_file(tmp_path / "低收入农户-5月.xlsx", [("H003", "王五", 3)])
    response = upload(other, later)
    html = response.content.decode()
    assert "已按上次保存的列对应关系读取:" in html
    assert "户住证件号码 → 户主身份证号、是否参加大病保险 → 不导入" in html
    assert "(甲县 保存)" in html
    assert "检查通过: 共 1 行, 将新增 1 条, 更新 0 条" in html
    assert response.context["colmap"]["undecided"] == []
    assert "<details open>" not in html  # nothing left to ask: folded away
    assert response.context["result"].ignored == ["序号", "是否参加大病保险"]

    # An administrator of another county gets nothing of it.
    outsider = client_for(world.outsider)
    response = upload(outsider, household_file(tmp_path / "乙县.xlsx", [("B001", "赵六", 4)]))
    html = response.content.decode()
    assert "已按上次保存的列对应关系读取" not in html
    assert "缺少必填列“户主身份证号”" in html
    assert response.context["upload"].mapping == {}
    layout = saved.layout
    assert mapping_for(user=world.outsider, kind="households", layout=layout) is None
    assert mapping_for(user=world.unit_admin, kind="households", layout=layout) == saved


def client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_field_matched_by_another_column_is_refused(world, client, tmp_path):
    path = tmp_path / "两列证件号.xlsx"
    plain_xlsx(
        path,
        [
            "户编号",
            "户主姓名",
            "户主身份证号",
            "所属组织编码",
            "户住证件号码",
            "户主住址",
            "家庭地址2",
        ],
        [["H001", "张三", new_id(1), VILLAGE, new_id(1), "甲村一组", "甲村"]],
    )
    client.force_login(world.unit_admin)
    response = upload(client, path)
    token = response.context["upload"].token
    form = response.context["colmap"]["form"]
    assert "head_id" not in dict(form.fields[field_for(response, "户住证件号码")].choices)

    response = client.post(
        reverse("transfer:mapping", args=[token]),
        {
            field_for(response, "户住证件号码"): "head_id",
            field_for(response, "户主住址"): "address",
            field_for(response, "家庭地址2"): "address",
        },
    )
    html = response.content.decode()
    assert "“户住证件号码”不能对应“户主身份证号”: 文件中的“户主身份证号”列已对应该字段" in html
    assert "“家庭地址2”和“户主住址”不能都对应“住址”, 一个字段只能对应一列" in html
    assert "<details open>" in html
    assert not ColumnMapping.objects.exists()
    assert not AuditEvent.objects.filter(object_type="transfer.columnmapping").exists()
    assert client.session[SESSION_KEY][token].get("mapping", {}) == {}

    # The service refuses it too, whoever calls it.
    plain = plain_sheet(path, get_kind("households"))
    with pytest.raises(ValidationError) as refused:
        mapping_save(actor=world.unit_admin, sheet=plain, columns={"户住证件号码": "head_id"})
    assert refused.value.messages == [
        "“户住证件号码”不能对应“户主身份证号”: 文件中的“户主身份证号”列已对应该字段"
    ]


@pytest.mark.django_db
def test_change_and_forget_a_saved_mapping(world, client, tmp_path):
    path = household_file(tmp_path / "户.xlsx", [("H001", "张三", 1)])
    client.force_login(world.unit_admin)
    response = upload(client, path)
    token = response.context["upload"].token
    id_field, other = field_for(response, "户住证件号码"), field_for(response, "是否参加大病保险")
    client.post(reverse("transfer:mapping", args=[token]), {id_field: "head_id"})
    saved = ColumnMapping.objects.get()
    assert saved.columns == {"户住证件号码": "head_id"}

    # Changing it: 是否参加大病保险 now 不导入 as well; one update row in the audit log.
    response = client.post(
        reverse("transfer:mapping", args=[token]), {id_field: "head_id", other: IGNORE_CHOICE}
    )
    saved.refresh_from_db()
    assert saved.columns == {"户住证件号码": "head_id", "是否参加大病保险": ""}
    update = AuditEvent.objects.get(object_type="transfer.columnmapping", action="update")
    assert update.before == {"columns": {"户住证件号码": "head_id"}}
    assert 'data-testid="mapping-forget"' in response.content.decode()

    # Forgetting it: deleted, audited, and the upload is read as the kind alone reads it.
    response = client.post(reverse("transfer:mapping", args=[token]), {"forget": "1"})
    html = response.content.decode()
    assert "已删除保存的列对应关系, 已按文件原来的表头重新检查。" in html
    assert "缺少必填列“户主身份证号”" in html
    assert not ColumnMapping.objects.exists()
    deleted = AuditEvent.objects.get(object_type="transfer.columnmapping", action="delete")
    assert deleted.before["columns"] == {"户住证件号码": "head_id", "是否参加大病保险": ""}
    assert client.session[SESSION_KEY][token]["mapping"] == {}


@pytest.mark.django_db
def test_the_mapping_url_is_for_the_session_that_uploaded(world, client, tmp_path):
    client.force_login(world.unit_admin)
    token = (
        upload(client, household_file(tmp_path / "户.xlsx", [("H1", "张三", 1)]))
        .context["upload"]
        .token
    )
    for user in (world.admin, world.outsider):
        other = client_for(user)
        assert other.post(reverse("transfer:mapping", args=[token]), {}).status_code == 404
    inspector = client_for(world.inspector)
    assert inspector.post(reverse("transfer:mapping", args=[token]), {}).status_code == 404
    assert not ColumnMapping.objects.exists()


# -- scoping -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_mapping_is_used_by_the_administrators_of_its_unit_only(world, tmp_path):
    """Saved for a township by its administrator: the county's administrator (who administers the
    township) uses it; the township's administrator does not use the county's."""
    path = household_file(tmp_path / "户.xlsx", [("H1", "张三", 1)])
    plain = plain_sheet(path, get_kind("households"))
    township = UserFactory(username="town", org=world.a1)
    RoleFactory(user=township, org=world.a1, role="org_admin")
    mine = mapping_save(actor=township, sheet=plain, columns={"户住证件号码": "head_id"})
    assert mine is not None and mine.org == world.a1
    assert mapping_for(user=world.unit_admin, kind="households", layout=plain.layout) == mine
    county = mapping_save(actor=world.unit_admin, sheet=plain, columns={"户住证件号码": "head_id"})
    assert county is not None and county.org == world.a
    # Each prefers its own unit's mapping; the township cannot see the county's.
    assert mapping_for(user=world.unit_admin, kind="households", layout=plain.layout) == county
    assert mapping_for(user=township, kind="households", layout=plain.layout) == mine
    assert mapping_for(user=world.helper, kind="households", layout=plain.layout) is None
    assert mapping_for(user=world.inspector, kind="households", layout=plain.layout) is None
    assert mapping_for(user=world.unit_admin, kind="persons", layout=plain.layout) is None


# -- the reader's hook ---------------------------------------------------------------------------


def test_the_reader_takes_a_mapping_like_extra_names_for_one_file(tmp_path):
    path = tmp_path / "户.xlsx"
    plain_xlsx(
        path,
        [
            "户编号",
            "户主姓名",
            " 户住证件号码 ",
            "所属组织编码",
            "家庭年人均纯收入(万元)",
            "是否参加大病保险",
        ],
        [["H1", "张三", new_id(1), VILLAGE, "0.52", "是"]],
    )
    kind = get_kind("households")
    plain = read_sheet(path, kind)
    assert "head_id" not in plain.columns
    assert plain.ignored == ["户住证件号码", "家庭年人均纯收入(万元)", "是否参加大病保险"]

    mapping = {
        "户住证件号码": "head_id",
        "家庭年人均纯收入(万元)": "income",
        "是否参加大病保险": "",
    }
    sheet = read_sheet(path, kind, mapping=mapping)
    assert not sheet.problems
    assert sheet.columns["head_id"].index == 2
    assert sheet.columns["income"].unit == "万元"  # the header's unit is kept
    assert sheet.rows[0].values["head_id"] == new_id(1)
    assert sheet.ignored == ["是否参加大病保险"]  # ignored by choice, still listed
    assert sheet.mapped == mapping
    # The layout is the header row's, whatever the mapping; it ignores spaces and full width.
    assert (
        sheet.layout
        == plain.layout
        == layout_key(
            [
                "户编号",
                "户主姓名",
                "户住证件号码",
                "所属组织编码",
                "家庭年人均纯收入(万元)",
                "是否参加大病保险",
            ]
        )
    )
    same = tmp_path / "同.xlsx"
    plain_xlsx(
        same,
        [
            "户编号",
            "户主姓名",
            "户住证件号码",
            "所属组织编码",
            "家庭年人均纯收入（万元）",
            "是否参加大病保险",
        ],
        [],
    )
    assert read_sheet(same, kind).layout == plain.layout
    other = tmp_path / "异.xlsx"
    plain_xlsx(other, ["户编号", "户主姓名", "户住证件号码", "所属组织编码"], [])
    assert read_sheet(other, kind).layout != plain.layout


def test_two_row_headers_and_the_group_in_the_layout(tmp_path):
    path = tmp_path / "两行.xlsx"
    messy_xlsx(
        path,
        ["户编号", "姓名", "证件编号", "所属组织编码"],
        [["H1", "张三", new_id(1), VILLAGE]],
        groups={"户主信息": ["姓名", "证件编号"]},
    )
    kind = get_kind("households")
    plain = read_sheet(path, kind)
    assert "证件编号" in plain.ignored
    assert "户主信息/证件编号" in plain.headers
    sheet = read_sheet(path, kind, mapping={"证件编号": "head_id"})
    assert not sheet.problems
    assert sheet.rows[0].values["head_id"] == new_id(1)
    assert sheet.layout == plain.layout


@pytest.mark.parametrize("kind", [k.name for k in all_kinds()])
def test_every_kind_offers_its_free_fields_and_reads_the_mapped_column(kind, tmp_path):
    """Any kind's first required column, under a name the kind does not know, is offered and,
    once mapped, read (its column is no longer missing)."""
    spec = get_kind(kind)
    missing = spec.required[0]
    headers = [f"原{c.header}列" if c is missing else c.header for c in spec.columns]
    path = tmp_path / f"{kind}.xlsx"
    plain_xlsx(path, headers, [])
    plain = plain_sheet(path, spec)
    assert f"缺少必填列“{missing.header}”" in [p.message for p in plain.problems]
    form = MappingForm(sheet=plain)
    assert form.headers == [f"原{missing.header}列"]
    offered = dict(form.fields["col_0"].choices)
    assert offered[missing.key].startswith(missing.header)
    assert set(offered) == {"", IGNORE_CHOICE, missing.key}
    assert mapping_problems(plain, {f"原{missing.header}列": missing.key}) == {}
    sheet = read_sheet(path, spec, mapping={f"原{missing.header}列": missing.key})
    assert sheet.problems == []
    assert sheet.columns[missing.key].header == f"原{missing.header}列"


# -- the command line ----------------------------------------------------------------------------


def run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.mark.django_db
def test_import_with_map_options(world, tmp_path):
    path = household_file(tmp_path / "户.xlsx", [("H001", "张三", 1), ("H002", "李四", 2)])
    out, error = run("import", "households", str(path), "--format", "json")
    assert error is not None and error.returncode == 1
    assert "缺少必填列“户主身份证号”" in out

    out, error = run(
        "import",
        "households",
        str(path),
        "--format",
        "json",
        "--map",
        "户住证件号码=户主身份证号",
        "--map",
        "是否参加大病保险=",
    )
    assert error is None, out
    result = json.loads(out)
    assert (result["created"], result["errors"]) == (2, [])
    assert result["ignored_columns"] == ["序号", "是否参加大病保险"]
    assert Household.objects.get(code="H002").head.id_number == new_id(2)
    assert not ColumnMapping.objects.exists()  # the command line saves nothing

    _out, error = run("import", "households", str(path), "--map", "户住证件号码=证件")
    assert error is not None and error.returncode == 2
    assert str(error).startswith("--map “户住证件号码=证件”: “证件”不是户的列, 可填: 户编号、")
    _out, error = run("import", "households", str(path), "--map", "户住证件号码")
    assert error is not None and error.returncode == 2
    assert str(error) == "--map 应写成“原列名=标准列名”, 实际为“户住证件号码”"
    _out, error = run("import", "households", str(path), "--map", "户主身份证=户主身份证号")
    assert error is not None and error.returncode == 2
    assert str(error) == "--map: 文件的表头 (第 3 行) 中没有列 “户主身份证”"


def test_parse_map_options():
    kind = get_kind("households")
    assert parse_map_options(kind, ["户住证件号码 = 户主身份证号", "户联系电话=不导入"]) == {
        "户住证件号码": "head_id",
        "户联系电话": "",
    }
    with pytest.raises(ValueError, match="“户住证件号码”出现了多次"):
        parse_map_options(kind, ["户住证件号码=户主身份证号", "户住证件号码=户主姓名"])


@pytest.mark.django_db
def test_an_upload_with_a_saved_mapping_reads_the_file_once(world, client, tmp_path, monkeypatch):
    """The saved mapping is chosen from the header while the dry run reads the file (a workbook's
    sheet is loaded whole by calamine: a second reading would double the wait)."""
    from bangfu.transfer import reader

    path = household_file(tmp_path / "户.xlsx", [("H1", "张三", 1)])
    mapping_save(
        actor=world.unit_admin,
        sheet=plain_sheet(path, get_kind("households")),
        columns={"户住证件号码": "head_id"},
    )
    opened = []
    real = reader.open_cells
    monkeypatch.setattr(reader, "open_cells", lambda *a, **k: opened.append(a) or real(*a, **k))
    client.force_login(world.unit_admin)
    response = upload(client, path)
    assert "检查通过: 共 1 行, 将新增 1 条" in response.content.decode()
    assert len(opened) == 1
