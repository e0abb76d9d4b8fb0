"""Call history and callback requests in the database (sync; the switchboard runs these on its writer thread)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.masking import mask_phone
from hub.db.call_models import CallbackRequest, CallRecord
from hub.db.models import Kiosk
from hub.personal import Keys
from hub.video.calls import LIVE, Call, Reason, Status

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class CallbackError(ValueError):
    """A callback request that cannot be stored; the message says why."""


def kiosk_site(db: Session, kiosk_id: str) -> str:
    kiosk = db.get(Kiosk, kiosk_id)
    return kiosk.site_id if kiosk else ""


def save_call(db: Session, call: Call) -> None:
    """Insert or update the call's history row (never any media or screen content)."""
    row = db.get(CallRecord, call.id)
    if row is None:
        row = CallRecord(id=call.id, kiosk_id=call.kiosk_id, created_at=call.created_at)
        db.add(row)
    row.site_id = call.site_id
    row.item_code, row.item_name = call.item_code, call.item_name
    row.step_id, row.step_title = call.step_id, call.step_title
    row.elder_mode, row.language = call.elder_mode, call.language
    row.status = call.status.value
    row.helper_username, row.helper_name = call.helper, call.helper_name
    row.accepted_at, row.connected_at, row.ended_at = call.accepted_at, call.connected_at, call.ended_at
    row.end_reason = call.end_reason.value if call.end_reason else None


def end_stale_calls(db: Session, now: dt.datetime) -> int:
    """Calls left live by a hub that stopped without ending them: record them as ended by the restart."""
    rows = list(db.scalars(select(CallRecord).where(CallRecord.status.in_([s.value for s in LIVE]))))
    for row in rows:
        row.status = Status.CANCELLED.value if row.status == Status.RINGING.value else Status.ENDED.value
        row.end_reason = Reason.HUB_RESTART.value
        row.ended_at = now
    return len(rows)


def live_call_ids(db: Session) -> list[str]:
    return list(db.scalars(select(CallRecord.id).where(CallRecord.status.in_([s.value for s in LIVE]))))


def end_calls_of_node(db: Session, node: str, now: dt.datetime) -> int:
    """Calls whose node has died: recorded as ended by the restart, as a hub that stopped would be."""
    rows = list(db.scalars(
        select(CallRecord)
        .where(CallRecord.status.in_([s.value for s in LIVE]), CallRecord.id.startswith(node, autoescape=True))
        .with_for_update()
    ))
    for row in rows:
        row.status = Status.CANCELLED.value if row.status == Status.RINGING.value else Status.ENDED.value
        row.end_reason = Reason.HUB_RESTART.value
        row.ended_at = now
    return len(rows)


def get_call(db: Session, call_id: str) -> CallRecord | None:
    return db.get(CallRecord, call_id)


def history(db: Session, limit: int = 50) -> list[CallRecord]:
    return list(db.scalars(select(CallRecord).order_by(CallRecord.created_at.desc()).limit(limit)))


def add_callback(db: Session, keys: Keys, call_id: str, phone: str, now: dt.datetime) -> tuple[CallbackRequest, bool]:
    """Store the citizen's number (encrypted) for the call; a second request replaces the number."""
    phone = phone.strip().replace(" ", "").replace("-", "")
    if not MOBILE.match(phone):
        raise CallbackError("phone must be an 11-digit mobile number starting with 1, e.g. 13800000000")
    row = db.scalar(select(CallbackRequest).where(CallbackRequest.call_id == call_id))
    created = row is None
    if row is None:
        row = CallbackRequest(call_id=call_id, created_at=now)
        db.add(row)
    row.phone_enc = keys.encrypt(phone)
    row.phone_masked = mask_phone(phone)
    db.flush()
    return row, created


@dataclass(frozen=True)
class OpenCallback:
    id: int
    call_id: str
    kiosk_id: str
    site_id: str
    item_name: str
    phone_masked: str
    phone_enc: str
    created_at: dt.datetime
    taken_by: str | None


def open_callbacks(db: Session) -> list[OpenCallback]:
    """Callbacks not yet done, oldest first."""
    query = (
        select(CallbackRequest, CallRecord)
        .join(CallRecord, CallRecord.id == CallbackRequest.call_id)
        .where(CallbackRequest.done_at.is_(None))
        .order_by(CallbackRequest.created_at)
    )
    return [
        OpenCallback(
            cb.id,
            cb.call_id,
            call.kiosk_id,
            call.site_id,
            call.item_name,
            cb.phone_masked,
            cb.phone_enc,
            cb.created_at,
            cb.taken_by,
        )
        for cb, call in db.execute(query)
    ]


def take_callback(db: Session, callback_id: int, helper: str, now: dt.datetime) -> None:
    row = db.get(CallbackRequest, callback_id)
    if row is None or row.done_at is not None:
        raise CallbackError("没有这个待回拨的请求")
    if row.taken_by not in (None, helper):
        raise CallbackError("已由其他工作人员处理")
    row.taken_by, row.taken_at = helper, now


def finish_callback(db: Session, callback_id: int, helper: str, now: dt.datetime) -> None:
    row = db.get(CallbackRequest, callback_id)
    if row is None or row.done_at is not None:
        raise CallbackError("没有这个待回拨的请求")
    if row.taken_by != helper:
        raise CallbackError("请先认领再标记完成")
    row.done_at = now
