"""Alembic environment: runs on the connection the hub hands over (hub.db.session.migrate)."""

from __future__ import annotations

from alembic import context

from hub.db import (
    assist_models,  # noqa: F401  (and the 帮办代办 ledger and signed documents)
    call_models,  # noqa: F401  (registers the video-help tables on Base.metadata)
    certificate_models,  # noqa: F401  (and the certificate tables)
    enrol_models,  # noqa: F401  (and the enrolment tables)
    fleet_models,  # noqa: F401  (and the fleet alerts)
    lookup_models,  # noqa: F401  (and the lookup audit and kiosk alerts)
    staff_models,  # noqa: F401  (and staff accounts and the audit trail)
)
from hub.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("hub migrations run from hub.db.session.migrate(engine), not the alembic command")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
