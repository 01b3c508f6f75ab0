"""Verify the audit trail: contiguity, links, keyed hashes, external checkpoints, and replay against the rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain import chain
from registry.models import AuditEntry
from registry.services import snapshots
from registry.services.audit import CHAIN_KEY, entry_fields
from registry.services.backup import restore_point

# Chain failures outrank replay failures: a deleted tail also leaves rows that no longer match
# their last surviving entry, but the first bad entry is the one that went missing.
CHAIN_KINDS = ("missing", "broken-link", "bad-hash", "truncated", "checkpoint-mismatch")


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
    def first(self) -> Finding | None:
        """The first bad entry: the lowest-numbered chain failure, else the lowest replay failure."""
        def rank(f: Finding) -> tuple[int, int]:
            return (0 if f.kind in CHAIN_KINDS else 1, f.seq if f.seq is not None else 1 << 62)
        return min(self.findings, key=rank, default=None)


def _walk(session: Session, key: bytes, report: Report,
          wanted: set[int]) -> tuple[dict[int, str], dict, list[tuple[int, str]]]:
    """Check every entry in order; keep the hashes at checkpoint sizes, each entity's last snapshot, and each
    recorded restore (the size it restored, when)."""
    hashes: dict[int, str] = {}
    restored: list[tuple[int, str]] = []
    last: dict[tuple[str, int], tuple[int, Any]] = {}
    prev, expected, broken = chain.GENESIS, 1, False
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=500)):
        if not broken:
            if entry.seq != expected:
                report.findings.append(Finding(expected, "missing",
                                               f"entry {expected} is missing; the next entry is {entry.seq}"))
                broken = True
            elif entry.prev_hash != prev:
                report.findings.append(Finding(entry.seq, "broken-link",
                                               f"entry {entry.seq} does not link to entry {entry.seq - 1}"))
                broken = True
            elif chain.entry_hash(key, entry_fields(entry)) != entry.hash:
                report.findings.append(Finding(entry.seq, "bad-hash",
                                               f"entry {entry.seq} was altered after it was written"))
                broken = True
        if not broken and (point := restore_point(entry)) is not None:
            restored.append((point, chain.iso_utc(entry.at)))
        if entry.seq in wanted:
            hashes[entry.seq] = entry.hash
        last[(entry.entity_type, entry.entity_id)] = (entry.seq, entry.after)
        prev, expected = entry.hash, expected + 1
        report.size, report.head = entry.seq, entry.hash
    return hashes, last, restored


def _check_checkpoints(audit_key: str, report: Report, checkpoints: list[dict[str, Any]],
                       hashes: dict[int, str], restored: list[tuple[int, str]]) -> None:
    """Each checkpoint must be a prefix of the trail, unless a restore recorded after it went back before its end
    (a checkpoint taken after the restore gets no such pass: truncating the new trail is still truncation)."""
    for cp in checkpoints:
        if not chain.checkpoint_signature_ok(audit_key, cp):
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


def verify(session: Session, audit_key: str, checkpoints: list[dict[str, Any]] | None = None) -> Report:
    """Check the whole trail; the report's findings are empty when it is intact."""
    checkpoints = checkpoints or []
    report = Report()
    hashes, last, restored = _walk(session, session.info[CHAIN_KEY], report,
                                   {cp.get("size", 0) for cp in checkpoints})
    _check_checkpoints(audit_key, report, checkpoints, hashes, restored)
    _replay(session, report, last)
    return report
