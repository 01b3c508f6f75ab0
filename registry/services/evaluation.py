"""Evaluation (评估) of the devolved items: the period's figures computed from the case volumes and the
rectifications (plain SQL, grouped by item), the evaluator's conclusion recorded with a copy of them, and the flags
of every item. Takes the session, never commits; every write audited in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from registry.domain import evaluation as rule
from registry.domain import periods
from registry.domain.choices import EvaluationConclusion
from registry.domain.periods import Period
from registry.domain.roles import Action, Caller
from registry.domain.workdays import today_in_china
from registry.models import CaseVolume, Evaluation, Power, Rectification
from registry.services import audit, standing
from registry.services.authz import authorize
from registry.services.case_volumes import in_use
from registry.services.changes import apply_changes, flush_versioned
from registry.services.errors import Code, Message, ValidationFailed
from registry.services.powers import get_power
from registry.services.versions import require_version


def parse_period(text: str | None, today: date | None = None) -> Period:
    """A year ("2026"), a half ("2026-H1") or a quarter ("2026-Q3"); refused when it is none or has not begun."""
    today = today or today_in_china()
    text = (text or "").strip()
    period = periods.parse(text)
    if period is None:
        message = Message(Code.EVALUATION_PERIOD_INVALID, "{value!r} is not a period (a year such as 2026, a half "
                          "such as 2026-H1 or a quarter such as 2026-Q3)", value=text)
        raise ValidationFailed(message, {"period": [message]})
    if period.start > today:
        message = Message(Code.EVALUATION_PERIOD_NOT_ENDED, "the period {period} has not begun", period=period.label)
        raise ValidationFailed(message, {"period": [message]})
    return period


@dataclass
class Figures:
    accepted: int = 0
    completed: int = 0
    on_time_permille: int | None = None
    open_rectifications: int = 0
    idle_months: int = 0


def _counted_months(period: Period, today: date) -> int:
    """The months of the period up to the current month (a period still running counts its months so far)."""
    first, last = period.months
    last = min(last, f"{today:%Y-%m}")
    return max(0, (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1)


def figures(session: Session, period: Period, today: date | None = None) -> dict[int, Figures]:
    """Each item's figures for the period: cases summed (GROUP BY item), the on-time share of the completed cases
    that reported it, the months with no case accepted, and the rectifications open at the period's end."""
    today = today or today_in_china()
    first, last = period.months
    reported = case((CaseVolume.on_time.is_not(None), CaseVolume.completed), else_=0)
    busy_month = case((CaseVolume.accepted > 0, CaseVolume.month), else_=None)
    rows = session.execute(
        select(CaseVolume.power_id, func.sum(CaseVolume.accepted), func.sum(CaseVolume.completed),
               func.sum(CaseVolume.on_time), func.sum(reported), func.count(func.distinct(busy_month)))
        .where(CaseVolume.month >= first, CaseVolume.month <= last).group_by(CaseVolume.power_id))
    months = _counted_months(period, today)
    out: dict[int, Figures] = {}
    for power_id, accepted, completed, on_time, reported_completed, busy in rows:
        out[power_id] = Figures(int(accepted), int(completed), rule.share_permille(
            None if on_time is None else int(on_time), int(reported_completed)), 0, max(0, months - int(busy)))
    still_open = (Rectification.counted_from <= period.end) & (
        Rectification.closed_on.is_(None) | (Rectification.closed_on > period.end))
    for power_id, count in session.execute(select(Rectification.power_id, func.count(Rectification.id))
                                           .where(still_open).group_by(Rectification.power_id)):
        out.setdefault(power_id, Figures(idle_months=months)).open_rectifications = int(count)
    return out


def find(session: Session, power_id: int, period: Period) -> Evaluation | None:
    return session.scalar(select(Evaluation).where(Evaluation.power_id == power_id,
                                                   Evaluation.period_start == period.start,
                                                   Evaluation.period_end == period.end))


