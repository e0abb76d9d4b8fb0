"""The hall staff's pages: incoming cases with materials, ratings to follow up, the kiosk fleet, counter windows."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from hub import appointments, intake, lookups, registry, statuses
from hub.db.models import Case, Material, Rating, Site
from hub.queue.errors import NoCurrentTicket, QueueError, UnknownService
from hub.queue.policy import policy
from hub.queue.windows import ACTIONS, window_action, window_state
from hub.schemas import LEVEL_LABELS, STARS, Level
from hub.staff import audit
from hub.staff.auth import (
    AnyStaff,
    CasesStaff,
    QueueStaff,
    RatingsStaff,
    RecordingsStaff,
    actor,
    note,
)
from hub.staff.roles import Permit, home, may
from hub.state import StateDep

router = APIRouter(prefix="/staff", include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")


def _local(state: StateDep):  # type: ignore[no-untyped-def]
    zone = state.settings.zone
    return lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


@router.get("", response_class=HTMLResponse)
def index(request: Request, state: StateDep, who: AnyStaff) -> Response:
    """Newest cases, open bad ratings, and every kiosk's last heartbeat: the sections the role may see."""
    shows = {p.value: may(who.role, p) for p in Permit}
    if not (shows["cases"] or shows["fleet"] or shows["queue"]):
        return RedirectResponse(home(who.role), status_code=303)
    if shows["cases"]:
        note(request, state, who, "cases.list")
    with state.db.read() as db:
        cases = list(db.scalars(select(Case).order_by(Case.id.desc()).limit(100))) if shows["cases"] else []
        ratings = list(db.scalars(select(Rating).order_by(Rating.id.desc()).limit(100))) if shows["ratings"] else []
        kiosks = registry.list_kiosks(db) if shows["fleet"] else []
        alerts = lookups.open_alerts(db) if shows["fleet"] else {}
        return templates.TemplateResponse(
            request,
            "staff_index.html",
            {
                "cases": cases,
                "ratings": ratings,
                "kiosks": kiosks,
                "alerts": alerts,
                "recordings": request.app.state.recordings.all()[:50] if shows["recordings"] else [],
                "shows": shows,
                "who": who,
                "labels": statuses.LABELS,
                "level_labels": {lv.value: LEVEL_LABELS[lv] for lv in Level},
                "stars": {lv.value: STARS[lv] for lv in Level},
                "local": _local(state),
                "local_ts": lambda ts: _local(state)(dt.datetime.fromtimestamp(ts, dt.UTC)),
                "local_iso": lambda text: _local(state)(dt.datetime.fromisoformat(text)) if text else "—",
            },
        )


@router.get("/recordings/{call_id}/{part}.webm")
def recording(request: Request, state: StateDep, who: RecordingsStaff, call_id: str, part: int) -> Response:
    """One part of a call's recording, decrypted for playing (recorded only where the site's policy says so)."""
    try:
        data = request.app.state.recordings.webm(call_id, part)
    except (KeyError, ValueError):
        raise HTTPException(404, "no such recording") from None
    note(request, state, who, "recording.view", target=f"{call_id}/{part}")
    return Response(data, media_type="video/webm", headers={"Cache-Control": "no-store"})


@router.get("/cases/{case_no}", response_class=HTMLResponse)
def case_page(request: Request, state: StateDep, who: CasesStaff, case_no: str) -> HTMLResponse:
    """One case: applicant (ID masked), form answers, materials, history, status change."""
    with state.db.read() as db:
        try:
            case = intake.get_case(db, case_no)
        except intake.UnknownCase:
            raise HTTPException(404, f"no case {case_no}") from None
        note(request, state, who, "case.view", target=case_no, case_no=case_no)
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
    request: Request,
    state: StateDep,
    who: CasesStaff,
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
        audit.record(db, actor(request, who), "case.status", state.now(), target=case_no, case_no=case_no,
                     detail=status)
    return RedirectResponse(f"/staff/cases/{case_no}", status_code=303)


