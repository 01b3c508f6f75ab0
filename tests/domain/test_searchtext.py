"""The pure search rules of registry.domain.searchtext: what a query finds, independent of any database.

``matches()`` is the rule the SQL of registry.services.search must reproduce exactly (tests/test_search.py
compares the two by brute force), so the rule itself is pinned here, case by case: substrings of one field
(NFKC, case folded, punctuation and tone marks ignored), full and cut-short pinyin from a syllable boundary,
initials, never across a field or across text that has no pinyin, polyphonic characters read in context, ü typed
as v, terms split at spaces that must all match, a term holding a whole name. Every expected value is written
down by hand from the pinyin of the example text.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.domain import searchtext
from registry.domain.searchtext import document, matches, normalise, query, rank

SEED = json.loads((Path(__file__).resolve().parents[2] / "seed" / "annex.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｑｓｘｋ", "qsxk"),            # full-width Latin
        ("Ａ", "a"),                     # full-width capital: width and case
        ("QuShui", "qushui"),            # case folding
        ("１２３", "123"),               # full-width digits
        ("（）", ""),                    # brackets and punctuation are dropped
        ("小（１）型", "小1型"),
        ("许可（审批）", "许可审批"),
        ("“新办、变更”。", "新办变更"),
        ("【取水】〔许可〕「证」", "取水许可证"),
        ("qǔshuǐ", "qushui"),           # tone marks fold
        ("lǜ", "lv"),                   # ü as pinyin typists write it
        ("LǙ", "lv"),
        ("qu\u030cshui", "qushui"),     # a combining mark, not a composed letter
        ("a b\tc", "abc"),              # white space is dropped
        ("取水许可", "取水许可"),        # Chinese is left as it is
        ("Straße", "strasse"),           # casefold, not lower()
        ("　", ""),                      # ideographic space
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_document_of_one_name() -> None:
    doc = document("取水许可", [], None)
    assert doc.name == "取水许可"
    assert doc.haystack == "取水许可"
    assert doc.pinyin == "|qushuixuke|shuixuke|xuke|ke|"
    assert doc.initials == "|qsxk|"


def test_document_fields_and_text_without_pinyin() -> None:
    doc = document("小(1)型水库", ["ＡＢ子项"], "备注")
    assert doc.name == "小1型水库"
    assert doc.haystack == "小1型水库\nab子项\n备注"
    assert doc.pinyin == "|xiao|xingshuiku|shuiku|ku|zixiang|xiang|beizhu|zhu|"
    assert doc.initials == "|x|xsk||zx|bz|"


def test_punctuation_no_longer_breaks_a_run_of_pinyin() -> None:
    doc = document("生产、储存", [], None)
    assert doc.haystack == "生产储存"
    assert doc.pinyin == "|shengchanchucun|chanchucun|chucun|cun|"
    assert doc.initials == "|sccc|"


def test_no_note_and_no_sub_items() -> None:
    assert document("取水许可", [], "") == document("取水许可", [], None)


def test_syllables_are_plain_ascii_with_v_for_u_umlaut() -> None:
    syl = searchtext.syllables()
    assert {"lv", "nv", "lve", "nve", "qu", "shui", "zhuang", "chong", "hang", "xing"} <= syl
    assert all(s.isascii() and s.isalpha() and s == s.lower() for s in syl)
    assert "lü" not in syl and "qsxk" not in syl


LONG_NOTE = "部分下放。房地产开发企业资质审批范围包括资质“新办、变更、延续、核定和升级”,仅下放“新办和变更”审批。"
SUB_ITEM = "其他危险化学品生产、储存建设项目安全设施设计审查"


@pytest.mark.parametrize(
    ("name", "sub_items", "note", "q", "expected"),
    [
        # substrings of 1, 2, 3 and more characters; not scattered characters, not beyond the field
        ("取水许可", [], None, "取", True),
        ("取水许可", [], None, "可", True),
        ("取水许可", [], None, "水许", True),
        ("取水许可", [], None, "水许可", True),
        ("取水许可", [], None, "取水许可", True),
        ("建筑工程施工许可证核发", [], None, "施工许可", True),
        ("建筑工程施工许可证核发", [], None, "工程施工许可证核", True),
        ("取水许可", [], None, "取许", False),
        ("取水许可", [], None, "取水许可证", True),   # the term holds the whole name
        ("取水许可", [], None, "取水许可证核发", True),
        ("取水许可", [], None, "取水许", True),
        ("取水许可", [], None, "取水许可证水", True),
        ("取水许可", [], None, "水许可证", False),   # not the whole name
        ("取水许可", ["危险废物"], None, "危险废物证", False),  # a sub-item is not a name
        ("林", [], None, "林地", False),            # a one-character name is not held
        ("林地", [], None, "林地林", True),
        ("取水许可", [], None, "囧", False),
        # inside a sub-item or the note
        ("对安全生产违法行为的处罚", [SUB_ITEM], None, "危险化学品", True),
        ("对安全生产违法行为的处罚", ["甲", SUB_ITEM], None, "储存建设", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "仅下放", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "“新办和变更”", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "新办和变更", True),
        ("房地产开发企业资质核定(二级及以下)", [], None, "资质核定二级", True),   # brackets ignored
        ("房地产开发企业资质核定(二级及以下)", [], None, "资质核定【二级", True),
        # terms: every one must match, anywhere in the document
        ("取水许可", [], None, "取水 许可", True),
        ("取水许可", [], None, "许可　取水", True),   # ideographic space
        ("取水许可", [], None, "取水 林地", False),
        ("取水许可", ["危险废物"], None, "取水 废物", True),
        ("取水许可", [], None, "qu shui", True),
        ("取水许可", [], None, "qs xk", True),
        ("取水许可", [], None, "qu lin", False),
        # tone marks fold
        ("取水许可", [], None, "qǔshuǐ", True),
        ("取水许可", [], None, "QǓSHUǏ xǔkě", True),
        ("绿化管理", [], None, "lǜhuà", True),
        # a substring never spans two fields
        ("取水许可", ["子项"], None, "可子", False),
        ("取水许可", [], "备注", "许可备", False),
        # full pinyin, cut short, from a syllable boundary in the middle of the field
        ("取水许可", [], None, "qushuixuke", True),
        ("取水许可", [], None, "qushui", True),
        ("取水许可", [], None, "qush", True),
        ("取水许可", [], None, "qu", True),
        ("取水许可", [], None, "shuixu", True),
        ("取水许可", [], None, "xuke", True),
        ("取水许可", [], None, "xuk", True),
        ("取水许可", [], None, "shu", True),          # 水 cut short
        ("取水许可", [], None, "uxu", False),         # starts inside 取
        ("取水许可", [], None, "ushui", False),
        ("取水许可", [], None, "huixu", False),       # starts inside 水
        ("取水许可", [], None, "quxu", False),        # skips 水
        ("取水许可", [], None, "qushuixukez", False),  # beyond the field
        ("取水许可", [], None, "kequ", False),        # wrong order
        ("取水许可", [], None, "qvshui", False),
        # pinyin in a sub-item or the note
        ("对安全生产违法行为的处罚", [SUB_ITEM], None, "weixianhuaxuepin", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "jinxiafang", True),
        # initials
        ("取水许可", [], None, "qsxk", True),
        ("取水许可", [], None, "sxk", True),
        ("取水许可", [], None, "qs", True),
        ("取水许可", [], None, "qx", False),
        ("取水许可", [], None, "qsxkq", False),
        # neither initials nor pinyin across fields
        ("取水", ["许可"], None, "qsxk", False),
        ("取水", ["许可"], None, "sx", False),
        ("取水", ["许可"], None, "shuixu", False),
        ("取水", ["许可"], None, "xuke", True),
        ("取水", [], "许可", "qushuixuke", False),
        # nor across text that has no pinyin
        ("小(1)型水库", [], None, "xiaoxing", False),
        ("小(1)型水库", [], None, "小型", False),     # the digit is text, not punctuation
        ("小(1)型水库", [], None, "小1型", True),
        ("小(1)型水库", [], None, "xx", False),
        ("小(1)型水库", [], None, "xxsk", False),
        ("小(1)型水库", [], None, "xsk", True),
        ("小(1)型水库", [], None, "xingshuiku", True),
        ("小(1)型水库", [], None, "xiao", True),
        ("小(1)型水库", [], None, "(1)", True),      # the text itself is still a substring
        ("小（１）型水库", [], None, "(1)型", True),
        # polyphonic characters are read in context
        ("重庆经开区管委会", [], None, "chongqing", True),
        ("重庆经开区管委会", [], None, "zhongqing", False),
        ("重庆经开区管委会", [], None, "cqjkq", True),
        ("银行业务", [], None, "yinhang", True),
        ("银行业务", [], None, "yinxing", False),
        ("银行业务", [], None, "yhyw", True),
        ("违法行为", [], None, "xingwei", True),
        ("违法行为", [], None, "hangwei", False),
        # ü typed as v
        ("绿化管理", [], None, "lvhua", True),
        ("绿化管理", [], None, "lv", True),
        ("绿化管理", [], None, "luhua", False),
        ("绿化管理", [], None, "lhgl", True),
        # one ASCII letter is only a substring, never an initial or a syllable
        ("取水许可", [], None, "q", False),
        ("取水许可", [], None, "x", False),
        ("取水许可(A类)", [], None, "a", True),
        ("取水许可(A类)", [], None, "Ａ", True),
        # punctuation is no term: a query of nothing else finds everything, as no query does
        ("取水许可", [], None, "%", True),
        ("取水许可", [], None, "_", True),
        ("取水许可", [], None, "取%", True),
        ("取水许可", [], None, "取_许", False),     # 取许
        ("含%与_的事项", [], None, "%与_", True),
        ("含%与_的事项", [], None, "含_与", True),
        ("含%与_的事项", [], None, "含_的", False),
        ("路径a/b", [], None, "a/b", True),
        ("路径a/b", [], None, "a//b", True),
        ("路径a/b", [], None, "a+b", False),        # a symbol is text
        # case and width insensitive
        ("取水许可", [], None, "ＱＳＸＫ", True),
        ("取水许可", [], None, "ｑｓｘｋ", True),
        ("取水许可", [], None, "QuShui", True),
        ("GB标准", [], None, "ｇｂ标", True),
        ("ＧＢ标准", [], None, "gb", True),
        ("小(1)型水库", [], None, "（1）", True),
        ("小(1)型水库", [], None, "(１)", True),
    ],
)
def test_matches(name: str, sub_items: list[str], note: str | None, q: str, expected: bool) -> None:
    assert matches(document(name, sub_items, note), query(q)) is expected


@pytest.mark.parametrize(
    ("text", "terms", "pinyin_like"),
    [
        ("qushui", ["qushui"], [True]),
        ("QuShui", ["qushui"], [True]),
        ("ｑｓｘｋ", ["qsxk"], [True]),
        ("qǔshuǐ", ["qushui"], [True]),
        ("q", ["q"], [False]),                        # one letter
        ("q1", ["q1"], [False]),
        ("qu shui", ["qu", "shui"], [True, True]),
        ("qu qu", ["qu"], [True]),                    # each term once
        ("取q", ["取q"], [False]),
        ("取水（许可）", ["取水许可"], [False]),
        ("a" * 65, ["a" * 65], [False]),
        ("（）、。", [], []),                           # no term left: no search
        ("  ", [], []),
    ],
)
def test_terms(text: str, terms: list[str], pinyin_like: list[bool]) -> None:
    q = query(text)
    assert [t.text for t in q.terms] == terms
    assert [t.pinyin_like for t in q.terms] == pinyin_like


@pytest.mark.parametrize(
    ("name", "q", "expected"),
    [
        ("取水许可", "取水许可", 0),
        ("取水许可", "ＱＳ", 3),      # initials never rank by name
        ("取水许可", "取水", 1),
        ("取水许可", "取", 1),
        ("取水许可", "水许", 2),
        ("取水许可", "可", 2),
        ("取水许可", "qushui", 3),
        ("取水许可", "取水许可证", 4),   # a term holds the whole name
        ("取水许可", "取水 许可", 0),    # the terms read together
        ("取水许可", "许可 取水", 3),
        ("取水许可", "qu shui", 3),
        ("取水许可", "取水 许可证", 4),
        ("取水许可", "取水（许可）", 0),
        ("ＡＢ事项", "ab", 1),       # the name is compared normalised
        ("ＡＢ事项", "ＡＢ事项", 0),
        ("Ab事项", "B事", 2),
    ],
)
def test_rank(name: str, q: str, expected: int) -> None:
    assert rank(document(name, [], None), query(q)) == expected


# Long readings: once, enumerating the query's possible syllable splits (capped at 32) missed the real one
# for 67 of the 103 names; the rule now compares letters from each syllable boundary, with no splitting.
@pytest.mark.parametrize(
    ("name", "q"),
    [
        ("建设工程消防验收", "jianshegongchengxiaofangyanshou"),
        ("建筑能效测评", "jianzhuneng"),
        ("建筑能效测评", "jianzhunengxiaoceping"),
        ("施工单位主要负责人、项目负责人、专职安全生产管理人员安全生产考核", "renyuananquan"),
        ("对非煤矿矿山企业未依法向安全生产许可证颁发管理机关报告并交回安全生产许可证的处罚", "xianganquan"),
    ],
)
def test_full_pinyin_of_consecutive_syllables_finds_the_text(name: str, q: str) -> None:
    assert matches(document(name, [], None), query(q)) is True


# A line break splits terms like any white space: each term is looked for on its own, in any field.
@pytest.mark.parametrize(("q", "expected"), [("\n", True), ("可\n子", True), ("许可\n子项", True), ("可子", False)])
def test_a_newline_in_the_query_splits_terms(q: str, expected: bool) -> None:
    assert matches(document("取水许可", ["子项"], None), query(q)) is expected


