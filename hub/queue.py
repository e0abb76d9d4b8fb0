"""取号: per-site services with a ticket letter, and a per-site, per-letter, per-day counter (A001 ...).

Numbers are taken with an upsert inside the ticket's transaction, like case numbers, so concurrent
kiosks never get the same number and a failed request leaves no gap. Past 999 the number grows a
digit (A1000) rather than wrapping, so a number never repeats within a day.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db.models import QueueCounter, QueueService, QueueTicket, Site
from hub.intake import Writer

WAITING = "waiting"
CALLED = "called"
CODE = re.compile(r"^[a-z0-9_]{1,32}$")


class QueueError(ValueError):
    """A queue request that cannot be done; the message says why."""


class UnknownService(QueueError):
    """No such service at the kiosk's site."""


@dataclass(frozen=True)
class Ticket:
    number: str
    service: str
    service_name: str
    position: int
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: dt.datetime


def ticket_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def estimate_minutes(people_ahead: int, minutes_per_person: float, windows: int) -> int:
    """Whole minutes until this person is served, with `windows` counters working in parallel."""
    return math.ceil(people_ahead * minutes_per_person / max(windows, 1))


def add_service(
    db: Session, site_id: str, code: str, prefix: str, name: str, minutes_per_person: float, windows: int
) -> None:
    """Add or update a queue service at a site."""
    if db.get(Site, site_id) is None:
        raise QueueError(f"no site {site_id}; sites are created by 'kioskhub kiosks add'")
    if not CODE.match(code):
        raise QueueError("--code must be 1-32 lower-case letters, digits or '_'")
    if not re.fullmatch(r"[A-Z]", prefix):
        raise QueueError("--prefix must be one capital letter A-Z")
    if not (0 < minutes_per_person <= 240) or not (1 <= windows <= 100):
        raise QueueError("--minutes must be in (0, 240] and --windows in 1..100")
    taken = db.scalar(select(QueueService).where(QueueService.site_id == site_id, QueueService.prefix == prefix))
    if taken is not None and taken.code != code:
        raise QueueError(f"letter {prefix} is already used by {taken.code} at {site_id}")
    row = db.get(QueueService, (site_id, code))
    if row is None:
        db.add(QueueService(site_id=site_id, code=code, prefix=prefix, name=name,
                            minutes_per_person=minutes_per_person, windows=windows))  # fmt: skip
    else:
        row.prefix, row.name, row.minutes_per_person, row.windows = prefix, name, minutes_per_person, windows


def services(db: Session, site_id: str) -> list[QueueService]:
    return list(db.scalars(select(QueueService).where(QueueService.site_id == site_id).order_by(QueueService.prefix)))


def _next_seq(db: Session, site_id: str, prefix: str, day: str) -> int:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(QueueCounter)
        .values(site_id=site_id, prefix=prefix, day=day, last=1)
        .on_conflict_do_update(
            index_elements=[QueueCounter.site_id, QueueCounter.prefix, QueueCounter.day],
            set_={"last": QueueCounter.last + 1},
        )
        .returning(QueueCounter.last)
    )
    return int(db.execute(stmt).scalar_one())


def _ticket(db: Session, row: QueueTicket, service: QueueService) -> Ticket:
    ahead = db.scalar(
        select(func.count()).where(
            QueueTicket.site_id == row.site_id,
            QueueTicket.service_code == row.service_code,
            QueueTicket.day == row.day,
            QueueTicket.status == WAITING,
            QueueTicket.seq < row.seq,
        )
    )
    ahead = int(ahead or 0)
    return Ticket(
        number=row.number,
        service=service.code,
        service_name=service.name,
        position=ahead + 1,
        people_ahead=ahead,
        estimated_wait_minutes=estimate_minutes(ahead, service.minutes_per_person, service.windows),
        issued_at=row.issued_at if row.issued_at.tzinfo else row.issued_at.replace(tzinfo=dt.UTC),
    )


def take_ticket(
    write: Writer, site_id: str, kiosk_id: str, service_code: str, key: str | None, now: dt.datetime, zone: ZoneInfo
) -> tuple[Ticket, bool]:
    """Issue the next number for a service at the kiosk's site (once per key when a key is given)."""

    def existing(db: Session) -> Ticket | None:
        if key is None:
            return None
        row = db.scalar(select(QueueTicket).where(QueueTicket.kiosk_id == kiosk_id, QueueTicket.idempotency_key == key))
        return None if row is None else _ticket(db, row, db.get(QueueService, (row.site_id, row.service_code)))

    try:
        with write() as db, db.begin():
            if (found := existing(db)) is not None:
                return found, False
            service = db.get(QueueService, (site_id, service_code))
            if service is None:
                raise UnknownService(service_code)
            day = f"{now.astimezone(zone).date():%Y%m%d}"
            seq = _next_seq(db, site_id, service.prefix, day)
            row = QueueTicket(
                site_id=site_id, service_code=service.code, prefix=service.prefix, day=day, seq=seq,
                number=ticket_number(service.prefix, seq), status=WAITING, kiosk_id=kiosk_id,
                idempotency_key=key, issued_at=now,
            )  # fmt: skip
            db.add(row)
            db.flush()
            return _ticket(db, row, service), True
    except IntegrityError:
        with write() as db, db.begin():
            if (found := existing(db)) is None:
                raise
            return found, False


def call_next(db: Session, site_id: str, service_code: str, now: dt.datetime, zone: ZoneInfo) -> str | None:
    """Mark the longest-waiting ticket of a service as called; its number, or None when nobody waits."""
    day = f"{now.astimezone(zone).date():%Y%m%d}"
    row = db.scalar(
        select(QueueTicket)
        .where(
            QueueTicket.site_id == site_id,
            QueueTicket.service_code == service_code,
            QueueTicket.day == day,
            QueueTicket.status == WAITING,
        )
        .order_by(QueueTicket.seq)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None:
        return None
    row.status = CALLED
    row.called_at = now
    return row.number
