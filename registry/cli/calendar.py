"""`registry calendar import|list`: the working-day calendar from the shell, audited like the API."""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from registry import db
from registry.cli.caller import cli_caller
from registry.cli.importing import run_import
from registry.domain.chain import iso_utc
from registry.services import calendar as calendars

HEADER = ["date", "kind"]


def read_rows(path: Path) -> list[calendars.Row]:
    """The rows of a `date,kind` CSV (UTF-8, a BOM and a `date,kind` header line allowed), each named by its line
    number in the file; a line with the wrong number of fields is kept, so the check names it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise click.BadParameter(f"{path}: cannot read it as UTF-8 text ({exc})") from None
    rows = []
    for number, fields in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [f.strip() for f in fields]
        if not any(cells) or (number == 1 and [c.lower() for c in cells] == HEADER):
            continue
        if len(cells) != 2:
            cells = [",".join(cells), ""]
        rows.append(calendars.Row(f"row {number}", cells[0], cells[1]))
    return rows


@click.group()
def calendar() -> None:
    """The working-day calendar (holidays and make-up workdays, 调休)."""


@calendar.command("import")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="why, e.g. the State Council notice: 国办发明电〔2026〕N号")
def import_year(path: Path, reason: str) -> None:
    """Load one year from a CSV of `date,kind` rows (kind holiday or workday), replacing that year if loaded.

    Only the days that differ from their weekday are listed: holidays (any day), and make-up workdays (a Saturday
    or Sunday). Every row is checked first; if any is wrong, nothing is written and each wrong row is named.
    """
    loaded = run_import(lambda session: calendars.replace_year(session, cli_caller(), read_rows(path), reason,
                                                               f"file {path.name}"), dry_run=False)
    year = loaded.year
    verb = "loaded" if loaded.created else "replaced" if loaded.changed else "unchanged"
    holidays = sum(d.kind == "holiday" for d in year.days)
    click.echo(f"{verb} {year.year}: {holidays} holiday(s), {len(year.days) - holidays} make-up workday(s)")


@calendar.command("list")
@with_appcontext
def list_years() -> None:
    """The years loaded, with their counts of holidays and make-up workdays and where they came from."""
    for y in calendars.list_years(db.session(write=False)):
        click.echo(f"{y.year}\t{y.holidays} holiday(s)\t{y.workdays} workday(s)\t{y.source}\t{iso_utc(y.loaded_at)}")
