"""Offices' contact details from a sheet: every row checked first, then each office that changes updated through
reference.update_department (audited with the reason, its version bumped); all or nothing.

A row names its office by the exact name in 部门名称 and gives any of 地址, 电话 and 办公时间; a cell left empty
keeps what is published. Errors are keyed by where they are, as a person finds them in the sheet: 第 N 行“列”.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from registry.domain.contacts import phone_ok
from registry.domain.roles import Action, Caller
from registry.imports.tables import Formula, Table
from registry.models import Department
from registry.services import reference
from registry.services.authz import authorize
from registry.services.errors import Code, Message, ValidationFailed

NAME = "部门名称"
# The sheet's column names (a few other names people write for them too) and the department field each fills.
COLUMNS = {NAME: "name", "名称": "name", "地址": "address", "电话": "phone", "联系电话": "phone",
           "办公时间": "hours", "工作时间": "hours"}
LONGEST = {"name": 100, "address": 300, "phone": 64, "hours": 200}


@dataclass
class Outcome:
    """What one row does: the office, and the fields (labels as in the sheet) it changes; none when unchanged."""

    row: int
    department: Department
    changes: dict[str, str] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


def where(row: int, column: str | None = None) -> str:
    return f"第 {row} 行" + (f"“{column}”列" if column else "")


def _check_header(table: Table, errors: dict[str, list[Message]]) -> None:
    names = [c for c in table.columns if c]
    for column in names:
        if column not in COLUMNS:
            errors.setdefault(where(table.header_row, column), []).append(Message(
                Code.SHEET_UNKNOWN_COLUMN, "column {column} is not one the import knows", column=column))
    if not any(COLUMNS.get(c) == "name" for c in names):
        errors.setdefault(where(table.header_row), []).append(Message(
            Code.SHEET_NAME_COLUMN_MISSING, "the header has no {column} column", column=NAME))


def _check_row(session: Session, header: set[str], row, seen: dict[str, int],
               errors: dict[str, list[Message]]) -> Outcome | None:
    wrong: dict[str, list[Message]] = {}
    values: dict[str, str] = {}
    labels: dict[str, str] = {}
    for column, value in row.cells.items():
        target = COLUMNS.get(column)
        if target is None:
            if column not in header:  # a header's unknown column is named once, on the header's row
                wrong.setdefault(where(row.number, column), []).append(Message(
                    Code.SHEET_UNKNOWN_COLUMN, "column {column} is not one the import knows", column=column))
        elif isinstance(value, Formula):
            wrong.setdefault(where(row.number, column), []).append(Message(
                Code.SHEET_FORMULA, "the cell holds a formula ({formula}); type the value itself",
                formula=str(value)[:60]))
        elif len(value) > LONGEST[target]:
            wrong.setdefault(where(row.number, column), []).append(Message(
                Code.SHEET_TOO_LONG, "at most {max} characters, not {length}", max=LONGEST[target],
                length=len(value)))
        elif target == "phone" and not phone_ok(value):
            wrong.setdefault(where(row.number, column), []).append(Message(
                Code.OFFICE_PHONE_INVALID, "{value} is not a phone number", value=value))
        else:
            values[target], labels[target] = value, column
    name = values.pop("name", None)
    department = None
    if name is None and not any(COLUMNS.get(c) == "name" for c in row.cells):
        wrong.setdefault(where(row.number, NAME), []).append(Message(Code.SHEET_NAME_MISSING, "no office named"))
    elif name is not None:
        department = reference.find_department(session, name)
        if department is None:
            wrong.setdefault(where(row.number, labels["name"]), []).append(Message(
                Code.OFFICE_IMPORT_UNKNOWN, "no department or office is named {name}", name=name))
        elif name in seen:
            wrong.setdefault(where(row.number, labels["name"]), []).append(Message(
                Code.OFFICE_IMPORT_DUPLICATE, "{name} is given again (first in row {first})", name=name,
                first=seen[name]))
        else:
            seen[name] = row.number
    if wrong or department is None:
        for key, messages in wrong.items():
            errors.setdefault(key, []).extend(messages)
        return None
    changes = {k: v for k, v in values.items() if getattr(department, k) != v}
    return Outcome(row.number, department, changes, [labels[k] for k in changes])


def check(session: Session, caller: Caller, table: Table) -> list[Outcome]:
    """Every row checked against the registry; what each would change, or ValidationFailed naming every wrong cell.
    Nothing is written here."""
    authorize(caller, Action.REFERENCE_MANAGE)
    errors: dict[str, list[Message]] = {}
    _check_header(table, errors)
    seen: dict[str, int] = {}
    outcomes = [o for o in (_check_row(session, set(table.columns), row, seen, errors)
                                    for row in table.rows) if o is not None]
    if errors:
        rows = {key.split("“")[0] for key in errors}
        raise ValidationFailed(Message(Code.SHEET_ROWS_INVALID, "{count} row(s) are wrong; nothing was written",
                                       count=len(rows)), errors)
    if not table.rows:
        raise ValidationFailed(Message(Code.SHEET_EMPTY, "the file holds no rows"))
    return outcomes


def import_contacts(session: Session, caller: Caller, table: Table, reason: str | None,
                    dry_run: bool = False) -> list[Outcome]:
    """Check every row, then (unless ``dry_run``) update each office that changes, audited with ``reason``."""
    authorize(caller, Action.REFERENCE_MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(Message(Code.SHEET_REASON_REQUIRED, "say why the contact details change"),
                               {"reason": [Message(Code.FIELD_REQUIRED, "required")]})
    outcomes = check(session, caller, table)
    if not dry_run:
        for outcome in outcomes:
            if outcome.changes:
                reference.update_department(session, caller, outcome.department.id, outcome.changes, None, reason)
    return outcomes
