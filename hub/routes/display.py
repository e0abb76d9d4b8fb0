"""The hall display (叫号屏) and one ticket's follow page (扫码看进度): public pages without personal data."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.db.models import Site
from hub.queue import counters, rules, services
from hub.queue.follow import follow_ticket_id, follow_view
from hub.queue.policy import policy
from hub.state import StateDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
REFRESH_SECONDS = 3
FOLLOW_REFRESH_SECONDS = 10
SHOWN = 8


@router.get("/display/{site}", response_class=HTMLResponse)
def display(request: Request, state: StateDep, site: str) -> HTMLResponse:
    """No login: it shows only numbers, windows, masked names (张*) and counts; it reloads itself."""
    now = state.now()
    zone = state.settings.zone
    with state.db.read() as db:
        row = db.get(Site, site)
        if row is None:
            raise HTTPException(404, f"no site {site}")
        calls = counters.recent_calls(db, site, rules.hall_day(now, zone), SHOWN)
        lines = services.summaries(db, site, now, zone, policy(state))
        title = row.name or row.id
    return templates.TemplateResponse(
        request,
        "display.html",
        {"title": title, "calls": calls, "lines": lines, "refresh": REFRESH_SECONDS, "clock": now.astimezone(zone)},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/q/{token}", response_class=HTMLResponse)
def follow(request: Request, state: StateDep, token: str) -> HTMLResponse:
    """No login: the token is the ticket's name and key; the page shows the number, line and status, no holder."""
    now = state.now()
    ticket_id = follow_ticket_id(state.keys, token)
    ticket = None
    if ticket_id is not None:
        with state.db.read() as db:
            ticket = follow_view(db, ticket_id, now, state.settings.zone, policy(state))
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if ticket is None:
        return templates.TemplateResponse(request, "follow_missing.html", {}, status_code=404, headers=headers)
    context = {"t": ticket, "refresh": FOLLOW_REFRESH_SECONDS, "clock": now.astimezone(state.settings.zone)}
    return templates.TemplateResponse(request, "follow.html", context, headers=headers)
