"""The members sheet takes a national 户码 as the 户编号 (as text or as a number cell), with the
national roster's headers: 户编号/户码, 姓名, 证件号码, 与户主关系 (xiaoxinllleee/idap-service,
bms-server/src/main/java/org/cmms/modules/report/sgtzgl/ytprkmd/entity/SgtzglYtprkmd.java)."""

from __future__ import annotations

import pytest

from bangfu.registry.models import Household, Member
from bangfu.transfer.importers import run_import
from bangfu.transfer.tests.national import county_tree, messages
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    return county_tree()


def test_members_by_huma(tree, tmp_path):
    households = tmp_path / "户.xlsx"
    plain_xlsx(
        households,
        ["户码", "户主姓名", "户主身份证号", "识别时间"],
        [
            ["4501231042030012", "黄德明", new_id(1), "2014"],
            ["450123104201001", "陆秀兰", new_id(2, sex="F"), "2014"],
        ],
    )
    assert run_import("households", households, actor=tree.admin).ok
    path = tmp_path / "家庭成员.xlsx"
    plain_xlsx(
        path,
        ["户码", "姓名", "证件号码", "与户主关系"],
        [
            ["4501231042030012", "蒙桂香", new_id(3, sex="F"), "配偶"],
            [4501231042030012, "黄小宝", new_id(4, year=2012), "之子"],  # a number cell
            [450123104201001, "农丽娟", new_id(5, sex="F", year=2004), "之女"],
            ["4501231042030099", "韦志刚", new_id(6), "之子"],
        ],
    )
    result = run_import("members", path, actor=tree.admin)
    assert messages(result)[-1][1:] == ("户码", "户编号 4501231042030099 不存在, 请先导入户")
    path_ok = tmp_path / "家庭成员-改.xlsx"
    plain_xlsx(
        path_ok,
        ["户码", "姓名", "证件号码", "与户主关系"],
        [
            ["4501231042030012", "蒙桂香", new_id(3, sex="F"), "配偶"],
            [4501231042030012, "黄小宝", new_id(4, year=2012), "之子"],
            [450123104201001, "农丽娟", new_id(5, sex="F", year=2004), "之女"],
        ],
    )
    result = run_import("members", path_ok, actor=tree.admin)
    assert result.errors == [] and result.created == 3
    first = Household.objects.get(code="4501231042030012")
    relations = {
        m.person.name: (m.relation, m.person.org_id)
        for m in Member.objects.filter(household=first).select_related("person")
    }
    assert relations == {
        "黄德明": ("head", tree.langwan.pk),
        "蒙桂香": ("spouse", tree.langwan.pk),
        "黄小宝": ("son", tree.langwan.pk),
    }
    assert Member.objects.get(person__name="农丽娟").household.code == "450123104201001"
