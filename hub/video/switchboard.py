"""The signaling relay: one room per call, the kiosk and its accepting helper, ring and reconnect timers.

Everything here runs on the server's event loop; database writes go, in order, to one writer thread.
Rooms live in this process, so video help needs the hub to run as one worker (KIOSKHUB_WORKERS=1).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from hub.db.session import Database
from hub.personal import Keys
from hub.video import store
from hub.video.accounts import active_helpers
from hub.video.calls import REASON_LABELS, STATUS_LABELS, Call, CallError, Reason, Status, new_call_id
from hub.video.signaling import SignalError, parse

log = logging.getLogger(__name__)
T = TypeVar("T")

CLOSE_ENDED = 1000
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN = 4404
CLOSE_REPLACED = 4409
JOIN_SECONDS = 30  # from accepting to the call page's socket (a camera permission prompt may take a while)


class Socket(Protocol):
    async def send_json(self, data: Any) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


@dataclass
class Room:
    call: Call
    kiosk: Socket | None = None
    helper: Socket | None = None
    ring_timer: asyncio.Task[None] | None = None
    kiosk_gone: asyncio.Task[None] | None = None
    helper_gone: asyncio.Task[None] | None = None

    def timers(self) -> list[asyncio.Task[None] | None]:
        return [self.ring_timer, self.kiosk_gone, self.helper_gone]


@dataclass(frozen=True)
class Refusal:
    """Why a socket may not join a room: the close code and its reason."""

    code: int
    reason: str


class Switchboard:
    """Live calls and the sockets of their two sides; helpers' console sockets for the waiting list."""

    def __init__(
        self,
        db: Database,
        keys: Keys,
        clock: Callable[[], dt.datetime],
        zone: ZoneInfo,
        ring_seconds: float,
        grace_seconds: float,
    ) -> None:
        self.db, self.keys, self.clock, self.zone = db, keys, clock, zone
        self.ring_seconds, self.grace_seconds = ring_seconds, grace_seconds
        self.join_seconds = max(grace_seconds, JOIN_SECONDS)
        self.rooms: dict[str, Room] = {}
        self.consoles: dict[Socket, str] = {}
        self._dirty = False
        self._pusher: asyncio.Task[None] | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="calls-db")

    # -- database, in order, off the loop

    async def run_db(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, fn)

    async def _save(self, call: Call) -> None:
        snapshot = dataclasses.replace(call, declined_by=set(call.declined_by))

        def write() -> None:
            with self.db.write() as s, s.begin():
                store.save_call(s, snapshot)

        await self.run_db(write)

    async def start(self) -> None:
        def sweep() -> int:
            with self.db.write() as s, s.begin():
                return store.end_stale_calls(s, self.clock())

        if n := await self.run_db(sweep):
            log.info("recorded %d call(s) left open by the previous run as ended", n)

    async def close(self) -> None:
        """Hub shutdown: end every live call so neither side is left waiting."""
        for call_id in list(self.rooms):
            await self.end(call_id, Reason.HUB_RESTART, by="hub")
        for ws in list(self.consoles):
            await _close(ws, 1001, "hub stopping")
        self.consoles.clear()
        if self._pusher is not None:
            self._pusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pusher
        self._writer.shutdown(wait=True)

    # -- calls

    async def create(self, kiosk_id: str, site_id: str, request: dict[str, Any]) -> Call:
        """A new ringing call; a live call the same kiosk left behind ends as replaced."""
        for room in list(self.rooms.values()):
            if room.call.kiosk_id == kiosk_id:
                await self.end(room.call.id, Reason.REPLACED, by="hub")
        call = Call(id=new_call_id(), kiosk_id=kiosk_id, site_id=site_id, created_at=self.clock(), **request)
        room = Room(call)
        self.rooms[call.id] = room
        await self._save(call)
        self._ring(room)
        self.push_consoles()
        log.info("call %s from kiosk %s is ringing", call.id, kiosk_id)
        return call

    def _ring(self, room: Room) -> None:
        _cancel(room.ring_timer)
        room.ring_timer = asyncio.create_task(self._ring_timeout(room.call.id, room.call.rang_at))

    async def _ring_timeout(self, call_id: str, rang_at: dt.datetime | None) -> None:
        await asyncio.sleep(self.ring_seconds)
        room = self.rooms.get(call_id)
        if room is None or room.call.status is not Status.RINGING or room.call.rang_at != rang_at:
            return
        room.ring_timer = None  # this task is finishing; end() must not cancel it
        if room.kiosk is not None:
            await _send(room.kiosk, {"type": "unanswered"})
        await self.end(call_id, Reason.RING_TIMEOUT, by="hub", notify_kiosk=False)

    def live(self, call_id: str) -> Call | None:
        room = self.rooms.get(call_id)
        return room.call if room else None

    async def finished(self, call_id: str) -> store.CallRecord | None:
        """The history row of a call that is no longer live (None when there was never such a call)."""

        def read() -> store.CallRecord | None:
            with self.db.read() as s:
                return store.get_call(s, call_id)

        return await self.run_db(read)

    async def accept(self, call_id: str, helper: str, display_name: str) -> Call:
        room = await self._room(call_id)
        room.call.accept(helper, display_name, self.clock())
        _cancel(room.ring_timer)
        room.ring_timer = None
        # Both sides must turn up: a page never opened, or a kiosk that never connected, must not hold the call.
        if room.helper is None and room.helper_gone is None:
            room.helper_gone = asyncio.create_task(self._gone(call_id, "helper", self.join_seconds))
        if room.kiosk is None and room.kiosk_gone is None:
            room.kiosk_gone = asyncio.create_task(self._gone(call_id, "kiosk"))
        await self._save(room.call)
        log.info("call %s accepted by helper %s", call_id, helper)
        if room.kiosk is not None:
            await _send(room.kiosk, {"type": "accepted", "helper": display_name})
        self.push_consoles()
        return room.call

    async def decline(self, call_id: str, helper: str) -> None:
        room = await self._room(call_id)
        room.call.decline(helper)
        await self._announce_ringing(room)
        self.push_consoles()

    async def transfer(self, call_id: str, by: str, to: str) -> None:
        room = await self._room(call_id)
        was_live_with_helper = room.call.status is not Status.RINGING
        room.call.transfer(by, to, self.clock())
        if was_live_with_helper:
            old, room.helper = room.helper, None
            _cancel(room.helper_gone)
            if old is not None:
                await _send(old, {"type": "hangup", "by": "hub", "reason": "transferred"})
                await _close(old, CLOSE_ENDED, "call transferred")
        await self._save(room.call)
        self._ring(room)
        await self._announce_ringing(room)
        self.push_consoles()

    async def end(self, call_id: str, reason: Reason, by: str, notify_kiosk: bool = True) -> Call | None:
        """End the call for both sides: tell the other side(s), close both sockets, record why."""
        room = self.rooms.pop(call_id, None)
        if room is None:
            return None
        for task in room.timers():
            _cancel(task)
        room.call.end(reason, self.clock())
        await self._save(room.call)  # recorded before either side hears of it
        log.info("call %s %s (%s)", call_id, room.call.status.value, reason.value)
        message = {"type": "hangup", "by": by, "reason": reason.value}
        if room.kiosk is not None:
            if notify_kiosk and by != "kiosk":
                await _send(room.kiosk, message)
            await _close(room.kiosk, CLOSE_ENDED, "call ended")
        if room.helper is not None:
            if by != "helper":
                await _send(room.helper, message)
            await _close(room.helper, CLOSE_ENDED, "call ended")
        self.push_consoles()
        return room.call

    async def _room(self, call_id: str) -> Room:
        room = self.rooms.get(call_id)
        if room is not None:
            return room
        if await self.finished(call_id) is not None:
            raise CallError("call_ended", "通话已结束")
        raise CallError("unknown", "没有这个通话")

    # -- the kiosk's socket

    async def kiosk_refusal(self, call_id: str, kiosk_id: str) -> Refusal | None:
        room = self.rooms.get(call_id)
        if room is not None:
            return None if room.call.kiosk_id == kiosk_id else Refusal(CLOSE_FORBIDDEN, "not this kiosk's call")
        row = await self.finished(call_id)
        if row is None:
            return Refusal(CLOSE_UNKNOWN, "no such call")
        if row.kiosk_id != kiosk_id:
            return Refusal(CLOSE_FORBIDDEN, "not this kiosk's call")
        return Refusal(CLOSE_UNKNOWN, "call has ended; start a new call")

    async def kiosk_joined(self, call_id: str, ws: Socket) -> None:
        room = self.rooms[call_id]
        old, room.kiosk = room.kiosk, ws
        _cancel(room.kiosk_gone)
        room.kiosk_gone = None
        if old is not None and old is not ws:
            await _close(old, CLOSE_REPLACED, "replaced by a newer connection")
        call = room.call
        if call.status is Status.RINGING:
            await _send(ws, {"type": "ringing", "waiting_helpers": self.waiting_helpers(call)})
        else:
            await _send(ws, {"type": "accepted", "helper": call.helper_name})
            if room.helper is not None:
                await _send(ws, {"type": "peer-joined", "role": "helper"})

    async def kiosk_left(self, call_id: str, ws: Socket) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.kiosk is not ws:
            return
        room.kiosk = None
        room.kiosk_gone = asyncio.create_task(self._gone(call_id, "kiosk"))

    async def from_kiosk(self, call_id: str, ws: Socket, raw: str | bytes) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.kiosk is not ws:
            return
        try:
            msg = parse(raw, "kiosk")
        except SignalError as exc:
            await _send(ws, {"type": "error", "detail": str(exc)})
            return
        if msg["type"] == "hangup":
            reason = Reason.KIOSK_CANCELLED if room.call.status is Status.RINGING else Reason.KIOSK_HANGUP
            await self.end(call_id, reason, by="kiosk")
        elif msg["type"] == "state":
            step = msg["step"]
            room.call.step = step
            room.call.step_id, room.call.step_title = step["id"], step["title"] or room.call.step_title
            if room.helper is not None:
                await _send(room.helper, msg)
            await self._save(room.call)
            self.push_consoles()
        elif room.helper is None:
            await _send(ws, {"type": "error", "detail": "no helper on the call yet; send the offer after peer-joined"})
        else:
            await _send(room.helper, msg)

    # -- the helper's call page socket

    async def helper_refusal(self, call_id: str, helper: str) -> Refusal | None:
        room = self.rooms.get(call_id)
        if room is None:
            if await self.finished(call_id) is None:
                return Refusal(CLOSE_UNKNOWN, "no such call")
            return Refusal(CLOSE_UNKNOWN, "call has ended")
        if room.call.status is Status.RINGING or room.call.helper != helper:
            return Refusal(CLOSE_FORBIDDEN, "only the helper who accepted the call may join it")
        return None

    async def helper_joined(self, call_id: str, ws: Socket) -> None:
        room = self.rooms[call_id]
        old, room.helper = room.helper, ws
        _cancel(room.helper_gone)
        room.helper_gone = None
        if old is not None and old is not ws:
            await _close(old, CLOSE_REPLACED, "opened in another window")
        if room.call.step is not None:
            await _send(ws, {"type": "state", "step": room.call.step})
        if room.kiosk is not None:
            await _send(room.kiosk, {"type": "peer-joined", "role": "helper"})

    async def helper_left(self, call_id: str, ws: Socket) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.helper is not ws:
            return
        room.helper = None
        room.helper_gone = asyncio.create_task(self._gone(call_id, "helper"))

    async def from_helper(self, call_id: str, ws: Socket, raw: str | bytes) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.helper is not ws:
            return
        try:
            msg = parse(raw, "helper")
        except SignalError as exc:
            await _send(ws, {"type": "error", "detail": str(exc)})
            return
        if msg["type"] == "hangup":
            await self.end(call_id, Reason.HELPER_HANGUP, by="helper")
            return
        if room.kiosk is None:
            await _send(ws, {"type": "error", "detail": "the kiosk is not connected just now; wait for its new offer"})
            return
        if msg["type"] == "assist_request":  # who asks is the hub's to say, never the page's
            msg = {**msg, "helper_id": room.call.helper}
        await _send(room.kiosk, msg)
        if msg["type"] == "answer" and room.call.connect(self.clock()):
            await self._save(room.call)
            self.push_consoles()

    async def _gone(self, call_id: str, side: str, seconds: float | None = None) -> None:
        await asyncio.sleep(self.grace_seconds if seconds is None else seconds)
        room = self.rooms.get(call_id)
        if room is None:
            return
        if side == "kiosk":
            room.kiosk_gone = None
            await self.end(call_id, Reason.KIOSK_GONE, by="hub")
        else:
            room.helper_gone = None
            await self.end(call_id, Reason.HELPER_GONE, by="hub")

    # -- helpers' consoles

    def online_helpers(self) -> set[str]:
        return set(self.consoles.values())

    def waiting_helpers(self, call: Call) -> int:
        online = self.online_helpers()
        if call.reserved_for is not None:
            return int(call.reserved_for in online)
        return len(online - call.declined_by)

    async def _announce_ringing(self, room: Room) -> None:
        if room.kiosk is not None and room.call.status is Status.RINGING:
            await _send(room.kiosk, {"type": "ringing", "waiting_helpers": self.waiting_helpers(room.call)})

    async def console_joined(self, ws: Socket, helper: str) -> None:
        self.consoles[ws] = helper
        await _send(ws, await self.board(helper))
        await self._announce_all()

    async def console_left(self, ws: Socket) -> None:
        if self.consoles.pop(ws, None) is not None:
            await self._announce_all()

    async def _announce_all(self) -> None:
        for room in list(self.rooms.values()):
            await self._announce_ringing(room)

    def push_consoles(self) -> None:
        """Send every console its board soon; changes arriving meanwhile are folded into one push."""
        self._dirty = True
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push())

    async def _push(self) -> None:
        while self._dirty and self.consoles:
            self._dirty = False
            shared = await self._shared()
            for ws, helper in list(self.consoles.items()):
                await _send(ws, self._board(helper, shared))

    def call_views(self, helper: str) -> list[dict[str, Any]]:
        """Ringing calls this helper may take (oldest first), then the helper's own live calls."""
        now = self.clock()
        rooms = sorted(self.rooms.values(), key=lambda r: r.call.created_at)
        return [
            self._call_view(r.call, helper, now)
            for r in rooms
            if r.call.visible_to(helper) or (r.call.helper == helper and r.call.live)
        ]

    def _call_view(self, call: Call, helper: str, now: dt.datetime) -> dict[str, Any]:
        return {
            "id": call.id,
            "kiosk_id": call.kiosk_id,
            "site_id": call.site_id,
            "item_name": call.item_name or call.item_code,
            "step_title": call.step_title,
            "elder_mode": call.elder_mode,
            "status": call.status.value,
            "status_label": STATUS_LABELS[call.status],
            "waiting_s": max(0, int((now - (call.rang_at or call.created_at)).total_seconds())),
            "mine": call.helper == helper,
            "for_me": call.reserved_for == helper,
            "declined": helper in call.declined_by,
        }

    async def board(self, helper: str) -> dict[str, Any]:
        """Everything the console shows: waiting calls, open callbacks, the last 50 calls, the helpers."""
        return self._board(helper, await self._shared())

    async def _shared(self) -> dict[str, Any]:
        """What every console's board is made of, read once per push."""

        def read() -> dict[str, Any]:
            with self.db.read() as s:
                history = [
                    {
                        "id": r.id,
                        "kiosk_id": r.kiosk_id,
                        "site_id": r.site_id,
                        "item_name": r.item_name or r.item_code,
                        "step_title": r.step_title,
                        "helper_name": r.helper_name or "",
                        "status_label": STATUS_LABELS[Status(r.status)],
                        "end_reason": REASON_LABELS[Reason(r.end_reason)] if r.end_reason else "",
                        "created_at": self.local(r.created_at),
                        "ended_at": self.local(r.ended_at),
                    }
                    for r in store.history(s)
                ]
                return {"callbacks": store.open_callbacks(s), "history": history, "helpers": active_helpers(s)}

        return await self.run_db(read)

    def _board(self, helper: str, shared: dict[str, Any]) -> dict[str, Any]:
        callbacks = [
            {
                "id": cb.id,
                "kiosk_id": cb.kiosk_id,
                "site_id": cb.site_id,
                "item_name": cb.item_name,
                # the full number only for the helper who took it
                "phone": self.keys.decrypt(cb.phone_enc) if cb.taken_by == helper else cb.phone_masked,
                "created_at": self.local(cb.created_at),
                "taken_by": cb.taken_by,
                "mine": cb.taken_by == helper,
            }
            for cb in shared["callbacks"]
        ]
        online = self.online_helpers()
        others = [
            {"username": u, "name": n, "online": u in online}
            for u, n in sorted(shared["helpers"].items())
            if u != helper
        ]
        return {
            "type": "queue",
            "calls": self.call_views(helper),
            "callbacks": callbacks,
            "history": shared["history"],
            "helpers": others,
        }

    def local(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(self.zone).strftime("%m-%d %H:%M:%S")


def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None and not task.done() and task is not asyncio.current_task():
        task.cancel()


async def _send(ws: Socket, message: dict[str, Any]) -> None:
    # A socket that has just gone away is cleaned up by its own handler; nothing to do here.
    with contextlib.suppress(Exception):
        await ws.send_json(message)


async def _close(ws: Socket, code: int, reason: str) -> None:
    with contextlib.suppress(Exception):
        await ws.close(code, reason)


async def pump(ws: Any, forward: Callable[[str | bytes], Awaitable[None]]) -> None:
    """Hand every frame a signaling socket sends to ``forward`` until it disconnects or is closed under us."""
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            await forward(text if text is not None else message.get("bytes") or b"")
    except (RuntimeError, OSError):
        pass  # closed under us (the call ended, or a newer socket replaced this one)
