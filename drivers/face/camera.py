"""``FaceCamera``: the camera facing the citizen, for 人证核验 (the document camera is ``drivers/camera``).

The physical camera is the one video help uses too (``KIOSK_FACE_CAMERA``), so the capture is opened
only while the device is enabled (a face check) and given back at disable; open only checks that the
camera is there. Frames are BGR, long side at most 640 px, and belong to the caller, who wipes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

import numpy as np

from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.errors import DeviceNotFound, DriverError

T = TypeVar("T")


class FaceSource(Protocol):
    """Where frames come from: a UVC camera, a folder of images, a simulator."""

    def present(self) -> bool:
        """Whether the camera is there (cheap; does not open it)."""
        ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_preview(self) -> np.ndarray: ...


class FaceCamera(Device):
    """The face camera over any source, with the common lifecycle; frames only while enabled."""

    kind = "face_camera"

    def __init__(self, uri: str, source: FaceSource) -> None:
        super().__init__(uri)
        self.source = source
        self._frames = 0

    def _open(self) -> None:
        if not self.source.present():
            message = "face camera not found; check its USB cable"
            self.set_status(DeviceStatus(Health.OFFLINE, message))
            raise DeviceNotFound(message, device=self.uri)
        self.set_status(DeviceStatus(Health.ONLINE, "ready", {"capturing": False}))

    def _close(self) -> None:
        self.source.close()
        self.set_status(DeviceStatus(Health.OFFLINE, "closed"))

    def _enable(self) -> None:
        self._safely(self.source.open)
        self._frames = 0
        self.set_status(DeviceStatus(Health.ONLINE, "capturing", {"capturing": True}))

    def _disable(self) -> None:
        self.source.close()
        self.set_status(DeviceStatus(Health.ONLINE, "ready", {"capturing": False}))

    def probe(self) -> DeviceStatus:
        if self._stage is not Stage.CLOSED and not self.source.present():
            self.set_status(DeviceStatus(Health.OFFLINE, "face camera not found; check its USB cable"))
        elif self._status.health is not Health.ONLINE and self._stage is not Stage.CLOSED:
            self.set_status(DeviceStatus(Health.ONLINE, "ready", {"capturing": self._stage is Stage.ENABLED}))
        return self._status

    def frame(self) -> np.ndarray:
        """The next frame (BGR); only while enabled, so a frame is never taken without a face check running."""
        with self._lock:
            self._require(Stage.ENABLED, action="take a frame")
            frame = self._safely(self.source.read_preview)
            self._frames += 1
            return frame

    def frames(self, n: int) -> list[np.ndarray]:
        """``n`` consecutive frames."""
        return [self.frame() for _ in range(n)]

    def _safely(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except DriverError as exc:
            self.set_status(DeviceStatus(Health.OFFLINE, str(exc)))
            raise

    def prompt(self, action: str) -> None:
        """Tell the source what the citizen is asked to do; only a simulated person (``sim:?play=1``) listens."""
        prompt = getattr(self.source, "prompt", None)
        if prompt is not None:
            prompt(action)

    # -- simulator controls ------------------------------------------------------------------
    def show(self, who: str) -> None:
        """Put someone in front of a simulated camera: ``holder``, ``stranger`` or ``nobody`` (``sim:`` only)."""
        show = getattr(self.source, "show", None)
        if show is None:
            raise DriverError("only the sim: face camera can be shown someone", device=self.uri)
        show(who)
