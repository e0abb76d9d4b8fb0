"""取号 and 预约 over HTTP: kiosks take tickets, report local ones and check appointments in; staff work windows."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasicCredentials
from pydantic import AwareDatetime, BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from common import idnumber
from hub import appointments, queue
from hub.auth import bearer
from hub.db.models import Kiosk, Site
from hub.errors import field_error
from hub.personal import RESIDENT_ID
from hub.routes.cases import KEY_PATTERN
from hub.schemas import Strict
from hub.state import HubState, KioskDep, StaffDep, StateDep, current_kiosk, staff_user

router = APIRouter(tags=["queue"])

KeyHeader = Annotated[str | None, Header(alias="Idempotency-Key", pattern=KEY_PATTERN)]
Window = Annotated[int, Path(ge=1, le=999, description="window (counter) number")]


class TicketRequest(Strict):
    service: str = Field(min_length=1, max_length=32, description="service code, from GET /api/v1/queue/services")
    priority: Literal["pregnant", "disability"] | None = Field(default=None, description="declared at the kiosk")
    birth_date: dt.date | None = Field(default=None, description="from the ID card; 60+ on the hall date is elderly")


class TicketOut(BaseModel):
    number: str
    service: str
    service_name: str
    position: int
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: dt.datetime
    priority: bool
    priority_category: Literal["elderly", "pregnant", "disability", "appointment"] | None
    follow_url: str = Field(description="public page (no login) following this ticket; the kiosk prints it as a QR")


class CheckInOut(TicketOut):
    appointment_no: str


class ServiceOut(BaseModel):
    code: str
    prefix: str
    name: str
    waiting: int
    estimated_wait_minutes: int
    opens: str | None
    closes: str | None
    open: bool


class LocalTicketIn(Strict):
    number: str = Field(pattern=r"^[A-Z][0-9]{3,6}$", description="the kiosk block's number, e.g. Z001")
    service: str = Field(min_length=1, max_length=32)
    issued_at: AwareDatetime
    priority_category: Literal["elderly", "pregnant", "disability", "appointment"] | None = None


class LocalTickets(Strict):
    tickets: list[LocalTicketIn] = Field(max_length=500)


class LocalOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[dict[str, str]] = Field(default_factory=list, description="tickets of services the site lacks")


class AppointmentRequest(Strict):
    service: str = Field(min_length=1, max_length=32)
    id_type: str = Field(pattern=r"^\d{3}$", description="GA/T 2000.156 document type, 111 = 居民身份证")
    id_number: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=50)
    start: AwareDatetime
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")
    site: str | None = Field(
        default=None, max_length=64, description="staff bookings only: the site; kiosks book for their own"
    )


class AppointmentOut(BaseModel):
    appointment_no: str
    service: str
    start: str
    name_masked: str
    qr: str
    status: str


class CheckInRequest(Strict):
    id_type: str | None = Field(default=None, pattern=r"^\d{3}$")
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    qr: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_way(self) -> CheckInRequest:
        by_id = self.id_type is not None and self.id_number is not None
        if by_id == (self.qr is not None):
            raise ValueError("send either id_type and id_number, or qr")
        return self


class CancelRequest(Strict):
    """The proof a kiosk sends that the person at it owns the appointment (staff need none)."""

    id_type: str | None = Field(default=None, pattern=r"^\d{3}$")
    id_number: str | None = Field(default=None, min_length=1, max_length=40)
    qr: str | None = Field(default=None, min_length=1, max_length=200)


class CancelOut(BaseModel):
    appointment_no: str
    service: str
    start: str
    status: str


class ServiceChoice(Strict):
    service: str = Field(min_length=1, max_length=32)


def policy(state: HubState, site: str | None = None) -> queue.QueuePolicy:
    """The hub's queue settings, with the site's own priority weights when ``site`` is given.

    Weights are fixed on a ticket when it is issued, so only the paths that issue tickets pass the site.
    """
    s = state.settings
    weights = {
        "elderly": s.queue_weight_elderly,
        "pregnant": s.queue_weight_pregnant,
        "disability": s.queue_weight_disability,
        "appointment": s.queue_weight_appointment,
    }
    if site is not None:
        with state.db.read() as db:
            row = db.get(Site, site)
            weights = queue.site_weights(weights, row.queue_weights if row else None)
    return queue.QueuePolicy(
        weights=weights,
        max_streak=s.queue_priority_streak,
        elderly_age=s.queue_elderly_age,
        samples=s.queue_estimate_samples,
        window_idle_minutes=s.queue_window_idle_minutes,
    )


def windows(state: HubState) -> appointments.Windows:
    s = state.settings
    return appointments.Windows(dt.timedelta(minutes=s.appt_early_minutes), dt.timedelta(minutes=s.appt_late_minutes))


def refusal(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    """A refusal the kiosk turns into a citizen screen: a sentence and a machine code."""
    return JSONResponse({"detail": detail, "code": code, **extra}, status_code=status)


def refused(exc: Exception) -> JSONResponse:
    """The refusal for a queue or appointment error."""
    if isinstance(exc, queue.UnknownService):
        return refusal(404, "unknown_service", f"no service {exc} here; choose one from GET /api/v1/queue/services")
    if isinstance(exc, queue.ServiceClosed):
        return refusal(409, "service_closed", str(exc), opens=exc.opens, closes=exc.closes)
    if isinstance(exc, queue.DayFull):
        return refusal(409, "day_full", str(exc))
    if isinstance(exc, queue.NoCurrentTicket):
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
    return f"{base}/q/{queue.follow_token(state.keys, ticket_id)}"


def _ticket_out(state: HubState, http: Request, ticket: queue.Ticket, **extra: Any) -> dict[str, Any]:
    return {**ticket.__dict__, "follow_url": follow_url(state, http, ticket.ticket_id), **extra}


def _json(model: BaseModel, status: int) -> JSONResponse:
    return JSONResponse(model.model_dump(mode="json"), status_code=status)


# --- kiosks -----------------------------------------------------------------------------------


@router.get("/api/v1/queue/services", response_model=list[ServiceOut])
def list_services(state: StateDep, kiosk_id: KioskDep) -> list[ServiceOut]:
    """The services of the kiosk's site: waiting today, the wait a new ticket would have, opening hours."""
    site = _site(state, kiosk_id)
    with state.db.read() as db:
        rows = queue.summaries(db, site, state.now(), state.settings.zone, policy(state))
    return [ServiceOut(**r.__dict__) for r in rows]


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
        ticket, created = queue.take_ticket(
            state.db.write, site, kiosk_id, request.service, idempotency_key, state.now, state.settings.zone,
            policy(state, site), declared=request.priority, birth_date=request.birth_date, read=state.db.read,
        )  # fmt: skip
    except queue.QueueError as exc:
        return refused(exc)
    return _json(TicketOut(**_ticket_out(state, http, ticket)), 201 if created else 200)


