"""Read a decision file (the published page as text or HTML, or its annex as .xlsx or .csv) into checked entries.

Nothing here touches the database: the file is read whole, every row is checked, and any wrong row raises
ValidationFailed naming each row and column (the columns by their Chinese headers); only a file that reads
cleanly becomes a DecisionFile. The page is read by the seed's parser (registry.seed.parse_annex), the sheet
layouts by this module over the imports' one grid reader (registry.imports.grid), and both give the same entries.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from registry.domain.choices import DecisionActionKind, ExerciseLevel, PowerType
from registry.domain.html_text import page_text
from registry.domain.searchtext import normalise
from registry.exports.cells import untext
from registry.imports import grid
from registry.seed import parse_annex
from registry.services.errors import Code, Message, TooLarge, ValidationFailed

COLUMNS = {"action": "调整类型", "seq": "序号", "name": "事项名称", "sub_item": "子项名称", "type": "事项类型",
           "level": "行使层级", "department": "市级指导(实施)部门(单位)", "note": "备注"}
REQUIRED = ("seq", "name", "sub_item", "type", "level", "department", "note")
# Cells an item's further rows may leave empty (a merged range reads as its value everywhere; a sheet typed without
# merging, or a CSV, leaves them empty): taken from the row above.
FILLED_DOWN = ("action", "seq", "name", "type", "level", "department")
ALIASES = {"暂停实施": DecisionActionKind.SUSPEND, "恢复实施": DecisionActionKind.RESUME}
META_LABELS = {"number": "文号", "title": "标题", "date": "发文日期", "effective": "施行日期", "body": "承接主体"}
HEADER_SEARCH = 10  # the header row is within the first rows (a title row may sit above it)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {".txt": "text", ".htm": "html", ".html": "html", ".xlsx": "xlsx", ".csv": "csv",
           "text/plain": "text", "text/html": "html", XLSX_TYPE: "xlsx", "text/csv": "csv"}
MACRO_EXTENSIONS = tuple(f".{kind}" for kind in grid.MACRO_KINDS)
MAX_ROWS, MAX_COLUMNS = 20001, 60  # a sheet's rows (its title and header included) and columns
# A title row that begins with a document number (the annex export prints "文号 附件:标题") names its decision.
NAMED = re.compile(r"^(?P<number>[^\s〔]+〔\d{4}〕\d+号)\s*(?P<rest>.*)$", re.S)
EXPORT_PREFIX = "附件:"  # what follows the document number in the export's title row (annex_print.TITLE)


@dataclass(frozen=True)
class Options:
    """Decision metadata a file may lack, given by the importer (--number, --title, --date, --effective, --body),
    and the 调整类型 of a sheet's rows that give none (--action: no such column, or its cell left empty)."""

    number: str | None = None
    title: str | None = None
    date: date | None = None
    effective: date | None = None
    body: str | None = None
    action: DecisionActionKind = DecisionActionKind.DEVOLVE


@dataclass
class Entry:
    """One item of one annex, as the file gives it; ``where`` names its first row or line for errors."""

    where: str
    annex: int
    annex_title: str
    action: DecisionActionKind
    seq: int
    name: str
    sub_items: list[str]
    type: PowerType
    level: ExerciseLevel
    department: str
    note: str | None
    partial: bool = False
    devolved_part: str | None = None
    retained_part: str | None = None
    rows: list[str] = field(default_factory=list)


@dataclass
class DecisionFile:
    """A decision read from a file: its metadata and its entries, in annex order."""

    doc_number: str
    title: str
    issuer: str
    issued_on: date
    effective_on: date | None
    recipient: str
    body: str
    annex_title: str
    zone_body: str
    format: str
    sha256: str
    entries: list[Entry]


def _layout(detail: str) -> ValidationFailed:
    return ValidationFailed(Message(Code.DECISION_FILE_LAYOUT, "the file is in no layout the registry reads: "
                                    "{detail}", detail=detail), {"file": [Message(
                                        Code.DECISION_FILE_LAYOUT, "{detail}", detail=detail)]})


def file_format(name: str | None, content_type: str | None) -> str:
    """text, html, xlsx or csv, by the file's extension, else its content type; macro-enabled sheets refused."""
    suffix = PurePath(name or "").suffix.lower()
    if suffix in MACRO_EXTENSIONS:
        raise ValidationFailed(Message(Code.DECISION_FILE_MACROS, "{name}: macro-enabled or legacy workbooks are "
                                       "refused; save it as .xlsx", name=name), {"file": [Message(
                                           Code.DECISION_FILE_MACROS, "macros refused")]})
    kind = (content_type or "").split(";")[0].strip().lower()
    found = FORMATS.get(suffix) or FORMATS.get(kind)
    if found is None:
        raise ValidationFailed(Message(Code.DECISION_FILE_FORMAT, "{name}: not a decision page (.txt, .html) nor "
                                       "an annex sheet (.xlsx, .csv)", name=name or kind or "?"),
                               {"file": [Message(Code.DECISION_FILE_FORMAT, "unknown format {name}",
                                                 name=name or kind or "?")]})
    return found


