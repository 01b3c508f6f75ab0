"""The pages' pure presenters: chart geometry, plain-word events, inline diffs, readable trail rows."""

from __future__ import annotations

import pytest

from registry.domain.handover import Status
from registry.domain.messages import Code, Message
from registry.domain.trail_words import EMPTY, Names, shown
from registry.web import charts
from registry.web.feedback import words
from registry.web.textdiff import inline
from registry.web.trailview import rows
from registry.web.wording import event_sentence


def test_status_bars_scale_to_the_largest_and_say_their_numbers() -> None:
    chart = charts.by_status([(Status.PENDING, 60), (Status.IN_PROGRESS, 30), (Status.OPERATING, 0)])
    widths = [sum(s.width for s in r.segments) for r in chart.rows]
    assert widths == [chart.bar_width, chart.bar_width / 2, 0]
    assert [r.summary for r in chart.rows] == ["60 项", "30 项", "0 项"]
    assert [r.label for r in chart.rows] == ["待交接", "交接中", "已运行"]
    assert chart.rows[1].y > chart.rows[0].y and chart.height > chart.rows[-1].y


def test_department_bars_stack_the_groups_in_order_with_their_own_patterns() -> None:
    chart = charts.by_department({"市水利局": {Status.OPERATING: 2, Status.HANDED_OVER: 1, Status.PENDING: 3,
                                               Status.RECALLED: 1, Status.IN_PROGRESS: 1},
                                  "市林业局": {Status.PENDING: 4}})
    water, forestry = chart.rows
    assert [(s.key, s.value, s.pattern) for s in water.segments] == [
        ("done", 3, "solid"), ("moving", 1, "hatch"), ("waiting", 3, "dots"), ("stopped", 1, "blank")]
    assert water.summary == "完成 3/8" and forestry.summary == "完成 0/4"
    assert [s.x for s in water.segments] == sorted(s.x for s in water.segments)
    assert sum(s.width for s in water.segments) == pytest.approx(chart.bar_width)
    assert sum(s.width for s in forestry.segments) == pytest.approx(chart.bar_width / 2)
    assert len({g.pattern for g in charts.GROUPS}) == len(charts.GROUPS), "each group drawn its own way"


@pytest.mark.parametrize("lines", [[("2026-01", 4, 3)], [("2026-01", 16, 15), ("2026-02", 123456, 120000)]])
def test_volume_bars_leave_room_for_their_numbers(lines: list) -> None:
    chart = charts.volumes(lines)
    room = chart.width - chart.label_width - chart.bar_width - 8  # the text starts 8 px after the bar
    assert all(charts.text_width(r.summary) <= room for r in chart.rows)
    assert chart.bar_width == charts.WIDTH - charts.LABEL_WIDTH - charts.VALUE_WIDTH  # the bars keep their scale


def test_conclusion_bars_are_drawn_each_their_own_way() -> None:
    chart = charts.conclusions([("keep", "保留", 3), ("adjust", "调整", 1), ("propose_recall", "建议收回", 0),
                                ("not_evaluated", "未评估", 6)])
    assert [(r.label, r.summary, [s.pattern for s in r.segments]) for r in chart.rows] == [
        ("保留", "3 项", ["solid"]), ("调整", "1 项", ["hatch"]), ("建议收回", "0 项", []),
        ("未评估", "6 项", ["blank"])]
    assert chart.rows[3].segments[0].width == chart.bar_width


def test_every_status_belongs_to_exactly_one_group() -> None:
    grouped = [s for g in charts.GROUPS for s in g.statuses]
    assert sorted(grouped) == sorted(Status)


def _choice(code: str) -> dict:
    return {"code": code, "label": Status(code).label}


@pytest.mark.parametrize(
    ("event", "sentence"),
    [
        ({"kind": "create"}, "登记交接事项，状态为“待交接”。"),
        ({"kind": "transition", "from": _choice("pending"), "to": _choice("in_progress")},
         "交接状态由“待交接”变为“交接中”。"),
        ({"kind": "transition", "from": _choice("in_progress"), "to": _choice("handed_over"),
          "effective_on": "2021-06-01", "office": {"id": 8, "name": "某办公室"}},
         "交接状态由“交接中”变为“已交接”，自 2021-06-01 起由某办公室办理。"),
        ({"kind": "transition", "from": _choice("operating"), "to": _choice("recalled"), "effective_on": "2022-01-01"},
         "交接状态由“已运行”变为“已收回”，自 2022-01-01 起由市级部门办理。"),
        ({"kind": "confirmation", "detail": {"code": "handover", "label": "市级部门确认移交"}}, "市级部门确认移交。"),
        ({"kind": "checklist", "detail": {"code": "files", "label": "档案资料移交"}},
         "交接工作“档案资料移交”有进展。"),
        ({"kind": "update"}, "交接内容（承接部门、移交方式、实施范围或日期等）有更新。"),
    ],
)
def test_events_in_plain_words(event: dict, sentence: str) -> None:
    assert event_sentence(event) == sentence


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, EMPTY), ("", EMPTY), ([], EMPTY), (True, "是"), (False, "否"), (["甲", "乙"], "甲\n乙"),
     ({"doc_number": "1号", "date": "2021-05-20"}, "doc_number：1号；date：2021-05-20"), (38, "38")],
)
def test_values_as_shown(value, text: str) -> None:
    assert shown(value) == text


