"""A site's queue services (ticket letter, hours, limits) and what their lines look like now."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import QueueService, QueueTicket, Site
from hub.intake import utc
from hub.queue.errors import QueueError
from hub.queue.rules import (
    CODE,
    DONE,
    HHMM,
    WAITING,
    QueuePolicy,
    estimate_minutes,
    hall_day,
    is_open,
    minutes_per_person,
)
from hub.queue.schemas import ServiceOut


def add_service(
    db: Session,
    site_id: str,
    code: str,
    prefix: str,
    name: str,
    minutes_per_person: float,
    windows: int,
    *,
    opens: str | None = None,
    closes: str | None = None,
    daily_limit: int | None = None,
    start: int = 1,
    end: int | None = None,
) -> None:
    """Add or replace a queue service at a site (options not given go back to their defaults)."""
    if db.get(Site, site_id) is None:
        raise QueueError(f"no site {site_id}; sites are created by 'kioskhub kiosks add'")
    if not CODE.match(code):
        raise QueueError("--code must be 1-32 lower-case letters, digits or '_'")
    if not re.fullmatch(r"[A-Z]", prefix):
        raise QueueError("--prefix must be one capital letter A-Z")
    if not (0 < minutes_per_person <= 240) or not (1 <= windows <= 100):
        raise QueueError("--minutes must be in (0, 240] and --windows in 1..100")
    if (opens is None) != (closes is None):
        raise QueueError("give both --opens and --closes, or neither (open all day)")
    if opens is not None and closes is not None:
        if not HHMM.match(opens) or not HHMM.match(closes):
            raise QueueError("--opens and --closes must be HH:MM in the hall's time zone, e.g. 08:30")
        if opens >= closes:
            raise QueueError("--closes must be later than --opens")
    if daily_limit is not None and not (1 <= daily_limit <= 100_000):
        raise QueueError("--daily-limit must be in 1..100000")
    if not (1 <= start <= 99_999) or (end is not None and not (start <= end <= 999_999)):
        raise QueueError("--start must be in 1..99999 and --end, if given, in --start..999999")
    taken = db.scalar(select(QueueService).where(QueueService.site_id == site_id, QueueService.prefix == prefix))
    if taken is not None and taken.code != code:
        raise QueueError(f"letter {prefix} is already used by {taken.code} at {site_id}")
    row = db.get(QueueService, (site_id, code))
    if row is None:
        row = QueueService(site_id=site_id, code=code)
        db.add(row)
    row.prefix, row.name, row.minutes_per_person, row.windows = prefix, name, minutes_per_person, windows
    row.opens, row.closes, row.daily_limit, row.start_number, row.end_number = opens, closes, daily_limit, start, end


def services(db: Session, site_id: str) -> list[QueueService]:
    return list(db.scalars(select(QueueService).where(QueueService.site_id == site_id).order_by(QueueService.prefix)))


def waiting_counts(db: Session, site_id: str, day: str) -> dict[str, int]:
    rows = db.execute(
        select(QueueTicket.service_code, func.count())
        .where(QueueTicket.site_id == site_id, QueueTicket.day == day, QueueTicket.status == WAITING)
        .group_by(QueueTicket.service_code)
    ).all()
    return {code: int(n) for code, n in rows}


def service_estimate(
    db: Session, service: QueueService, people_ahead: int, now: dt.datetime, policy: QueuePolicy
) -> int:
    """Minutes for `people_ahead` people: recent median service time over the windows open now."""
    ended = db.execute(
        select(QueueTicket.called_at, QueueTicket.done_at)
        .where(
            QueueTicket.site_id == service.site_id,
            QueueTicket.service_code == service.code,
            QueueTicket.status == DONE,
            QueueTicket.done_at.is_not(None),
        )
        .order_by(QueueTicket.done_at.desc(), QueueTicket.id.desc())
        .limit(policy.samples)
    ).all()
    durations = [(utc(d) - utc(c)).total_seconds() / 60 for c, d in ended if c is not None]
    per_person = minutes_per_person(durations, policy.samples, service.minutes_per_person)
    return estimate_minutes(people_ahead, per_person, open_windows(db, service, now, policy))


def open_windows(db: Session, service: QueueService, now: dt.datetime, policy: QueuePolicy) -> int:
    """Windows that called a ticket of this service lately; the configured count before any has."""
    since = now - dt.timedelta(minutes=policy.window_idle_minutes)
    n = db.scalar(
        select(func.count(func.distinct(QueueTicket.window_no))).where(
            QueueTicket.site_id == service.site_id,
            QueueTicket.service_code == service.code,
            QueueTicket.called_at >= since,
            QueueTicket.window_no.is_not(None),
        )
    )
    return int(n or 0) or service.windows


def summaries(db: Session, site_id: str, now: dt.datetime, zone: ZoneInfo, policy: QueuePolicy) -> list[ServiceOut]:
    """Each service of a site with today's waiting count and the wait a new normal ticket would have."""
    counts = waiting_counts(db, site_id, hall_day(now, zone))
    local = now.astimezone(zone).time()
    return [
        ServiceOut(
            code=s.code,
            prefix=s.prefix,
            name=s.name,
            waiting=counts.get(s.code, 0),
            estimated_wait_minutes=service_estimate(db, s, counts.get(s.code, 0), now, policy),
            opens=s.opens,
            closes=s.closes,
            open=is_open(s.opens, s.closes, local),
        )
        for s in services(db, site_id)
    ]
