"""Finding a row's unit when the sheet does not give its 所属组织编码 (docs/import-export.md,
"Units from 户码 or place names").

Exports of the national systems (建档立卡, 防返贫监测) carry no unit code of ours: they name the
place, 县 / 乡 / 村 (and 组), or carry a 户码 (人编号) whose first 12 digits are the village's
统计用区划代码, which is the code of a village unit in bangfu (bangfu/orgs/kinds.py). A row's
unit is, in this order:

1. its **所属组织编码**, when filled (the first choice: exact; the names are then only compared
   with it, a mismatch being a warning);
2. the unit whose code is the **first 12 digits of its 户码 / 人编号** (a code of 15 to 20
   digits), then, when a 组 is named, the 组 below that village;
3. the **name path** 县 / 乡 / 村 (组): the unit of the deepest level named, among the units the
   actor administers, whose upper units bear the upper names. Names match loosely where real
   files differ from the registered names (那桐 for 那桐镇, 东信村委会 / 东信村民委员会 for
   东信村, 震东居委会 for 震东社区): such a match is a warning (once per spelling, at its first
   row). An ambiguous name is a row error that lists the candidates with their codes; an unknown
   one lists what the level above holds.

A 组 (村民小组) is a unit when the village has a unit of that name below it (一组, 第一村民小组,
1组 and 浪湾村一组 are the same 组); otherwise the row is placed in the village and the 组 is
reported as a warning (bangfu keeps no 组 that is not a unit).

Usage: a kind adds :data:`PLACE_COLUMNS` to its ``COLUMNS`` (and :data:`CODE_COLUMNS` when it
has no 户编号 column of its own). Its 所属组织编码 column may stay ``required`` (the template
shows it as the first choice): the importer's ``__init__`` calls ``optional_columns(self, "org")``
so that the reader's 缺少必填列 problem gives way to :meth:`Places.prepare`'s own. Then::

    places = Places(self, code_keys=("code",))  # the columns that may hold a 户码
    refs = [places.ref(row) for row in rows]    # no database: safe in read_rows' helper
    places.prepare(refs)                        # the bulk look-ups, a few queries in all
    for row, ref in zip(rows, refs):
        org = places.unit(row, ref)             # None: the row has an error now

:meth:`Places.prepare` records the sheet's own problem when no column says where its rows
belong (no 所属组织编码, no name column and no 户码 in any row); :meth:`Places.unit` then returns
None without a row error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from bangfu.core.parsing import clean_text
from bangfu.core.tree import path_ids
from bangfu.orgs.kinds import OrgKind
from bangfu.orgs.models import Org
from bangfu.transfer.importers import RowError, fetch_in
from bangfu.transfer.reader import Row
from bangfu.transfer.spec import Column

if TYPE_CHECKING:
    from bangfu.transfer.importers import Importer

# -- the columns ---------------------------------------------------------------------------------

PLACE_COLUMNS: tuple[Column, ...] = (
    Column(
        "county",
        "县",
        _lazy("县(市、区) 名称; 未填所属组织编码时, 按 县/乡/村(组) 名称找到单位"),
        synonyms=("县区", "区县", "县市区", "县(区)", "所在县", "所属县", "县名称", "县(市)"),
        standard=False,
        width=12,
    ),
    Column(
        "township",
        "乡",
        _lazy("乡镇(街道) 名称, 如 那桐镇 (也可写 那桐)"),
        synonyms=(
            "乡镇",
            "镇",
            "街道",
            "乡镇街道",
            "所在乡镇",
            "所属乡镇",
            "乡镇名称",
            "乡镇(街道)",
        ),
        standard=False,
        width=12,
    ),
    Column(
        "village",
        "村",
        _lazy("行政村或社区名称, 如 浪湾村 (也可写 浪湾村委会)"),
        synonyms=(
            "行政村",
            "村委会",
            "村(社区)",
            "村社区",
            "村居",
            "社区",
            "所在村",
            "所属村",
            "村名称",
            "行政村名称",
        ),
        standard=False,
        width=12,
    ),
    Column(
        "group",
        "组",
        _lazy("村民小组; 村下登记了该组时记在组, 否则记在村并提示"),
        synonyms=("村民小组", "小组", "村小组", "组别", "所在组", "所属组"),
        standard=False,
        width=10,
    ),
)
"""县 / 乡 / 村 / 组: the name path, as optional columns of a kind."""

CODE_COLUMNS: tuple[Column, ...] = (
    Column(
        "house_code",
        "户码",
        _lazy("国家系统的户码 (户编号): 前 12 位是村的统计用区划代码, 据此找到单位"),
        synonyms=("户编码", "户编号", "家庭编号", "户号"),
        text=True,
        standard=False,
        width=20,
    ),
    Column(
        "person_code",
        "人编号",
        _lazy("国家系统的人编号: 前 12 位是村的统计用区划代码, 据此找到单位"),
        synonyms=("人员编号", "人码", "个人编号"),
        text=True,
        standard=False,
        width=22,
    ),
)
"""户码 and 人编号, for a kind that has no 户编号 column of its own (persons, incomes …)."""

NAME_KEYS = ("county", "township", "village")
CODE_PREFIX = 12  # the village's 统计用区划代码 at the head of a 户码 / 人编号
_CODE = re.compile(r"\d{15,20}")

# The unit kinds each level of a name path may be.
LEVEL_KINDS: dict[str, frozenset[str]] = {
    "county": frozenset({OrgKind.COUNTY, OrgKind.CITY}),
    "township": frozenset({OrgKind.TOWNSHIP}),
    "village": frozenset({OrgKind.VILLAGE, OrgKind.COMMUNITY}),
}
_KIND_LEVEL = {kind: level for level, kinds in LEVEL_KINDS.items() for kind in kinds}
LEVEL_LABELS = {
    "county": _lazy("县"),
    "township": _lazy("乡镇"),
    "village": _lazy("村"),
    "group": _lazy("组"),
}

# Loose names: the endings that real files add or drop (longest first). A village name and a
# community name ("family" v / c) match only each other's family, or a name without an ending.
_ENDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    "county": tuple(
        (e, "")
        for e in (
            "各族自治县",
            "自治县",
            "自治旗",
            "人民政府",
            "县",
            "区",
            "市",
            "旗",
            "特区",
            "林区",
        )
    ),
    "township": tuple(
        (e, "")
        for e in (
            "人民政府",
            "街道办事处",
            "办事处",
            "民族乡",
            "民族镇",
            "街道",
            "苏木",
            "镇",
            "乡",
        )
    ),
    "village": (
        ("社区居民委员会", "c"),
        ("社区居委会", "c"),
        ("居民委员会", "c"),
        ("社区居委", "c"),
        ("居委会", "c"),
        ("社区", "c"),
        ("村民委员会", "v"),
        ("村委会", "v"),
        ("村委", "v"),
        ("村", "v"),
    ),
}
# Registered names a loose name may stand for: the core with each of these endings.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "county": ("", "县", "区", "市", "旗", "自治县", "各族自治县", "自治旗"),
    "township": (
        "",
        "镇",
        "乡",
        "街道",
        "民族乡",
        "苏木",
        "街道办事处",
        "办事处",
        "镇人民政府",
        "乡人民政府",
    ),
    "village": (
        "",
        "村",
        "村委会",
        "村民委员会",
        "社区",
        "居委会",
        "居民委员会",
        "社区居委会",
        "社区居民委员会",
    ),
}
_GROUP_ENDINGS = ("村民小组", "生产队", "小组", "组", "队", "社")
_NUMERALS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
CANDIDATES_SHOWN = 30  # at most this many names in a "可填写" list


def compact(value: object) -> str:
    """A cell as one word: cleaned (half-width, trimmed), without any space."""
    return "".join(clean_text(value).split())


def loose_key(level: str, name: str) -> tuple[str, str]:
    """(family, core) of a place name: the name without the endings that files add or drop
    (那桐镇人民政府 → ("", "那桐"); 东信村委会 → ("v", "东信"); 震东居委会 → ("c", "震东"))."""
    core, family = compact(name), ""
    stripped = True
    while stripped:
        stripped = False
        for ending, tag in _ENDINGS[level]:
            if core.endswith(ending) and len(core) > len(ending):
                core, stripped = core[: -len(ending)], True
                family = family or tag
                break
    return family, core


def _same_place(level: str, a: str, b: str) -> bool:
    """Whether two names of a level name the same place, loosely."""
    (fa, ca), (fb, cb) = loose_key(level, a), loose_key(level, b)
    return ca == cb and (fa == fb or not fa or not fb)


def _variants(level: str, name: str) -> set[str]:
    """The registered names that ``name`` may stand for (for one ``name IN (…)`` query)."""
    _family, core = loose_key(level, name)
    return {compact(name), *(core + ending for ending in _VARIANTS[level])}


def _number(text: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 12 → 12; the text itself when it is no number."""
    if text.isdigit():
        return str(int(text))
    if text and all(c in _NUMERALS or c == "十" for c in text):
        if "十" in text:
            tens, _ten, units = text.partition("十")
            if "十" in units or (tens and tens not in _NUMERALS):
                return text
            value = (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[units] if units else 0)
            return str(value)
        return str(int("".join(str(_NUMERALS[c]) for c in text)))
    return text


