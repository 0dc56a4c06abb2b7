"""What the tests of the national layouts share (test_national_*.py): the demo county's places
as a tree of their own, an administrator of a unit, a member roster in the columns of a real
national export, and the result's messages as (row, column, message)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from bangfu.accounts.tests.factories import RoleFactory, UserFactory
from bangfu.orgs.models import Org
from bangfu.orgs.tests.factories import OrgFactory
from bangfu.transfer.tests.sheets import new_id


@dataclass
class Tree:
    county: Org
    chengxiang: Org
    zhendong: Org
    natong: Org
    natong_village: Org
    langwan: Org
    group_one: Org
    new_villages: tuple[Org, Org, Org]
    admin: Any


def national_admin(org: Org, *, username: str) -> Any:
    """A unit administrator of ``org`` (the county office that imports the national export)."""
    user = UserFactory(username=username, name=f"{org.name}管理员", org=org)
    RoleFactory(user=user, org=org, role="org_admin")
    return user


def county_tree() -> Tree:
    """隆安县 with the demo's codes (bangfu/orgs/demo.py), two villages called 新村 in 那桐镇 and
    one in 城厢镇, and 浪湾村一组 as a unit below 浪湾村."""
    county = OrgFactory(code="450123", name="隆安县", kind="county")
    chengxiang = OrgFactory(code="450123100", name="城厢镇", kind="township", parent=county)
    zhendong = OrgFactory(code="450123100001", name="震东社区", kind="community", parent=chengxiang)
    OrgFactory(code="450123100201", name="东信村", kind="village", parent=chengxiang)
    new_c = OrgFactory(code="450123100210", name="新村", kind="village", parent=chengxiang)
    natong = OrgFactory(code="450123104", name="那桐镇", kind="township", parent=county)
    natong_village = OrgFactory(code="450123104201", name="那桐村", kind="village", parent=natong)
    langwan = OrgFactory(code="450123104203", name="浪湾村", kind="village", parent=natong)
    new_a = OrgFactory(code="450123104210", name="新村", kind="village", parent=natong)
    new_b = OrgFactory(code="450123104211", name="新村", kind="village", parent=natong)
    group_one = OrgFactory(code="LW-G01", name="浪湾村一组", kind="other", parent=langwan)
    return Tree(
        county=county,
        chengxiang=chengxiang,
        zhendong=zhendong,
        natong=natong,
        natong_village=natong_village,
        langwan=langwan,
        group_one=group_one,
        new_villages=(new_a, new_b, new_c),
        admin=national_admin(county, username="xianban"),
    )


def messages(result: Any) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


def warnings_of(result: Any) -> list[tuple[int, str, str]]:
    return [(w.row, w.column, w.message) for w in result.warnings]


# The 已脱贫人口名单 export of a county system built on the national data, one row per person:
# xiaoxinllleee/idap-service, bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/
# entity/SgtzglYtprkmd.java (@Excel names, in its order; 务工时间（月）, 是否参加大病保险, 危房户,
# 是否解决安全饮用水 and the monitoring columns left out).
ROSTER_HEADERS = [
    "数据日期",
    "县(市、区、旗)",
    "乡(镇)",
    "行政村",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "致贫原因1",
    "人均纯收入",
    "户联系电话",
    "人联系电话",
    "首次识别时间",
]
HEAD_ID = new_id(1, year=1968)
SPOUSE_ID = new_id(2, sex="F", year=1970)
CHILD_ID = new_id(3, year=2014)


def roster_rows(code: str = "450123104203001") -> tuple[list[str], list[list[object]]]:
    """One household of 浪湾村: the head, his wife and their son (listed before the head, as
    exports sorted by 人编号 do)."""
    place = ["202212", "隆安县", "那桐镇", "浪湾村", "那湾屯", code]
    rows: list[list[object]] = [
        [
            *place,
            f"{code}03",
            "黄小宝",
            CHILD_ID,
            3,
            "之子",
            "壮族",
            "小学",
            "健康",
            "无劳动力",
            "因病",
            "5120",
            None,
            None,
            "2014",
        ],
        [
            *place,
            f"{code}01",
            "黄德明",
            HEAD_ID,
            3,
            "户主",
            "壮族",
            "非在校生",
            "长期慢性病",
            "普通劳动力",
            "因病",
            "5120",
            "0771-6512345",
            "13907711234",
            "2014",
        ],
        [
            *place,
            f"{code}02",
            "陆秀兰",
            SPOUSE_ID,
            3,
            "配偶",
            "壮族",
            "非在校生",
            "健康",
            "普通劳动力",
            "因病",
            "5120",
            None,
            None,
            "2014",
        ],
    ]
    return ROSTER_HEADERS, rows


D = datetime.date
