"""The annex layout: the decision's table as published, one row per 子项名称, for CSV, .xlsx and JSON export.

Two ways to the same rows: ``records`` over loaded Power objects (the CLI), and the streaming path the API
serves (``stream_rows`` read with Core as the rows come, written a batch at a time), so a CSV or JSON export
of any size keeps a worker's memory flat. ``labels="names"`` prints the published column names and labels;
``"codes"`` field codes and the stable codes of type and level, for programs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.domain.choices import LabelledChoice
from registry.exports import sheets
from registry.models import Decision, Department, Power, SubItem
from registry.services import reference

HEADER = ("序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备注")
CODES_HEADER = ("seq", "name", "sub_item", "type", "level", "department", "note")
BATCH = sheets.BATCH  # rows fetched per round trip, and annex rows per chunk written
# (seq, name, sub-item, type, level, department name, note), as both paths read them
Record = tuple[int, str, str, LabelledChoice, LabelledChoice, str, str]


def header(labels: str = "names") -> tuple[str, ...]:
    return CODES_HEADER if labels == "codes" else HEADER


def cells(record: Record, labels: str = "names") -> tuple[Any, ...]:
    """One annex row for a sheet: 序号 a number, type and level by label or by code."""
    seq, name, sub, type_, level, department, note = record
    if labels == "codes":
        return seq, name, sub, type_.value, level.value, department, note
    return seq, name, sub, type_.label, level.label, department, note


def records(powers: Iterable[Power]) -> Iterator[Record]:
    """One record per annex row; an item with n sub-items prints n rows that repeat its 序号 and name."""
    for p in powers:
        for sub in p.sub_items or [""]:
            yield p.seq, p.name, sub, p.type, p.level, p.department.name, p.note or ""


def rows(powers: Iterable[Power]) -> Iterator[dict[str, str]]:
    """The annex rows as JSON objects keyed by the published column names, every value text as printed."""
    return (_json_row(r) for r in records(powers))


def _json_row(record: Record) -> dict[str, str]:
    return dict(zip(HEADER, (str(record[0]), *cells(record)[1:]), strict=True))


def to_csv(powers: Iterable[Power], labels: str = "names") -> str:
    return sheets.csv_text(header(labels), (cells(r, labels) for r in records(powers)))


def decision_ids(session: Session, decisions: list[str] | None) -> list[int] | None:
    """The decisions (ids or document numbers) an export is limited to, None for all; an unknown document number
    is a 422, raised before anything is streamed."""
    return reference.resolve_ids(session, Decision, "doc_number", "decision", decisions) if decisions else None


def stream_rows(engine: Engine, decision_ids: list[int] | None = None,
                   include_retired: bool = False) -> Iterator[Record]:
    """The annex records of every power in force, in annex order, as ``records`` gives them.

    One Core statement (powers, their department and sub-items, outer-joined, in 序号 then sub-item order)
    read ``BATCH`` rows at a time (a server-side cursor on PostgreSQL) on a connection of its own, opened at the
    first row asked for: a streamed response reads it after the request's session is gone.
    """
    stmt = (select(Power.seq, Power.name, SubItem.name, Power.type, Power.level, Department.name, Power.note)
            .join(Department, Department.id == Power.department_id)
            .outerjoin(SubItem, SubItem.power_id == Power.id)
            .order_by(Power.decision_id, Power.seq, SubItem.position))
    if not include_retired:
        stmt = stmt.where(Power.retired.is_(False))
    if decision_ids is not None:
        stmt = stmt.where(Power.decision_id.in_(decision_ids))
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(stmt)
        for seq, name, sub, type_, level, department, note in result:
            yield seq, name, sub if sub is not None else "", type_, level, department, note or ""


def csv_chunks(annex: Iterable[Record], labels: str = "names") -> Iterator[bytes]:
    """``to_csv``'s bytes (UTF-8, BOM, CRLF), a batch of rows at a time."""
    return sheets.csv_chunks(header(labels), (cells(r, labels) for r in annex), BATCH)


def xlsx(annex: Iterable[Record], labels: str = "names") -> bytes:
    return sheets.xlsx_bytes("附件事项清单", header(labels), (cells(r, labels) for r in annex))


def json_chunks(annex: Iterable[Record]) -> Iterator[bytes]:
    """The bytes of ``json.dumps(list(rows(...)), ensure_ascii=False)``, a batch of rows at a time."""
    parts = ["["]
    for n, record in enumerate(annex, 1):
        parts.append(("" if n == 1 else ", ") + json.dumps(_json_row(record), ensure_ascii=False))
        if n % BATCH == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append("]")
    yield "".join(parts).encode()
