"""The audit trail's hash chain: canonical JSON of an entry, keyed link hashes, and signed checkpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from registry.domain.moments import as_utc

GENESIS = "0" * 64
# The fields an entry's hash covers, in the canonical JSON (keys sorted, no spaces, UTF-8).
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
                 "entity_label", "power_id", "department_id", "before", "after", "changed", "reason",
                 "request_id", "prev_hash")


def iso_utc(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 UTC with microseconds; naive values (SQLite) are UTC by construction."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="microseconds").replace("+00:00", "Z")


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _derive(audit_key: str, purpose: bytes) -> bytes:
    if not audit_key:
        raise ValueError("no audit key is configured (REGISTRY_AUDIT_KEY)")
    return hmac.new(audit_key.encode(), purpose, hashlib.sha256).digest()


def chain_key(audit_key: str) -> bytes:
    """The key of the link hashes: without it, nobody can re-hash an edited chain into a valid one."""
    return _derive(audit_key, b"registry audit chain v1")


def entry_hash(key: bytes, fields: dict[str, Any]) -> str:
    """HMAC-SHA-256 over the canonical JSON of the hashed fields (which include the previous hash)."""
    return hmac.new(key, canonical({k: fields[k] for k in HASHED_FIELDS}), hashlib.sha256).hexdigest()


def _signing_key(audit_key: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_derive(audit_key, b"registry audit checkpoint v1"))


def public_key(audit_key: str) -> str:
    raw = _signing_key(audit_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _signed_part(checkpoint: dict[str, Any]) -> bytes:
    return canonical({k: checkpoint[k] for k in ("size", "head", "at")})


def sign_checkpoint(audit_key: str, size: int, head: str, at: datetime) -> dict[str, Any]:
    """A signed head of the chain, to be kept outside the database."""
    checkpoint: dict[str, Any] = {"size": size, "head": head, "at": iso_utc(at)}
    signature = _signing_key(audit_key).sign(_signed_part(checkpoint))
    checkpoint["public_key"] = public_key(audit_key)
    checkpoint["signature"] = base64.b64encode(signature).decode()
    return checkpoint


def checkpoint_signature_ok(audit_key: str, checkpoint: dict[str, Any]) -> bool:
    """Whether the checkpoint was signed with this registry's key (not with whatever key the file names)."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key(audit_key)))
        key.verify(base64.b64decode(checkpoint["signature"], validate=True), _signed_part(checkpoint))
    except (InvalidSignature, KeyError, TypeError, ValueError):
        return False
    return True
