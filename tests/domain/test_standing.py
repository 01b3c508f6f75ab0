"""Where an item stands on a date by its lineage: registry.domain.standing, as a table."""

from __future__ import annotations

from datetime import date

import pytest

from registry.domain.choices import DecisionActionKind as K
from registry.domain.standing import Standing, Step, covers, stand, windows

D = date.fromisoformat
DEVOLVED = Step(K.DEVOLVE, D("2021-04-30"), "13号")
LIFE = [DEVOLVED, Step(K.SUSPEND, D("2024-01-01")), Step(K.RESUME, D("2024-07-01")), Step(K.ADJUST, D("2025-01-01")),
        Step(K.RECALL, D("2027-01-01")), Step(K.ENTRUST, D("2028-01-01")), Step(K.CANCEL, D("2030-01-01"))]


@pytest.mark.parametrize(("steps", "day", "standing", "since"), [
    ([], "2000-01-01", Standing.DEVOLVED, None),  # no lineage: held as entered
    ([DEVOLVED], "2021-04-29", Standing.PENDING, None),
    ([DEVOLVED], "2021-04-30", Standing.DEVOLVED, "2021-04-30"),
    (LIFE, "2024-01-01", Standing.SUSPENDED, "2024-01-01"),
    (LIFE, "2024-07-01", Standing.DEVOLVED, "2024-07-01"),
    (LIFE, "2025-06-01", Standing.DEVOLVED, "2024-07-01"),  # 调整 changes fields, not where it stands
    (LIFE, "2027-01-01", Standing.RECALLED, "2027-01-01"),
    (LIFE, "2028-01-01", Standing.ENTRUSTED, "2028-01-01"),
    (LIFE, "2030-01-01", Standing.CANCELLED, "2030-01-01"),
    # On one date the step applied last wins.
    ([DEVOLVED, Step(K.RECALL, D("2027-01-01")), Step(K.DEVOLVE, D("2027-01-01"))], "2027-01-01",
     Standing.DEVOLVED, "2021-04-30"),
    ([Step(K.ENTRUST, D("2021-01-01")), Step(K.SUSPEND, D("2022-01-01")), Step(K.RESUME, D("2023-01-01"))],
     "2023-01-01", Standing.ENTRUSTED, "2023-01-01"),  # resumed as it was held before
])
def test_stand(steps: list[Step], day: str, standing: Standing, since: str | None) -> None:
    answer = stand(steps, D(day))
    assert (answer.standing, answer.since) == (standing, since and D(since))
    assert answer.held == (standing in (Standing.DEVOLVED, Standing.ENTRUSTED))


@pytest.mark.parametrize(("steps", "spans"), [
    ([], [(None, None)]),
    ([DEVOLVED], [("2021-04-30", None)]),
    (LIFE, [("2021-04-30", "2024-01-01"), ("2024-07-01", "2027-01-01"), ("2028-01-01", "2030-01-01")]),
    ([DEVOLVED, Step(K.RECALL, D("2021-04-30"))], []),  # recalled the day it took effect: never held
])
def test_windows(steps: list[Step], spans: list[tuple[str | None, str | None]]) -> None:
    assert windows(steps) == [(s and D(s), e and D(e)) for s, e in spans]


@pytest.mark.parametrize("day", ["2021-04-29", "2021-04-30", "2023-12-31", "2024-01-01", "2024-07-01", "2026-12-31",
                                 "2027-01-01", "2027-12-31", "2028-01-01", "2030-01-01", "2099-01-01"])
def test_windows_agree_with_stand(day: str) -> None:
    assert covers(windows(LIFE), D(day)) == stand(LIFE, D(day)).held
