"""POST /api/v1/heartbeat: a kiosk's device statuses for the fleet view."""

from __future__ import annotations

from fastapi import APIRouter

from hub import registry, selftests
from hub.schemas import Heartbeat, HeartbeatAck
from hub.state import KioskDep, StateDep

router = APIRouter(prefix="/api/v1", tags=["kiosks"])


@router.post("/heartbeat", response_model=HeartbeatAck)
def heartbeat(state: StateDep, kiosk_id: KioskDep, report: Heartbeat) -> HeartbeatAck:
    """Keep the kiosk's latest report and when it arrived."""
    now = state.now()
    with state.db.write() as db, db.begin():
        kept = selftests.carry_forward(selftests.previous_status(db, kiosk_id), report.model_dump(mode="json"))
        registry.record_heartbeat(db, kiosk_id, kept, now)
    return HeartbeatAck(kiosk_id=kiosk_id, received_at=now)
