"""kioskd's video call (``/v1/call``) with a scripted helper, for the fake kioskd of the UI tests.

The call itself is kioskd talking to the hub and a helper's browser; here a script plays the
helper: it answers, lets the ring time out, or rings until told otherwise.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from common.masking import mask_name
from flows import events as ev
from kiosk.client import CallError
from local_api.schemas import CallStart, CallView, PushMessage


class ScriptedCall:
    """The call half of the fake kioskd; the host provides ``_lock``, ``_listeners`` and ``health()``."""

    _lock: threading.RLock
    _listeners: list[Callable[[PushMessage], None]]

    def health(self) -> Any: ...

    def _reset_call(self) -> None:
        if getattr(self, "_call_timer", None) is not None:
            self._call_timer.cancel()
        # "answer" (accepts after call_answer_s), "unanswered" (the ring times out after call_answer_s)
        # or "ring" (rings until told otherwise).
        self.call_script = "answer"
        self.call_answer_s = 0.3
        self.call_failure: str | None = None  # "hub_unreachable" | "no_camera": the call cannot start
        self.call_recording = False
        self.helper_name = "王芳"  # as the hub knows the helper; kioskd shows it masked
        self.greeting = "您好，我是大厅工作人员，我来帮您办理。"
        self.call_log: list[tuple[str, Any]] = []  # what the UI asked of the call, for tests
        self.screen_frames: list[bytes] = []  # the last few shared-screen JPEGs
        self.screen_frames_total = 0
        self.remote_frames_served = 0
        self._call: CallView | None = None
        self._call_timer: threading.Timer | None = None

    def _call_changed(self, **update: Any) -> CallView:
        """Change the call and push it, as kioskd does on every helper message (changed or not)."""
        with self._lock:
            assert self._call is not None
            self._call = self._call.model_copy(update=update)
            view = self._call
        message = PushMessage(type="call", call=view)
        for listener in list(self._listeners):
            listener(message)
        return view

    def _live_call(self) -> CallView:
        self.health()
        with self._lock:
            if self._call is None or self._call.state in ("ended", "failed", "unanswered"):
                raise CallError("no_call", "no video call is up")
            return self._call

    def start_call(self, consent: CallStart) -> CallView:
        self.health()
        with self._lock:
            if self.call_failure is not None:
                raise CallError(self.call_failure, f"kioskd cannot start a call: {self.call_failure}")
            if self._call is not None and self._call.state not in ("ended", "failed", "unanswered"):
                raise CallError("busy", "a video call is already up")
            self.call_log.append(("start", consent.model_dump()))
            self._call = CallView(state="ringing", recording=self.call_recording, ring_timeout_s=60,
                                  sending=consent)
            view = self._call
            if self.call_script != "ring":
                self._call_timer = threading.Timer(self.call_answer_s, self._helper_turn, args=(view,))
                self._call_timer.daemon = True
                self._call_timer.start()
        return view

    def _helper_turn(self, ringing: CallView) -> None:
        with self._lock:
            if self._call is not ringing:
                return  # hung up or restarted meanwhile
        if self.call_script == "unanswered":
            self._call_changed(state="unanswered", sending=CallStart(camera=False),
                               message="工作人员暂时都在忙，未能接听。")
        else:
            self.helper_accepts()

    def helper_accepts(self) -> None:
        """The scripted helper answers and greets the citizen."""
        self._call_changed(state="connected", helper=mask_name(self.helper_name), message=None, text=self.greeting)

    def hub_says(self, message: str) -> None:
        """kioskd's own words for the citizen while ringing (e.g. nobody is on duty)."""
        self._call_changed(message=message)

    def helper_says(self, text: str) -> None:
        self._call_changed(text=text[:200])

    def helper_highlights(self, target: str | None) -> None:
        self._call_changed(highlight=target)

    def helper_hangs_up(self) -> None:
        self._call_changed(state="ended", message="工作人员已结束通话。", highlight=None,
                           sending=CallStart(camera=False))

    # -- 帮办: the helper fills in, through the session's own engine as kioskd does ------------------------
    def helper_asks_to_fill_in(self) -> None:
        self._call_changed(assist="asked")

    def _assist_event(self, event: Any) -> None:
        sessions = getattr(self, "sessions", None)
        snap = sessions.snapshot() if sessions is not None else None
        if snap is not None and snap.status == "active":
            sessions.system_event(snap.session_id, event)

    def answer_call_assist(self, accept: bool) -> CallView:
        view = self._live_call()
        self.call_log.append(("assist", accept))
        if accept and view.assist == "asked":
            self._assist_event(ev.AssistGranted(at=datetime.now(UTC), helper_id="wang"))
            return self._call_changed(assist="on")
        if view.assist == "on":
            self._assist_event(ev.AssistEnded(at=datetime.now(UTC), reason="withdrawn"))
        return self._call_changed(assist="off")

    def helper_types(self, field: str, value: str) -> None:
        self._assist_event(ev.HelperInput(at=datetime.now(UTC), helper_id="wang", action="set_field", field=field,
                                          value=value))

    def network_blip(self, recovered: bool = False) -> None:
        """The connection drops (reconnecting) or comes back (connected)."""
        self._call_changed(state="connected" if recovered else "reconnecting")

    def call_policy(self) -> bool | None:
        self.health()
        return self.call_recording

    def current_call(self) -> CallView | None:
        self.health()
        with self._lock:
            return self._call

    def end_call(self) -> None:
        self.health()
        with self._lock:
            if self._call is None or self._call.state in ("ended", "failed", "unanswered"):
                return
            self.call_log.append(("hangup", None))
            if self._call_timer is not None:
                self._call_timer.cancel()
        self._call_changed(state="ended", message=None, highlight=None, sending=CallStart(camera=False))

    def set_call_consent(self, consent: CallStart) -> CallView:
        self._live_call()
        self.call_log.append(("consent", consent.model_dump()))
        return self._call_changed(sending=consent)

    def call_remote_frame(self) -> bytes | None:
        """The helper's camera: a figure on a background that changes shade every frame."""
        from PIL import Image, ImageDraw

        with self._lock:
            if self._call is None or self._call.state not in ("connected", "reconnecting"):
                return None
            self.remote_frames_served += 1
            n = self.remote_frames_served
        shade = 60 + (n * 7) % 120
        image = Image.new("RGB", (320, 240), (shade, 96, 140))
        draw = ImageDraw.Draw(image)
        draw.ellipse((125, 40, 195, 120), fill=(236, 200, 170))
        draw.rectangle((100, 130, 220, 240), fill=(30, 60, 110))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        return out.getvalue()

    def send_call_screen(self, jpeg: bytes) -> None:
        view = self._live_call()
        if not view.sending.screen:
            raise CallError("not_sharing", "screen sharing is off")
        with self._lock:
            self.screen_frames.append(jpeg)
            self.screen_frames_total += 1
            del self.screen_frames[:-5]  # keep the last few only

    def request_callback(self, phone: str) -> None:
        self.health()
        with self._lock:
            if self._call is None or self._call.state != "unanswered":
                raise CallError("no_call", "a callback is only for a call nobody answered")
            if len(phone) != 11 or not phone.isdigit() or not phone.startswith("1"):
                raise CallError("bad_phone", "not a mainland mobile number")
            self.call_log.append(("callback", phone))