def check_size(size: int, limit: int) -> None:
    if size > limit:
        raise TooLarge(Message(Code.DECISION_FILE_TOO_LARGE, "the file has {size} bytes, over the limit of "
                                       "{limit}", size=size, limit=limit), {"file": [Message(
                                           Code.DECISION_FILE_TOO_LARGE, "over {limit} bytes", size=size,
                                           limit=limit)]})


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _layout("not UTF-8 text") from None


# --- the published page ---------------------------------------------------------------------------------------

def _page(text: str, options: Options) -> tuple[dict[str, Any], list[Entry]]:
    try:
        decision, annexes = parse_annex.parse_page(text, options.number)
    except parse_annex.AnnexFormatError as exc:
        raise _layout(str(exc)) from None
    entries = []
    for annex in annexes:
        action = DecisionActionKind.parse(annex.action)
        for it in annex.items:
            entries.append(Entry(
                where=f"line {it.source_line}", annex=annex.position, annex_title=annex.title, action=action,
                seq=it.seq, name=it.name, sub_items=it.sub_items, type=PowerType.parse(it.type),
                level=ExerciseLevel.parse(it.level), department=it.department, note=it.note, partial=it.partial,
                devolved_part=it.devolved_part, retained_part=it.retained_part,
                rows=[f"line {it.source_line}"]))
    return decision, entries


# --- the sheet layouts ----------------------------------------------------------------------------------------

def _rows(data: bytes, fmt: str, limit: int) -> list[list[Any]]:
    """The sheet's rows as stored (registry.imports.grid: formulas kept as Formula, to be refused, never evaluated),
    each merged range's value in every cell of it."""
    try:
        limits = grid.Limits(bytes=limit, rows=MAX_ROWS, columns=MAX_COLUMNS)
        return grid.read(data, fmt, limits, merged=True).filled()
    except grid.Refused as refused:
        if refused.reason == grid.Refused.MACROS:
            raise ValidationFailed(Message(Code.DECISION_FILE_MACROS, "{name}: the workbook holds macros; save it "
                                           "as .xlsx without them", name=fmt), {"file": [Message(
                                               Code.DECISION_FILE_MACROS, "macros refused")]}) from None
        raise _layout(f"cannot read {refused.detail}") from None


def _header_key(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value or "")).replace("（", "(").replace("）", ")")
    return next((key for key, label in COLUMNS.items() if text == label), "")


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int], str | None]:
    """The header row's index, each known column's position, and the title row above it (if any)."""
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        keys = [_header_key(v) for v in row]
        if "seq" in keys and "name" in keys:
            columns = {k: n for n, k in enumerate(keys) if k}
            missing = [COLUMNS[k] for k in REQUIRED if k not in columns]
            if missing:
                raise ValidationFailed(Message(Code.DECISION_COLUMN_MISSING, "the header row lacks {column}",
                                               column="、".join(missing)), {f"row {i + 1}": [
                                                   Message(Code.DECISION_COLUMN_MISSING, "no column {column}",
                                                           column=c) for c in missing]})
            above = [str(v).strip() for r in rows[:i] for v in r if v is not None and str(v).strip()]
            return i, columns, (above[0] if above else None)
    raise _layout(f"no header row (序号, 事项名称, …) in the first {HEADER_SEARCH} rows")


def _cell(row: list[Any], at: int | None) -> Any:
    """A cell's text, as the registry wrote it: a text its exports neutralised with a quote reads back without it."""
    if at is None or at >= len(row):
        return None
    value = row[at]
    if isinstance(value, grid.Formula):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip() if value is not None else ""
    return untext(text) or None


def _choice(choices: type, text: str) -> Any:
    text = text.replace("（", "(").replace("）", ")")
    if choices is DecisionActionKind and text in ALIASES:
        return ALIASES[text]
    return choices.parse(text)


def parse_action(text: str) -> DecisionActionKind:
    """A 调整类型 by its label (or 暂停实施, 恢复实施) or its code; ValueError naming the accepted ones otherwise."""
    try:
        return _choice(DecisionActionKind, text.strip())
    except ValueError:
        accepted = "、".join(f"{k.label} ({k.value})" for k in DecisionActionKind)
        raise ValueError(f"{text!r} is no 调整类型: one of {accepted}") from None


