"""The source parser: what it reads from the page, and that it stops on anything it does not know."""

from __future__ import annotations

import pytest

from seed import parse_annex
from seed.parse_annex import AnnexFormatError

TEXT = parse_annex.SOURCE.read_text(encoding="utf-8")
SEED = parse_annex.parse(TEXT)


def test_committed_seed_is_a_fresh_parse() -> None:
    assert parse_annex.OUTPUT.read_text(encoding="utf-8") == parse_annex.dumps(SEED)


def test_decision() -> None:
    d = SEED["decision"]
    assert (d["doc_number"], d["issuer"], d["issued_on"]) == ("渝府发〔2021〕13号", "重庆市人民政府", "2021-04-30")
    assert d["recipient"] == "各区县(自治县)人民政府,市政府各部门,有关单位"
    assert "下放103项市级行政权力事项" in d["body"]


@pytest.mark.parametrize(
    ("seq", "field", "value"),
    [
        (1, "name", "对政府采购供应商违法行为的处罚"),
        (11, "name", "对违反《中华人民共和国会计法》第四十二条规定的处罚"),
        (18, "name", "房地产开发企业资质核定(二级及以下)"),
        (18, "devolved_part", "“新办和变更”审批"),
        (38, "name", "取水许可"),
        (73, "devolved_part", "小(1)型水库的初步设计审批"),
        (74, "sub_items", ["危险化学品生产的企业安全生产许可"]),
        (75, "sub_items", ["其他金属冶炼建设项目安全设施设计审查", "其他危险化学品生产、储存建设项目安全设施设计审查"]),
        (75, "annex_rows", [75, 76]),
        (99, "type", "其他行政权力"),
        (100, "annex_rows", [101]),
        (103, "name", "森林植被恢复费征收"),
        (103, "department", "市林业局"),
    ],
)
def test_items(seq: int, field: str, value: object) -> None:
    assert SEED["powers"][seq - 1][field] == value


def test_rows_and_partial_items() -> None:
    assert len(SEED["powers"]) == 103 and len(SEED["annex_rows"]) == 104
    assert [p["seq"] for p in SEED["powers"] if p["partial"]] == [18, 73, 100, 101, 102]
    assert all(p["retained_part"] for p in SEED["powers"] if p["partial"])
    assert all(p["note"] is None for p in SEED["powers"] if not p["partial"])


def _break(old: str, new: str, count: int = 1) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, count)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_break("渝府发〔2021〕13号", "渝府发〔2021〕14号"), "not found"),
        (_break("\n行政处罚\n", "\n行政处分\n"), "事项类型"),
        (_break("\n市级、区县级\n", "\n区县级\n"), "行使层级"),
        (_break("\n市财政局\n", "\n财政局\n"), "city department"),
        (_break("下放103项", "下放104项"), "announces"),
        (_break("部分下放。仅下放小(1)型水库的初步设计审批。", "部分下放。小(1)型水库。"), "仅下放"),
        (_break("\n备 \u2002注\n", "\n备注栏\n"), "header"),
    ],
)
def test_unknown_shapes_stop_the_parser(text: str, message: str) -> None:
    with pytest.raises(AnnexFormatError, match=message):
        parse_annex.parse(text)


def test_check_mode_detects_a_stale_seed(tmp_path) -> None:
    stale = tmp_path / "annex.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert parse_annex.main(["--check", "--output", str(stale)]) == 1
    fresh = tmp_path / "fresh.json"
    assert parse_annex.main(["--output", str(fresh)]) == 0
    assert parse_annex.main(["--check", "--output", str(fresh)]) == 0
