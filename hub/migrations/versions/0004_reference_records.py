"""reference records (housing fund, social insurance) for record queries

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("person_index", sa.String(length=64), nullable=False),
        sa.Column("id_type", sa.String(length=3), nullable=False),
        sa.Column("data_enc", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "person_index", name="uq_reference_records_person"),
    )


def downgrade() -> None:
    op.drop_table("reference_records")
