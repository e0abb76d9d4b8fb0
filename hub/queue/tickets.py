"""Issuing tickets (at the kiosk, from a kiosk's own block, on check-in) and a ticket's place in its line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pydantic import ConfigDict
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db.models import QueueCounter, QueueService, QueueTicket
from hub.intake import Writer, utc
from hub.queue.errors import DayFull, ServiceClosed, UnknownService
from hub.queue.rules import (
    EXPIRED,
    WAITING,
    InLine,
    QueuePolicy,
    calling_order,
    calls_before,
    hall_day,
    is_open,
    priority_for,
    range_full,
    ticket_number,
    trailing_streak,
)
from hub.queue.schemas import TicketPlace
from hub.queue.services import service_estimate, services


class Ticket(TicketPlace):
    """A ticket as issued or looked up: its place in line and its row, for the follow link."""

    model_config = ConfigDict(frozen=True)

    ticket_id: int


def _line(db: Session, site_id: str, service_code: str, day: str) -> list[InLine]:
    rows = db.execute(
        select(QueueTicket.id, QueueTicket.priority_weight, QueueTicket.issued_at).where(
            QueueTicket.site_id == site_id,
            QueueTicket.service_code == service_code,
            QueueTicket.day == day,
            QueueTicket.status == WAITING,
        )
    ).all()
    return [InLine(i, w, utc(at)) for i, w, at in rows]


def _streak(db: Session, site_id: str, service_code: str, day: str, max_streak: int) -> int:
    weights = db.scalars(
        select(QueueTicket.priority_weight)
        .where(
            QueueTicket.site_id == site_id,
            QueueTicket.service_code == service_code,
            QueueTicket.day == day,
            QueueTicket.call_no.is_not(None),
        )
        .order_by(QueueTicket.call_no.desc())
        .limit(max_streak)
    ).all()
    return trailing_streak(list(weights))


def order_of_line(db: Session, site_id: str, service_code: str, day: str, policy: QueuePolicy) -> list[int]:
    """The waiting tickets' ids of one service's line today, in calling order."""
    streak = _streak(db, site_id, service_code, day, policy.max_streak)
    return calling_order(_line(db, site_id, service_code, day), streak, policy.max_streak)


def people_ahead(db: Session, row: QueueTicket, policy: QueuePolicy) -> int:
    """A waiting ticket's index in its line's calling order, counted in SQL rather than by loading the line."""
    t = QueueTicket
    at, weight = utc(row.issued_at), row.priority_weight
    earlier = or_(t.issued_at < at, and_(t.issued_at == at, t.id < row.id))
    if weight > 0:
        mine = and_(t.priority_weight > 0, or_(t.priority_weight > weight, and_(t.priority_weight == weight, earlier)))
        other = t.priority_weight <= 0
    else:
        mine, other = and_(t.priority_weight <= 0, earlier), t.priority_weight > 0
    rank, others = db.execute(
        select(
            func.coalesce(func.sum(case((mine, 1), else_=0)), 0),
            func.coalesce(func.sum(case((other, 1), else_=0)), 0),
        ).where(t.site_id == row.site_id, t.service_code == row.service_code, t.day == row.day, t.status == WAITING)
    ).one()
    streak = _streak(db, row.site_id, row.service_code, row.day, policy.max_streak)
    return calls_before(weight > 0, int(rank), int(others), streak, policy.max_streak)


def ticket_view(db: Session, row: QueueTicket, now: dt.datetime, policy: QueuePolicy) -> Ticket:
    """A ticket with its place in the calling order and the estimated wait."""
    service = db.get_one(QueueService, (row.site_id, row.service_code))
    ahead = people_ahead(db, row, policy) if row.status == WAITING else 0
    return Ticket(
        number=row.number,
        service=service.code,
        service_name=service.name,
        position=ahead + 1,
        people_ahead=ahead,
        estimated_wait_minutes=service_estimate(db, service, ahead, now, policy),
        issued_at=utc(row.issued_at),
        priority=row.priority_weight > 0,
        priority_category=row.priority_category,
        ticket_id=row.id,
    )


def _next_seq(db: Session, site_id: str, prefix: str, day: str, start: int) -> int:
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(QueueCounter)
        .values(site_id=site_id, prefix=prefix, day=day, last=start)
        .on_conflict_do_update(
            index_elements=[QueueCounter.site_id, QueueCounter.prefix, QueueCounter.day],
            set_={"last": QueueCounter.last + 1},
        )
        .returning(QueueCounter.last)
    )
    return int(db.execute(stmt).scalar_one())


def issue(
    db: Session,
    service: QueueService,
    kiosk_id: str,
    key: str | None,
    clock: Callable[[], dt.datetime],
    zone: ZoneInfo,
    *,
    category: str | None,
    weight: int,
    source: str = "kiosk",
    name_masked: str | None = None,
    walk_in: bool = True,
) -> QueueTicket:
    """Take the next number of a service in the caller's transaction (the daily limit binds walk-ins only)."""
    day = hall_day(clock(), zone)
    seq = _next_seq(db, service.site_id, service.prefix, day, service.start_number)
    if range_full(seq, service.start_number, service.end_number, service.daily_limit if walk_in else None):
        raise DayFull(f"{service.name} has handed out all of today's numbers")
    # Read the clock once the counter row is held, so issue times follow number order within a letter.
    row = QueueTicket(
        site_id=service.site_id, service_code=service.code, prefix=service.prefix, day=day, seq=seq,
        number=ticket_number(service.prefix, seq), status=WAITING, kiosk_id=kiosk_id, idempotency_key=key,
        issued_at=clock(), source=source, priority_category=category, priority_weight=weight,
        name_masked=name_masked, recalls=0,
    )  # fmt: skip
    db.add(row)
    db.flush()
    return row


