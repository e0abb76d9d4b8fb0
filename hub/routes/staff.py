"""The hall staff's pages: incoming cases with materials, ratings to follow up, the kiosk fleet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from hub import intake, registry, statuses
from hub.db.models import Case, Material, Rating
from hub.schemas import LEVEL_LABELS, STARS, Level
from hub.state import StaffDep, StateDep

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def _local(state: StateDep):  # type: ignore[no-untyped-def]
    zone = state.settings.zone
    return lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


@router.get("", response_class=HTMLResponse)
def index(request: Request, state: StateDep, _staff: StaffDep) -> HTMLResponse:
    """Newest cases, open bad ratings, and every kiosk's last heartbeat."""
    with state.db.read() as db:
        cases = list(db.scalars(select(Case).order_by(Case.id.desc()).limit(100)))
        ratings = list(db.scalars(select(Rating).order_by(Rating.id.desc()).limit(100)))
        kiosks = registry.list_kiosks(db)
        return templates.TemplateResponse(
            request,
            "staff_index.html",
            {
                "cases": cases,
                "ratings": ratings,
                "kiosks": kiosks,
                "labels": statuses.LABELS,
                "level_labels": {lv.value: LEVEL_LABELS[lv] for lv in Level},
                "stars": {lv.value: STARS[lv] for lv in Level},
                "local": _local(state),
            },
        )


@router.get("/cases/{case_no}", response_class=HTMLResponse)
def case_page(request: Request, state: StateDep, _staff: StaffDep, case_no: str) -> HTMLResponse:
    """One case: applicant (ID masked), form answers, materials, history, status change."""
    with state.db.read() as db:
        try:
            case = intake.get_case(db, case_no)
        except intake.UnknownCase:
            raise HTTPException(404, f"no case {case_no}") from None
        applicant = json.loads(state.keys.decrypt(case.applicant_enc))
        return templates.TemplateResponse(
            request,
            "staff_case.html",
            {
                "case": case,
                "applicant_name": applicant["name"],
                "phone": applicant.get("phone"),
                "form": json.loads(state.keys.decrypt(case.form_enc)),
                "labels": statuses.LABELS,
                "local": _local(state),
            },
        )


@router.post("/cases/{case_no}/status")
def change_status(
    state: StateDep,
    _staff: StaffDep,
    case_no: str,
    status: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    """Move a case on (受理, 补正, 办结 ...); the kiosk sees it in the case's history."""
    if status not in statuses.LABELS:
        raise HTTPException(422, f"status must be one of {', '.join(statuses.LABELS)}")
    with state.db.write() as db, db.begin():
        try:
            intake.set_status(db, case_no, status, note.strip() or None, state.now())
        except intake.UnknownCase:
            raise HTTPException(404, f"no case {case_no}") from None
    return RedirectResponse(f"/staff/cases/{case_no}", status_code=303)


@router.post("/ratings/{rating_id}/followup")
def close_followup(
    state: StateDep,
    _staff: StaffDep,
    rating_id: int,
    note: Annotated[str, Form(min_length=1, max_length=500)],
) -> RedirectResponse:
    """Record how a bad rating was followed up (核实 → 整改 → 反馈); it leaves the open list."""
    with state.db.write() as db, db.begin():
        row = db.get(Rating, rating_id)
        if row is None or not row.needs_followup:
            raise HTTPException(404, "no bad rating with this id")
        row.followup_done_at = state.now()
        row.followup_note = note.strip()
    return RedirectResponse("/staff", status_code=303)


@router.get("/materials/{material_id}")
def material(state: StateDep, _staff: StaffDep, material_id: int) -> FileResponse:
    """A material file, as an attachment under its display name."""
    with state.db.read() as db:
        row = db.get(Material, material_id)
        if row is None:
            raise HTTPException(404, "no such material")
        path = state.store.path(row.stored_name)
        return FileResponse(
            path,
            media_type=row.content_type,
            filename=row.filename,
            content_disposition_type="inline" if row.content_type.startswith("image/") else "attachment",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )
