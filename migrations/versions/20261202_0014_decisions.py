"""Decisions over time: a decision's effective date, and each item's lineage (decision_action: which decision did
what to it, for which receiving body, from when).

Existing databases get their lineage here: every power of a published (non-synthetic) decision gets one 下放 row
for the decision that listed it, its receiving body being the department named as the decision's zone_body,
effective from the decision's date. These rows are marked backfilled: the power's own audit entry accounts for
them. A power whose decision names no known receiving body is left for `registry seed`, which writes the missing
lineage through the service layer, audited.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ACTIONS = ("devolve", "entrust", "recall", "cancel", "suspend", "resume", "adjust")
BACKFILL = """
INSERT INTO decision_action (decision_id, power_id, action, body_id, annex, annex_title, seq, effective_on,
                             backfilled, created_at, updated_at)
SELECT p.decision_id, p.id, 'devolve', b.id, 1, d.annex_title, p.seq, COALESCE(d.effective_on, d.issued_on),
       :yes, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
FROM power p
JOIN decision d ON d.id = p.decision_id
JOIN department b ON b.name = d.zone_body AND b.kind = 'zone'
WHERE d.synthetic = :no
"""


def upgrade() -> None:
    op.add_column("decision", sa.Column("effective_on", sa.Date(), nullable=True))
    op.create_table(
        "decision_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("power_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("annex", sa.Integer(), nullable=False),
        sa.Column("annex_title", sa.String(300), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("changes", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("backfilled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"action IN ({', '.join(repr(a) for a in ACTIONS)})",
                           name=op.f("ck_decision_action_action")),
        sa.CheckConstraint("annex > 0 AND seq > 0", name=op.f("ck_decision_action_position_positive")),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], name=op.f("fk_decision_action_decision_id_decision")),
        sa.ForeignKeyConstraint(["power_id"], ["power.id"], name=op.f("fk_decision_action_power_id_power")),
        sa.ForeignKeyConstraint(["body_id"], ["department.id"], name=op.f("fk_decision_action_body_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_action")),
        sa.UniqueConstraint("decision_id", "power_id", name=op.f("uq_decision_action_decision_id_power_id")),
    )
    for column in ("decision_id", "power_id", "body_id"):
        op.create_index(op.f(f"ix_decision_action_{column}"), "decision_action", [column])
    op.get_bind().execute(sa.text(BACKFILL), {"yes": True, "no": False})


def downgrade() -> None:
    for column in ("decision_id", "power_id", "body_id"):
        op.drop_index(op.f(f"ix_decision_action_{column}"), table_name="decision_action")
    op.drop_table("decision_action")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of decision would trip the foreign keys of a filled registry.
    op.drop_column("decision", "effective_on")
