"""The pinyin keys: the cached reading gives exactly what pypinyin's ``lazy_pinyin`` gives, for
person names (surname table, compound surnames, phrases in given names, non-Chinese characters)
and for other texts."""

from __future__ import annotations

import random

import pytest
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

from bangfu.core import pinyin
from bangfu.core.pinyin import (
    COMPOUND_SURNAMES,
    SURNAMES,
    pinyin_key,
    pinyin_keys,
    pinyin_sort_key,
)


def reference_syllables(text: str, *, person_name: bool) -> list[str]:
    """The reading as it was computed before the cache: pypinyin on the whole text."""
    head: list[str] = []
    rest = text
    if person_name:
        if text[:2] in COMPOUND_SURNAMES:
            head, rest = list(COMPOUND_SURNAMES[text[:2]]), text[2:]
        elif text[:1] in SURNAMES:
            head, rest = [SURNAMES[text[0]]], text[1:]
    body = lazy_pinyin(rest, style=Style.NORMAL, errors="default", v_to_u=False) if rest else []
    return [s.lower() for s in head + body if s.strip()]


def reference_key(text: str, *, person_name: bool = False) -> str:
    text = "".join(text.split())
    if not text:
        return ""
    syllables = reference_syllables(text, person_name=person_name)
    return f"{''.join(syllables)} {''.join(s[0] for s in syllables if s)}"


def reference_sort_key(text: str, *, person_name: bool = False) -> str:
    return " ".join(reference_syllables("".join(text.split()), person_name=person_name))


COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚"
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志海燕红玉梅林春雪长重乐行朝都便"
)
ODD = [
    "·",
    "•",
    "A",
    "b",
    "Z",
    "2",
    "０",
    "Ａ",
    "-",
    "(",
    "〇",
    "ä",
    "İ",
    "ß",
    "\u200b",
    "😀",
    "𠀀",
]


def generated_names(count: int, seed: int = 2026) -> list[str]:
    rng = random.Random(seed)
    chars = sorted(chr(c) for c in PINYIN_DICT if 0x4E00 <= c <= 0x9FFF)
    phrases = sorted(p for p in PHRASES_DICT if len(p) <= 3)
    surnames = [*SURNAMES, *COMPOUND_SURNAMES, *COMMON[:100]]
    names = []
    for _ in range(count):
        shape = rng.random()
        if shape < 0.35:  # a surname and one or two common characters
            given = "".join(rng.choice(COMMON) for _ in range(rng.randint(1, 2)))
        elif shape < 0.6:  # a given name that is (or holds) a phrase: 国庆, 长江, 重阳
            given = rng.choice(phrases) + ("" if rng.random() < 0.7 else rng.choice(COMMON))
        elif shape < 0.85:  # any characters pypinyin knows
            given = "".join(rng.choice(chars) for _ in range(rng.randint(1, 3)))
        else:  # with non-Chinese characters and spaces anywhere
            parts = [rng.choice(ODD + list(COMMON)) for _ in range(rng.randint(1, 5))]
            given = "".join(p + (" " if rng.random() < 0.2 else "") for p in parts)
        names.append(rng.choice(surnames) + given)
    return names


SPECIAL = [
    "单丽",
    "单于明",
    "曾国藩",
    "曾",
    "单",
    "万俟",
    "万俟卨",
    "尉迟恭",
    "尉迟",
    "长孙无忌",
    "乐正",
    "乐乐",
    "重庆",
    "朴重",
    "阿依古丽·买买提",
    "JohnSmith",
    "John Smith",
    "李2",
    "李 四",
    " 王  五 ",
    "",
    "   ",
    "张三ABC李四",
    "〇一",
    "欧阳",
    "区长江",
    "翟长城",
    "解放军",
    "查查查",
    "行行行",
    "盖世太保",
    "😀",
    "𠀀𠀁",
    "王\u200b五",
]


@pytest.mark.parametrize("name", SPECIAL)
def test_surname_table_and_odd_characters(name):
    for person_name in (True, False):
        want = (
            reference_key(name, person_name=person_name),
            reference_sort_key(name, person_name=person_name),
        )
        assert pinyin_keys(name, person_name=person_name) == want
        assert pinyin_key(name, person_name=person_name) == want[0]
        assert pinyin_sort_key(name, person_name=person_name) == want[1]


def test_many_generated_names_read_exactly_as_pypinyin_reads_them():
    names = generated_names(40000)
    pinyin._whole.cache_clear()
    for name in names:
        want = (reference_key(name, person_name=True), reference_sort_key(name, person_name=True))
        assert pinyin_keys(name, person_name=True) == want, name
        assert pinyin_sort_key(name, person_name=True) == want[1], name
    # Most names were read from the per-character cache, not by pypinyin.
    assert pinyin._whole.cache_info().currsize < len(names) / 2


def test_other_texts_read_exactly_as_pypinyin_reads_them():
    rng = random.Random(7)
    phrases = sorted(PHRASES_DICT)
    texts = ["南宁市西乡塘区石埠街道", "长安街道重阳村民委员会", "第2村民小组", "ABC 公司"]
    texts += ["".join(rng.choice(phrases) for _ in range(rng.randint(1, 4))) for _ in range(2000)]
    for text in texts:
        assert pinyin_keys(text) == (reference_key(text), reference_sort_key(text)), text
        assert pinyin_key(text) == reference_key(text), text
