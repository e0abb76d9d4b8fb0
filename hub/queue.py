"""取号: services with a ticket letter and hours, per-day numbers, priority calling order, counters and wait estimates.

Numbers are taken with an upsert inside the ticket's transaction, like case numbers, so concurrent
kiosks never get the same number and a refused or failed request leaves no gap. Without an end
number the number grows a digit past 999 (A1000); with one, the day is full after it. Numbers never
wrap, so a number never repeats within a day.

Calling order (NovoSGA's ``peso``): priority tickets by weight, then issue time; normal tickets by issue
time. After ``max_streak`` priority calls in a row the next call goes to the longest-waiting normal
ticket, so a steady stream of priority tickets cannot starve the rest of the hall.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import json
import logging
import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.db.models import QueueCounter, QueueService, QueueTicket, Site
from hub.intake import Writer, utc
from hub.personal import Keys

WAITING = "waiting"
CALLED = "called"
DONE = "done"
NO_SHOW = "no_show"
EXPIRED = "expired"
CODE = re.compile(r"^[a-z0-9_]{1,32}$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CATEGORIES = ("elderly", "pregnant", "disability", "appointment")
DECLARED = ("pregnant", "disability")
log = logging.getLogger(__name__)
DEFAULT_WEIGHTS = {"elderly": 2, "pregnant": 3, "disability": 3, "appointment": 1}


class QueueError(ValueError):
    """A queue request that cannot be done; the message says why."""


class UnknownService(QueueError):
    """No such service at the site."""


class ServiceClosed(QueueError):
    """Outside the service's opening hours (hall time)."""

    def __init__(self, opens: str, closes: str) -> None:
        super().__init__(f"the service takes numbers from {opens} to {closes}")
        self.opens, self.closes = opens, closes


class DayFull(QueueError):
    """The service's daily limit is reached or its number range is used up."""


class NoCurrentTicket(QueueError):
    """The window has no called ticket to act on."""


class BadWeights(QueueError):
    """Priority weights that are not category → 0..9."""


@dataclass(frozen=True)
class QueuePolicy:
    """How the line is ordered and estimated; built from the hub's settings."""

    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    max_streak: int = 3
    elderly_age: int = 60
    samples: int = 10
    window_idle_minutes: int = 30


MAX_WEIGHT = 9


def parse_weights(values: dict[str, object]) -> dict[str, int]:
    """A site's weights as given (category → 0..9); raises BadWeights naming what is wrong."""
    out: dict[str, int] = {}
    for category, value in values.items():
        if category not in CATEGORIES:
            raise BadWeights(f"unknown priority category {category!r}; use {', '.join(CATEGORIES)}")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WEIGHT:
            raise BadWeights(f"{category}: a weight is a whole number from 0 (off) to {MAX_WEIGHT}, not {value!r}")
        out[category] = value
    return out


def site_weights(defaults: dict[str, int], stored: str | None) -> dict[str, int]:
    """The hub's weights with a site's own over them (set by ``kioskhub queue set-weights``)."""
    if not stored:
        return dict(defaults)
    try:
        return {**defaults, **parse_weights(json.loads(stored))}
    except (ValueError, TypeError, AttributeError):  # a hand-edited row: the defaults, never a crash at the kiosk
        log.warning("a site's queue weights are unreadable; using the hub's", extra={"stored": stored[:80]})
        return dict(defaults)


def set_site_weights(db: Session, site_id: str, weights: dict[str, int] | None) -> None:
    """Store a site's own weights (None: back to the hub's defaults)."""
    site = db.get(Site, site_id)
    if site is None:
        raise QueueError(f"no site {site_id}; sites are created by 'kioskhub kiosks add'")
    site.queue_weights = json.dumps(parse_weights(weights), sort_keys=True) if weights else None


@dataclass(frozen=True)
class Ticket:
    number: str
    service: str
    service_name: str
    position: int
    people_ahead: int
    estimated_wait_minutes: int
    issued_at: dt.datetime
    priority: bool
    priority_category: str | None
    ticket_id: int


@dataclass(frozen=True)
class InLine:
    """What the calling order needs to know about one waiting ticket."""

    id: int
    weight: int
    issued_at: dt.datetime


@dataclass(frozen=True)
class Called:
    """A ticket as a window or the hall display shows it."""

    number: str
    service: str
    service_name: str
    window: int | None
    name_masked: str | None
    priority_category: str | None
    recalls: int
    status: str
    called_at: dt.datetime | None


# --- pure rules -------------------------------------------------------------------------------


def ticket_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def hall_day(now: dt.datetime, zone: ZoneInfo) -> str:
    return f"{now.astimezone(zone).date():%Y%m%d}"


def estimate_minutes(people_ahead: int, minutes_per_person: float, windows: int) -> int:
    """Whole minutes until this person is served, with `windows` counters working in parallel."""
    return math.ceil(people_ahead * minutes_per_person / max(windows, 1))


