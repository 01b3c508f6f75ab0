"""`registry seed` is idempotent and never overwrites edits; `registry export` prints the annex."""

from __future__ import annotations

import csv
import io
import json

from flask import Flask
from sqlalchemy import func, select

from registry import db
from registry.cli.caller import cli_caller
from registry.models import AuditEntry, Power
from registry.services import calendar as calendars
from registry.services import powers
from seed import parse_annex
from tests.conftest import dispose, invoke, make_app


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = db.session(write=False)
        return {
            "powers": session.scalar(select(func.count(Power.id))),
            "max_version": session.scalar(select(func.max(Power.version))),
            "audit_entries": session.scalar(select(func.count(AuditEntry.seq))),
        }


def test_second_seed_changes_nothing(app: Flask) -> None:
    before = counts(app)
    result = invoke(app, "seed")
    assert result.exit_code == 0, result.output
    assert ("created 0 decision(s), 0 department(s), 0 handover_method(s), 0 power(s), 0 handover(s); "
            "103 power(s) already present") in result.output
    assert counts(app) == before
    assert (before["powers"], before["max_version"]) == (103, 1)


def test_seed_leaves_edited_rows_alone(app: Flask) -> None:
    with app.app_context():
        session = db.session(write=True)
        powers.update_power(session, cli_caller(), 38, {"name": "取水许可(已改)"}, 1, "勘误")
        session.commit()
    result = invoke(app, "seed")
    assert result.exit_code == 0
    assert "1 power(s) differ from the seed and were left alone: 序号 [38]" in result.output
    with app.app_context():
        assert powers.get_power(db.session(write=False), 38).name == "取水许可(已改)"


def test_seed_into_empty_database(databases) -> None:
    app = make_app(databases.empty())
    try:
        assert invoke(app, "init-db").exit_code == 0
        result = invoke(app, "seed")
        assert ("created 1 decision(s), 7 department(s), 5 handover_method(s), 103 power(s), "
                "103 handover(s)") in result.output
        assert counts(app)["powers"] == 103
    finally:
        dispose(app)


def test_export_csv_command(shared_app: Flask) -> None:
    result = invoke(shared_app, "export", "--layout", "annex", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output.lstrip("\ufeff"))))
    assert len(rows) == 1 + 104
    assert rows[76][:3] == ["75", parse_annex.parse_file()["powers"][74]["name"],
                            "其他危险化学品生产、储存建设项目安全设施设计审查"]


def test_export_json_command(shared_app: Flask) -> None:
    result = invoke(shared_app, "export", "--format", "json")
    rows = json.loads(result.output)
    assert len(rows) == 104 and rows[0]["序号"] == "1"


def test_the_seed_is_audited_like_any_other_write(databases) -> None:
    """Loading the seed writes one entry per decision, department and power, with the seed's reason."""
    app = make_app(databases.empty())
    try:
        for args in (["init-db"], ["seed"]):
            assert invoke(app, *args).exit_code == 0
        with app.app_context():
            entries = db.session(write=False).scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        kinds = [e.entity_type for e in entries]
        assert [kinds.count(k) for k in ("decision", "department", "handover_method", "power", "handover",
                                         "calendar_year")] == [1, 7, 5, 103, 103, 23]
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        assert {(e.action, e.actor_role, e.reason) for e in entries} == {
            ("create", "admin", "载入渝府发〔2021〕13号附件（系统初始化）"), ("create", "admin", calendars.SEED_REASON)}
        assert all(e.actor_name.startswith("cli:") and e.before is None for e in entries)
        power_38 = next(e for e in entries if e.entity_type == "power" and e.after["seq"] == 38)
        assert power_38.entity_label == "渝府发〔2021〕13号 第38项 取水许可"
        assert invoke(app, "seed").exit_code == 0
        with app.app_context():
            assert db.session(write=False).scalar(select(func.count(AuditEntry.seq))) == len(entries)
    finally:
        dispose(app)
