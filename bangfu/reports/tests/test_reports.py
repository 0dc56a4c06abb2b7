"""Each report's numbers on the hand-made data set (conftest.py) at two levels of the tree: the
county's totals equal the sum of its townships', every reconciling table's parts add up to its
total, and what fits no named category shows on its own line."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from bangfu.reports.base import OTHER, TOTAL, Params, Report
from bangfu.reports.reports import KINDS, build

D = datetime.date
YEAR = {"date_from": D(2024, 1, 1), "date_to": D(2024, 12, 31), "as_of": D(2024, 12, 31)}


def run(world, kind: str, org, user=None, **kw) -> Report:
    params = Params(org=org, **(YEAR | kw))
    return build(kind, user=user or world.inspector, params=params)


def line(report: Report, table: str, label: str):
    return next(x for x in report.table(table).lines if x.label == label)


def values(report: Report, table: str) -> dict[str, list]:
    return {x.label: x.values for x in report.table(table).lines}


def assert_reconciled(report: Report) -> None:
    for table in report.tables:
        if table.reconciles:
            assert table.total is not None, table.key
            assert table.is_reconciled(), (report.kind, table.key, table.lines)


def test_status_at_two_levels(data):
    county = run(data, "status", data.a)
    town1, town2 = run(data, "status", data.a1), run(data, "status", data.a2)
    assert values(county, "as_of")["帮扶中"] == [1, 3]
    assert values(county, "as_of")["剔除"] == [1, 2]
    assert values(county, "as_of")["脱贫"] == [1, 2]
    # H3 has no status step: it shows on its own line instead of vanishing.
    assert line(county, "as_of", "无状态记录").values == [1, 4]
    assert line(county, "as_of", "无状态记录").kind == OTHER
    assert county.table("as_of").total.values == [4, 11]
    assert [t.table("as_of").total.values for t in (town1, town2)] == [[3, 9], [1, 2]]
    for report in (county, town1, town2):
        assert_reconciled(report)
    assert values(county, "as_of")["未脱贫"] == [1, 3]
    # Entries within the range: 新识别 H1 and H2.
    assert values(county, "entries")["新识别"] == [2, 5]
    assert "截至2024年12月31日, 甲县共登记帮扶对象3户7人" in county.sentence
    assert line(county, "as_of", "帮扶中").link.startswith("/registry/households/?status=assisting")


def test_qiqing_at_two_levels(data):
    county = run(data, "qiqing", data.a)
    town1 = run(data, "qiqing", data.a1)
    assert values(county, "people") == {"甲镇": [3, 9], "丙镇": [1, 2], "合计": [4, 11]}
    assert values(town1, "people")["合计"] == [3, 9] == values(county, "people")["甲镇"]
    causes = values(county, "causes")
    assert causes["因病"] == [2, 5] and causes["因残"] == [1, 2]
    assert causes["未填写"] == [1, 4]  # H3
    assert values(county, "difficulty") == {
        "一般困难": [1, 2],
        "深度困难": [1, 3],
        "未填写": [2, 6],
        "合计": [4, 11],
    }
    school = values(county, "children_school")
    assert school["初中"] == [1] and school["非在校生"] == [2]
    assert school["合计"] == [7]  # every son: 2 + 1 + 3 + 1
    assert school["其中在校"] == [1]
    work = values(county, "children_work")
    # 16 and over, not at school (or schooling unknown with birth date unknown): H1's c2, H3's
    # first child, H2's and H4's sons (no birth date).
    assert work["失业"] == [1] and work["合计"] == [4] and work["未填写"] == [3]
    assert work["其中待业"] == [1]
    members = values(county, "members")
    assert members["户主"] == [4] and members["之子"] == [7] and members["合计"] == [11]
    assert values(county, "assistance")["未结对"] == [4]
    for report in (county, town1):
        assert_reconciled(report)
    assert "甲县共有帮扶对象4户11人" in county.sentence
    assert (
        line(county, "causes", "因病").link
        == f"/registry/households/?cause=illness&org={data.a.pk}"
    )


def test_villages_growth_at_two_levels(data):
    county = run(data, "villages", data.a)
    town1 = run(data, "villages", data.a1)
    assert "甲村2024年农民人均纯收入9620.3元, 比上年增长12.0%" in county.sentence
    assert "丙村2024年农民人均纯收入7700元, 比上年增长10.0%" in county.sentence
    agri = values(county, "agri_income")
    assert agri["甲村"] == [Decimal("120.5"), Decimal("130.0"), Decimal("7.9")]
    assert agri["合计"][:2] == [Decimal("200.5"), Decimal("220.5")]
    assert agri["合计"][2] == Decimal("10.0")
    assert values(town1, "agri_income")["合计"][1] == agri["甲村"][1]
    assert values(county, "per_capita_income")["平均"][1] == Decimal("8660.15")
    for report in (county, town1):
        assert_reconciled(report)


def test_compliance_without_programs_is_empty_and_reconciled(data):
    report = run(data, "compliance", data.a)
    assert report.table("units").total.values == [0, 0, 0, None]
    assert_reconciled(report)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_builds_for_the_admin_and_reconciles(data, kind):
    report = run(data, kind, None, user=data.admin)
    assert report.sentence and report.tables
    assert_reconciled(report)
    assert all(t.total is None or t.total.kind == TOTAL for t in report.tables)


def test_qiqing_person_lines_link_to_exactly_the_people_counted(data, client):
    """子女入学, 子女待业 and 家庭成员 lines open the person list filtered to the same people."""
    import re

    county = run(data, "qiqing", data.a)
    client.force_login(data.inspector)
    checked = 0
    for table in ("children_school", "children_work", "members"):
        for x in county.table(table).lines:
            if not x.link or x.kind != "part":
                continue
            html = client.get(x.link).content.decode()
            total = re.search(r"共 (\d+) 条", html)
            assert total is not None, x.link
            assert int(total.group(1)) == x.values[0], (table, x.label, x.link)
            checked += 1
    assert checked >= 4