def minutes_per_person(durations: Sequence[float], samples: int, configured: float) -> float:
    """Median of the last `samples` service times (minutes), or the configured figure until there are that many."""
    if samples < 1 or len(durations) < samples:
        return configured
    return float(statistics.median(durations[:samples]))


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`; someone born on 29 February turns a year older on 1 March."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def priority_for(
    declared: str | None, birth: dt.date | None, day: dt.date, policy: QueuePolicy
) -> tuple[str | None, int]:
    """(category, weight) of a new ticket: the heaviest of what was declared and age 60+ on the hall date."""
    found = [declared] if declared else []
    if birth is not None and age_on(birth, day) >= policy.elderly_age:
        found.append("elderly")
    best = max(found, key=lambda c: policy.weights.get(c, 0), default=None)
    weight = policy.weights.get(best, 0) if best else 0
    return (best, weight) if weight > 0 else (None, 0)


def calling_order(line: Sequence[InLine], streak: int, max_streak: int) -> list[int]:
    """Ticket ids in the order counters will call them, given `streak` priority calls just made in a row."""
    priority = sorted((t for t in line if t.weight > 0), key=lambda t: (-t.weight, t.issued_at, t.id))
    normal = sorted((t for t in line if t.weight <= 0), key=lambda t: (t.issued_at, t.id))
    order: list[int] = []
    i = j = 0
    while i < len(priority) or j < len(normal):
        if i < len(priority) and (j >= len(normal) or streak < max_streak):
            order.append(priority[i].id)
            i, streak = i + 1, streak + 1
        else:
            order.append(normal[j].id)
            j, streak = j + 1, 0
    return order


def calls_before(priority: bool, rank: int, others: int, streak: int, max_streak: int) -> int:
    """How many calls come before a waiting ticket: the same as its index in calling_order, from counts alone.

    rank: tickets of its own kind called before it among themselves; others: waiting tickets of the other kind.
    """
    calls = 0
    if priority:
        normals = others
        while True:
            if normals == 0 or streak < max_streak:
                if rank == 0:
                    return calls
                rank, streak = rank - 1, streak + 1
            else:
                normals, streak = normals - 1, 0
            calls += 1
    priorities = others
    while True:
        if priorities > 0 and streak < max_streak:
            priorities, streak = priorities - 1, streak + 1
        else:
            if rank == 0:
                return calls
            rank, streak = rank - 1, 0
        calls += 1


def trailing_streak(weights_newest_first: Sequence[int]) -> int:
    """How many of the latest calls in a row were priority tickets."""
    n = 0
    for weight in weights_newest_first:
        if weight <= 0:
            break
        n += 1
    return n


def is_open(opens: str | None, closes: str | None, local: dt.time) -> bool:
    """Whether a service with these hours (HH:MM, hall time) takes numbers at `local`; no hours means always."""
    if not opens or not closes:
        return True
    return opens <= f"{local:%H:%M}" < closes


def range_full(seq: int, start: int, end: int | None, daily_limit: int | None) -> bool:
    """Whether the seq-th number lies past the number range or the daily limit."""
    return (end is not None and seq > end) or (daily_limit is not None and seq - start + 1 > daily_limit)


# --- services ---------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ServiceSummary:
    code: str
    prefix: str
    name: str
    waiting: int
    estimated_wait_minutes: int
    opens: str | None
    closes: str | None
    open: bool


def summaries(db: Session, site_id: str, now: dt.datetime, zone: ZoneInfo, policy: QueuePolicy) -> list[ServiceSummary]:
    """Each service of a site with today's waiting count and the wait a new normal ticket would have."""
    counts = waiting_counts(db, site_id, hall_day(now, zone))
    local = now.astimezone(zone).time()
    return [
        ServiceSummary(
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


# --- tickets ----------------------------------------------------------------------------------


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


# --- counters ---------------------------------------------------------------------------------


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


def called_view(db: Session, row: QueueTicket) -> Called:
    service = db.get(QueueService, (row.site_id, row.service_code))
    return Called(
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


def recent_calls(db: Session, site_id: str, day: str, limit: int = 8) -> list[Called]:
    """The latest announced tickets of a site today, newest (or most recently recalled) first."""
    rows = db.scalars(
        select(QueueTicket)
        .where(QueueTicket.site_id == site_id, QueueTicket.day == day, QueueTicket.announced_at.is_not(None))
        .order_by(QueueTicket.announced_at.desc(), QueueTicket.id.desc())
        .limit(limit)
    ).all()
    return [called_view(db, r) for r in rows]


# --- follow links -----------------------------------------------------------------------------

FOLLOW_MAC_BYTES = 15  # 120 bits: 20 base64url characters, no padding


def follow_token(keys: Keys, ticket_id: int) -> str:
    """The public, unguessable name of one ticket: ``<row id>.<truncated HMAC of the id>``; nothing is stored."""
    mac = base64.urlsafe_b64encode(keys.follow_mac(ticket_id)[:FOLLOW_MAC_BYTES]).decode()
    return f"{ticket_id}.{mac}"


def follow_ticket_id(keys: Keys, token: str) -> int | None:
    """The ticket id a follow token names, or None when the token is malformed or was not made with this hub's key."""
    head, dot, _ = token.partition(".")
    if not dot or not head.isascii() or not head.isdigit() or len(head) > 18 or head != str(int(head)):
        return None
    ticket_id = int(head)
    return ticket_id if hmac.compare_digest(follow_token(keys, ticket_id).encode(), token.encode()) else None


@dataclass(frozen=True)
class Followed:
    """What a ticket's public follow page shows: nothing about its holder."""

    number: str
    service_name: str
    status: str
    people_ahead: int
    estimated_wait_minutes: int
    window: int | None
    transferred: bool
    today: bool


def follow_view(db: Session, ticket_id: int, now: dt.datetime, zone: ZoneInfo, policy: QueuePolicy) -> Followed | None:
    """A ticket's state for its follow page, with people ahead and the wait as the ticket answer counts them."""
    row = db.get(QueueTicket, ticket_id)
    if row is None:
        return None
    view = ticket_view(db, row, now, policy)
    return Followed(
        number=row.number,
        service_name=view.service_name,
        status=row.status,
        people_ahead=view.people_ahead,
        estimated_wait_minutes=view.estimated_wait_minutes,
        window=row.window_no,
        transferred=row.transferred_from is not None,
        today=row.day == hall_day(now, zone),
    )