@router.post("/api/v1/queue/local-tickets", response_model=LocalOut)
def local_tickets(
    state: StateDep, kiosk_id: KioskDep, request: LocalTickets, idempotency_key: KeyHeader = None
) -> LocalOut:
    """Tickets the kiosk issued from its own block while the hub was away; each (kiosk, number, day) counts once."""
    del idempotency_key  # the (kiosk, number, hall day) rule already makes a repeated batch harmless
    site = _site(state, kiosk_id)
    batch = [queue.LocalTicket(t.number, t.service, t.issued_at, t.priority_category) for t in request.tickets]
    done = queue.accept_local(state.db.write, site, kiosk_id, batch, state.now(), state.settings.zone,
                              policy(state, site))
    return LocalOut(accepted=done.accepted, duplicates=done.duplicates, rejected=done.rejected)


def kiosk_or_staff(
    request: Request, state: StateDep, authorization: Annotated[str | None, Header()] = None
) -> tuple[str, str | None]:
    """('kiosk', kiosk id) for a kiosk token, ('staff', None) for the staff password; 401 otherwise."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise HTTPException(401, "malformed Basic credentials", {"WWW-Authenticate": "Basic"}) from None
        staff_user(request, state, HTTPBasicCredentials(username=user, password=password))
        return "staff", None
    if bearer(authorization) is None:
        raise HTTPException(
            401, "send a kiosk token (Bearer) or the staff password (Basic)", {"WWW-Authenticate": "Bearer"}
        )
    return "kiosk", current_kiosk(state, authorization)


@router.post("/api/v1/appointments", status_code=201, response_model=AppointmentOut, responses=_REFUSALS)
def book(
    state: StateDep, who: Annotated[tuple[str, str | None], Depends(kiosk_or_staff)], body: AppointmentRequest
) -> JSONResponse:
    """Book a visit (kiosk token: at the kiosk's site; staff password: at body.site); the answer carries its QR code."""
    role, kiosk_id = who
    if role == "kiosk":
        assert kiosk_id is not None
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
            state.settings.zone, windows(state),
        )  # fmt: skip
    except (queue.QueueError, appointments.AppointmentError) as exc:
        return refused(exc)
    out = AppointmentOut(
        appointment_no=booked.appointment_no,
        service=booked.service,
        start=booked.start.astimezone(state.settings.zone).isoformat(),
        name_masked=booked.name_masked,
        qr=booked.qr,
        status=booked.status,
    )
    return _json(out, 201)


