"""Load the committed seed (seed/annex.json) through the service layer; a second run changes nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.choices import DepartmentKind, ExerciseLevel, PowerType
from registry.domain.roles import Caller
from registry.models import Handover, Power
from registry.services import decisions, handovers, methods, powers, reference, search

# The repository's seed/annex.json, installed as data of the package registry.seed (setup.cfg).
SEED_FILE = Path(str(files("registry.seed") / "annex.json"))
# 移交方式 commonly used when Chongqing devolves powers; the list is editable (admins add and retire methods).
DEFAULT_METHODS = ("直接下放", "委托下放", "书面移交", "现场交接", "系统移交")
LINEAGE_OF = "the seed's decision"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=lambda: {"decision": 0, "department": 0, "handover_method": 0,
                                                             "power": 0, "handover": 0})
    unchanged: int = 0
    differing: list[int] = field(default_factory=list)
    indexed: int = 0
    lineage: int = 0

    def summary(self) -> str:
        made = ", ".join(f"{n} {k}(s)" for k, n in self.created.items())
        text = f"created {made}; {self.unchanged} power(s) already present and unchanged"
        if self.differing:
            text += f"; {len(self.differing)} power(s) differ from the seed and were left alone: 序号 {self.differing}"
        if self.lineage:
            text += f"; lineage (下放 by {LINEAGE_OF}) recorded for {self.lineage} power(s)"
        if self.indexed:
            text += f"; search text written for {self.indexed} power(s) that had none"
        return text


def read_seed(path: Path = SEED_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _power_data(item: dict, decision_id: int, department_id: int) -> dict:
    return {
        "decision": decision_id, "seq": item["seq"], "name": item["name"], "sub_items": item["sub_items"],
        "type": PowerType.parse(item["type"]), "level": ExerciseLevel.parse(item["level"]),
        "department": department_id, "note": item["note"], "partial": item["partial"],
        "devolved_part": item["devolved_part"], "retained_part": item["retained_part"],
    }


def load(session: Session, caller: Caller, seed: dict) -> SeedReport:
    """Create what is missing, audited as ``caller``; never overwrite a row someone has since edited."""
    report = SeedReport()
    d = seed["decision"]
    reason = f"载入{d['doc_number']}附件（系统初始化）"
    decision = reference.find_decision(session, d["doc_number"])
    if decision is None:
        decision = reference.create_decision(
            session, caller, reason=reason, doc_number=d["doc_number"], title=d["title"], issuer=d["issuer"],
            issued_on=date.fromisoformat(d["issued_on"]), recipient=d["recipient"], zone_body=d["zone_body"],
            annex_title=d["annex_title"], body=d["body"], source_ref=seed["source"]["path"],
            source_sha256=seed["source"]["sha256"],
        )
        report.created["decision"] += 1
    departments = {}
    for dep in seed["departments"]:
        found = reference.find_department(session, dep["name"])
        if found is None:
            found = reference.create_department(session, caller, name=dep["name"], kind=DepartmentKind(dep["kind"]),
                                                reason=reason)
            report.created["department"] += 1
        departments[dep["name"]] = found.id
    for name in DEFAULT_METHODS:
        if methods.find_method(session, name) is None:
            methods.create_method(session, caller, name, reason)
            report.created["handover_method"] += 1
    existing = {p.seq: p for p in session.scalars(select(Power).where(Power.decision_id == decision.id))}
    for item in seed["powers"]:
        data = _power_data(item, decision.id, departments[item["department"]])
        power = existing.get(item["seq"])
        if power is None:
            powers.create_power(session, caller, data, reason)
            report.created["power"] += 1
            report.created["handover"] += 1
            continue
        if session.scalar(select(Handover.id).where(Handover.power_id == power.id)) is None:
            handovers.create_for(session, caller, power, reason)  # a database from before handovers existed
            report.created["handover"] += 1
        if not powers.changed_fields(power, data):
            report.unchanged += 1
        else:
            report.differing.append(item["seq"])
    report.lineage = decisions.record_first(session, decision)
    report.indexed = search.reindex(session)  # a database from before the search text existed
    return report