@pytest.mark.parametrize(
    ("before", "after", "removed", "added"),
    [
        ("取水许可", "取水许可审批", [], ["审批"]),
        ("对政府采购供应商违法行为的处罚", "对政府采购代理机构违法行为的处罚", ["供应商"], ["代理机构"]),
        (None, "新备注", [], ["新备注"]),
        ("旧备注", None, ["旧备注"], []),
        ("交接中", "已交接", ["中"], ["已"]),
    ],
)
def test_inline_marks_only_what_changed(before, after, removed: list[str], added: list[str]) -> None:
    old, new = inline(before, after)
    assert [p.text for p in old if p.changed] == removed
    assert [p.text for p in new if p.changed] == added
    assert "".join(p.text for p in old) == shown(before) and "".join(p.text for p in new) == shown(after)


@pytest.mark.parametrize(("before", "after", "whole"), [("交接中", "已交接", True), (10, 11, False),
                                                     (False, True, False)])
def test_whole_values_are_replaced_not_edited(before, after, whole: bool) -> None:
    old, new = inline(before, after, whole=whole)
    assert [(p.text, p.changed) for p in old] == [(shown(before), True)]
    assert [(p.text, p.changed) for p in new] == [(shown(after), True)]


NAMES = Names({1: "市水利局", 8: "重庆经开区行政审批服务中心"}, {1: "直接下放"})


def _row_texts(entity: str, diff: list[dict]) -> list[tuple[str, str, str]]:
    return [(r.label, "".join(p.text for p in r.old), "".join(p.text for p in r.new))
            for r in rows(entity, diff, NAMES)]


def test_trail_rows_name_codes_and_ids() -> None:
    diff = [{"field": "status", "label": "交接状态", "before": "in_progress", "after": "handed_over"},
            {"field": "receiving_office", "label": "承接部门", "before": None, "after": 8},
            {"field": "method", "label": "移交方式", "before": None, "after": 1}]
    assert _row_texts("handover", diff) == [("交接状态", "交接中", "已交接"),
                                            ("承接部门", EMPTY, "重庆经开区行政审批服务中心 (#8)"),
                                            ("移交方式", EMPTY, "直接下放 (#1)")]
    assert _row_texts("power", [{"field": "type", "label": "事项类型", "before": "licensing", "after": "penalty"}]) == [
        ("事项类型", "行政许可", "行政处罚")]


def test_a_checklist_change_is_one_row_per_item_that_changed() -> None:
    undone = {"done": False, "by": None, "at": None, "evidence": None, "note": None}
    done = {"done": True, "by": "经开区甲", "at": "2021-05-20T00:00:00Z", "evidence": {"doc_number": "1号"},
            "note": None}
    before = {"guidance": undone, "files": undone}
    diff = [{"field": "checklist", "label": "交接清单", "before": before, "after": {**before, "files": done}}]
    (row,) = rows("handover", diff, NAMES)
    assert (row.label, row.field) == ("交接清单 · 档案资料移交", "checklist.files")
    assert "办理人：经开区甲" in "".join(p.text for p in row.new)


def test_a_new_checklist_reads_item_by_item_in_chinese() -> None:
    undone = {"done": False, "by": None, "at": None, "evidence": None, "note": None}
    diff = [{"field": "checklist", "label": "交接清单", "before": None, "after": {"guidance": undone, "files": undone}}]
    assert [(r.label, "".join(p.text for p in r.new)) for r in rows("handover", diff, NAMES)] == [
        ("交接清单 · 业务指导和培训", "完成：否"), ("交接清单 · 档案资料移交", "完成：否")]


@pytest.mark.parametrize(
    ("service", "console"),
    [
        (Message(Code.NEEDS_REASON, "say why"), "请说明原因"),
        (Message(Code.TRANSITION_NOT_READY, "{current} → {target} is not possible yet", current="待交接",
                 target="交接中"), "“待交接”转为“交接中”暂不能办理"),
        (Message(Code.TRANSITION_NOT_ALLOWED, "{current} → {target} is not a step of the workflow",
                 current="已交接", target="交接中"), "“已交接”不能直接转为“交接中”"),
        (Message(Code.NEEDS_OFFICE, "指定承接部门 (name the receiving zone office)"), "指定承接部门"),
        (Message(Code.NEEDS_HANDOVER_CONFIRMATION, "市级部门确认移交 (the city department confirms)"),
         "市级部门确认移交"),
        (Message(Code.NEEDS_CHECKLIST_ITEM, "{item}未完成", item="业务指导和培训"), "业务指导和培训未完成"),
        (Message(Code.POWER_SEQ_TAKEN, "序号 {seq} is already used in this decision by power {power}", seq=39,
                 power=39), "序号 39 已被事项 39 使用"),
        (Message(Code.ALREADY_CONFIRMED_BY, "{side} was already given by {by}", side="经开区确认承接", by="经开区甲"),
         "经开区甲 已作出“经开区确认承接”"),
        (Message(Code.NEEDS_AUTHORISATION, "需依法取得授权: record the authorising document first"),
         "需依法取得授权：请先登记授权文件"),
        (Message(Code.DEPARTMENT_MUST_BE_GUIDING, "must be a city guiding department (市级指导(实施)部门)"),
         "须为市级指导(实施)部门"),
        ("一个表单自己的提示", "一个表单自己的提示"),  # not a service message: shown as it is
    ],
)
def test_service_messages_in_the_consoles_words(service: str, console: str) -> None:
    assert words(service) == console
