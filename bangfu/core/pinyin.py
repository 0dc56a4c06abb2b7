"""Pinyin keys for search ("zhangsan", "zs") and sort, for units and for people's names.

pypinyin reads each character by its most common reading, which is wrong for many surnames (单 is
"shan" as a surname, not "dan"). For people's names the surname is read from the table below
first: compound surnames, then single ones whose surname reading differs from the common one.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS

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
    """The lowercase syllables of ``text`` (whitespace already removed), surname first."""
    head: tuple[str, ...] = ()
    rest = text
    if person_name:
        if text[:2] in COMPOUND_SURNAMES:
            head, rest = tuple(COMPOUND_SURNAMES[text[:2]]), text[2:]
        elif text[:1] in SURNAMES:
            head, rest = (SURNAMES[text[0]],), text[1:]
    return [*head, *_body(rest)] if rest else list(head)


# -- the body of a text, as ``lazy_pinyin(text, style=Style.NORMAL)`` reads it, cached ----------
#
# pypinyin splits a text into runs of Chinese characters and runs of other characters. A run of
# other characters comes back whole, as one item ("John", "·", "2"). A Chinese run is cut into the
# phrases of its phrase dictionary (PHRASES_DICT), read as phrases, and single characters, each
# read by its own most common reading, whatever its neighbours. So a Chinese run none of whose
# substrings of two or more characters is a phrase reads exactly as its characters one by one:
# those are read from a per-character cache (names use a few thousand characters). A run that
# holds a phrase is read by pypinyin as a whole (cached by run). The results are those of
# ``lazy_pinyin`` itself, lower-cased, without items that are only spaces (tested against it).

_CHARS: dict[str, str | None] = {}  # character → its syllable (lower case), None: not Chinese
_ODD: set[str] = set()  # Chinese characters pypinyin does not read as one item: read whole


def _char(char: str) -> str | None:
    try:
        return _CHARS[char]
    except KeyError:
        pass
    syllable: str | None = None
    if RE_HANS.match(char):
        items = lazy_pinyin(char, style=Style.NORMAL, errors="default", v_to_u=False)
        syllable = items[0].lower() if len(items) == 1 else ""
        if len(items) != 1:
            _ODD.add(char)
    _CHARS[char] = syllable
    return syllable


@lru_cache(maxsize=65536)
def _whole(run: str) -> tuple[str, ...]:
    """A Chinese run as pypinyin reads it (it holds a phrase, or an odd character)."""
    items = lazy_pinyin(run, style=Style.NORMAL, errors="default", v_to_u=False)
    return tuple(s.lower() for s in items if s.strip())


_SHORT_RUN = 4  # a longer run (a unit's name, not a person's) is read whole without looking


def _has_phrase(run: str) -> bool:
    """Whether a substring of two or more characters of ``run`` is in the phrase dictionary."""
    n = len(run)
    if n == 2:
        return run in PHRASES_DICT
    if n == 3:  # (a name of three characters: the usual case, spelt out)
        return run[:2] in PHRASES_DICT or run[1:] in PHRASES_DICT or run in PHRASES_DICT
    return any(run[i:j] in PHRASES_DICT for i in range(n - 1) for j in range(i + 2, n + 1))


def _body(text: str) -> list[str]:
    try:
        syllables = [_CHARS[char] for char in text]
    except KeyError:
        syllables = [_char(char) for char in text]
    if None not in syllables:  # all Chinese (a name): one run
        return _chinese(text, syllables)  # type: ignore[arg-type]
    out: list[str] = []
    start = 0
    for index in range(1, len(text) + 1):
        if index < len(text) and (syllables[index] is None) == (syllables[start] is None):
            continue
        run = text[start:index]
        if syllables[start] is None:
            if run.strip():
                out.append(run.lower())
        else:
            out.extend(_chinese(run, syllables[start:index]))  # type: ignore[arg-type]
        start = index
    return out


def _chinese(run: str, syllables: list[str]) -> list[str]:
    """A run of Chinese characters, with each character's own syllable."""
    if len(run) > _SHORT_RUN or (len(run) > 1 and _has_phrase(run)):
        return list(_whole(run))
    if _ODD and not _ODD.isdisjoint(run):
        return list(_whole(run))
    return [s for s in syllables if s.strip()]


def pinyin_keys(text: str, *, person_name: bool = False) -> tuple[str, str]:
    """``(pinyin_key(text), pinyin_sort_key(text))`` at the cost of one reading, for bulk work
    (an import computes both for every person)."""
    text = "".join(text.split())
    if not text:
        return "", ""
    syllables = _syllables(text, person_name=person_name)
    initials = "".join([s[0] for s in syllables if s])
    return f"{''.join(syllables)} {initials}", " ".join(syllables)


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
