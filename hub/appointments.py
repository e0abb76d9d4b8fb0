"""预约: booking, check-in by ID card or QR code within the early/late window, and no-shows after it.

Like NovoSGA's ``Agendamento``: booked → checked_in (a queue ticket with the appointment weight),
cancelled, or no_show once the late window has passed. The QR code is ``KIOSKAPPT:`` plus a random token; the hub
keeps only its SHA-256, so a leaked database cannot check anyone in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from common.masking import mask_id, mask_name
from hub.casenumbers import next_sequence
from hub.db.models import Appointment, QueueService, QueueTicket
from hub.intake import Writer, utc
from hub.personal import Keys
from hub.queue.errors import ServiceClosed, UnknownService
from hub.queue.rules import QueuePolicy, hall_day, is_open
from hub.queue.tickets import Ticket, find_by_key, issue, ticket_view
from hub.settings import HubSettings

QR_PREFIX = "KIOSKAPPT:"
BOOKED = "booked"
CHECKED_IN = "checked_in"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
_SCOPE = "YY:appointments"  # a case counter scope no item code can take (':' is not allowed in them)


class AppointmentError(ValueError):
    """An appointment request that cannot be done; ``code`` is the machine code the kiosk shows a screen for."""

    code = "appointment_error"


class NoAppointment(AppointmentError):
    code = "no_appointment"


class TooEarly(AppointmentError):
    code = "too_early"

    def __init__(self, window_opens: str) -> None:
        super().__init__(f"check-in opens at {window_opens}")
        self.window_opens = window_opens


class TooLate(AppointmentError):
    code = "too_late"


class AlreadyCheckedIn(AppointmentError):
    code = "already_checked_in"

    def __init__(self, number: str) -> None:
        super().__init__(f"already checked in with ticket {number}")
        self.number = number


class AlreadyBooked(AppointmentError):
    code = "already_booked"


class NotCancellable(AppointmentError):
    """Only a booked appointment can be cancelled: a checked-in one has a ticket, a missed one is history."""

    code = "not_cancellable"

    def __init__(self, status: str) -> None:
        super().__init__(f"the appointment is {status.replace('_', ' ')} and can no longer be cancelled")
        self.status = status


@dataclass(frozen=True)
class Windows:
    """Check-in is allowed from early minutes before the start until late minutes after it."""

    early: dt.timedelta
    late: dt.timedelta


def check_in_windows(settings: HubSettings) -> Windows:
    """The check-in window the hub is configured with."""
    return Windows(dt.timedelta(minutes=settings.appt_early_minutes), dt.timedelta(minutes=settings.appt_late_minutes))


@dataclass(frozen=True)
class Booked:
    appointment_no: str
    service: str
    start: dt.datetime
    name_masked: str
    qr: str
    status: str


def appointment_no(day: dt.date, seq: int) -> str:
    return f"YY{day:%Y%m%d}-{seq:04d}"


def qr_hash(qr: str) -> str:
    return hashlib.sha256(qr.strip().encode()).hexdigest()


def verdict(status: str, start: dt.datetime, now: dt.datetime, windows: Windows) -> str:
    """'ok', 'too_early', 'too_late', 'already_checked_in' or 'cancelled' for checking in at `now`."""
    if status == CANCELLED:
        return "cancelled"
    if status == CHECKED_IN:
        return "already_checked_in"
    if status == NO_SHOW or now > start + windows.late:
        return "too_late"
    if now < start - windows.early:
        return "too_early"
    return "ok"


def book(
    write: Writer,
    keys: Keys,
    site_id: str,
    service_code: str,
    person: dict[str, str],
    start: dt.datetime,
    booked_by: str,
    now: dt.datetime,
    zone: ZoneInfo,
    windows: Windows,
) -> Booked:
    """Book a visit; person holds id_type, id_number, name and optionally phone."""
    local = start.astimezone(zone)
    day = f"{local.date():%Y%m%d}"
    index = keys.id_index(person["id_type"], person["id_number"])
    token = QR_PREFIX + secrets.token_urlsafe(18)
    with write() as db, db.begin():
        service = db.get(QueueService, (site_id, service_code))
        if service is None:
            raise UnknownService(service_code)
        if not is_open(service.opens, service.closes, local.time()):
            raise ServiceClosed(service.opens or "", service.closes or "")
        expire_no_shows(db, site_id, now, windows.late)
        clash = db.scalar(
            select(Appointment.id).where(
                Appointment.site_id == site_id,
                Appointment.day == day,
                Appointment.person_index == index,
                Appointment.status == BOOKED,
            )
        )
        if clash is not None:
            raise AlreadyBooked("this person already has an appointment that day; check in or cancel it first")
        number = appointment_no(local.date(), next_sequence(db, _SCOPE, local.date()))
        personal = {"name": person["name"], "phone": person.get("phone")}
        db.add(
            Appointment(
                appointment_no=number, site_id=site_id, service_code=service.code, day=day,
                starts_at=start.astimezone(dt.UTC), id_type=person["id_type"], person_index=index,
                id_masked=mask_id(person["id_number"]), name_masked=mask_name(person["name"]),
                personal_enc=keys.encrypt(json.dumps(personal)),
                qr_hash=qr_hash(token), status=BOOKED, booked_by=booked_by, created_at=now,
            )
        )  # fmt: skip
    return Booked(number, service_code, start, mask_name(person["name"]), token, BOOKED)


def cancel(
    write: Writer,
    appointment_no: str,
    now: dt.datetime,
    late: dt.timedelta,
    *,
    site_id: str | None = None,
    person_index: str | None = None,
    qr: str | None = None,
) -> Appointment:
    """Cancel a booked appointment, so its time can be booked again; cancelling twice is not an error.

    ``site_id`` limits the search to one site (a kiosk's). A proof, the person's ID index or the
    appointment's QR code, must match when given; a mismatch looks exactly like an unknown number,
    so nobody learns whether someone else has an appointment.
    """
    with write() as db, db.begin():
        appt = db.scalar(select(Appointment).where(Appointment.appointment_no == appointment_no))
        if (
            appt is None
            or (site_id is not None and appt.site_id != site_id)
            or (person_index is not None and appt.person_index != person_index)
            or (qr is not None and appt.qr_hash != qr_hash(qr))
        ):
            raise NoAppointment("no such appointment (or the proof does not match it)")
        if appt.status == BOOKED and utc(appt.starts_at) < now - late:
            appt.status = NO_SHOW
        if appt.status not in (BOOKED, CANCELLED):
            raise NotCancellable(appt.status)
        appt.status = CANCELLED
        db.flush()
        db.expunge(appt)
        return appt


def expire_no_shows(db: Session, site_id: str, now: dt.datetime, late: dt.timedelta) -> int:
    """Mark booked appointments whose late window has passed as no-shows; how many were."""
    rows = db.scalars(
        select(Appointment).where(
            Appointment.site_id == site_id, Appointment.status == BOOKED, Appointment.starts_at < now - late
        )
    ).all()
    for row in rows:
        row.status = NO_SHOW
    return len(rows)


def listing(db: Session, site_id: str, day: str, now: dt.datetime, late: dt.timedelta) -> list[Appointment]:
    """A site's appointments of a hall day, start order, with late ones turned into no-shows first."""
    expire_no_shows(db, site_id, now, late)
    db.flush()
    return list(
        db.scalars(
            select(Appointment)
            .where(Appointment.site_id == site_id, Appointment.day == day)
            .order_by(Appointment.starts_at, Appointment.id)
        )
    )


def _pick(rows: list[Appointment], now: dt.datetime, windows: Windows) -> Appointment | None:
    """Of one person's appointments today, the one a check-in is about: checked in, open now, upcoming, late."""
    rank = {"already_checked_in": 0, "ok": 1, "too_early": 2, "too_late": 3}
    return min(
        (a for a in rows if a.status != CANCELLED),
        key=lambda a: (rank[verdict(a.status, utc(a.starts_at), now, windows)], utc(a.starts_at)),
        default=None,
    )


@dataclass(frozen=True)
class CheckedIn:
    ticket: Ticket
    appointment_no: str


def check_in(
    write: Writer,
    keys: Keys,
    site_id: str,
    kiosk_id: str,
    key: str | None,
    clock: Callable[[], dt.datetime],
    zone: ZoneInfo,
    windows: Windows,
    policy: QueuePolicy,
    *,
    id_type: str | None = None,
    id_number: str | None = None,
    qr: str | None = None,
) -> tuple[CheckedIn, bool]:
    """Turn today's appointment of this person (or QR code) into a queue ticket with the appointment weight."""
    now = clock()
    today = hall_day(now, zone)

    def retried(db: Session) -> CheckedIn | None:
        row = find_by_key(db, kiosk_id, key)
        if row is None:
            return None
        appt = db.scalar(select(Appointment).where(Appointment.ticket_id == row.id))
        return CheckedIn(ticket_view(db, row, now, policy), appt.appointment_no if appt else "")

    refusal: AppointmentError | None = None
    try:
        with write() as db, db.begin():
            if (found := retried(db)) is not None:
                return found, False
            if qr is not None:
                rows = list(db.scalars(select(Appointment).where(Appointment.qr_hash == qr_hash(qr))))
                rows = [a for a in rows if a.site_id == site_id and a.day == today]
            else:
                index = keys.id_index(id_type or "", id_number or "")
                rows = list(
                    db.scalars(
                        select(Appointment).where(
                            Appointment.site_id == site_id, Appointment.day == today, Appointment.person_index == index
                        )
                    )
                )
            appt = _pick(rows, now, windows)
            if appt is None:
                raise NoAppointment("no appointment here today for this person or code")
            start = utc(appt.starts_at)
            outcome = verdict(appt.status, start, now, windows)
            if outcome == "already_checked_in":
                ticket = db.get(QueueTicket, appt.ticket_id) if appt.ticket_id else None
                raise AlreadyCheckedIn(ticket.number if ticket else "")
            if outcome == "too_late":
                appt.status = NO_SHOW  # kept: the refusal is raised once this is committed
                refusal = TooLate("the appointment's check-in window has passed; take a normal number")
            elif outcome == "too_early":
                raise TooEarly(f"{(start - windows.early).astimezone(zone):%H:%M}")
            else:
                return _issue_for(db, appt, kiosk_id, key, clock, zone, policy, now), True
    except IntegrityError:
        with write() as db, db.begin():
            if (found := retried(db)) is None:
                raise
            return found, False
    assert refusal is not None  # only a late check-in leaves the block without returning or raising
    raise refusal


def _issue_for(
    db: Session,
    appt: Appointment,
    kiosk_id: str,
    key: str | None,
    clock: Callable[[], dt.datetime],
    zone: ZoneInfo,
    policy: QueuePolicy,
    now: dt.datetime,
) -> CheckedIn:
    service = db.get(QueueService, (appt.site_id, appt.service_code))
    if service is None:
        raise UnknownService(appt.service_code)
    weight = policy.weights.get("appointment", 0)
    row = issue(
        db, service, kiosk_id, key, clock, zone, category="appointment" if weight > 0 else None,
        weight=weight, source="appointment", name_masked=appt.name_masked, walk_in=False,
    )  # fmt: skip
    appt.status, appt.ticket_id, appt.checked_in_at = CHECKED_IN, row.id, now
    return CheckedIn(ticket_view(db, row, now, policy), appt.appointment_no)
