"""Parse a published decision page and its annexes; for 渝府发〔2021〕13号, into the committed seed data.

The page text keeps the table as a run of lines: each non-empty cell is a line followed by a blank
line, an empty cell is a single blank line, a new item starts at its 序号, and a row that continues an
item (a second 子项名称 under merged 序号/事项名称 cells) carries only 子项名称 to 备注. Anything that
does not fit that shape stops the parser: the seed must never be a guess.

Run ``python -m seed.parse_annex`` to rewrite ``seed/annex.json`` from the source document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = Path(os.environ.get("REGISTRY_SOURCE_DOCUMENT")
              or ROOT.parent / "shared" / "seeds" / "000_e2ca7729ce21fbec.txt")
SOURCE_REF = "shared/seeds/000_e2ca7729ce21fbec.txt"
OUTPUT = Path(__file__).resolve().parent / "annex.json"

DOC_NUMBER = "渝府发〔2021〕13号"
ANNEX_TITLE = "向重庆经开区下放的市级行政权力事项清单"
HEADER = ["序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备 \u2002注"]
TYPE_LABELS = {"行政许可", "行政处罚", "行政检查", "行政征收", "行政确认", "其他行政权力"}
LEVEL_LABELS = {"市级", "市级、区县级"}
PARTIAL_PREFIX = "部分下放。"
DEVOLVED_RE = re.compile(r"仅下放(?P<part>.+?)。$")
ZONE_BODY = "重庆经开区管委会"

# The source names only the devolved part of the five partial items; what the city department keeps
# is stated here as the complement of that part within the item (editorial, checked by tests to
# exist for exactly the partial items).
RETAINED_PARTS = {
    18: "房地产开发企业资质“延续、核定和升级”审批",
    73: "小(1)型水库以外的水利基建项目初步设计文件审批",
    100: "在森林和野生动物类型自然保护区建设审批(核)",
    101: "在森林和野生动物类型自然保护区建设审批(核)",
    102: "在森林和野生动物类型自然保护区建设审批(核)",
}


# 13号's editorial complements, by document number: only that decision's partial items have them.
EDITORIAL = {DOC_NUMBER: RETAINED_PARTS}
DOC_NUMBER_RE = re.compile(r"^\S{1,12}〔\d{4}〕\d+号$")
ANNEX_REF = "附件:"
NUMBERED = re.compile(r"^\s*\d+[.．、]\s*")
PUBLISHED = "(此件公开发布)"
TABLE_END = re.compile(r"^(附件\d*|来源:.*)$")
# An annex's title says what it lists; checked in this order (a recall list may also say 下放 in passing).
ACTION_WORDS = (("收回", "收回"), ("取消", "取消"), ("暂停", "暂停"), ("恢复", "恢复"), ("调整", "调整"),
                ("委托", "委托"), ("下放", "下放"))


class AnnexFormatError(ValueError):
    """The source text does not have the shape this parser knows; the message says where."""


@dataclass
class AnnexRow:
    """One printed row of the annex table (an item has one row per 子项名称, at least one)."""

    row: int
    line: int
    seq: int
    name: str
    sub_item: str
    type: str
    level: str
    department: str
    note: str


@dataclass
class Item:
    """One devolved power as the annex lists it."""

    seq: int
    name: str
    sub_items: list[str]
    type: str
    level: str
    department: str
    note: str | None
    partial: bool
    devolved_part: str | None
    retained_part: str | None
    source_line: int
    annex_rows: list[int] = field(default_factory=list)


def _find(lines: list[str], text: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if lines[i] == text:
            return i
    raise AnnexFormatError(f"line {text!r} not found after line {start + 1}")


def _cells(lines: list[str], start: int, stop: int) -> list[tuple[int, str]]:
    """Split lines[start:stop] into (line number, cell text) pairs by the page's blank-line rule."""
    cells: list[tuple[int, str]] = []
    i = start
    while i < stop:
        if lines[i] == "":
            cells.append((i + 1, ""))
            i += 1
            continue
        if i + 1 < stop and lines[i + 1] != "":
            raise AnnexFormatError(f"line {i + 1}: a cell spans two lines")
        cells.append((i + 1, lines[i]))
        i += 2
    return cells


