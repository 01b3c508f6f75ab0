"""Every CSV and .xlsx the registry writes is safe to open in Excel, on every backend.

Hostile values go in through the real API (a power's note and the reason of its PATCH, a guiding department's
name); values the API refuses (a leading tab or carriage return) go in through the service, as a script would.
Then every export (API and console, CSV and .xlsx, Chinese and ``labels=codes``, and `registry export`) is
opened with the csv module or openpyxl: no cell may start a formula unless neutralised with a leading ``'``,
no .xlsx cell is a formula, each hostile value is there, neutralised; CSV keeps its BOM; headers are Chinese
by default and codes with ``labels=codes``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from registry import db
from registry.cli.caller import cli_caller
from registry.exports import annex, audit_table, sheets, stats
from registry.exports.cells import FORMULA_STARTS, cell, text, untext
from registry.services import powers
from tests.conftest import Databases, bearer, cli, dispose, make_app
from tests.pages import login

# (value, whether the API takes it: a text field refuses control characters, so a tab or CR comes by the service)
HOSTILE = [
    ('=HYPERLINK("http://example.com","点此")', True),
    ("+1", True),
    ("-2+3", True),
    ("@SUM(A1)", True),
    ("\t=1", False),
    ("\r=1", False),
    ("普通文字", True),
]
NAMES = {"audit": audit_table.HEADER, "annex": annex.HEADER, "stats": stats.HEADER}
CODES = {"audit": audit_table.CODES_HEADER, "annex": annex.CODES_HEADER, "stats": stats.CODES_HEADER}
# (what, url, who may read it): each export of the registry, in both formats
EXPORTS = [
    ("audit", "/api/v1/audit/export", "auditor"),
    ("audit", "/console/audit/export", "console"),
    ("annex", "/api/v1/powers/export", None),
    ("stats", "/api/v1/stats/handover", None),
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def neutral(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


@pytest.fixture(scope="module")
def hostile_app(databases: Databases) -> Iterator[Flask]:
    """A registry whose powers 1–7 carry a hostile note (and reason), and whose departments 1–5 a hostile name."""
    app = make_app(databases.seeded())
    tokens = databases.staff_tokens()
    client = app.test_client()
    admin = bearer(tokens["admin"])
    for seq, (value, by_api) in enumerate(HOSTILE, 1):
        etag = client.get(f"/api/v1/powers/{seq}").headers["ETag"]
        resp = client.patch(f"/api/v1/powers/{seq}", json={"note": value, "reason": value},
                            headers={**admin, "If-Match": etag})
        assert resp.status_code == (200 if by_api else 422), resp.json
        if not by_api:
            with app.app_context():
                session = db.session(write=True)
                power = powers.get_power(session, seq)
                powers.update_power(session, cli_caller(), seq, {"note": value}, power.version, value)
                session.commit()
    departments = [d["id"] for d in client.get("/api/v1/departments").json if d["kind"]["code"] == "city"]
    for department, (value, by_api) in zip(departments, HOSTILE, strict=False):
        if by_api and value != "普通文字":
            etag = client.get(f"/api/v1/departments/{department}").headers["ETag"]
            resp = client.patch(f"/api/v1/departments/{department}", json={"name": value, "reason": "测试"},
                                headers={**admin, "If-Match": etag})
            assert resp.status_code == 200, resp.json
    yield app
    dispose(app)


@pytest.fixture(scope="module")
def readers(hostile_app: Flask, databases: Databases) -> dict[str | None, FlaskClient]:
    auditor = hostile_app.test_client()
    login(auditor, "auditor")
    return {None: hostile_app.test_client(), "console": auditor}


def fetch(hostile_app: Flask, readers: dict, databases: Databases, url: str, who: str | None,
          labels: str | None) -> bytes:
    client = readers.get(who) or readers[None]
    headers = bearer(databases.staff_tokens()[who]) if who == "auditor" else {}
    resp = client.get(url, query_string={"labels": labels} if labels else {}, headers=headers)
    assert resp.status_code == 200, resp.get_data()[:300]
    assert "attachment" in resp.headers["Content-Disposition"]
    return resp.get_data()


def csv_cells(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]  # the BOM, for Excel
    return list(csv.reader(io.StringIO(raw.decode("utf-8").removeprefix("\ufeff"), newline="")))


def xlsx_cells(raw: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(raw)).active
    assert sheet.freeze_panes == "A2"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    return [[c.value for c in row] for row in sheet.iter_rows()]


def is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def assert_no_formula_can_start(rows: list[list[object]]) -> None:
    for row in rows:
        for value in row:
            if isinstance(value, str) and not is_number(value):
                assert not value.startswith(FORMULA_STARTS), (value, row)


def column(rows: list[list[object]], name: str) -> list[object]:
    index = rows[0].index(name)
    return [r[index] for r in rows[1:]]


@pytest.mark.parametrize("labels", [None, "codes"])
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize(("what", "url", "who"), EXPORTS)
def test_every_export_neutralises_what_could_start_a_formula(
        hostile_app: Flask, readers: dict, databases: Databases, what: str, url: str, who: str | None,
        extension: str, labels: str | None) -> None:
    raw = fetch(hostile_app, readers, databases, f"{url}.{extension}", who, labels)
    rows = csv_cells(raw) if extension == "csv" else xlsx_cells(raw)
    assert tuple(rows[0]) == (CODES if labels else NAMES)[what]
    assert all(CJK.search(h) for h in rows[0]) != bool(labels)  # Chinese for people, codes for programs
    assert_no_formula_can_start(rows)
    cells = {c for r in rows[1:] for c in r}
    expected = {"audit": [v for v, _ in HOSTILE], "annex": [v for v, _ in HOSTILE],
                "stats": [v for v, by_api in HOSTILE if by_api and v != "普通文字"]}[what]
    for value in expected:
        assert neutral(value) in cells, value
    if what == "audit":
        reasons = column(rows, "reason" if labels else "原因")
        assert [neutral(v) for v, _ in HOSTILE] == [r for r in reasons if r in {neutral(v) for v, _ in HOSTILE}]


def test_the_cli_export_is_neutralised_too(hostile_app: Flask) -> None:
    rows = csv_cells(cli(hostile_app, "export").encode())
    assert_no_formula_can_start(rows)
    assert {neutral(v) for v, _ in HOSTILE} <= set(column(rows, "备注"))


def test_the_printed_annex_is_neutralised_too(hostile_app: Flask) -> None:
    resp = hostile_app.test_client().get("/api/v1/powers/export.xlsx", query_string={"layout": "annex"})
    (sheet,) = load_workbook(io.BytesIO(resp.get_data())).worksheets
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert_no_formula_can_start(rows)
    assert {neutral(v) for v, _ in HOSTILE} <= {r[6] for r in rows[2:]}  # 备注, from the third row on


def test_xlsx_types_numbers_and_beijing_times(hostile_app: Flask, readers: dict, databases: Databases) -> None:
    rows = xlsx_cells(fetch(hostile_app, readers, databases, "/api/v1/audit/export.xlsx", "auditor", None))
    assert rows[0][1] == "时间（北京时间）"
    assert all(isinstance(r[0], int) and isinstance(r[1], datetime) and r[1].tzinfo is None for r in rows[1:])
    json_at = hostile_app.test_client().get("/api/v1/audit/export.json",
                                            headers=bearer(databases.staff_tokens()["auditor"])).json[-1]["at"]
    utc = datetime.fromisoformat(json_at.replace("Z", "+00:00")).replace(tzinfo=None, microsecond=0)
    assert (rows[-1][1].replace(microsecond=0) - utc).total_seconds() == 8 * 3600
    annex_rows = xlsx_cells(fetch(hostile_app, readers, databases, "/api/v1/powers/export.xlsx", None, None))
    assert [r[0] for r in annex_rows[1:4]] == [1, 2, 3]  # 序号 as numbers
    csv_rows = csv_cells(fetch(hostile_app, readers, databases, "/api/v1/audit/export.csv", "auditor", None))
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", csv_rows[-1][1])


@pytest.mark.parametrize(("value", "written"), [
    ('=HYPERLINK("http://example.com","点此")', '\'=HYPERLINK("http://example.com","点此")'),
    ("+1", "'+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("普通文字", "普通文字"), ("a=1", "a=1"), ("", ""), (None, ""),
    ("'=1", "''=1"), ("''", "'''"), ("'-", "''-"), ("'", "'"), ("'文字", "'文字"), ("a'=1", "a'=1"),
    (-2, -2), (-2.5, -2.5), (0, 0), (True, "true"),
])
def test_the_cell_rule(value: object, written: object) -> None:
    """A quote that begins a text before a formula's start (or before another quote) is quoted too, so that
    reading the cell back (``untext``) gives the text exactly."""
    assert cell(value) == written
    if isinstance(value, str):
        assert text(value) == written
        assert untext(written) == value


def test_a_real_negative_number_stays_a_number_in_both_formats() -> None:
    header, rows = ("数", "文字"), [(-2, "-2"), (3.5, "=1+1")]
    parsed = list(csv.reader(io.StringIO(sheets.csv_text(header, rows).removeprefix("\ufeff"))))
    assert parsed[1:] == [["-2", "'-2"], ["3.5", "'=1+1"]]
    assert '\r\n-2,"\'-2"\r\n' in sheets.csv_text(header, rows)  # the number bare, the text quoted
    sheet = load_workbook(io.BytesIO(sheets.xlsx_bytes("t", header, rows))).active
    assert [(c.value, c.data_type) for c in sheet[2]] == [(-2, "n"), ("'-2", "s")]
    assert [(c.value, c.data_type) for c in sheet[3]] == [(3.5, "n"), ("'=1+1", "s")]
