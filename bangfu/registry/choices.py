"""The registry's vocabularies, named as the national system and the union platform name them.

Values are stable English keys; labels are the Chinese names that appear on screens and in the
import sheets (interchange: 状态 and the like take the Chinese names).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class Schooling(models.TextChoices):
    """在校生状况."""

    PRESCHOOL_AGE = "preschool_age", _("学龄前儿童")
    KINDERGARTEN = "kindergarten", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("高职高专")
    UNIVERSITY = "university", _("本科及以上")
    DROPOUT = "dropout", _("辍学")
    NOT_IN_SCHOOL = "not_in_school", _("非在校生")


IN_SCHOOL = {
    Schooling.KINDERGARTEN,
    Schooling.PRIMARY,
    Schooling.JUNIOR,
    Schooling.SENIOR,
    Schooling.VOCATIONAL,
    Schooling.COLLEGE,
    Schooling.UNIVERSITY,
}


class Labour(models.TextChoices):
    """劳动能力."""

    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


HAS_LABOUR = {Labour.ORDINARY, Labour.SKILLED, Labour.WEAK}


class Employment(models.TextChoices):
    """务工状况."""

    TOWNSHIP = "township", _("乡镇内务工")
    COUNTY = "county", _("乡镇外县内务工")
    PROVINCE = "province", _("县外省内务工")
    OUT_OF_PROVINCE = "out_of_province", _("省外务工")
    FLEXIBLE = "flexible", _("灵活就业")
    EMPLOYED = "employed", _("在职职工")
    UNEMPLOYED = "unemployed", _("失业")
    NONE = "none", _("未务工")


class Relation(models.TextChoices):
    """与户主关系."""

    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    SON_IN_LAW = "son_in_law", _("之女婿")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    GRANDFATHER = "grandfather", _("之祖父")
    GRANDMOTHER = "grandmother", _("之祖母")
    SIBLING = "sibling", _("之兄弟姐妹")
    OTHER = "other", _("其他")


CHILD_RELATIONS = {Relation.SON, Relation.DAUGHTER}
GRANDCHILD_RELATIONS = {Relation.GRANDSON, Relation.GRANDDAUGHTER}
PARENT_RELATIONS = {Relation.FATHER, Relation.MOTHER}


class Cause(models.TextChoices):
    """致贫原因 (households) and 致困原因 (workers in difficulty)."""

    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    NO_LAND = "no_land", _("缺土地")
    NO_WATER = "no_water", _("缺水")
    NO_SKILLS = "no_skills", _("缺技术")
    NO_LABOUR = "no_labour", _("缺劳动力")
    NO_CAPITAL = "no_capital", _("缺资金")
    TRANSPORT = "transport", _("交通条件落后")
    NO_DRIVE = "no_drive", _("自身发展动力不足")
    # The union's causes of difficulty
    AGE = "age", _("年老体弱")
    DEPENDANTS = "dependants", _("赡养人口多")
    TUITION = "tuition", _("子女就学负担重")
    UNEMPLOYMENT = "unemployment", _("下岗失业")
    SINGLE_PARENT = "single_parent", _("单亲家庭")
    ACCIDENT = "accident", _("意外事故")
    OTHER = "other", _("其他")


class Difficulty(models.TextChoices):
    """困难程度."""

    GENERAL = "general", _("一般困难")
    RELATIVE = "relative", _("相对困难")
    DEEP = "deep", _("深度困难")


class Status(models.TextChoices):
    """Beneficiary status (动态管理)."""

    IDENTIFIED = "identified", _("新识别")
    ASSISTING = "assisting", _("帮扶中")
    PROPOSED_EXIT = "proposed_exit", _("拟脱贫")
    EXITED = "exited", _("脱贫")
    REMOVED = "removed", _("剔除")
    RETURNED = "returned", _("返贫")
    RELIEVED = "relieved", _("解困")
    OUT_OF_DIFFICULTY = "out_of_difficulty", _("脱困")


# Which status may follow which. A first entry must be 新识别 (or 帮扶中 for a registry taken
# over from another system); 剔除 (removed at a 回头看 review) can happen from any live status.
TRANSITIONS: dict[str | None, set[str]] = {
    None: {Status.IDENTIFIED, Status.ASSISTING},
    Status.IDENTIFIED: {Status.ASSISTING, Status.REMOVED},
    Status.ASSISTING: {Status.PROPOSED_EXIT, Status.RELIEVED, Status.REMOVED},
    Status.PROPOSED_EXIT: {Status.EXITED, Status.ASSISTING, Status.REMOVED},
    Status.EXITED: {Status.RETURNED, Status.REMOVED},
    Status.RETURNED: {Status.ASSISTING, Status.PROPOSED_EXIT, Status.REMOVED},
    Status.REMOVED: {Status.IDENTIFIED},
    Status.RELIEVED: {Status.OUT_OF_DIFFICULTY, Status.ASSISTING, Status.REMOVED},
    Status.OUT_OF_DIFFICULTY: {Status.RETURNED, Status.REMOVED},
}

# Still poor / in difficulty (未脱贫): counted as "not exited" in the reports.
NOT_EXITED = {
    Status.IDENTIFIED,
    Status.ASSISTING,
    Status.PROPOSED_EXIT,
    Status.RETURNED,
    Status.RELIEVED,
}


class Indicator(models.TextChoices):
    """Yearly indicators of a unit beneficiary (a village, a school, a kindergarten)."""

    AGRI_INCOME = "agri_income", _("农业总收入(万元)")
    PER_CAPITA_INCOME = "per_capita_income", _("农民人均纯收入(元)")
    COLLECTIVE_INCOME = "collective_income", _("村级集体经济收入(万元)")
    TEACHERS = "teachers", _("教师数")
    PUPILS = "pupils", _("学生数")


DEFAULT_TAGS = [
    "党员",
    "教师",
    "留守儿童",
    "孤儿",
    "残疾",
    "单亲家庭",
    "低保",
    "特困",
    "五保",
    "残疾人家庭",
    "建档立卡",
    "困难职工",
    "退役军人",
]
