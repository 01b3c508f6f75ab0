"""Bar charts for the progress page, laid out on the server as SVG geometry (no script, no colour needed).

Pure: counts in, rectangles out. Each segment kind has its own fill pattern and every bar carries its
numbers as text, so the charts read in greyscale and the table beside them holds the same figures.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from registry.domain.handover import Status

WIDTH = 640
LABEL_WIDTH = 150
VALUE_WIDTH = 110
BAR_HEIGHT = 22
ROW_GAP = 12
TOP = 8


@dataclass(frozen=True)
class Group:
    """Statuses counted together on the department chart, with the pattern that draws them."""

    key: str
    label: str
    statuses: tuple[Status, ...]
    pattern: str


GROUPS = (
    Group("done", "已完成交接", (Status.HANDED_OVER, Status.OPERATING), "solid"),
    Group("moving", "交接中", (Status.IN_PROGRESS, Status.AWAITING_AUTHORISATION), "hatch"),
    Group("waiting", "待交接", (Status.PENDING,), "dots"),
    Group("stopped", "暂缓或收回", (Status.SUSPENDED, Status.RECALLED), "blank"),
)


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    value: int
    x: float
    width: float
    pattern: str


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    y: float
    segments: tuple[Segment, ...]
    summary: str  # the numbers written beside the bar


@dataclass(frozen=True)
class Chart:
    rows: tuple[Row, ...]
    width: int
    height: int
    label_width: int
    bar_width: int
    bar_height: int


def _bar_width() -> int:
    return WIDTH - LABEL_WIDTH - VALUE_WIDTH


def text_width(text: str, size: int = 14) -> int:
    """About how wide ``text`` is drawn at ``size`` px: a CJK or full-width character is square, others half."""
    return round(sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in text))


def _rows(items: list[tuple[str, list[tuple[Group, int]], str]], scale: int) -> Chart:
    """The chart, widened on the right when a row's numbers would not fit beside its bar."""
    bar = _bar_width()
    value_width = max([VALUE_WIDTH, *(text_width(summary) + 16 for _, _, summary in items)])
    rows = []
    for n, (label, parts, summary) in enumerate(items):
        x, segments = float(LABEL_WIDTH), []
        for group, value in parts:
            width = bar * value / scale if scale else 0.0
            if value:
                segments.append(Segment(group.key, group.label, value, round(x, 2), round(width, 2), group.pattern))
            x += width
        rows.append(Row(label, sum(v for _, v in parts), TOP + n * (BAR_HEIGHT + ROW_GAP), tuple(segments), summary))
    height = TOP * 2 + len(rows) * (BAR_HEIGHT + ROW_GAP)
    return Chart(tuple(rows), LABEL_WIDTH + bar + value_width, height, LABEL_WIDTH, bar, BAR_HEIGHT)


def by_status(counts: list[tuple[Status, int]]) -> Chart:
    """One bar per status, scaled to the largest."""
    scale = max((c for _, c in counts), default=0)
    group_of = {s: g for g in GROUPS for s in g.statuses}
    return _rows([(s.label, [(group_of[s], c)], f"{c} 项") for s, c in counts], scale)


def by_department(counts: dict[str, dict[Status, int]]) -> Chart:
    """One stacked bar per department (done, moving, waiting, stopped), all on the scale of the largest."""
    items = []
    for name, per_status in counts.items():
        parts = [(g, sum(per_status.get(s, 0) for s in g.statuses)) for g in GROUPS]
        total = sum(v for _, v in parts)
        items.append((name, parts, f"完成 {parts[0][1]}/{total}"))
    scale = max((sum(v for _, v in parts) for _, parts, _ in items), default=0)
    return _rows(items, scale)


VOLUME = Group("accepted", "受理量", (), "solid")


def volumes(lines: list[tuple[str, int, int]]) -> Chart:
    """One bar per line (a month, a department) for its 受理量, scaled to the largest, with 受理 and 办结 beside it."""
    scale = max((accepted for _, accepted, _ in lines), default=0)
    return _rows([(label, [(VOLUME, accepted)], f"受理 {accepted}，办结 {completed}")
                  for label, accepted, completed in lines], scale)


# The evaluation's conclusions, each drawn with its own pattern so the chart reads without colour.
CONCLUSION_PATTERNS = {"keep": "solid", "adjust": "hatch", "propose_recall": "dots", "not_evaluated": "blank"}


def conclusions(counts: list[tuple[str, str, int]]) -> Chart:
    """One bar per conclusion (and 未评估) from (code, label, count), scaled to the largest."""
    scale = max((n for _, _, n in counts), default=0)
    return _rows([(label, [(Group(code, label, (), CONCLUSION_PATTERNS[code]), n)], f"{n} 项")
                  for code, label, n in counts], scale)