def _conflicts(current: Entry, parsed: dict[str, Any], cells: dict[str, Any]) -> list[Message]:
    """A further row of an item that gives its type, level, department or note otherwise than its first row."""
    given = {"type": parsed["type"], "level": parsed["level"], "department": cells["department"],
             "note": cells["note"]}
    have = {"type": current.type, "level": current.level, "department": current.department, "note": current.note}
    return [Message(Code.DECISION_ROW_CONFLICT, "{column}: {value} is not {expected} as on {first}, the same item",
                    column=COLUMNS[k], value=getattr(v, "label", v), expected=getattr(have[k], "label", have[k]),
                    first=current.where, line=current.where.removeprefix("row "))
            for k, v in given.items() if v is not None and have[k] is not None and v != have[k]]


def _sheet(rows: list[list[Any]], default: DecisionActionKind = DecisionActionKind.DEVOLVE,
           ) -> tuple[str | None, list[Entry]]:
    """The entries of an annex-layout sheet, every row checked; raises naming each wrong row and column.

    An item's further rows (one per sub-item) either leave 序号 and 事项名称 empty (merged cells, as printed) or
    repeat them (as the annex table and its CSV give them); a row without 调整类型 is ``default``.
    """
    header, columns, title = _find_header(rows)
    errors: dict[str, list[Message]] = {}
    for n, row in enumerate(rows[:header + 1], start=1):
        for k, v in enumerate(row):
            if isinstance(v, grid.Formula):
                errors.setdefault(f"row {n}", []).append(Message(
                    Code.DECISION_CELL_FORMULA, "{column} holds a formula ({value}); formulas are refused, give the "
                    "text", column=f"第{k + 1}列", value=str(v)[:60]))
    entries: list[Entry] = []
    above: dict[str, Any] = {}
    current: Entry | None = None
    for number, row in enumerate(rows[header + 1:], start=header + 2):
        cells = {k: _cell(row, columns.get(k)) for k in COLUMNS}
        if not any(cells.values()):
            continue
        where = f"row {number}"
        wrong: list[Message] = []
        for key, value in cells.items():
            if isinstance(value, grid.Formula):
                wrong.append(Message(Code.DECISION_CELL_FORMULA, "{column} holds a formula ({value}); formulas are "
                                     "refused, give the text", column=COLUMNS[key], value=str(value)[:60]))
        if wrong:
            errors[where] = wrong
            continue
        continues = cells["seq"] is None and cells["name"] is None and current is not None
        if continues:
            for key in FILLED_DOWN:
                if cells[key] is None:
                    cells[key] = above.get(key)
        above = {k: cells[k] for k in FILLED_DOWN}
        for key in ("seq", "name", "type", "level", "department"):
            if cells[key] is None:
                wrong.append(Message(Code.DECISION_CELL_REQUIRED, "{column} is empty", column=COLUMNS[key]))
        parsed: dict[str, Any] = {}
        for key, choices in (("action", DecisionActionKind), ("type", PowerType), ("level", ExerciseLevel)):
            if cells[key] is None:
                continue
            try:
                parsed[key] = _choice(choices, str(cells[key]))
            except ValueError:
                wrong.append(Message(Code.DECISION_CELL_UNKNOWN, "{column}: unknown value {value}",
                                     column=COLUMNS[key], value=str(cells[key])))
        if cells["seq"] is not None and not str(cells["seq"]).isdigit():
            wrong.append(Message(Code.DECISION_CELL_UNKNOWN, "{column}: unknown value {value}",
                                 column=COLUMNS["seq"], value=str(cells["seq"])))
        if wrong:
            errors[where] = wrong
            current = None if not continues else current
            continue
        action = parsed.get("action", default)
        seq = int(cells["seq"])
        same = current is not None and (current.seq, current.action, current.name) == (seq, action, cells["name"])
        if same and current is not None and (continues or current.sub_items and cells["sub_item"] is not None
                                             and cells["sub_item"] not in current.sub_items):
            wrong = _conflicts(current, parsed, cells)
            if wrong:
                errors[where] = wrong
                continue
            if cells["sub_item"]:
                current.sub_items.append(cells["sub_item"])
            current.note = current.note or cells["note"]
            current.rows.append(where)
            continue
        current = Entry(where=where, annex=0, annex_title="", action=action, seq=seq, name=cells["name"],
                        sub_items=[cells["sub_item"]] if cells["sub_item"] else [], type=parsed["type"],
                        level=parsed["level"], department=cells["department"], note=cells["note"], rows=[where])
        entries.append(current)
    if errors:
        raise ValidationFailed(Message(Code.DECISION_FILE_ROWS, "{count} row(s) are wrong; nothing was written",
                                       count=len(errors)), errors)
    if not entries:
        raise _layout("the sheet has a header row but no item under it")
    return title, entries


