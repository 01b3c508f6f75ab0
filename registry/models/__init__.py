"""The registry's tables, as typed SQLAlchemy models; the schema itself lives in migrations/."""

from registry.models.account import ApiToken, User
from registry.models.audit import AuditEntry, SecurityEvent
from registry.models.base import Base
from registry.models.calendar import CalendarDay, CalendarYear
from registry.models.evaluation import Evaluation
from registry.models.guide import ServiceGuide
from registry.models.handover import Handover, HandoverCheck, HandoverEvent, HandoverMethod
from registry.models.lineage import DecisionAction
from registry.models.power import Power, SubItem
from registry.models.reference import Decision, Department
from registry.models.search import PowerPinyin, PowerSearch
from registry.models.supervision import Rectification, Supervision
from registry.models.volume import CaseVolume

__all__ = ["ApiToken", "AuditEntry", "Base", "CalendarDay", "CalendarYear", "CaseVolume", "Decision",
           "DecisionAction", "Department", "Evaluation", "Handover", "HandoverCheck", "HandoverEvent",
           "HandoverMethod", "Power", "PowerPinyin", "PowerSearch", "Rectification", "SecurityEvent", "ServiceGuide",
           "SubItem", "Supervision", "User"]
