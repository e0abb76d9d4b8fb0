"""The hall display (叫号屏): the latest called numbers with window and masked name, and who waits per service."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub import queue
from hub.db.models import Site
from hub.routes.queue import policy
from hub.state import StateDep

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
REFRESH_SECONDS = 3
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
        calls = queue.recent_calls(db, site, queue.hall_day(now, zone), SHOWN)
        lines = queue.summaries(db, site, now, zone, policy(state))
        title = row.name or row.id
    return templates.TemplateResponse(
        request,
        "display.html",
        {"title": title, "calls": calls, "lines": lines, "refresh": REFRESH_SECONDS, "clock": now.astimezone(zone)},
        headers={"Cache-Control": "no-store"},
    )
