"""``/v1/items`` and ``/v1/sessions``: what the kiosk offers, and the citizen's session.

Errors come from the session service (``local_api.errors``): 404 no_item / no_session, 409 session_busy /
event_rejected (with ``step`` and ``expected``), 422 invalid_event, 503 with the device's code.
"""

from __future__ import annotations

from fastapi import APIRouter

from flows.catalog import summaries
from local_api.errors import NotFound
from local_api.schemas import EventIn, EventRejected, ServiceItemSummary, SessionSnapshot, SessionStart
from local_api.state import DaemonDep

router = APIRouter()


@router.get("/items", response_model=list[ServiceItemSummary])
def items(daemon: DaemonDep) -> list[ServiceItemSummary]:
    return [ServiceItemSummary.model_validate(s) for s in summaries(daemon.sessions.catalog)]


@router.post("/sessions", response_model=SessionSnapshot, status_code=201,
             responses={404: {"description": "unknown item"}, 409: {"description": "a session is active"},
                        503: {"description": "a device the item needs is not ready (code, detail)"}})
def start_session(body: SessionStart, daemon: DaemonDep) -> SessionSnapshot:
    return daemon.sessions.start(body.item_code, elder_mode=body.elder_mode, language=body.language)


@router.get("/sessions/current", response_model=SessionSnapshot, responses={404: {"description": "no session"}})
def current_session(daemon: DaemonDep) -> SessionSnapshot:
    view = daemon.sessions.current()
    if view is None:
        raise NotFound("no session is active", code="no_session")
    return view


@router.get("/sessions/{session_id}", response_model=SessionSnapshot)
def get_session(session_id: str, daemon: DaemonDep) -> SessionSnapshot:
    return daemon.sessions.get(session_id)


@router.post("/sessions/{session_id}/events", response_model=SessionSnapshot,
             responses={409: {"model": EventRejected}, 404: {"description": "unknown session"}})
def post_event(session_id: str, body: EventIn, daemon: DaemonDep) -> SessionSnapshot:
    return daemon.sessions.client_event(session_id, body.type, body.data)


@router.delete("/sessions/current", status_code=204)
def abandon_session(daemon: DaemonDep) -> None:
    """Abandon the active session now (technician, or the UI's emergency reset); its data is wiped."""
    daemon.sessions.abandon("reset")
