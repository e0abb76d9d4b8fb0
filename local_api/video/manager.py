"""``CallManager``: runs one video-help call at a time on kioskd's event loop.

It carries out what :class:`local_api.video.call.Call` decides: the hub's HTTP and WebSocket, the
aiortc peer connection (rebuilt after a network blip), the media, the ``{"type": "call"}`` pushes
to the UI and the ``state`` messages to the helper. Nothing of a call is written to disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from aiortc import MediaStreamTrack

from local_api.errors import BadRequest, CallBusy, Conflict, MediaUnavailable, NoCall
from local_api.events import EventBus
from local_api.hub_link import HubAccess
from local_api.schemas import CallView, PushMessage
from local_api.video import protocol
from local_api.video.assist import SessionAssist
from local_api.video.call import Action, Call
from local_api.video.media import (
    DOCUMENT_FPS,
    FACE_FPS,
    SCREEN_FPS,
    DocumentFeed,
    FaceCamera,
    GatedVideoTrack,
    Microphone,
    RemoteVideo,
    ScreenFeed,
    Speaker,
)
from local_api.video.peer import Peer, ice_servers
from local_api.video.signaling import CallRefused, HubCalls, HubUnreachable, Signaling, SignalingLost
from local_api.video.stepstate import step_summary

log = logging.getLogger(__name__)
POLICY_TTL_S = 300.0  # a site's recording policy changes rarely; ask again after this long

MEDIA_SILENCE_S = 6.0  # connected, yet nothing from the helper this long: treat as a network blip
OFFER_UNANSWERED_S = 30.0  # an offer nobody answered (or ICE that never connects) gets a fresh try
SOCKET_RETRY_S = 12.0  # the hub ends a call whose socket stays away for 15 s


class CallManager:
    def __init__(self, *, hub: Callable[[], HubAccess | None], bus: EventBus, face_camera: str | None,
                 microphone: str | None, speaker: str | None, session: Callable[[], dict[str, Any] | None],
                 document_grab: Callable[[], Any] | None = None, clock: Callable[[], float] = time.monotonic,
                 assist: SessionAssist | None = None) -> None:
        self.hub_access = hub  # the credentials in force, asked per use: an enrolment applies to the next call
        self._hub_calls: tuple[int, HubCalls] | None = None
        self._retired: list[HubCalls] = []  # replaced by an enrolment; closed with the manager
        self.bus = bus
        self.session = session  # the current session as the wire's SessionSnapshot dict, or None
        self.assist = assist  # 帮办: the helper's entries into the session's engine
        self.clock = clock
        self.face = FaceCamera(face_camera)
        self.microphone = Microphone(microphone)
        self.speaker = Speaker(speaker)
        self.remote = RemoteVideo()
        self.screen = ScreenFeed()
        self.document = DocumentFeed(document_grab)
        self.call: Call | None = None
        self.peer: Peer | None = None
        self.signal: Signaling | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._cancels: set[asyncio.Future[None]] = set()  # DELETE /calls/{id} still on its way
        self._offer_lock = asyncio.Lock()
        self._offer_at: float | None = None
        self._connected_at: float | None = None
        self._last_step: dict[str, Any] | None = None
        self._had_session = False
        self._servers: list[Any] = []
        self._policy: tuple[float, dict[str, Any]] | None = None  # (when asked, what the hub said)

    @property
    def hub(self) -> HubCalls | None:
        """The hub's call API with the credentials in force; None while no hub is configured."""
        access = self.hub_access()
        if access is None:
            return None
        if self._hub_calls is None or self._hub_calls[0] != access.version:
            if self._hub_calls is not None:
                self._retired.append(self._hub_calls[1])
            self._hub_calls = (access.version, HubCalls(access.url, access.token, kiosk_id=access.kiosk_id))
        return self._hub_calls[1]

    # -- queries ---------------------------------------------------------------------------------
    async def policy(self) -> dict[str, Any]:
        """The site's recording policy for the consent screen; ``None`` when the hub cannot say right now
        (the call's own answer then tells, and the citizen is told in the call)."""
        now = self.clock()
        if self._policy is not None and now - self._policy[0] < POLICY_TTL_S:
            return self._policy[1]
        recording = None
        hub = self.hub
        if hub is not None:
            try:
                answer = await asyncio.wait_for(hub.policy(), timeout=3.0)
                recording = answer.get("recording") if isinstance(answer.get("recording"), bool) else None
            except (HubUnreachable, TimeoutError) as exc:
                log.info("call policy not known", extra={"detail": str(exc)[:200]})
        policy = {"recording": recording, "hub": hub is not None}
        if recording is not None:
            self._policy = (now, policy)
        return policy

    # -- queries ---------------------------------------------------------------------------------
    def view(self) -> dict[str, Any] | None:
        return self.call.view() if self.call else None

    def stats(self) -> dict[str, Any]:
        """Counters of the current or last call, for technicians and tests (no content)."""
        call = self.call
        return {"call_id": call.call_id if call else None, "state": call.state if call else None,
                "restarts": call.restarts if call else 0,
                "end_reason": call.end_reason if call else "", "peer": self.peer.state if self.peer else None,
                "remote_video_frames": self.remote.frames,
                "remote_video_size": [self.remote.frame.width, self.remote.frame.height] if self.remote.frame else None,
                "remote_audio_frames": self.speaker.frames, "remote_audio_rms_max": round(self.speaker.rms_max, 1),
                "remote_audio_rms_last": round(self.speaker.rms_last, 1),
                "sent_frames": {t.name: t.sent for t in (self.peer.tracks if self.peer else [])
                                if isinstance(t, GatedVideoTrack)},
                "camera_on": self.face.on, "screen_frames_posted": self.screen.posted}

    # -- the UI's operations ---------------------------------------------------------------------
    async def start(self, camera: bool, screen: bool, document: bool) -> dict[str, Any]:
        """Ring the helpers (CallBusy, MediaUnavailable, HubUnreachable); the call goes on in the background."""
        if self.call is not None and self.call.live:
            raise CallBusy()
        hub = self.hub
        if hub is None:
            raise HubUnreachable("this kiosk has no hub configured (enrol it with kioskctl enroll, or set "
                                 "KIOSK_HUB_URL and KIOSK_HUB_TOKEN), so video help is not available")
        await self._teardown()  # what is left of an earlier call
        if camera:
            try:
                self.face.start()  # before the hub is bothered
            except MediaUnavailable as exc:
                raise MediaUnavailable(f"{exc}; start the call without the camera, or fix the camera") from None
        session = self.session()
        try:
            answer = await hub.create(_call_item(session))
        except HubUnreachable:
            await self.face.stop()
            raise
        timeout = answer.get("ring_timeout_s", 60)
        call = Call(str(answer["call_id"]), self.clock(),
                    ring_timeout_s=int(timeout) if isinstance(timeout, int | float) and timeout > 0 else 60,
                    recording=answer.get("recording") is True)
        call.on_consent(camera, screen, document and self.document.available)
        self.call = call
        self._had_session = session is not None
        self._last_step = None
        self.remote.clear()
        self.speaker.frames, self.speaker.rms_max, self.speaker.rms_last = 0, 0.0, 0.0
        if call.sending["document"]:
            self.document.start()
        self.signal = Signaling(hub.socket_url(call.call_id), hub.token, kiosk_id=hub.kiosk_id)
        self._servers = ice_servers(answer.get("ice_servers"))
        self._spawn(self._run_socket(call))
        self._spawn(self._watch(call))
        self._spawn(self._follow_session(call))
        log.info("video call ringing", extra={"call_id": call.call_id, "sending": call.sending})
        self._publish()
        return call.view()

    async def hang_up(self) -> dict[str, Any]:
        if self.call is None:
            raise NoCall("there is no video call to hang up")
        await self._apply(self.call, self.call.on_citizen_hangup())
        return self.call.view()

    async def set_consent(self, camera: bool, screen: bool, document: bool) -> dict[str, Any]:
        """The citizen changes what is sent (MediaUnavailable when the camera cannot be turned on)."""
        call = self.call
        if call is None or not call.live:
            raise NoCall("there is no live video call; start one with POST /v1/call")
        if camera and not self.face.on:
            self.face.start()
        elif not camera and self.face.on:
            await self.face.stop()
        document = document and self.document.available
        if document:
            self.document.start()
        else:
            await self.document.stop()
        if not screen:
            self.screen.clear()
        await self._apply(call, call.on_consent(camera, screen, document))
        return call.view()

    def post_screen(self, jpeg: bytes) -> None:
        """One frame of the UI's screen (Conflict when not sharing it; BadRequest when not a JPEG)."""
        call = self.call
        if call is None or not call.live or not call.sending["screen"]:
            raise Conflict("the screen is not being shared; the citizen must agree first "
                           "(PUT /v1/call/consent with screen true)", code="not_sharing")
        try:
            self.screen.post(jpeg)
        except ValueError as exc:
            raise BadRequest(str(exc), code="bad_frame") from None

    async def callback(self, phone: str) -> dict[str, Any]:
        call = self.call
        if call is None or call.state != "unanswered":
            raise Conflict("a call-back can be asked for only after a call nobody answered", code="no_call")
        hub = self.hub
        assert hub is not None
        await hub.callback(call.call_id, phone, key=call.callback_key(phone))
        await self._apply(call, call.on_callback_taken())
        return call.view()

    async def close(self) -> None:
        """kioskd is stopping: hang up a live call, release everything."""
        if self.call is not None and self.call.live:
            await self._apply(self.call, self.call.on_citizen_hangup())
        await self._teardown()
        if self._cancels:  # give the hub a moment to hear of the hang-up before the client closes
            await asyncio.wait(self._cancels, timeout=3)
        for calls in [*self._retired, *([self._hub_calls[1]] if self._hub_calls else [])]:
            await calls.aclose()
        self._retired, self._hub_calls = [], None

    # -- the hub's socket --------------------------------------------------------------------------
    async def _run_socket(self, call: Call) -> None:
        lost_at: float | None = None
        while call.live:
            signal = self.signal
            if signal is None:
                return
            try:
                await signal.connect()
                lost_at = None
                await self._send_state(call, force=True)
                async for raw in signal.messages():
                    await self._on_message(call, raw)
            except CallRefused as exc:
                log.warning("hub closed the call", extra={"call_id": call.call_id, "detail": str(exc)})
                await self._apply(call, call.on_refused("服务中心已结束本次通话"))
                return
            except SignalingLost as exc:
                if not call.live:
                    return
                lost_at = lost_at or self.clock()
                log.warning("call socket lost", extra={"call_id": call.call_id, "detail": str(exc)})
                if self.clock() - lost_at > SOCKET_RETRY_S:
                    await self._apply(call, call.on_signaling_lost())
                    return
                await asyncio.sleep(1.0)

    async def _on_message(self, call: Call, raw: str | bytes) -> None:
        try:
            msg = protocol.parse_hub_message(raw)
        except protocol.BadMessage as exc:
            log.warning("malformed message from the hub dropped", extra={"detail": str(exc)})
            return
        now = self.clock()
        match msg.type:
            case "ringing":
                actions = call.on_ringing(msg.waiting_helpers, now)
            case "accepted":
                actions = call.on_accepted(msg.helper)
            case "peer-joined":
                actions = call.on_peer_joined()
            case "answer":
                await self._accept_answer(msg.sdp)
                actions = []
            case "text":
                actions = call.on_text(msg.text)
            case "highlight":
                actions = call.on_highlight(msg.target)
            case "restart":
                actions = call.on_restart_asked(now)
            case "unanswered":
                actions = call.on_unanswered()
            case "hangup":
                actions = call.on_hangup(msg.by, msg.reason)
            case "assist_request" | "assist_stop" | "assist_input":
                await self._on_assist(call, msg)
                actions = []
            case _:  # "error": the hub did not like something we sent; the call stays up
                log.warning("hub reported an error", extra={"detail": msg.detail})
                actions = []
        await self._apply(call, actions)

    # -- 帮办: the helper fills in with the citizen ------------------------------------------------------
    async def _on_assist(self, call: Call, msg: protocol.HubMessage) -> None:
        if self.assist is None or not call.live:
            return
        if msg.type == "assist_request":
            if call.assist != "off":
                return  # asked already, or on: one helper at a time
            if not self.assist.has_session():
                await self._send(call, protocol.assist("declined", "no_session"))
                return
            call.assist, call.assist_helper = "asked", msg.helper_id
            self._publish()
            await self._send(call, protocol.assist("asked"))
        elif msg.type == "assist_stop":
            await self._assist_off(call, "stopped")
        elif call.assist == "on" and not self.assist.enter(call.assist_helper, msg.action, msg.field, msg.value,
                                                              msg.option):
            await self._send(call, protocol.assist("on", "refused"))  # the step stays as it was
            await self._send_state(call, force=True)

    async def answer_assist(self, accept: bool) -> dict[str, Any]:
        """The citizen agrees to the helper filling in, declines, or takes the control back (at any time)."""
        call = self.call
        if call is None or not call.live:
            raise NoCall("there is no live video call")
        if accept:
            if call.assist != "asked":
                raise Conflict("the helper has not asked to fill in", code="not_asked")
            assert self.assist is not None
            if not self.assist.grant(call.assist_helper):
                call.assist = "off"
                self._publish()
                await self._send(call, protocol.assist("declined", "no_session"))
                raise Conflict("there is no session to fill in", code="no_session")
            call.assist = "on"
            self._publish()
            await self._send(call, protocol.assist("on"))
            await self._send_state(call, force=True)
        elif call.assist == "asked":
            call.assist = "off"
            self._publish()
            await self._send(call, protocol.assist("declined", "citizen"))
        else:
            await self._assist_off(call, "withdrawn")
        return call.view()

    async def _assist_off(self, call: Call, reason: str) -> None:
        was = call.assist
        call.assist = "off"
        if was == "off":
            return
        if self.assist is not None:
            self.assist.end(reason)
        self._publish()
        if call.live:
            await self._send(call, protocol.assist("off", reason))
            await self._send_state(call, force=True)

    async def _send(self, call: Call, message: str) -> None:
        if self.signal is not None and call.live:
            await self.signal.send(message)  # a socket that is down drops it; the state is sent again on reconnect

    async def _send_state(self, call: Call, *, force: bool = False, session: dict[str, Any] | None = None) -> None:
        step = step_summary(session if session is not None else self.session(), assist=call.assist == "on")
        if (force or step != self._last_step) and self.signal is not None and call.live:
            self._last_step = step
            await self.signal.send(protocol.state(step))

    # -- deadlines and the session ------------------------------------------------------------------
    async def _watch(self, call: Call) -> None:
        while call.live:
            await asyncio.sleep(1.0)
            now = self.clock()
            actions = call.on_tick(now)
            if not actions and call.state in ("connecting", "reconnecting") and self._offer_at is not None \
                    and now - self._offer_at > OFFER_UNANSWERED_S:
                actions = call.on_media_lost(now)
            if not actions and call.state == "connected" and self._connected_at is not None:
                heard = max(self.remote.last_at, self.speaker.last_at, self._connected_at)
                if now - heard > MEDIA_SILENCE_S:
                    log.warning("no media from the helper; reconnecting", extra={"call_id": call.call_id})
                    actions = call.on_media_lost(now)
            await self._apply(call, actions)

    async def _follow_session(self, call: Call) -> None:
        queue = self.bus.subscribe()
        try:
            while call.live:
                message = await queue.get()
                kind = message.get("type")
                if kind == "session":
                    session = message.get("session") or {}
                    if session.get("status") == "active":
                        self._had_session = True
                        await self._send_state(call, session=session)
                    elif self._had_session:
                        await self._apply(call, call.on_session_ended())
                elif kind == "session_ended" and self._had_session:
                    await self._apply(call, call.on_session_ended())
        finally:
            self.bus.unsubscribe(queue)

    # -- the peer connection ------------------------------------------------------------------------
    def _tracks(self, call: Call) -> list[MediaStreamTrack]:
        return [
            GatedVideoTrack("camera", self.face.latest, lambda: call.sending["camera"], FACE_FPS),
            GatedVideoTrack("screen", self.screen.latest, lambda: call.sending["screen"], SCREEN_FPS),
            GatedVideoTrack("document", self.document.latest, lambda: call.sending["document"], DOCUMENT_FPS),
            self.microphone.track(),
        ]

    async def _new_offer(self, call: Call) -> None:
        async with self._offer_lock:
            if not call.live or self.signal is None:
                return
            await self._close_peer()
            peer = Peer(self._servers, self._tracks(call), on_state=lambda s: self._peer_state(call, peer, s),
                        on_video=self.remote.show, on_audio=self.speaker.play)
            self.peer = peer
            self._offer_at = self.clock()
            self._connected_at = None
            try:
                sdp = await peer.offer()
                await self.signal.send(protocol.offer(sdp))
            except Exception:
                log.exception("making the offer failed", extra={"call_id": call.call_id})

    async def _accept_answer(self, sdp: str) -> None:
        async with self._offer_lock:
            if self.peer is None:
                log.warning("answer without an offer dropped")
                return
            try:
                await self.peer.accept(sdp)
            except Exception as exc:  # a stale or broken answer; the helper can ask for a restart
                log.warning("answer could not be applied", extra={"error": f"{type(exc).__name__}: {exc}"[:300]})

    def _peer_state(self, call: Call, peer: Peer, state: str) -> None:
        if peer is not self.peer or not call.live:
            return  # an old connection closing
        log.info("peer connection state", extra={"call_id": call.call_id, "state": state})
        if state == "connected":
            self._connected_at = self.clock()
            self._offer_at = None
            self._spawn(self._apply(call, call.on_media_connected()))
        elif state == "failed":
            self._spawn(self._apply(call, call.on_media_lost(self.clock())))

    async def _close_peer(self) -> None:
        peer, self.peer = self.peer, None
        if peer is not None:
            await self.remote.stop()
            await self.speaker.stop()
            with contextlib.suppress(Exception):
                await peer.close()

    # -- carrying out actions --------------------------------------------------------------------
    async def _apply(self, call: Call, actions: list[Action]) -> None:
        for action in actions:
            match action:
                case "publish":
                    self._publish()
                case "offer" | "restart_peer":
                    self._spawn(self._new_offer(call))
                case "close_peer":
                    async with self._offer_lock:
                        await self._close_peer()
                    self._offer_at = self._connected_at = None
                case "send_hangup":
                    if self.signal is not None:
                        await self.signal.send(protocol.hangup())
                case "cancel_call":  # in the background: the citizen's hang-up never waits for the hub
                    task = asyncio.ensure_future(self._cancel(call.call_id))
                    self._cancels.add(task)
                    task.add_done_callback(self._cancels.discard)
                case "teardown":
                    if call.assist != "off":  # the call is over: so is the helper's control, at once
                        call.assist = "off"
                        if self.assist is not None:
                            self.assist.end("lost" if call.state == "failed" else "call_ended")
                    log.info("video call ended", extra={"call_id": call.call_id, "state": call.state,
                                                        "reason": call.end_reason})
                    await self._teardown()

    async def _cancel(self, call_id: str) -> None:
        hub = self.hub
        if hub is None:
            return
        try:
            await hub.cancel(call_id)
        except HubUnreachable as exc:
            log.warning("hub not told of the hang-up", extra={"detail": str(exc)})

    def _publish(self) -> None:
        if self.call is not None:
            self.bus.publish(PushMessage(type="call", call=CallView.model_validate(self.call.view())))

    async def _teardown(self) -> None:
        """Stop every track, the camera, the socket and the background tasks (but not the caller's)."""
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        await self._close_peer()
        await self.face.stop()
        self.microphone.stop()
        await self.document.stop()
        self.screen.clear()
        self.remote.clear()
        signal, self.signal = self.signal, None
        if signal is not None:
            with contextlib.suppress(Exception):
                await signal.close()
        self._offer_at = self._connected_at = None

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _call_item(session: dict[str, Any] | None) -> dict[str, Any]:
    """The POST /calls body: which item and step the citizen needs help with."""
    if not session:
        return {"item_code": "general", "item_name": "综合咨询", "step_id": "home", "step_title": "首页",
                "elder_mode": False, "language": "zh_CN"}
    step = session.get("step") or {}
    return {"item_code": session.get("item_code", ""), "item_name": session.get("item_name", ""),
            "step_id": step.get("id", ""), "step_title": step.get("title", ""),
            "elder_mode": bool(session.get("elder_mode", False)), "language": session.get("language", "zh_CN")}
