"""``/staff/kiosks/{kiosk_id}``: one kiosk for the hall staff — its last heartbeat and its last self-test.

The self-test slip's QR code points here, so a technician holding the slip finds the kiosk's page;
like every staff page it needs a staff log-in (a role with the fleet: supervisor or admin).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub import intake, registry, selftests
from hub.staff.auth import FleetStaff
from hub.state import StateDep

router = APIRouter(prefix="/staff/kiosks", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


@router.get("/{kiosk_id}", response_class=HTMLResponse)
def kiosk_page(request: Request, state: StateDep, _staff: FleetStaff, kiosk_id: str) -> HTMLResponse:
    with state.db.read() as db:
        kiosk = next((k for k in registry.list_kiosks(db) if k.id == kiosk_id), None)
    if kiosk is None:
        raise HTTPException(404, f"no kiosk {kiosk_id}; see kioskhub kiosks list")
    zone = state.settings.zone

    def local(value: dt.datetime | str | None) -> str:
        """The hall's time; the self-test's time comes as ISO text inside the kept JSON."""
        if not value:
            return "—"
        when = intake.utc(dt.datetime.fromisoformat(value) if isinstance(value, str) else value)
        return when.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")

    return templates.TemplateResponse(request, "staff_kiosk.html", {
        "kiosk": kiosk,
        "status": kiosk.last_status or {},
        "selftest": selftests.last_selftest(kiosk.last_status),
        "local": local,
    })

