"""The audit trail: one hash-chained entry per successful write, its queries, and "as of" reconstruction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select, text
from sqlalchemy.orm import Session

from registry.domain import chain, guides
from registry.domain.roles import Caller
from registry.models import AuditEntry, Base, Power
from registry.models.base import is_id, utcnow
from registry.services import snapshots
from registry.services.errors import Code, Message, NotFound, Unavailable

# Any constant will do: every appender on PostgreSQL takes this transaction-scoped lock before
# reading the head, so two transactions can never link to the same previous entry.
CHAIN_LOCK = 0x52454731
CHAIN_KEY = "audit_chain_key"
# What else every session carries about the keys: the configured key's id and where it came from (for messages),
# and the public half of the checkpoint key.
KEY_ID = "audit_key_id"
KEY_SOURCE = "audit_key_source"
CHECKPOINT_PUBLIC = "checkpoint_public_key"
# The entity type of entries about the registry as a whole (not one of snapshots.KINDS).
REGISTRY = "registry"
POWER_LABELS = {
    "seq": "序号", "name": "事项名称", "sub_items": "子项名称", "type": "事项类型", "level": "行使层级",
    "department": "市级指导(实施)部门(单位)", "note": "备注", "partial": "部分下放", "devolved_part": "下放部分",
    "retained_part": "保留部分", "retired": "已停用", "decision": "决定", "version": "版本",
}
# The decision's own words where it names a field (承接部门, 移交方式, 具体内容, 实施范围).
HANDOVER_LABELS = {
    "status": "交接状态", "receiving_office": "承接部门", "method": "移交方式", "content": "具体内容",
    "scope": "实施范围", "planned_date": "计划完成日期", "planned_from": "计划起算日期", "planned_days": "计划天数",
    "planned_day_kind": "计日方式", "effective_date": "生效日期", "recalled_on": "收回日期", "legal_basis": "法律依据",
    "authorisation_needed": "需依法取得授权", "authorisation": "授权文件", "notes": "备注",
    "handed_over_by": "移交确认人", "handed_over_at": "移交确认时间", "accepted_by": "承接确认人",
    "accepted_at": "承接确认时间", "checklist": "交接清单", "version": "版本", "power": "事项",
}
GUIDE_LABELS = {"power": "事项", "office": "受理机构", **guides.LABELS, "version": "版本"}
CALENDAR_LABELS = {"year": "年份", "source": "来源", "loaded_at": "载入时间", "holidays": "放假日期",
                   "workdays": "调休上班日期"}
DECISION_LABELS = {
    "doc_number": "文号", "title": "标题", "issuer": "发文机关", "issued_on": "发文日期", "recipient": "主送机关",
    "zone_body": "承接主体", "annex_title": "附件标题", "body": "正文", "source_ref": "来源",
    "source_sha256": "来源文本摘要(SHA-256)", "effective_on": "施行日期",
}
DEPARTMENT_LABELS = {"name": "名称", "kind": "类别", "address": "地址", "phone": "电话", "hours": "办公时间"}
USER_LABELS = {"name": "用户名", "role": "角色", "department": "所属部门", "disabled": "已停用",
               "has_password": "已设密码", "password_changed_at": "密码修改时间"}
TOKEN_LABELS = {"user": "所属账号", "label": "令牌名称", "expires_at": "到期时间", "revoked_at": "吊销时间"}
METHOD_LABELS = {"name": "名称", "retired": "已停用"}
SUPERVISION_LABELS = {"power": "事项", "department": "指导部门", "held_on": "监管日期", "kind": "监管方式",
                      "findings": "发现的问题", "evidence": "依据材料", "recorded_by": "记录人", "version": "版本"}
RECTIFICATION_LABELS = {"power": "事项", "supervision": "监管记录", "requirement": "整改要求",
                        "counted_from": "起算日期", "days": "整改期限（工作日）", "due_on": "整改截止日期",
                        "closed_on": "办结日期", "closed_note": "办结说明", "closed_evidence": "办结依据",
                        "closed_by": "办结人", "version": "版本"}
VOLUME_LABELS = {"power": "事项", "office": "承接部门", "month": "月份", "accepted": "受理量", "completed": "办结量",
                 "on_time": "按时办结量", "version": "版本"}
EVALUATION_LABELS = {"power": "事项", "period_start": "评估期间起", "period_end": "评估期间止", "accepted": "受理量",
                     "completed": "办结量", "on_time_permille": "按时办结率（‰）", "open_rectifications": "未整改数",
                     "idle_months": "无办件月数", "conclusion": "评估结论", "reason": "理由",
                     "evaluated_by": "评估人", "version": "版本"}
FIELD_LABELS = {"power": POWER_LABELS, "handover": HANDOVER_LABELS, "calendar_year": CALENDAR_LABELS,
                "decision": DECISION_LABELS, "department": DEPARTMENT_LABELS, "user": USER_LABELS,
                "token": TOKEN_LABELS, "handover_method": METHOD_LABELS,
                "service_guide": GUIDE_LABELS, "supervision": SUPERVISION_LABELS,
                "rectification": RECTIFICATION_LABELS, "evaluation": EVALUATION_LABELS,
                "case_volume": VOLUME_LABELS}


def _lock_chain(session: Session) -> None:
    # On SQLite the write transaction began with BEGIN IMMEDIATE and already holds the only write lock.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})


def head(session: Session) -> tuple[int, str]:
    """(size, head hash) of the chain; (0, GENESIS) when empty."""
    row = session.execute(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, chain.GENESIS)


def head_entry(session: Session, **execution_options: Any) -> AuditEntry | None:
    """The last entry of the chain, or None when it is empty."""
    stmt = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)
    return session.scalars(stmt, execution_options=execution_options).first()


def entry_fields(entry: Any) -> dict[str, Any]:
    """The hashed fields of a stored entry, as the canonical JSON sees them."""
    values = {name: getattr(entry, name) for name in chain.HASHED_FIELDS}
    values["at"] = chain.iso_utc(entry.at)
    values[chain.KEY_ID_FIELD] = getattr(entry, chain.KEY_ID_FIELD, None)
    return values


def key_problem(session: Session, last: AuditEntry | None) -> Message | None:
    """Why the configured audit key may not extend the chain ending in ``last`` (None: it may)."""
    if last is None:
        return None  # an empty trail: whatever key is configured starts it
    expected = chain.next_key_id(last.action, last.key_id, last.after)
    configured, source = session.info.get(KEY_ID), session.info.get(KEY_SOURCE, "REGISTRY_AUDIT_KEY")
    shown = expected or "from before key ids were recorded"
    if not configured:
        return Message(Code.AUDIT_KEY_MISSING, "no audit key: {source} is missing, and the trail's entries are "
                       "chained under key {expected}; restore that key from a backup", source=source, expected=shown)
    if expected is None:  # a trail from before key ids: the right key re-hashes its last entry
        if chain.entry_hash(session.info[CHAIN_KEY], entry_fields(last)) == last.hash:
            return None
    elif expected == configured:
        return None
    return Message(Code.AUDIT_KEY_WRONG, "wrong audit key: the trail's entries are chained under key {expected}, "
                   "but the configured key ({source}) is {configured}; restore the right key from a backup",
                   expected=shown, source=source, configured=configured)


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    before, after = before or {}, after or {}
    return [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]


def record(session: Session, caller: Caller, action: str, row: Base, before: dict[str, Any] | None,
           reason: str | None = None) -> AuditEntry | None:
    """Append the entry for a write to ``row`` (already flushed); a write that changed nothing appends nothing."""
    kind = snapshots.KINDS[snapshots.entity_type(row)]
    after = kind.snapshot(row)
    if not changed_fields(before, after):
        return None
    return append(session, caller, action, entity_type=snapshots.entity_type(row), entity_id=row.id,
                  entity_label=kind.label(row), power_id=kind.power_id(row), department_id=kind.department_id(row),
                  before=before, after=after, reason=reason)


def record_registry(session: Session, caller: Caller, action: str, label: str, after: dict[str, Any],
                    reason: str) -> AuditEntry:
    """Append an entry about the registry as a whole (no row of its own, so replay passes it by)."""
    return append(session, caller, action, entity_type=REGISTRY, entity_id=0, entity_label=label, before=None,
                  after=after, reason=reason)


def append(session: Session, caller: Caller, action: str, *, entity_type: str, entity_id: int, entity_label: str,
           before: dict[str, Any] | None, after: dict[str, Any] | None, reason: str | None,
           power_id: int | None = None, department_id: int | None = None) -> AuditEntry:
    """Link an entry to the head under the configured key; refused when that key is not the chain's."""
    _lock_chain(session)
    last = head_entry(session)
    problem = key_problem(session, last)
    if problem is not None:
        raise Unavailable(problem)
    entry = AuditEntry(
        seq=(last.seq if last else 0) + 1, at=utcnow(), actor_id=caller.user_id, actor_name=caller.name,
        actor_role=caller.role, action=action, entity_type=entity_type, entity_id=entity_id,
        entity_label=entity_label, power_id=power_id, department_id=department_id, before=before, after=after,
        changed=changed_fields(before, after), reason=reason, request_id=caller.request_id or "-",
        prev_hash=last.hash if last else chain.GENESIS, key_id=session.info[KEY_ID],
    )
    entry.hash = chain.entry_hash(session.info[CHAIN_KEY], entry_fields(entry))
    session.add(entry)
    session.flush()
    return entry


