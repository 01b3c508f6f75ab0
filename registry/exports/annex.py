"""The annex layout: the decision's table as published, one row per 子项名称, for CSV and JSON export.

Two ways to the same bytes: ``rows``/``to_csv`` over loaded Power objects (the CLI), and the streaming path the
API serves (``stream_rows`` read with Core as the rows come, ``csv_chunks``/``json_chunks`` written a batch at
a time), so an export of any size keeps a worker's memory flat.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.models import Decision, Department, Power, SubItem
from registry.services import reference

HEADER = ("序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备注")
# Excel needs the byte-order mark to read UTF-8 CSV as UTF-8.
BOM = "\ufeff"
BATCH = 1000  # rows fetched per round trip, and annex rows per chunk written


def rows(powers: Iterable[Power]) -> Iterator[dict[str, str]]:
    """One dict per annex row; an item with n sub-items prints n rows that repeat its 序号 and name."""
    for p in powers:
        for sub in p.sub_items or [""]:
            yield dict(zip(HEADER, (str(p.seq), p.name, sub, p.type.label, p.level.label,
                                    p.department.name, p.note or ""), strict=True))


def to_csv(powers: Iterable[Power]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.DictWriter(out, fieldnames=HEADER, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows(powers))
    return out.getvalue()


def decision_ids(session: Session, decisions: list[str] | None) -> list[int] | None:
    """The decisions (ids or document numbers) an export is limited to, None for all; an unknown document number
    is a 422, raised before anything is streamed."""
    return reference.resolve_ids(session, Decision, "doc_number", "decision", decisions) if decisions else None


def stream_rows(engine: Engine, decision_ids: list[int] | None = None,
                include_retired: bool = False) -> Iterator[tuple[str, ...]]:
    """The annex rows (in HEADER order) of every power in force, in annex order, as ``rows`` gives them.

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
            yield str(seq), name, sub if sub is not None else "", type_.label, level.label, department, note or ""


def csv_chunks(annex_rows: Iterable[tuple[str, ...]]) -> Iterator[bytes]:
    """``to_csv``'s bytes (UTF-8, BOM, CRLF), a batch of rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write(BOM)
    writer.writerow(HEADER)
    for n, row in enumerate(annex_rows, 1):
        writer.writerow(row)
        if n % BATCH == 0:
            yield out.getvalue().encode()
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode()


def json_chunks(annex_rows: Iterable[tuple[str, ...]]) -> Iterator[bytes]:
    """The bytes of ``json.dumps(list(rows(...)), ensure_ascii=False)``, a batch of rows at a time."""
    parts = ["["]
    for n, row in enumerate(annex_rows, 1):
        parts.append(("" if n == 1 else ", ") + json.dumps(dict(zip(HEADER, row, strict=True)), ensure_ascii=False))
        if n % BATCH == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append("]")
    yield "".join(parts).encode()