def record(session: Session, caller: Caller, power_id: int, *, period: str, conclusion: EvaluationConclusion,
           reason: str, expected_version: int | None = None, today: date | None = None) -> tuple[Evaluation, bool]:
    """Record the conclusion on ``power_id`` for ``period`` with the period's figures as they stand now; the same
    period evaluated again updates its row (the caller names the version it read: If-Match). Returns the row and
    whether it was created."""
    today = today or today_in_china()
    power = get_power(session, power_id)
    authorize(caller, Action.EVALUATION_RECORD, power.department_id)
    span = parse_period(period, today)
    reason = (reason or "").strip()
    if not reason:
        message = Message(Code.EVALUATION_REASON_REQUIRED, "say why")
        raise ValidationFailed(Message(Code.EVALUATION_INVALID, "the evaluation is incomplete"), {"reason": [message]})
    if power.retired:
        raise ValidationFailed(Message(Code.EVALUATION_POWER_RETIRED, "power {power} is retired; it is no longer "
                                       "evaluated", power=power_id))
    numbers = figures(session, span, today).get(power_id) or Figures(idle_months=_counted_months(span, today))
    values = {"accepted": numbers.accepted, "completed": numbers.completed,
              "on_time_permille": numbers.on_time_permille, "open_rectifications": numbers.open_rectifications,
              "idle_months": numbers.idle_months, "conclusion": conclusion, "reason": reason,
              "evaluated_by": caller.name}
    row = find(session, power_id, span)
    if row is None:
        row = Evaluation(power=power, period_start=span.start, period_end=span.end, **values)
        session.add(row)
        flush_versioned(session, row)
        audit.record(session, caller, "create", row, None, reason)
        return row, True
    require_version(row, expected_version, lambda version, wanted: Message(
        Code.EVALUATION_STALE, "evaluation {evaluation} is at version {version}, not {expected}; reload it and "
        "retry", evaluation=row.id, version=version, expected=wanted))
    apply_changes(session, caller, row, values, reason=reason)
    return row, False


def for_power(session: Session, power_id: int) -> list[Evaluation]:
    """The item's evaluations, the latest period first."""
    get_power(session, power_id)
    return list(session.scalars(select(Evaluation).where(Evaluation.power_id == power_id)
                                .order_by(Evaluation.period_start.desc())))


@dataclass
class Line:
    power: Power
    figures: Figures
    evaluation: Evaluation | None
    flags: list[rule.Flag]


@dataclass
class Overview:
    period: Period
    lines: list[Line]
    conclusions: dict[EvaluationConclusion, int] = field(default_factory=dict)


def overview(session: Session, period: str, today: date | None = None, *, also: int | None = None) -> Overview:
    """Every item in operation (and any other with figures or an evaluation in the period, and ``also``): its
    figures, its conclusion if evaluated, and its flags; the conclusions counted."""
    today = today or today_in_china()
    span = parse_period(period, today)
    numbers = figures(session, span, today)
    previous = figures(session, span.previous(), today)
    evaluations = {e.power_id: e for e in session.scalars(select(Evaluation).where(
        Evaluation.period_start == span.start, Evaluation.period_end == span.end))}
    ever = set(session.scalars(select(Evaluation.power_id).distinct()))
    last_busy = dict(session.execute(select(CaseVolume.power_id, func.max(CaseVolume.month))
                                     .where(CaseVolume.accepted > 0).group_by(CaseVolume.power_id)).all())
    operating = set(session.scalars(in_use(), {standing.ON: today}))
    wanted = operating | set(numbers) | set(evaluations) | ({also} if also is not None else set())
    powers = session.scalars(select(Power).where(Power.id.in_(wanted)).order_by(Power.decision_id, Power.seq))
    # The last month counted: the period's last, or the month before the current one while the period runs.
    as_of = min(span.months[1], rule.month_shift(f"{today:%Y-%m}", -1))
    lines = []
    for power in powers:
        mine = numbers.get(power.id) or Figures(idle_months=_counted_months(span, today))
        before = previous.get(power.id)
        lines.append(Line(power, mine, evaluations.get(power.id), rule.flags(
            in_operation=power.id in operating, last_busy_month=last_busy.get(power.id), as_of_month=as_of,
            evaluated=power.id in ever, share=mine.on_time_permille,
            previous_share=before.on_time_permille if before else None)))
    counts = {c: sum(1 for e in evaluations.values() if e.conclusion is c) for c in EvaluationConclusion}
    return Overview(span, lines, counts)


def line(session: Session, power_id: int, period: str, today: date | None = None) -> Line:
    """One item's line of the period's overview (figures, conclusion, flags), whether or not it is in operation."""
    get_power(session, power_id)
    return next(x for x in overview(session, period, today, also=power_id).lines if x.power.id == power_id)


def proposals(session: Session, period: str, today: date | None = None) -> tuple[Period, list[Evaluation]]:
    """The period's evaluations that propose a change (调整, 建议收回), in annex order."""
    span = parse_period(period, today or today_in_china())
    rows = session.scalars(select(Evaluation).join(Evaluation.power)
                           .where(Evaluation.period_start == span.start, Evaluation.period_end == span.end,
                                  Evaluation.conclusion.in_([EvaluationConclusion.ADJUST,
                                                             EvaluationConclusion.PROPOSE_RECALL]))
                           .order_by(Power.decision_id, Power.seq))
    return span, list(rows.unique())
