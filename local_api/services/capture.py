"""The document camera: captures a material's pages into the session's folder, one page at a time, and
shares the capture step's preview frames with the UI's live view and a helper's look at the plate."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from drivers.base import Stage
from drivers.camera.qr import qr_in_jpeg
from drivers.errors import DriverError, NotPresent
from flows import effects as fx
from flows import events as ev
from local_api.devices import DeviceManager
from local_api.errors import DeviceFailed
from local_api.events import EventBus
from local_api.schemas import CameraPreviewView, PushMessage
from local_api.sessions import SessionService


class _Cancelled(Exception):
    """The session left the capture step while the camera was waiting."""


class CaptureService:
    def __init__(self, sessions: SessionService, devices: DeviceManager, bus: EventBus | None, *,
                 clock: Callable[[], datetime], timeout_s: float = 120.0) -> None:
        self.sessions = sessions
        self.devices = devices
        self.bus = bus
        self.clock = clock
        self.timeout_s = timeout_s
        self.latest_preview: Any = None  # the capture step's last preview (drivers.camera Preview)
        self._capturing = 0  # capture steps running: only they may read previews then
        self._cancel: dict[str, threading.Event] = {}

    # -- effects --------------------------------------------------------------------------------
    def capture_pages(self, session_id: str, effect: fx.CapturePages) -> None:
        camera = self.devices.get("camera")
        if camera is None:
            self._failed(session_id, effect, "this kiosk has no document camera")
            return
        cancel = self._cancel.setdefault(session_id, threading.Event())
        cancel.clear()
        folder = self.sessions.folder(session_id) / "materials" / effect.material
        folder.mkdir(parents=True, exist_ok=True)

        def on_preview(preview: Any) -> None:
            if cancel.is_set():
                raise _Cancelled
            self.latest_preview = preview
            if self.bus is not None:
                self.bus.publish(PushMessage(type="camera", session_id=session_id,
                                             preview=CameraPreviewView.model_validate(preview.to_dict())))

        # One page at a time, each reported at once: the screen counts pages and asks for the next one,
        # and auto-capture waits for the page to change before taking another.
        self._capturing += 1
        try:
            self._capture_loop(session_id, effect, camera, cancel, folder, on_preview)
        finally:
            self._capturing -= 1
            self.latest_preview = None  # its frames show the citizen's papers: not kept past the step

    def _capture_loop(self, session_id: str, effect: fx.CapturePages, camera: Any, cancel: threading.Event,
                      folder: Path, on_preview: Callable[[Any], None]) -> None:
        mode = "enhanced" if effect.kind == "a4" else "color"  # ID cards and photos keep their colour
        kind = "auto" if effect.kind == "qr" else effect.kind  # a QR slip or phone: any size, read below
        for _ in range(1 if effect.now else effect.pages):
            try:
                if effect.now:
                    page = camera.capture(kind, mode)
                else:
                    page = camera.capture_pages(1, kind=kind, mode=mode, timeout=self.timeout_s,
                                                on_preview=on_preview)[0]
            except _Cancelled:
                return
            except NotPresent:
                self._failed(session_id, effect, "没有检测到材料，请把材料平放在拍摄区")
                return
            except DriverError as exc:
                self._failed(session_id, effect, str(exc))
                return
            if cancel.is_set():
                return
            if effect.kind == "qr" and qr_in_jpeg(page.jpeg) is None:
                self._failed(session_id, effect, "没有识别到二维码")
                return
            path = folder / f"{len(list(folder.glob('*.jpg'))) + 1:02d}.jpg"
            path.write_bytes(page.jpeg)
            ref = str(path.relative_to(self.sessions.folder(session_id)))
            self.sessions.system_event(session_id, ev.PagesCaptured(at=self.clock(), material=effect.material,
                                                                    refs=[ref]))

    def _failed(self, session_id: str, effect: fx.CapturePages, reason: str) -> None:
        self.sessions.system_event(session_id, ev.CaptureFailed(at=self.clock(), material=effect.material,
                                                                reason=reason))

    def stop_capture(self, session_id: str, effect: fx.StopCapture) -> None:
        self.cancel(session_id)

    def cancel(self, session_id: str, *, forget: bool = False) -> None:
        """Stop the session's capture step; ``forget`` when the session is being wiped."""
        cancel = self._cancel.pop(session_id, None) if forget else self._cancel.get(session_id)
        if cancel:
            cancel.set()

    def discard_pages(self, session_id: str, effect: fx.DiscardPages) -> None:
        root = self.sessions.folder(session_id).resolve()
        for ref in effect.refs:
            path = (root / ref).resolve()
            if path.is_relative_to(root):
                path.unlink(missing_ok=True)

    def stop(self) -> None:
        for cancel in self._cancel.values():
            cancel.set()

    # -- for routes and the video call ----------------------------------------------------------
    def live_preview(self) -> Any | None:
        """The document camera's preview: the capture step's own while it runs, else a fresh one.

        During a capture step the step reads previews and drives auto-capture; its frames are shared
        and ``preview()`` is never called then, or this would take the auto-capture's moment away.
        Otherwise (the technician's camera view, a helper's look at the plate) one frame is read now.
        Raises DeviceFailed when the camera fails; None when the kiosk has none or it is closed.
        """
        if self._capturing:
            return self.latest_preview  # None until the step's first frame: never read one here then
        camera = self.devices.get("camera")
        if camera is None or camera.stage is Stage.CLOSED:
            return None
        try:
            return camera.preview()  # type: ignore[attr-defined]
        except DriverError as exc:
            raise DeviceFailed(f"the document camera gave no frame: {exc}; check its cable and "
                               "`kioskctl devices`", code="camera_failed") from None
