"""The scheme definition check: a valid scheme passes; every problem is named by its place."""

from __future__ import annotations

import copy

from bangfu.assessment.definition import scheme_problems
from bangfu.assessment.tests.factories import HELPER_SCHEME


def test_valid_scheme_has_no_problems():
    assert scheme_problems(HELPER_SCHEME, subject="helpers") == []


def test_problems_are_named_by_place():
    data = copy.deepcopy(HELPER_SCHEME)
    data["indicators"][0]["metric"] = "online_time"
    data["indicators"][1]["weight"] = 0
    data["indicators"][2]["scaling"] = {"kind": "steps", "steps": [[1, 80], [0, 10]]}
    data["indicators"][3]["scaling"] = {"kind": "linear", "low": 5, "high": 5}
    data["indicators"][3]["code"] = "visits"
    problems = scheme_problems(data, subject="helpers")
    assert any(p.startswith("indicators[0].metric: “online_time” 无效") for p in problems)
    assert "indicators[1].weight: 应为大于 0 的数, 实际为 0" in problems
    assert "indicators[2].scaling.steps[1]: 阈值应逐项增大" in problems
    assert "indicators[3].scaling: low (5) 应小于 high (5)" in problems
    assert "indicators[3].code: 指标编码 “visits” 重复" in problems


def test_weights_add_up_to_100():
    data = copy.deepcopy(HELPER_SCHEME)
    data["indicators"][0]["weight"] = 30
    assert scheme_problems(data) == ["indicators: 权重合计应为 100, 实际为 90"]


def test_unit_only_metrics_and_kinds():
    data = {
        "org_kinds": ["village", "planet"],
        "indicators": [
            {
                "code": "growth",
                "name": "收入增长",
                "weight": 100,
                "metric": "village_income_growth",
                "scaling": {"kind": "percent"},
            }
        ],
    }
    problems = scheme_problems(data, subject="helpers")
    assert "org_kinds: 只适用于单位考核" in problems
    assert any(p.startswith("org_kinds[1]: “planet” 不是单位类型") for p in problems)
    assert "indicators[0].metric: “village_income_growth” 只适用于单位考核" in problems
    data["org_kinds"] = ["village"]
    assert scheme_problems(data, subject="units") == []
    assert scheme_problems([], subject="units") == ["考核方案定义应为 JSON 对象 ({...})"]
