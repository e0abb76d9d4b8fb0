"""``/v1/items`` and ``/v1/sessions``: what the kiosk offers, and the citizen's session."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from flows.catalog import summaries
from local_api.schemas import EventIn, EventRejected, ServiceItemSummary, SessionSnapshot, SessionStart
from local_api.sessions import InvalidEvent, NoSuchItem, NoSuchSession, NotReady, Rejected, SessionBusy
from local_api.state import DaemonDep

router = APIRouter()


@router.get("/items", response_model=list[ServiceItemSummary])
def items(daemon: DaemonDep) -> list[ServiceItemSummary]:
    return [ServiceItemSummary.model_validate(s) for s in summaries(daemon.sessions.catalog)]


@router.post("/sessions", response_model=SessionSnapshot, status_code=201,
             responses={404: {"description": "unknown item"}, 409: {"description": "a session is active"},
                        503: {"description": "a device the item needs is not ready (code, detail)"}})
def start_session(body: SessionStart, daemon: DaemonDep) -> SessionSnapshot | JSONResponse:
    try:
        return daemon.sessions.start(body.item_code, elder_mode=body.elder_mode)
    except NoSuchItem:
        codes = ", ".join(sorted(daemon.sessions.catalog))
        raise HTTPException(404, f"no service item {body.item_code!r}; this kiosk offers: {codes}") from None
    except SessionBusy:
        raise HTTPException(409, "another session is active on this kiosk; finish or abandon it first") from None
    except NotReady as exc:
        return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=503)


@router.get("/sessions/current", response_model=SessionSnapshot, responses={404: {"description": "no session"}})
def current_session(daemon: DaemonDep) -> SessionSnapshot:
    view = daemon.sessions.current()
    if view is None:
        raise HTTPException(404, "no session is active")
    return view


@router.get("/sessions/{session_id}", response_model=SessionSnapshot)
def get_session(session_id: str, daemon: DaemonDep) -> SessionSnapshot:
    try:
        return daemon.sessions.get(session_id)
    except NoSuchSession:
        raise HTTPException(404, f"no session {session_id!r} (it may have ended and been wiped)") from None


@router.post("/sessions/{session_id}/events", response_model=SessionSnapshot,
             responses={409: {"model": EventRejected}, 404: {"description": "unknown session"}})
def post_event(session_id: str, body: EventIn, daemon: DaemonDep) -> SessionSnapshot | JSONResponse:
    try:
        return daemon.sessions.client_event(session_id, body.type, body.data)
    except NoSuchSession:
        raise HTTPException(404, f"no session {session_id!r} (it may have ended and been wiped)") from None
    except InvalidEvent as exc:
        raise HTTPException(422, str(exc)) from None
    except Rejected as exc:
        rejected = EventRejected(detail=exc.detail, step=exc.step, expected=exc.expected)
        return JSONResponse(rejected.model_dump(), status_code=409)


@router.delete("/sessions/current", status_code=204)
def abandon_session(daemon: DaemonDep) -> None:
    """Abandon the active session now (technician, or the UI's emergency reset); its data is wiped."""
    daemon.sessions.abandon("reset")
