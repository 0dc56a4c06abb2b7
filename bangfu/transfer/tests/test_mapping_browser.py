"""The column mapping in a real headless Chromium at phone width (390 px): upload a household sheet
whose head's ID column has a name no kind knows, map it on the page (htmx swaps the preview in
place), confirm — with every control inside the screen, no request leaving 127.0.0.1 and no page
error (a Content-Security-Policy violation included). The layout: see test_mapping.py."""

from __future__ import annotations

import pytest

from bangfu.core.tests.test_browser import Watch, login
from bangfu.registry.models import Household
from bangfu.transfer.models import ColumnMapping
from bangfu.transfer.tests.test_mapping import household_file

pytestmark = pytest.mark.browser
WIDTH = 390


def test_map_a_column_on_a_phone(live_server, browser_world, browser, tmp_path):
    path = household_file(tmp_path / "低收入农户.xlsx", [("H001", "张三", 1)])
    page = browser.new_page(
        viewport={"width": WIDTH, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    watch = Watch(page)
    page.on("dialog", lambda dialog: dialog.accept())  # 确认导入这些数据?
    login(page, live_server.url, "unitadmin")
    page.goto(f"{live_server.url}/transfer/")
    page.select_option("#id_kind", "households")
    page.set_input_files("#id_file", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=column-mapping]")
    assert "缺少必填列“户主身份证号”" in page.inner_text("[data-testid=errors]")
    select = page.get_by_label("“户住证件号码”列")
    assert select.is_visible()  # unfolded: a column is undecided and the file has errors
    for control in (select, page.locator("[data-testid=mapping-submit]")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH

    select.select_option(label="户主身份证号 (必填)")
    page.get_by_label("“是否参加大病保险”列").select_option(label="不导入 (忽略此列)")
    page.click("[data-testid=mapping-submit]")
    page.wait_for_selector("[data-testid=mapping-applied]")
    assert "户住证件号码 → 户主身份证号" in page.inner_text("[data-testid=mapping-applied]")
    assert page.url == f"{live_server.url}/transfer/"  # swapped in place by htmx
    assert ColumnMapping.objects.get().columns == {
        "户住证件号码": "head_id",
        "是否参加大病保险": "",
    }
    assert not page.get_by_label("“户住证件号码”列").is_visible()  # decided: folded away

    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=import-done]")
    assert Household.objects.get(code="H001").head.name == "张三"
    watch.assert_clean()
