"""`registry audit checkpoint|verify|public-key|rotate-key`: the auditors' and operators' tools for the
hash-chained trail and its keys."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from registry import db
from registry.cli.caller import cli_caller
from registry.config import Settings, write_secret
from registry.domain import chain
from registry.models.base import utcnow
from registry.services import audit as audit_service
from registry.services import audit_keys
from registry.services.errors import DomainError
from registry.services.verify import verify as verify_trail

CHECKPOINT_KEYS = {"size": int, "head": str, "at": str, "signature": str}
# `registry audit verify` exits 0 when intact, 1 when tampered, 3 when it lacks the key the entries name, and 4 when
# intact but a checkpoint names entries a recorded restore from an older backup left out (not tampering, yet that
# checkpoint is unconfirmed and the entries after the backup are gone).
EXIT_TAMPERED, EXIT_WRONG_KEY, EXIT_RESTORED = 1, 3, 4
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _settings() -> Settings:
    return current_app.config["REGISTRY_SETTINGS"]


def _read_checkpoint(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{path}: not a checkpoint file ({exc})") from None
    if not isinstance(data, dict) or any(not isinstance(data.get(k), t) for k, t in CHECKPOINT_KEYS.items()):
        raise click.BadParameter(f"{path}: a checkpoint needs {', '.join(CHECKPOINT_KEYS)}")
    return data


def _read_text(path: Path, what: str) -> str:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"{path}: cannot read {what} ({exc})") from None
    if not text:
        raise click.BadParameter(f"{path}: the file is empty, not {what}")
    return text


def _public_key(path: Path):
    try:
        return chain.load_public(_read_text(path, "a public key"))
    except ValueError as exc:
        raise click.BadParameter(f"{path}: not an Ed25519 public key in PEM ({exc})") from None


def _signing_key():
    try:
        return chain.signing_key(_settings().checkpoint_key)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def audit() -> None:
    """The audit trail and its keys."""


@audit.command("checkpoint")
@with_appcontext
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="write the checkpoint here instead of stdout")
def checkpoint(output: Path | None) -> None:
    """Print a head of the trail (size, head hash, time) signed with the checkpoint key; keep it outside the
    database."""
    size, head = audit_service.head(db.session(write=False))
    text = json.dumps(chain.sign_checkpoint(_signing_key(), size, head, utcnow()), indent=1) + "\n"
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"checkpoint of {size} entries written to {output}", err=True)
    else:
        sys.stdout.write(text)


@audit.command("public-key")
@with_appcontext
def public_key() -> None:
    """Print the checkpoint key's public half (PEM): publish it, so anyone can check a checkpoint."""
    sys.stdout.write(chain.public_pem(_signing_key()))


@audit.command("verify")
@with_appcontext
@click.option("--checkpoint", "checkpoints", multiple=True, type=FILE,
              help="a checkpoint file the trail must extend (repeatable)")
@click.option("--public-key", "public_keys", multiple=True, type=FILE,
              help="check checkpoints with this published public key (PEM) instead of the configured checkpoint "
                   "key (repeatable)")
@click.option("--old-key-file", "old_keys", multiple=True, type=FILE,
              help="an earlier audit key, for entries chained before a rotation (repeatable; the keyring folder "
                   "is read too)")
def verify(checkpoints: tuple[Path, ...], public_keys: tuple[Path, ...], old_keys: tuple[Path, ...]) -> None:
    """Check links, hashes, checkpoints and replay the trail against the registry; exit 1 when tampered, 3 when
    the entries are chained under a key that is not configured, 4 when intact but a checkpoint predates a restore
    from an older backup."""
    settings = _settings()
    report = verify_trail(db.session(write=False), settings.audit_key, [_read_checkpoint(p) for p in checkpoints],
                          keyring=(*settings.audit_keyring, *(_read_text(p, "a key") for p in old_keys)),
                          public_keys=[_public_key(p) for p in public_keys] or None)
    if report.intact:
        click.echo(f"intact: {report.size} entries, head {report.head}, "
                   f"{report.checkpoints} checkpoint(s) confirmed")
        for notice in report.notices:
            click.echo(f"notice: {notice.message}; the entries after it were lost with the restore "
                       f"recorded as entry {notice.seq}")
        if report.notices:
            sys.exit(EXIT_RESTORED)
        return
    if report.tampered:
        first = report.first
        where = f"entry {first.seq}" if first.seq is not None else "the registry"
        click.echo(f"TAMPERED: first bad entry is {where} ({first.kind}): {first.message}")
    else:
        click.echo(f"{report.wrong_key.message} (the configured key comes from {settings.audit_key_source}; "
                   "restore the right one, or pass an earlier key with --old-key-file)")
    for finding in report.findings[:50]:
        click.echo(f"  {finding.seq if finding.seq is not None else '-'}\t{finding.kind}\t{finding.message}")
    if len(report.findings) > 50:
        click.echo(f"  ... and {len(report.findings) - 50} more")
    sys.exit(EXIT_TAMPERED if report.tampered else EXIT_WRONG_KEY)


@audit.command("rotate-key")
@with_appcontext
@click.option("--new-key-file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the new audit key: read from this file, or made there (0600) when it does not exist")
@click.option("--reason", default=None, help="why (kept in the trail)")
def rotate_key(new_key_file: Path, reason: str | None) -> None:
    """Hand the chain over to a new key: one entry chained under the current key names the new key's id; the
    current key goes to the keyring folder, where verify finds it for the entries before the rotation."""
    settings = _settings()
    if not settings.audit_keyring_dir:
        raise click.ClickException("no keyring folder is configured (REGISTRY_AUDIT_KEYRING); nothing was rotated")
    if not new_key_file.exists():
        write_secret(new_key_file, secrets.token_hex(32))
    new_key = _read_text(new_key_file, "a key")
    session = db.session(write=True)
    try:
        entry = audit_keys.rotate(session, cli_caller(), new_key, reason)
    except DomainError as error:
        session.rollback()
        raise click.ClickException(str(error.detail)) from None
    old_id, new_id = entry.before["key_id"], entry.after["key_id"]
    keyring = Path(settings.audit_keyring_dir)
    kept = keyring / old_id
    if not write_secret(kept, settings.audit_key) and kept.read_text().strip() != settings.audit_key:
        session.rollback()
        raise click.ClickException(f"{kept} exists and holds another key; nothing was rotated")
    session.commit()
    click.echo(f"rotated: entry {entry.seq} hands the chain from key {old_id} to key {new_id}; "
               f"key {old_id} is kept in {kept}")
    click.echo(f"now install the new key: copy {new_key_file} to {settings.audit_key_source} (or set "
               "REGISTRY_AUDIT_KEY to its content) and restart the registry; until then it refuses to write")