@dataclass
class AuditFilter:
    entity_type: str | None = None
    entity_id: int | None = None
    power: int | None = None
    department: int | None = None
    actor: str | None = None
    action: str | None = None
    field: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    page: int = 1
    per_page: int = 50
    descending: bool = True


@dataclass
class AuditPage:
    items: list[AuditEntry]
    total: int
    page: int
    per_page: int


def _where(f: AuditFilter) -> list[Any]:
    where: list[Any] = []
    if f.entity_type:
        where.append(AuditEntry.entity_type == f.entity_type)
    if f.entity_id is not None:
        where.append(AuditEntry.entity_id == f.entity_id)
    if f.power is not None:
        where.append(AuditEntry.power_id == f.power)
    if f.department is not None:
        where.append(AuditEntry.department_id == f.department)
    if f.actor:
        # A name, or an id; a number beyond the id column's range names nobody (and must not reach PostgreSQL).
        where.append(or_(AuditEntry.actor_name == f.actor, AuditEntry.actor_id == int(f.actor))
                     if is_id(f.actor) else AuditEntry.actor_name == f.actor)
    if f.action:
        where.append(AuditEntry.action == f.action)
    if f.field:
        # Field names are plain identifiers (the schema checks), so a quoted match on the JSON text is exact.
        where.append(cast(AuditEntry.changed, String).contains(f'"{f.field}"', autoescape=True))
    if f.since:
        where.append(AuditEntry.at >= f.since)
    if f.until:
        where.append(AuditEntry.at < f.until)
    return where


