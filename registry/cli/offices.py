"""`registry offices import`: the offices' contact details from a sheet, checked whole and audited like the page."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from registry.cli.caller import cli_caller
from registry.cli.importing import run_import
from registry.imports.tables import read_table
from registry.services import office_contacts
from registry.web.feedback import words
from registry.web.wording import contacts_report


@click.group()
def offices() -> None:
    """Departments and zone offices: the contact details citizens see."""


@offices.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="why the details change, e.g. 经开区公布各承接机构联系方式")
@click.option("--dry-run", is_flag=True, help="check every row and say what would change; write nothing")
def import_contacts(path: Path, reason: str, dry_run: bool) -> None:
    """Read 部门名称, 地址, 电话 and 办公时间 from an .xlsx or .csv and update each office named exactly.

    Every row is checked first; if any is wrong nothing is written and each wrong cell is named (row and column).
    A cell left empty keeps what is published. Each office that changes is audited with the reason.
    """
    outcomes = run_import(lambda session: office_contacts.import_contacts(
        session, cli_caller(), read_table(path.name, path.read_bytes()), reason, dry_run=dry_run), dry_run,
        words=words, colon="：", separator="；")
    for line in contacts_report(outcomes, dry_run):
        click.echo(line)
    if dry_run:
        click.echo("（试运行：未写入任何内容）")
