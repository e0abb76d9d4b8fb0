"""issued certificates (证明打印) and the check page's throttle

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_certificates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("holder_id_type", sa.String(length=3), nullable=False),
        sa.Column("holder_index", sa.String(length=64), nullable=False),
        sa.Column("holder_id_masked", sa.String(length=40), nullable=False),
        sa.Column("holder_name_masked", sa.String(length=100), nullable=False),
        sa.Column("period_from", sa.String(length=7), nullable=True),
        sa.Column("period_to", sa.String(length=7), nullable=True),
        sa.Column("kiosk_id", sa.String(length=64), nullable=False),
        sa.Column("identity_check", sa.String(length=16), nullable=False),
        sa.Column("identity_score", sa.Float(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("signer_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosks.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("issued_certificates") as batch:
        batch.create_index("ix_issued_certificates_holder_index", ["holder_index"])
    op.create_table(
        "verify_throttle",
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("lookups", sa.Integer(), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", "window"),
    )


def downgrade() -> None:
    op.drop_table("verify_throttle")
    op.drop_table("issued_certificates")
