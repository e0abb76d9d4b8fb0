"""Lookups by ID number from kiosks: a per-kiosk limit, an audit row each, and an alert when a kiosk bursts.

A kiosk serves one citizen at a time, and a citizen asks for a handful of records: a kiosk asking for
many people's records in a short time is being used to guess numbers (60 guesses once found a
person's fund balance in half a second). Each lookup is a row (kiosk, what, a keyed hash of the
number, time, outcome), counted in the database so several hub nodes count alike; past the limit the
kiosk is refused with 429 until the window moves on, and the first refusal raises an alert on the
fleet view and in the log, with the kiosk and the counts only.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hub.db.lookup_models import IdLookup, KioskAlert

log = logging.getLogger("hub.lookups")

BURST = "id_lookup_burst"
FOUND, NONE, REFUSED, ASKED = "found", "none", "refused", "asked"
_PURGE_EVERY = 1000  # rows past the retention go now and then, in the transaction of a new one


@dataclass(frozen=True)
class Limits:
    window_seconds: int
    per_window: int
    retention_days: int


@dataclass(frozen=True)
class Caller:
    kiosk_id: str
    site_id: str


class TooManyLookups(Exception):
    """The kiosk has used its lookups for this window; ``retry_after`` seconds until one is free."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Admission:
    lookup_id: int
    retry_after: int | None  # None: go ahead; else refused, seconds until a lookup is free


def admit(db: Session, caller: Caller, what: str, id_type: str, person_index: str, now: dt.datetime,
          limits: Limits) -> Admission:
    """Record one lookup; over the limit it is recorded as refused (and an alert raised) instead.

    Runs in the caller's write transaction, which must commit the refusal too: the caller raises
    TooManyLookups after the commit, not inside it.
    """
    since = now - dt.timedelta(seconds=limits.window_seconds)
    used, oldest = db.execute(
        select(func.count(), func.min(IdLookup.at)).where(
            IdLookup.kiosk_id == caller.kiosk_id, IdLookup.at > since, IdLookup.outcome != REFUSED
        )
    ).one()
    allowed = used < limits.per_window
    row = IdLookup(kiosk_id=caller.kiosk_id, site_id=caller.site_id, what=what, id_type=id_type,
                   person_index=person_index, outcome=ASKED if allowed else REFUSED, at=now)
    db.add(row)
    db.flush()
    if row.id % _PURGE_EVERY == 0:
        purge(db, now, limits)
    if allowed:
        return Admission(row.id, None)
    _raise_alert(db, caller, used, now, limits)
    first = oldest if oldest is not None else now
    first = first if first.tzinfo else first.replace(tzinfo=dt.UTC)
    return Admission(row.id, max(1, math.ceil((first - since).total_seconds())))


def settle(db: Session, lookup_id: int, found: bool) -> None:
    """Write down whether the lookup found a record."""
    db.execute(update(IdLookup).where(IdLookup.id == lookup_id).values(outcome=FOUND if found else NONE))


def purge(db: Session, now: dt.datetime, limits: Limits) -> int:
    """Forget audit rows older than the retention; returns how many went."""
    cut = now - dt.timedelta(days=limits.retention_days)
    return db.execute(delete(IdLookup).where(IdLookup.at < cut)).rowcount or 0


def _raise_alert(db: Session, caller: Caller, used: int, now: dt.datetime, limits: Limits) -> None:
    open_alert = db.scalar(select(KioskAlert.id).where(
        KioskAlert.kiosk_id == caller.kiosk_id, KioskAlert.kind == BURST, KioskAlert.cleared_at.is_(None)))
    if open_alert is not None:
        return
    detail = (f"{used} lookups by ID number within {limits.window_seconds} s (limit {limits.per_window}); "
              "further lookups refused until the window moves on")
    db.add(KioskAlert(kiosk_id=caller.kiosk_id, kind=BURST, detail=detail, raised_at=now))
    log.warning("kiosk %s at %s: %s", caller.kiosk_id, caller.site_id, detail)


def open_alerts(db: Session) -> dict[str, list[KioskAlert]]:
    """Uncleared alerts per kiosk, newest first."""
    found: dict[str, list[KioskAlert]] = {}
    for alert in db.scalars(select(KioskAlert).where(KioskAlert.cleared_at.is_(None)).order_by(KioskAlert.id.desc())):
        found.setdefault(alert.kiosk_id, []).append(alert)
    return found


def clear_alert(db: Session, alert_id: int, who: str, now: dt.datetime) -> bool:
    alert = db.get(KioskAlert, alert_id)
    if alert is None or alert.cleared_at is not None:
        return False
    alert.cleared_at, alert.cleared_by = now, who[:64]
    return True


def search(db: Session, *, kiosk_id: str | None = None, person_index: str | None = None,
           limit: int = 200) -> list[IdLookup]:
    """Newest audit rows first, narrowed to a kiosk and/or a person."""
    query = select(IdLookup).order_by(IdLookup.id.desc()).limit(limit)
    if kiosk_id:
        query = query.where(IdLookup.kiosk_id == kiosk_id)
    if person_index:
        query = query.where(IdLookup.person_index == person_index)
    return list(db.scalars(query))