def _parse_date(text: str) -> date:
    m = re.fullmatch(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text.strip("\u2002 "))
    if not m:
        raise AnnexFormatError(f"not a date: {text!r}")
    return date(int(m[1]), int(m[2]), int(m[3]))


def annex_action(title: str) -> str:
    """The action an annex's title says it lists (下放, 委托, 收回, …), by the first keyword it holds."""
    for keyword, label in ACTION_WORDS:
        if keyword in title:
            return label
    known = "、".join(label for _, label in ACTION_WORDS)
    raise AnnexFormatError(f"annex {title!r}: its title names no known action ({known})")


def _title(lines: list[str], num: int) -> list[str]:
    """The title's lines above the document number: back to the nearest line holding 关于 (six lines at most)."""
    found: list[str] = []
    for i in range(num - 1, max(num - 13, -1), -1):
        if lines[i]:
            found.insert(0, lines[i])
            if "关于" in lines[i]:
                return found
            if len(found) == 6:
                break
    return []


def _annex_titles(lines: list[str], at: int) -> tuple[list[str], int]:
    """The titles the "附件:" line (and the numbered lines under it) list, and the index of the last of them."""
    titles = [NUMBERED.sub("", lines[at][len(ANNEX_REF):])]
    last = at
    for i in range(at + 1, min(at + 40, len(lines))):
        if not lines[i]:
            continue
        if not NUMBERED.match(lines[i].strip()):
            break
        titles.append(NUMBERED.sub("", lines[i].strip()))
        last = i
    return titles, last


def _decision_at(lines: list[str], number: str | None) -> int:
    """The line of the decision's document number: the one asked for, or the only one with an annex list."""
    numbers = [i for i, ln in enumerate(lines) if DOC_NUMBER_RE.match(ln)]
    if number is not None:
        asked = [i for i in numbers if lines[i] == number]
        if not asked:
            raise AnnexFormatError(f"line {number!r} not found")
        return asked[0]
    ends = numbers[1:] + [len(lines)] if numbers else []
    with_annex = [i for i, end in zip(numbers, ends, strict=True)
                  if any(ln.startswith(ANNEX_REF) and "清单" in ln for ln in lines[i + 1 : end])]
    if not with_annex:
        raise AnnexFormatError("no decision with an annex list (a 文号 line, then 附件:…清单) in this text")
    if len(with_annex) > 1:
        found = "、".join(lines[i] for i in with_annex)
        raise AnnexFormatError(f"the text holds several decisions ({found}); say which by its 文号")
    return with_annex[0]


def _effective(body: str, issued: date) -> date | None:
    """The date the body says the decision takes effect ("自…起施行"); None when it says nothing."""
    m = re.search(r"自(\d{4}年\d{1,2}月\d{1,2}日)起(?:施行|实施|执行)", body)
    if m:
        return _parse_date(m[1])
    if re.search(r"自(?:印发|发布)之日起(?:施行|实施|执行)", body):
        return issued
    return None


def parse_decision(lines: list[str], number: str | None = None) -> tuple[dict, list[tuple[str, int]]]:
    """Return the decision's metadata and each annex's (title, index of its title line)."""
    num = _decision_at(lines, number)
    title_lines = _title(lines, num)
    if not title_lines or "关于" not in title_lines[0]:
        raise AnnexFormatError(f"line {num + 1}: title does not precede the document number")
    recipient_at = next((i for i in range(num + 1, len(lines)) if lines[i]), None)
    if recipient_at is None:
        raise AnnexFormatError(f"line {num + 1}: nothing follows the document number")
    recipient = lines[recipient_at].rstrip(":")
    annex_ref = next((i for i in range(recipient_at + 1, len(lines)) if lines[i].startswith(ANNEX_REF)), None)
    if annex_ref is None:
        raise AnnexFormatError(f"line {recipient_at + 1}: no {ANNEX_REF!r} line names the annexes")
    titles, last_ref = _annex_titles(lines, annex_ref)
    body = [ln for ln in lines[recipient_at + 1 : annex_ref] if ln]
    tail = [(i, ln) for i, ln in enumerate(lines[last_ref + 1 :], last_ref + 1) if ln][:3]
    if len(tail) < 2:
        raise AnnexFormatError(f"line {last_ref + 1}: no issuer and date after the annex list")
    issuer = tail[0][1].strip()
    try:
        signed = _parse_date(tail[1][1])
    except AnnexFormatError as exc:
        raise AnnexFormatError(f"line {tail[1][0] + 1}: the issue date is not given ({exc})") from None
    after = tail[2][0] if len(tail) > 2 and tail[2][1] == PUBLISHED else tail[1][0]
    annexes = []
    for title in titles:
        after = _find(lines, title, after + 1)
        annexes.append((title, after))
    text = "\n".join(body)
    zone = re.search(r"由(\S+?管委会)", text) or re.search(r"(重庆\S{1,12}?管委会)", text)
    effective = _effective(text, signed)
    decision = {
        "doc_number": lines[num],
        "title": "".join(title_lines),
        "issuer": issuer,
        "issued_on": signed.isoformat(),
        "recipient": recipient,
        "body": text,
        "annex_title": "\n".join(titles),
        "zone_body": zone[1] if zone else None,
    }
    return decision | ({"effective_on": effective.isoformat()} if effective else {}), annexes


