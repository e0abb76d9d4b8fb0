"""bad-rating follow-up outcome

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ratings") as batch_op:
        batch_op.add_column(sa.Column("followup_done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("followup_note", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ratings") as batch_op:
        batch_op.drop_column("followup_note")
        batch_op.drop_column("followup_done_at")
