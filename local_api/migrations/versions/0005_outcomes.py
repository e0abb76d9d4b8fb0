"""exactly once and the citizen's outcome: a durable counter for provisional numbers, and per case
whose applicant it was (keyed hash), whether the citizen learnt the outcome, and the session to resume

Revision ID: 0005
Revises: 0004
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_NUMBER = re.compile(r"^(P\d{6}-.*-)(\d+)$")


def upgrade() -> None:
    op.create_table(
        "counters",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("value", sa.Integer, nullable=False),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("subject_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=False, server_default=""))
        batch.add_column(sa.Column("resume", sa.LargeBinary, nullable=True))
    op.create_index("ix_outbox_subject_hash", "outbox", ["subject_hash"])
    # Provisional numbers used to be counted from the day's rows: carry the highest number of each day
    # over, so no number already on a citizen's receipt is given out again.
    bind = op.get_bind()
    highest: dict[str, int] = {}
    for (number,) in bind.execute(sa.text("SELECT provisional_no FROM outbox WHERE provisional_no IS NOT NULL")):
        match = _NUMBER.match(number)
        if match:
            highest[match.group(1)] = max(highest.get(match.group(1), 0), int(match.group(2)))
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    if highest:
        op.bulk_insert(counters, [{"name": f"provisional:{prefix}", "value": n} for prefix, n in highest.items()])


def downgrade() -> None:
    op.drop_index("ix_outbox_subject_hash", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("resume")
        batch.drop_column("outcome")
        batch.drop_column("subject_hash")
    op.drop_table("counters")
