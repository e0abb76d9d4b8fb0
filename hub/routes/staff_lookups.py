"""``/staff/lookups``: who looked up whom by ID number, from which kiosk, when; ``/staff/alerts``: clearing alerts.

A search by person goes as a POST, so the number typed in never lands in an access log; it is
hashed as the audit rows are and compared, never kept.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from common import idnumber
from hub import intake, lookups
from hub.certificates.kinds import KINDS
from hub.personal import RESIDENT_ID
from hub.staff import audit
from hub.staff.auth import FleetStaff, LookupsStaff, actor, note
from hub.state import HubState, StateDep

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
log = logging.getLogger("hub.lookups")

WHAT = {
    "case-progress-query": "办件进度查询",
    "housing-fund-query": "住房公积金查询",
    "si-record-certificate": "社保参保证明查询",
    "case-lookup": "本人办件列表",
    "appointment-check-in": "预约签到（刷身份证）",
}
OUTCOMES = {"found": "查到记录", "none": "无记录", "refused": "超出频次，已拒绝", "asked": "未完成"}


def _page(request: Request, state: HubState, kiosk: str, person_index: str | None = None,
          searched: str = "", error: str = "") -> HTMLResponse:
    zone = state.settings.zone
    with state.db.read() as db:
        rows = lookups.search(db, kiosk_id=kiosk.strip() or None, person_index=person_index)
    return templates.TemplateResponse(request, "staff_lookups.html", {
        "rows": rows, "kiosk": kiosk, "searched_person": searched, "error": error,
        "what": {**WHAT, **{f"certificate:{code}": f"证明打印：{kind.title}" for code, kind in KINDS.items()}},
        "outcomes": OUTCOMES, "retention_days": state.settings.id_lookup_retention_days,
        "local": lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
    }, status_code=422 if error else 200)


@router.get("/lookups", response_class=HTMLResponse)
def lookup_log(request: Request, state: StateDep, who: LookupsStaff, kiosk: str = "") -> HTMLResponse:
    """The newest lookups by ID number, of one kiosk when ``kiosk`` is given."""
    note(request, state, who, "lookups.view", target=f"kiosk {kiosk[:64]}" if kiosk.strip() else None)
    return _page(request, state, kiosk[:64])


@router.post("/lookups", response_class=HTMLResponse)
def search_lookups(
    request: Request,
    state: StateDep,
    who: LookupsStaff,
    kiosk: Annotated[str, Form(max_length=64)] = "",
    id_type: Annotated[str, Form(max_length=3)] = RESIDENT_ID,
    id_number: Annotated[str, Form(max_length=40)] = "",
) -> HTMLResponse:
    """Lookups of one person (by the number typed in) and/or one kiosk."""
    number = idnumber.normalise(id_number)
    if not number:
        return _page(request, state, kiosk)
    if id_type == RESIDENT_ID and idnumber.problems(number):
        return _page(request, state, kiosk, error="证件号码有误，请核对后重新输入")
    index = state.keys.id_index(id_type, number)
    note(request, state, who, "lookups.search", target=f"{id_type} 摘要 {index[:12]}",
         detail=f"kiosk {kiosk[:64]}" if kiosk.strip() else None)
    return _page(request, state, kiosk, person_index=index, searched=f"{id_type} 摘要 {index[:12]}")


@router.post("/alerts/{alert_id}/clear")
def clear_alert(request: Request, state: StateDep, who: FleetStaff, alert_id: int) -> RedirectResponse:
    """Staff have looked at the alert: it leaves the fleet view (the audit rows stay)."""
    with state.db.write() as db, db.begin():
        if not lookups.clear_alert(db, alert_id, who.username, state.now()):
            raise HTTPException(404, "no open alert with this id")
        audit.record(db, actor(request, who), "alert.clear", state.now(), target=f"alert {alert_id}")
    log.info("alert %s cleared by %s", alert_id, who.username)
    return RedirectResponse("/staff", status_code=303)
