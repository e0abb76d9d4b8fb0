"""How the UI talks to kioskd: the ``KioskdClient`` protocol and its HTTP implementation.

Every method blocks, so the app calls them on a worker thread (``kiosk.backend``), never on
Kivy's main thread. Errors are ``KioskdError`` subclasses whose messages carry no personal data.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Protocol

import httpx
from pydantic import TypeAdapter, ValidationError

from local_api.schemas import (
    CallStart,
    CallView,
    DeviceView,
    EventIn,
    EventRejected,
    FaceLiveView,
    HealthView,
    HubEnrolOut,
    PushMessage,
    SelfTestResult,
    ServiceItemSummary,
    SessionSnapshot,
    SessionStart,
)


class KioskdError(Exception):
    """kioskd could not be reached or answered with something unusable."""


class Unreachable(KioskdError):
    """Nothing answers at kioskd's address (not started, crashed, or a wrong port)."""


class Unauthorized(KioskdError):
    """kioskd refused the token (the UI reads a stale or unreadable api-token)."""


class SessionGone(KioskdError):
    """The session no longer exists (finished, abandoned or wiped)."""


class ItemNotReady(KioskdError):
    """kioskd will not start the item now: a device it needs cannot do its part (the A4 printer is out of
    paper); ``message`` is kioskd's words for the citizen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"item refused ({code}): {message}")
        self.code = code
        self.message = message


class EventRejectedError(KioskdError):
    """The current step does not accept this event now."""

    def __init__(self, rejected: EventRejected) -> None:
        super().__init__(f"event rejected at step {rejected.step}: {rejected.detail}")
        self.rejected = rejected


class CallError(KioskdError):
    """kioskd refused a video-call request; ``code`` says why (the UI picks its words from it).

    Codes: ``hub_unreachable`` and ``no_camera`` (kioskd cannot start a call), ``busy`` (a call is
    already up), ``no_call`` (the call is over or never was), ``not_sharing`` (a screen frame
    while screen sharing is off), ``unsupported`` (a kioskd without video help).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class EnrolError(KioskdError):
    """kioskd, or the hub through it, refused an enrolment; ``code`` says why (the screen picks its words).

    Codes: the hub's (``pairing_code_unknown``, ``_used``, ``_expired``, ``_malformed``, ``kiosk_revoked``,
    ``too_many_attempts``), kioskd's (``bad_hub_url``, ``unreachable``, ``wrong_url``, ``tls_error``), or
    ``failed``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class KioskdClient(Protocol):
    """What the UI needs from kioskd (the real daemon over HTTP, or a scripted fake in tests)."""

    def health(self) -> HealthView: ...

    def items(self) -> list[ServiceItemSummary]: ...

    def start_session(self, start: SessionStart) -> SessionSnapshot: ...

    def current_session(self) -> SessionSnapshot | None: ...

    def send_event(self, session_id: str, event: EventIn) -> SessionSnapshot: ...

    def abandon_session(self) -> None: ...

    def devices(self) -> list[DeviceView]: ...

    def camera_preview(self) -> bytes | None: ...

    def camera_state(self) -> dict | None:
        """The preview's page outline and hint (``quad``, ``hint``, ``width``, ``height``)."""
        ...

    def face_live(self) -> FaceLiveView:
        """The face check's running attempt: what to ask the citizen now (inactive when none runs)."""
        ...

    def face_preview(self) -> bytes | None:
        """The face camera's latest frame during a face check (small JPEG), else None."""
        ...

    def set_voice_muted(self, muted: bool) -> None: ...

    def device_test(self, name: str, action: str) -> str:
        """Check one device now (the technician's test); a short result word."""
        ...

    def selftest(self, print_slip: bool) -> SelfTestResult:
        """kioskd's self-test of every device (and a slip with ``print_slip``); KioskdError with kioskd's
        reason when it refuses (a citizen's session is active, a self-test already runs)."""
        ...

    def enrol_hub(self, hub_url: str, code: str) -> HubEnrolOut:
        """Enrol this kiosk with the hub using a pairing code (the technician's); ``EnrolError`` when refused."""
        ...

    def listen(self, on_message: Callable[[PushMessage], None], stop: threading.Event) -> None:
        """Deliver pushed messages until ``stop`` is set; reconnects by itself."""
        ...

    # -- video help (``CallError`` when kioskd refuses) ---------------------------------------
    def start_call(self, consent: CallStart) -> CallView:
        """Start ringing a helper with what the citizen agreed to send."""
        ...

    def current_call(self) -> CallView | None: ...

    def call_policy(self) -> bool | None:
        """Whether this site records calls, asked before the consent screen; None when unknown now."""
        ...

    def end_call(self) -> None:
        """Hang up (or stop ringing); nothing happens when there is no call."""
        ...

    def set_call_consent(self, consent: CallStart) -> CallView: ...

    def answer_call_assist(self, accept: bool) -> CallView:
        """帮办: agree that the helper fills in (true), decline, or take the control back (false)."""
        ...

    def call_remote_frame(self) -> bytes | None:
        """The helper's latest video frame as JPEG (None until one has arrived)."""
        ...

    def send_call_screen(self, jpeg: bytes) -> None: ...

    def request_callback(self, phone: str) -> None: ...

    def close(self) -> None: ...


