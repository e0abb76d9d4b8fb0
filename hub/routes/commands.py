"""Remote commands: staff queue them (JSON or the page), kiosks answer them and upload logs.

Staff: ``POST /api/v1/kiosk-commands``, ``GET /api/v1/kiosk-commands``, ``/staff/commands``.
Kiosks: ``POST /api/v1/commands/{id}/result`` and ``POST /api/v1/commands/{id}/logs`` (gzip of JSON lines,
already redacted by kioskd). Commands reach kiosks in the heartbeat's answer (``hub.routes.kiosks``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from hub import kiosk_commands
from hub.db.fleet_models import KioskCommand
from hub.kiosk_commands import LABELS, CommandError, CommandOut
from hub.staff import audit
from hub.staff.auth import FleetStaff, StaffUser, actor
from hub.state import HubState, KioskDep, StateDep
from wire.commands import COMMAND_KINDS, LOG_HOURS_MAX, CommandKind, CommandResult

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
GZIP_MAGIC = b"\x1f\x8b"


class CommandRequest(BaseModel):
    """POST /api/v1/kiosk-commands: a command for one kiosk or every active kiosk of a site."""

    kind: CommandKind
    kiosk_id: str | None = Field(default=None, max_length=64)
    site_id: str | None = Field(default=None, max_length=64)
    hours: int | None = Field(default=None, ge=1, le=LOG_HOURS_MAX, description="upload_logs: the last N hours")


class CommandList(BaseModel):
    commands: list[CommandOut]


def _queue(state: HubState, http: Request, who: StaffUser, request: CommandRequest) -> list[CommandOut]:
    with state.db.write() as db, db.begin():
        try:
            rows = kiosk_commands.queue(db, kind=request.kind, requested_by=who.username, now=state.now(),
                                        kiosk_id=request.kiosk_id or None, site_id=request.site_id or None,
                                        hours=request.hours)
        except CommandError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(db, actor(http, who), "kiosk.command", state.now(),
                     target=f"kiosk {request.kiosk_id}" if request.kiosk_id else f"site {request.site_id}",
                     detail=request.kind + (f" {request.hours} h" if request.hours else ""))
        return [kiosk_commands.command_out(r) for r in rows]


@router.post("/api/v1/kiosk-commands", response_model=CommandList, status_code=201, tags=["fleet"])
def queue_command(http: Request, state: StateDep, who: FleetStaff, request: CommandRequest) -> CommandList:
    """Queue a command (a supervisor's or admin's account); the kiosk gets it with its next heartbeat's answer."""
    return CommandList(commands=_queue(state, http, who, request))


@router.get("/api/v1/kiosk-commands", response_model=CommandList, tags=["fleet"])
def list_commands(state: StateDep, _staff: FleetStaff, kiosk: Annotated[str | None, Query(max_length=64)] = None,
                  site: Annotated[str | None, Query(max_length=64)] = None) -> CommandList:
    """Commands newest first, with who asked, when, and the kiosk's answer."""
    with state.db.read() as db:
        return CommandList(commands=kiosk_commands.history(db, kiosk_id=kiosk, site_id=site))


@router.post("/api/v1/commands/{command_id}/result", tags=["kiosks"])
def command_result(state: StateDep, kiosk_id: KioskDep, command_id: int, result: CommandResult) -> dict[str, str]:
    """The kiosk's answer to a command it was given (a repeat is accepted and changes nothing)."""
    with state.db.write() as db, db.begin():
        try:
            row = kiosk_commands.answer(db, kiosk_id, command_id, result, state.now())
        except CommandError as exc:
            raise HTTPException(404, str(exc)) from None
        return {"state": row.state}


@router.post("/api/v1/commands/{command_id}/logs", tags=["kiosks"])
async def command_logs(request: Request, state: StateDep, kiosk_id: KioskDep, command_id: int) -> dict[str, int]:
    """The logs an ``upload_logs`` command asked for, gzip, within the hub's body limit (kioskd keeps the newest)."""
    data = await request.body()
    if not data.startswith(GZIP_MAGIC):
        raise HTTPException(415, "send the log lines gzip-compressed (Content-Type: application/gzip)")
    return await run_in_threadpool(_keep_logs, state, kiosk_id, command_id, data)


def _keep_logs(state: HubState, kiosk_id: str, command_id: int, data: bytes) -> dict[str, int]:
    folder = state.settings.data_dir / "kiosk-logs"
    with state.db.write() as db, db.begin():
        row = db.get(KioskCommand, command_id)
        if row is None or row.kiosk_id != kiosk_id or row.kind != "upload_logs":
            raise HTTPException(404, f"no upload_logs command {command_id} for kiosk {kiosk_id}")
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{command_id}-{kiosk_id}.jsonl.gz"
        (folder / name).write_bytes(data)
        row.logs_file = name
    return {"bytes": len(data)}


@router.get("/staff/commands/{command_id}/logs.jsonl.gz", include_in_schema=False)
def download_logs(http: Request, state: StateDep, who: FleetStaff, command_id: int) -> Response:
    with state.db.write() as db, db.begin():
        row = db.get(KioskCommand, command_id)
        if row is None or not row.logs_file:
            raise HTTPException(404, "no logs uploaded for this command (yet)")
        audit.record(db, actor(http, who), "kiosk.logs", state.now(), target=f"kiosk {row.kiosk_id}",
                     detail=f"command {command_id}")
    data = (state.settings.data_dir / "kiosk-logs" / row.logs_file).read_bytes()
    return Response(data, media_type="application/gzip",
                    headers={"Content-Disposition": f'attachment; filename="{row.logs_file}"',
                             "Cache-Control": "no-store"})


@router.get("/staff/commands", response_class=HTMLResponse, include_in_schema=False)
def commands_page(request: Request, state: StateDep, _staff: FleetStaff, error: str = "") -> HTMLResponse:
    with state.db.read() as db:
        found = kiosk_commands.history(db)
    zone = state.settings.zone

    def local(value: dt.datetime | None) -> str:
        return value.astimezone(zone).strftime("%m-%d %H:%M:%S") if value else "—"

    return templates.TemplateResponse(request, "staff_commands.html", {
        "commands": found, "kinds": COMMAND_KINDS, "labels": LABELS, "local": local, "error": error[:300],
    })


@router.post("/staff/commands", include_in_schema=False)
def queue_from_page(http: Request, state: StateDep, who: FleetStaff, kind: Annotated[str, Form()],
                    target: Annotated[str, Form(max_length=64)], scope: Annotated[str, Form()] = "kiosk",
                    hours: Annotated[int | None, Form(ge=1, le=LOG_HOURS_MAX)] = None) -> RedirectResponse:
    """The page's form: one kiosk or a whole site; an error comes back on the page."""
    from urllib.parse import quote

    if kind not in COMMAND_KINDS:
        return RedirectResponse(f"/staff/commands?error={quote('unknown command')}", status_code=303)
    request = CommandRequest(kind=kind, hours=hours, **({"site_id": target} if scope == "site"  # type: ignore[arg-type]
                                                          else {"kiosk_id": target}))
    try:
        _queue(state, http, who, request)
    except HTTPException as exc:
        return RedirectResponse(f"/staff/commands?error={quote(str(exc.detail))}", status_code=303)
    return RedirectResponse("/staff/commands", status_code=303)
