"""The data-quality checks run after every import, in the page and on the command line."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from bangfu.registry.models import Helper, Household
from bangfu.transfer.checks import ID_LIST_LIMIT, checks_after_import
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind
from bangfu.transfer.tests.sheets import new_id, plain_xlsx

pytestmark = pytest.mark.django_db
VILLAGE = "450123100201"
HEADERS = [
    "户编号",
    "户主姓名",
    "户主身份证号",
    "所属组织编码",
    "致贫原因",
    "人均纯收入",
    "识别日期",
    "状态",
]


def households_file(tmp_path):
    path = tmp_path / "户.xlsx"
    plain_xlsx(
        path,
        HEADERS,
        [
            # 因病 with no ill member: C001 fires for H-ILL only.
            ["H-ILL", "王病", new_id(11), VILLAGE, "因病", "3000", "2024-01-05", "新识别"],
            ["H-OK", "李好", new_id(12), VILLAGE, "缺技术", "3000", "2024-01-05", "新识别"],
        ],
    )
    return path


def other_file(tmp_path, code: str, seed: int):
    path = tmp_path / f"{code}.xlsx"
    plain_xlsx(
        path,
        HEADERS,
        [[code, "赵病", new_id(seed), VILLAGE, "因病", "3000", "2024-01-05", "新识别"]],
    )
    return path


def test_checks_cover_what_the_import_wrote(world, tmp_path):
    result = run_import(get_kind("households"), households_file(tmp_path), actor=world.unit_admin)
    assert result.ok, result.errors
    report = checks_after_import(result)
    assert report is not None
    ill = Household.objects.get(code="H-ILL")
    assert report.ids("C001") == {ill.pk}
    assert all(
        f.household_id in (None, *Household.objects.values_list("pk", flat=True))
        for f in report.findings
    )
    dry = run_import(
        get_kind("households"), households_file(tmp_path), actor=world.unit_admin, dry_run=True
    )
    assert checks_after_import(dry) is None  # a dry run wrote nothing to check


def test_large_imports_are_checked_over_the_runs_of_ids_they_wrote(world, tmp_path, monkeypatch):
    monkeypatch.setattr("bangfu.transfer.checks.ID_LIST_LIMIT", 1)
    assert ID_LIST_LIMIT > 1
    # In the same village, written before: not the import's, so not in its report.
    earlier = run_import(
        get_kind("households"), other_file(tmp_path, "H-OLD", 21), actor=world.unit_admin
    )
    old = Household.objects.get(code="H-OLD")
    assert earlier.ok and old.pk in checks_after_import(earlier).ids("C001")

    result = run_import(get_kind("households"), households_file(tmp_path), actor=world.unit_admin)
    report = checks_after_import(result)

    assert report is not None
    assert report.ids("C001") == {Household.objects.get(code="H-ILL").pk}
    # 身份证号无效 was checked for every row on the way in: not run again.
    assert "P009" not in report.ran and "P002" in report.ran


def test_scattered_large_imports_are_checked_over_the_common_subtree(world, tmp_path, monkeypatch):
    monkeypatch.setattr("bangfu.transfer.checks.ID_LIST_LIMIT", 1)
    monkeypatch.setattr("bangfu.transfer.checks.CHECKED_RUNS", 0)  # too many runs of ids
    run_import(get_kind("households"), other_file(tmp_path, "H-OLD", 21), actor=world.unit_admin)
    result = run_import(get_kind("households"), households_file(tmp_path), actor=world.unit_admin)
    report = checks_after_import(result)
    assert report is not None
    ill = {Household.objects.get(code=code).pk for code in ("H-ILL", "H-OLD")}
    assert report.ids("C001") == ill  # the subtree's: the earlier household too
    assert "P009" in report.ran


def test_page_and_command_line_show_the_findings(world, client, tmp_path):
    client.force_login(world.unit_admin)
    path = households_file(tmp_path)
    preview = client.post(
        reverse("transfer:upload"),
        {"kind": "households", "file": SimpleUploadedFile(path.name, path.read_bytes())},
    )
    token = preview.context["upload"].token
    done = client.post(reverse("transfer:confirm", args=[token]))
    html = done.content.decode()
    assert 'data-testid="import-quality"' in html
    assert "因病致贫但无患病成员" in html and "H-ILL" in html
    out = StringIO()
    other = tmp_path / "other.xlsx"
    plain_xlsx(
        other,
        HEADERS,
        [["H-ILL2", "赵病", new_id(13), VILLAGE, "因病", "3000", "2024-01-05", "新识别"]],
    )
    call_command("import", "households", str(other), stdout=out)
    text = out.getvalue()
    assert "逻辑校验: 错误" in text and "[C001]" in text


def test_what_a_persons_roster_writes_passes_the_checks_it_does_not_run_again(world, tmp_path):
    """The checks a large persons import leaves out (PersonImporter.validated_checks) find
    nothing in what any persons roster writes: every kind of number it accepts, new persons and
    persons on file whose sex and birth date it corrects."""
    from bangfu.core.tests.test_idnumber_documents import make_id
    from bangfu.registry.models import Person
    from bangfu.registry.quality import run_checks
    from bangfu.registry.tests.factories import PersonFactory
    from bangfu.transfer.kinds.persons import PersonImporter

    on_file = PersonFactory(org=world.a1v, id_number=new_id(31))
    Person.objects.filter(pk=on_file.pk).update(sex="F", birth_date="1999-09-09")
    numbers = [
        new_id(31),  # on file, with another sex and birth date
        new_id(32, sex="F"),
        new_id(33, region="452126"),  # 隆安县's code until 2001
        "810000199408230021",  # 香港居民居住证 (jxlwqq/id-validator test suite)
        "830000199201300022",  # 台湾居民居住证 (the same)
        make_id("911840", datetime.date(1985, 3, 15), 123),  # 外国人永久居留身份证
        new_id(34) + "11",  # a 20-digit 残疾人证号: its first 18 digits are the ID
    ]
    path = tmp_path / "人员.xlsx"
    plain_xlsx(
        path,
        ["姓名", "身份证号", "所属组织编码"],
        [[f"人{i}", number, VILLAGE] for i, number in enumerate(numbers)],
    )
    result = run_import(get_kind("persons"), path, actor=world.unit_admin)
    assert result.ok, result.errors
    written = Person.objects.filter(pk__in=result.written["persons"])
    assert written.count() == len(numbers)
    report = run_checks(
        persons=written,
        households=Household.objects.none(),
        helpers=Helper.objects.none(),
        codes=sorted(PersonImporter.validated_checks),
    )
    assert sorted(report.ran) == ["P002", "P003", "P009"]
    assert report.findings == []
    # The same checks do find such persons when they were not written by an import.
    Person.objects.filter(pk=on_file.pk).update(sex="F", birth_date="1999-09-09")
    again = run_checks(
        persons=written,
        households=Household.objects.none(),
        helpers=Helper.objects.none(),
        codes=["P002", "P003"],
    )
    assert again.ids("P002") == again.ids("P003") == {on_file.pk}
