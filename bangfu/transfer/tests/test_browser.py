"""In a real headless Chromium: the import page's htmx upload (multipart), the preview with its
errors, the corrected upload and the confirmation — with no request leaving 127.0.0.1 and no
page error (a Content-Security-Policy violation included)."""

from __future__ import annotations

import pytest

from bangfu.core.tests.test_browser import Watch, login
from bangfu.registry.models import Person
from bangfu.transfer.tests.sheets import messy_xlsx, new_id

pytestmark = pytest.mark.browser
HEADERS = ["姓名", "身份证号码", "手机", "单位编码"]
VILLAGE = "450123100201"


def test_upload_preview_and_confirm_in_the_browser(live_server, browser_world, browser, tmp_path):
    ids = [new_id(1), new_id(2)]
    bad, good = tmp_path / "花名册.xlsx", tmp_path / "花名册-改.xlsx"
    messy_xlsx(bad, HEADERS, [["张三", ids[0], "", VILLAGE], ["李四", ids[1][:-1], "", VILLAGE]])
    messy_xlsx(good, HEADERS, [["张三", ids[0], "", VILLAGE], ["李四", ids[1], "", VILLAGE]])

    page = browser.new_page()
    watch = Watch(page)
    page.on("dialog", lambda dialog: dialog.accept())  # 确认导入这些数据?
    login(page, live_server.url, "unitadmin")
    page.goto(f"{live_server.url}/transfer/")
    page.select_option("#id_kind", "persons")
    page.set_input_files("#id_file", str(bad))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=preview-errors]")
    assert "身份证号应为 18 位, 实际 17 位" in page.inner_text("[data-testid=errors]")
    assert page.url == f"{live_server.url}/transfer/"  # swapped in place by htmx

    page.select_option("#id_kind", "persons")
    page.set_input_files("#id_file", str(good))
    page.click("[data-testid=upload-form] button[type=submit]")
    page.wait_for_selector("[data-testid=preview-ok]")
    assert Person.objects.count() == 0
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=import-done]")
    assert "新增 2 条" in page.inner_text("[data-testid=import-done]")
    assert Person.objects.count() == 2
    watch.assert_clean()
