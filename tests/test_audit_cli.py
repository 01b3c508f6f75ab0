"""`registry audit checkpoint` and `registry audit verify` as an auditor uses them, and the canonical hashing.

What this file proves, on every backend:

* a checkpoint is a signed JSON head {size, head, at, public_key, signature} of the trail as it stands,
  printed or written with ``--output``, and its signature verifies with this registry's checkpoint key only;
* verify confirms a good checkpoint, refuses one signed with another registry's key, and turns a malformed
  checkpoint file into a usage error (exit 2), never a traceback;
* verify with another audit key says the key is wrong (exit 3), not that the trail was tampered with;
* an entry's hash depends on its fields' values, not on the order of keys in the JSON (canonical JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from registry.domain import chain
from registry.models import AuditEntry
from registry.services.audit import entry_fields
from tests.conftest import AUDIT_KEY, CHECKPOINT_KEY, Databases, cli, dispose, invoke, make_app, signing_pem

HEX64 = re.compile(r"[0-9a-f]{64}")
OTHER_KEY = "the audit key of another registry"
OTHER_CHECKPOINT_KEY = signing_pem("the checkpoint key of another registry")
OWN, OTHER = (chain.signing_key(pem).public_key() for pem in (CHECKPOINT_KEY, OTHER_CHECKPOINT_KEY))


def trail_head(app: Flask) -> tuple[int, str]:
    with app.extensions["registry.sessionmaker"]() as session:
        size = session.scalar(select(func.count()).select_from(AuditEntry))
        head = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1))
    return size, head or chain.GENESIS


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def reordered(value: Any) -> Any:
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {k: reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(v) for v in value]
    return value


@pytest.fixture
def other_registry(shared_app: Flask) -> Iterator[Flask]:
    """The same database opened by an app with other keys (another registry, or wrong keys); only the CLI's app
    starts with a wrong audit key."""
    app = make_app(shared_app.config["REGISTRY_SETTINGS"].database_url, audit_key=OTHER_KEY,
                   checkpoint_key=OTHER_CHECKPOINT_KEY, check_audit_key=False)
    yield app
    dispose(app)


# --- checkpoint ------------------------------------------------------------------------------------------------


def test_checkpoint_is_a_signed_head_of_the_trail(shared_app: Flask) -> None:
    out = cli(shared_app, "audit", "checkpoint")
    checkpoint = json.loads(out)
    assert out.endswith("}\n")
    assert set(checkpoint) == {"size", "head", "at", "public_key", "signature"}
    assert (checkpoint["size"], checkpoint["head"]) == trail_head(shared_app)
    assert checkpoint["size"] > 100
    assert HEX64.fullmatch(checkpoint["head"])
    assert checkpoint["public_key"] == chain.raw_public(OWN) != chain.raw_public(OTHER)
    assert checkpoint["at"].endswith("Z") and datetime.fromisoformat(checkpoint["at"]).tzinfo is not None
    assert chain.checkpoint_signature_ok([OWN], checkpoint)
    assert not chain.checkpoint_signature_ok([OTHER], checkpoint)
    assert not chain.checkpoint_signature_ok([OWN], {**checkpoint, "size": checkpoint["size"] + 1})


def test_checkpoint_output_writes_the_file_and_nothing_to_stdout(shared_app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "head.json"
    result = invoke(shared_app, "audit", "checkpoint", "--output", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    checkpoint = json.loads(path.read_text(encoding="utf-8"))
    assert f"checkpoint of {checkpoint['size']} entries written to {path}" in result.stderr
    assert (checkpoint["size"], checkpoint["head"]) == trail_head(shared_app)
    assert chain.checkpoint_signature_ok([OWN], checkpoint)


def test_checkpoint_of_an_empty_trail_is_the_genesis(databases: Databases, tmp_path: Path) -> None:
    app = make_app(databases.empty())
    try:
        cli(app, "init-db")
        checkpoint = json.loads(cli(app, "audit", "checkpoint"))
        assert (checkpoint["size"], checkpoint["head"]) == (0, chain.GENESIS)
        path = write_json(tmp_path / "genesis.json", checkpoint)
        assert cli(app, "audit", "verify", "--checkpoint", str(path)) == (
            f"intact: 0 entries, head {chain.GENESIS}, 1 checkpoint(s) confirmed\n")
    finally:
        dispose(app)


# --- verify ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("copies", [1, 2])
def test_verify_confirms_a_good_checkpoint(shared_app: Flask, tmp_path: Path, copies: int) -> None:
    path = tmp_path / "head.json"
    cli(shared_app, "audit", "checkpoint", "--output", str(path))
    size, head = trail_head(shared_app)
    out = cli(shared_app, "audit", "verify", *(["--checkpoint", str(path)] * copies))
    assert out == f"intact: {size} entries, head {head}, {copies} checkpoint(s) confirmed\n"


MALFORMED = {
    "empty file": "",
    "not json": "size=3 head=abc",
    "a list": "[1, 2, 3]",
    "an empty object": "{}",
    "size as a string": '{"size": "3", "head": "ab", "at": "x", "signature": "c2ln"}',
    "no signature": '{"size": 3, "head": "ab", "at": "x"}',
    "null head": '{"size": 3, "head": null, "at": "x", "signature": "c2ln"}',
    "truncated json": '{"size": 3, "head": "ab", ',
}


@pytest.mark.parametrize("content", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_checkpoint_is_a_usage_error(shared_app: Flask, tmp_path: Path, content: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    result = invoke(shared_app, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert str(path) in result.output
    assert "not a checkpoint file" in result.output or "a checkpoint needs" in result.output


@pytest.mark.parametrize("where", ["missing", "directory", "not utf-8"])
def test_an_unreadable_checkpoint_is_a_usage_error(shared_app: Flask, tmp_path: Path, where: str) -> None:
    path = tmp_path / "checkpoint.json"
    if where == "directory":
        path.mkdir()
    elif where == "not utf-8":
        path.write_bytes(b'{"size": 3, "head": "\xff\xfe"}')
    result = invoke(shared_app, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output


def test_a_checkpoint_signed_with_another_registrys_key_is_refused(shared_app: Flask, other_registry: Flask,
                                                               tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    cli(other_registry, "audit", "checkpoint", "--output", str(path))
    forged = json.loads(path.read_text(encoding="utf-8"))
    # Same trail, same head: only the key differs, and the file even names its own public key.
    assert (forged["size"], forged["head"]) == trail_head(shared_app)
    assert forged["public_key"] == chain.raw_public(OTHER)
    result = invoke(shared_app, "audit", "verify", "--checkpoint", str(path))
    assert result.exit_code == 1, result.output
    assert result.output.startswith("TAMPERED: first bad entry is the registry (checkpoint-signature): ")
    # The same file with this registry's public key pasted in is still refused: the key is never taken from it.
    write_json(path, {**forged, "public_key": chain.raw_public(OWN)})
    assert invoke(shared_app, "audit", "verify", "--checkpoint", str(path)).exit_code == 1


def test_verify_with_another_audit_key_says_the_key_is_wrong(other_registry: Flask) -> None:
    result = invoke(other_registry, "audit", "verify")
    assert result.exit_code == 3, result.output
    assert result.output.startswith(f"wrong audit key: entries from 1 on are chained under key "
                                    f"{chain.key_id(AUDIT_KEY)}, which is neither the configured key "
                                    f"({chain.key_id(OTHER_KEY)}) nor in the keyring")
    assert "TAMPERED" not in result.output


# --- canonical JSON --------------------------------------------------------------------------------------------


def sample_fields() -> dict[str, Any]:
    return {
        "seq": 7, "at": "2026-11-26T08:00:00.000001Z", "actor_id": 1, "actor_name": "管理员甲",
        "actor_role": "admin", "action": "update", "entity_type": "power", "entity_id": 5,
        "entity_label": "渝府发〔2021〕13号 第5项", "power_id": 5, "department_id": 1,
        "before": {"name": "甲", "sub_items": ["一", "二"], "note": None, "version": 1},
        "after": {"name": "乙", "sub_items": ["一", "二"], "note": "备注", "version": 2},
        "changed": ["name", "note", "version"], "reason": "复核", "request_id": "req-1", "prev_hash": "0" * 64,
    }


def test_the_hash_does_not_depend_on_key_order() -> None:
    key = chain.chain_key(AUDIT_KEY)
    fields = sample_fields()
    assert list(reordered(fields)) != list(fields)
    assert chain.canonical(reordered(fields)) == chain.canonical(fields)
    assert chain.entry_hash(key, reordered(fields)) == chain.entry_hash(key, fields)
    # ...but on every value, on list order, and on the key.
    assert (chain.entry_hash(key, {**fields, "after": {**fields["after"], "note": "备注 "}})
            != chain.entry_hash(key, fields))
    assert chain.entry_hash(key, {**fields, "changed": ["note", "name", "version"]}) != chain.entry_hash(key, fields)
    assert chain.entry_hash(chain.chain_key(OTHER_KEY), fields) != chain.entry_hash(key, fields)
    # Keys outside HASHED_FIELDS (the stored hash itself, say) are not hashed.
    assert chain.entry_hash(key, {**fields, "hash": "f" * 64}) == chain.entry_hash(key, fields)


def test_canonical_json_is_compact_sorted_utf8() -> None:
    assert (chain.canonical({"b": [1, {"d": None, "c": "水"}], "a": True})
            == '{"a":true,"b":[1,{"c":"水","d":null}]}'.encode())


def test_a_stored_entry_rehashes_the_same_whatever_the_key_order(shared_app: Flask) -> None:
    key = chain.chain_key(AUDIT_KEY)
    with shared_app.extensions["registry.sessionmaker"]() as session:
        stored = list(session.scalars(select(AuditEntry).where(AuditEntry.seq.in_([1, 50]))))
    assert len(stored) == 2
    for entry in stored:
        fields = entry_fields(entry)
        assert isinstance(fields["after"], dict) and len(fields["after"]) > 1
        assert chain.entry_hash(key, reordered(fields)) == chain.entry_hash(key, fields) == entry.hash
