"""The call's state as the citizen sees it, and what to do on each happening (pure: no I/O, no clock).

Every method takes the time from the caller and returns the actions the manager must carry out, in
order; the manager owns the sockets, the peer connection and the media. Ending a call stops the
camera first and tells the hub last, so a slow hub never keeps the camera on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from common.masking import mask_name

Action = Literal["offer", "restart_peer", "close_peer", "send_hangup", "cancel_call", "teardown", "publish"]
LIVE = ("ringing", "connecting", "connected", "reconnecting")

MAX_RESTARTS = 3  # fresh peer connections in one call before giving up
RECONNECT_GIVE_UP_S = 25.0  # reconnecting this long without media: the network will not come back
RING_GRACE_S = 15.0  # the hub says "unanswered" at its timeout; this covers a hub that never does

MSG_RINGING = "正在呼叫工作人员，请稍候"
MSG_NOBODY_ONLINE = "目前没有工作人员在线，请稍候；无人接听时可以留下电话等待回电"
MSG_RECORDING = "本次通话将被录音录像"
MSG_CONNECTING = "工作人员{helper}已接听，正在接通视频"
MSG_TRANSFERRING = "正在为您转接其他工作人员，请稍候"
MSG_RECONNECTING = "网络不稳定，正在重新连接"
MSG_UNANSWERED = "暂时没有工作人员接听。您可以留下手机号码，工作人员会尽快给您回电"
MSG_HELPER_HUNG_UP = "工作人员已结束通话"
MSG_HUB_HUNG_UP = "通话已结束"
MSG_HELPER_GONE = "工作人员的网络中断，通话已结束。如仍需帮助，请再次呼叫"
MSG_CITIZEN_HUNG_UP = "您已结束通话"
MSG_SESSION_ENDED = "办理已结束，视频通话随之结束"
MSG_NETWORK_FAILED = "网络连接中断，视频通话无法继续。请稍后再试，或到服务窗口咨询"
MSG_SIGNALING_LOST = "与服务中心的连接中断，视频通话已结束。请稍后再试，或到服务窗口咨询"
MSG_CALLBACK_TAKEN = "已登记您的电话，工作人员会尽快给您回电"


@dataclass
class Call:
    """One call from the citizen's consent to its end."""

    call_id: str
    started_at: float
    ring_timeout_s: int = 60
    recording: bool = False
    state: str = "ringing"
    helper: str | None = None
    message: str | None = MSG_RINGING
    text: str | None = None
    highlight: str | None = None
    sending: dict[str, bool] = field(default_factory=lambda: {"camera": False, "screen": False, "document": False})
    restarts: int = 0
    reconnecting_since: float | None = None
    peer_joined: bool = False
    end_reason: str = ""
    callback_taken: bool = False
    # Each different number asked for gets its own Idempotency-Key; the same number sent again (the
    # answer was lost, the citizen tapped twice) reuses it, so the hub records one request.
    callback_phones: list[str] = field(default_factory=list)
    # 帮办: "asked" while the citizen decides, "on" while the helper (assist_helper, an account id) may enter
    assist: str = "off"
    assist_helper: str = ""

    def callback_key(self, phone: str) -> str:
        if phone not in self.callback_phones:
            self.callback_phones.append(phone)
        return f"{self.call_id}-callback-{self.callback_phones.index(phone) + 1}"[:128]

    def __post_init__(self) -> None:
        if self.recording:
            self.message = f"{MSG_RINGING}。{MSG_RECORDING}"

    @property
    def live(self) -> bool:
        return self.state in LIVE

    def view(self) -> dict[str, Any]:
        """The wire's ``CallView``."""
        return {"state": self.state, "helper": self.helper, "recording": self.recording, "message": self.message,
                "text": self.text, "highlight": self.highlight, "ring_timeout_s": self.ring_timeout_s,
                "sending": dict(self.sending), "assist": self.assist}

    # -- from the hub ------------------------------------------------------------------------------
    def on_ringing(self, waiting_helpers: int, now: float) -> list[Action]:
        """Still ringing (how many helpers could answer), or ringing again: the helper transferred the call."""
        if self.state in ("connecting", "connected", "reconnecting"):
            self.state = "ringing"
            self.helper = None
            self.message = MSG_TRANSFERRING
            self.peer_joined = False
            self.started_at = now  # the hub rings afresh
            self.reconnecting_since = None
            return ["close_peer", "publish"]
        if self.state != "ringing":
            return []
        self.message = MSG_RINGING if waiting_helpers > 0 else MSG_NOBODY_ONLINE
        if self.recording:
            self.message += f"。{MSG_RECORDING}"
        return ["publish"]

    def on_accepted(self, helper: str) -> list[Action]:
        if self.state != "ringing":
            return []
        self.state = "connecting"
        self.helper = mask_name(helper) if helper else None
        self.message = MSG_CONNECTING.format(helper=self.helper or "")
        return ["publish"]

    def on_peer_joined(self) -> list[Action]:
        """The helper's page is there: (re)offer. A page that reloads joins again and needs a new offer."""
        if not self.live:
            return []
        first = not self.peer_joined
        self.peer_joined = True
        if self.state == "ringing":  # accepted may be folded into peer-joined by a hub
            self.state = "connecting"
        return ["offer", "publish"] if first else ["restart_peer", "publish"]

    def on_media_connected(self) -> list[Action]:
        if self.state not in ("connecting", "reconnecting"):
            return []
        self.state = "connected"
        self.message = None
        self.reconnecting_since = None
        return ["publish"]

    def on_media_lost(self, now: float) -> list[Action]:
        """ICE failed, or no media for a while: a fresh peer connection and a new offer, a few times."""
        if self.state not in ("connecting", "connected", "reconnecting") or not self.peer_joined:
            return []
        if self.restarts >= MAX_RESTARTS:
            return self._fail(MSG_NETWORK_FAILED, "network")
        self.restarts += 1
        self.state = "reconnecting"
        self.message = MSG_RECONNECTING
        if self.reconnecting_since is None:
            self.reconnecting_since = now
        return ["restart_peer", "publish"]

    def on_restart_asked(self, now: float) -> list[Action]:
        """The helper asked for a fresh offer after a blip on their side."""
        return self.on_media_lost(now)

    def on_text(self, text: str) -> list[Action]:
        if not self.live:
            return []
        self.text = text
        return ["publish"]

    def on_highlight(self, target: str) -> list[Action]:
        if not self.live:
            return []
        self.highlight = target
        return ["publish"]

    def on_unanswered(self) -> list[Action]:
        if self.state != "ringing":
            return []
        self.state = "unanswered"
        self.message = MSG_UNANSWERED
        self.end_reason = "unanswered"
        return ["teardown", "publish"]

    def on_hangup(self, by: str, reason: str) -> list[Action]:
        if not self.live:
            return []
        self.state = "ended"
        if by == "helper":
            self.message = MSG_HELPER_HUNG_UP
        else:
            self.message = MSG_HELPER_GONE if reason == "helper_gone" else MSG_HUB_HUNG_UP
        self.end_reason = f"{by}:{reason}" if reason else by
        return ["teardown", "publish"]

    def on_signaling_lost(self) -> list[Action]:
        if not self.live:
            return []
        return self._fail(MSG_SIGNALING_LOST, "signaling")

    def on_refused(self, message: str) -> list[Action]:
        """The hub closed the call's socket for good (ended, unknown or not this kiosk's call)."""
        if not self.live:
            return []
        return self._fail(message, "refused")

    # -- from the kiosk ----------------------------------------------------------------------------
    def on_citizen_hangup(self) -> list[Action]:
        if not self.live:
            return []
        self.state = "ended"
        self.message = MSG_CITIZEN_HUNG_UP
        self.end_reason = "citizen"
        return ["send_hangup", "teardown", "publish", "cancel_call"]

    def on_session_ended(self) -> list[Action]:
        if not self.live:
            return []
        self.state = "ended"
        self.message = MSG_SESSION_ENDED
        self.end_reason = "session_ended"
        return ["send_hangup", "teardown", "publish", "cancel_call"]

    def on_consent(self, camera: bool, screen: bool, document: bool) -> list[Action]:
        self.sending = {"camera": camera, "screen": screen, "document": document}
        return ["publish"]

    def on_callback_taken(self) -> list[Action]:
        self.callback_taken = True
        self.message = MSG_CALLBACK_TAKEN
        return ["publish"]

    def on_tick(self, now: float) -> list[Action]:
        """Deadlines the hub or the network may never announce."""
        if self.state == "ringing" and now - self.started_at > self.ring_timeout_s + RING_GRACE_S:
            return self.on_unanswered()
        if (self.state == "reconnecting" and self.reconnecting_since is not None
                and now - self.reconnecting_since > RECONNECT_GIVE_UP_S):
            return self._fail(MSG_NETWORK_FAILED, "network")
        return []

    def _fail(self, message: str, reason: str) -> list[Action]:
        self.state = "failed"
        self.message = message
        self.end_reason = reason
        return ["send_hangup", "teardown", "publish", "cancel_call"]
