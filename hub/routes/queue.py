"""取号 at a kiosk: the site's services, and a ticket with position and estimated wait."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from hub import queue
from hub.db.models import Kiosk, QueueTicket
from hub.errors import field_error
from hub.routes.cases import KEY_PATTERN
from hub.schemas import Strict
from hub.state import KioskDep, StaffDep, StateDep

router = APIRouter(tags=["queue"])


class TicketRequest(Strict):
    service: str = Field(min_length=1, max_length=32, description="service code, from GET /api/v1/queue/services")


class TicketOut(BaseModel):
    number: str
    service: str
    service_name: str
    position: int
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: dt.datetime


class ServiceOut(BaseModel):
    code: str
    prefix: str
    name: str
    waiting: int
    estimated_wait_minutes: int


def _site(state: StateDep, kiosk_id: str) -> str:
    with state.db.read() as db:
        return db.get_one(Kiosk, kiosk_id).site_id


@router.get("/api/v1/queue/services", response_model=list[ServiceOut])
def list_services(state: StateDep, kiosk_id: KioskDep) -> list[ServiceOut]:
    """The services of the kiosk's site with how many wait for each today."""
    site = _site(state, kiosk_id)
    day = f"{state.now().astimezone(state.settings.zone).date():%Y%m%d}"
    with state.db.read() as db:
        waiting = dict(
            db.execute(
                select(QueueTicket.service_code, func.count())
                .where(QueueTicket.site_id == site, QueueTicket.day == day, QueueTicket.status == queue.WAITING)
                .group_by(QueueTicket.service_code)
            ).all()
        )
        return [
            ServiceOut(
                code=s.code,
                prefix=s.prefix,
                name=s.name,
                waiting=waiting.get(s.code, 0),
                estimated_wait_minutes=queue.estimate_minutes(waiting.get(s.code, 0), s.minutes_per_person, s.windows),
            )
            for s in queue.services(db, site)
        ]


@router.post("/api/v1/queue/tickets", status_code=201, response_model=TicketOut)
def take_ticket(
    state: StateDep,
    kiosk_id: KioskDep,
    request: TicketRequest,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)] = None,
) -> JSONResponse:
    """The next number for a service at the kiosk's site; a retry with the same key returns the same ticket."""
    site = _site(state, kiosk_id)
    try:
        ticket, created = queue.take_ticket(
            state.db.write, site, kiosk_id, request.service, idempotency_key, state.now(), state.settings.zone
        )
    except queue.UnknownService:
        raise field_error(("body", "service"), f"no service {request.service!r} at site {site}") from None
    out = TicketOut(**ticket.__dict__)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if created else 200)


@router.post("/staff/queue/call", include_in_schema=False)
def call_next(
    state: StateDep, _staff: StaffDep, site: Annotated[str, Form()], service: Annotated[str, Form()]
) -> dict[str, str | None]:
    """Call the next waiting ticket of a service (a window's '下一位' button)."""
    with state.db.write() as db, db.begin():
        number = queue.call_next(db, site, service, state.now(), state.settings.zone)
    if number is None:
        raise HTTPException(404, f"nobody is waiting for {service} at {site}")
    return {"called": number}