def _table_end(lines: list[str], first: int, stop: int) -> int:
    """Where an annex's table ends: the next 附件/附件N or 来源 line, or the next annex's title."""
    for i in range(first, stop):
        if TABLE_END.match(lines[i]):
            return i
    return stop


def parse_rows(lines: list[str], annex_title: int, stop: int | None = None) -> list[AnnexRow]:
    """Read the annex table row by row, checking every cell against the closed sets."""
    stop = len(lines) if stop is None else stop
    head = [ln for ln in lines[annex_title + 1 : annex_title + 16] if ln][: len(HEADER)]
    if head != HEADER:
        raise AnnexFormatError(f"line {annex_title + 2}: annex header differs: {head!r}")
    first = _find(lines, "1", annex_title)
    end = _table_end(lines, first, stop)
    starts = []
    expected = 1
    for i in range(first, end):
        if lines[i] == str(expected) and lines[i - 1] == "" and i + 1 < end and lines[i + 1] == "":
            starts.append(i)
            expected += 1
    rows: list[AnnexRow] = []
    for seq, (at, nxt) in enumerate(zip(starts, starts[1:] + [end], strict=True), 1):
        cells = _cells(lines, at + 2, nxt)
        if len(cells) < 6 or (len(cells) - 6) % 5:
            raise AnnexFormatError(f"item {seq} (line {at + 1}): {len(cells)} cells")
        (name_line, name), *rest = cells
        for k in range(0, len(rest), 5):
            (line, sub), (_, typ), (_, level), (_, dept), (_, note) = rest[k : k + 5]
            if k == 0:
                line = at + 1
            if typ not in TYPE_LABELS:
                raise AnnexFormatError(f"item {seq} (line {line}): unknown 事项类型 {typ!r}")
            if level not in LEVEL_LABELS:
                raise AnnexFormatError(f"item {seq} (line {line}): unknown 行使层级 {level!r}")
            if not re.fullmatch(r"市\S+", dept):
                raise AnnexFormatError(f"item {seq} (line {line}): not a city department {dept!r}")
            rows.append(AnnexRow(len(rows) + 1, line, seq, name, sub, typ, level, dept, note))
        if not name or name_line <= at:
            raise AnnexFormatError(f"item {seq}: no 事项名称")
    return rows


