"""UVC document cameras through OpenCV (``uvc://INDEX?width=&height=``): preview stream, stills, reconnect.

Most 高拍仪 heads are UVC devices that stream MJPEG; the high still modes (5–12 MP) deliver only a
few frames per second, so the preview runs in a small mode and each capture switches to the still
mode, drops the first frames (exposure settles after a mode switch) and switches back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from drivers.camera.source import PREVIEW_LONG_SIDE, shrink
from drivers.errors import DeviceNotFound, DeviceTimeout, InvalidDeviceUri
from drivers.uri import DeviceUri

log = logging.getLogger(__name__)

Opener = Callable[[int], Any]  # index → an object with the cv2.VideoCapture interface
PROBE_SIZE = 20000  # asking for an impossible size makes V4L2 pick the largest mode


def _open_capture(index: int) -> Any:
    return cv2.VideoCapture(index, cv2.CAP_ANY)


class UvcSource:
    """A UVC camera by index; reopens itself after an unplug."""

    def __init__(self, index: int, *, width: int = 0, height: int = 0, preview_width: int = 640,
                 preview_height: int = 480, settle_frames: int = 3, reconnect_tries: int = 3,
                 reconnect_delay: float = 0.5, opener: Opener = _open_capture,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.index = index
        self.still_size = (width, height)
        self.preview_size = (preview_width, preview_height)
        self.settle_frames = settle_frames
        self.reconnect_tries = reconnect_tries
        self.reconnect_delay = reconnect_delay
        self._opener = opener
        self._sleep = sleep
        self._cap: Any = None
        self._mode: tuple[int, int] | None = None

    @classmethod
    def from_uri(cls, uri: DeviceUri, **kwargs: Any) -> UvcSource:
        """Build from ``uvc://INDEX?width=&height=`` (still size; 0 or absent = the camera's largest)."""
        text = uri.host or uri.path.strip("/")
        if not text.isdigit():
            raise InvalidDeviceUri(f"camera URI {uri.raw!r} needs a device index, like 'uvc://0'")
        return cls(int(text), width=uri.option_int("width", 0), height=uri.option_int("height", 0),
                   preview_width=uri.option_int("preview_width", 640),
                   preview_height=uri.option_int("preview_height", 480), **kwargs)

    @property
    def name(self) -> str:
        return f"uvc://{self.index}"

    def open(self) -> None:
        cap = self._opener(self.index)
        if cap is None or not cap.isOpened():
            raise DeviceNotFound(f"no camera at index {self.index}; check the USB cable and `ls /dev/video*`",
                                 device=self.name)
        cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self._cap = cap
        self._mode = None
        if self.still_size == (0, 0):
            self.still_size = self._set_mode((PROBE_SIZE, PROBE_SIZE))
            log.info("camera %s: largest still mode %dx%d", self.name, *self.still_size)
        self._set_mode(self.preview_size)

    def close(self) -> None:
        if self._cap is not None:
            try:
                self._cap.release()
            finally:
                self._cap = None
                self._mode = None

    def _set_mode(self, size: tuple[int, int]) -> tuple[int, int]:
        if self._mode == size:
            return size
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        actual = (int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._mode = size
        return actual

    def _read(self) -> np.ndarray:
        for attempt in range(self.reconnect_tries + 1):
            if self._cap is not None:
                ok, frame = self._cap.read()
                if ok and frame is not None and frame.size:
                    return frame
                log.warning("camera %s: read failed, reconnecting (attempt %d)", self.name, attempt + 1)
            self.close()
            if attempt < self.reconnect_tries:
                self._sleep(self.reconnect_delay * (attempt + 1))
                try:
                    self.open()
                except DeviceNotFound:
                    continue
        raise DeviceNotFound(
            f"camera stopped delivering frames and did not come back after {self.reconnect_tries} tries; "
            "check that it is plugged in", device=self.name)

    def read_preview(self) -> np.ndarray:
        if self._cap is None:
            self._reopen()
        self._set_mode(self.preview_size)
        return shrink(self._read(), PREVIEW_LONG_SIDE)

    def read_still(self) -> np.ndarray:
        if self._cap is None:
            self._reopen()
        switched = self._mode != self.still_size
        self._set_mode(self.still_size)
        try:
            for _ in range(self.settle_frames if switched else 0):
                self._read()
            frame = self._read()
        finally:
            if self._cap is not None:
                self._set_mode(self.preview_size)
        if frame.shape[1] < 100:
            raise DeviceTimeout("camera returned an empty still; try again", device=self.name)
        return frame

    def _reopen(self) -> None:
        try:
            self.open()
        except DeviceNotFound:
            self._read()  # retries with back-off, then raises
