"""`bangfu compliance`: the contract's JSON (interchange.md), identifiers of the import sheets,
ISO dates, a summary that adds up, and one-line errors on bad arguments."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from bangfu.activities.services import activity_create
from bangfu.activities.tests.factories import build_activity_world

D = datetime.date


@pytest.fixture
def world(world):
    return build_activity_world(world)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("compliance", *args, stdout=out)
    return out.getvalue()


def test_json_follows_the_contract(world):
    program = world.programs["siyige"]
    activity_create(
        actor=world.admin,
        program=program,
        type="谈心",
        date=D(2025, 9, 15),
        pairings=[world.student_pairing],
        values={"theme": "开学", "content": "适应新班级"},
        today=D(2025, 12, 1),
    )
    data = json.loads(_run("--program", program.code, "--as-of", "2025-10-10", "--format", "json"))
    assert set(data) == {"program", "as_of", "obligations", "coverage", "summary"}
    assert data["program"] == program.code and data["as_of"] == "2025-10-10"
    keys = {
        "pairing",
        "helper",
        "beneficiary",
        "rule",
        "start",
        "end",
        "required",
        "done",
        "status",
    }
    assert all(set(o) == keys for o in data["obligations"])
    talks = [o for o in data["obligations"] if o["rule"] == "talk-monthly"]
    assert [(o["start"], o["end"], o["done"], o["status"]) for o in talks] == [
        ("2025-09-01", "2025-09-30", 1, "met"),
        ("2025-10-01", "2025-10-31", 0, "due"),
    ]
    assert talks[0]["helper"] == world.teacher.person.id_number
    assert talks[0]["beneficiary"] == world.student.id_number
    statuses = [o["status"] for o in data["obligations"]]
    assert data["summary"] == {s: statuses.count(s) for s in ("met", "missed", "due")}
    assert all(
        set(c) == {"rule", "subject", "required", "actual", "status"} for c in data["coverage"]
    )


def test_household_and_unit_identifiers(world):
    data = json.loads(
        _run(
            "--program",
            world.programs["jingzhun"].code,
            "--as-of",
            "2025-11-05",
            "--format",
            "json",
        )
    )
    mine = {o["beneficiary"] for o in data["obligations"]}
    assert world.household.code in mine
    units = json.loads(
        _run(
            "--program",
            world.programs["chengxiang"].code,
            "--as-of",
            "2025-11-05",
            "--format",
            "json",
        )
    )
    assert {o["helper"] for o in units["obligations"]} == {world.urban.code}
    assert {o["beneficiary"] for o in units["obligations"]} == {world.rural.code}


def test_text_output_and_bad_arguments(world):
    text = _run("--program", world.programs["kunnan"].code, "--as-of", "2026-03-01")
    assert "春节必访" in text and "截至 2026-03-01" in text
    with pytest.raises(CommandError, match="项目编码 NOPE 不存在"):
        _run("--program", "NOPE", "--as-of", "2026-03-01")
    with pytest.raises(CommandError, match="--as-of"):
        _run("--program", world.programs["kunnan"].code, "--as-of", "明天")
