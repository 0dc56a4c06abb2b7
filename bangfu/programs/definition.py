"""A program template's definition (the data file of a template, or an administrator's own):
who helps whom, activity types and their fields, aid categories, plan measures and targets,
semesters and rules. :func:`definition_problems` checks a definition and names every problem
with its place ("rules[2].period") in Chinese, so that a template can be written without code.

Rule kinds and their fields (the compliance engine evaluates them):
- coverage: ``subject`` "beneficiary" (every beneficiary has ≥ ``min`` active helpers) or
  "helper" (every helper of the pool has ≥ ``min`` beneficiaries and at most its capacity);
- periodic: ≥ ``count`` activities of ``types`` per ``period`` (week, month, quarter, year,
  semester, school_year);
- calendar: an activity of ``types`` in a window around ``occasion`` (元旦, 春节, 五一, 十一, 中秋:
  ``before``/``after`` days) or in a whole ``month``;
- event: an activity of ``types`` within ``within_days`` after a life event of ``events``.
"""

from __future__ import annotations

import re
from typing import Any

PARTY_KINDS = ("person", "household", "unit")
HELPER_KINDS = ("person", "unit")
PERIODS = ("week", "month", "quarter", "year", "semester", "school_year")
PERIOD_LABELS = {
    "week": "周",
    "month": "月",
    "quarter": "季度",
    "year": "年",
    "semester": "学期",
    "school_year": "学年",
}
OCCASIONS = ("元旦", "春节", "五一", "十一", "中秋")
RULE_KINDS = ("coverage", "periodic", "calendar", "event")
FIELD_TYPES = ("text", "textarea", "amount", "count", "date", "measure", "aid_category")
COUNTS = ("households", "persons", "sessions")
LIFE_EVENTS = ("生病住院", "结婚", "丧事", "意外事故", "生育", "退休", "受灾", "失业", "子女升学")
MMDD = re.compile(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])")
CODE = re.compile(r"[A-Za-z0-9_\-\u4e00-\u9fff]{1,40}")


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}" if where else message)


