"""The audit key and the checkpoint key, on every backend.

What this file proves:

* every entry names the key that chained it (a 16-hex id that is not the key);
* with the key file lost (or another key configured) and a trail in the database, the app refuses to start,
  naming the key file and the key the trail needs, and no new key file is made; an empty trail may get one;
* a write under a key that is not the chain's is refused (503), so the chain never forks;
* `registry audit verify` exits 0 intact, 1 tampered, 3 "wrong audit key";
* `registry audit rotate-key` hands the chain to a new key: writes go on under it and verify checks the whole
  chain (the old key from the keyring or --old-key-file);
* a trail from before key ids (NULL) still verifies with the right key, and a wrong key is still told apart;
* checkpoints are signed with their own Ed25519 key whose published public half verifies them, and no other.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from sqlalchemy import select, text, update

from registry import create_app
from registry.config import Settings, read_keyring
from registry.domain import chain
from registry.models import AuditEntry
from registry.services.errors import Unavailable
from tests.conftest import AUDIT_KEY, SECRET_KEY, Databases, cli, dispose, invoke, make_app, signing_pem
from tests.test_tamper import ENTRY, patch_power, rehash, unguarded

WRONG_KEY = "not the key that chained this trail"
KEY_ID = re.compile(r"[0-9a-f]{16}")


def key_ids(app: Flask) -> list[str | None]:
    with app.extensions["registry.sessionmaker"]() as session:
        return list(session.scalars(select(AuditEntry.key_id).order_by(AuditEntry.seq)))


def size(app: Flask) -> int:
    return len(key_ids(app))


@pytest.fixture
def cli_app(app: Flask) -> Iterator[Flask]:
    """A second app on the same database as ``app`` with a wrong audit key, started as the CLI starts."""
    wrong = make_app(app.config["REGISTRY_SETTINGS"].database_url, audit_key=WRONG_KEY, check_audit_key=False)
    yield wrong
    dispose(wrong)


def test_entries_name_the_key_that_chained_them(shared_app: Flask) -> None:
    ids = key_ids(shared_app)
    assert len(ids) > 100 and set(ids) == {chain.key_id(AUDIT_KEY)}
    assert KEY_ID.fullmatch(ids[0]) and ids[0] not in AUDIT_KEY.encode().hex()
    assert chain.key_id(WRONG_KEY) != ids[0]


# --- starting ----------------------------------------------------------------------------------------------------

STARTS = {
    # case: (what is in the instance folder / environment, the message's start)
    "key file lost": ({}, "no audit key: {file} is missing, and the trail's entries are chained under key {id}"),
    "another key file": ({"file": WRONG_KEY}, "wrong audit key: the trail's entries are chained under key {id}, "
                                              "but the configured key ({file}) is {wrong}"),
    "another key in the environment": ({"env": WRONG_KEY}, "wrong audit key: the trail's entries are chained "
                                       "under key {id}, but the configured key (REGISTRY_AUDIT_KEY) is {wrong}"),
}


@pytest.mark.parametrize(("given", "message"), STARTS.values(), ids=STARTS.keys())
def test_the_app_refuses_to_start_without_the_chains_key(databases: Databases, tmp_path: Path, given: dict,
                                                         message: str) -> None:
    url, key_file = databases.seeded(), tmp_path / "audit_key"
    if "file" in given:
        key_file.write_text(given["file"] + "\n")
    env = {"REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": SECRET_KEY}
    if "env" in given:
        env["REGISTRY_AUDIT_KEY"] = given["env"]
    settings = Settings.from_env(tmp_path, env)
    with pytest.raises(Unavailable) as refused:
        create_app(settings)
    assert str(refused.value.detail).startswith(message.format(
        file=key_file, id=chain.key_id(AUDIT_KEY), wrong=chain.key_id(WRONG_KEY)))
    assert key_file.exists() == ("file" in given), "a key file was made for a trail that has a key"
    # The CLI still starts, and verify says what is wrong instead of "tampered"; it makes no key either.
    app = create_app(settings, check_audit_key=False)
    try:
        result = invoke(app, "audit", "verify")
    finally:
        dispose(app)
    assert result.exit_code == 3, result.output
    assert result.output.startswith("wrong audit key: entries from 1 on are chained under key "
                                    f"{chain.key_id(AUDIT_KEY)}")
    assert key_file.exists() == ("file" in given)


def test_an_empty_trail_gets_a_new_key(databases: Databases, tmp_path: Path) -> None:
    url = databases.empty()
    settings = Settings.from_env(tmp_path, {"REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": SECRET_KEY})
    assert settings.audit_key and settings.audit_key_source == str(tmp_path / "audit_key")
    assert stat.S_IMODE((tmp_path / "audit_key").stat().st_mode) == 0o600
    app = create_app(settings)  # not migrated yet: nothing to check
    try:
        cli(app, "init-db")
        cli(app, "seed")
        assert set(key_ids(app)) == {chain.key_id(settings.audit_key)}
    finally:
        dispose(app)
    dispose(create_app(Settings.from_env(tmp_path, {"REGISTRY_DATABASE_URL": url, "REGISTRY_SECRET_KEY": "x"})))


def test_a_write_under_another_key_is_refused(app: Flask, cli_app: Flask, admin_headers: dict[str, str]) -> None:
    before = size(app)
    client = cli_app.test_client()
    etag = client.get("/api/v1/powers/5").headers["ETag"]
    resp = client.patch("/api/v1/powers/5", json={"note": "forked", "reason": "test"},
                        headers={"If-Match": etag, **admin_headers})
    assert resp.status_code == 503, resp.get_data(as_text=True)
    assert resp.json["code"] == "audit.key_wrong"
    assert chain.key_id(AUDIT_KEY) in resp.json["detail"]
    assert size(app) == before


# --- verify's exit codes -----------------------------------------------------------------------------------------


def tamper_entry(app: Flask) -> None:
    with unguarded(app) as conn:
        conn.execute(update(ENTRY).where(ENTRY.c.seq == 50).values(reason="rewritten"))


def tamper_row(app: Flask) -> None:
    with app.extensions["registry.engine"].begin() as conn:
        conn.execute(text("UPDATE power SET name = 'a name nobody approved' WHERE id = 5"))


VERDICTS = {
    # case: (tamper, verify with the wrong key, exit code, first line)
    "intact": (None, False, 0, "intact: "),
    "wrong key": (None, True, 3, "wrong audit key: entries from 1 on are chained under key "),
    "tampered entry": (tamper_entry, False, 1, "TAMPERED: first bad entry is entry 50 (bad-hash): "),
    "tampered row, wrong key": (tamper_row, True, 1, "TAMPERED: first bad entry is entry "),
}


@pytest.mark.parametrize(("tamper", "wrong", "code", "first"), VERDICTS.values(), ids=VERDICTS.keys())
def test_verify_exit_codes(app: Flask, cli_app: Flask, tamper, wrong: bool, code: int, first: str) -> None:
    if tamper:
        tamper(app)
    result = invoke(cli_app if wrong else app, "audit", "verify")
    assert result.exit_code == code, result.output
    assert result.output.startswith(first)


# --- rotation ----------------------------------------------------------------------------------------------------


def test_rotate_key_then_write_then_verify(app: Flask, admin_headers: dict[str, str], tmp_path: Path) -> None:
    url, keyring, new_file = app.config["REGISTRY_SETTINGS"].database_url, tmp_path / "keyring", tmp_path / "new"
    old = make_app(url, audit_keyring_dir=str(keyring), check_audit_key=False)
    try:
        out = cli(old, "audit", "rotate-key", "--new-key-file", str(new_file), "--reason", "yearly rotation")
    finally:
        dispose(old)
    new_key = new_file.read_text().strip()
    old_id, new_id = chain.key_id(AUDIT_KEY), chain.key_id(new_key)
    assert f"hands the chain from key {old_id} to key {new_id}" in out
    for path in (new_file, keyring / old_id):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (keyring / old_id).read_text().strip() == AUDIT_KEY
    rotated = size(app)
    # The old key no longer starts the app, nor writes.
    with pytest.raises(Unavailable, match=f"chained under key {new_id}"):
        make_app(url)
    etag = app.test_client().get("/api/v1/powers/5").headers["ETag"]
    assert app.test_client().patch("/api/v1/powers/5", json={"note": "x", "reason": "x"},
                                   headers={"If-Match": etag, **admin_headers}).status_code == 503
    new = make_app(url, audit_key=new_key, audit_keyring=read_keyring(keyring))
    try:
        client = new.test_client()
        for power_id in (5, 6):
            patch_power(client, admin_headers, power_id, "after the rotation")
        ids = key_ids(new)
        assert ids[rotated - 1:] == [old_id, new_id, new_id] and set(ids[:rotated]) == {old_id}
        assert cli(new, "audit", "verify").startswith(f"intact: {rotated + 2} entries")
    finally:
        dispose(new)
    # Without the old key, the entries before the rotation cannot be checked: a key problem, not tampering.
    bare = make_app(url, audit_key=new_key)
    try:
        result = invoke(bare, "audit", "verify")
        assert result.exit_code == 3, result.output
        assert result.output.startswith(f"wrong audit key: entries from 1 on are chained under key {old_id}")
        assert cli(bare, "audit", "verify", "--old-key-file", str(keyring / old_id)).startswith("intact: ")
    finally:
        dispose(bare)


def test_rotating_to_the_same_key_is_refused(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "same").write_text(AUDIT_KEY)
    before = size(app)
    cli_ = make_app(app.config["REGISTRY_SETTINGS"].database_url, audit_keyring_dir=str(tmp_path / "ring"))
    try:
        result = invoke(cli_, "audit", "rotate-key", "--new-key-file", str(tmp_path / "same"))
    finally:
        dispose(cli_)
    assert result.exit_code == 1 and "the new key is the current audit key" in result.output
    assert size(app) == before and not (tmp_path / "ring").exists()


# --- a trail from before key ids ---------------------------------------------------------------------------------


def make_legacy(app: Flask) -> None:
    """What migration 0008 leaves: no entry names a key, each hashed as before ids existed."""
    with unguarded(app) as conn:
        conn.execute(update(ENTRY).values(key_id=None))
        rehash(conn, chain.chain_key(AUDIT_KEY), 1)


def test_a_trail_from_before_key_ids(app: Flask, cli_app: Flask, admin_headers: dict[str, str]) -> None:
    make_legacy(app)
    assert set(key_ids(app)) == {None}
    assert cli(app, "audit", "verify").startswith("intact: ")
    wrong = invoke(cli_app, "audit", "verify")
    assert wrong.exit_code == 3 and wrong.output.startswith("wrong audit key: entries from 1 on are chained under "
                                                            "key from before key ids were recorded"), wrong.output
    with pytest.raises(Unavailable, match="wrong audit key"):
        make_app(app.config["REGISTRY_SETTINGS"].database_url, audit_key=WRONG_KEY)
    tamper_entry(app)
    assert invoke(app, "audit", "verify").output.startswith("TAMPERED: first bad entry is entry 50 (bad-hash)")


def test_a_trail_from_before_key_ids_goes_on_under_its_key(app: Flask, admin_headers: dict[str, str]) -> None:
    make_legacy(app)
    again = make_app(app.config["REGISTRY_SETTINGS"].database_url)  # the right key starts the app
    try:
        patch_power(again.test_client(), admin_headers, 5, "the first entry with a key id")
        assert key_ids(again)[-2:] == [None, chain.key_id(AUDIT_KEY)]
        assert cli(again, "audit", "verify").startswith("intact: ")
    finally:
        dispose(again)


# --- checkpoints -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("published", "code"), [(True, 0), (False, 1)], ids=["published key", "another key"])
def test_a_checkpoint_verifies_with_the_published_public_key(shared_app: Flask, tmp_path: Path, published: bool,
                                                             code: int) -> None:
    pem = cli(shared_app, "audit", "public-key")
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem
    checkpoint_file = tmp_path / "checkpoint.json"
    cli(shared_app, "audit", "checkpoint", "--output", str(checkpoint_file))
    checkpoint = json.loads(checkpoint_file.read_text())
    key = pem if published else chain.public_pem(chain.signing_key(signing_pem("someone else's")))
    (tmp_path / "public.pem").write_text(key)
    assert chain.checkpoint_signature_ok([chain.load_public(key)], checkpoint) == published
    result = invoke(shared_app, "audit", "verify", "--checkpoint", str(checkpoint_file),
                    "--public-key", str(tmp_path / "public.pem"))
    assert result.exit_code == code, result.output
    assert result.output.startswith("intact: " if published else
                                    "TAMPERED: first bad entry is the registry (checkpoint-signature)")


def test_a_checkpoint_from_before_checkpoint_keys_is_still_accepted(shared_app: Flask, tmp_path: Path) -> None:
    """Checkpoints used to be signed with a key derived from the audit key; verify still accepts those."""
    with shared_app.extensions["registry.sessionmaker"]() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).one()
    derived = Ed25519PrivateKey.from_private_bytes(chain._derive(AUDIT_KEY, b"registry audit checkpoint v1"))
    old = chain.sign_checkpoint(derived, last.seq, last.hash, last.at)
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert cli(shared_app, "audit", "verify", "--checkpoint", str(tmp_path / "old.json")).startswith("intact: ")
