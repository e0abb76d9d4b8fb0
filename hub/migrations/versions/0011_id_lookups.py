"""kiosks kept in their lane: an audit row per lookup by ID number, kiosk alerts (bursts); helper log-in
failures per source and user (throttling instead of a lock)

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "id_lookups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("what", sa.String(length=64), nullable=False),
        sa.Column("id_type", sa.String(length=3), nullable=False),
        sa.Column("person_index", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("id_lookups") as batch:
        batch.create_index("ix_id_lookups_at", ["at"])
        batch.create_index("ix_id_lookups_kiosk_at", ["kiosk_id", "at"])
        batch.create_index("ix_id_lookups_person_at", ["person_index", "at"])
    op.create_table(
        "kiosk_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cleared_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("kiosk_alerts") as batch:
        batch.create_index("ix_kiosk_alerts_kiosk_open", ["kiosk_id", "cleared_at"])


    op.create_table(
        "helper_login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("helper_login_failures") as batch:
        batch.create_index("ix_helper_login_failures_at", ["at"])
        batch.create_index("ix_helper_login_failures_user_source_at", ["username", "source", "at"])


def downgrade() -> None:
    op.drop_table("helper_login_failures")
    op.drop_table("kiosk_alerts")
    op.drop_table("id_lookups")
