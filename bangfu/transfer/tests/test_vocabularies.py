"""The national vocabularies as data (bangfu/registry/data/vocabularies.json) and the person
fields they fill: codes, grades and narrower words read with a warning, spelling variants read
silently, unknown values refused with the accepted ones listed (docs/import-export.md,
"Vocabularies").

The rosters reproduce real layouts: the member roster exported by the national 防返贫监测
system (省, 市, 县, 乡, 村, 户编号, 人口编号, 姓名, 性别, 证件类型, 证件号码, 民族, 户联系电话,
成员联系电话, 与户主关系, 文化程度, 在校生状况, 劳动技能, 健康状况, 残疾类别 …), as the header
list of a public data-check tool for those exports gives it (search index file 6542487859);
and a 低收入农户 sheet whose 贫困原因 holds the national codes (2, 6, 5) of the
全国扶贫开发信息系统 (致贫原因 radio group aac007, search index file 17520266514).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bangfu.core.idnumber import id_check_digit, parse_id_number
from bangfu.registry.choices import (
    Cause,
    DocumentType,
    Education,
    Health,
    Labour,
    Relation,
    Schooling,
)
from bangfu.registry.models import Household, Member, Person
from bangfu.registry.tests.factories import PersonFactory
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds.common import (
    CAUSE,
    DOCUMENT_TYPE,
    EDUCATION,
    HEALTH,
    LABOUR,
    RELATION,
    SCHOOLING,
    VOCABULARIES,
    VOCABULARIES_FILE,
    VocabularyError,
    load_vocabularies,
)
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

VILLAGE = "450123100201"


def warnings_in(result, *columns: str) -> list[tuple[int, str, str]]:
    return [(w.row, w.column, w.message) for w in result.warnings if w.column in columns]


# -- the data file -------------------------------------------------------------------------------


def test_every_vocabulary_names_its_source_and_loads_into_a_table():
    data = json.loads(VOCABULARIES_FILE.read_text(encoding="utf-8"))["vocabularies"]
    assert set(data) == set(VOCABULARIES)
    for name, spec in data.items():
        assert spec["sources"] and all(s.strip() for s in spec["sources"]), name
    # GB/T 4761's two-digit codes are all there, and 致贫原因's national codes 1-13 and 99.
    codes = {e["word"] for e in data["relation"]["entries"] if e["kind"] == "code"}
    assert {"01", "02", "10", "20", "22", "44", "72", "74", "93", "99"} <= codes
    assert {e["word"] for e in data["cause"]["entries"] if e["kind"] == "code"} == {
        *map(str, range(1, 14)),
        "99",
    }


def test_a_broken_vocabulary_file_is_refused(tmp_path):
    def write(entry: dict) -> Path:
        path = tmp_path / "v.json"
        spec = {"title": "", "choices": "Cause", "sources": ["x"], "entries": [entry]}
        path.write_text(json.dumps({"vocabularies": {"cause": spec}}), encoding="utf-8")
        return path

    with pytest.raises(VocabularyError, match="unknown value"):
        load_vocabularies(write({"word": "缺劳力", "value": "no_such"}))
    with pytest.raises(VocabularyError, match="does not say what it means"):
        load_vocabularies(write({"word": "8", "value": "no_labour", "kind": "code"}))
    with pytest.raises(VocabularyError, match="two values"):
        load_vocabularies(write({"word": "因残", "value": "illness"}))  # 因残 is a label


# -- reading a cell --------------------------------------------------------------------------------


def test_codes_grades_and_narrower_words_carry_a_caveat_spelling_variants_do_not():
    eight = CAUSE.read("8")
    assert eight.value == Cause.NO_LABOUR
    assert CAUSE.caveat(eight, "致贫原因") == "致贫原因“8”按国家代码 (缺劳力) 记为 缺劳动力"
    assert CAUSE.caveat(CAUSE.read(2.0), "致贫原因") == "致贫原因“2”按国家代码记为 因残"
    for word, value in (("缺劳力", Cause.NO_LABOUR), ("其它", Cause.OTHER), ("缺劳动力", None)):
        reading = CAUSE.read(word)
        assert reading.value == (value or Cause.NO_LABOUR)
        assert CAUSE.caveat(reading, "致贫原因") is None

    seventh = SCHOOLING.read("七年级")
    assert (seventh.value, seventh.grade) == (Schooling.JUNIOR, 1)
    assert SCHOOLING.caveat(seventh, "在校生状况") == "在校生状况“七年级”记为 初中 1 年级"
    for word, value, grade in (
        ("普通高中二年级", Schooling.SENIOR, 2),
        ("小学三年级", Schooling.PRIMARY, 3),
        ("中职一年级", Schooling.VOCATIONAL, 1),
        ("本科四年级", Schooling.UNIVERSITY, 4),
    ):
        reading = SCHOOLING.read(word)
        assert (reading.value, reading.grade) == (value, grade), word
    # ... and back: the export writes the national grade name, the import reads it again.
    assert SCHOOLING.label(Schooling.JUNIOR, 1) == "七年级"
    assert SCHOOLING.label(Schooling.SENIOR, 2) == "普通高中二年级"
    assert SCHOOLING.label(Schooling.JUNIOR) == "初中"

    assert RELATION.read("之外孙女").value == Relation.GRANDDAUGHTER_M
    assert RELATION.read("之兄弟媳妇").value == Relation.SISTER_IN_LAW
    eldest = RELATION.read("长子")
    assert eldest.value == Relation.SON
    assert RELATION.caveat(eldest, "与户主关系") == "与户主关系“长子”记为 之子 (没有更细的选项)"
    code = RELATION.read("44")  # GB/T 4761: 外孙女
    assert code.value == Relation.GRANDDAUGHTER_M
    assert RELATION.caveat(code, "与户主关系") == "与户主关系“44”按国家代码 (外孙女) 记为 之外孙女"
    assert RELATION.read("02").value == RELATION.read("2").value == Relation.HEAD

    both = HEALTH.read("长期慢性病,残疾")
    assert both.value == Health.DISABLED
    assert (
        HEALTH.caveat(both, "健康状况")
        == "健康状况“长期慢性病,残疾”填写了多项, 只能记一项, 记为 残疾"
    )
    assert HEALTH.read("长期慢性病,头疼") is None

    assert EDUCATION.read("本科及以上").value == Education.COLLEGE
    assert EDUCATION.read("文盲或半文盲").alias is None
    assert LABOUR.read("弱劳动力或半劳动力").value == Labour.WEAK
    assert DOCUMENT_TYPE.read("残疾人证").value == DocumentType.DISABILITY_CARD
    assert DOCUMENT_TYPE.read("外国人永久居留证").value == DocumentType.FOREIGN_PERMANENT
    assert CAUSE.read("缺钱") is None and SCHOOLING.read("七年纪") is None


# -- importing the national rosters --------------------------------------------------------------

pytestmark = pytest.mark.django_db

ROSTER = [
    "省",
    "市",
    "县",
    "乡",
    "村",
    "所属组织编码",
    "户编号",
    "人口编号",
    "姓名",
    "性别",
    "证件类型",
    "证件号码",
    "民族",
    "户联系电话",
    "成员联系电话",
    "与户主关系",
    "文化程度",
    "在校生状况",
    "劳动技能",
    "务工时间(月)",
    "健康状况",
    "政治面貌",
    "残疾类别",
]


def disability_card(number: str, category: int, level: int) -> str:
    return f"{number}{category}{level}"


def foreign_permanent_id() -> str:
    first17 = "911840198001010" + "01"  # Beijing (11), nationality 840, born 1980-01-01
    return first17 + id_check_digit(first17)


def roster_row(values: dict) -> list:
    base = {"省": "广西壮族自治区", "市": "南宁市", "县": "甲县", "乡": "甲镇", "村": "甲村"}
    base["所属组织编码"] = VILLAGE
    return [{**base, **values}.get(h) for h in ROSTER]


def test_a_national_member_roster_imports_as_persons_with_every_field_it_can_store(world, tmp_path):
    adult, girl, pupil = new_id(1), new_id(2, sex="F", year=2012), new_id(3, year=2016)
    path = tmp_path / "家庭成员信息.xlsx"
    rows = plain_xlsx(
        path,
        ROSTER,
        [
            roster_row(
                {
                    "户编号": "450123100201000101",
                    "姓名": "韦大",
                    "证件类型": "残疾人证",
                    "证件号码": disability_card(adult, 4, 2),
                    "民族": "壮族",
                    "户联系电话": "13812340000",
                    "成员联系电话": "13912345678",
                    "与户主关系": "户主",
                    "文化程度": "本科及以上",
                    "在校生状况": "非在校生",
                    "劳动技能": "弱劳动力或半劳动力",
                    "健康状况": "长期慢性病,残疾",
                }
            ),
            roster_row(
                {
                    "姓名": "韦二",
                    "证件类型": "居民身份证",
                    "证件号码": girl,
                    "在校生状况": "七年级",
                    "劳动技能": "无劳动力",
                    "健康状况": "健康",
                }
            ),
            roster_row({"姓名": "韦三", "证件号码": pupil, "在校生状况": "小学三年级"}),
        ],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)

    first = Person.objects.get(id_number=adult)
    assert (first.health, first.labour, first.education, first.schooling) == (
        Health.DISABLED,
        Labour.WEAK,
        Education.COLLEGE,
        Schooling.NOT_IN_SCHOOL,
    )
    assert (first.document_type, first.disability_category, first.disability_level) == (
        DocumentType.DISABILITY_CARD,
        4,
        2,
    )
    assert first.phone == "13912345678"  # 成员联系电话; 户联系电话 is not a person's
    second = Person.objects.get(id_number=girl)
    assert (second.schooling, second.grade, second.labour, second.document_type) == (
        Schooling.JUNIOR,
        1,
        Labour.NONE,
        DocumentType.RESIDENT,
    )
    third = Person.objects.get(id_number=pupil)
    assert (third.schooling, third.grade, third.document_type) == (Schooling.PRIMARY, 3, None)

    assert warnings_in(result, "证件号码", "文化程度", "健康状况", "在校生状况") == [
        (
            rows[0],
            "证件号码",
            f"残疾人证号 {adult}42, 按其前 18 位身份证号 {adult} 登记, 残疾类别 肢体残疾 二级",
        ),
        (rows[0], "文化程度", "文化程度“本科及以上”记为 大专及以上 (没有更细的选项)"),
        (rows[0], "健康状况", "健康状况“长期慢性病,残疾”填写了多项, 只能记一项, 记为 残疾"),
        (rows[1], "在校生状况", "在校生状况“七年级”记为 初中 1 年级"),
        (rows[2], "在校生状况", "在校生状况“小学三年级”记为 小学 3 年级"),
    ]
    # Nothing of the sheet vanishes unsaid: the columns bangfu has no field for are listed.
    assert {"户联系电话", "民族", "政治面貌", "务工时间(月)"} <= set(result.ignored)
    assert "劳动技能" not in result.ignored and "成员联系电话" not in result.ignored

    # The export writes the national grade name, and imports back changing nothing.
    from bangfu.transfer.kinds.persons import _row

    assert _row(second)["schooling"] == "七年级"


def test_an_unknown_value_is_a_row_error_listing_the_accepted_ones(world, tmp_path):
    path = tmp_path / "p.xlsx"
    plain_xlsx(
        path,
        ["姓名", "身份证号", "所属组织编码", "在校生状况", "文化程度"],
        [["韦四", new_id(4, year=2012), VILLAGE, "七年纪", "中学"]],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            2,
            "在校生状况",
            "“七年纪”不是有效的在校生状况, 可填写: " + "、".join(SCHOOLING.labels()),
        ),
        (2, "文化程度", "“中学”不是有效的文化程度, 可填写: " + "、".join(EDUCATION.labels())),
    ]
    assert not Person.objects.exists()


def test_a_document_type_that_contradicts_the_number_is_an_error(world, tmp_path):
    path = tmp_path / "p.xlsx"
    number = foreign_permanent_id()
    assert parse_id_number(number).document == "foreign_permanent"
    plain_xlsx(
        path,
        ["姓名", "证件号码", "所属组织编码", "证件类型"],
        [["约翰", number, VILLAGE, "居民身份证"], ["玛丽", new_id(5), VILLAGE, "外国人永久居留证"]],
    )
    result = run_import("persons", path, actor=world.unit_admin)
    assert [(e.row, e.message) for e in result.errors] == [
        (2, "证件类型“居民身份证”与证件号码不符: 该号码是外国人永久居留身份证的号码"),
        (3, "证件类型“外国人永久居留身份证”与证件号码不符: 该号码是居民身份证的号码"),
    ]
    # Without the column, the number itself says which document it is.
    plain_xlsx(path, ["姓名", "证件号码", "所属组织编码"], [["约翰", number, VILLAGE]])
    result = run_import("persons", path, actor=world.unit_admin)
    assert result.errors == []
    assert Person.objects.get(id_number=number).document_type == DocumentType.FOREIGN_PERMANENT


def test_members_read_gbt_4761_relations_and_the_person_columns(world, tmp_path):
    head = PersonFactory(org=world.a1v, name="黄户主", phone="")
    household = Household.objects.create(code="450123100201000201", org=world.a1v, head=head)
    Member.objects.create(household=household, person=head, relation=Relation.HEAD)
    other_head = PersonFactory(org=world.a1v, name="蒙户主", phone="13700001111")
    other = Household.objects.create(code="450123100201000202", org=world.a1v, head=other_head)
    Member.objects.create(household=other, person=other_head, relation=Relation.HEAD)
    kids = [new_id(10 + i, sex="F", year=2010 + i) for i in range(3)]
    path = tmp_path / "成员.xlsx"
    headers = ["户编号", "姓名", "证件号码", "与户主关系", "文化程度", "在校生状况", "劳动技能"]
    headers += ["健康状况", "户联系电话", "成员联系电话"]
    rows = plain_xlsx(
        path,
        headers,
        [
            [
                household.code,
                "黄一",
                kids[0],
                "之外孙女",
                None,
                "普通高中二年级",
                "无劳动力",
                "健康",
                "13812345678",
                None,
            ],
            [
                household.code,
                "黄二",
                kids[1],
                "之兄弟媳妇",
                "初中",
                "非在校生",
                "普通劳动力",
                None,
                "13812345678",
                "13600002222",
            ],
            [other.code, "蒙一", kids[2], "44", None, "七年级", None, None, "13812345678", None],
        ],
    )
    result = run_import("members", path, actor=world.unit_admin)
    assert result.errors == []
    assert (result.created, result.updated) == (3, 0)
    relations = dict(
        Member.objects.filter(person__id_number__in=kids).values_list(
            "person__id_number", "relation"
        )
    )
    assert relations == {
        kids[0]: Relation.GRANDDAUGHTER_M,
        kids[1]: Relation.SISTER_IN_LAW,
        kids[2]: Relation.GRANDDAUGHTER_M,
    }
    first, second = Person.objects.get(id_number=kids[0]), Person.objects.get(id_number=kids[1])
    assert (first.schooling, first.grade, first.labour, first.health) == (
        Schooling.SENIOR,
        2,
        Labour.NONE,
        Health.HEALTHY,
    )
    assert (second.education, second.labour, second.phone) == (
        Education.JUNIOR,
        Labour.ORDINARY,
        "13600002222",
    )
    # 户联系电话: the phone of a head who had none; not stored over another number (a warning).
    head.refresh_from_db()
    other_head.refresh_from_db()
    assert (head.phone, other_head.phone) == ("13812345678", "13700001111")
    assert warnings_in(result, "与户主关系", "户联系电话") == [
        (rows[2], "与户主关系", "与户主关系“44”按国家代码 (外孙女) 记为 之外孙女"),
        (
            rows[2],
            "户联系电话",
            "户联系电话与户主的联系电话不同, 未保存 (本系统记户主的联系电话)",
        ),
    ]

    # Again: nothing changes; a new 在校生状况 updates the member's person.
    result = run_import("members", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 0)
    plain_xlsx(
        path,
        ["户编号", "姓名", "证件号码", "与户主关系", "在校生状况"],
        [[household.code, "黄一", kids[0], "之外孙女", "普通高中三年级"]],
    )
    result = run_import("members", path, actor=world.unit_admin)
    assert (result.errors, result.created, result.updated) == ([], 0, 1)
    first.refresh_from_db()
    assert (first.schooling, first.grade) == (Schooling.SENIOR, 3)


def test_national_cause_codes_in_a_households_sheet(world, tmp_path):
    path = tmp_path / "低收入农户.xlsx"
    heads = [new_id(20 + i) for i in range(3)]
    rows = plain_xlsx(
        path,
        ["户编号", "户主姓名", "户主身份证号", "所属组织编码", "致贫原因", "其他致贫原因"],
        [
            ["HH-1", "甲一", heads[0], VILLAGE, 2, None],
            ["HH-2", "甲二", heads[1], VILLAGE, "6", "8、其它"],
            ["HH-3", "甲三", heads[2], VILLAGE, "缺劳力", None],
        ],
    )
    result = run_import("households", path, actor=world.unit_admin)
    assert result.errors == []
    causes = dict(Household.objects.values_list("code", "main_cause"))
    assert causes == {"HH-1": Cause.DISABILITY, "HH-2": Cause.NO_WATER, "HH-3": Cause.NO_LABOUR}
    assert Household.objects.get(code="HH-2").other_cause_list == [Cause.NO_LABOUR, Cause.OTHER]
    assert warnings_in(result, "致贫原因", "其他致贫原因") == [
        (rows[0], "致贫原因", "致贫原因“2”按国家代码记为 因残"),
        (rows[1], "致贫原因", "致贫原因“6”按国家代码记为 缺水"),
        (rows[1], "其他致贫原因", "其他致贫原因“8”按国家代码 (缺劳力) 记为 缺劳动力"),
    ]


def test_the_person_page_shows_and_the_form_edits_the_national_fields(world, client):
    person = PersonFactory(
        org=world.a1v,
        name="覃五",
        id_number=new_id(30, year=2011),
        schooling=Schooling.JUNIOR,
        grade=2,
        education=Education.PRIMARY,
        document_type=DocumentType.DISABILITY_CARD,
        disability_category=5,
        disability_level=3,
    )
    client.force_login(world.unit_admin)
    page = client.get(f"/registry/persons/{person.pk}/").content.decode()
    for text in ("初中 2 年级", "残疾人证", "智力残疾 三级", "文化程度</dt><dd>小学"):
        assert text in page, text
    assert person.id_number not in page  # still masked
    form = client.get(f"/registry/persons/{person.pk}/edit/").content.decode()
    assert 'name="grade"' in form and 'name="disability_category"' in form
    data = {
        "org": world.a1v.pk,
        "name": "覃五",
        "id_number": person.id_number,
        "schooling": Schooling.SENIOR,
        "grade": "1",
        "education": Education.JUNIOR,
        "document_type": "",
        "disability_category": "",
        "disability_level": "",
    }
    response = client.post(f"/registry/persons/{person.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert (person.schooling, person.grade, person.education) == (
        Schooling.SENIOR,
        1,
        Education.JUNIOR,
    )
    assert (person.document_type, person.disability_category, person.disability_level) == (
        None,
        None,
        None,
    )
    # A grade needs a school stage.
    data |= {"schooling": Schooling.NOT_IN_SCHOOL, "grade": "3"}
    response = client.post(f"/registry/persons/{person.pk}/edit/", data)
    assert response.status_code == 200
    assert "填写年级时, 在校生状况须为在读的学段" in response.content.decode()
