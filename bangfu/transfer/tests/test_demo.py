"""The demo's sample files: the messy roster fails with three named errors, the corrected one
imports."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from bangfu.registry.models import Household
from bangfu.transfer.importers import run_import
from bangfu.transfer.kinds import get_kind

pytestmark = pytest.mark.django_db


def test_sample_files_show_the_import_at_work(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    from bangfu.accounts.models import User

    admin = User.objects.get(username="xianban")
    samples = Path(tmp_path) / "samples"
    wrong = run_import(get_kind("households"), samples / "浪湾村新识别户-有错误.xlsx", actor=admin)
    assert [(e.row, e.column) for e in wrong.errors] == [
        (7, "身份证号码"),
        (9, "识别日期"),
        (11, "状态"),
    ]
    assert not Household.objects.filter(code__startswith="LW2026").exists()
    right = run_import(get_kind("households"), samples / "浪湾村新识别户-已更正.xlsx", actor=admin)
    assert right.ok and right.created == 8
    second = Household.objects.get(code="LW2026002")
    assert second.status == "identified" and second.head.id_number.isascii()
    assert second.incomes.get().per_capita > 3000  # 0.3x 万元 read as yuan
