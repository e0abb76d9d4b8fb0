"""session audit trail and consent records

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "session_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False, server_default=""),
    )
    op.create_index("ix_session_audit_at", "session_audit", ["at"])
    op.create_index("ix_session_audit_session_id", "session_audit", ["session_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("item_code", sa.String(64), nullable=False),
        sa.Column("text_version", sa.String(64), nullable=False),
        sa.Column("accepted", sa.Boolean, nullable=False),
        sa.Column("subject_hash", sa.String(64), nullable=False, server_default=""),
    )
    op.create_index("ix_consents_session_id", "consents", ["session_id"])


def downgrade() -> None:
    op.drop_table("consents")
    op.drop_table("session_audit")
