"""queue priority, service hours and limits, counters, appointments

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("appointment_no", sa.String(length=32), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("service_code", sa.String(length=32), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id_type", sa.String(length=3), nullable=False),
        sa.Column("person_index", sa.String(length=64), nullable=False),
        sa.Column("id_masked", sa.String(length=40), nullable=False),
        sa.Column("name_masked", sa.String(length=100), nullable=False),
        sa.Column("personal_enc", sa.Text(), nullable=False),
        sa.Column("qr_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("booked_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["queue_tickets.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_no"),
        sa.UniqueConstraint("qr_hash"),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("ix_appointments_person", ["site_id", "day", "person_index"], unique=False)

    with op.batch_alter_table("queue_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opens", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("closes", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("daily_limit", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("start_number", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("end_number", sa.Integer(), nullable=True))

    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=12), server_default="kiosk", nullable=False))
        batch_op.add_column(sa.Column("local_no", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("priority_category", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("priority_weight", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("name_masked", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("window_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("call_no", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("recalls", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("done_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("transferred_from", sa.String(length=32), nullable=True))
        batch_op.alter_column("seq", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index("ix_queue_tickets_done", ["site_id", "service_code", "status", "done_at"], unique=False)
        batch_op.create_unique_constraint("uq_queue_tickets_local_no", ["kiosk_id", "day", "local_no"])


def downgrade() -> None:
    with op.batch_alter_table("queue_tickets", schema=None) as batch_op:
        batch_op.drop_constraint("uq_queue_tickets_local_no", type_="unique")
        batch_op.drop_index("ix_queue_tickets_done")
        batch_op.alter_column("seq", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("transferred_from")
        batch_op.drop_column("done_at")
        batch_op.drop_column("recalls")
        batch_op.drop_column("announced_at")
        batch_op.drop_column("call_no")
        batch_op.drop_column("window_no")
        batch_op.drop_column("name_masked")
        batch_op.drop_column("priority_weight")
        batch_op.drop_column("priority_category")
        batch_op.drop_column("local_no")
        batch_op.drop_column("source")

    with op.batch_alter_table("queue_services", schema=None) as batch_op:
        batch_op.drop_column("end_number")
        batch_op.drop_column("start_number")
        batch_op.drop_column("daily_limit")
        batch_op.drop_column("closes")
        batch_op.drop_column("opens")

    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_person")

    op.drop_table("appointments")
