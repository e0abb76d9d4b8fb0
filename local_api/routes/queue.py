"""``POST /v1/queue/tickets``: a queue ticket without a session (technician test, hall staff)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from drivers.errors import DriverError
from local_api.queries import TicketRefused, take_ticket
from local_api.state import DaemonDep
from local_api.tickets import build_document

router = APIRouter(prefix="/queue")


class TicketIn(BaseModel):
    service: str = Field(min_length=1, max_length=32, description="service code, or its ticket letter")
    print: bool = True


@router.post("/tickets")
def ticket(body: TicketIn, daemon: DaemonDep) -> dict[str, Any]:
    runner = daemon.runner
    key = f"ctl-{uuid.uuid4().hex}"
    try:
        result = take_ticket(runner, body.service, key=key)
    except TicketRefused as exc:
        raise HTTPException(409, str(exc)) from None
    printed = None
    if body.print and daemon.print_queue is not None:
        data = {"item_name": "取号", "printed_at": datetime.now(UTC).isoformat(), "case_no": result["number"],
                "answers": {}, "result": result}
        try:
            state = daemon.print_queue.submit(key, build_document("queue_ticket", data, hall=daemon.settings.hall_name,
                                                                   tz=daemon.settings.timezone))
            printed = str(state.status)
        except (DriverError, ValueError) as exc:
            printed = f"failed: {exc}"
    return {k: result[k] for k in ("number", "people_ahead", "estimated_wait_min", "priority", "source")} | {
        "printed": printed}
