"""The handover workflow as a pure module: the transition table, each target's preconditions, the state sets.

``registry.domain.handover`` is the one place that says which step follows which and what each step
needs; the service and the API only gather facts and report what ``missing()`` answers. So the table is
written out here in full, by hand, and every one of the 7 × 7 ordered pairs is checked against it: a
changed arrow or a dropped precondition fails a named case instead of slipping through.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from registry.domain import handover as flow
from registry.domain.handover import ChecklistItem, Facts, Status

TODAY = date(2021, 6, 1)
STATES = ("pending", "in_progress", "awaiting_authorisation", "handed_over", "operating", "suspended", "recalled")

# The whole table, one row per current state, one column per target, in the order of STATES.
# 1 = one step of the workflow, 0 = not a step (including staying where one is).
#                              pen  inp  awa  han  ope  sus  rec
TABLE: dict[str, tuple[int, ...]] = {
    "pending":                (0,   1,   1,   0,   0,   1,   0),
    "in_progress":            (0,   0,   1,   1,   0,   1,   0),
    "awaiting_authorisation": (0,   1,   0,   0,   0,   1,   0),
    "handed_over":            (0,   0,   0,   0,   1,   0,   1),
    "operating":              (0,   0,   0,   0,   0,   0,   1),
    "suspended":              (1,   1,   0,   0,   0,   0,   0),
    "recalled":               (1,   0,   0,   0,   0,   0,   0),
}
PAIRS = [(current, target) for current in STATES for target in STATES]
ALLOWED = {(current, target) for current, row in TABLE.items() for target, ok in zip(STATES, row, strict=True) if ok}

# A handover as it is created: nothing filled in, no confirmation, every checklist item open, no reason given.
NOTHING = Facts(today=TODAY, open_items=tuple(ChecklistItem))
# Everything any step could ask for (an item that needs an authorisation, and has it).
COMPLETE = Facts(
    today=TODAY, receiving_office=True, office_contact=True, method=True, effective_date=TODAY - timedelta(days=1),
    authorisation_needed=True, authorisation_recorded=True, handed_over_confirmed=True, accepted_confirmed=True,
    open_items=(), reason=True,
)
# What each target asks of a handover that has NOTHING, in the order missing() reports it.
MISSING_FROM_NOTHING: dict[str, list[str]] = {
    "pending": ["reason"],
    "in_progress": ["receiving_office", "method"],
    "awaiting_authorisation": ["authorisation_needed"],
    "handed_over": ["receiving_office", "method", "effective_date", "confirmation.handover",
                    "confirmation.acceptance", "checklist.guidance", "checklist.supervision", "checklist.files",
                    "checklist.system_access", "checklist.list_updated"],
    "operating": ["effective_date"],
    "suspended": ["reason"],
    "recalled": ["reason"],
}
# A state from which each target is one step (the first in STATES order), to ask missing() from.
SOURCE = {target: next(c for c in STATES if (c, target) in ALLOWED) for target in STATES}


def codes(missing: list[flow.Missing] | None) -> list[str] | None:
    return None if missing is None else [m.code for m in missing]


def test_states_are_the_seven_codes_in_workflow_order() -> None:
    assert [s.value for s in Status] == list(STATES)
    assert [s.label for s in Status] == ["待交接", "交接中", "待法定授权", "已交接", "已运行", "暂缓", "已收回"]


def test_transitions_equal_the_table_written_out() -> None:
    expected = {Status(current): frozenset(Status(t) for t, ok in zip(STATES, row, strict=True) if ok)
                for current, row in TABLE.items()}
    assert flow.TRANSITIONS == expected
    assert len(ALLOWED) == 14


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_missing_on_every_pair(current: str, target: str) -> None:
    complete = flow.missing(Status(current), Status(target), COMPLETE)
    nothing = flow.missing(Status(current), Status(target), NOTHING)
    if (current, target) in ALLOWED:
        assert complete == []
        assert codes(nothing) == MISSING_FROM_NOTHING[target]
        assert all(m.message.strip() for m in nothing)
    else:
        assert complete is None
        assert nothing is None


# Each requirement on its own: COMPLETE with exactly one fact changed.
ONE_AT_A_TIME = [
    # in_progress: the terms, and the authorisation when one is needed
    ("in_progress", {"receiving_office": False}, ["receiving_office"]),
    ("in_progress", {"method": False}, ["method"]),
    ("in_progress", {"authorisation_recorded": False}, ["authorisation"]),
    ("in_progress", {"authorisation_needed": False, "authorisation_recorded": False}, []),
    ("in_progress", {"effective_date": None}, []),
    ("in_progress", {"handed_over_confirmed": False, "accepted_confirmed": False}, []),
    ("in_progress", {"open_items": tuple(ChecklistItem)}, []),
    ("in_progress", {"reason": False}, []),
    # awaiting_authorisation: only an item that needs one waits for it
    ("awaiting_authorisation", {"authorisation_needed": False}, ["authorisation_needed"]),
    ("awaiting_authorisation", {"authorisation_recorded": False}, []),
    ("awaiting_authorisation", {"receiving_office": False, "method": False}, []),
    ("awaiting_authorisation", {"reason": False}, []),
    # handed_over: terms, date, authorisation, both confirmations, every checklist item
    ("handed_over", {"receiving_office": False}, ["receiving_office"]),
    ("handed_over", {"method": False}, ["method"]),
    ("handed_over", {"effective_date": None}, ["effective_date"]),
    ("handed_over", {"effective_date": TODAY + timedelta(days=30)}, []),
    ("handed_over", {"authorisation_recorded": False}, ["authorisation"]),
    ("handed_over", {"authorisation_needed": False, "authorisation_recorded": False}, []),
    ("handed_over", {"office_contact": False}, ["receiving_office.contact"]),
    ("handed_over", {"receiving_office": False, "office_contact": False}, ["receiving_office"]),
    ("handed_over", {"handed_over_confirmed": False}, ["confirmation.handover"]),
    ("handed_over", {"accepted_confirmed": False}, ["confirmation.acceptance"]),
    ("handed_over", {"open_items": (ChecklistItem.GUIDANCE,)}, ["checklist.guidance"]),
    ("handed_over", {"open_items": (ChecklistItem.SUPERVISION,)}, ["checklist.supervision"]),
    ("handed_over", {"open_items": (ChecklistItem.FILES,)}, ["checklist.files"]),
    ("handed_over", {"open_items": (ChecklistItem.SYSTEM_ACCESS,)}, ["checklist.system_access"]),
    ("handed_over", {"open_items": (ChecklistItem.LIST_UPDATED,)}, ["checklist.list_updated"]),
    ("handed_over", {"reason": False}, []),
    # operating: the effective date has been reached (Beijing today), and nothing else
    ("operating", {"effective_date": TODAY + timedelta(days=1)}, ["effective_date"]),
    ("operating", {"effective_date": TODAY}, []),
    ("operating", {"effective_date": TODAY - timedelta(days=365)}, []),
    ("operating", {"effective_date": None}, ["effective_date"]),
    ("operating", {"receiving_office": False, "method": False, "handed_over_confirmed": False,
                   "accepted_confirmed": False, "open_items": tuple(ChecklistItem), "reason": False}, []),
    # suspended, recalled, pending: a reason, and nothing else
    ("suspended", {"reason": False}, ["reason"]),
    ("recalled", {"reason": False}, ["reason"]),
    ("pending", {"reason": False}, ["reason"]),
    ("suspended", {"receiving_office": False, "method": False, "authorisation_recorded": False}, []),
    ("recalled", {"effective_date": TODAY + timedelta(days=1)}, []),
    ("pending", {"open_items": tuple(ChecklistItem), "effective_date": None}, []),
]


@pytest.mark.parametrize(("target", "change", "expected"), ONE_AT_A_TIME,
                         ids=[f"{t}-{'+'.join(c)}" for t, c, _ in ONE_AT_A_TIME])
def test_each_requirement_alone(target: str, change: dict, expected: list[str]) -> None:
    facts = replace(COMPLETE, **change)
    for current in STATES:
        if (current, target) in ALLOWED:
            assert codes(flow.missing(Status(current), Status(target), facts)) == expected, current


def test_open_items_are_reported_in_the_order_given() -> None:
    facts = replace(COMPLETE, open_items=(ChecklistItem.LIST_UPDATED, ChecklistItem.GUIDANCE))
    assert codes(flow.missing(Status.IN_PROGRESS, Status.HANDED_OVER, facts)) == [
        "checklist.list_updated", "checklist.guidance"]


@pytest.mark.parametrize(
    ("target", "change", "expected"),
    [
        # authorisation needed and not recorded blocks both steps that move the handover on
        ("in_progress", {"authorisation_recorded": False, "receiving_office": False},
         ["receiving_office", "authorisation"]),
        ("handed_over", {"authorisation_recorded": False, "accepted_confirmed": False},
         ["authorisation", "confirmation.acceptance"]),
        ("handed_over", {"effective_date": None, "method": False, "open_items": (ChecklistItem.FILES,)},
         ["method", "effective_date", "checklist.files"]),
    ],
)
def test_several_missing_are_all_reported_in_order(target: str, change: dict, expected: list[str]) -> None:
    assert codes(flow.missing(Status(SOURCE[target]), Status(target), replace(COMPLETE, **change))) == expected


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({}, []),
        ({"receiving_office": False}, ["receiving_office"]),
        ({"method": False}, ["method"]),
        ({"effective_date": None}, ["effective_date"]),
        ({"receiving_office": False, "method": False, "effective_date": None},
         ["receiving_office", "method", "effective_date"]),
        # confirming looks at the terms only: not the checklist, the authorisation or the other side
        ({"open_items": tuple(ChecklistItem), "authorisation_recorded": False, "handed_over_confirmed": False}, []),
    ],
)
def test_confirmation_needs_the_terms(change: dict, expected: list[str]) -> None:
    assert codes(flow.confirmation_missing(replace(COMPLETE, **change))) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        ("pending", ["in_progress", "awaiting_authorisation", "suspended"]),
        ("in_progress", ["awaiting_authorisation", "handed_over", "suspended"]),
        ("awaiting_authorisation", ["in_progress", "suspended"]),
        ("handed_over", ["operating", "recalled"]),
        ("operating", ["recalled"]),
        ("suspended", ["pending", "in_progress"]),
        ("recalled", ["pending"]),
    ],
)
def test_allowed_next_in_enum_order(current: str, expected: list[str]) -> None:
    nxt = flow.allowed_next(Status(current))
    assert [s.value for s in nxt] == expected
    assert all(isinstance(s, Status) for s in nxt)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DONE", {"handed_over", "operating"}),
        ("OPEN", {"pending", "in_progress", "awaiting_authorisation"}),
        ("EDITABLE", {"pending", "in_progress", "awaiting_authorisation", "suspended"}),
        ("NEEDS_REASON", {"suspended", "recalled", "pending"}),
    ],
)
def test_state_sets(name: str, expected: set[str]) -> None:
    assert getattr(flow, name) == frozenset(Status(s) for s in expected)


@pytest.mark.parametrize(
    ("choices", "expected"),
    [
        (flow.ChecklistItem, [("guidance", "业务指导和培训"), ("supervision", "事中事后监管措施"),
                              ("files", "档案资料移交"), ("system_access", "业务系统权限开通"),
                              ("list_updated", "权力清单和办事指南更新")]),
        (flow.Side, [("handover", "市级部门确认移交"), ("acceptance", "经开区确认承接")]),
        (flow.DayKind, [("calendar", "自然日"), ("working", "工作日")]),
    ],
)
def test_other_closed_sets(choices, expected: list[tuple[str, str]]) -> None:
    assert [(c.value, c.label) for c in choices] == expected


@pytest.mark.parametrize(
    ("effective_date", "confirmed", "reason", "expected"),
    [
        (None, False, False, []),
        (TODAY, False, False, []),
        (TODAY + timedelta(days=1), False, False, []),
        (TODAY - timedelta(days=1), False, False, [("effective_date", "handover.effective_date_past_unconfirmed"),
                                                   ("note", "handover.effective_date_past_reason_required")]),
        (TODAY - timedelta(days=1), True, False, [("note", "handover.effective_date_past_reason_required")]),
        (TODAY - timedelta(days=365), False, True, [("effective_date", "handover.effective_date_past_unconfirmed")]),
        (TODAY - timedelta(days=1), True, True, []),
    ],
    ids=["no-date", "today", "tomorrow", "yesterday-bare", "confirmed-without-reason", "reason-without-confirming",
         "confirmed-with-reason"],
)
def test_an_effective_date_before_today_needs_a_confirmation_and_a_reason(effective_date, confirmed: bool,
                                                                          reason: bool, expected: list) -> None:
    missing = flow.backdating(effective_date, TODAY, confirmed, reason)
    assert [(m.code, m.message.code.value) for m in missing] == expected