def _ordered(stmt: Select, f: AuditFilter) -> Select:
    return stmt.order_by(AuditEntry.seq.desc() if f.descending else AuditEntry.seq.asc())


def list_entries(session: Session, f: AuditFilter) -> AuditPage:
    """One page of entries, newest first unless asked otherwise."""
    where = _where(f)
    total = session.scalar(select(func.count(AuditEntry.seq)).where(*where)) or 0
    stmt = _ordered(select(AuditEntry).where(*where), f).limit(f.per_page).offset((f.page - 1) * f.per_page)
    return AuditPage(list(session.scalars(stmt)), total, f.page, f.per_page)


def all_entries(session: Session, f: AuditFilter) -> list[AuditEntry]:
    """Every entry matching the filter, oldest first, for exports."""
    f.descending = False
    return list(session.scalars(_ordered(select(AuditEntry).where(*_where(f)), f)))


def diff(entry: AuditEntry) -> list[dict[str, Any]]:
    """The changed fields of an entry, each with its published label and its value before and after."""
    before, after = entry.before or {}, entry.after or {}
    # The labels are the annex's column names: a user's name is not a 事项名称.
    labels = FIELD_LABELS.get(entry.entity_type, {})
    return [{"field": name, "label": labels.get(name, name), "before": before.get(name),
             "after": after.get(name)} for name in entry.changed]


def power_history(session: Session, power_id: int) -> list[AuditEntry]:
    if session.get(Power, power_id) is None:
        raise NotFound(Message(Code.POWER_NOT_FOUND, "power {power} does not exist", power=power_id))
    return all_entries(session, AuditFilter(entity_type="power", entity_id=power_id))


@dataclass
class PastPower:
    """A power as the trail says it stood at some moment: its snapshot and when it was made and last changed."""

    snapshot: dict[str, Any]
    created_at: datetime
    updated_at: datetime


def power_as_of(session: Session, power_id: int, moment: datetime) -> PastPower:
    """Rebuild a power from its trail as it stood at ``moment``."""
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "power", AuditEntry.entity_id == power_id,
                                 AuditEntry.at <= moment).order_by(AuditEntry.seq)
    ).all()
    if not entries:
        raise NotFound(Message(Code.POWER_NOT_YET, "power {power} did not exist at {moment}", power=power_id,
                               moment=chain.iso_utc(moment)))
    return PastPower(entries[-1].after, entries[0].at, entries[-1].at)