def find_by_key(db: Session, kiosk_id: str, key: str | None) -> QueueTicket | None:
    if key is None:
        return None
    return db.scalar(select(QueueTicket).where(QueueTicket.kiosk_id == kiosk_id, QueueTicket.idempotency_key == key))


def take_ticket(
    write: Writer,
    site_id: str,
    kiosk_id: str,
    service_code: str,
    key: str | None,
    clock: Callable[[], dt.datetime],
    zone: ZoneInfo,
    policy: QueuePolicy | None = None,
    *,
    declared: str | None = None,
    birth_date: dt.date | None = None,
    read: Writer | None = None,
) -> tuple[Ticket, bool]:
    """Issue the next number for a service at the kiosk's site (once per key when a key is given).

    With ``read``, position and estimate are worked out after the commit, outside the writers' lock.
    """
    policy = policy or QueuePolicy()
    now = clock()
    try:
        with write() as db, db.begin():
            if (found := find_by_key(db, kiosk_id, key)) is not None:
                ticket_id, created = found.id, False
            else:
                service = db.get(QueueService, (site_id, service_code))
                if service is None:
                    raise UnknownService(service_code)
                if not is_open(service.opens, service.closes, now.astimezone(zone).time()):
                    raise ServiceClosed(service.opens or "", service.closes or "")
                category, weight = priority_for(declared, birth_date, now.astimezone(zone).date(), policy)
                row = issue(db, service, kiosk_id, key, clock, zone, category=category, weight=weight)
                ticket_id, created = row.id, True
            if read is None:
                return ticket_view(db, db.get_one(QueueTicket, ticket_id), now, policy), created
    except IntegrityError:
        with write() as db, db.begin():
            if (found := find_by_key(db, kiosk_id, key)) is None:
                raise
            ticket_id, created = found.id, False
    with (read or write)() as db:
        return ticket_view(db, db.get_one(QueueTicket, ticket_id), now, policy), created


@dataclass(frozen=True)
class LocalTicket:
    number: str
    service: str
    issued_at: dt.datetime
    priority_category: str | None


@dataclass
class LocalOutcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)


def record_local(
    db: Session,
    site_id: str,
    kiosk_id: str,
    tickets: Sequence[LocalTicket],
    now: dt.datetime,
    zone: ZoneInfo,
    policy: QueuePolicy | None = None,
) -> LocalOutcome:
    """Add tickets a kiosk issued from its own block to their services' lines; each (kiosk, number, day) once.

    Runs in the caller's transaction; a racing copy of the batch that commits first makes the flush
    fail on the (kiosk, day, number) constraint, and the caller's next pass counts its rows as duplicates.
    """
    policy = policy or QueuePolicy()
    today = hall_day(now, zone)
    outcome = LocalOutcome()
    known = {s.code for s in services(db, site_id)}
    seen: set[tuple[str, str]] = set()
    for t in sorted(tickets, key=lambda t: t.issued_at):
        day = hall_day(t.issued_at, zone)
        if t.service not in known:
            outcome.rejected.append({"number": t.number, "reason": f"no service {t.service!r} here"})
            continue
        exists = db.scalar(
            select(QueueTicket.id).where(
                QueueTicket.kiosk_id == kiosk_id, QueueTicket.day == day, QueueTicket.local_no == t.number
            )
        )
        if exists is not None or (day, t.number) in seen:
            outcome.duplicates += 1
            continue
        seen.add((day, t.number))
        weight = policy.weights.get(t.priority_category, 0) if t.priority_category else 0
        db.add(
            QueueTicket(
                site_id=site_id, service_code=t.service, prefix=t.number[0], day=day, seq=None,
                number=t.number, status=WAITING if day == today else EXPIRED, kiosk_id=kiosk_id,
                issued_at=t.issued_at.astimezone(dt.UTC), source="local", local_no=t.number,
                priority_category=t.priority_category if weight > 0 else None, priority_weight=weight,
                recalls=0,
            )
        )  # fmt: skip
        outcome.accepted += 1
    db.flush()
    return outcome