def _partial(entry: Entry) -> None:
    """A note "部分下放。…仅下放X。" makes the item partial with X as its devolved part, as on the page."""
    if entry.note and entry.note.startswith(parse_annex.PARTIAL_PREFIX):
        m = parse_annex.DEVOLVED_RE.search(entry.note)
        if m:
            entry.partial, entry.devolved_part = True, m["part"]


def own_title(title: str | None, number: str | None) -> str | None:
    """The annex title a sheet's title row gives the decision imported as ``number``: the row never gives the
    decision's metadata (the options do). A row that begins with another decision's document number (as the annex
    export's "文号 附件:标题" does) is that decision's title, not this one's, and is ignored; the export's own
    "文号 附件:" before the title is dropped."""
    named = NAMED.match(title or "")
    if named is None:
        return title
    if named["number"] != (number or "").strip():
        return None
    return named["rest"].removeprefix(EXPORT_PREFIX).strip() if named["rest"].startswith(EXPORT_PREFIX) else title


def _annexes(entries: list[Entry], title: str | None) -> None:
    """A sheet's annexes: one per action, in the order they first appear, numbered from 1."""
    order = list(dict.fromkeys(e.action for e in entries))
    for e in entries:
        e.annex = order.index(e.action) + 1
        e.annex_title = title if title and len(order) == 1 else f"{title or '附件'}({e.action.label})"
        _partial(e)


def _no_duplicates(entries: list[Entry]) -> None:
    """The same item twice in one decision (same name, sub-items and department) is refused, naming both rows."""
    first: dict[tuple[str, ...], str] = {}
    errors: dict[str, list[Message]] = {}
    for e in entries:
        key = (normalise(e.name), *map(normalise, e.sub_items), "|", normalise(e.department))
        if key in first:
            errors.setdefault(e.where, []).append(Message(
                Code.DECISION_ROW_DUPLICATE, "{column}: the same item as {first}", column=COLUMNS["name"],
                first=first[key]))
        else:
            first[key] = e.where
    if errors:
        raise ValidationFailed(Message(Code.DECISION_FILE_ROWS, "{count} row(s) are wrong; nothing was written",
                                       count=len(errors)), errors)


# --- metadata --------------------------------------------------------------------------------------------------

def _required(name: str, value: Any) -> Any:
    if value in (None, ""):
        message = Message(Code.DECISION_META_REQUIRED, "{label} is not in the file: give it (--{option})",
                          label=META_LABELS[name], option=name)
        raise ValidationFailed(message, {name: [message]})
    return value


def _agree(name: str, given: Any, printed: Any) -> Any:
    """An option that contradicts what the text prints is refused: the text is the law."""
    if given is not None and printed is not None and given != printed:
        message = Message(Code.DECISION_DATE_NOT_IN_TEXT, "{label} {given} is not what the text gives ({printed})",
                          label=META_LABELS[name], given=str(given), printed=str(printed))
        raise ValidationFailed(message, {name: [message]})
    return printed if printed is not None else given


def read(data: bytes, name: str | None, content_type: str | None, options: Options, limit: int) -> DecisionFile:
    """Read and check a whole decision file; raises ValidationFailed (file, row or field) and writes nothing."""
    check_size(len(data), limit)
    fmt = file_format(name, content_type)
    if fmt in ("text", "html"):
        text = _text(data)
        meta, entries = _page(page_text(text) if fmt == "html" else text, options)
        issued = _agree("date", options.date, date.fromisoformat(meta["issued_on"]))
        printed = meta.get("effective_on")
        effective = _agree("effective", options.effective, date.fromisoformat(printed) if printed else None)
        meta = meta | {"issued_on": issued, "effective_on": effective, "zone_body": options.body or meta["zone_body"]}
    else:
        title, entries = _sheet(_rows(data, fmt, limit), options.action)
        _annexes(entries, own_title(title, options.number))
        meta = {"doc_number": _required("number", options.number), "title": _required("title", options.title),
                "issuer": "", "issued_on": _required("date", options.date), "effective_on": options.effective,
                "recipient": "", "body": "", "annex_title": "\n".join(dict.fromkeys(e.annex_title for e in entries)),
                "zone_body": options.body}
    meta["zone_body"] = _required("body", meta["zone_body"])
    _no_duplicates(entries)
    return DecisionFile(doc_number=meta["doc_number"], title=meta["title"], issuer=meta["issuer"],
                        issued_on=meta["issued_on"], effective_on=meta["effective_on"],
                        recipient=meta["recipient"], body=meta["body"], annex_title=meta["annex_title"],
                        zone_body=meta["zone_body"], format=fmt, sha256=hashlib.sha256(data).hexdigest(),
                        entries=entries)
