"""device status history

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("health", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("sensors", sa.JSON, nullable=False),
    )
    op.create_index("ix_device_events_at", "device_events", ["at"])
    op.create_index("ix_device_events_device", "device_events", ["device"])


def downgrade() -> None:
    op.drop_table("device_events")