@router.post("/api/v1/appointments/check-in", status_code=201, response_model=CheckInOut, responses=_REFUSALS)
def check_in(
    state: StateDep, kiosk_id: KioskDep, body: CheckInRequest, http: Request, idempotency_key: KeyHeader = None
) -> JSONResponse:
    """Today's appointment of the person (ID card) or code (QR) becomes a ticket called ahead with its weight."""
    if body.qr is not None and not body.qr.strip().startswith(appointments.QR_PREFIX):
        return refusal(404, "no_appointment", "this QR code is not an appointment code")
    site = _site(state, kiosk_id)
    try:
        done, created = appointments.check_in(
            state.db.write, state.keys, site, kiosk_id, idempotency_key, state.now, state.settings.zone,
            windows(state), policy(state, site), id_type=body.id_type, id_number=body.id_number, qr=body.qr,
        )  # fmt: skip
    except (queue.QueueError, appointments.AppointmentError) as exc:
        return refused(exc)
    out = CheckInOut(**_ticket_out(state, http, done.ticket, appointment_no=done.appointment_no))
    return _json(out, 201 if created else 200)


@router.post("/api/v1/appointments/{appointment_no}/cancel", response_model=CancelOut, responses=_REFUSALS)
def cancel_appointment(
    state: StateDep,
    who: Annotated[tuple[str, str | None], Depends(kiosk_or_staff)],
    appointment_no: Annotated[str, Path(pattern=r"^YY\d{8}-\d{4}$")],
    body: CancelRequest | None = None,
) -> JSONResponse:
    """Cancel a booked appointment (staff: any; a kiosk: at its site, with the person's ID or the QR code)."""
    role, kiosk_id = who
    proof = body or CancelRequest()
    by_id = proof.id_type is not None and proof.id_number is not None
    if role == "kiosk" and not (by_id or proof.qr):
        raise field_error(("body",), "a kiosk must send the person's id_type and id_number, or the appointment's qr")
    try:
        appt = appointments.cancel(
            state.db.write, appointment_no, state.now(), windows(state).late,
            site_id=_site(state, kiosk_id) if kiosk_id else None,
            person_index=state.keys.id_index(proof.id_type or "", (proof.id_number or "").upper()) if by_id else None,
            qr=proof.qr,
        )  # fmt: skip
    except appointments.AppointmentError as exc:
        return refused(exc)
    out = CancelOut(appointment_no=appt.appointment_no, service=appt.service_code,
                    start=appointments.utc(appt.starts_at).astimezone(state.settings.zone).isoformat(),
                    status=appt.status)
    return _json(out, 200)


# --- staff ------------------------------------------------------------------------------------