def group_key(name: str, village: str = "") -> str:
    """The key of a 组's name: 第一村民小组, 一组, 1组, 01 and 浪湾村一组 (in 浪湾村) are all
    "1"."""
    text = compact(name)
    for prefix in (village, loose_key("village", village)[1]) if village else ():
        if prefix and text.startswith(prefix) and len(text) > len(prefix):
            text = text[len(prefix) :]
            break
    text = text.removeprefix("第")
    for ending in _GROUP_ENDINGS:
        if text.endswith(ending) and len(text) > len(ending):
            text = text[: -len(ending)]
            break
    return _number(text)


class PlaceRef(NamedTuple):
    """What a row says about its unit, as written (compacted): picklable, without the database,
    so that it can be taken in ``Importer.read_rows``' helper process."""

    org: str = ""  # 所属组织编码
    code: str = ""  # a 户码 / 人编号 (the first filled of the code columns)
    code_key: str = ""  # the column the code came from
    county: str = ""
    township: str = ""
    village: str = ""
    group: str = ""

    @property
    def prefix(self) -> str:
        """The village code inside the code, or "" when the code is not a 户码 / 人编号."""
        return self.code[:CODE_PREFIX] if _CODE.fullmatch(self.code) else ""

    @property
    def names(self) -> tuple[str, str, str]:
        return (self.county, self.township, self.village)


