"""Remote commands: staff queue them for a kiosk or a site, heartbeats hand them out, kiosks answer them.

A command is handed out with every heartbeat answer until the kiosk answers it (a lost answer costs
nothing: kioskd remembers what it ran and answers again without running it twice). One the kiosk
reports as failed is kept as failed and never handed out again; one with no answer within
``EXPIRE_AFTER`` is expired by the sweep, so nothing is retried for ever.
"""

from __future__ import annotations

import datetime as dt
import secrets

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.fleet_models import KioskCommand
from hub.db.models import Kiosk
from wire.commands import COMMAND_KINDS, LOG_HOURS_MAX, CommandResult, RemoteCommand

EXPIRE_AFTER = dt.timedelta(hours=24)
HANDED_OUT = 10  # most commands in one heartbeat answer
LABELS = {
    "restart_kioskd": "重启终端服务", "restart_ui": "重启界面", "selftest": "设备自检", "upload_logs": "上传日志",
    "reload_catalogue": "重新加载事项", "maintenance_on": "暂停服务", "maintenance_off": "恢复服务",
}


class CommandError(ValueError):
    """A command that cannot be queued or answered as asked; the message says why and what to do."""


class CommandOut(BaseModel):
    id: int
    batch: str
    kiosk_id: str
    site_id: str
    kind: str
    label: str
    hours: int | None
    requested_by: str
    requested_at: dt.datetime
    state: str
    sent_at: dt.datetime | None
    answered_at: dt.datetime | None
    detail: str | None
    has_logs: bool


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def command_out(row: KioskCommand) -> CommandOut:
    return CommandOut(id=row.id, batch=row.batch, kiosk_id=row.kiosk_id, site_id=row.site_id, kind=row.kind,
                      label=LABELS.get(row.kind, row.kind), hours=row.hours, requested_by=row.requested_by,
                      requested_at=_utc(row.requested_at), state=row.state, sent_at=_utc(row.sent_at),
                      answered_at=_utc(row.answered_at), detail=row.detail, has_logs=bool(row.logs_file))


def queue(db: Session, *, kind: str, requested_by: str, now: dt.datetime, kiosk_id: str | None = None,
          site_id: str | None = None, hours: int | None = None) -> list[KioskCommand]:
    """Queue ``kind`` for one kiosk or for every active kiosk of a site; the rows made."""
    if kind not in COMMAND_KINDS:
        raise CommandError(f"kind must be one of {', '.join(COMMAND_KINDS)}")
    if (kiosk_id is None) == (site_id is None):
        raise CommandError("name either a kiosk or a site, not both")
    if kind == "upload_logs":
        hours = hours or 24
        if not 1 <= hours <= LOG_HOURS_MAX:
            raise CommandError(f"hours must be 1 to {LOG_HOURS_MAX}")
    else:
        hours = None
    if kiosk_id is not None:
        kiosk = db.get(Kiosk, kiosk_id)
        if kiosk is None or kiosk.revoked_at is not None:
            raise CommandError(f"no active kiosk {kiosk_id}; see kioskhub kiosks list")
        targets = [kiosk]
    else:
        targets = list(db.scalars(select(Kiosk).where(Kiosk.site_id == site_id, Kiosk.revoked_at.is_(None))
                                  .order_by(Kiosk.id)))
        if not targets:
            raise CommandError(f"site {site_id} has no active kiosk; see kioskhub kiosks list")
    batch = secrets.token_hex(8)
    rows = [KioskCommand(batch=batch, kiosk_id=k.id, site_id=k.site_id, kind=kind, hours=hours,
                         requested_by=requested_by[:64], requested_at=now, state="queued") for k in targets]
    db.add_all(rows)
    db.flush()
    return rows


def hand_out(db: Session, kiosk_id: str, now: dt.datetime) -> list[RemoteCommand]:
    """The kiosk's unanswered commands, oldest first, for its heartbeat's answer (marked sent)."""
    rows = db.scalars(select(KioskCommand).where(KioskCommand.kiosk_id == kiosk_id,
                                                 KioskCommand.state.in_(("queued", "sent")))
                      .order_by(KioskCommand.id).limit(HANDED_OUT)).all()
    for row in rows:
        if row.state == "queued":
            row.state, row.sent_at = "sent", now
    return [RemoteCommand(id=r.id, kind=r.kind, hours=r.hours, requested_at=_utc(r.requested_at))  # type: ignore[arg-type]
            for r in rows]


def answer(db: Session, kiosk_id: str, command_id: int, result: CommandResult, now: dt.datetime) -> KioskCommand:
    """Record the kiosk's answer; a repeated answer changes nothing, an answer to another kiosk's command is refused."""
    row = db.get(KioskCommand, command_id)
    if row is None or row.kiosk_id != kiosk_id:
        raise CommandError(f"no command {command_id} for kiosk {kiosk_id}")
    if row.state in ("queued", "sent", "expired"):  # a late answer to an expired command is still the truth
        row.state = "done" if result.ok else "failed"
        row.answered_at, row.detail = now, result.detail
    return row


def expire(db: Session, now: dt.datetime) -> int:
    """Give up on commands with no answer after ``EXPIRE_AFTER``; how many."""
    rows = db.scalars(select(KioskCommand).where(KioskCommand.state.in_(("queued", "sent")),
                                                 KioskCommand.requested_at < now - EXPIRE_AFTER)).all()
    for row in rows:
        row.state, row.detail = "expired", "no answer from the kiosk within 24 hours"
    return len(rows)


def history(db: Session, *, kiosk_id: str | None = None, site_id: str | None = None,
            limit: int = 200) -> list[CommandOut]:
    query = select(KioskCommand)
    if kiosk_id:
        query = query.where(KioskCommand.kiosk_id == kiosk_id)
    if site_id:
        query = query.where(KioskCommand.site_id == site_id)
    return [command_out(r) for r in db.scalars(query.order_by(KioskCommand.id.desc()).limit(limit))]
