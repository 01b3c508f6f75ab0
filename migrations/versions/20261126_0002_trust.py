"""Users, API tokens, the hash-chained audit trail (append-only, enforced by triggers) and security events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

# The database itself refuses to change or remove an audit entry, whoever connects.
PG_GUARD = """
CREATE FUNCTION registry_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$
"""
PG_TRIGGERS = [
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
    "FOR EACH ROW EXECUTE FUNCTION registry_audit_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION registry_audit_append_only()",
]
SQLITE_TRIGGERS = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: DELETE refused'); END",
]


def upgrade() -> None:
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("password_changed_at", TS, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('department', 'zone', 'auditor', 'admin')", name=op.f("ck_user_account_role")),
        sa.CheckConstraint("(role = 'department') = (department_id IS NOT NULL)",
                           name=op.f("ck_user_account_department_role")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name="fk_user_account_department_id_department"),
        sa.PrimaryKeyConstraint("id", name="pk_user_account"),
        sa.UniqueConstraint("name", name="uq_user_account_name"),
    )
    op.create_index("ix_user_account_department_id", "user_account", ["department_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name="fk_api_token_user_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(100), nullable=False),
        sa.Column("actor_role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("entity_label", sa.String(600), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_entry"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_entry_prev_hash"),
        sa.UniqueConstraint("hash", name="uq_audit_entry_hash"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_actor_id", "audit_entry", ["actor_id"])
    op.create_index("ix_audit_entry_power_id", "audit_entry", ["power_id"])
    op.create_index("ix_audit_entry_department_id", "audit_entry", ["department_id"])
    op.create_index("ix_audit_entry_entity_type", "audit_entry", ["entity_type", "entity_id"])
    op.create_table(
        "security_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("account", sa.String(100), nullable=True),
        sa.Column("address", sa.String(64), nullable=True),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_security_event"),
    )
    op.create_index("ix_security_event_at", "security_event", ["at"])
    op.create_index("ix_security_event_kind", "security_event", ["kind"])
    op.create_index("ix_security_event_account", "security_event", ["account", "at"])
    op.create_index("ix_security_event_address", "security_event", ["address", "at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_GUARD)
        for sql in PG_TRIGGERS:
            op.execute(sql)
    else:
        for sql in SQLITE_TRIGGERS:
            op.execute(sql)


def downgrade() -> None:
    # Dropping the table drops its triggers; the PostgreSQL function goes after it.
    op.drop_table("security_event")
    op.drop_table("audit_entry")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION registry_audit_append_only()")
    op.drop_index("ix_api_token_user_id", table_name="api_token")
    op.drop_table("api_token")
    op.drop_index("ix_user_account_department_id", table_name="user_account")
    op.drop_table("user_account")
