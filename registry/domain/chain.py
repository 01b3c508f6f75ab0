"""The audit trail's hash chain: canonical JSON of an entry, keyed link hashes, key ids, key rotation, and
Ed25519-signed checkpoints."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from registry.domain.moments import as_utc

GENESIS = "0" * 64
# The fields an entry's hash covers, in the canonical JSON (keys sorted, no spaces, UTF-8).
HASHED_FIELDS = ("seq", "at", "actor_id", "actor_name", "actor_role", "action", "entity_type", "entity_id",
                 "entity_label", "power_id", "department_id", "before", "after", "changed", "reason",
                 "request_id", "prev_hash")
# Hashed too when present: entries written before key ids were recorded have none (NULL) and hash as they did.
KEY_ID_FIELD = "key_id"
# The action of the entry that hands the chain over to a new key (its after names the new key's id).
ROTATE_KEY = "rotate-key"


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


def key_id(audit_key: str) -> str:
    """A short public name of an audit key (an HMAC of a fixed label under it): tells keys apart, reveals none."""
    return _derive(audit_key, b"registry audit key id v1").hex()[:16]


def hashed(fields: dict[str, Any]) -> dict[str, Any]:
    """The fields an entry's hash covers: HASHED_FIELDS, and its key id when it has one."""
    names = HASHED_FIELDS + ((KEY_ID_FIELD,) if fields.get(KEY_ID_FIELD) is not None else ())
    return {k: fields[k] for k in names}


def entry_hash(key: bytes, fields: dict[str, Any]) -> str:
    """HMAC-SHA-256 over the canonical JSON of the hashed fields (which include the previous hash)."""
    return hmac.new(key, canonical(hashed(fields)), hashlib.sha256).hexdigest()


def next_key_id(action: str, key_id: str | None, after: Any) -> str | None:
    """The id of the key the entry after this one must be chained under (None: a trail from before key ids)."""
    if action == ROTATE_KEY and isinstance(after, dict):
        return after.get(KEY_ID_FIELD)
    return key_id


# --- checkpoints ------------------------------------------------------------------------------------------------


def new_signing_key() -> str:
    """A fresh Ed25519 private key for checkpoints, as unencrypted PKCS#8 PEM (kept 0600 like the other keys)."""
    return Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def signing_key(pem: str) -> Ed25519PrivateKey:
    """The checkpoint key from its PEM; ValueError unless it is an Ed25519 private key."""
    if not pem:
        raise ValueError("no checkpoint key is configured (REGISTRY_CHECKPOINT_KEY or instance/checkpoint_key.pem)")
    key = load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the checkpoint key is not an Ed25519 private key")
    return key


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """The public half in PEM (SubjectPublicKeyInfo), for publishing."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def load_public(pem: str) -> Ed25519PublicKey:
    """A published checkpoint public key; ValueError unless it is Ed25519."""
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def raw_public(key: Ed25519PublicKey) -> str:
    """The public key as a checkpoint names it: its 32 raw bytes in base64."""
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def legacy_public_key(audit_key: str) -> Ed25519PublicKey:
    """The key checkpoints were signed with before they had their own: derived from the audit key."""
    private = Ed25519PrivateKey.from_private_bytes(_derive(audit_key, b"registry audit checkpoint v1"))
    return private.public_key()


def _signed_part(checkpoint: dict[str, Any]) -> bytes:
    return canonical({k: checkpoint[k] for k in ("size", "head", "at")})


def sign_checkpoint(key: Ed25519PrivateKey, size: int, head: str, at: datetime) -> dict[str, Any]:
    """A signed head of the chain, to be kept outside the database."""
    checkpoint: dict[str, Any] = {"size": size, "head": head, "at": iso_utc(at)}
    signature = key.sign(_signed_part(checkpoint))
    checkpoint["public_key"] = raw_public(key.public_key())
    checkpoint["signature"] = base64.b64encode(signature).decode()
    return checkpoint


def checkpoint_signature_ok(keys: list[Ed25519PublicKey], checkpoint: dict[str, Any]) -> bool:
    """Whether one of ``keys`` signed the checkpoint (never the key the file itself names)."""
    try:
        signature, signed = base64.b64decode(checkpoint["signature"], validate=True), _signed_part(checkpoint)
    except (KeyError, TypeError, ValueError):
        return False
    for key in keys:
        try:
            key.verify(signature, signed)
        except InvalidSignature:
            continue
        return True
    return False