class CalledOut(BaseModel):
    number: str
    service: str
    service_name: str
    window: int | None
    name_masked: str | None
    priority_category: str | None
    recalls: int
    status: str
    called_at: dt.datetime | None


class WindowOut(BaseModel):
    site: str
    window: int
    current: CalledOut | None
    services: list[ServiceOut]


class AppointmentRow(BaseModel):
    appointment_no: str
    service: str
    start: str
    name_masked: str
    id_masked: str
    status: str


def known_site(db: Session, site: str) -> None:
    if db.get(Site, site) is None:
        raise HTTPException(404, f"no site {site}; sites are created by 'kioskhub kiosks add'")


def window_state(state: HubState, site: str, window: int) -> WindowOut:
    """What a window's staff see: their current ticket and every service's line."""
    with state.db.read() as db:
        known_site(db, site)
        row = queue.current(db, site, window)
        now = state.now()
        return WindowOut(
            site=site,
            window=window,
            current=CalledOut(**queue.called_view(db, row).__dict__) if row else None,
            services=[
                ServiceOut(**s.__dict__) for s in queue.summaries(db, site, now, state.settings.zone, policy(state))
            ],
        )


ACTIONS = ("next", "recall", "no-show", "done", "transfer")


def window_action(state: HubState, site: str, window: int, action: str, service: str | None) -> CalledOut:
    """Run a counter action; raises QueueError subclasses, or LookupError when nobody waits."""
    if action not in ACTIONS:
        raise HTTPException(404, f"no action {action}; one of {', '.join(ACTIONS)}")
    now = state.now()
    with state.db.write() as db, db.begin():
        known_site(db, site)
        if action == "next":
            row = queue.call_next(db, site, window, service or "", now, state.settings.zone, policy(state))
        elif action == "recall":
            row = queue.recall(db, site, window, now)
        elif action == "transfer":
            row = queue.transfer(db, site, window, service or "")
        else:
            row = queue.finish(db, site, window, now, no_show=action == "no-show")
        called = CalledOut(**queue.called_view(db, row).__dict__) if row is not None else None
    if called is None:  # raised after the commit: calling next still finished the window's previous ticket
        raise LookupError(f"nobody is waiting for {service}")
    return called


@router.get("/api/v1/staff/queue/{site}/windows/{window}", response_model=WindowOut)
def staff_window(state: StateDep, _staff: StaffDep, site: str, window: Window) -> WindowOut:
    """A window's current ticket and the site's lines."""
    return window_state(state, site, window)


@router.post("/api/v1/staff/queue/{site}/windows/{window}/{action}", response_model=CalledOut)
def staff_action(
    state: StateDep, _staff: StaffDep, site: str, window: Window, action: str, body: ServiceChoice | None = None
) -> Any:
    """next {service} · recall · no-show · done · transfer {service}: the window's current ticket moves on."""
    if action in ("next", "transfer") and body is None:
        raise field_error(("body", "service"), f'{action} needs the service, e.g. {{"service": "social_security"}}')
    try:
        return window_action(state, site, window, action, body.service if body else None)
    except queue.QueueError as exc:
        return refused(exc)
    except LookupError as exc:
        return refusal(404, "nobody_waiting", str(exc))


@router.get("/api/v1/staff/appointments", response_model=list[AppointmentRow])
def staff_appointments(
    state: StateDep, _staff: StaffDep, site: str, day: Annotated[dt.date | None, Query()] = None
) -> list[AppointmentRow]:
    """A site's appointments of a hall day (today by default); late ones are marked no-shows as they are listed."""
    day = day or _today(state)
    late = windows(state).late
    with state.db.write() as db, db.begin():
        known_site(db, site)
        rows = appointments.listing(db, site, f"{day:%Y%m%d}", state.now(), late)
        return [
            AppointmentRow(
                appointment_no=a.appointment_no,
                service=a.service_code,
                start=queue.utc(a.starts_at).astimezone(state.settings.zone).isoformat(),
                name_masked=a.name_masked,
                id_masked=a.id_masked,
                status=a.status,
            )
            for a in rows
        ]
