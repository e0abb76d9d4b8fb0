"""The signaling relay: one room per call, the kiosk and its accepting helper, ring and reconnect timers.

Everything here runs on the server's event loop; database writes go, in order, to one writer thread.
A call's room lives on the node that created it (its home). With several nodes (``hub.video.pgbus``)
a socket that lands on another node is a proxy: what it says goes to the home over the bus, and the
home answers it through a ``RemoteSocket``; actions on the call (accept, decline, transfer, hang up)
are asked of the home the same way. When a node dies, the others end its calls (recorded as ended
by the restart, the kiosk is told) and forget its helpers' consoles.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from hub.db.session import Database
from hub.personal import Keys
from hub.video import store
from hub.video.accounts import active_helpers
from hub.video.bus import CallBus, LocalBus, home_of
from hub.video.calls import (
    LIVE,
    REASON_LABELS,
    STATUS_LABELS,
    Call,
    CallError,
    Reason,
    Status,
    ended_error,
    from_wire,
    new_call_id,
    to_wire,
)
from hub.video.signaling import SignalError, parse

log = logging.getLogger(__name__)
T = TypeVar("T")

CLOSE_ENDED = 1000
CLOSE_UNAUTHORISED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN = 4404
CLOSE_REPLACED = 4409
JOIN_SECONDS = 30  # from accepting to the call page's socket (a camera permission prompt may take a while)
ASK_SECONDS = 10  # how long a node waits for a call's home to answer an action
WATCH_SECONDS = 1.0  # how often a node checks whether the homes of the calls it knows are alive
_LIVE_VALUES = frozenset(s.value for s in LIVE)


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


class RemoteSocket:
    """On a call's home: a socket held by another node, reached over the bus."""

    def __init__(self, bus: CallBus, node: str, conn: str) -> None:
        self.bus, self.node, self.conn = bus, node, conn

    async def send_json(self, data: Any) -> None:
        await self.bus.publish({"op": "send", "to": self.node, "conn": self.conn, "msg": data})

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self.bus.publish({"op": "close", "to": self.node, "conn": self.conn, "code": code, "reason": reason})


