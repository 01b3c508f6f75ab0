"""Verify the audit trail: contiguity, links, keyed hashes under the key each entry names, external checkpoints,
and replay against the rows. A key the verifier lacks is a "wrong-key" finding, not tampering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain import chain
from registry.models import AuditEntry
from registry.services import snapshots
from registry.services.audit import CHECKPOINT_PUBLIC, entry_fields
from registry.services.backup import restore_point

# Chain failures outrank replay failures: a deleted tail also leaves rows that no longer match
# their last surviving entry, but the first bad entry is the one that went missing.
CHAIN_KINDS = ("missing", "broken-link", "bad-key-id", "bad-hash", "truncated", "checkpoint-mismatch")
# Not tampering: the verifier does not hold the key the entries name (a wrong, lost or unrotated key).
KEY_KINDS = ("wrong-key",)


@dataclass(frozen=True)
class Finding:
    seq: int | None
    kind: str
    message: str


@dataclass
class Report:
    size: int = 0
    head: str = chain.GENESIS
    checkpoints: int = 0  # confirmed
    findings: list[Finding] = field(default_factory=list)
    # Not tampering: a checkpoint names entries that a recorded restore from an older backup left out.
    notices: list[Finding] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def tampered(self) -> bool:
        """Some finding proves a change, whatever the keys (a missing key alone proves nothing)."""
        return any(f.kind not in KEY_KINDS for f in self.findings)

    @property
    def wrong_key(self) -> Finding | None:
        return next((f for f in self.findings if f.kind in KEY_KINDS), None)

    @property
    def first(self) -> Finding | None:
        """The first bad entry: the lowest-numbered chain failure, else the lowest replay failure."""
        def rank(f: Finding) -> tuple[int, int]:
            return (0 if f.kind in CHAIN_KINDS else 1, f.seq if f.seq is not None else 1 << 62)
        return min((f for f in self.findings if f.kind not in KEY_KINDS), key=rank, default=None)


@dataclass
class _Keys:
    """The chain keys the verifier holds, by id; entries without an id use the key of the first one with."""

    by_id: dict[str, bytes]
    configured: str
    legacy: str | None
    missing: dict[str, int] = field(default_factory=dict)  # key id -> first entry chained under it

    def get(self, key_id: str | None, seq: int) -> bytes | None:
        wanted = key_id or self.legacy
        key = self.by_id.get(wanted) if wanted else None
        if key is None:
            self.missing.setdefault(wanted or "", seq)
        return key


def _keys(session: Session, audit_key: str, keyring: tuple[str, ...]) -> _Keys:
    by_id = {chain.key_id(k): chain.chain_key(k) for k in (audit_key, *keyring) if k}
    configured = chain.key_id(audit_key) if audit_key else ""
    named = session.scalar(select(AuditEntry.key_id).where(AuditEntry.key_id.is_not(None))
                           .order_by(AuditEntry.seq).limit(1))
    return _Keys(by_id, configured, named or configured or None)


def _link(entry: AuditEntry, expected: int, prev: str, named: str | None) -> Finding | None:
    """A failure of order, link or key id (which may change only right after a rotation entry)."""
    if entry.seq != expected:
        return Finding(expected, "missing", f"entry {expected} is missing; the next entry is {entry.seq}")
    if entry.prev_hash != prev:
        return Finding(entry.seq, "broken-link", f"entry {entry.seq} does not link to entry {entry.seq - 1}")
    if named is not None and entry.key_id != named:
        return Finding(entry.seq, "bad-key-id", f"entry {entry.seq} names key {entry.key_id}, but the chain was "
                                                f"under key {named} and no rotation came between")
    return None


def _walk(session: Session, keys: _Keys, report: Report,
          wanted: set[int]) -> tuple[dict[int, str], dict, list[tuple[int, str]]]:
    """Check every entry in order; keep the hashes at checkpoint sizes, each entity's last snapshot, and each
    recorded restore (the size it restored, when).

    A trail from before key ids whose first entry fails its hash is a suspect, not yet a finding: if no later
    entry passes either, nothing says which key it needs and the key is the likelier culprit (wrong-key); if one
    passes, entry 1 was altered."""
    hashes: dict[int, str] = {}
    restored: list[tuple[int, str]] = []
    last: dict[tuple[str, int], tuple[int, Any]] = {}
    prev, expected, broken, named = chain.GENESIS, 1, False, None
    suspect: Finding | None = None
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)):
        if not broken:
            finding = _link(entry, expected, prev, named)
            key = keys.get(entry.key_id, entry.seq) if finding is None else None
            if key is not None:
                ok = chain.entry_hash(key, entry_fields(entry)) == entry.hash
                bad = Finding(entry.seq, "bad-hash", f"entry {entry.seq} was altered after it was written")
                if suspect is not None and (ok or entry.key_id is not None):
                    finding, suspect = suspect, None
                elif not ok and entry.seq == 1 and entry.key_id is None:
                    suspect = bad
                elif not ok and suspect is None:
                    finding = bad
            if finding is not None:
                report.findings.append(finding)
                broken = True
        if not broken and (point := restore_point(entry)) is not None:
            restored.append((point, chain.iso_utc(entry.at)))
        if entry.seq in wanted:
            hashes[entry.seq] = entry.hash
        last[(entry.entity_type, entry.entity_id)] = (entry.seq, entry.after)
        named = chain.next_key_id(entry.action, entry.key_id, entry.after)
        prev, expected = entry.hash, expected + 1
        report.size, report.head = entry.seq, entry.hash
    if suspect is not None and broken:
        report.findings.insert(0, suspect)
    elif suspect is not None:
        keys.missing.setdefault(keys.legacy or "", 1)
    return hashes, last, restored


def _key_findings(report: Report, keys: _Keys) -> None:
    for key_id, seq in sorted(keys.missing.items(), key=lambda item: item[1]):
        shown = key_id if key_id and key_id != keys.configured else "from before key ids were recorded"
        report.findings.append(Finding(seq, "wrong-key", (
            f"wrong audit key: entries from {seq} on are chained under key {shown}, which is neither the "
            f"configured key ({keys.configured or 'none'}) nor in the keyring")))


def _check_checkpoints(public_keys: list[Ed25519PublicKey], report: Report, checkpoints: list[dict[str, Any]],
                       hashes: dict[int, str], restored: list[tuple[int, str]]) -> None:
    """Each checkpoint must be a prefix of the trail, unless a restore recorded after it went back before its end
    (a checkpoint taken after the restore gets no such pass: truncating the new trail is still truncation)."""
    for cp in checkpoints:
        if not chain.checkpoint_signature_ok(public_keys, cp):
            report.findings.append(Finding(None, "checkpoint-signature",
                                           "a checkpoint's signature is not this registry's"))
            continue
        size = cp["size"]
        if size <= report.size and (not size or hashes.get(size) == cp["head"]):
            report.checkpoints += 1
            continue
        point = next((point for point, at in restored if point < size and at > cp["at"]), None)
        if point is not None:
            report.notices.append(Finding(point + 1, "restored", f"restored from a backup at entry {point} "
                                                                 f"(the checkpoint names {size} entries)"))
        elif size > report.size:
            report.findings.append(Finding(report.size + 1, "truncated",
                                           f"a checkpoint of {cp['at']} covers {size} entries; "
                                           f"the trail now has {report.size}"))
        else:
            report.findings.append(Finding(size, "checkpoint-mismatch",
                                           f"entries 1..{size} differ from the checkpoint of {cp['at']}"))


def _replay(session: Session, report: Report, last: dict[tuple[str, int], tuple[int, Any]]) -> None:
    """Every row must equal the after-snapshot of its last entry, and every row must have entries."""
    for name, kind in snapshots.KINDS.items():
        rows = {row.id: row for row in session.scalars(select(kind.model).where(kind.audited())).unique()}
        for (entity_type, entity_id), (seq, after) in last.items():
            if entity_type != name:
                continue
            row = rows.pop(entity_id, None)
            if row is None:
                report.findings.append(Finding(seq, "row-missing",
                                               f"{name} {entity_id} of entry {seq} is gone from the registry"))
            elif kind.snapshot(row) != after:
                report.findings.append(Finding(seq, "replay", f"{name} {entity_id} no longer matches entry {seq}: "
                                                              "it was changed outside the application"))
        for entity_id in sorted(rows):
            report.findings.append(Finding(None, "unaudited-row",
                                           f"{name} {entity_id} has no audit entry: "
                                           "it was added outside the application"))


def verify(session: Session, audit_key: str, checkpoints: list[dict[str, Any]] | None = None, *,
           keyring: tuple[str, ...] = (), public_keys: list[Ed25519PublicKey] | None = None) -> Report:
    """Check the whole trail; the report's findings are empty when it is intact.

    ``keyring`` holds earlier audit keys (for entries before a rotation). Checkpoints are checked against
    ``public_keys`` when given (published keys), else against this registry's checkpoint key and, for
    checkpoints made before it had one, the keys derived from its audit keys."""
    checkpoints = checkpoints or []
    report = Report()
    keys = _keys(session, audit_key, keyring)
    hashes, last, restored = _walk(session, keys, report, {cp.get("size", 0) for cp in checkpoints})
    _key_findings(report, keys)
    if public_keys is None:
        own = session.info.get(CHECKPOINT_PUBLIC)
        public_keys = [*([own] if own else []), *(chain.legacy_public_key(k) for k in (audit_key, *keyring) if k)]
    _check_checkpoints(public_keys, report, checkpoints, hashes, restored)
    _replay(session, report, last)
    return report
