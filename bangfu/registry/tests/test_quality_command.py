"""`bangfu quality`: the checks on a subtree from the command line, with the JSON contract of
docs/cli.md (``{"org", "findings": [{"check", "title", "kind", "key", "name", "message"}]}``),
the readable table, the actor's scope, and one-line refusals of bad arguments."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bangfu.registry.models import Helper, Household, Member, Person
from bangfu.registry.quality import CHECKS
from bangfu.registry.tests.factories import make_id_number

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = "2026-06-15"


def run(*args: str) -> str:
    out = StringIO()
    call_command("quality", *args, "--as-of", AS_OF, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> dict[str, Any]:
    return json.loads(run(*args, "--format", "json"))


def person(org: Any, name: str, birth: datetime.date, sex: str = "M", **fields: Any) -> Person:
    number = fields.pop("id_number", None)
    if number is None:
        number = make_id_number(birth, sex=sex, region=org.code[:6], seq=len(name) + birth.day)
    return Person.objects.create(
        org=org, name=name, id_number=number, sex=sex, birth_date=birth, **fields
    )


def household(org: Any, code: str, *members: tuple[Person, str]) -> Household:
    h = Household.objects.create(org=org, code=code, head=members[0][0] if members else None)
    for p, relation in members:
        Member.objects.create(household=h, person=p, relation=relation)
    return h


@pytest.fixture
def data(world) -> dict[str, Any]:
    """A family in 甲村 with a son registered as female (M011) and a ten-year-old pupil working
    out of the province (P021); an empty household (H001) in 乙镇, the other county."""
    head = person(world.a1v, "王大", D(1980, 3, 1), labour="ordinary", health="healthy")
    son = person(world.a1v, "王小", D(2015, 9, 1), sex="F", schooling="primary")
    pupil = person(
        world.a1v,
        "王二",
        D(2016, 2, 3),
        schooling="primary",
        employment="out_of_province",
        labour="none",
    )
    home = household(world.a1v, "4501231002010001", (head, "head"), (son, "son"), (pupil, "son"))
    empty = household(world.b1, "4501241000000009")
    return {"head": head, "son": son, "pupil": pupil, "home": home, "empty": empty}


def test_json_lists_the_findings_of_the_subtree_with_their_keys(data, world):
    result = run_json("--org", "450123", "--check", "M011", "P021", "H001")
    assert result["org"] == "450123"
    assert result["findings"] == [
        {
            "check": "P021",
            "title": "在校生外出务工",
            "kind": "person",
            "key": data["pupil"].id_number,
            "name": "王二",
            "message": "王二 在校生状况为“小学”, 务工状况却为“省外务工”",
        },
        {
            "check": "M011",
            "title": "与户主关系与性别不符",
            "kind": "member",
            "key": data["son"].id_number,
            "name": "王小",
            "message": "户 4501231002010001: 王小 与户主关系为“之子”, 性别却登记为女",
        },
    ]  # the empty household is in 乙县, outside 450123


def test_without_org_everything_is_checked_and_households_are_keyed_by_their_code(data):
    result = run_json("--check", "H001")
    assert result["org"] is None
    assert result["findings"] == [
        {
            "check": "H001",
            "title": "户无家庭成员",
            "kind": "household",
            "key": "4501241000000009",
            "name": "",
            "message": "户 4501241000000009 没有任何家庭成员",
        }
    ]


def test_all_checks_run_by_default_and_helpers_are_keyed_by_their_id_number(data, world):
    cadre = person(world.a1, "李干部", D(1985, 1, 1), phone="")
    Helper.objects.create(person=cadre, org=world.a1)
    result = run_json("--org", "450123")
    codes = {f["check"] for f in result["findings"]}
    assert {"M011", "P021", "B002"} <= codes
    helper = next(f for f in result["findings"] if f["check"] == "B002")
    assert (helper["kind"], helper["key"], helper["name"]) == ("helper", cadre.id_number, "李干部")
    # Findings come in declaration order (P… before M… before B…).
    order = [f["check"] for f in result["findings"]]
    assert order.index("P021") < order.index("M011") < order.index("B002")


def test_no_findings_is_still_success(world):
    assert run_json("--org", "450124100") == {"org": "450124100", "findings": []}


def test_check_codes_may_be_repeated_comma_separated_and_lower_case(data):
    result = run_json("--check", "m011,p021", "--check", "H001")
    assert sorted(f["check"] for f in result["findings"]) == ["H001", "M011", "P021"]


def test_text_output_counts_then_lists(data):
    text = run("--org", "450123", "--check", "M011", "P021", "H001")
    lines = text.splitlines()
    assert (
        lines[0] == "数据质量检查 (450123 甲县, 2026-06-15): 共 2 个问题 (错误 2, 警告 0, 提示 0)"
    )
    assert "P021\t在校生外出务工\t错误\t1" in lines
    assert "M011\t与户主关系与性别不符\t错误\t1" in lines
    assert "H001\t户无家庭成员\t错误\t0" in lines
    assert lines.index("H001\t户无家庭成员\t错误\t0") < lines.index(
        "检查\t身份证号/户编号/编码\t姓名\t问题"
    )
    assert (
        f"P021\t{data['pupil'].id_number}\t王二\t王二 在校生状况为“小学”, 务工状况却为“省外务工”"
        in lines
    )


def test_a_users_scope_applies_and_id_numbers_are_masked_where_they_may_not_be_seen(data, world):
    # 督查员 reads 甲县 but may not reveal numbers.
    result = run_json("--user", "inspector", "--check", "P021", "H001")
    assert [f["check"] for f in result["findings"]] == ["P021"]  # 乙县's household unseen
    number = data["pupil"].id_number
    assert result["findings"][0]["key"] == number[:4] + "*" * 10 + number[-4:]
    # 甲县's administrator may reveal them.
    result = run_json("--user", "unitadmin", "--check", "P021")
    assert result["findings"][0]["key"] == number


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "999999"], "--org: 单位编码 999999 不存在"),
        (["--check", "P001", "Z999"], "--check: 未知的检查编码 Z999; 可选: P001, P002"),
        (["--check", ","], "--check: 没有给出检查编码"),
        (["--as-of", "明天"], "--as-of: "),
        (["--user", "nobody"], "用户 nobody 不存在或已停用"),
    ],
)
def test_bad_arguments_stop_with_one_chinese_line(world, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("quality", *args, stdout=StringIO())
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)
    assert exc.value.returncode != 0


def test_an_org_outside_the_users_scope_is_unknown(world):
    with pytest.raises(CommandError, match="--org: 单位编码 450123 不存在"):
        call_command("quality", "--user", "outsider", "--org", "450123", stdout=StringIO())


def test_exit_status_through_the_bangfu_program(world, tmp_path, monkeypatch):
    """bangfu's own entry point: 0 with findings, non-zero and one line for a bad code."""
    from bangfu.cli import main

    out = StringIO()
    monkeypatch.setattr("sys.stdout", out)
    assert main(["quality", "--check", "H001", "--format", "json", "--skip-checks"]) == 0
    assert json.loads(out.getvalue()) == {"org": None, "findings": []}
    err = StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with pytest.raises(SystemExit) as exc:
        main(["quality", "--check", "Q123", "--skip-checks"])
    assert exc.value.code != 0
    assert err.getvalue().strip().splitlines() == [
        "CommandError: --check: 未知的检查编码 Q123; 可选: " + ", ".join(d.code for d in CHECKS)
    ]
