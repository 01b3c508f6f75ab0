"""Handover tracking: methods, one handover per power, its checklist, and its append-only event log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
STATUSES = "'pending', 'in_progress', 'awaiting_authorisation', 'handed_over', 'operating', 'suspended', 'recalled'"
ITEMS = "'guidance', 'supervision', 'files', 'system_access', 'list_updated'"

# Like the audit trail, the event log is append-only in the database itself (the function is 0002's).
PG_TRIGGERS = [
    "CREATE TRIGGER handover_event_append_only BEFORE UPDATE OR DELETE ON handover_event "
    "FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only()",
    "CREATE TRIGGER handover_event_no_truncate BEFORE TRUNCATE ON handover_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_audit_append_only()",
]
SQLITE_TRIGGERS = [
    "CREATE TRIGGER handover_event_no_update BEFORE UPDATE ON handover_event "
    "BEGIN SELECT RAISE(ABORT, 'handover_event is append-only: UPDATE refused'); END",
    "CREATE TRIGGER handover_event_no_delete BEFORE DELETE ON handover_event "
    "BEGIN SELECT RAISE(ABORT, 'handover_event is append-only: DELETE refused'); END",
]


def upgrade() -> None:
    op.create_table(
        "handover_method",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_handover_method"),
        sa.UniqueConstraint("name", name="uq_handover_method_name"),
    )
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(22), nullable=False),
        sa.Column("status_since", TS, nullable=False),
        sa.Column("receiving_office_id", sa.Integer(), nullable=True),
        sa.Column("method_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("scope", sa.Text(), nullable=True),
        sa.Column("planned_date", sa.Date(), nullable=True),
        sa.Column("planned_from", sa.Date(), nullable=True),
        sa.Column("planned_days", sa.Integer(), nullable=True),
        sa.Column("planned_day_kind", sa.String(16), nullable=True),
        sa.Column("effective_date", sa.Date(), nullable=True),
        sa.Column("recalled_on", sa.Date(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=True),
        sa.Column("authorisation_needed", sa.Boolean(), nullable=False),
        sa.Column("authorisation", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("handed_over_by", sa.String(100), nullable=True),
        sa.Column("handed_over_at", TS, nullable=True),
        sa.Column("accepted_by", sa.String(100), nullable=True),
        sa.Column("accepted_at", TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_handover_status")),
        sa.CheckConstraint("planned_day_kind IS NULL OR planned_day_kind IN ('calendar', 'working')",
                           name=op.f("ck_handover_planned_day_kind")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_handover_power_id_power"),
        sa.ForeignKeyConstraint(["receiving_office_id"], ["department.id"],
                                name="fk_handover_receiving_office_id_department"),
        sa.ForeignKeyConstraint(["method_id"], ["handover_method.id"],
                                name="fk_handover_method_id_handover_method"),
        sa.PrimaryKeyConstraint("id", name="pk_handover"),
        sa.UniqueConstraint("power_id", name="uq_handover_power_id"),
    )
    op.create_index("ix_handover_status", "handover", ["status"])
    op.create_index("ix_handover_receiving_office_id", "handover", ["receiving_office_id"])
    op.create_index("ix_handover_planned_date", "handover", ["planned_date"])
    op.create_table(
        "handover_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("done", sa.Boolean(), nullable=False),
        sa.Column("done_by", sa.String(100), nullable=True),
        sa.Column("done_at", TS, nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(f"item IN ({ITEMS})", name=op.f("ck_handover_check_item")),
        sa.ForeignKeyConstraint(["handover_id"], ["handover.id"], name="fk_handover_check_handover_id_handover"),
        sa.PrimaryKeyConstraint("id", name="pk_handover_check"),
        sa.UniqueConstraint("handover_id", "item", name="uq_handover_check_handover_id_item"),
    )
    op.create_table(
        "handover_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(22), nullable=True),
        sa.Column("to_status", sa.String(22), nullable=True),
        sa.Column("detail", sa.String(32), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("office_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["handover_id"], ["handover.id"], name="fk_handover_event_handover_id_handover"),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name="fk_handover_event_power_id_power"),
        sa.ForeignKeyConstraint(["office_id"], ["department.id"], name="fk_handover_event_office_id_department"),
        sa.PrimaryKeyConstraint("id", name="pk_handover_event"),
    )
    op.create_index("ix_handover_event_handover_id", "handover_event", ["handover_id"])
    op.create_index("ix_handover_event_power_id", "handover_event", ["power_id"])
    op.create_index("ix_handover_event_at", "handover_event", ["at"])
    op.create_index("ix_handover_event_audit_seq", "handover_event", ["audit_seq"])
    for sql in PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    # Dropping a table drops its triggers.
    op.drop_table("handover_event")
    op.drop_table("handover_check")
    op.drop_index("ix_handover_planned_date", table_name="handover")
    op.drop_index("ix_handover_receiving_office_id", table_name="handover")
    op.drop_index("ix_handover_status", table_name="handover")
    op.drop_table("handover")
    op.drop_table("handover_method")
