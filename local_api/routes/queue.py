"""``/v1/queue``: a queue ticket or an appointment check-in without a session (technician test, hall staff)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from drivers.errors import DriverError
from local_api.state import Daemon, DaemonDep
from local_api.tickets import build_document

router = APIRouter(prefix="/queue")

FIELDS = ("number", "people_ahead", "estimated_wait_min", "priority", "priority_category", "source")


class TicketIn(BaseModel):
    service: str = Field(min_length=1, max_length=32, description="service code, or its ticket letter")
    priority: Literal["pregnant", "disability"] | None = Field(None, description="declared priority")
    print: bool = True


class CheckInIn(BaseModel):
    qr: str = Field(min_length=1, max_length=200, description="the text of the appointment's QR code")
    print: bool = True


def _print(daemon: Daemon, key: str, item_name: str, result: dict[str, Any]) -> str | None:
    if daemon.print_queue is None:
        return None
    data = {"item_name": item_name, "printed_at": datetime.now(UTC).isoformat(), "case_no": result["number"],
            "answers": {}, "result": result}
    try:
        state = daemon.print_queue.submit(key, build_document("queue_ticket", data, hall=daemon.settings.hall_name,
                                                               tz=daemon.settings.timezone))
        return str(state.status)
    except (DriverError, ValueError) as exc:
        return f"failed: {exc}"


@router.post("/tickets", responses={409: {"description": '`{"error", "detail", "code": "service_closed" | '
                                                         '"day_full" | "unknown_service", "hub_status", ...}`'}})
def ticket(body: TicketIn, daemon: DaemonDep) -> Any:
    key = f"ctl-{uuid.uuid4().hex}"
    result = daemon.queue_desk.take_ticket(body.service, key=key, priority=body.priority)  # TicketRefused: 409
    printed = _print(daemon, key, "取号", result) if body.print else None
    return {k: result[k] for k in FIELDS} | {"printed": printed}


@router.post("/check-in", responses={409: {"description": '`{"error", "detail", "code": "too_early" | "too_late" | '
                                                          '"no_appointment" | "already_checked_in", '
                                                          '"hub_status", ...}`'},
                                     503: {"description": '`{"error": "hub_unreachable", ...}`'}})
def appointment_check_in(body: CheckInIn, daemon: DaemonDep) -> Any:
    key = f"ctl-{uuid.uuid4().hex}"
    result = daemon.queue_desk.check_in(key=key, qr=body.qr.strip())  # TicketRefused: 409, HubUnreachable: 503
    printed = _print(daemon, key, "预约签到", result) if body.print else None
    return {k: result[k] for k in FIELDS} | {"appointment_no": result.get("appointment_no"), "printed": printed}


@router.get("/local-tickets")
def local_tickets(daemon: DaemonDep) -> dict[str, int]:
    """Numbers issued from the kiosk's own block: pending (not yet at the hub), reported, rejected."""
    return daemon.local_tickets.status()
