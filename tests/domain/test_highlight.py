"""What a query marks in a text (registry.domain.highlight): the search's rules, mapped to printed characters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.domain import searchtext
from registry.domain.highlight import segments, spans

SEED = json.loads((Path(__file__).resolve().parents[2] / "seed" / "annex.json").read_text(encoding="utf-8"))


def marked(text: str, q: str) -> list[str]:
    return [s.text for s in segments(text, q) if s.matched]


@pytest.mark.parametrize(
    ("text", "q", "expected"),
    [
        ("取水许可", "取水", ["取水"]),
        ("取水许可", "取水许可", ["取水许可"]),
        ("对取水单位和个人规避取水监测", "取水", ["取水", "取水"]),
        ("取水许可", "qsxk", ["取水许可"]),
        ("取水许可", "QSXK", ["取水许可"]),
        ("取水许可", "ｑｓｘｋ", ["取水许可"]),
        ("取水许可", "qushui", ["取水"]),
        ("取水许可", "shuixu", ["水许"]),
        ("取水许可", "qush", ["取水"]),
        ("小(1)型水库", "（1）", ["1"]),           # brackets are no part of a term
        ("小(1)型水库", "小1型", ["小(1)型"]),       # ignored in the text, kept in the mark
        ("许可（审批）", "许可审批", ["许可（审批"]),
        ("取水许可", "取水 许可", ["取水", "许可"]),  # each term
        ("对取水单位和个人规避取水监测", "取水 监测", ["取水", "取水", "监测"]),
        ("取水许可", "取水许 水许可", ["取水许可"]),  # overlapping marks merge
        ("取水许可", "qu xu", ["取", "许"]),
        ("取水许可", "qǔshuǐ", ["取水"]),          # tone marks fold
        ("生产、储存", "chanchu", ["产、储"]),      # pinyin runs over punctuation
        ("生产、储存", "sccc", ["生产、储存"]),
        ("ＡＢ取水", "ab", ["ＡＢ"]),
        ("生产建设项目水土保持方案审批", "stbc", ["水土保持"]),
        ("取水许可", "x", []),
        ("取水许可", "林地", []),
        ("取水许可", "取水许可证", []),            # not a name: nothing held whole
        ("取水许可", "", []),
    ],
)
def test_what_is_marked(text: str, q: str, expected: list[str]) -> None:
    assert marked(text, q) == expected


@pytest.mark.parametrize(
    ("name", "q", "expected"),
    [
        ("取水许可", "取水许可证", ["取水许可"]),   # a term that holds the whole name marks it whole
        ("取水许可", "取水许可证 qs", ["取水许可"]),
        ("取水（许可）", "取水许可证", ["取水（许可）"]),
        ("林", "林地", []),                        # a one-character name is never held
        ("取水许可", "施工", []),
    ],
)
def test_a_name_held_whole_is_marked_whole(name: str, q: str, expected: list[str]) -> None:
    assert [s.text for s in segments(name, q, name=True) if s.matched] == expected


@pytest.mark.parametrize("text", ["取水许可", "ＡＢ(1)", ""])
def test_segments_put_the_text_back_together(text: str) -> None:
    for q in ("取水", "qsxk", "ab", "zz", "取水 许可", "（1）", None):
        for name in (False, True):
            assert "".join(s.text for s in segments(text, q, name)) == text


def _queries(power: dict) -> list[str]:
    name = power["name"]
    pieces = [name[i:i + n] for n in (1, 2, 4) for i in range(0, max(len(name) - n + 1, 1), 3)]
    doc = searchtext.document(name, power["sub_items"], power["note"])
    pinyin = [run.split("|")[0][:n] for run in doc.pinyin.split("|") if run for n in (2, 5)][:6]
    initials = [run[i:i + 3] for run in doc.initials.split("|") if len(run) >= 3 for i in range(0, len(run) - 2, 4)]
    return pieces + pinyin + initials


@pytest.mark.parametrize("power", SEED["powers"], ids=lambda p: str(p["seq"]))
def test_whatever_the_search_finds_in_a_field_is_marked_there(power: dict) -> None:
    """A query the rule matches marks something in some field; a substring mark is the query itself."""
    fields = [power["name"], *power["sub_items"], *([power["note"]] if power["note"] else [])]
    for q in _queries(power):
        query = searchtext.query(q)
        if len(query.terms) != 1:
            continue  # a piece of punctuation, or spaces in the text: no single term
        (term,) = query.terms
        if not any(searchtext.found_in(searchtext.document(f, [], None), term) for f in fields):
            continue
        found = [(f, s) for f in fields for s in spans(f, query)]
        assert found, (q, fields)
        for field, (start, end) in found:
            piece = searchtext.normalise(field[start:end])
            assert piece == term.text or term.pinyin_like, (q, piece)
