"""The fleet for staff: ``GET /api/v1/fleet`` and ``/staff/fleet`` with the same filters; the alerts likewise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel

from hub import alerts, registry
from hub import fleet as fleet_view
from hub.alerts import AlertOut
from hub.fleet import PROBLEM_KINDS, PROBLEM_LABELS, STATE_LABELS, FilterError, Fleet, Limits
from hub.state import HubState, StaffDep, StateDep

router = APIRouter()


class AlertList(BaseModel):
    alerts: list[AlertOut]
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

SiteQuery = Annotated[str | None, Query(max_length=64, description="a site id")]
RegionQuery = Annotated[str | None, Query(max_length=12, description="a 行政区划 code or its start, e.g. 6401")]
ProblemQuery = Annotated[str | None, Query(max_length=32, description=f"any, or one of {', '.join(PROBLEM_KINDS)}")]


def current_fleet(state: HubState, site: str | None, region: str | None, problem: str | None) -> Fleet:
    with state.db.read() as db:
        kiosks = registry.list_kiosks(db)
    try:
        return fleet_view.fleet(kiosks, state.now(), Limits.from_settings(state.settings),
                                site=site or None, region=region or None, problem=problem or None)
    except FilterError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/api/v1/fleet", response_model=Fleet, tags=["fleet"])
def fleet_json(state: StateDep, _staff: StaffDep, site: SiteQuery = None, region: RegionQuery = None,
               problem: ProblemQuery = None) -> Fleet:
    """Every kiosk's state (staff password): devices, backlog, disk, versions, last self-test, problems."""
    return current_fleet(state, site, region, problem)


@router.get("/staff/fleet", response_class=HTMLResponse, include_in_schema=False)
def fleet_page(request: Request, state: StateDep, _staff: StaffDep, site: SiteQuery = None,
               region: RegionQuery = None, problem: ProblemQuery = None) -> HTMLResponse:
    found = current_fleet(state, site, region, problem)
    zone = state.settings.zone

    def local(value: dt.datetime | None) -> str:
        return value.astimezone(zone).strftime("%m-%d %H:%M") if value else "—"

    return templates.TemplateResponse(request, "staff_fleet.html", {
        "fleet": found, "site": site or "", "region": region or "", "problem": problem or "",
        "kinds": PROBLEM_KINDS, "problem_labels": PROBLEM_LABELS, "state_labels": STATE_LABELS, "local": local,
    })


@router.get("/api/v1/alerts", response_model=AlertList, tags=["fleet"])
def alerts_json(state: StateDep, _staff: StaffDep, include_cleared: bool = False) -> AlertList:
    """Raised alerts, newest first (staff password): the open ones, or with ``include_cleared`` all of them."""
    with state.db.read() as db:
        return AlertList(alerts=alerts.listing(db, include_cleared=include_cleared))


@router.get("/staff/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(request: Request, state: StateDep, _staff: StaffDep) -> HTMLResponse:
    with state.db.read() as db:
        found = alerts.listing(db, include_cleared=True, limit=200)
    zone = state.settings.zone

    def local(value: dt.datetime | None) -> str:
        return value.astimezone(zone).strftime("%m-%d %H:%M:%S") if value else "—"

    return templates.TemplateResponse(request, "staff_alerts.html", {
        "open": [a for a in found if a.cleared_at is None], "cleared": [a for a in found if a.cleared_at],
        "webhook": state.settings.alert_webhook is not None, "local": local,
    })
