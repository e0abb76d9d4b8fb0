"""The kiosk's side of the registry: POST /api/v1/heartbeat (fleet view), GET /api/v1/kiosk (who am I),
POST /api/v1/enrol (a pairing code for a token, ``hub.routes.enrol``)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from hub import alerts, kiosk_commands, registry, selftests
from hub.db.models import Kiosk
from hub.routes import enrol
from hub.schemas import Heartbeat, HeartbeatAck
from hub.state import KioskDep, StateDep

router = APIRouter(prefix="/api/v1", tags=["kiosks"])
router.include_router(enrol.router)


@router.post("/heartbeat", response_model=HeartbeatAck)
def heartbeat(state: StateDep, kiosk_id: KioskDep, report: Heartbeat) -> HeartbeatAck:
    """Keep the kiosk's latest report and when it arrived, raise or clear its alerts, hand out its commands."""
    now = state.now()
    with state.db.write() as db, db.begin():
        kept = selftests.carry_forward(selftests.previous_status(db, kiosk_id), report.model_dump(mode="json"))
        kiosk = registry.record_heartbeat(db, kiosk_id, kept, now)
        changed = alerts.judge(db, kiosk, now, alerts.Rules.from_settings(state.settings))
        commands = kiosk_commands.hand_out(db, kiosk_id, now)
    if changed:
        state.alerts_changed()
    return HeartbeatAck(kiosk_id=kiosk_id, received_at=now, commands=commands)


@router.get("/kiosk")
def whoami(state: StateDep, kiosk_id: KioskDep) -> dict[str, str]:
    """The kiosk this token belongs to: what kioskd's hub probe asks to tell a good token from a refused one."""
    with state.db.read() as db:
        site = db.scalar(select(Kiosk.site_id).where(Kiosk.id == kiosk_id))
    return {"service": "kioskhub", "kiosk_id": kiosk_id, "site_id": site or ""}
