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
    """与户主关系, after GB/T 4761-2008 (家庭关系代码) as the national systems list it.

    The first fourteen values are the registry's original ones; the rest complete the
    national list (之外孙女, 之兄弟媳妇 …). Other words for them are aliases of the import sheets
    (docs/import-export.md, "Vocabularies")."""

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
    GRANDSON_M = "grandson_m", _("之外孙子")
    GRANDDAUGHTER_M = "granddaughter_m", _("之外孙女")
    GRANDDAUGHTER_IN_LAW = "gdaughter_in_law", _("之孙媳妇")
    GRANDSON_IN_LAW = "gson_in_law", _("之孙女婿")
    GREAT_GRANDSON = "great_grandson", _("之曾孙子")
    GREAT_GRANDDAUGHTER = "great_gdaughter", _("之曾孙女")
    HUSBAND_FATHER = "husband_father", _("之公公")
    HUSBAND_MOTHER = "husband_mother", _("之婆婆")
    WIFE_FATHER = "wife_father", _("之岳父")
    WIFE_MOTHER = "wife_mother", _("之岳母")
    STEPFATHER = "stepfather", _("之继父或养父")
    STEPMOTHER = "stepmother", _("之继母或养母")
    GRANDFATHER_M = "grandfather_m", _("之外祖父")
    GRANDMOTHER_M = "grandmother_m", _("之外祖母")
    GREAT_GRANDFATHER = "great_gfather", _("之曾祖父")
    GREAT_GRANDMOTHER = "great_gmother", _("之曾祖母")
    BROTHER = "brother", _("之兄弟")
    SISTER = "sister", _("之姐妹")
    SISTER_IN_LAW = "sister_in_law", _("之兄弟媳妇")
    BROTHER_IN_LAW = "brother_in_law", _("之姐妹夫")
    NEPHEW = "nephew", _("之侄子")
    NIECE = "niece", _("之侄女")
    NEPHEW_M = "nephew_m", _("之外甥")
    NIECE_M = "niece_m", _("之外甥女")


_MALE_RELATIONS = {
    Relation.SON,
    Relation.SON_IN_LAW,
    Relation.GRANDSON,
    Relation.GRANDSON_M,
    Relation.GRANDSON_IN_LAW,
    Relation.GREAT_GRANDSON,
    Relation.FATHER,
    Relation.HUSBAND_FATHER,
    Relation.WIFE_FATHER,
    Relation.STEPFATHER,
    Relation.GRANDFATHER,
    Relation.GRANDFATHER_M,
    Relation.GREAT_GRANDFATHER,
    Relation.BROTHER,
    Relation.BROTHER_IN_LAW,
    Relation.NEPHEW,
    Relation.NEPHEW_M,
}
_FEMALE_RELATIONS = {
    Relation.DAUGHTER,
    Relation.DAUGHTER_IN_LAW,
    Relation.GRANDDAUGHTER,
    Relation.GRANDDAUGHTER_M,
    Relation.GRANDDAUGHTER_IN_LAW,
    Relation.GREAT_GRANDDAUGHTER,
    Relation.MOTHER,
    Relation.HUSBAND_MOTHER,
    Relation.WIFE_MOTHER,
    Relation.STEPMOTHER,
    Relation.GRANDMOTHER,
    Relation.GRANDMOTHER_M,
    Relation.GREAT_GRANDMOTHER,
    Relation.SISTER,
    Relation.SISTER_IN_LAW,
    Relation.NIECE,
    Relation.NIECE_M,
}
# The sex a relation implies ("M"/"F"); 户主, 配偶, 之兄弟姐妹 and 其他 imply none.
RELATION_SEX: dict[str, str] = {
    **{str(r): "M" for r in _MALE_RELATIONS},
    **{str(r): "F" for r in _FEMALE_RELATIONS},
}

CHILD_RELATIONS = {Relation.SON, Relation.DAUGHTER}
GRANDCHILD_RELATIONS = {
    Relation.GRANDSON,
    Relation.GRANDDAUGHTER,
    Relation.GRANDSON_M,
    Relation.GRANDDAUGHTER_M,
}
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


class Education(models.TextChoices):
    """文化程度, as the national poverty-alleviation system lists it."""

    PRESCHOOL = "preschool", _("学龄前儿童")
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专及以上")


class DocumentType(models.TextChoices):
    """证件类型: the document whose number is a person's ``id_number`` (empty: 居民身份证)."""

    RESIDENT = "resident", _("居民身份证")
    HOUSEHOLD_BOOK = "household_book", _("户口簿")
    DISABILITY_CARD = "disability_card", _("残疾人证")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")


class DisabilityCategory(models.IntegerChoices):
    """残疾类别 (GB/T 26341-2010), the 19th digit of a 20-digit 残疾人证号."""

    VISION = 1, _("视力残疾")
    HEARING = 2, _("听力残疾")
    SPEECH = 3, _("言语残疾")
    PHYSICAL = 4, _("肢体残疾")
    INTELLECTUAL = 5, _("智力残疾")
    MENTAL = 6, _("精神残疾")
    MULTIPLE = 7, _("多重残疾")


class DisabilityLevel(models.IntegerChoices):
    """残疾等级 (GB/T 26341-2010), the 20th digit of a 20-digit 残疾人证号."""

    FIRST = 1, _("一级")
    SECOND = 2, _("二级")
    THIRD = 3, _("三级")
    FOURTH = 4, _("四级")


class DatePrecision(models.TextChoices):
    """How much of a stored date is known: the national exports often give only a year (2014)
    or a month (201410). The date is stored as the first day of that year or month."""

    DAY = "day", _("日")
    MONTH = "month", _("月")
    YEAR = "year", _("年")


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
