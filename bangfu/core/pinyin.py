"""Pinyin keys for search ("zhangsan", "zs") and sort, for units and for people's names.

pypinyin reads each character by its most common reading, which is wrong for many surnames (单 is
"shan" as a surname, not "dan"). For people's names the surname is read from the table below
first: compound surnames, then single ones whose surname reading differs from the common one.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

COMPOUND_SURNAMES = {
    "万俟": ["mo", "qi"],
    "尉迟": ["yu", "chi"],
    "单于": ["chan", "yu"],
    "澹台": ["tan", "tai"],
    "长孙": ["zhang", "sun"],
    "乐正": ["yue", "zheng"],
    "欧阳": ["ou", "yang"],
    "司马": ["si", "ma"],
    "上官": ["shang", "guan"],
    "诸葛": ["zhu", "ge"],
    "令狐": ["ling", "hu"],
    "皇甫": ["huang", "fu"],
    "公孙": ["gong", "sun"],
    "慕容": ["mu", "rong"],
    "东方": ["dong", "fang"],
    "夏侯": ["xia", "hou"],
    "宇文": ["yu", "wen"],
}
SURNAMES = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "缪": "miao",
    "翟": "zhai",
    "瞿": "qu",
    "秘": "bi",
    "冼": "xian",
    "华": "hua",
    "过": "guo",
    "纪": "ji",
    "燕": "yan",
    "种": "chong",
    "繁": "po",
    "重": "chong",
    "折": "she",
    "那": "na",
    "难": "nan",
    "藏": "zang",
    "都": "du",
    "六": "lu",
    "薄": "bo",
    "贾": "jia",
    "居": "ju",
    "盛": "sheng",
    "柏": "bai",
    "牟": "mou",
    "乐": "yue",
    "阚": "kan",
    "宿": "su",
    "卜": "bu",
    "尉": "wei",
    "员": "yun",
    "殷": "yin",
    "沈": "shen",
    "任": "ren",
    "万": "wan",
    "车": "che",
    "召": "shao",
    "隗": "wei",
    "句": "gou",
    "阿": "a",
    "能": "nai",
}


def _syllables(text: str, *, person_name: bool) -> list[str]:
    head: list[str] = []
    rest = text
    if person_name:
        if text[:2] in COMPOUND_SURNAMES:
            head, rest = list(COMPOUND_SURNAMES[text[:2]]), text[2:]
        elif text[:1] in SURNAMES:
            head, rest = [SURNAMES[text[0]]], text[1:]
    body = lazy_pinyin(rest, style=Style.NORMAL, errors="default", v_to_u=False) if rest else []
    return [s.lower() for s in head + body if s.strip()]


@lru_cache(maxsize=4096)
def pinyin_key(text: str, *, person_name: bool = False) -> str:
    """``"zhangsan zs"`` for 张三: the full pinyin and the initials, to search with icontains."""
    text = "".join(text.split())
    if not text:
        return ""
    syllables = _syllables(text, person_name=person_name)
    full = "".join(syllables)
    initials = "".join(s[0] for s in syllables if s)
    return f"{full} {initials}"


def pinyin_sort_key(text: str, *, person_name: bool = False) -> str:
    """A key that sorts names as a Chinese roster is sorted (by pinyin, syllable by syllable)."""
    return " ".join(_syllables("".join(text.split()), person_name=person_name))
