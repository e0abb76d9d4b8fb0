"""取号 and 预约 over HTTP: kiosks take tickets, report local ones and check appointments in; staff work windows."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from common import idnumber
from hub import appointments, id_lookups, replies
from hub.auth import bearer
from hub.db.models import Kiosk, Site
from hub.errors import field_error
from hub.queue import follow, services, tickets
from hub.queue.errors import DayFull, NoCurrentTicket, QueueError, ServiceClosed, UnknownService
from hub.queue.policy import policy
from hub.queue.schemas import (
    AppointmentOut,
    AppointmentRequest,
    AppointmentRow,
    CalledOut,
    CancelOut,
    CancelRequest,
    CheckInOut,
    CheckInRequest,
    LocalOut,
    ServiceChoice,
    ServiceOut,
    TicketOut,
    TicketRequest,
    WindowOut,
)
from hub.queue.windows import ACTIONS, known_site, window_action, window_state
from hub.routes.cases import KEY_PATTERN
from hub.staff import audit
from hub.staff.auth import QueueStaff, actor, allowed, note
from hub.staff.roles import Permit
from hub.state import CallerDep, HubState, KioskDep, StateDep, current_kiosk
from wire.person import RESIDENT_ID
from wire.ticket import LocalTicketBatch

router = APIRouter(tags=["queue"])

CHECK_IN = "appointment-check-in"  # what the ID-lookup log calls a check-in by ID card
KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)]
Window = Annotated[int, Path(ge=1, le=999, description="window (counter) number")]


def refusal(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    """A refusal the kiosk turns into a citizen screen: a sentence and a machine code."""
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def refused(exc: Exception) -> JSONResponse:
    """The refusal for a queue or appointment error."""
    if isinstance(exc, UnknownService):
        return refusal(404, "unknown_service", f"no service {exc} here; choose one from GET /api/v1/queue/services")
    if isinstance(exc, ServiceClosed):
        return refusal(409, "service_closed", str(exc), opens=exc.opens, closes=exc.closes)
    if isinstance(exc, DayFull):
        return refusal(409, "day_full", str(exc))
    if isinstance(exc, NoCurrentTicket):
        return refusal(409, "no_current_ticket", str(exc))
    if isinstance(exc, appointments.TooEarly):
        return refusal(409, exc.code, str(exc), window_opens=exc.window_opens)
    if isinstance(exc, appointments.AlreadyCheckedIn):
        return refusal(409, exc.code, str(exc), number=exc.number)
    if isinstance(exc, appointments.NoAppointment):
        return refusal(404, exc.code, str(exc))
    if isinstance(exc, appointments.AppointmentError):
        return refusal(409, exc.code, str(exc))
    return refusal(409, "refused", str(exc))


def _site(state: StateDep, kiosk_id: str) -> str:
    with state.db.read() as db:
        return db.get_one(Kiosk, kiosk_id).site_id


def _today(state: HubState) -> dt.date:
    return state.now().astimezone(state.settings.zone).date()


def follow_url(state: HubState, http: Request, ticket_id: int) -> str:
    """The absolute address of a ticket's follow page: KIOSKHUB_PUBLIC_URL, else the address the kiosk used."""
    base = state.settings.public_url or str(http.base_url).rstrip("/")
    return f"{base}/q/{follow.follow_token(state.keys, ticket_id)}"


def _ticket_out(state: HubState, http: Request, ticket: tickets.Ticket, **extra: Any) -> dict[str, Any]:
    follow = follow_url(state, http, ticket.ticket_id)
    return {**ticket.model_dump(exclude={"ticket_id"}), "follow_url": follow, **extra}


def _json(model: BaseModel, status: int) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


# --- kiosks -----------------------------------------------------------------------------------


@router.get("/api/v1/queue/services", response_model=list[ServiceOut])
def list_services(state: StateDep, kiosk_id: KioskDep) -> list[ServiceOut]:
    """The services of the kiosk's site: waiting today, the wait a new ticket would have, opening hours."""
    site = _site(state, kiosk_id)
    with state.db.read() as db:
        return services.summaries(db, site, state.now(), state.settings.zone, policy(state))


_REFUSALS: dict[int | str, dict[str, Any]] = {
    404: {"description": '`{"detail": "...", "code": "unknown_service"}`'},
    409: {"description": '`{"code": "service_closed", "opens", "closes"}` or `{"code": "day_full"}`'},
}


@router.post("/api/v1/queue/tickets", status_code=201, response_model=TicketOut, responses=_REFUSALS)
def take_ticket(
    state: StateDep, kiosk_id: KioskDep, request: TicketRequest, http: Request, idempotency_key: KeyHeader = None
) -> JSONResponse:
    """The next number for a service at the kiosk's site; a retry with the same key returns the same ticket."""
    if request.birth_date is not None and not (dt.date(1880, 1, 1) <= request.birth_date <= _today(state)):
        raise field_error(("body", "birth_date"), "must be the card's date of birth, not in the future")
    site = _site(state, kiosk_id)
    try:
        ticket, created = tickets.take_ticket(
            state.db.write, site, kiosk_id, request.service, idempotency_key, state.now, state.settings.zone,
            policy(state, site), declared=request.priority, birth_date=request.birth_date, read=state.db.read,
        )  # fmt: skip
    except QueueError as exc:
        return refused(exc)
    return _json(TicketOut(**_ticket_out(state, http, ticket)), 201 if created else 200)


_LOCAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": '`{"detail": "...", "code": "key_reused"}`: the Idempotency-Key came with another batch'},
}


@router.post("/api/v1/queue/local-tickets", response_model=LocalOut, responses=_LOCAL_RESPONSES)
def local_tickets(
    state: StateDep, kiosk_id: KioskDep, request: LocalTicketBatch, idempotency_key: KeyHeader = None
) -> Response:
    """Tickets the kiosk issued from its own block while the hub was away; each (kiosk, number, day) counts once.

    With an Idempotency-Key, a repeat of the batch gets the first answer again, ``rejected`` list and all.
    """
    site = _site(state, kiosk_id)
    batch = [tickets.LocalTicket(t.number, t.service, t.issued_at, t.priority_category) for t in request.tickets]
    now, weights = state.now(), policy(state, site)

    def work(db: Session) -> tuple[int, dict[str, Any]]:
        done = tickets.record_local(db, site, kiosk_id, batch, now, state.settings.zone, weights)
        return 200, LocalOut(accepted=done.accepted, duplicates=done.duplicates, rejected=done.rejected).model_dump()

    mac = replies.request_mac(state.keys, replies.LOCAL_TICKETS, request.model_dump(mode="json"))
    try:
        reply = replies.once(state.db.write, kiosk_id, replies.LOCAL_TICKETS, idempotency_key, mac, now, work)
    except replies.KeyReused:
        return replies.key_reused()
    return reply.response()


def kiosk_or_staff(
    request: Request, state: StateDep, authorization: Annotated[str | None, Header()] = None
) -> tuple[str, str | None]:
    """('kiosk', kiosk id) for a kiosk token, ('staff', user name) for a staff account with the queue; 401 otherwise."""
    scheme, _, _value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        return "staff", allowed(Permit.QUEUE)(request, state).username
    if bearer(authorization) is None:
        raise HTTPException(
            401, "send a kiosk token (Bearer) or a staff account's name and password (Basic)",
            {"WWW-Authenticate": "Bearer"},
        )
    return "kiosk", current_kiosk(state, authorization)


@router.post("/api/v1/appointments", status_code=201, response_model=AppointmentOut, responses=_REFUSALS)
def book(
    request: Request, state: StateDep, who: Annotated[tuple[str, str | None], Depends(kiosk_or_staff)],
    body: AppointmentRequest,
) -> JSONResponse:
    """Book a visit (kiosk token: at its site; a staff account: at body.site); the answer carries its QR code."""
    role, caller = who
    kiosk_id = caller if role == "kiosk" else None
    if kiosk_id is not None:
        site = _site(state, kiosk_id)
    else:
        if not body.site:
            raise field_error(("body", "site"), "staff bookings must name the site")
        site = body.site
    if body.id_type == RESIDENT_ID and (found := idnumber.problems(body.id_number)):
        raise field_error(("body", "id_number"), "; ".join(found))
    now = state.now()
    if body.start <= now:
        raise field_error(("body", "start"), "must be in the future")
    with state.db.read() as db:
        if db.get(Site, site) is None:
            return refusal(404, "unknown_site", f"no site {site}")
    person = {"id_type": body.id_type, "id_number": body.id_number.upper(), "name": body.name}
    if body.phone:
        person["phone"] = body.phone
    try:
        booked = appointments.book(
            state.db.write, state.keys, site, body.service, person, body.start, kiosk_id or "staff", now,
            state.settings.zone, appointments.check_in_windows(state.settings),
        )  # fmt: skip
    except (QueueError, appointments.AppointmentError) as exc:
        return refused(exc)
    if role == "staff":
        note(request, state, request.state.staff, "appointment.book", target=booked.appointment_no)
    out = AppointmentOut(
        appointment_no=booked.appointment_no,
        service=booked.service,
        start=booked.start.astimezone(state.settings.zone).isoformat(),
        name_masked=booked.name_masked,
        qr=booked.qr,
        status=booked.status,
    )
    return _json(out, 201)


_CHECK_IN_REFUSALS = {
    **_REFUSALS, 429: {"description": '`{"code": "lookup_rate_limited"}` + Retry-After: too many check-ins by ID card'},
}


