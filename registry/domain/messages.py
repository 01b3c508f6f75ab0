"""What the registry says when it refuses something: every sentence has a stable code, declared here once.

A ``Message`` is the English sentence API clients read (it *is* that ``str``, so problem+json bodies stay
strings) plus the code and the parameters it was built from, so the console can word it in Chinese by code
(registry.web.wording_zh) instead of by matching English. Pure: no Flask, no database.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Every refusal the services (and the HTTP layer's version checks) can give; the value is the API's code."""

    # Looking things up
    POWER_NOT_FOUND = "power.not_found"
    POWER_NOT_YET = "power.not_yet"
    POWERS_UNKNOWN = "powers.unknown"
    DEPARTMENT_NOT_FOUND = "department.not_found"
    DEPARTMENT_UNKNOWN = "department.unknown"
    DECISION_UNKNOWN = "decision.unknown"
    DECISION_NOT_FOUND = "decision.not_found"
    FILTER_UNKNOWN = "filter.unknown"
    FILTER_NO_SUCH = "filter.no_such"
    USER_NOT_FOUND = "user.not_found"
    TOKEN_NOT_FOUND = "token.not_found"
    METHOD_NOT_FOUND = "method.not_found"
    METHOD_UNKNOWN = "method.unknown"
    OFFICE_UNKNOWN = "office.unknown"
    HANDOVER_MISSING = "handover.missing"
    # Fields in general
    FIELD_REQUIRED = "field.required"
    FIELD_TAKEN = "field.taken"
    # Access
    ROLE_NOT_ALLOWED = "access.role_not_allowed"
    OTHER_DEPARTMENT = "access.other_department"
    # Versions (If-Match and concurrent writers)
    IF_MATCH_MISSING = "if_match.missing"
    IF_MATCH_WILDCARD = "if_match.wildcard"
    IF_MATCH_INVALID = "if_match.invalid"
    POWER_STALE = "power.stale"
    POWER_CHANGED_ELSEWHERE = "power.changed_elsewhere"
    HANDOVER_STALE = "handover.stale"
    HANDOVER_CHANGED_ELSEWHERE = "handover.changed_elsewhere"
    DEPARTMENT_STALE = "department.stale"
    METHOD_STALE = "method.stale"
    USER_STALE = "user.stale"
    CALENDAR_STALE = "calendar.stale"
    CHANGED_ELSEWHERE = "record.changed_elsewhere"
    # Powers
    DEPARTMENT_NOT_GUIDING = "department.not_guiding"
    DEPARTMENT_MUST_BE_GUIDING = "department.must_be_guiding"
    POWER_PARTIAL_NEEDS_PART = "power.partial_needs_devolved_part"
    PART_REQUIRED_WHEN_PARTIAL = "power.part_required_when_partial"
    POWER_ONLY_PARTIAL_HAS_PARTS = "power.only_partial_has_parts"
    PART_EMPTY_UNLESS_PARTIAL = "power.part_empty_unless_partial"
    POWER_SEQ_TAKEN = "power.seq_taken"
    SEQ_USED_BY = "power.seq_used_by"
    POWER_CONCURRENT_CLASH = "power.concurrent_clash"
    POWER_REASON_REQUIRED = "power.reason_required"
    POWER_ALREADY_RETIRED = "power.already_retired"
    POWER_ALREADY_IN_FORCE = "power.already_in_force"
    ALREADY_RETIRED = "power.retired_already"
    ALREADY_IN_FORCE = "power.in_force_already"
    # Reference data
    DEPARTMENT_NAME_TAKEN = "department.name_taken"
    METHOD_NAME_TAKEN = "method.name_taken"
    # Accounts and tokens
    USER_DEPARTMENT_NOT_ALLOWED = "user.department_not_allowed"
    DEPARTMENT_EMPTY_UNLESS_DEPARTMENT_ROLE = "user.department_empty_unless_department_role"
    USER_DEPARTMENT_REQUIRED = "user.department_required"
    REQUIRED_FOR_ROLE = "user.required_for_role"
    PASSWORD_UNACCEPTABLE = "password.unacceptable"
    PASSWORD_LENGTH = "password.length"
    USER_NAME_TAKEN = "user.name_taken"
    TOKEN_EXPIRY_PAST = "token.expiry_past"
    MUST_BE_FUTURE = "token.must_be_future"
    TOKEN_ALREADY_REVOKED = "token.already_revoked"
    # Handover terms
    OFFICE_NOT_ZONE = "office.not_zone"
    OFFICE_MUST_BE_ZONE = "office.must_be_zone"
    METHOD_RETIRED = "method.retired"
    METHOD_NO_LONGER_OFFERED = "method.no_longer_offered"
    CALENDAR_UNKNOWN = "calendar.unknown"
    CALENDAR_GIVE_DATE = "calendar.give_date"
    TERMS_FIXED = "handover.terms_fixed"
    TERM_FIXED = "handover.term_fixed"
    OFFICE_AND_METHOD_KEPT = "handover.office_and_method_kept"
    # Handover workflow and confirmations
    RECALL_DATE_ONLY = "handover.recall_date_only"
    ONLY_FOR_RECALL = "handover.only_for_recall"
    TRANSITION_NOT_ALLOWED = "handover.transition_not_allowed"
    TRANSITION_NOT_READY = "handover.transition_not_ready"
    CONFIRM_NOT_IN_PROGRESS = "handover.confirm_not_in_progress"
    TERMS_INCOMPLETE = "handover.terms_incomplete"
    ALREADY_CONFIRMED_BY = "handover.already_confirmed_by"
    ALREADY_CONFIRMED = "handover.already_confirmed"
    # What a transition still needs (registry.domain.handover.Missing)
    NEEDS_OFFICE = "handover.needs.receiving_office"
    NEEDS_METHOD = "handover.needs.method"
    NEEDS_OFFICE_CONTACT = "handover.needs.office_contact"
    NEEDS_AUTHORISATION = "handover.needs.authorisation"
    NEEDS_EFFECTIVE_DATE = "handover.needs.effective_date"
    NEEDS_HANDOVER_CONFIRMATION = "handover.needs.handover_confirmation"
    NEEDS_ACCEPTANCE_CONFIRMATION = "handover.needs.acceptance_confirmation"
    NEEDS_CHECKLIST_ITEM = "handover.needs.checklist_item"
    NOT_YET_EFFECTIVE = "handover.needs.effective_date_reached"
    AUTHORISATION_NOT_NEEDED = "handover.needs.authorisation_needed"
    NEEDS_REASON = "handover.needs.reason"
    # An effective date before today (Beijing time): only on purpose, saying why
    EFFECTIVE_DATE_PAST = "handover.effective_date_past"
    PAST_DATE_UNCONFIRMED = "handover.effective_date_past_unconfirmed"
    PAST_DATE_REASON_REQUIRED = "handover.effective_date_past_reason_required"
    # Checklist
    CHECKLIST_CLOSED = "checklist.closed"
    EVIDENCE_REQUIRED = "checklist.evidence_required"
    EVIDENCE_REQUIRED_FIELD = "checklist.evidence_required_to_mark_done"
    REOPEN_REASON_REQUIRED = "checklist.reopen_reason_required"
    REOPEN_REASON_REQUIRED_FIELD = "checklist.reason_required_to_reopen"
    # Bulk steps
    BULK_REFUSED = "bulk.refused"
    BULK_FORBIDDEN = "bulk.forbidden"
    BULK_SELECTION_CHANGED = "bulk.selection_changed"
    BULK_TOO_MANY = "bulk.too_many"
    BULK_NOTHING_MATCHES = "bulk.nothing_matches"
    # The working-day calendar
    CALENDAR_ROWS_INVALID = "calendar.rows_invalid"
    CALENDAR_DATE_INVALID = "calendar.date_invalid"
    CALENDAR_KIND_INVALID = "calendar.kind_invalid"
    CALENDAR_OTHER_YEAR = "calendar.other_year"
    CALENDAR_DUPLICATE = "calendar.duplicate"
    CALENDAR_WORKDAY_ON_WEEKDAY = "calendar.workday_on_weekday"
    CALENDAR_NO_ROWS = "calendar.no_rows"
    CALENDAR_YEAR_RANGE = "calendar.year_range"
    CALENDAR_REASON_REQUIRED = "calendar.reason_required"
    CALENDAR_NEXT_YEAR_MISSING = "calendar.next_year_missing"
    # Service guides (办事指南)
    GUIDE_NOT_FOUND = "guide.not_found"
    GUIDE_STALE = "guide.stale"
    GUIDE_INVALID = "guide.invalid"
    GUIDE_REASON_REQUIRED = "guide.reason_required"
    GUIDE_BASIC_CODE_FORMAT = "guide.basic_code_format"
    GUIDE_BASIC_CODE_EMPTY = "guide.basic_code_empty"
    GUIDE_IMPLEMENTATION_CODE_LENGTH = "guide.implementation_code_length"
    GUIDE_CREDIT_CODE_FORMAT = "guide.credit_code_format"
    GUIDE_CREDIT_CODE_CHECK = "guide.credit_code_check"
    GUIDE_LEVEL_CODE = "guide.level_code"
    GUIDE_IMPLEMENTATION_BASIC = "guide.implementation_basic"
    GUIDE_IMPLEMENTATION_MISMATCH = "guide.implementation_mismatch"
    GUIDE_TEXT_CONTROL = "guide.text_control"
    GUIDE_TEXT_TOO_LONG = "guide.text_too_long"
    GUIDE_TEXT_TYPE = "guide.text_type"
    GUIDE_PHONE_FORMAT = "guide.phone_format"
    GUIDE_URL_SCHEME = "guide.url_scheme"
    GUIDE_DAYS_RANGE = "guide.days_range"
    GUIDE_PROMISED_OVER_LEGAL = "guide.promised_over_legal"
    GUIDE_MATERIALS_LIST = "guide.materials_list"
    GUIDE_MATERIALS_TOO_MANY = "guide.materials_too_many"
    GUIDE_MATERIAL_BLANK = "guide.material_blank"
    GUIDE_FEE_YES_NO = "guide.fee_yes_no"
    GUIDE_FEE_BASIS_REQUIRED = "guide.fee_basis_required"
    GUIDE_FEE_CHARGED_REQUIRED = "guide.fee_charged_required"
    # Service guides from a sheet
    GUIDE_SHEET_ROWS_INVALID = "guide_sheet.rows_invalid"
    GUIDE_SHEET_UNREADABLE = "guide_sheet.unreadable"
    GUIDE_SHEET_TOO_LARGE = "guide_sheet.too_large"
    GUIDE_SHEET_NO_ROWS = "guide_sheet.no_rows"
    GUIDE_SHEET_NO_KEY_COLUMN = "guide_sheet.no_key_column"
    GUIDE_SHEET_UNKNOWN_COLUMN = "guide_sheet.unknown_column"
    GUIDE_SHEET_DUPLICATE_COLUMN = "guide_sheet.duplicate_column"
    GUIDE_SHEET_FORMULA = "guide_sheet.formula"
    GUIDE_SHEET_NO_KEY = "guide_sheet.no_key"
    GUIDE_SHEET_NO_SUCH_SEQ = "guide_sheet.no_such_seq"
    GUIDE_SHEET_NO_SUCH_NAME = "guide_sheet.no_such_name"
    GUIDE_SHEET_NAME_AMBIGUOUS = "guide_sheet.name_ambiguous"
    GUIDE_SHEET_NAME_MISMATCH = "guide_sheet.name_mismatch"
    GUIDE_SHEET_DUPLICATE_ROW = "guide_sheet.duplicate_row"
    GUIDE_SHEET_NOT_A_NUMBER = "guide_sheet.not_a_number"
    GUIDE_SHEET_YES_NO = "guide_sheet.yes_no"
    # Decisions: reading a decision file and applying it
    DECISION_FILE_TOO_LARGE = "decision_file.too_large"
    DECISION_FILE_FORMAT = "decision_file.format"
    DECISION_FILE_MACROS = "decision_file.macros"
    DECISION_FILE_LAYOUT = "decision_file.layout"
    DECISION_FILE_ROWS = "decision_file.rows_invalid"
    DECISION_COLUMN_MISSING = "decision_file.column_missing"
    DECISION_CELL_FORMULA = "decision_file.formula"
    DECISION_CELL_UNKNOWN = "decision_file.unknown_value"
    DECISION_CELL_REQUIRED = "decision_file.cell_required"
    DECISION_ROW_DUPLICATE = "decision_file.duplicate"
    DECISION_ROW_CONFLICT = "decision_file.row_conflict"
    DECISION_DEPARTMENT_UNKNOWN = "decision_file.department_unknown"
    DECISION_META_REQUIRED = "decision.meta_required"
    DECISION_DATE_NOT_IN_TEXT = "decision.date_not_in_text"
    DECISION_BODY_UNKNOWN = "decision.body_unknown"
    DECISION_UNMATCHED = "decision.unmatched"
    DECISION_BLOCKED = "decision.blocked"
    DECISION_REASON_REQUIRED = "decision.reason_required"
    CHANGES_DATES_REVERSED = "changes.dates_reversed"
    CHANGES_DATE_BEFORE_START = "changes.date_before_start"
    # Sheets staff upload (registry.imports) and the offices' contact details read from them
    SHEET_KIND = "sheet.kind"
    SHEET_UNREADABLE = "sheet.unreadable"
    SHEET_EMPTY = "sheet.empty"
    SHEET_ROWS_INVALID = "sheet.rows_invalid"
    SHEET_UNKNOWN_COLUMN = "sheet.unknown_column"
    SHEET_NAME_COLUMN_MISSING = "sheet.name_column_missing"
    SHEET_NAME_MISSING = "sheet.name_missing"
    SHEET_FORMULA = "sheet.formula"
    SHEET_TOO_LONG = "sheet.too_long"
    SHEET_TOO_LARGE = "sheet.too_large"
    SHEET_MACROS = "sheet.macros"
    SHEET_REASON_REQUIRED = "sheet.reason_required"
    OFFICE_PHONE_INVALID = "office.phone_invalid"
    OFFICE_IMPORT_UNKNOWN = "office.import_unknown"
    OFFICE_IMPORT_DUPLICATE = "office.import_duplicate"
    # Supervision (事中事后监管) and rectification (整改)
    RECTIFICATION_NOT_FOUND = "rectification.not_found"
    RECTIFICATION_STALE = "rectification.stale"
    SUPERVISION_INVALID = "supervision.invalid"
    RECTIFICATION_CLOSE_INVALID = "rectification.close_invalid"
    SUPERVISION_FUTURE_DATE = "supervision.future_date"
    SUPERVISION_FINDINGS_REQUIRED = "supervision.findings_required"
    SUPERVISION_POWER_RETIRED = "supervision.power_retired"
    RECTIFICATION_REQUIREMENT_REQUIRED = "rectification.requirement_required"
    RECTIFICATION_ALREADY_CLOSED = "rectification.already_closed"
    RECTIFICATION_CLOSED_BEFORE_RECORD = "rectification.closed_before_record"
    RECTIFICATION_CLOSED_IN_FUTURE = "rectification.closed_in_future"
    RECTIFICATION_EVIDENCE_REQUIRED = "rectification.evidence_required"
    # Case volumes (办件量)
    VOLUME_ROWS_INVALID = "volume.rows_invalid"
    VOLUME_NO_ROWS = "volume.no_rows"
    VOLUME_REASON_REQUIRED = "volume.reason_required"
    VOLUME_NO_KEY_COLUMN = "volume.no_key_column"
    VOLUME_COLUMN_MISSING = "volume.column_missing"
    VOLUME_UNKNOWN_COLUMN = "volume.unknown_column"
    VOLUME_FORMULA = "volume.formula"
    VOLUME_NO_KEY = "volume.no_key"
    VOLUME_NO_SUCH_SEQ = "volume.no_such_seq"
    VOLUME_SEQ_AMBIGUOUS = "volume.seq_ambiguous"
    VOLUME_NO_SUCH_NAME = "volume.no_such_name"
    VOLUME_NAME_AMBIGUOUS = "volume.name_ambiguous"
    VOLUME_NAME_MISMATCH = "volume.name_mismatch"
    VOLUME_NO_SUCH_POWER = "volume.no_such_power"
    VOLUME_OFFICE_UNKNOWN = "volume.office_unknown"
    VOLUME_OFFICE_NOT_ZONE = "volume.office_not_zone"
    VOLUME_OFFICE_NONE = "volume.office_none"
    VOLUME_MONTH_FORMAT = "volume.month_format"
    VOLUME_MONTH_FUTURE = "volume.month_future"
    VOLUME_NOT_A_COUNT = "volume.not_a_count"
    VOLUME_NEGATIVE = "volume.negative"
    VOLUME_COMPLETED_OVER_ACCEPTED = "volume.completed_over_accepted"
    VOLUME_ON_TIME_OVER_COMPLETED = "volume.on_time_over_completed"
    VOLUME_DUPLICATE_ROW = "volume.duplicate_row"
    VOLUME_STALE = "volume.stale"
    VOLUME_PERIOD_REVERSED = "volume.period_reversed"
    VOLUME_PERIOD_TOO_LONG = "volume.period_too_long"
    # Evaluation (评估)
    EVALUATION_INVALID = "evaluation.invalid"
    EVALUATION_PERIOD_INVALID = "evaluation.period_invalid"
    EVALUATION_PERIOD_NOT_ENDED = "evaluation.period_not_ended"
    EVALUATION_REASON_REQUIRED = "evaluation.reason_required"
    EVALUATION_POWER_RETIRED = "evaluation.power_retired"
    EVALUATION_STALE = "evaluation.stale"
    # The audit key
    AUDIT_KEY_WRONG = "audit.key_wrong"
    AUDIT_KEY_MISSING = "audit.key_missing"
    AUDIT_KEY_SAME = "audit.key_same"
    # The database and its disk (registry.db.failures; the readiness check)
    DATABASE_UNAVAILABLE = "database.unavailable"
    DATABASE_BUSY = "database.busy"
    DATABASE_FULL = "database.full"
    DISK_LOW = "disk.low"
    # Seeding (command line)
    SEED_ANNEX_MISSING = "seed.annex_missing"
    SEED_ALREADY_LOADED = "seed.already_loaded"


class Message(str):
    """An English sentence with its code and parameters: ``Message(Code.X, "power {power} ...", power=7)``.

    The text is formatted with the parameters, so what the sentence says and what the Chinese wording can
    use are the same values. It compares, hashes and serialises as the English text.
    """

    code: Code
    params: dict[str, Any]

    def __new__(cls, code: Code, text: str, **params: Any) -> Message:
        self = super().__new__(cls, text.format(**params))
        self.code = Code(code)
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _restore, (self.code, str(self), self.params)

    def __repr__(self) -> str:
        return f"Message({self.code.name}, {str(self)!r})"


def _restore(code: Code, text: str, params: dict[str, Any]) -> Message:
    message = str.__new__(Message, text)
    message.code, message.params = code, params
    return message
