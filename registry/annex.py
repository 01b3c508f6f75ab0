"""The annex layout: the decision's table as published, one row per 子项名称, for CSV and JSON export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from registry.models import Power

HEADER = ("序号", "事项名称", "子项名称", "事项类型", "行使层级", "市级指导(实施)部门(单位)", "备注")
# Excel needs the byte-order mark to read UTF-8 CSV as UTF-8.
BOM = "\ufeff"


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
