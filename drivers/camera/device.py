"""``DocumentCamera``: the 高拍仪 as a kiosk device — preview with live detection, auto-capture, pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from drivers.base import Device, DeviceStatus, Health, Stage
from drivers.camera import autocapture, detect, warp
from drivers.camera.autocapture import AutoCapture, Hint, Observation
from drivers.camera.source import FrameSource
from drivers.errors import DriverError, NotPresent

PREVIEW_JPEG_QUALITY = 70


@dataclass(frozen=True)
class PreviewResult:
    """One preview frame with what was found on it (coordinates in preview pixels)."""

    frame: np.ndarray
    quad: list[list[float]] | None
    others: list[list[list[float]]]
    hint: Hint
    capture_now: bool
    width: int
    height: int

    @property
    def jpeg(self) -> bytes:
        """The frame as a small JPEG for the UI."""
        ok, buf = cv2.imencode(".jpg", self.frame, [cv2.IMWRITE_JPEG_QUALITY, PREVIEW_JPEG_QUALITY])
        return buf.tobytes() if ok else b""

    def to_dict(self) -> dict[str, Any]:
        return {"quad": self.quad, "others": self.others, "hint": self.hint.value,
                "capture_now": self.capture_now, "width": self.width, "height": self.height}


@dataclass(frozen=True)
class CapturedPage:
    """A corrected page: JPEG bytes (DPI set to its true size) and where it was found in the still."""

    jpeg: bytes
    width: int
    height: int
    quad: list[list[float]]
    size_mm: tuple[float, float]
    kind: str
    mode: str
    dpi: int
    still_size: tuple[int, int] = (0, 0)
    extra: dict[str, Any] = field(default_factory=dict)  # cut_off: part of the page lay outside the view

    def to_dict(self) -> dict[str, Any]:
        """Everything but the image bytes."""
        return {"width": self.width, "height": self.height, "quad": self.quad, "size_mm": list(self.size_mm),
                "kind": self.kind, "mode": self.mode, "dpi": self.dpi, "bytes": len(self.jpeg),
                "still_size": list(self.still_size), **self.extra}


def _as_list(quad: np.ndarray) -> list[list[float]]:
    return [[round(float(x), 2), round(float(y), 2)] for x, y in np.asarray(quad).reshape(4, 2)]


class DocumentCamera(Device):
    """A document camera over any frame source (UVC, image folder, simulator)."""

    kind = "camera"

    def __init__(self, uri: str, source: FrameSource, *, still_seconds: float = 1.0,
                 fov_mm: float | None = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, frame_interval: float = 1 / 15) -> None:
        super().__init__(uri)
        self.source = source
        self.autocapture = AutoCapture(still_seconds)
        self.fov_mm = fov_mm  # width of the plate the still covers; sizes photos, which have no standard size
        self._clock = clock
        self._sleep = sleep
        self.frame_interval = frame_interval
        self._thumb: np.ndarray | None = None

    def _open(self) -> None:
        try:
            self.source.open()
        except DriverError as exc:
            self.set_status(DeviceStatus(Health.OFFLINE, str(exc)))
            raise
        self.set_status(DeviceStatus(Health.ONLINE, "ready"))

    def _close(self) -> None:
        self.source.close()
        self.set_status(DeviceStatus(Health.OFFLINE, "closed"))

    def _guard(self, action: str) -> None:
        self._require(Stage.OPEN, Stage.CLAIMED, Stage.ENABLED, action=action)

    def _call(self, fn: Callable[[], np.ndarray]) -> np.ndarray:
        try:
            frame = fn()
        except DriverError as exc:
            self.set_status(DeviceStatus(Health.OFFLINE, str(exc)))
            raise
        if self._status.health is not Health.ONLINE:
            self.set_status(DeviceStatus(Health.ONLINE, "ready"))
        return frame

    def preview(self) -> PreviewResult:
        """Grab a preview frame, find the document and advance auto-capture."""
        with self._lock:
            self._guard("preview")
            frame = self._call(self.source.read_preview)
            found = detect.detect(frame, refine=False)  # corners are refined on the full-res still
            thumb = autocapture.thumbnail(frame)
            moved = autocapture.motion(self._thumb, thumb)
            self._thumb = thumb
            h, w = frame.shape[:2]
            decision = self.autocapture.update(Observation(found.quad, (w, h), found.hand, self._clock(), moved))
            return PreviewResult(
                frame,
                None if found.quad is None else _as_list(found.quad),
                [_as_list(q) for q in found.others],
                decision.hint,
                decision.fire,
                w,
                h,
            )

    def still(self) -> np.ndarray:
        """One full-resolution frame as the camera gives it, uncorrected (the technician's focus check)."""
        with self._lock:
            self._guard("grab a still")
            return self._call(self.source.read_still)

    def capture(self, kind: str = "auto", mode: str = "enhanced") -> CapturedPage:
        """Take a full-resolution still, find and refine the page, correct it; NotPresent when the plate is empty."""
        if kind not in warp.KINDS:
            raise ValueError(f"unknown page kind {kind!r}; use one of {', '.join(warp.KINDS)}")
        if mode not in warp.MODES:
            raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(warp.MODES)}")
        with self._lock:
            self._guard("capture")
            still = self._call(self.source.read_still)
        found = detect.detect(still)
        if found.quad is None:
            raise NotPresent("no document on the plate; place the page in the marked area", device=self.uri)
        mm_per_px = self.fov_mm / still.shape[1] if self.fov_mm else None
        page, spec = warp.process(still, found.quad, kind, mode, mm_per_px)
        jpeg = warp.encode_jpeg(page, spec.dpi, quality=75 if page.ndim == 2 else 85)
        h, w = still.shape[:2]
        q = found.quad
        cut_off = bool(q[:, 0].min() < 0 or q[:, 1].min() < 0 or q[:, 0].max() > w - 1 or q[:, 1].max() > h - 1)
        return CapturedPage(jpeg, page.shape[1], page.shape[0], _as_list(found.quad), spec.size_mm, spec.kind, mode,
                            spec.dpi, (w, h), {"cut_off": cut_off})

    def capture_pages(self, n: int, kind: str = "auto", mode: str = "enhanced", *, timeout: float = 120.0,
                      on_preview: Callable[[PreviewResult], None] | None = None) -> list[CapturedPage]:
        """Wait for auto-capture ``n`` times; NotPresent when the pages were not all placed within ``timeout`` s."""
        if n < 1:
            raise ValueError("n must be at least 1")
        self.autocapture.reset()
        pages: list[CapturedPage] = []
        deadline = self._clock() + timeout
        while len(pages) < n:
            if self._clock() > deadline:
                raise NotPresent(f"only {len(pages)} of {n} pages were placed within {timeout:.0f} s", device=self.uri)
            shown = self.preview()
            if on_preview is not None:
                on_preview(shown)
            if shown.capture_now:
                try:
                    pages.append(self.capture(kind, mode))
                except NotPresent:
                    self.autocapture.reset()  # moved away between preview and still; wait again
            self._sleep(self.frame_interval)
        return pages

    # -- simulator controls ------------------------------------------------------------------
    def place(self, kind: str = "a4", **kwargs: Any) -> np.ndarray:
        """Put a document on a simulated plate (``sim:`` only)."""
        place = getattr(self.source, "place", None)
        if place is None:
            raise DriverError("only the sim: camera can place documents", device=self.uri)
        return place(kind, **kwargs)

    def remove(self) -> None:
        """Take the document off a simulated plate (``sim:`` only)."""
        remove = getattr(self.source, "remove", None)
        if remove is None:
            raise DriverError("only the sim: camera can remove documents", device=self.uri)
        remove()
