"""Fleet alerts: each kiosk's problems (``hub.fleet.problems``) raised once and cleared once.

A problem becomes an alert when it has lasted its rule's delay (``Limits.delay``: a device offline for
``KIOSKHUB_ALERT_DEVICE_OFFLINE_MINUTES``; everything else at once), and the alert clears when the
problem has been gone for ``KIOSKHUB_ALERT_CLEAR_SECONDS`` without a break. A printer whose paper sensor
flickers, or a backlog going 19, 20, 19, 20, therefore raises one alert and clears it once, not a
message a minute. Kiosks are judged when their heartbeat arrives and, for the silent ones, by the
periodic sweep (``hub.fleet_watch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.db.fleet_models import FleetAlert
from hub.fleet import PROBLEM_LABELS, Limits, Problem, fleet_kiosk
from hub.registry import KioskInfo
from hub.settings import HubSettings

Action = Literal["keep", "raise", "absent", "back", "clear", "drop"]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def advance(*, since: dt.datetime, raised_at: dt.datetime | None, absent_since: dt.datetime | None,
            present: bool, now: dt.datetime, delay_s: float, clear_s: float) -> Action:
    """What becomes of an open alert (raised or waiting for its delay) given whether its problem is there now."""
    if raised_at is None:
        if not present:
            return "drop"  # gone before it lasted long enough: never news
        return "raise" if (now - since).total_seconds() >= delay_s else "keep"
    if present:
        return "back" if absent_since is not None else "keep"
    gone_since = absent_since or now
    return "clear" if (now - gone_since).total_seconds() >= clear_s else ("absent" if absent_since is None else "keep")


@dataclass(frozen=True)
class Rules:
    limits: Limits
    clear_s: float
    webhook: bool  # whether raised and cleared alerts are to be posted

    @classmethod
    def from_settings(cls, settings: HubSettings) -> Rules:
        return cls(Limits.from_settings(settings), settings.alert_clear_seconds, settings.alert_webhook is not None)

    def delivery(self) -> str | None:
        return "due" if self.webhook else None


def judge(db: Session, kiosk: KioskInfo, now: dt.datetime, rules: Rules) -> int:
    """Bring the kiosk's alerts up to date with its problems now; the number raised or cleared."""
    problems = {(p.kind, p.subject): p for p in fleet_kiosk(kiosk, now, rules.limits).problems}
    open_rows = db.scalars(select(FleetAlert).where(FleetAlert.kiosk_id == kiosk.id,
                                                    FleetAlert.cleared_at.is_(None))).all()
    return _apply(db, kiosk, open_rows, problems, now, rules)


def _apply(db: Session, kiosk: KioskInfo, open_rows: Iterable[FleetAlert], problems: dict[tuple[str, str], Problem],
           now: dt.datetime, rules: Rules) -> int:
    changes = 0
    seen: set[tuple[str, str]] = set()
    for row in open_rows:
        key = (row.kind, row.subject)
        seen.add(key)
        problem = problems.get(key)
        action = advance(since=_utc(row.since) or now, raised_at=row.raised_at, absent_since=_utc(row.absent_since),
                         present=problem is not None, now=now, delay_s=rules.limits.delay(row.kind),
                         clear_s=rules.clear_s)
        if problem is not None:
            row.detail = problem.detail[:300]
        if action == "drop":
            db.delete(row)
        elif action == "raise":
            row.raised_at, row.raise_delivery = now, rules.delivery()
            changes += 1
        elif action == "absent":
            row.absent_since = now
        elif action == "back":
            row.absent_since = None
        elif action == "clear":
            row.cleared_at = now
            # The receiver hears of a clearing only if it heard of the raising (or still will, first).
            row.clear_delivery = rules.delivery() if row.raise_delivery in ("due", "sent") else None
            changes += 1
    for key, problem in problems.items():
        if key in seen:
            continue
        row = FleetAlert(kiosk_id=kiosk.id, site_id=kiosk.site_id, kind=problem.kind, subject=problem.subject[:64],
                         detail=problem.detail[:300], since=now, attempts=0)
        if rules.limits.delay(problem.kind) <= 0:
            row.raised_at, row.raise_delivery = now, rules.delivery()
            changes += 1
        db.add(row)
    return changes


def judge_all(db: Session, kiosks: Iterable[KioskInfo], now: dt.datetime, rules: Rules) -> int:
    """The sweep: every kiosk at once (silence is noticed here, since a silent kiosk sends nothing)."""
    by_kiosk: dict[str, list[FleetAlert]] = {}
    for row in db.scalars(select(FleetAlert).where(FleetAlert.cleared_at.is_(None))):
        by_kiosk.setdefault(row.kiosk_id, []).append(row)
    changes = 0
    for kiosk in kiosks:
        problems = {(p.kind, p.subject): p for p in fleet_kiosk(kiosk, now, rules.limits).problems}
        changes += _apply(db, kiosk, by_kiosk.get(kiosk.id, []), problems, now, rules)
    return changes


class AlertOut(BaseModel):
    """One alert as staff and ``kioskhub alerts list --json`` see it, and as the webhook receives it."""

    id: int
    kiosk_id: str
    site_id: str
    kind: str
    label: str
    subject: str
    detail: str
    raised_at: dt.datetime
    cleared_at: dt.datetime | None
    delivery: str | None = None  # the webhook's side: due, sent, failed
    last_error: str | None = None


def alert_out(row: FleetAlert) -> AlertOut:
    return AlertOut(id=row.id, kiosk_id=row.kiosk_id, site_id=row.site_id, kind=row.kind,
                    label=PROBLEM_LABELS.get(row.kind, row.kind), subject=row.subject, detail=row.detail,
                    raised_at=_utc(row.raised_at) or dt.datetime.min.replace(tzinfo=dt.UTC),
                    cleared_at=_utc(row.cleared_at),
                    delivery=row.clear_delivery if row.cleared_at is not None and row.clear_delivery
                    else row.raise_delivery, last_error=row.last_error)


def listing(db: Session, *, include_cleared: bool = False, limit: int = 500) -> list[AlertOut]:
    """Raised alerts, newest first: the open ones, and with ``include_cleared`` the cleared ones too."""
    query = select(FleetAlert).where(FleetAlert.raised_at.is_not(None))
    if not include_cleared:
        query = query.where(FleetAlert.cleared_at.is_(None))
    rows = db.scalars(query.order_by(FleetAlert.raised_at.desc(), FleetAlert.id.desc()).limit(limit))
    return [alert_out(r) for r in rows]


def due_deliveries(db: Session, now: dt.datetime, limit: int = 50) -> list[FleetAlert]:
    """Alerts with an event to post whose next try has come."""
    return list(db.scalars(select(FleetAlert).where(
        or_(FleetAlert.raise_delivery == "due", FleetAlert.clear_delivery == "due"),
        or_(FleetAlert.next_attempt_at.is_(None), FleetAlert.next_attempt_at <= now),
    ).order_by(FleetAlert.id).limit(limit)))
