"""`registry decision import`: preview or apply a decision file from the shell, audited like the API."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from registry.cli.caller import cli_caller
from registry.cli.importing import run_import
from registry.domain.choices import DecisionActionKind
from registry.schemas.decisions import ImportOut, plan_data
from registry.services import decision_files, decisions

OUTCOME_WORDS = {"create": "新增", "restore": "恢复", "update": "修改", "retire": "撤销", "record": "记载",
                 "unchanged": "无变化", "unmatched": "未匹配"}


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _action(ctx: click.Context, param: click.Parameter, value: str) -> DecisionActionKind:
    try:
        return decision_files.parse_action(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.group()
def decision() -> None:
    """Decisions: import the next decision's annexes (下放, 委托, 收回, 取消, 暂停, 恢复, 调整)."""


@decision.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", help="why (required unless --dry-run)")
@click.option("--dry-run", is_flag=True, help="preview only: write nothing")
@click.option("--json", "as_json", is_flag=True, help="print the preview as JSON")
@click.option("--number", help="文号, for a sheet (a page gives its own, or picks one of several); a sheet's title "
                                "row never gives it: a title row naming another 文号 (the annex export of that "
                                "decision, edited) is ignored, and its annex is titled 附件(调整类型)")
@click.option("--title", help="标题, for a sheet")
@click.option("--date", "issued", callback=_date, help="发文日期 YYYY-MM-DD, for a sheet")
@click.option("--effective", callback=_date, help="施行日期 YYYY-MM-DD, when the file does not give it")
@click.option("--body", help="承接主体 (a zone department), when the file does not name it")
@click.option("--action", default=DecisionActionKind.DEVOLVE.label, show_default=True, callback=_action,
              help="调整类型 of a sheet's rows that give none (no 调整类型 column, or its cell empty), by label or "
                   "code: 调整 (adjust) imports an exported annex edited in place, each item changed where it differs")
@click.option("--add-departments", is_flag=True,
              help="create the departments and receiving body the file names and the registry lacks")
def import_decision(path: Path, reason: str | None, dry_run: bool, as_json: bool, number: str | None,
                    title: str | None, issued: date | None, effective: date | None, body: str | None,
                    action: DecisionActionKind, add_departments: bool) -> None:
    """Read a decision (its page as .txt/.html, or its annex as .xlsx/.csv), show what it would change, and
    apply it in one transaction unless --dry-run. Any wrong row: nothing is written, each is named."""
    settings = current_app.config["REGISTRY_SETTINGS"]
    options = decision_files.Options(number=number, title=title, date=issued, effective=effective, body=body,
                                     action=action)

    def work(session: Session) -> decisions.Plan:
        decision_files.check_size(path.stat().st_size, settings.decision_file_max_bytes)
        file = decision_files.read(path.read_bytes(), path.name, None, options, settings.decision_file_max_bytes)
        if dry_run:
            return decisions.preview(session, file, add_departments)
        return decisions.apply(session, cli_caller(), file, reason, add_departments)

    plan = run_import(work, dry_run)
    data = ImportOut().dump(plan_data(plan))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    d = data["decision"]
    click.echo(f"{d['doc_number']} {d['title']} ({d['issued_on']}, 施行 {d['effective_on'] or d['issued_on']}, "
               f"承接主体 {d['body']})")
    for row in data["rows"]:
        if row["outcome"] != "unchanged":
            matched = f" -> 事项 {row['power']['id']}" if row["power"] else ""
            click.echo(f"  {row['where']}: 附件{row['annex']} 第{row['seq']}项 {row['action']['label']} "
                       f"{row['name']} [{OUTCOME_WORDS[row['outcome']]}{matched}]")
    click.echo(" ".join(f"{k}={n}" for k, n in data["summary"].items()))
    click.echo("applied" if plan.applied else "nothing written" if dry_run else "unchanged: nothing to apply")
