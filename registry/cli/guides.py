"""`registry guides import`: service guides from a sheet, from the shell, checked and audited like the console's."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.cli.caller import cli_caller
from registry.cli.importing import run_import
from registry.imports import sheet
from registry.services import guide_import

VERBS = {"create": "new", "update": "changed", "unchanged": "unchanged"}


@click.group()
def guides() -> None:
    """Service guides (办事指南)."""


def _read(path: Path) -> sheet.Sheet:
    fmt = sheet.format_of(path.name)
    if path.stat().st_size > sheet.MAX_BYTES:
        raise click.ClickException(f"{path}: larger than {sheet.MAX_BYTES // 1024} KiB")
    return sheet.read(path.read_bytes(), fmt)


@guides.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check every row and say what would change; write nothing")
@click.option("--reason", required=True, help="why, kept in the audit trail with each changed guide")
def import_guides(path: Path, dry_run: bool, reason: str) -> None:
    """Set service guides from an .xlsx or .csv sheet: one row per item, matched by 序号 (or 事项名称), columns
    named as on the item page (基本编码, 申请材料, 法定办结时限, …).

    Every cell is checked first; if any is wrong, nothing is written and each wrong one is named by its row and
    column. Only the sheet's columns are set (a blank cell clears that field)."""
    report = run_import(lambda session: guide_import.import_guides(session, cli_caller(), _read(path), reason,
                                                                   dry_run=dry_run), dry_run)
    for o in report.outcomes:
        changed = f" ({'、'.join(o.changed)})" if o.changed else ""
        click.echo(f"row {o.row}: 序号 {o.power.seq} {o.power.name}: {VERBS[o.action]}{changed}")
    head = "dry run, nothing written: would make" if dry_run else "made"
    click.echo(f"{head} {report.count('create')} new, {report.count('update')} changed, "
               f"{report.count('unchanged')} unchanged")
