"""Service guides from a sheet: one row per item, matched by 序号 (else 事项名称), every cell checked by the same
rules as the API, and all or nothing: one wrong cell anywhere and no guide is written. Each changed guide is one
audit entry with the import's reason.

Columns are named by the guide's labels (registry.domain.guides.LABELS; a bracketed note such as （工作日） is
ignored). Only the columns the sheet has are set: a blank cell clears that field, a column left out keeps what
the guide says. 申请材料 lists one material a line; 是否收费 is 是 or 否; time limits are whole working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain import guides as rules
from registry.domain.roles import Action, Caller
from registry.imports.sheet import Row, Sheet
from registry.models import Decision, Power
from registry.services import guides
from registry.services.authz import authorize
from registry.services.errors import Code, Message, ValidationFailed

SEQ, NAME = "序号", "事项名称"
COLUMNS = {label: name for name, label in rules.LABELS.items()}
HEADER = "表头"
YES, NO = ("是", "收费"), ("否", "不收费", "免费")


@dataclass(frozen=True)
class Outcome:
    """What a row does: ``action`` create, update or unchanged, and the labels of the fields it changes."""

    row: int
    power: Power
    action: str
    changed: list[str]


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    def count(self, action: str) -> int:
        return sum(o.action == action for o in self.outcomes)


def where(row: int, column: str) -> str:
    """How an error names a cell: its row number in the sheet and its column's Chinese name."""
    return f"第{row}行 {column}"


class _Errors(dict[str, list[Message]]):
    def add(self, key: str, message: Message) -> None:
        self.setdefault(key, []).append(message)


def _header_problems(sheet: Sheet, errors: _Errors) -> None:
    if SEQ not in sheet.columns and NAME not in sheet.columns:
        errors.add(HEADER, Message(Code.GUIDE_SHEET_NO_KEY_COLUMN, "the header needs a 序号 or 事项名称 column"))
    seen: set[str] = set()
    for column in sheet.columns:
        if column in seen:
            errors.add(HEADER, Message(Code.GUIDE_SHEET_DUPLICATE_COLUMN, "the column {column} is given twice",
                                       column=column))
        elif column not in COLUMNS and column not in (SEQ, NAME):
            errors.add(HEADER, Message(Code.GUIDE_SHEET_UNKNOWN_COLUMN, "unknown column {column}", column=column))
        seen.add(column)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number or a code typed into a number cell
    return str(value)


def _parse(column: str, value: Any) -> Any:
    """A cell as the guide's value: None when blank; raises ValueError carrying a Message when it cannot be."""
    name = COLUMNS[column]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name in rules.DAY_FIELDS:
        number = _whole_number(value)
        if number is None:
            raise ValueError(Message(Code.GUIDE_SHEET_NOT_A_NUMBER, "a whole number, not {value}", value=_text(value)))
        return number
    if name == "fee_charged":
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in YES or text in NO:
            return text in YES
        raise ValueError(Message(Code.GUIDE_SHEET_YES_NO, "是 or 否, not {value}", value=text))
    if name == "materials":
        return rules.materials_from_text(_text(value))
    return rules.tidy(_text(value))


def registry_powers(session: Session) -> Iterable[Power]:
    """The registry's powers, not synthetic scale data, in the order they were made (the sheet imports' items)."""
    real = select(Decision.id).where(Decision.synthetic.is_(False))
    return session.scalars(select(Power).where(Power.decision_id.in_(real)).order_by(Power.id))


class _Powers:
    """The registry's powers (not synthetic scale data), by 序号 and by name."""

    def __init__(self, session: Session):
        self.by_seq: dict[int, list[Power]] = {}
        self.by_name: dict[str, list[Power]] = {}
        for power in registry_powers(session):
            self.by_seq.setdefault(power.seq, []).append(power)
            self.by_name.setdefault(power.name, []).append(power)

    def find(self, row: Row, errors: _Errors) -> Power | None:
        seq_cell, name = row.cells.get(SEQ), rules.tidy(_text(row.cells.get(NAME) or ""))
        if seq_cell not in (None, ""):
            seq = _whole_number(seq_cell)
            if seq is None:
                errors.add(where(row.number, SEQ), Message(Code.GUIDE_SHEET_NOT_A_NUMBER, "a whole number, not "
                                                           "{value}", value=_text(seq_cell)))
                return None
            found = self.by_seq.get(seq, [])
            if len(found) != 1:
                errors.add(where(row.number, SEQ), Message(Code.GUIDE_SHEET_NO_SUCH_SEQ, "no item has 序号 {seq}",
                                                           seq=seq))
                return None
            if name is not None and name != found[0].name:
                errors.add(where(row.number, NAME), Message(
                    Code.GUIDE_SHEET_NAME_MISMATCH, "序号 {seq} is {name}, not the name given", seq=seq,
                    name=found[0].name))
                return None
            return found[0]
        if name is None:
            errors.add(where(row.number, f"{SEQ}/{NAME}"), Message(Code.GUIDE_SHEET_NO_KEY, "give 序号 or 事项名称"))
            return None
        found = self.by_name.get(name, [])
        if len(found) != 1:
            errors.add(where(row.number, NAME), Message(Code.GUIDE_SHEET_NAME_AMBIGUOUS, "{count} items are named "
                                                        "{name}; give 序号", count=len(found), name=name)
                       if found else Message(Code.GUIDE_SHEET_NO_SUCH_NAME, "no item is named {name}", name=name))
            return None
        return found[0]


