"""`registry seed` is idempotent and never overwrites edits; `registry export` prints the annex."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask
from sqlalchemy import func, select

from registry import db
from registry.cli.caller import cli_caller
from registry.models import Power
from registry.services import powers
from seed import parse_annex
from tests.conftest import dispose, make_app


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = db.session(write=False)
        return {
            "powers": session.scalar(select(func.count(Power.id))),
            "max_version": session.scalar(select(func.max(Power.version))),
        }


def test_second_seed_changes_nothing(app: Flask) -> None:
    before = counts(app)
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "created 0 decision(s), 0 department(s), 0 power(s); 103 power(s) already present" in result.output
    assert counts(app) == before == {"powers": 103, "max_version": 1}


def test_seed_leaves_edited_rows_alone(app: Flask) -> None:
    with app.app_context():
        session = db.session(write=True)
        powers.update_power(session, cli_caller(), 38, {"name": "取水许可(已改)"}, 1, "勘误")
        session.commit()
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0
    assert "1 power(s) differ from the seed and were left alone: 序号 [38]" in result.output
    with app.app_context():
        assert powers.get_power(db.session(write=False), 38).name == "取水许可(已改)"


def test_seed_into_empty_database(databases) -> None:
    app = make_app(databases.empty())
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["init-db"]).exit_code == 0
        result = runner.invoke(args=["seed"])
        assert "created 1 decision(s), 7 department(s), 103 power(s)" in result.output
        assert counts(app)["powers"] == 103
    finally:
        dispose(app)


def test_export_csv_command(shared_app: Flask) -> None:
    result = shared_app.test_cli_runner().invoke(args=["export", "--layout", "annex", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert len(rows) == 1 + 104
    assert rows[76][:3] == ["75", parse_annex.parse_file()["powers"][74]["name"], "其他危险化学品生产、储存建设项目安全设施设计审查"]


def test_export_json_command(shared_app: Flask) -> None:
    result = shared_app.test_cli_runner().invoke(args=["export", "--format", "json"])
    rows = json.loads(result.output)
    assert len(rows) == 104 and rows[0]["序号"] == "1"