@router.post("/api/v1/appointments/check-in", status_code=201, response_model=CheckInOut, responses=_CHECK_IN_REFUSALS)
def check_in(
    state: StateDep, caller: CallerDep, body: CheckInRequest, http: Request, idempotency_key: KeyHeader = None
) -> JSONResponse:
    """Today's appointment of the person (ID card) or code (QR) becomes a ticket called ahead with its weight.

    By ID card it is a lookup by ID number like the record queries: counted against the kiosk's limit (429,
    ``lookup_rate_limited``, past it) and audited; by QR code it is not (the code is the proof).
    """
    if body.qr is not None and not body.qr.strip().startswith(appointments.QR_PREFIX):
        return refusal(404, "no_appointment", "this QR code is not an appointment code")
    site = _site(state, caller.kiosk_id)
    windows = appointments.check_in_windows(state.settings)

    def attempt() -> tuple[appointments.CheckedIn, bool] | QueueError | appointments.AppointmentError:
        try:
            return appointments.check_in(
                state.db.write, state.keys, site, caller.kiosk_id, idempotency_key, state.now, state.settings.zone,
                windows, policy(state, site), id_type=body.id_type, id_number=body.id_number, qr=body.qr,
            )  # fmt: skip
        except (QueueError, appointments.AppointmentError) as exc:
            return exc

    if body.id_number is not None:
        result = id_lookups.audited(state, caller, CHECK_IN, body.id_type or RESIDENT_ID, body.id_number, attempt,
                                    lambda r: not isinstance(r, appointments.NoAppointment))
    else:
        result = attempt()
    if isinstance(result, (QueueError, appointments.AppointmentError)):
        return refused(result)
    done, created = result
    out = CheckInOut(**_ticket_out(state, http, done.ticket, appointment_no=done.appointment_no))
    return _json(out, 201 if created else 200)


@router.post("/api/v1/appointments/{appointment_no}/cancel", response_model=CancelOut, responses=_REFUSALS)
def cancel_appointment(
    request: Request,
    state: StateDep,
    who: Annotated[tuple[str, str | None], Depends(kiosk_or_staff)],
    appointment_no: Annotated[str, Path(pattern=r"^YY\d{8}-\d{4}$")],
    body: CancelRequest | None = None,
) -> JSONResponse:
    """Cancel a booked appointment (staff: any; a kiosk: at its site, with the person's ID or the QR code)."""
    role, caller = who
    kiosk_id = caller if role == "kiosk" else None
    proof = body or CancelRequest()
    by_id = proof.id_type is not None and proof.id_number is not None
    if role == "kiosk" and not (by_id or proof.qr):
        raise field_error(("body",), "a kiosk must send the person's id_type and id_number, or the appointment's qr")
    try:
        appt = appointments.cancel(
            state.db.write, appointment_no, state.now(), appointments.check_in_windows(state.settings).late,
            site_id=_site(state, kiosk_id) if kiosk_id else None,
            person_index=state.keys.id_index(proof.id_type or "", (proof.id_number or "").upper()) if by_id else None,
            qr=proof.qr,
        )  # fmt: skip
    except appointments.AppointmentError as exc:
        return refused(exc)
    if role == "staff":
        note(request, state, request.state.staff, "appointment.cancel", target=appointment_no)
    out = CancelOut(appointment_no=appt.appointment_no, service=appt.service_code,
                    start=appointments.utc(appt.starts_at).astimezone(state.settings.zone).isoformat(),
                    status=appt.status)
    return _json(out, 200)


# --- staff ------------------------------------------------------------------------------------


@router.get("/api/v1/staff/queue/{site}/windows/{window}", response_model=WindowOut)
def staff_window(state: StateDep, _staff: QueueStaff, site: str, window: Window) -> WindowOut:
    """A window's current ticket and the site's lines."""
    return window_state(state, site, window)


@router.post("/api/v1/staff/queue/{site}/windows/{window}/{action}", response_model=CalledOut)
def staff_action(
    request: Request, state: StateDep, who: QueueStaff, site: str, window: Window, action: str,
    body: ServiceChoice | None = None,
) -> Any:
    """next {service} · recall · no-show · done · transfer {service}: the window's current ticket moves on."""
    if action in ("next", "transfer") and body is None:
        raise field_error(("body", "service"), f'{action} needs the service, e.g. {{"service": "social_security"}}')
    if action not in ACTIONS:
        raise HTTPException(404, f"no action {action}; one of {', '.join(ACTIONS)}")
    try:
        called = window_action(state, site, window, action, body.service if body else None)
    except QueueError as exc:
        return refused(exc)
    except LookupError as exc:
        return refusal(404, "nobody_waiting", str(exc))
    note(request, state, who, f"ticket.{action}", target=f"{site} 窗口{window} {called.number}")
    return called


@router.get("/api/v1/staff/appointments", response_model=list[AppointmentRow])
def staff_appointments(
    request: Request, state: StateDep, who: QueueStaff, site: str, day: Annotated[dt.date | None, Query()] = None
) -> list[AppointmentRow]:
    """A site's appointments of a hall day (today by default); late ones are marked no-shows as they are listed."""
    day = day or _today(state)
    late = appointments.check_in_windows(state.settings).late
    with state.db.write() as db, db.begin():
        known_site(db, site)
        rows = appointments.listing(db, site, f"{day:%Y%m%d}", state.now(), late)
        audit.record(db, actor(request, who), "appointments.list", state.now(), target=f"{site} {day:%Y-%m-%d}")
        return [
            AppointmentRow(
                appointment_no=a.appointment_no,
                service=a.service_code,
                start=appointments.utc(a.starts_at).astimezone(state.settings.zone).isoformat(),
                name_masked=a.name_masked,
                id_masked=a.id_masked,
                status=a.status,
            )
            for a in rows
        ]
