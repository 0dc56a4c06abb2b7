"""Kinds of organisation unit and where each may stand in the tree.

Places (省/市/县/乡镇/村/社区) carry GB/T 2260 region codes (6 digits down to the county,
9 for a township, 12 for a village as in the statistical division codes); their codes nest, so
that a township's code starts with its county's. Other units use any short code.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县(区)")
    TOWNSHIP = "township", _("乡镇(街道)")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")
    GROUP = "group", _("集团")
    COMPANY = "company", _("公司")
    UNION = "union", _("工会")
    UNION_BRANCH = "union_branch", _("基层分会")
    SCHOOL = "school", _("学校")
    GRADE = "grade", _("年级")
    CLASS = "class", _("班级")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    AGENCY = "agency", _("机关单位")
    PARTY_BRANCH = "party_branch", _("党支部")
    OTHER = "other", _("其他")


K = OrgKind
PLACE_KINDS = {K.PROVINCE, K.CITY, K.COUNTY, K.TOWNSHIP, K.VILLAGE, K.COMMUNITY}
REGIONS = {K.PROVINCE, K.CITY, K.COUNTY, K.TOWNSHIP}
ANY = None  # any parent, or none

# Allowed parent kinds per kind; ``ROOT`` in the set means the unit may stand at the top.
ROOT = "root"
PARENTS: dict[str, set[str] | None] = {
    K.PROVINCE: {ROOT},
    K.CITY: {ROOT, K.PROVINCE},
    K.COUNTY: {ROOT, K.PROVINCE, K.CITY},
    K.TOWNSHIP: {K.COUNTY, K.CITY},
    K.VILLAGE: {K.TOWNSHIP, K.COUNTY},
    K.COMMUNITY: {K.TOWNSHIP, K.COUNTY, K.CITY},
    K.GROUP: {ROOT, *REGIONS, K.AGENCY},
    K.COMPANY: {ROOT, *REGIONS, K.GROUP, K.AGENCY},
    K.UNION: {ROOT, *REGIONS, K.GROUP, K.COMPANY, K.AGENCY, K.SCHOOL},
    K.UNION_BRANCH: {K.UNION, K.GROUP, K.COMPANY, K.UNION_BRANCH},
    K.SCHOOL: {ROOT, *REGIONS, K.AGENCY},
    K.GRADE: {K.SCHOOL},
    K.CLASS: {K.GRADE, K.SCHOOL},
    K.KINDERGARTEN: {ROOT, *REGIONS, K.AGENCY, K.SCHOOL},
    K.AGENCY: ANY,
    K.PARTY_BRANCH: ANY,
    K.OTHER: ANY,
}

# The kind a new unit most likely has, given its parent's kind (the form's first suggestion).
CHILD_DEFAULT: dict[str, str] = {
    K.PROVINCE: K.CITY,
    K.CITY: K.COUNTY,
    K.COUNTY: K.TOWNSHIP,
    K.TOWNSHIP: K.VILLAGE,
    K.GROUP: K.COMPANY,
    K.COMPANY: K.UNION,
    K.UNION: K.UNION_BRANCH,
    K.SCHOOL: K.GRADE,
    K.GRADE: K.CLASS,
}

# GB/T 2260 code shape per place kind: (pattern, description)
_CODE_SHAPES: dict[str, tuple[str, Any]] = {
    K.PROVINCE: (r"\d{2}0000", _("6 位数字, 以 0000 结尾")),
    K.CITY: (r"\d{4}00", _("6 位数字, 以 00 结尾")),
    K.COUNTY: (r"\d{6}", _("6 位数字")),
    K.TOWNSHIP: (r"\d{9}", _("9 位数字")),
    K.VILLAGE: (r"\d{12}", _("12 位数字")),
    K.COMMUNITY: (r"\d{12}", _("12 位数字")),
}
_FREE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")


def kind_label(kind: str) -> str:
    return str(OrgKind(kind).label)


def kind_from_label(text: str) -> str | None:
    """Map a kind's Chinese (or internal) name to its value, as an import sheet's 类型 gives it."""
    text = text.strip()
    for value, label in OrgKind.choices:
        if text in (value, str(label)):
            return value
    aliases = {
        "县": K.COUNTY,
        "区": K.COUNTY,
        "乡": K.TOWNSHIP,
        "镇": K.TOWNSHIP,
        "街道": K.TOWNSHIP,
        "乡镇": K.TOWNSHIP,
        "机关": K.AGENCY,
        "单位": K.AGENCY,
        "分会": K.UNION_BRANCH,
        "班": K.CLASS,
        "行政村": K.VILLAGE,
    }
    return aliases.get(text)


def significant_prefix(kind: str, code: str) -> str:
    """The part of a place code that its children's codes must start with."""
    if kind == K.PROVINCE:
        return code[:2]
    if kind == K.CITY:
        return code[:4]
    if kind == K.COUNTY:
        return code[:6]
    if kind == K.TOWNSHIP:
        return code[:9]
    return code


def code_problem(kind: str, code: str) -> str | None:
    """Why ``code`` cannot be the code of a unit of ``kind``, or None when it can."""
    shape = _CODE_SHAPES.get(kind)
    if shape is not None:
        pattern, description = shape
        if not re.fullmatch(pattern, code):
            return str(
                _("“%(kind)s”的编码应为区划代码 (GB/T 2260): %(shape)s")
                % {"kind": kind_label(kind), "shape": description}
            )
        return None
    if not _FREE_CODE.fullmatch(code):
        return str(_("编码只能由字母、数字、“_”、“-”、“.”组成, 最长 32 位"))
    return None


def parent_problem(kind: str, parent_kind: str | None) -> str | None:
    """Why a unit of ``kind`` cannot stand under ``parent_kind`` (None: at the top)."""
    allowed = PARENTS[kind]
    if allowed is ANY:
        return None
    key = parent_kind or ROOT
    if key in allowed:
        return None
    names = "、".join(kind_label(k) for k in allowed if k != ROOT)
    if parent_kind is None:
        return str(
            _("“%(kind)s”不能作为顶级单位, 应设在%(names)s之下")
            % {"kind": kind_label(kind), "names": names}
        )
    return str(
        _("“%(kind)s”不能设在“%(parent)s”之下, 应设在%(names)s之下")
        % {"kind": kind_label(kind), "parent": kind_label(parent_kind), "names": names or "—"}
    )
