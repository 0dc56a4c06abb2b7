"""A scheme's definition (考核方案) as data: its indicators, each with a weight, one metric of a
fixed set, a scaling that turns the metric's raw value into 0–100 points, and a direction.
:func:`scheme_problems` names every problem with its place ("indicators[1].scaling.high") in
Chinese, as the program templates' check does (``bangfu.programs.definition``).

Shape::

    {
      "org_kinds": ["village"],                    # optional, unit schemes only
      "indicators": [
        {"code": "compliance", "name": "走访完成率", "weight": 40,
         "metric": "compliance_rate", "direction": "higher",
         "scaling": {"kind": "linear", "low": 60, "high": 100}},
        {"code": "objections", "name": "异议成立", "weight": 10,
         "metric": "objections_upheld", "direction": "lower",
         "scaling": {"kind": "steps", "steps": [[0, 100], [1, 50], [2, 0]]}}
      ]
    }

Weights are positive numbers adding up to 100, so that a score is Σ weight × points / 100 and
lies between 0 and 100. Scalings:

- ``linear``: ``low`` gives 0 points and ``high`` 100 (direction "higher"), in between on a
  straight line, clamped; with direction "lower", ``low`` gives 100 and ``high`` 0;
- ``steps``: ``[[threshold, points], …]`` in increasing thresholds; direction "higher" takes the
  points of the largest threshold ≤ the value (0 below the first), "lower" those of the smallest
  threshold ≥ the value (0 above the last);
- ``percent``: the value itself (a rate in %), clamped to 0–100 (100 − value for "lower").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeGuard

from bangfu.orgs.kinds import OrgKind

SUBJECTS = ("helpers", "units")
PERIODS = ("year", "semester")
DIRECTIONS = ("higher", "lower")
SCALINGS = ("linear", "steps", "percent")
CODE = re.compile(r"[A-Za-z0-9_\-]{1,40}")

# metric code → (Chinese name, unit, subjects it applies to)
METRICS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "compliance_rate": ("规则完成率", "%", SUBJECTS),
    "coverage_rate": ("覆盖率", "%", SUBJECTS),
    "activities_count": ("活动次数", "次", SUBJECTS),
    "household_visits": ("走访户次", "户次", SUBJECTS),
    "person_times": ("帮扶人次", "人次", SUBJECTS),
    "aid_amount_wan": ("发放资金", "万元", SUBJECTS),
    "exits": ("脱贫(脱困)户数", "户", SUBJECTS),
    "objections_upheld": ("公示异议成立数", "件", SUBJECTS),
    "progress_improved": ("成绩进步学生数", "人", SUBJECTS),
    "village_income_growth": ("村农民人均纯收入增长率", "%", ("units",)),
}
SUBJECT_LABELS = {"helpers": "帮扶责任人", "units": "单位"}


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def scheme_problems(data: Any, *, subject: str = "helpers") -> list[str]:
    """Every problem of a scheme definition, each naming where it is; empty means valid."""
    problems: list[str] = []

    def add(where: str, message: str) -> None:
        problems.append(f"{where}: {message}" if where else message)

    if not isinstance(data, dict):
        return ["考核方案定义应为 JSON 对象 ({...})"]
    unknown = sorted(set(data) - {"indicators", "org_kinds"})
    if unknown:
        add("", f"未知的项: {', '.join(unknown)}")
    kinds = data.get("org_kinds", [])
    if not isinstance(kinds, list):
        add("org_kinds", "应为列表")
    else:
        if kinds and subject != "units":
            add("org_kinds", "只适用于单位考核")
        for i, kind in enumerate(kinds):
            if kind not in OrgKind.values:
                add(f"org_kinds[{i}]", f"“{kind}” 不是单位类型, 可选: {', '.join(OrgKind.values)}")
    indicators = data.get("indicators")
    if not isinstance(indicators, list) or not indicators:
        add("indicators", "应为至少含一项指标的列表")
        return problems
    codes: set[str] = set()
    total = Decimal(0)
    for i, item in enumerate(indicators):
        where = f"indicators[{i}]"
        if not isinstance(item, dict):
            add(where, "应为对象")
            continue
        code = item.get("code")
        if not isinstance(code, str) or not CODE.fullmatch(code):
            add(f"{where}.code", "应为 1–40 个字母、数字、“-”或“_”")
        elif code in codes:
            add(f"{where}.code", f"指标编码 “{code}” 重复")
        else:
            codes.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            add(f"{where}.name", "不能为空")
        weight = item.get("weight")
        if not _number(weight) or weight <= 0:
            add(f"{where}.weight", f"应为大于 0 的数, 实际为 {weight!r}")
        else:
            total += Decimal(str(weight))
        metric = item.get("metric")
        if metric not in METRICS:
            add(f"{where}.metric", f"“{metric}” 无效, 可选: {', '.join(METRICS)}")
        elif subject not in METRICS[metric][2]:
            add(f"{where}.metric", f"“{metric}” 只适用于单位考核")
        direction = item.get("direction", "higher")
        if direction not in DIRECTIONS:
            add(f"{where}.direction", f"“{direction}” 无效, 可选: {', '.join(DIRECTIONS)}")
        extra = sorted(
            set(item) - {"code", "name", "weight", "metric", "direction", "scaling", "note"}
        )
        if extra:
            add(where, f"未知的项: {', '.join(extra)}")
        _scaling_problems(item.get("scaling"), f"{where}.scaling", add)
    if total and total != 100 and not problems:
        add("indicators", f"权重合计应为 100, 实际为 {total.normalize():f}")
    return problems


def _scaling_problems(scaling: Any, where: str, add: Any) -> None:
    if not isinstance(scaling, dict):
        add(where, "缺少 (应为对象, 含 kind)")
        return
    kind = scaling.get("kind")
    if kind not in SCALINGS:
        add(f"{where}.kind", f"“{kind}” 无效, 可选: {', '.join(SCALINGS)}")
        return
    if kind == "linear":
        low, high = scaling.get("low"), scaling.get("high")
        for key, value in (("low", low), ("high", high)):
            if not _number(value):
                add(f"{where}.{key}", f"应为数, 实际为 {value!r}")
        if _number(low) and _number(high) and low >= high:
            add(where, f"low ({low}) 应小于 high ({high})")
    elif kind == "steps":
        steps = scaling.get("steps")
        if not isinstance(steps, list) or not steps:
            add(f"{where}.steps", "应为 [[阈值, 分数], …] 的列表")
            return
        last = None
        for j, step in enumerate(steps):
            sw = f"{where}.steps[{j}]"
            if (
                not isinstance(step, list)
                or len(step) != 2
                or not _number(step[0])
                or not _number(step[1])
            ):
                add(sw, "应为 [阈值, 分数]")
                continue
            if not 0 <= step[1] <= 100:
                add(sw, f"分数应在 0 到 100 之间, 实际为 {step[1]}")
            if last is not None and step[0] <= last:
                add(sw, "阈值应逐项增大")
            last = step[0]


def metric_name(metric: str) -> str:
    return METRICS[metric][0] if metric in METRICS else metric


def metric_unit(metric: str) -> str:
    return METRICS[metric][1] if metric in METRICS else ""
