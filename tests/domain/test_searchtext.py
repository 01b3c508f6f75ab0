"""The pure search rules of registry.domain.searchtext: what a query finds, independent of any database.

``matches()`` is the rule the SQL of registry.services.search must reproduce exactly (tests/test_search.py
compares the two by brute force), so the rule itself is pinned here, case by case: substrings of one field
(NFKC, case folded), full and cut-short pinyin from a syllable boundary, initials, never across a field or
across text that has no pinyin, polyphonic characters read in context, ü typed as v, LIKE wildcards
literal. Every expected value is written down by hand from the pinyin of the example text.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict

from registry.domain import searchtext
from registry.domain.searchtext import Document, document, matches, normalise, query, rank

SEED = json.loads((Path(__file__).resolve().parents[2] / "seed" / "annex.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ｑｓｘｋ", "qsxk"),            # full-width Latin
        ("Ａ", "a"),                     # full-width capital: width and case
        ("QuShui", "qushui"),            # case folding
        ("１２３", "123"),               # full-width digits
        ("（）", "()"),                  # full-width parentheses
        ("小（１）型", "小(1)型"),
        ("取水许可", "取水许可"),        # Chinese is left as it is
        ("Straße", "strasse"),           # casefold, not lower()
        ("　", " "),                     # ideographic space
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
    assert doc.grams == {
        "1取", "1水", "1许", "1可",            # characters
        "2取水", "2水许", "2许可",             # bigrams
        "pqu", "pshui", "pxu", "pke",          # syllables
        "Pqu'shui", "Pshui'xu", "Pxu'ke",      # pairs of consecutive syllables
        "iqs", "isx", "ixk",                   # initials bigrams
    }


def test_document_fields_and_text_without_pinyin() -> None:
    doc = document("小(1)型水库", ["ＡＢ子项"], "备注")
    assert doc.name == "小(1)型水库"
    assert doc.haystack == "小(1)型水库\nab子项\n备注"
    assert doc.pinyin == "|xiao|xingshuiku|shuiku|ku|zixiang|xiang|beizhu|zhu|"
    assert doc.initials == "|x|xsk||zx|bz|"
    # no gram spans two fields, nor the text between two runs of pinyin
    assert "2库a" not in doc.grams and "2项备" not in doc.grams
    assert "ixx" not in doc.grams and "ikz" not in doc.grams and "ixb" not in doc.grams
    assert {"i" + g for g in ("xs", "sk", "zx", "bz")} == {g for g in doc.grams if g.startswith("i")}
    assert {"Pxing'shui", "Pshui'ku", "Pzi'xiang", "Pbei'zhu"} == {g for g in doc.grams if g.startswith("P")}


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
        ("取水许可", [], None, "取水许可证", False),
        ("取水许可", [], None, "囧", False),
        # inside a sub-item or the note
        ("对安全生产违法行为的处罚", [SUB_ITEM], None, "危险化学品", True),
        ("对安全生产违法行为的处罚", ["甲", SUB_ITEM], None, "储存建设", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "仅下放", True),
        ("房地产开发企业资质核定(二级及以下)", [], LONG_NOTE, "“新办和变更”", True),
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
        # LIKE wildcards are literal
        ("取水许可", [], None, "%", False),
        ("取水许可", [], None, "_", False),
        ("取水许可", [], None, "取%", False),
        ("取水许可", [], None, "取_许", False),
        ("含%与_的事项", [], None, "%与_", True),
        ("含%与_的事项", [], None, "%", True),
        ("含%与_的事项", [], None, "含_", False),
        ("路径a/b", [], None, "a/b", True),
        ("路径a/b", [], None, "a//b", False),
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
    ("text", "pinyin_like", "first_syllables"),
    [
        ("qushui", True, {"qu"}),
        ("QuShui", True, {"qu"}),
        ("qush", True, {"qu"}),
        ("shuixu", True, {"shui", "shu"}),   # shu or shui: the boundary suffix decides
        ("xian", True, {"xi", "xia", "xian", "xiang"}),  # a query may stop inside a syllable
        ("zh", True, {"zha", "zhai", "zhan", "zhang", "zhao", "zhe", "zhei", "zhen", "zheng", "zhi", "zhong",
                      "zhou", "zhu", "zhua", "zhuai", "zhuan", "zhuang", "zhui", "zhun", "zhuo"}),
        ("ｑｓｘｋ", True, set()),                 # initials only: no syllable starts with qs
        ("q", False, None),                        # one letter
        ("q1", False, None),
        ("qu shui", False, None),
        ("取q", False, None),
        ("lü", False, None),
    ],
)
def test_which_queries_are_read_as_pinyin(text: str, pinyin_like: bool, first_syllables: set[str] | None) -> None:
    q = query(text)
    assert q.pinyin_like is pinyin_like
    if first_syllables is not None:
        assert {g[1:] for g in q.first_syllable_grams()} == first_syllables


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
        ("取水许可", "施工", 3),
        ("取水许可", "取水许可证", 3),
        ("ＡＢ事项", "ab", 1),       # the name is compared normalised
        ("ＡＢ事项", "ＡＢ事项", 0),
        ("Ab事项", "B事", 2),
    ],
)
def test_rank(name: str, q: str, expected: int) -> None:
    assert rank(document(name, [], None).name, query(q)) == expected


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


# A substring lies within one field: a query holding a newline (the haystack's field separator) never
# matches across two.
@pytest.mark.parametrize("q", ["\n", "可\n子", "许可\n子项"])
def test_a_query_with_a_newline_does_not_span_fields(q: str) -> None:
    assert matches(document("取水许可", ["子项"], None), query(q)) is False


N_SYLLABLES = ["n", "na", "nai", "nan", "nang", "nao", "ne", "nei", "nen", "neng", "ng", "ni", "nia", "nian", "niang",
               "niao", "nie", "nin", "ning", "niu", "nong", "nou", "nu", "nuan", "nun", "nuo", "nv", "nve"]
SH_SYLLABLES = ["sha", "shai", "shan", "shang", "shao", "she", "shei", "shen", "sheng", "shi", "shou", "shu", "shua",
                "shuai", "shuan", "shuang", "shui", "shun", "shuo"]
ZH_SYLLABLES = ["zha", "zhai", "zhan", "zhang", "zhao", "zhe", "zhei", "zhen", "zheng", "zhi", "zhong", "zhou", "zhu",
                "zhua", "zhuai", "zhuan", "zhuang", "zhui", "zhun", "zhuo"]


@pytest.mark.parametrize(
    ("text", "exact", "to_confirm"),
    [
        # one syllable, perhaps cut short: every syllable that starts with the text
        ("qu", {"pqu", "pquan", "pque", "pqun"}, set()),
        ("zh", {"p" + s for s in ZH_SYLLABLES}, set()),
        # a syllable, then a second perhaps cut short: the pair names the whole text
        ("qushui", {"Pqu'shui"}, set()),     # qu+shu+"i" is no path: no syllable starts with i
        ("QuShui", {"Pqu'shui"}, set()),
        ("qush", {"Pqu'" + s for s in SH_SYLLABLES}, set()),
        ("shuixu", {"Pshui'xu", "Pshui'xuan", "Pshui'xue", "Pshui'xun"}, set()),
        ("xian", {"pxian", "pxiang", "Pxi'an", "Pxi'ang", *("Pxia'" + s for s in N_SYLLABLES)},
         {"Pxi'a"}),                          # xi+a+n...: three syllables, the third cut short
        # three syllables or more: the first two, to confirm; only the splits that can go on to the end
        ("qushuixuke", set(), {"Pqu'shui"}),  # not qu+shu: "ixuke"
        ("qushuix", set(), {"Pqu'shui"}),
        ("xianganquan", set(), {"Pxi'a", "Pxi'an", "Pxi'ang", "Pxia'n", "Pxia'ng", "Pxian'ga", "Pxian'gan",
                                "Pxiang'a", "Pxiang'an"}),
        ("a" * 64, set(), {"Pa'a"}),
        # letters no syllables spell, and queries not read as pinyin
        ("qushuiu", set(), set()),
        ("qsxk", set(), set()),
        ("q", set(), set()),
        ("取q", set(), set()),
        ("a" * 65, set(), set()),
    ],
)
def test_pinyin_grams(text: str, exact: set[str], to_confirm: set[str]) -> None:
    assert query(text).pinyin_grams() == (exact, to_confirm)


def test_every_gram_fits_the_gram_column() -> None:
    """PowerGram.gram is String(16): the longest pair, and every gram of the real annex, fits."""
    longest = max(searchtext.syllables(), key=len)
    assert len(longest) == 6 and len(searchtext.pair(longest, longest)) == 14
    assert max(len(g) for doc in _real_documents() for g in doc.grams) <= 16


def _real_documents() -> list[Document]:
    return [document(p["name"], p["sub_items"], p["note"]) for p in SEED["powers"]]


def _generated_documents() -> list[Document]:
    """Real halves recombined, and runs of characters read as every syllable, the short ambiguous ones often."""
    rng = random.Random(6)
    names = [p["name"] for p in SEED["powers"]]
    recombined = [document(rng.choice(names)[:5] + rng.choice(names)[5:], [], None) for _ in range(60)]
    by_syllable: dict[str, list[str]] = {}
    for code, readings in pinyin_dict.items():
        if 0x4E00 <= code <= 0x9FFF:  # the common block: pypinyin reads a lone character by its first reading
            by_syllable.setdefault(to_normal(readings.split(",")[0]), []).append(chr(code))
    every = sorted(s for s in by_syllable if s in searchtext.syllables())
    tricky = [s for s in ["a", "e", "o", "n", "ng", "er", "an", "ang", "xi", "xian", "xia", "ge", "gen", "na", "ni",
                          "qu", "shu", "shui", "yi", "yin"] if s in by_syllable]

    def text() -> str:
        pool = tricky if rng.random() < 0.5 else every
        return "".join(rng.choice(by_syllable[rng.choice(pool)]) for _ in range(rng.randint(1, 12)))

    runs = [document(text() + rng.choice(["", "1", "A", "、"]) + text(), [text()], text() if rng.random() < 0.3 else None)
            for _ in range(120)]
    return recombined + runs


def _queries(docs: list[Document], rng: random.Random) -> list[str]:
    """From each boundary, its beginnings; those with a letter changed; syllables cut anywhere; random letters."""
    spelled = sorted({suffix[:k] for doc in docs for suffix in doc.pinyin.split("|") for k in range(2, len(suffix) + 1)})
    short = [q for q in spelled if len(q) <= 12]  # at most two syllables: what the exact grams answer
    long = [q for q in spelled if len(q) > 12]
    sample = rng.sample(short, 1500) + rng.sample(long, 1000)
    letters = "abcdefghijklmnopqrstuvwxyz"
    changed = []
    for q in sample[:500]:
        i = rng.randrange(len(q))
        changed.append(q[:i] + rng.choice(letters) + q[i + 1:])
    syl = sorted(searchtext.syllables())
    cut = ["".join(rng.choice(syl) for _ in range(rng.randint(1, 5)))[: rng.randint(2, 20)] for _ in range(500)]
    noise = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 10))) for _ in range(200)]
    return [q for q in sample + changed + cut + noise if query(q).pinyin_like]


@pytest.mark.parametrize("kind", ["real annex", "generated"])
def test_pinyin_grams_are_exact_or_confirmed_never_missing(kind: str) -> None:
    """Against the plain rule: an exact gram is a match; every match has an exact gram or one to confirm."""
    docs = _real_documents() if kind == "real annex" else _generated_documents()
    postings: dict[str, set[int]] = {}
    for i, doc in enumerate(docs):
        for g in doc.grams:
            postings.setdefault(g, set()).add(i)
    wrong, found, answered_by_index = [], 0, 0
    for text in _queries(docs, random.Random(kind)):
        q = query(text)
        exact, to_confirm = q.pinyin_grams()
        by_rule = {i for i, doc in enumerate(docs) if q.pinyin_needle in doc.pinyin}
        by_exact = set().union(*(postings.get(g, set()) for g in exact))
        candidates = by_exact.union(*(postings.get(g, set()) for g in to_confirm))
        if not by_exact <= by_rule or not by_rule <= candidates:
            wrong.append((text, sorted(by_exact - by_rule), sorted(by_rule - candidates)))
        found += bool(by_rule)
        answered_by_index += bool(by_rule) and not to_confirm
    assert not wrong, wrong[:5]
    assert found > 2000 and answered_by_index > 150  # the check was not vacuous