@router.post("/ratings/{rating_id}/followup")
def close_followup(
    request: Request,
    state: StateDep,
    who: RatingsStaff,
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
        audit.record(db, actor(request, who), "rating.followup", state.now(), target=f"rating {rating_id}",
                     case_no=row.case.case_no)
    return RedirectResponse("/staff", status_code=303)


@router.get("/materials/{material_id}")
def material(request: Request, state: StateDep, who: CasesStaff, material_id: int) -> Response:
    """A material file, as an attachment under its display name."""
    with state.db.read() as db:
        row = db.get(Material, material_id)
        if row is None:
            raise HTTPException(404, "no such material")
        stored_name, content_type, filename = row.stored_name, row.content_type, row.filename
        case_no = db.scalar(select(Case.case_no).where(Case.id == row.case_id))
    note(request, state, who, "material.view", target=f"material {material_id}", case_no=case_no)
    try:
        content = state.store.read(stored_name)
    except FileNotFoundError:
        raise HTTPException(410, "the material file is no longer on the hub's disk") from None
    disposition = "inline" if content_type.startswith("image/") else "attachment"
    return Response(
        content,
        media_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename*=utf-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


PRIORITY_LABELS = {"elderly": "老年人", "pregnant": "孕妇", "disability": "残疾人", "appointment": "预约"}
STATUS_LABELS = {"booked": "已预约", "checked_in": "已签到", "no_show": "未到", "cancelled": "已取消"}


@router.get("/queue", response_class=HTMLResponse)
def queue_index(request: Request, state: StateDep, _staff: QueueStaff) -> HTMLResponse:
    """Choose a site and a window number to work at."""
    with state.db.read() as db:
        sites = [(s.id, s.name or s.id) for s in db.scalars(select(Site).order_by(Site.id))]
    return templates.TemplateResponse(request, "staff_queue.html", {"sites": sites})


@router.get("/queue/go")
def queue_go(
    _staff: QueueStaff, site: str, window: Annotated[int, Query(ge=1, le=999)]
) -> RedirectResponse:
    """The window chooser's form: on to that window's page (a redirect, as the pages run no inline script)."""
    return RedirectResponse(f"/staff/queue/{quote(site, safe='')}/windows/{window}", status_code=303)


@router.get("/queue/{site}/windows/{window}", response_class=HTMLResponse)
def window_page(
    request: Request,
    state: StateDep,
    who: QueueStaff,
    site: str,
    window: Annotated[int, PathParam(ge=1, le=999)],
    msg: str = "",
    error: str = "",
) -> HTMLResponse:
    """One counter: its current ticket with recall / no-show / done / transfer, and 下一位 per service."""
    view = window_state(state, site, window)
    today = state.now().astimezone(state.settings.zone).date()
    late = appointments.check_in_windows(state.settings).late
    with state.db.write() as db, db.begin():
        booked = appointments.listing(db, site, f"{today:%Y%m%d}", state.now(), late)
        rows = [(a.appointment_no, a.service_code, a.starts_at, a.name_masked, a.status) for a in booked]
        audit.record(db, actor(request, who), "appointments.list", state.now(), target=f"{site} window {window}")
    return templates.TemplateResponse(
        request,
        "staff_window.html",
        {
            "view": view,
            "appointments": rows,
            "service_names": {s.code: s.name for s in view.services},
            "msg": msg,
            "error": error,
            "priority_labels": PRIORITY_LABELS,
            "status_labels": STATUS_LABELS,
            "local": _local(state),
            "estimate_samples": policy(state).samples,
        },
    )


@router.post("/queue/{site}/windows/{window}/{action}")
def window_post(
    request: Request,
    state: StateDep,
    who: QueueStaff,
    site: str,
    window: Annotated[int, PathParam(ge=1, le=999)],
    action: str,
    service: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """A counter button; back to the window page with what happened."""
    if action not in ACTIONS:
        raise HTTPException(404, f"no action {action}; one of {', '.join(ACTIONS)}")
    back = f"/staff/queue/{quote(site)}/windows/{window}"
    try:
        called = window_action(state, site, window, action, service or None)
    except (QueueError, LookupError) as exc:
        return RedirectResponse(f"{back}?error={quote(_said(exc))}", status_code=303)
    note(request, state, who, f"ticket.{action}", target=f"{site} 窗口{window} {called.number}")
    done = {"next": "请 {n} 到 {w} 号窗口", "recall": "重呼 {n}", "no-show": "{n} 过号", "done": "{n} 办结",
            "transfer": "{n} 已转到 {s}"}[action]  # fmt: skip
    text = done.format(n=called.number, w=window, s=called.service_name)
    return RedirectResponse(f"{back}?msg={quote(text)}", status_code=303)


@router.post("/queue/call", include_in_schema=False)
def call_next(
    request: Request,
    state: StateDep,
    who: QueueStaff,
    site: Annotated[str, Form()],
    service: Annotated[str, Form()],
    window: Annotated[int, Form(ge=1, le=999)] = 1,
) -> dict[str, str | None]:
    """Call the next waiting ticket of a service (the older single-button form; window 1 unless given)."""
    try:
        called = window_action(state, site, window, "next", service)
    except UnknownService:
        raise HTTPException(404, f"no service {service} at {site}") from None
    except LookupError:
        raise HTTPException(404, f"nobody is waiting for {service} at {site}") from None
    note(request, state, who, "ticket.next", target=f"{site} 窗口{window} {called.number}")
    return {"called": called.number}


def _said(exc: Exception) -> str:
    if isinstance(exc, UnknownService):
        return f"没有业务 {exc}"
    if isinstance(exc, NoCurrentTicket):
        return "本窗口当前没有叫到的号，请先叫下一位"
    if isinstance(exc, LookupError):
        return "该业务暂无等候的号"
    return str(exc)
