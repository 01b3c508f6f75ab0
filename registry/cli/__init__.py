"""The `registry` CLI: data, backup, accounts and audit commands, added to Flask's CLI."""

from __future__ import annotations

from flask import Flask

from registry.cli import accounts, audit, backup, calendar, data, decision, guides, offices, volumes


def init_app(app: Flask) -> None:
    for command in (*data.COMMANDS, backup.backup, backup.restore, accounts.user, accounts.token, audit.audit,
                    calendar.calendar, guides.guides, decision.decision, offices.offices, volumes.volumes):
        app.cli.add_command(command)