def optional_columns(importer: Importer, *keys: str) -> set[str]:
    """Withdraw the reader's "缺少必填列" problems of these columns (call it in the importer's
    ``__init__``, before validation): the importer checks them itself (the unit can come from a
    户码 or the names; a member roster names no head). Returns the keys that were missing."""
    sheet = importer.sheet
    headers = {importer.header(key): key for key in keys}
    missing: set[str] = set()
    kept = []
    for problem in sheet.problems:
        key = headers.get(problem.column)
        if key is not None and problem.message == _("缺少必填列“%s”") % problem.column:
            missing.add(key)
        else:
            kept.append(problem)
    sheet.problems[:] = kept
    return missing


# The outcome of a look-up, kept per distinct place: the unit, the errors (column key, message)
# to record on every row that says the same, and the warnings to record on the first one.
_Outcome = tuple[Org | None, list[tuple[str, str]], list[tuple[str, str]]]


class Places:
    """Finds rows' units from 所属组织编码, a 户码 / 人编号, or a 县/乡/村(组) name path, for one
    importer (see the module's docstring). Errors and warnings go to the importer (``fail``,
    ``warn``); units found are ``touch``-ed for the audit's unit."""

    def __init__(
        self,
        importer: Importer,
        *,
        org_key: str = "org",
        code_keys: Sequence[str] = ("house_code", "person_code"),
    ) -> None:
        self.importer = importer
        sheet = importer.sheet
        self.org_key = org_key
        self.has_org = sheet.has(org_key)
        self.code_keys = tuple(k for k in code_keys if sheet.has(k))
        self.levels = tuple(k for k in NAME_KEYS if sheet.has(k))
        self.has_group = sheet.has("group")
        self.missing = False  # no column (and no 户码) says where the rows belong
        self._named: dict[str, dict[str, list[Org]]] = {level: {} for level in NAME_KEYS}
        self._children: dict[int, list[Org]] = {}  # units below the villages named
        self._listed: dict[tuple[int, str], list[Org]] = {}  # for "可填写" lists
        self._outcomes: dict[tuple[str, ...], _Outcome] = {}
        self._warned: set[tuple[str, ...]] = set()

    # -- reading -------------------------------------------------------------------------------

    def ref(self, row: Row) -> PlaceRef:
        """What ``row`` says about its unit (no database)."""
        values = row.values
        org = compact(values.get(self.org_key)) if self.has_org else ""
        code, code_key = "", ""
        for key in self.code_keys:
            text = compact(values.get(key))
            if text:
                code, code_key = text, key
                break
        county, township, village = (
            compact(values.get(k)) if k in self.levels else "" for k in NAME_KEYS
        )
        group = compact(values.get("group")) if self.has_group else ""
        return PlaceRef(org, code, code_key, county, township, village, group)

    def prepare(self, items: Iterable[Row | PlaceRef]) -> list[PlaceRef]:
        """Look up, in a few queries, every unit the rows (or their refs) may name; returns the
        refs. Records the sheet's problem when nothing says where the rows belong."""
        refs = [i if isinstance(i, PlaceRef) else self.ref(i) for i in items]
        if not self.has_org and not self.levels and not any(r.prefix for r in refs):
            self.missing = bool(refs)
            if refs:
                sheet = self.importer.sheet
                self.importer.errors.append(
                    RowError(sheet.header_row or 1, sheet.header_of(self.org_key), self._missing())
                )
            return refs
        importer = self.importer
        importer.load_orgs({r.org for r in refs} | {r.prefix for r in refs})
        wanted: set[str] = set()
        for ref in refs:
            for level, name in zip(NAME_KEYS, ref.names, strict=True):
                if name:
                    wanted |= _variants(level, name)
        kinds = set().union(*LEVEL_KINDS.values())
        for org in fetch_in(Org.objects.filter(kind__in=kinds), "name", wanted):
            level = _KIND_LEVEL[org.kind]
            self._named[level].setdefault(loose_key(level, org.name)[1], []).append(org)
        if self.has_group and any(r.group for r in refs):
            parents = {o.pk for orgs in self._named["village"].values() for o in orgs}
            parents |= {o.pk for o in importer.orgs.values() if o.code in {r.prefix for r in refs}}
            for child in fetch_in(Org.objects.all(), "parent_id", parents):
                assert child.parent_id is not None
                self._children.setdefault(child.parent_id, []).append(child)
        return refs

    # -- the unit of a row -----------------------------------------------------------------------

    def unit(self, row: Row, ref: PlaceRef | None = None) -> Org | None:
        """The row's unit, active and administered by the actor; None when the row has an error
        (recorded) or the sheet has no column that says (recorded once by :meth:`prepare`)."""
        if self.missing:
            return None
        ref = ref if ref is not None else self.ref(row)
        if ref.org:
            key: tuple[str, ...] = ("org", ref.org, *ref.names)
        else:
            key = ("code", ref.prefix, ref.code_key, *ref.names, ref.group)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcomes[key] = self._find(ref)
        org, errors, warnings = outcome
        for column, message in errors:
            self.importer.fail(row, column, message)
        if warnings and key not in self._warned:
            self._warned.add(key)
            for column, message in warnings:
                self.importer.warn(row, column, message)
        if org is not None:
            self.importer.touch(org)
        return org

    def _find(self, ref: PlaceRef) -> _Outcome:
        errors: list[tuple[str, str]] = []
        warnings: list[tuple[str, str]] = []
        if ref.org:
            org = self.importer.orgs.get(ref.org)
            if org is None:
                header = self.importer.header(self.org_key)  # (as Importer.unit says it)
                errors.append(
                    (
                        self.org_key,
                        _("%(header)s %(code)s 不存在") % {"header": header, "code": ref.org},
                    )
                )
                return None, errors, warnings
            return self._usable(org, self.org_key, errors, warnings, ref, by_code=True)
        if ref.prefix:
            org = self.importer.orgs.get(ref.prefix)
            if org is not None:
                org = self._below(org, ref, warnings)
                return self._usable(org, ref.code_key, errors, warnings, ref, by_code=True)
            if not any(ref.names):
                errors.append(
                    (
                        ref.code_key,
                        _(
                            "%(header)s的前 12 位 %(prefix)s 不是已登记的村 (社区) 的编码; "
                            "请填写所属组织编码, 或 县、乡、村 名称"
                        )
                        % {
                            "header": self.importer.sheet.header_of(ref.code_key),
                            "prefix": ref.prefix,
                        },
                    )
                )
                return None, errors, warnings
            warnings.append(
                (
                    ref.code_key,
                    _("%(header)s的前 12 位 %(prefix)s 不是已登记单位的编码, 按名称找到单位")
                    % {
                        "header": self.importer.sheet.header_of(ref.code_key),
                        "prefix": ref.prefix,
                    },
                )
            )
        if not any(ref.names):
            errors.append(self._nowhere())
            return None, errors, warnings
        org = self._by_names(ref, errors, warnings)
        if org is None:
            return None, errors, warnings
        org = self._below(org, ref, warnings)
        return self._usable(org, self._deepest(ref), errors, warnings, ref, by_code=False)

    def _usable(
        self,
        org: Org,
        key: str,
        errors: list[tuple[str, str]],
        warnings: list[tuple[str, str]],
        ref: PlaceRef,
        *,
        by_code: bool,
    ) -> _Outcome:
        """The unit, when it is active and the actor administers it; for a unit found by code,
        the names the row gives are compared with it (a mismatch is a warning)."""
        if not org.is_active:
            errors.append(
                (key, _("单位“%(name)s”(%(code)s) 已停用") % {"name": org.name, "code": org.code})
            )
            return None, errors, warnings
        if not self.importer.may_admin(org):
            errors.append(
                (
                    key,
                    _("无权导入到单位 %(code)s (%(name)s)") % {"code": org.code, "name": org.name},
                )
            )
            return None, errors, warnings
        if by_code:
            self._compare(org, key, ref, warnings)
        return org, errors, warnings

    # -- names -----------------------------------------------------------------------------------

    def _deepest(self, ref: PlaceRef) -> str:
        for level, name in reversed(list(zip(NAME_KEYS, ref.names, strict=True))):
            if name:
                return level
        return NAME_KEYS[-1]

    def _matches(self, level: str, name: str) -> list[Org]:
        """The units of a level named ``name``, loosely; the exactly named ones when any is."""
        found = [
            o
            for o in self._named[level].get(loose_key(level, name)[1], [])
            if _same_place(level, o.name, name)
        ]
        exact = [o for o in found if compact(o.name) == name]
        return exact or found

    def _by_names(
        self, ref: PlaceRef, errors: list[tuple[str, str]], warnings: list[tuple[str, str]]
    ) -> Org | None:
        """The unit of the deepest level named, under the units the upper names name."""
        levels = [(lv, n) for lv, n in zip(NAME_KEYS, ref.names, strict=True) if n]
        level, name = levels[-1]
        uppers: list[tuple[str, str, list[Org]]] = [
            (lv, n, self._matches(lv, n)) for lv, n in levels[:-1]
        ]
        found = [
            o
            for o in self._matches(level, name)
            if all(any(u.pk in path_ids(o.path) for u in us) for _lv, _n, us in uppers)
        ]
        found.sort(key=lambda o: o.code)
        usable = [o for o in found if o.is_active and self.importer.may_admin(o)]
        if len(usable) > 1:
            shown = "、".join(
                f"{self._parent_name(o)}{o.name} ({o.code})" for o in usable[:CANDIDATES_SHOWN]
            )
            errors.append(
                (
                    level,
                    _("%(level)s“%(name)s”在%(where)s下有 %(n)d 个: %(list)s; 请填写所属组织编码")
                    % {
                        "level": LEVEL_LABELS[level],
                        "name": name,
                        "where": self._where(uppers),
                        "n": len(usable),
                        "list": shown,
                    },
                )
            )
            return None
        if not found:
            errors.append(self._unknown(level, name, uppers))
            return None
        org = usable[0] if usable else found[0]
        for lv, n, us in uppers:
            above = next((u for u in us if u.pk in path_ids(org.path)), None)
            if above is not None and compact(above.name) != n:
                warnings.append((lv, self._loose(lv, n, above)))
        if compact(org.name) != name:
            warnings.append((level, self._loose(level, name, org)))
        return org

    def _unknown(
        self, level: str, name: str, uppers: list[tuple[str, str, list[Org]]]
    ) -> tuple[str, str]:
        """The error for a name that no unit bears: on the upper level when that one is unknown
        already, else listing what the unit above holds."""
        label = LEVEL_LABELS[level]
        parents: list[Org] = []
        for index, (lv, n, us) in enumerate(uppers):
            ids = {p.pk for p in parents}
            under = [u for u in us if not ids or ids & set(path_ids(u.path))] if parents else us
            if not under:
                return self._unknown(lv, n, uppers[:index])
            parents = under
        if len(parents) != 1:
            where = self._where(uppers) if uppers else _("您管理的单位")
            return (
                level,
                _("%(where)s下没有名为“%(name)s”的%(level)s; 请检查名称, 或填写所属组织编码")
                % {"where": where, "name": name, "level": label},
            )
        parent = parents[0]
        children = self._children_of(parent, level)
        names = "、".join(c.name for c in children[:CANDIDATES_SHOWN])
        if len(children) > CANDIDATES_SHOWN:
            names += _(" 等 %d 个") % len(children)
        return (
            level,
            _("%(where)s下没有名为“%(name)s”的%(level)s, 可填写: %(names)s")
            % {"where": parent.name, "name": name, "level": label, "names": names or "—"},
        )

    def _children_of(self, parent: Org, level: str) -> list[Org]:
        """The units of a level directly below ``parent`` (one query per parent, on errors)."""
        key = (parent.pk, level)
        if key not in self._listed:
            children = Org.objects.filter(
                parent=parent, kind__in=LEVEL_KINDS[level], is_active=True
            )
            self._listed[key] = [
                c
                for c in children.order_by("sort_order", "code")
                if self.importer.scope.can_read_org(c)
            ]
        return self._listed[key]

    def _parent_name(self, org: Org) -> str:
        """The name of the unit's parent, from the units already looked up (else "")."""
        for orgs in (*self._named["township"].values(), *self._named["county"].values()):
            for o in orgs:
                if o.pk == org.parent_id:
                    return o.name
        if org.parent_id is None:
            return ""
        parent = Org.objects.filter(pk=org.parent_id).only("name").first()
        return parent.name if parent else ""

    def _where(self, uppers: list[tuple[str, str, list[Org]]]) -> str:
        if not uppers:
            return _("您管理的单位")
        return "".join((us[0].name if len(us) == 1 else n) for _lv, n, us in uppers)

    def _loose(self, level: str, name: str, org: Org) -> str:
        return _("%(level)s“%(name)s”按已登记的“%(registered)s”(%(code)s) 读取") % {
            "level": LEVEL_LABELS[level],
            "name": name,
            "registered": org.name,
            "code": org.code,
        }

    def _compare(self, org: Org, key: str, ref: PlaceRef, warnings: list[tuple[str, str]]) -> None:
        """Names given beside a code must be the unit's or its upper units' (loosely)."""
        ids = set(path_ids(org.path))
        for level, name in zip(NAME_KEYS, ref.names, strict=True):
            if not name:
                continue
            if any(o.pk in ids for o in self._matches(level, name)):
                continue
            warnings.append(
                (
                    level,
                    _(
                        "%(level)s“%(name)s”与%(header)s所指的“%(unit)s”(%(code)s) 不符; "
                        "按%(header)s"
                    )
                    % {
                        "level": LEVEL_LABELS[level],
                        "name": name,
                        "header": self.importer.sheet.header_of(key),
                        "unit": org.name,
                        "code": org.code,
                    },
                )
            )

    def _below(self, org: Org, ref: PlaceRef, warnings: list[tuple[str, str]]) -> Org:
        """The 组 the row names below its village, when it is a unit; else the village (and a
        warning)."""
        if not ref.group:
            return org
        wanted = group_key(ref.group, org.name)
        for child in self._children.get(org.pk, []):
            if compact(child.name) == ref.group or group_key(child.name, org.name) == wanted:
                if compact(child.name) != ref.group:
                    warnings.append(("group", self._loose("group", ref.group, child)))
                return child
        warnings.append(
            (
                "group",
                _("组“%(group)s”不是%(unit)s下登记的单位, 记在%(unit)s (%(code)s)")
                % {"group": ref.group, "unit": org.name, "code": org.code},
            )
        )
        return org

    # -- messages ------------------------------------------------------------------------------

    def _alternatives(self) -> str:
        return _("所属组织编码、户码或人编号 (前 12 位是村的统计用区划代码)、县/乡/村 名称列")

    def _missing(self) -> str:
        return _("缺少“所属组织编码”列: 单位可由 %s 之一确定, 请至少提供其中一种") % (
            self._alternatives()
        )

    def _nowhere(self) -> tuple[str, str]:
        """The error of a row that says nothing about its unit."""
        key = self.org_key if self.has_org else (self.levels[-1] if self.levels else self.org_key)
        given = []
        if self.has_org:
            given.append(self.importer.sheet.header_of(self.org_key))
        if self.levels:
            given.append(_("县、乡、村名称"))
        if self.code_keys:
            given.append(_("户码 (前 12 位为村的区划代码)"))
        return key, _("请填写%s, 以确定所属单位") % _("或").join(str(g) for g in given)