def _text(p: _Problems, data: dict, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            p.add(f"{where}{key}", "不能为空")
        return ""
    if not isinstance(value, str):
        p.add(f"{where}{key}", "应为文字")
        return ""
    return value


def _int(
    p: _Problems, data: dict, key: str, where: str, *, minimum: int = 0, required: bool = True
) -> int | None:
    value = data.get(key)
    if value is None:
        if required:
            p.add(f"{where}{key}", "不能为空")
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        p.add(f"{where}{key}", f"应为不小于 {minimum} 的整数, 实际为 {value!r}")
        return None
    return value


def _choice(p: _Problems, data: dict, key: str, where: str, choices: tuple[str, ...]) -> str:
    value = data.get(key)
    if value not in choices:
        p.add(f"{where}{key}", f"“{value}” 无效, 可选: {', '.join(choices)}")
        return ""
    return str(value)


def _list(p: _Problems, data: dict, key: str, where: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        p.add(f"{where}{key}", "应为列表")
        return []
    return value


def definition_problems(data: Any) -> list[str]:
    """Every problem of a definition, each naming where it is; an empty list means valid."""
    p = _Problems()
    if not isinstance(data, dict):
        return ["模板定义应为 JSON 对象 ({...})"]
    code = _text(p, data, "code", "")
    if code and not CODE.fullmatch(code):
        p.add("code", "只能由字母、数字、汉字、“-”“_”组成, 最长 40 个字符")
    _text(p, data, "name", "")
    for side, kinds in (("helper", HELPER_KINDS), ("beneficiary", PARTY_KINDS)):
        party = data.get(side)
        if not isinstance(party, dict):
            p.add(side, "缺少 (应为对象, 含 kind 和 label)")
            continue
        _choice(p, party, "kind", f"{side}.", kinds)
        _text(p, party, "label", f"{side}.")
    pairing = data.get("pairing", {})
    if not isinstance(pairing, dict):
        p.add("pairing", "应为对象")
        pairing = {}
    for key, minimum in (
        ("helpers_per_beneficiary", 1),
        ("min_per_helper", 0),
        ("max_per_helper", 1),
        ("assign_within_days", 1),
    ):
        _int(p, pairing, key, "pairing.", minimum=minimum)
    low, high = pairing.get("min_per_helper"), pairing.get("max_per_helper")
    if isinstance(low, int) and isinstance(high, int) and low > high:
        p.add("pairing", f"min_per_helper ({low}) 大于 max_per_helper ({high})")

    type_codes: set[str] = set()
    for i, item in enumerate(_list(p, data, "activity_types", "")):
        where = f"activity_types[{i}]."
        if not isinstance(item, dict):
            p.add(where[:-1], "应为对象")
            continue
        tcode = _text(p, item, "code", where)
        if tcode in type_codes:
            p.add(f"{where}code", f"活动类型 “{tcode}” 重复")
        type_codes.add(tcode)
        _text(p, item, "name", where)
        if "counts" in item:
            _choice(p, item, "counts", where, COUNTS)
        keys: set[str] = set()
        for j, field in enumerate(_list(p, item, "fields", where)):
            fw = f"{where}fields[{j}]."
            if not isinstance(field, dict):
                p.add(fw[:-1], "应为对象")
                continue
            key = _text(p, field, "key", fw)
            if key in keys:
                p.add(f"{fw}key", f"字段 “{key}” 重复")
            keys.add(key)
            _text(p, field, "label", fw)
            _choice(p, field, "type", fw, FIELD_TYPES)
        for alias in item.get("aliases", []):
            if not isinstance(alias, str):
                p.add(f"{where}aliases", "应为文字列表")
    if not type_codes:
        p.add("activity_types", "至少需要一种活动类型")
    aliases = {
        a
        for t in data.get("activity_types", [])
        if isinstance(t, dict)
        for a in t.get("aliases", [])
        if isinstance(a, str)
    }
    for key in ("aid_categories", "measure_types"):
        for k, value in enumerate(_list(p, data, key, "")):
            if not isinstance(value, str) or not value:
                p.add(f"{key}[{k}]", "应为非空文字")

    semesters = _list(p, data, "semesters", "")
    for i, sem in enumerate(semesters):
        where = f"semesters[{i}]."
        if not isinstance(sem, dict):
            p.add(where[:-1], "应为对象")
            continue
        _text(p, sem, "name", where)
        for key in ("start", "end"):
            value = sem.get(key)
            if not isinstance(value, str) or not MMDD.fullmatch(value):
                p.add(f"{where}{key}", f"应为 “月-日” 形式, 如 09-01, 实际为 {value!r}")

    def check_types(item: dict, where: str) -> None:
        types = item.get("types")
        if not isinstance(types, list) or not types:
            p.add(f"{where}types", "应列出至少一种活动类型")
            return
        for t in types:
            if t not in type_codes and t not in aliases:
                p.add(f"{where}types", f"活动类型 “{t}” 未在 activity_types 中定义")

    for i, target in enumerate(_list(p, data, "plan_targets", "")):
        where = f"plan_targets[{i}]."
        if not isinstance(target, dict):
            p.add(where[:-1], "应为对象")
            continue
        if target.get("activity") not in type_codes:
            p.add(f"{where}activity", f"活动类型 “{target.get('activity')}” 未定义")
        _int(p, target, "count", where, minimum=1)
        period = _choice(p, target, "per", where, PERIODS)
        if period == "semester" and not semesters:
            p.add(f"{where}per", "按学期计算需要先定义 semesters")

    rule_codes: set[str] = set()
    for i, rule in enumerate(_list(p, data, "rules", "")):
        where = f"rules[{i}]."
        if not isinstance(rule, dict):
            p.add(where[:-1], "应为对象")
            continue
        rcode = _text(p, rule, "code", where)
        if rcode in rule_codes:
            p.add(f"{where}code", f"规则 “{rcode}” 重复")
        rule_codes.add(rcode)
        _text(p, rule, "name", where)
        kind = _choice(p, rule, "kind", where, RULE_KINDS)
        if kind == "coverage":
            _choice(p, rule, "subject", where, ("beneficiary", "helper"))
            _int(p, rule, "min", where, minimum=0)
        elif kind == "periodic":
            check_types(rule, where)
            _int(p, rule, "count", where, minimum=1)
            period = _choice(p, rule, "period", where, PERIODS)
            if period == "semester" and not semesters:
                p.add(f"{where}period", "按学期计算需要先定义 semesters")
        elif kind == "calendar":
            check_types(rule, where)
            if "month" in rule:
                _int(p, rule, "month", where, minimum=1)
                if isinstance(rule.get("month"), int) and rule["month"] > 12:
                    p.add(f"{where}month", "月份应为 1 至 12")
            else:
                _choice(p, rule, "occasion", where, OCCASIONS)
                _int(p, rule, "before", where, minimum=0)
                _int(p, rule, "after", where, minimum=0)
        elif kind == "event":
            check_types(rule, where)
            _int(p, rule, "within_days", where, minimum=0)
            events = rule.get("events")
            if not isinstance(events, list) or not events:
                p.add(f"{where}events", "应列出至少一种事件")
            else:
                for e in events:
                    if e not in LIFE_EVENTS:
                        p.add(f"{where}events", f"事件 “{e}” 无效, 可选: {'、'.join(LIFE_EVENTS)}")
    commitment = data.get("commitment", {})
    if not isinstance(commitment, dict):
        p.add("commitment", "应为对象 (含 helper 和 beneficiary 两段承诺文字)")
    else:
        for side in ("helper", "beneficiary"):
            text = commitment.get(side, "")
            if not isinstance(text, str):
                p.add(f"commitment.{side}", "应为文字")
                continue
            for name in re.findall(r"{(\w*)}", text):
                if name not in ("helper", "beneficiary", "start", "program", "org"):
                    p.add(
                        f"commitment.{side}",
                        f"未知占位符 {{{name}}}; 可用 {{helper}} "
                        "{beneficiary} {start} {program} {org}",
                    )
    return p.items


def rule_label(rule: dict[str, Any]) -> str:
    """A one-line Chinese description of a rule's parameters (for pages)."""
    kind = rule.get("kind")
    types = "、".join(rule.get("types", []))
    if kind == "periodic":
        return (
            f"每{PERIOD_LABELS.get(rule.get('period', ''), '?')}至少 {rule.get('count')} 次 {types}"
        )
    if kind == "calendar":
        if "month" in rule:
            return f"{rule['month']}月内 {types}"
        return (
            f"{rule.get('occasion')}前 {rule.get('before')} 天至后 {rule.get('after')} 天内 {types}"
        )
    if kind == "event":
        return f"{'、'.join(rule.get('events', []))}后 {rule.get('within_days')} 天内 {types}"
    if kind == "coverage":
        who = "每个帮扶对象" if rule.get("subject") == "beneficiary" else "每名帮扶人"
        return f"{who}至少 {rule.get('min')} 个结对"
    return ""