@dataclass
class Proxy:
    """On another node: a local socket of a call whose room is elsewhere."""

    call_id: str
    side: str
    conn: str


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
        bus: CallBus | None = None,
    ) -> None:
        self.db, self.keys, self.clock, self.zone = db, keys, clock, zone
        self.bus: CallBus = bus or LocalBus()
        self.ring_seconds, self.grace_seconds = ring_seconds, grace_seconds
        self.join_seconds = max(grace_seconds, JOIN_SECONDS)
        self.rooms: dict[str, Room] = {}
        self.consoles: dict[Socket, str] = {}
        self._dirty = False
        self._tell = False
        self._pusher: asyncio.Task[None] | None = None
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="calls-db")
        # several nodes: what the others have (their calls, their helpers online), proxies, remote sockets
        self.remote_calls: dict[str, dict[str, Call]] = {}
        self.remote_helpers: dict[str, set[str]] = {}
        self.proxies: dict[Socket, Proxy] = {}
        self.proxied: dict[str, Socket] = {}
        self.remote_sockets: dict[tuple[str, str], RemoteSocket] = {}
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._watcher: asyncio.Task[None] | None = None

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
        if self.bus.shared:
            # Other nodes' calls are theirs: only the calls of nodes found dead are ended (by the watcher).
            await self.bus.start(self._on_message)
            await self.bus.publish({"op": "hello"})
            self._watcher = asyncio.create_task(self._watch())
            return

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
        for ws in list(self.proxies):
            await _close(ws, 1001, "hub stopping")
        for task in (self._pusher, self._watcher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self.bus.close()
        self._writer.shutdown(wait=True)

    # -- calls

    async def create(self, kiosk_id: str, site_id: str, request: dict[str, Any]) -> Call:
        """A new ringing call; a live call the same kiosk left behind ends as replaced."""
        for room in list(self.rooms.values()):
            if room.call.kiosk_id == kiosk_id:
                await self.end(room.call.id, Reason.REPLACED, by="hub")
        node = self.bus.node if self.bus.shared else ""
        call = Call(id=new_call_id(node), kiosk_id=kiosk_id, site_id=site_id, created_at=self.clock(), **request)
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
        """The live call, here or (as last heard) on another node."""
        room = self.rooms.get(call_id)
        if room is not None:
            return room.call
        return self.remote_calls.get(home_of(call_id), {}).get(call_id) if self.bus.shared else None

    async def live_call(self, call_id: str) -> Call | None:
        """As ``live``, and with several nodes the database's row when this node has not heard of it yet."""
        call = self.live(call_id)
        if call is not None or not self._elsewhere(call_id):
            return call
        row = await self.finished(call_id)
        if row is None or row.status not in _LIVE_VALUES:
            return None
        return Call(
            id=row.id, kiosk_id=row.kiosk_id, site_id=row.site_id, item_code=row.item_code, item_name=row.item_name,
            step_id=row.step_id, step_title=row.step_title, elder_mode=row.elder_mode, language=row.language,
            created_at=row.created_at, status=Status(row.status), helper=row.helper_username,
            helper_name=row.helper_name, accepted_at=row.accepted_at, connected_at=row.connected_at,
        )

    def _elsewhere(self, call_id: str) -> bool:
        """Whether the call's room is on another node."""
        return self.bus.shared and call_id not in self.rooms and home_of(call_id) != self.bus.node

    async def finished(self, call_id: str) -> store.CallRecord | None:
        """The history row of a call that is no longer live (None when there was never such a call)."""

        def read() -> store.CallRecord | None:
            with self.db.read() as s:
                return store.get_call(s, call_id)

        return await self.run_db(read)

    async def accept(self, call_id: str, helper: str, display_name: str) -> Call | None:
        if self._elsewhere(call_id):
            return await self._ask(call_id, "accept", helper=helper, display_name=display_name)
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
        if self._elsewhere(call_id):
            await self._ask(call_id, "decline", helper=helper)
            return
        room = await self._room(call_id)
        room.call.decline(helper)
        await self._announce_ringing(room)
        self.push_consoles()

    async def transfer(self, call_id: str, by: str, to: str) -> None:
        if self._elsewhere(call_id):
            await self._ask(call_id, "transfer", by=by, to=to)
            return
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
        if self._elsewhere(call_id):
            return await self._ask(call_id, "end", reason=reason.value, by=by, notify_kiosk=notify_kiosk)
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
        if self._elsewhere(call_id):
            row = await self.finished(call_id)
            if row is None:
                return Refusal(CLOSE_UNKNOWN, "no such call")
            if row.kiosk_id != kiosk_id:
                return Refusal(CLOSE_FORBIDDEN, "not this kiosk's call")
            return None if row.status in _LIVE_VALUES else Refusal(CLOSE_UNKNOWN, "call has ended; start a new call")
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
        if self._elsewhere(call_id):
            await self._proxy(call_id, "kiosk", ws)
            return
        room = self.rooms.get(call_id)
        if room is None:  # ended while the socket was on its way (a remote join)
            await _close(ws, CLOSE_UNKNOWN, "call has ended; start a new call")
            return
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
        if await self._unproxy(ws):
            return
        room = self.rooms.get(call_id)
        if room is None or room.kiosk is not ws:
            return
        room.kiosk = None
        room.kiosk_gone = asyncio.create_task(self._gone(call_id, "kiosk"))

    async def from_kiosk(self, call_id: str, ws: Socket, raw: str | bytes) -> None:
        if ws not in self.proxies:
            room = self.rooms.get(call_id)
            if room is None or room.kiosk is not ws:
                return
        try:
            msg = parse(raw, "kiosk")
        except SignalError as exc:
            await _send(ws, {"type": "error", "detail": str(exc)})
            return
        if not await self._forward(ws, msg):
            await self._kiosk_says(call_id, ws, msg)

    async def _kiosk_says(self, call_id: str, ws: Socket, msg: dict[str, Any]) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.kiosk is not ws:
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
        if self._elsewhere(call_id):
            row = await self.finished(call_id)
            if row is None:
                return Refusal(CLOSE_UNKNOWN, "no such call")
            if row.status not in _LIVE_VALUES:
                return Refusal(CLOSE_UNKNOWN, "call has ended")
            if row.status == Status.RINGING.value or row.helper_username != helper:
                return Refusal(CLOSE_FORBIDDEN, "only the helper who accepted the call may join it")
            return None
        room = self.rooms.get(call_id)
        if room is None:
            if await self.finished(call_id) is None:
                return Refusal(CLOSE_UNKNOWN, "no such call")
            return Refusal(CLOSE_UNKNOWN, "call has ended")
        if room.call.status is Status.RINGING or room.call.helper != helper:
            return Refusal(CLOSE_FORBIDDEN, "only the helper who accepted the call may join it")
        return None

    async def helper_joined(self, call_id: str, ws: Socket) -> None:
        if self._elsewhere(call_id):
            await self._proxy(call_id, "helper", ws)
            return
        room = self.rooms.get(call_id)
        if room is None:
            await _close(ws, CLOSE_UNKNOWN, "call has ended")
            return
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
        if await self._unproxy(ws):
            return
        room = self.rooms.get(call_id)
        if room is None or room.helper is not ws:
            return
        room.helper = None
        room.helper_gone = asyncio.create_task(self._gone(call_id, "helper"))

    async def from_helper(self, call_id: str, ws: Socket, raw: str | bytes) -> None:
        if ws not in self.proxies:
            room = self.rooms.get(call_id)
            if room is None or room.helper is not ws:
                return
        try:
            msg = parse(raw, "helper")
        except SignalError as exc:
            await _send(ws, {"type": "error", "detail": str(exc)})
            return
        if not await self._forward(ws, msg):
            await self._helper_says(call_id, ws, msg)

    async def _helper_says(self, call_id: str, ws: Socket, msg: dict[str, Any]) -> None:
        room = self.rooms.get(call_id)
        if room is None or room.helper is not ws:
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
        """Helpers with a console open, on this node or any other."""
        return set(self.consoles.values()).union(*self.remote_helpers.values())

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
        await self._tell_others()

    async def console_left(self, ws: Socket) -> None:
        if self.consoles.pop(ws, None) is not None:
            await self._announce_all()
            await self._tell_others()

    async def _announce_all(self) -> None:
        for room in list(self.rooms.values()):
            await self._announce_ringing(room)

    def push_consoles(self, tell_others: bool = True) -> None:
        """Send every console its board soon; changes arriving meanwhile are folded into one push.

        With several nodes the others are told this node's calls first, and push their own consoles.
        """
        self._dirty = True
        self._tell = self._tell or (tell_others and self.bus.shared)
        if self._pusher is None or self._pusher.done():
            self._pusher = asyncio.create_task(self._push())

    async def _push(self) -> None:
        while self._tell:
            self._tell = False
            await self._tell_others()
        while self._dirty and self.consoles:
            self._dirty = False
            shared = await self._shared()
            for ws, helper in list(self.consoles.items()):
                await _send(ws, self._board(helper, shared))

    def call_views(self, helper: str) -> list[dict[str, Any]]:
        """Ringing calls this helper may take (oldest first), then the helper's own live calls."""
        now = self.clock()
        calls = [r.call for r in self.rooms.values()]
        for others in self.remote_calls.values():
            calls.extend(others.values())
        return [
            self._call_view(c, helper, now)
            for c in sorted(calls, key=lambda c: c.created_at)
            if c.visible_to(helper) or (c.helper == helper and c.live)
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

    # -- several nodes

    async def _proxy(self, call_id: str, side: str, ws: Socket) -> None:
        conn = uuid.uuid4().hex
        self.proxies[ws], self.proxied[conn] = Proxy(call_id, side, conn), ws
        await self.bus.publish({"op": "joined", "to": home_of(call_id), "call": call_id, "side": side, "conn": conn})

    async def _unproxy(self, ws: Socket) -> bool:
        proxy = self.proxies.pop(ws, None)
        if proxy is None:
            return False
        self.proxied.pop(proxy.conn, None)
        await self.bus.publish({"op": "left", "to": home_of(proxy.call_id), "call": proxy.call_id,
                                "side": proxy.side, "conn": proxy.conn})
        return True

    async def _forward(self, ws: Socket, msg: dict[str, Any]) -> bool:
        """Send a checked message of a proxied socket to its call's home; False when the socket is local."""
        proxy = self.proxies.get(ws)
        if proxy is None:
            return False
        await self.bus.publish({"op": "said", "to": home_of(proxy.call_id), "call": proxy.call_id,
                                "side": proxy.side, "conn": proxy.conn, "msg": msg})
        return True

    async def _ask(self, call_id: str, action: str, **args: Any) -> Call | None:
        """Have the call's home carry out an action; its CallError comes back as one raised here."""
        ask_id = uuid.uuid4().hex
        answer = asyncio.get_running_loop().create_future()
        self._answers[ask_id] = answer
        try:
            await self.bus.publish({"op": "ask", "to": home_of(call_id), "call": call_id, "action": action,
                                    "args": args, "ask": ask_id})
            reply = await asyncio.wait_for(answer, ASK_SECONDS)
        except TimeoutError:
            home = home_of(call_id)
            if not await self.bus.dead({home}):
                raise CallError("unavailable", "通话所在的服务节点没有响应，请稍后再试") from None
            await self._node_lost(home)  # died before the watcher noticed: its calls are over
            if action == "end":
                return None
            raise ended_error() from None
        finally:
            self._answers.pop(ask_id, None)
        if reply.get("error"):
            raise CallError(reply["error"], reply.get("message") or "")
        return from_wire(reply["call"]) if reply.get("call") else None

    async def _answer(self, message: dict[str, Any]) -> None:
        call_id, args = message["call"], message.get("args") or {}
        reply: dict[str, Any] = {"op": "answer", "to": message["from"], "ask": message["ask"]}
        try:
            action = message["action"]
            if action == "accept":
                call = await self.accept(call_id, args["helper"], args["display_name"])
            elif action == "decline":
                await self.decline(call_id, args["helper"])
                call = self.live(call_id)
            elif action == "transfer":
                await self.transfer(call_id, args["by"], args["to"])
                call = self.live(call_id)
            else:
                call = await self.end(call_id, Reason(args["reason"]), args["by"], bool(args.get("notify_kiosk")))
            reply["call"] = to_wire(call) if call is not None else None
        except CallError as exc:
            reply |= {"error": exc.code, "message": str(exc)}
        await self._tell_others()  # the asker's node knows the call's new state before the answer
        await self.bus.publish(reply)

    async def _tell_others(self) -> None:
        """This node's live calls and online helpers, for the other nodes' consoles."""
        if self.bus.shared:
            await self.bus.publish({"op": "state", "calls": [to_wire(r.call) for r in self.rooms.values()],
                                    "helpers": sorted(set(self.consoles.values()))})

    async def _on_message(self, message: dict[str, Any]) -> None:
        """A message from another node (only those for this node or for all come here)."""
        op, sender = message.get("op"), message["from"]
        if op == "state":
            online = self.online_helpers()
            self.remote_calls[sender] = {c["id"]: from_wire(c) for c in message["calls"]}
            self.remote_helpers[sender] = set(message["helpers"])
            if self.online_helpers() != online:
                await self._announce_all()
            self.push_consoles(tell_others=False)
        elif op == "hello":
            await self._tell_others()
        elif op == "ask":
            await self._answer(message)
        elif op == "answer":
            answer = self._answers.get(message["ask"])
            if answer is not None and not answer.done():
                answer.set_result(message)
        elif op in ("send", "close"):
            ws = self.proxied.get(message["conn"])
            if ws is not None and op == "send":
                await _send(ws, message["msg"])
            elif ws is not None:
                await _close(ws, message["code"], message.get("reason"))
        elif op in ("joined", "said", "left"):
            await self._remote_socket(op, message)

    async def _remote_socket(self, op: str, message: dict[str, Any]) -> None:
        """On the home: a socket on another node joined, spoke or left."""
        key = (message["from"], message["conn"])
        call_id, kiosk = message["call"], message["side"] == "kiosk"
        if op == "joined":
            ws = self.remote_sockets[key] = RemoteSocket(self.bus, *key)
            await (self.kiosk_joined if kiosk else self.helper_joined)(call_id, ws)
        elif op == "said" and key in self.remote_sockets:
            await (self._kiosk_says if kiosk else self._helper_says)(call_id, self.remote_sockets[key], message["msg"])
        elif op == "left" and key in self.remote_sockets:
            await (self.kiosk_left if kiosk else self.helper_left)(call_id, self.remote_sockets.pop(key))

    async def _watch(self) -> None:
        """End the calls of nodes that died, and forget their consoles and sockets."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                await self._check_nodes()
            except Exception:
                log.exception("checking the other hub nodes failed; trying again")

    async def _check_nodes(self) -> None:
        def live_ids() -> list[str]:
            with self.db.read() as s:
                return store.live_call_ids(s)

        nodes = {home_of(c) for c in await self.run_db(live_ids)} | set(self.remote_calls) | set(self.remote_helpers)
        nodes |= {node for node, _ in self.remote_sockets} | {home_of(p.call_id) for p in self.proxies.values()}
        nodes.discard(self.bus.node)
        for node in await self.bus.dead(nodes):
            await self._node_lost(node)

    async def _node_lost(self, node: str) -> None:
        def end_its_calls() -> int:
            with self.db.write() as s, s.begin():
                return store.end_calls_of_node(s, node, self.clock())

        if n := await self.run_db(end_its_calls):
            log.warning("hub node %s is gone: recorded its %d live call(s) as ended", node, n)
        self.remote_calls.pop(node, None)
        self.remote_helpers.pop(node, None)
        hangup = {"type": "hangup", "by": "hub", "reason": Reason.HUB_RESTART.value}
        for ws, proxy in list(self.proxies.items()):
            if home_of(proxy.call_id) == node:
                self.proxies.pop(ws, None)
                self.proxied.pop(proxy.conn, None)
                await _send(ws, hangup)
                await _close(ws, CLOSE_ENDED, "call ended")
        for key in [k for k in self.remote_sockets if k[0] == node]:
            ws = self.remote_sockets.pop(key)
            for call_id, room in list(self.rooms.items()):
                if room.kiosk is ws:
                    await self.kiosk_left(call_id, ws)
                elif room.helper is ws:
                    await self.helper_left(call_id, ws)
        await self._announce_all()
        self.push_consoles()


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