@dataclass
class _Plan:
    row: int
    power: Power
    wanted: dict[str, Any]


def _plan_row(session: Session, row: Row, sheet: Sheet, powers: _Powers, errors: _Errors,
              first_row: dict[int, int]) -> _Plan | None:
    for (number, column), formula in sheet.formulas.items():
        if number == row.number:
            errors.add(where(row.number, column), Message(Code.GUIDE_SHEET_FORMULA, "a formula ({formula}) is not "
                                                          "read: type the value", formula=formula))
    power = powers.find(row, errors)
    given: dict[str, Any] = {}
    for column, value in row.cells.items():
        if column not in COLUMNS or (row.number, column) in sheet.formulas:
            continue
        try:
            given[COLUMNS[column]] = _parse(column, value)
        except ValueError as exc:
            errors.add(where(row.number, column), exc.args[0])
    if power is not None and power.id in first_row:
        errors.add(where(row.number, SEQ if row.cells.get(SEQ) not in (None, "") else NAME), Message(
            Code.GUIDE_SHEET_DUPLICATE_ROW, "the same item as row {first}", first=first_row[power.id]))
        power = None
    if power is not None:
        first_row[power.id] = row.number
    # The row's cells are checked even when it names no item, so that every wrong cell is named at once.
    wanted = guides.values(guides.find_guide(session, power.id) if power is not None else None) | given
    for name, messages in rules.problems(wanted).items():
        for message in messages:  # a rule over two fields names the second (承诺办结时限, 收费依据, 实施编码)
            errors.add(where(row.number, rules.LABELS[name]), message)
    return _Plan(row.number, power, wanted) if power is not None else None


def import_guides(session: Session, caller: Caller, sheet: Sheet, reason: str | None,
                  dry_run: bool = False) -> Report:
    """Check every row of ``sheet``; unless ``dry_run``, write each guide that changes (one audit entry each).
    ValidationFailed names every wrong cell (``第N行 列名``) and nothing is written."""
    authorize(caller, Action.GUIDE_IMPORT)
    if not (reason and reason.strip()):
        raise ValidationFailed(Message(Code.GUIDE_REASON_REQUIRED, "say why the guides are imported"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    errors = _Errors()
    _header_problems(sheet, errors)
    if not errors and not sheet.rows:
        raise ValidationFailed(Message(Code.GUIDE_SHEET_NO_ROWS, "the sheet has no rows under its header"))
    plans: list[_Plan] = []
    if not errors:
        powers, first_row = _Powers(session), {}
        plans = [p for row in sheet.rows if (p := _plan_row(session, row, sheet, powers, errors, first_row))]
    if errors:
        rows = {key.split(" ", 1)[0] for key in errors}
        raise ValidationFailed(Message(Code.GUIDE_SHEET_ROWS_INVALID, "{count} row(s) are wrong; nothing was "
                                       "imported", count=len(rows)), dict(errors))
    report = Report(dry_run=dry_run)
    for plan in plans:
        current = guides.find_guide(session, plan.power.id)
        before = guides.values(current)
        changed = [rules.LABELS[n] for n in rules.FIELDS if before[n] != plan.wanted[n]]
        office_moves = current is not None and current.office_id != guides.receiving_office_id(session, plan.power)
        action = ("create" if current is None and changed else "update" if changed or office_moves
                  else "unchanged")
        report.outcomes.append(Outcome(plan.row, plan.power, action, changed))
        if not dry_run and action != "unchanged":
            guides.write(session, caller, plan.power, current, plan.wanted, reason.strip())
    return report
