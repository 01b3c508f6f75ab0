"""`registry user ...` and `registry token ...`: accounts and API tokens from the shell, audited like the API."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import db
from registry.cli.caller import cli_caller
from registry.domain.chain import iso_utc
from registry.domain.roles import Role
from registry.models.base import utcnow
from registry.services import accounts
from registry.services.errors import DomainError

DURATION = re.compile(r"^(\d{1,5})([dh])$")


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{k}: {', '.join(v)}" for k, v in (error.errors or {}).items())
    raise click.ClickException(f"{error.detail}{' (' + details + ')' if details else ''}")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def parse_expiry(text: str, now: datetime) -> datetime:
    """``90d``, ``12h``, a date (end of that day, UTC) or an ISO 8601 moment with a time zone."""
    if m := DURATION.match(text):
        amount, unit = int(m[1]), m[2]
        return now + (timedelta(days=amount) if unit == "d" else timedelta(hours=amount))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter("use 90d, 12h, 2027-06-30 or 2027-06-30T18:00:00+08:00") from None
    if len(text) == 10:
        return moment.replace(tzinfo=UTC) + timedelta(days=1)
    if moment.tzinfo is None:
        raise click.BadParameter("give the time zone, e.g. +08:00")
    return moment


@click.group()
def user() -> None:
    """Staff accounts."""


@user.command("create")
@with_appcontext
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(Role.codes()))
@click.option("--department", help="id or exact name of the city guiding department (department role only)")
@click.option("--password-stdin", is_flag=True, help="read a web sign-in password from the first line of stdin")
@click.option("--with-password", is_flag=True, help="prompt for a web sign-in password")
def create_user(name: str, role: str, department: str | None, password_stdin: bool, with_password: bool) -> None:
    """Open an account (token-only unless a password is given)."""
    password = _read_password(password_stdin) if (password_stdin or with_password) else None
    session = db.session(write=True)
    try:
        created = accounts.create_user(session, cli_caller(), name, Role(role), department, password)
    except DomainError as e:
        _fail(e)
    session.commit()
    click.echo(f"user {created.id} {created.name} ({created.role.value}) created")


@user.command("password")
@with_appcontext
@click.option("--name", required=True)
@click.option("--password-stdin", is_flag=True)
def set_password(name: str, password_stdin: bool) -> None:
    """Set a user's web sign-in password; it ends their open web sessions."""
    password = _read_password(password_stdin)
    session = db.session(write=True)
    try:
        accounts.set_password(session, cli_caller(), name, password)
    except DomainError as e:
        _fail(e)
    session.commit()
    click.echo(f"password of {name} set")


def _set_disabled(name: str, disabled: bool, reason: str | None) -> None:
    session = db.session(write=True)
    try:
        accounts.set_disabled(session, cli_caller(), name, disabled, reason)
    except DomainError as e:
        _fail(e)
    session.commit()
    click.echo(f"user {name} {'disabled' if disabled else 'enabled'}")


@user.command("disable")
@with_appcontext
@click.option("--name", required=True)
@click.option("--reason")
def disable_user(name: str, reason: str | None) -> None:
    """Disable an account: its tokens and sessions stop working on the next request."""
    _set_disabled(name, True, reason)


@user.command("enable")
@with_appcontext
@click.option("--name", required=True)
@click.option("--reason")
def enable_user(name: str, reason: str | None) -> None:
    """Re-enable an account."""
    _set_disabled(name, False, reason)


@user.command("list")
@with_appcontext
def list_users() -> None:
    """Every account."""
    for u in accounts.list_users(db.session(write=False)):
        dept = f" {u.department.name}" if u.department else ""
        state = " disabled" if u.disabled else ""
        click.echo(f"{u.id}\t{u.name}\t{u.role.value}{dept}{state}")


@click.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@with_appcontext
@click.option("--user", "user_ref", required=True, help="user name or id")
@click.option("--expires", help="90d, 12h, a date or an ISO moment; default: REGISTRY_TOKEN_DEFAULT_DAYS")
@click.option("--label", default="cli", show_default=True)
def create_token(user_ref: str, expires: str | None, label: str) -> None:
    """Issue a token and print it once on stdout (details go to stderr)."""
    now = utcnow()
    days = current_app.config["REGISTRY_SETTINGS"].token_default_days
    expires_at = parse_expiry(expires, now) if expires else now + timedelta(days=days)
    session = db.session(write=True)
    try:
        issued, secret = accounts.create_token(session, cli_caller(), user_ref, label, expires_at)
    except DomainError as e:
        _fail(e)
    session.commit()
    click.echo(f"token {issued.id} for {issued.user.name}, expires {iso_utc(issued.expires_at)}; "
               "it is shown only now", err=True)
    click.echo(secret)


@token.command("revoke")
@with_appcontext
@click.option("--id", "token_id", required=True, type=int)
@click.option("--reason")
def revoke_token(token_id: int, reason: str | None) -> None:
    """Revoke a token; the next request that presents it is refused."""
    session = db.session(write=True)
    try:
        accounts.revoke_token(session, cli_caller(), token_id, reason)
    except DomainError as e:
        _fail(e)
    session.commit()
    click.echo(f"token {token_id} revoked")


@token.command("list")
@with_appcontext
@click.option("--user", "user_ref", help="user name or id")
def list_tokens(user_ref: str | None) -> None:
    """Tokens (never their secrets) with expiry and revocation."""
    try:
        tokens = accounts.list_tokens(db.session(write=False), user_ref)
    except DomainError as e:
        _fail(e)
    for t in tokens:
        state = f"revoked {iso_utc(t.revoked_at)}" if t.revoked_at else f"expires {iso_utc(t.expires_at)}"
        click.echo(f"{t.id}\t{t.user.name}\t{t.label}\t{state}")
