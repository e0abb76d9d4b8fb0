"""``/staff/assisted``: the 帮办代办 台账 for staff (filters, CSV), and ``/api/v1/staff/assisted`` as JSON."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from hub import assisted, intake
from hub.assisted import AssistedCaseRow
from hub.staff.auth import CasesStaff, StaffUser, note
from hub.state import HubState, StateDep
from wire.application import ASSIST_MODES

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

Site = Annotated[str, Query(max_length=64)]
Helper = Annotated[str, Query(max_length=64)]
Mode = Annotated[Literal["", "video_filling", "window", "callback"], Query()]
Day = Annotated[dt.date | None, Query(description="a hall day, YYYY-MM-DD")]


def _rows(request: Request, state: HubState, who: StaffUser, action: str, site: str, helper: str, mode: str,
          since: dt.date | None, until: dt.date | None) -> list[AssistedCaseRow]:
    """The ledger's rows, and an audit row saying who read them with which filters."""
    note(request, state, who, action, target=f"site {site.strip() or '全部'}",
         detail=f"helper={helper.strip()} mode={mode} since={since or ''} until={until or ''}")
    zone = state.settings.zone
    start = dt.datetime.combine(since, dt.time(), zone) if since else None
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), zone) if until else None  # the whole day
    with state.db.read() as db:
        return assisted.ledger(db, site=site.strip() or None, helper=helper.strip() or None, mode=mode or None,
                               since=start, until=end)


@router.get("/api/v1/staff/assisted", response_model=list[AssistedCaseRow])
def assisted_json(request: Request, state: StateDep, who: CasesStaff, site: Site = "", helper: Helper = "",
                  mode: Mode = "", since: Day = None, until: Day = None) -> list[AssistedCaseRow]:
    """The 帮办代办 台账, newest first (at most 1000 rows): filter by site, helper, mode and hall days."""
    return _rows(request, state, who, "assisted.view", site, helper, mode, since, until)


@router.get("/staff/assisted.csv", include_in_schema=False)
def assisted_csv(request: Request, state: StateDep, who: CasesStaff, site: Site = "", helper: Helper = "",
                 mode: Mode = "", since: Day = None, until: Day = None) -> Response:
    rows = _rows(request, state, who, "assisted.export", site, helper, mode, since, until)
    name = f"assisted-{state.now().astimezone(state.settings.zone):%Y%m%d}.csv"
    return Response(assisted.to_csv(rows, state.settings.zone), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/staff/assisted", response_class=HTMLResponse, include_in_schema=False)
def assisted_page(request: Request, state: StateDep, who: CasesStaff, site: Site = "", helper: Helper = "",
                  mode: Mode = "", since: Day = None, until: Day = None) -> HTMLResponse:
    rows = _rows(request, state, who, "assisted.view", site, helper, mode, since, until)
    zone = state.settings.zone
    query = str(request.url.query)
    return templates.TemplateResponse(request, "staff_assisted.html", {
        "rows": rows, "site": site, "helper": helper, "mode": mode, "modes": ASSIST_MODES,
        "since": since.isoformat() if since else "", "until": until.isoformat() if until else "",
        "csv_url": "/staff/assisted.csv" + (f"?{query}" if query else ""),
        "local": lambda value: intake.utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M"),
    })
