"""Synthetic scale data: N realistic generated powers under a decision marked synthetic, and their removal.

The powers are recombined from the real annex (halves of real names, real sub-items and notes, the real
types and departments), reproducibly from a random seed. They exist to measure scale: they are not law, so
they are written in bulk, kept out of the audit trail and `audit verify`, and can be removed whole.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from registry.domain import searchtext
from registry.domain.choices import ExerciseLevel, PowerType
from registry.domain.roles import Action, Caller
from registry.models import Decision, Power, SubItem
from registry.models.base import utcnow
from registry.services import search
from registry.services.authz import authorize
from registry.services.errors import Code, Conflict, Message

BATCH = 2000
DOC_PREFIX = "合成数据"


@dataclass(frozen=True)
class Vocabulary:
    heads: list[str]
    tails: list[str]
    sub_items: list[str]
    notes: list[str]
    departments: list[int]


def _vocabulary(session: Session) -> Vocabulary:
    # In id order: the draws below pick by position, and the same seed must give the same data.
    real = list(session.scalars(select(Power).join(Power.decision).where(Decision.synthetic.is_(False))
                                .order_by(Power.id)).unique())
    if not real:
        raise Conflict(Message(Code.SEED_ANNEX_MISSING,
                               "load the real annex first (registry seed): synthetic powers are recombined from it"))
    names = [p.name for p in real]
    return Vocabulary(
        heads=[n[: max(1, len(n) // 2)] for n in names], tails=[n[len(n) // 2:] for n in names],
        sub_items=[s for p in real for s in p.sub_items], notes=[p.note for p in real if p.note],
        departments=sorted({p.department_id for p in real}),
    )


def _power(rng: random.Random, v: Vocabulary, seq: int) -> tuple[dict, list[str]]:
    name = rng.choice(v.heads) + rng.choice(v.tails)
    subs = rng.sample(v.sub_items, k=min(len(v.sub_items), rng.choice([0, 0, 0, 1, 2, 3])))
    note = rng.choice(v.notes) if v.notes and rng.random() < 0.2 else None
    row = {"seq": seq, "name": name, "type": rng.choice(list(PowerType)), "level": rng.choice(list(ExerciseLevel)),
           "department_id": rng.choice(v.departments), "note": note, "partial": False, "devolved_part": None,
           "retained_part": None, "retired": False, "version": 1}
    return row, subs


def load(session: Session, caller: Caller, n: int, seed: int) -> Decision:
    """Add a synthetic decision with ``n`` generated powers, indexed for search; the same seed gives the same data."""
    authorize(caller, Action.REFERENCE_MANAGE)
    doc_number = f"{DOC_PREFIX}〔{seed}〕{n}号"
    if session.scalar(select(Decision.id).where(Decision.doc_number == doc_number)) is not None:
        raise Conflict(Message(Code.SEED_ALREADY_LOADED,
                               "{doc_number} is already loaded; remove it first (registry seed --remove-synthetic)",
                               doc_number=doc_number))
    vocab = _vocabulary(session)
    decision = Decision(doc_number=doc_number, title=f"合成数据 {n} 项 (随机种子 {seed})", issuer="registry",
                        issued_on=date.today(), recipient="-", zone_body="-", annex_title="合成数据",
                        body="仅用于性能测量, 不是法定文件。", source_ref="registry seed --synthetic",
                        source_sha256=None, synthetic=True)
    session.add(decision)
    session.flush()
    rng = random.Random(seed)
    now = utcnow()
    for start in range(0, n, BATCH):
        rows = [_power(rng, vocab, seq) for seq in range(start + 1, min(n, start + BATCH) + 1)]
        ids = session.scalars(insert(Power).returning(Power.id, sort_by_parameter_order=True), [
            {**row, "decision_id": decision.id, "created_at": now, "updated_at": now} for row, _ in rows]).all()
        subs = [{"power_id": pid, "position": i, "name": s} for pid, (_, names) in zip(ids, rows, strict=True)
                for i, s in enumerate(names)]
        # Core inserts of plain rows: the ORM's per-row bookkeeping would dominate at this scale.
        if subs:
            session.connection().execute(insert(SubItem.__table__), subs)
        search.write(session, [(pid, searchtext.document(row["name"], names, row["note"]))
                               for pid, (row, names) in zip(ids, rows, strict=True)])
    return decision


def remove(session: Session, caller: Caller) -> int:
    """Delete every synthetic decision and its powers (and their search text); returns how many powers."""
    authorize(caller, Action.REFERENCE_MANAGE)
    decisions = select(Decision.id).where(Decision.synthetic.is_(True)).scalar_subquery()
    count = session.scalar(select(func.count()).select_from(Power).where(Power.decision_id.in_(decisions))) or 0
    search.forget(session, decisions)
    session.execute(delete(SubItem).where(SubItem.power_id.in_(select(Power.id).where(Power.decision_id.in_(decisions)))))
    session.execute(delete(Power).where(Power.decision_id.in_(decisions)))
    session.execute(delete(Decision).where(Decision.synthetic.is_(True)))
    return count
