"""queue

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_counters",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "prefix", "day"),
    )
    op.create_table(
        "queue_services",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("minutes_per_person", sa.Double(), nullable=False),
        sa.Column("windows", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("site_id", "code"),
        sa.UniqueConstraint("site_id", "prefix", name="uq_queue_services_prefix"),
    )
    op.create_table(
        "queue_tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("prefix", sa.String(length=1), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("called_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["kiosk_id"],
            ["kiosks.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kiosk_id", "idempotency_key", name="uq_queue_tickets_kiosk_key"),
        sa.UniqueConstraint("site_id", "prefix", "day", "seq", name="uq_queue_tickets_number"),
    )
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.create_index("ix_queue_tickets_waiting", ["site_id", "service_code", "day", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_queue_tickets_waiting")

    op.drop_table("queue_tickets")
    op.drop_table("queue_services")
    op.drop_table("queue_counters")