def group_items(rows: list[AnnexRow], retained: dict[int, str] | None = None) -> list[Item]:
    """Fold annex rows into items; the rows of one item must agree on type, level and department.

    ``retained`` names what the city department keeps of each partial item (editorial, by 序号); given, every
    note must be a partial-devolution note and the partial items must be exactly its keys."""
    items: dict[int, Item] = {}
    for r in rows:
        it = items.get(r.seq)
        if it is None:
            items[r.seq] = Item(
                seq=r.seq, name=r.name, sub_items=[r.sub_item] if r.sub_item else [],
                type=r.type, level=r.level, department=r.department, note=r.note or None,
                partial=False, devolved_part=None, retained_part=None,
                source_line=r.line, annex_rows=[r.row],
            )
            continue
        if (r.type, r.level, r.department) != (it.type, it.level, it.department):
            raise AnnexFormatError(f"item {r.seq}: its rows disagree on type, level or department")
        if not r.sub_item or not it.sub_items:
            raise AnnexFormatError(f"item {r.seq}: a continuation row without 子项名称")
        if r.note and it.note and r.note != it.note:
            raise AnnexFormatError(f"item {r.seq}: its rows carry different notes")
        it.sub_items.append(r.sub_item)
        it.annex_rows.append(r.row)
        it.note = it.note or r.note or None
    for it in items.values():
        if it.note and it.note.startswith(PARTIAL_PREFIX):
            m = DEVOLVED_RE.search(it.note)
            if not m:
                raise AnnexFormatError(f"item {it.seq}: partial note without 仅下放…")
            it.partial, it.devolved_part = True, m["part"]
            it.retained_part = (retained or {}).get(it.seq)
        elif it.note and retained is not None:
            raise AnnexFormatError(f"item {it.seq}: a note this parser does not understand")
    if retained is not None and set(retained) != {it.seq for it in items.values() if it.partial}:
        raise AnnexFormatError("RETAINED_PARTS does not match the partial items of the annex")
    return list(items.values())


@dataclass
class Annex:
    """One annex of a decision: its title, the action it lists, and its rows folded into items."""

    position: int
    title: str
    action: str
    line: int
    rows: list[AnnexRow]
    items: list[Item]


def parse_page(text: str, number: str | None = None) -> tuple[dict, list[Annex]]:
    """Parse a published decision page (the one ``number`` names, else the only one with an annex list)."""
    lines = text.replace("\r\n", "\n").split("\n")
    decision, titles = parse_decision(lines, number)
    editorial = EDITORIAL.get(decision["doc_number"])
    annexes = []
    for k, (title, at) in enumerate(titles):
        stop = titles[k + 1][1] if k + 1 < len(titles) else len(lines)
        rows = parse_rows(lines, at, stop)
        annexes.append(Annex(k + 1, title, annex_action(title), at + 1, rows, group_items(rows, editorial)))
    for keyword, label in ACTION_WORDS:
        announced = re.search(keyword + r"(\d+)项", decision["body"])
        listed = sum(len(a.items) for a in annexes if a.action == label)
        if announced and listed and int(announced[1]) != listed:
            raise AnnexFormatError(f"the decision announces {announced[1]} items to {label}, its annexes list {listed}")
    return decision, annexes


def parse(text: str) -> dict:
    """Parse the whole page text into the seed document (decision, departments, items, rows)."""
    decision, annexes = parse_page(text, DOC_NUMBER)
    if [a.title for a in annexes] != [ANNEX_TITLE]:
        raise AnnexFormatError(f"annexes differ: {[a.title for a in annexes]!r}")
    if decision["zone_body"] != ZONE_BODY:
        raise AnnexFormatError("the decision does not name the receiving body")
    decision.pop("effective_on", None)
    rows, items = annexes[0].rows, annexes[0].items
    announced = re.search(r"下放(\d+)项市级行政权力事项", decision["body"])
    if not announced or int(announced[1]) != len(items):
        raise AnnexFormatError(f"the decision announces {announced and announced[1]} items, annex has {len(items)}")
    departments = list(dict.fromkeys(it.department for it in items))
    return {
        "source": {"path": SOURCE_REF, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "decision": decision,
        "departments": [{"name": d, "kind": "city"} for d in departments]
        + [{"name": ZONE_BODY, "kind": "zone"}],
        "powers": [asdict(it) for it in items],
        "annex_rows": [asdict(r) for r in rows],
    }


def parse_file(path: Path = SOURCE) -> dict:
    """Parse the source document at ``path``."""
    return parse(path.read_text(encoding="utf-8"))


def dumps(seed: dict) -> str:
    """The committed form of the seed: stable key order, real characters, trailing newline."""
    return json.dumps(seed, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    ap.add_argument("--check", action="store_true", help="fail if the committed seed is out of date")
    args = ap.parse_args(argv)
    text = dumps(parse_file(args.source))
    if args.check:
        if args.output.read_text(encoding="utf-8") != text:
            print(f"{args.output} is out of date; run python -m seed.parse_annex", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
