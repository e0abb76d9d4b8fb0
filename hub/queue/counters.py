"""What a counter window does with tickets: call the next, recall, finish, mark a no-show, transfer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import QueueService, QueueTicket
from hub.intake import utc
from hub.queue.errors import NoCurrentTicket, QueueError, UnknownService
from hub.queue.rules import CALLED, DONE, NO_SHOW, WAITING, QueuePolicy, hall_day
from hub.queue.schemas import CalledOut
from hub.queue.tickets import order_of_line


def _service_locked(db: Session, site_id: str, code: str) -> QueueService:
    service = db.scalar(
        select(QueueService).where(QueueService.site_id == site_id, QueueService.code == code).with_for_update()
    )
    if service is None:
        raise UnknownService(code)
    return service


def current(db: Session, site_id: str, window: int) -> QueueTicket | None:
    """The ticket a window has called and not finished."""
    return db.scalar(
        select(QueueTicket)
        .where(QueueTicket.site_id == site_id, QueueTicket.window_no == window, QueueTicket.status == CALLED)
        .order_by(QueueTicket.called_at.desc(), QueueTicket.id.desc())
        .limit(1)
    )


def _current_or_fail(db: Session, site_id: str, window: int) -> QueueTicket:
    row = current(db, site_id, window)
    if row is None:
        raise NoCurrentTicket(f"window {window} has no called ticket; call the next one first")
    return row


def call_next(
    db: Session, site_id: str, window: int, service_code: str, now: dt.datetime, zone: ZoneInfo, policy: QueuePolicy
) -> QueueTicket | None:
    """Finish the window's current ticket and call the next of a service in calling order; None when nobody waits."""
    service = _service_locked(db, site_id, service_code)
    if (row := current(db, site_id, window)) is not None:
        row.status, row.done_at = DONE, now
    day = hall_day(now, zone)
    order = order_of_line(db, site_id, service.code, day, policy)
    if not order:
        return None
    last = db.scalar(
        select(func.max(QueueTicket.call_no)).where(
            QueueTicket.site_id == site_id, QueueTicket.service_code == service.code, QueueTicket.day == day
        )
    )
    nxt = db.get_one(QueueTicket, order[0])
    nxt.status, nxt.window_no, nxt.called_at, nxt.announced_at = CALLED, window, now, now
    nxt.call_no = int(last or 0) + 1
    return nxt


def recall(db: Session, site_id: str, window: int, now: dt.datetime) -> QueueTicket:
    """Announce the window's current ticket again."""
    row = _current_or_fail(db, site_id, window)
    row.recalls += 1
    row.announced_at = now
    return row


def finish(db: Session, site_id: str, window: int, now: dt.datetime, *, no_show: bool = False) -> QueueTicket:
    """Close the window's current ticket as served, or as a no-show (called, recalled, nobody came)."""
    row = _current_or_fail(db, site_id, window)
    row.status, row.done_at = (NO_SHOW if no_show else DONE), now
    return row


def transfer(db: Session, site_id: str, window: int, to_service: str) -> QueueTicket:
    """Send the window's current ticket to another service's line, keeping its issue time and priority."""
    target = _service_locked(db, site_id, to_service)
    row = _current_or_fail(db, site_id, window)
    if row.service_code == target.code:
        raise QueueError(f"{row.number} is already in {target.code}'s line")
    row.transferred_from, row.service_code = row.service_code, target.code
    row.status, row.window_no, row.called_at, row.announced_at, row.call_no = WAITING, None, None, None, None
    return row


def called_view(db: Session, row: QueueTicket) -> CalledOut:
    """A ticket as a window or the hall display shows it."""
    service = db.get(QueueService, (row.site_id, row.service_code))
    return CalledOut(
        number=row.number,
        service=row.service_code,
        service_name=service.name if service else row.service_code,
        window=row.window_no,
        name_masked=row.name_masked,
        priority_category=row.priority_category,
        recalls=row.recalls,
        status=row.status,
        called_at=utc(row.called_at) if row.called_at else None,
    )


def recent_calls(db: Session, site_id: str, day: str, limit: int = 8) -> list[CalledOut]:
    """The latest announced tickets of a site today, newest (or most recently recalled) first."""
    rows = db.scalars(
        select(QueueTicket)
        .where(QueueTicket.site_id == site_id, QueueTicket.day == day, QueueTicket.announced_at.is_not(None))
        .order_by(QueueTicket.announced_at.desc(), QueueTicket.id.desc())
        .limit(limit)
    ).all()
    return [called_view(db, r) for r in rows]