class SimControl(Protocol):
    """The citizen's side of a simulated kiosk (``KIOSK_DEVICES=sim``), used by the demo script."""

    def place_card(self, card: str = "resident", fields: dict | None = None) -> None: ...

    def remove_card(self) -> None: ...

    def place_document(self, document: str = "a4") -> None: ...

    def printer_paper(self, state: str) -> None: ...


_ITEMS = TypeAdapter(list[ServiceItemSummary])
_DEVICES = TypeAdapter(list[DeviceView])


class HttpKioskd:
    """``KioskdClient`` and ``SimControl`` over kioskd's HTTP and WebSocket API."""

    def __init__(self, base_url: str, token: str | Callable[[], str], timeout: float = 5.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    @property
    def token(self) -> str:
        return self._token() if callable(self._token) else self._token

    # -- plumbing ------------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, auth: bool = True, **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        if auth:
            token = self.token
            if not token:
                raise Unauthorized("no API token to send: kioskd writes $KIOSK_DATA_DIR/api-token at start; "
                                   "check that kioskd and the UI use the same KIOSK_DATA_DIR")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TimeoutException:
            raise Unreachable(f"kioskd at {self.base_url} did not answer {method} {path} in time") from None
        except httpx.HTTPError as exc:
            raise Unreachable(
                f"kioskd is not answering at {self.base_url} ({type(exc).__name__}); is it running?"
            ) from None
        if response.status_code in (401, 403):
            raise Unauthorized(f"kioskd refused the API token for {path}; check $KIOSK_DATA_DIR/api-token")
        return response

    @staticmethod
    def _parse(response: httpx.Response, model):
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to {response.request.url.path}")
        try:
            if isinstance(model, TypeAdapter):
                return model.validate_json(response.content)
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise KioskdError(
                f"kioskd's answer to {response.request.url.path} does not match the wire schema "
                f"({exc.error_count()} errors); are kioskd and the UI the same version?"
            ) from None

    # -- the API -------------------------------------------------------------------------------
    def health(self) -> HealthView:
        return self._parse(self._request("GET", "/v1/health", auth=False), HealthView)

    def items(self) -> list[ServiceItemSummary]:
        return self._parse(self._request("GET", "/v1/items"), _ITEMS)

    def start_session(self, start: SessionStart) -> SessionSnapshot:
        response = self._request("POST", "/v1/sessions", json=start.model_dump())
        if response.status_code == 503:
            try:
                body = response.json()
            except ValueError:
                body = {}
            if isinstance(body, dict) and body.get("message"):
                raise ItemNotReady(str(body.get("code") or "not_ready"), str(body["message"]))
        return self._parse(response, SessionSnapshot)

    def current_session(self) -> SessionSnapshot | None:
        response = self._request("GET", "/v1/sessions/current")
        if response.status_code == 404:
            return None
        return self._parse(response, SessionSnapshot)

    def abandon_session(self) -> None:
        """End the active session now; kioskd wipes everything it held of the citizen."""
        response = self._request("DELETE", "/v1/sessions/current")
        if response.status_code not in (204, 404):
            self._parse(response, SessionSnapshot)  # raises the usual readable error

    def send_event(self, session_id: str, event: EventIn) -> SessionSnapshot:
        response = self._request("POST", f"/v1/sessions/{session_id}/events", json=event.model_dump())
        if response.status_code == 404:
            raise SessionGone("the session has ended")
        if response.status_code == 409:
            try:
                rejected = EventRejected.model_validate_json(response.content)
            except ValidationError:
                rejected = EventRejected(detail="rejected", step="", expected=[])
            raise EventRejectedError(rejected)
        return self._parse(response, SessionSnapshot)

    def devices(self) -> list[DeviceView]:
        return self._parse(self._request("GET", "/v1/devices"), _DEVICES)

    def camera_preview(self) -> bytes | None:
        response = self._request("GET", "/v1/camera/preview.jpg")
        if response.status_code in (404, 503) or not response.content:
            return None
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to the camera preview")
        return response.content

    def camera_state(self) -> dict | None:
        response = self._request("GET", "/v1/camera/preview")
        if response.status_code in (404, 503):
            return None
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to the camera preview state")
        try:
            data = response.json()
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def face_live(self) -> FaceLiveView:
        response = self._request("GET", "/v1/face/live")
        if response.status_code == 404:  # an older kioskd without the face check
            return FaceLiveView()
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to the face check's live view")
        return FaceLiveView.model_validate(response.json())

    def face_preview(self) -> bytes | None:
        response = self._request("GET", "/v1/face/preview.jpg")
        if response.status_code in (204, 404) or not response.content:
            return None
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to the face camera preview")
        return response.content

    def set_voice_muted(self, muted: bool) -> None:
        response = self._request("POST", "/v1/voice/mute", json={"muted": muted})
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to voice mute")

    def device_test(self, name: str, action: str) -> str:
        """Probe one device now (kioskd's technician test); returns its health word."""
        response = self._request("POST", f"/v1/devices/{name}/probe")
        if response.status_code == 404:
            return "not-configured"
        device = self._parse(response, DeviceView)
        return str(device.status.get("health", "unknown"))

    def selftest(self, print_slip: bool) -> SelfTestResult:
        # The checks run side by side, each within its limit; a slip adds up to 20 s of printing.
        response = self._request("POST", "/v1/selftest", json={"print": print_slip}, timeout=60.0)
        if response.status_code == 409:
            try:
                detail = str(response.json().get("detail") or "")
            except (ValueError, AttributeError):
                detail = ""
            raise KioskdError(detail or "kioskd refused the self-test now")
        return self._parse(response, SelfTestResult)

    def listen(self, on_message: Callable[[PushMessage], None], stop: threading.Event) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        ws_url = "ws" + self.base_url.removeprefix("http") + "/v1/events"
        while not stop.is_set():
            try:
                with connect(f"{ws_url}?token={self.token}", open_timeout=3, close_timeout=1) as ws:
                    while not stop.is_set():
                        try:
                            raw = ws.recv(timeout=0.5)
                        except TimeoutError:
                            continue
                        try:
                            on_message(PushMessage.model_validate(json.loads(raw)))
                        except (ValueError, ValidationError):
                            continue  # a message of a newer kioskd; the snapshot poll covers it
            except (OSError, WebSocketException, TimeoutError):
                stop.wait(1.0)  # kioskd restarting: retry calmly

    def enrol_hub(self, hub_url: str, code: str) -> HubEnrolOut:
        # kioskd waits for the hub (up to 15 s) and then probes it with the new credentials
        response = self._request("POST", "/v1/hub/enrol", json={"hub_url": hub_url, "code": code}, timeout=40.0)
        if response.status_code in (404, 405):
            raise EnrolError("failed", "kioskd has no /v1/hub/enrol; it is older than the UI")
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            body = body if isinstance(body, dict) else {}
            detail = body.get("detail")
            raise EnrolError(str(body.get("code") or "failed"),
                             f"enrolment refused ({response.status_code}): "
                             f"{detail if isinstance(detail, str) else 'no reason given'}"[:300])
        return self._parse(response, HubEnrolOut)

    # -- video help -----------------------------------------------------------------------------
    @staticmethod
    def _call_refusal(response: httpx.Response, action: str) -> CallError:
        """The ``CallError`` for a refused call request (404/409/503), with kioskd's reason."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        detail = str(body.get("detail") or "")[:200]
        status = response.status_code
        if status == 503:
            code = str(body.get("code") or "hub_unreachable")
            return CallError(code, f"kioskd cannot {action} (503 {code}): {detail or 'no reason given'}")
        if status == 409:
            code = "busy" if action == "start a call" else str(body.get("code") or "no_call")
            if action == "send a screen frame":
                code = "not_sharing"
            return CallError(code, f"kioskd refused to {action} (409): {detail or 'the call is not in that state'}")
        if status == 404:
            return CallError("no_call", f"kioskd has no video call to {action}")
        return CallError("failed", f"kioskd answered {status} when asked to {action}")

    def _call_view(self, response: httpx.Response, action: str) -> CallView:
        if response.status_code in (404, 409, 503):
            raise self._call_refusal(response, action)
        return self._parse(response, CallView)

    def start_call(self, consent: CallStart) -> CallView:
        response = self._request("POST", "/v1/call", json=consent.model_dump())
        if response.status_code == 404:
            raise CallError("unsupported", "kioskd has no /v1/call; it is older than the UI's video help")
        return self._call_view(response, "start a call")

    def call_policy(self) -> bool | None:
        response = self._request("GET", "/v1/call/policy")
        if response.status_code != 200:
            return None  # an older kioskd: the call itself will say
        recording = response.json().get("recording")
        return recording if isinstance(recording, bool) else None

    def current_call(self) -> CallView | None:
        response = self._request("GET", "/v1/call")
        if response.status_code == 404:
            return None
        return self._parse(response, CallView)

    def end_call(self) -> None:
        response = self._request("DELETE", "/v1/call")
        if response.status_code not in (200, 204, 404, 409):
            raise self._call_refusal(response, "hang up")

    def set_call_consent(self, consent: CallStart) -> CallView:
        response = self._request("PUT", "/v1/call/consent", json=consent.model_dump())
        return self._call_view(response, "change what is sent")

    def answer_call_assist(self, accept: bool) -> CallView:
        response = self._request("PUT", "/v1/call/assist", json={"accept": accept})
        return self._call_view(response, "answer the helper's request to fill in")

    def call_remote_frame(self) -> bytes | None:
        response = self._request("GET", "/v1/call/remote.jpg")
        if response.status_code in (404, 409, 503) or not response.content:
            return None
        if response.status_code >= 400:
            raise self._call_refusal(response, "show the helper's video")
        return response.content

    def send_call_screen(self, jpeg: bytes) -> None:
        response = self._request("POST", "/v1/call/screen", content=jpeg, headers={"Content-Type": "image/jpeg"})
        if response.status_code >= 400:
            raise self._call_refusal(response, "send a screen frame")

    def request_callback(self, phone: str) -> None:
        response = self._request("POST", "/v1/call/callback", json={"phone": phone})
        if response.status_code == 422:
            raise CallError("bad_phone", "kioskd refused the callback number as not a mobile number")
        if response.status_code >= 400:
            raise self._call_refusal(response, "ask for a callback")

    # -- simulation (KIOSK_DEVICES=sim only) ----------------------------------------------------
    def _sim(self, path: str, body: dict | None = None) -> None:
        # A simulated device may work a while (the camera's detection on a loaded machine).
        response = self._request("POST", f"/v1/sim/{path}", json=body or {}, timeout=30)
        if response.status_code == 404:
            raise KioskdError(f"kioskd has no /v1/sim/{path}; start it with KIOSK_DEVICES=sim")
        if response.status_code >= 400:
            raise KioskdError(f"kioskd answered {response.status_code} to /v1/sim/{path}")

    def place_card(self, card: str = "resident", fields: dict | None = None) -> None:
        self._sim("id_reader/place", {"card": card, **({"fields": fields} if fields else {})})

    def remove_card(self) -> None:
        self._sim("id_reader/remove")

    def place_document(self, document: str = "a4") -> None:
        self._sim("camera/place", {"document": document})

    def printer_paper(self, state: str) -> None:
        self._sim("printer/paper", {"state": state})

    def close(self) -> None:
        self._http.close()


def wait_healthy(client: KioskdClient, timeout: float) -> HealthView | None:
    """Poll ``/v1/health`` until it answers or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.health()
        except KioskdError:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)
