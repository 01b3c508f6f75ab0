"""`registry volumes import`: the zone's monthly case volumes (办件量) from a sheet, all or nothing, audited."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.cli.caller import cli_caller
from registry.cli.importing import run_import
from registry.imports.tables import read_table
from registry.services import case_volumes
from registry.web.feedback import words

DONE = {"create": "新增", "update": "更新", "unchanged": "无变化"}


@click.group()
def volumes() -> None:
    """Case volumes (办件量): what the zone's offices handled, month by month."""


@volumes.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="why the figures are recorded, e.g. 2027年1月政务服务系统导出")
@click.option("--dry-run", is_flag=True, help="check every row and say what would change; write nothing")
def import_volumes(path: Path, reason: str, dry_run: bool) -> None:
    """Read 序号 or 事项名称, 月份 (YYYY-MM), 受理量, 办结量, 按时办结量 (optional) and 承接部门 (optional: the
    item's receiving office) from an .xlsx or .csv and record each month.

    Every row is checked first; if any is wrong nothing is written and each wrong cell is named (row and column).
    A month already recorded for the item and office is replaced, audited with its figures before and after.
    """
    outcomes = run_import(lambda session: case_volumes.import_table(
        session, cli_caller(), read_table(path.name, path.read_bytes()), reason, dry_run=dry_run), dry_run,
        words=words, colon="：", separator="；")
    for o in outcomes:
        on_time = "" if o.row.on_time is None else f"，按时办结 {o.row.on_time}"
        click.echo(f"第 {o.label} 行 {o.row.power.name}（{o.row.office.name}，{o.row.month}）："
                   f"{DONE[o.action]}（受理 {o.row.accepted}，办结 {o.row.completed}{on_time}）")
    if dry_run:
        click.echo("（试运行：未写入任何内容）")
