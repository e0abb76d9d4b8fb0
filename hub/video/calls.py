"""The call state machine, free of I/O: ringing → accepted → connected → ended; missed; cancelled."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    RINGING = "ringing"
    ACCEPTED = "accepted"
    CONNECTED = "connected"
    ENDED = "ended"
    MISSED = "missed"
    CANCELLED = "cancelled"


LIVE = frozenset({Status.RINGING, Status.ACCEPTED, Status.CONNECTED})
STATUS_LABELS = {
    Status.RINGING: "等待接听",
    Status.ACCEPTED: "已接听",
    Status.CONNECTED: "通话中",
    Status.ENDED: "已结束",
    Status.MISSED: "未接听",
    Status.CANCELLED: "已取消",
}


class Reason(StrEnum):
    """Why a call ended; kept in the history."""

    KIOSK_HANGUP = "kiosk_hangup"
    HELPER_HANGUP = "helper_hangup"
    KIOSK_CANCELLED = "kiosk_cancelled"
    RING_TIMEOUT = "ring_timeout"
    KIOSK_GONE = "kiosk_gone"
    HELPER_GONE = "helper_gone"
    REPLACED = "replaced"
    HUB_RESTART = "hub_restart"


REASON_LABELS = {
    Reason.KIOSK_HANGUP: "群众挂断",
    Reason.HELPER_HANGUP: "工作人员挂断",
    Reason.KIOSK_CANCELLED: "群众取消",
    Reason.RING_TIMEOUT: "无人接听",
    Reason.KIOSK_GONE: "终端断线",
    Reason.HELPER_GONE: "工作人员断线",
    Reason.REPLACED: "终端发起了新的呼叫",
    Reason.HUB_RESTART: "平台重启",
}


class CallError(Exception):
    """A call action that is not allowed now; ``code`` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def ended_error() -> CallError:
    return CallError("call_ended", "通话已结束")


@dataclass
class Call:
    """One request for video help from a kiosk, from ringing to its end."""

    id: str
    kiosk_id: str
    site_id: str
    item_code: str
    item_name: str
    step_id: str
    step_title: str
    elder_mode: bool
    language: str
    created_at: dt.datetime
    status: Status = Status.RINGING
    helper: str | None = None
    helper_name: str | None = None
    reserved_for: str | None = None
    declined_by: set[str] = field(default_factory=set)
    rang_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    connected_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    end_reason: Reason | None = None
    step: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.rang_at = self.rang_at or self.created_at

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def _live(self) -> None:
        if not self.live:
            raise ended_error()

    def visible_to(self, helper: str) -> bool:
        """Whether ``helper`` may see this ringing call in the waiting list and accept it."""
        return self.status is Status.RINGING and self.reserved_for in (None, helper)

    def accept(self, helper: str, display_name: str, now: dt.datetime) -> None:
        """The helper takes the call; anyone else gets a ``taken`` error."""
        self._live()
        if self.status is not Status.RINGING:
            if self.helper == helper:
                return
            raise CallError("taken", "已由其他工作人员接听")
        if self.reserved_for not in (None, helper):
            raise CallError("taken", "已转给其他工作人员")
        self.status = Status.ACCEPTED
        self.helper, self.helper_name = helper, display_name
        self.reserved_for = None
        self.accepted_at = now

    def decline(self, helper: str) -> None:
        """The helper will not take it; it keeps ringing for the others until the ring timeout."""
        self._live()
        if self.status is not Status.RINGING:
            raise CallError("taken", "通话已被接听，无法拒接")
        self.declined_by.add(helper)
        if self.reserved_for == helper:
            self.reserved_for = None

    def transfer(self, by: str, to: str, now: dt.datetime) -> None:
        """Offer the call to the named helper only; an accepted call rings again, for them."""
        self._live()
        if to == by:
            raise CallError("bad_target", "不能转给自己")
        if self.status is not Status.RINGING and self.helper != by:
            raise CallError("taken", "只有接听的工作人员可以转接")
        if self.status is Status.RINGING and self.reserved_for not in (None, by):
            raise CallError("taken", "已转给其他工作人员")
        self.status = Status.RINGING
        self.helper = self.helper_name = None
        self.accepted_at = self.connected_at = None
        self.reserved_for = to
        self.declined_by.discard(to)
        self.rang_at = now

    def connect(self, now: dt.datetime) -> bool:
        """Media negotiation finished (the helper's answer went to the kiosk); True when this is news."""
        self._live()
        if self.status is Status.ACCEPTED:
            self.status = Status.CONNECTED
            self.connected_at = now
            return True
        return False

    def end(self, reason: Reason, now: dt.datetime) -> None:
        """Finish the call; the status follows from how far it got and why it ended."""
        self._live()
        if self.status is Status.RINGING:
            self.status = Status.MISSED if reason is Reason.RING_TIMEOUT else Status.CANCELLED
        else:
            self.status = Status.ENDED
        self.end_reason = reason
        self.ended_at = now
        self.reserved_for = None

    def ring_expired(self, now: dt.datetime, ring_seconds: float) -> bool:
        assert self.rang_at is not None
        return self.status is Status.RINGING and (now - self.rang_at).total_seconds() >= ring_seconds


def new_call_id(node: str = "") -> str:
    """32 hex digits; the first ones name the node the call lives on (``hub.video.bus.home_of``)."""
    return node + uuid.uuid4().hex[len(node):]


_TIMES = ("created_at", "rang_at", "accepted_at", "connected_at", "ended_at")


def to_wire(call: Call) -> dict[str, Any]:
    """The call as JSON for another node, without the citizen's screen (``step``)."""
    data = {f.name: getattr(call, f.name) for f in fields(call) if f.name != "step"}
    data["declined_by"] = sorted(call.declined_by)
    for name in _TIMES:
        data[name] = data[name].isoformat() if data[name] is not None else None
    return data


def from_wire(data: dict[str, Any]) -> Call:
    values = dict(data)
    for name in _TIMES:
        values[name] = dt.datetime.fromisoformat(values[name]) if values.get(name) else None
    values["status"] = Status(values["status"])
    values["end_reason"] = Reason(values["end_reason"]) if values.get("end_reason") else None
    values["declined_by"] = set(values.get("declined_by") or ())
    return Call(**values)
