"""``sim:``: a simulated document camera that synthesises a page or card lying on its plate.

Tests and demos drive it with :meth:`SimSource.place` and :meth:`SimSource.remove`. A placed document
first slides in under a hand for a few frames (so the UI shows "remove your hand"), then lies still.
"""

from __future__ import annotations

import threading

import cv2
import numpy as np

from drivers.camera import synth
from drivers.camera.source import shrink
from drivers.errors import InvalidDeviceUri
from drivers.uri import DeviceUri

SIM_KINDS = {"a4": "letter", "form": "form", "id_card": "id_card", "photo": "photo", "receipt": "receipt",
             "blank": "blank", "qr": "blank"}
QR_AREA = (0.2, 0.25, 0.8)  # a "qr" slip: the code's left and top edge and right edge, as fractions of the page


class SimSource:
    """Frames of a synthetic plate, with or without a document on it."""

    def __init__(self, *, width: int = 1600, height: int = 1200, seed: int = 1, approach_frames: int = 6,
                 initial: str | None = None) -> None:
        self.size = (width, height)
        self.seed = seed
        self.approach_frames = approach_frames
        self.initial = initial
        self._lock = threading.Lock()
        self._empty: np.ndarray | None = None
        self._still: np.ndarray | None = None
        self._quad: np.ndarray | None = None
        self._approach = 0
        self._placed = 0

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> SimSource:
        doc = uri.query.get("doc")
        if doc is not None and doc not in SIM_KINDS:
            raise InvalidDeviceUri(f"sim camera: doc={doc!r} is not one of {', '.join(SIM_KINDS)}")
        return cls(width=uri.option_int("width", 1600), height=uri.option_int("height", 1200),
                   seed=uri.option_int("seed", 1), approach_frames=uri.option_int("approach", 6), initial=doc)

    def open(self) -> None:
        if self._empty is None:
            self._empty = synth.synth_frame(self.seed, "easy", self.size, empty=True, supersample=1).image
        if self.initial:
            self.place(self.initial, approach=False)

    def close(self) -> None:
        pass

    def place(self, kind: str = "a4", *, seed: int | None = None, approach: bool = True,
              text: str | None = None) -> np.ndarray:
        """Put a document of ``kind`` on the plate; returns its true corners in still-frame pixels.

        ``kind="qr"`` is a slip printed with a QR code of ``text`` (an appointment confirmation).
        """
        if kind not in SIM_KINDS:
            raise ValueError(f"unknown document kind {kind!r}; use one of {', '.join(SIM_KINDS)}")
        if kind == "qr" and not text:
            raise ValueError("a qr document needs the text to encode")
        self._placed += 1
        frame = synth.synth_frame(seed if seed is not None else self.seed * 1000 + self._placed, "easy", self.size,
                                  kind=SIM_KINDS[kind], supersample=1, inset=0.05)
        if kind == "qr":
            assert frame.quad is not None and text is not None
            frame.image = print_qr(frame.image, frame.quad, text)
        with self._lock:
            self._still, self._quad = frame.image, frame.quad
            self._approach = self.approach_frames if approach else 0
        assert frame.quad is not None
        return frame.quad.copy()

    def remove(self) -> None:
        """Take the document off the plate."""
        with self._lock:
            self._still, self._quad, self._approach = None, None, 0

    @property
    def true_quad(self) -> np.ndarray | None:
        return None if self._quad is None else self._quad.copy()

    def _current(self) -> np.ndarray:
        if self._empty is None:
            self.open()
        assert self._empty is not None
        return self._still if self._still is not None else self._empty

    def read_preview(self) -> np.ndarray:
        with self._lock:
            frame = shrink(self._current())
            if self._still is not None and self._approach > 0:
                frame = self._approaching(frame, self._approach)
                self._approach -= 1
        return frame

    def _approaching(self, frame: np.ndarray, remaining: int) -> np.ndarray:
        """The page still sliding in (shifted) with the citizen's hand on it."""
        h, w = frame.shape[:2]
        dx = remaining * 0.03 * w
        moved = cv2.warpAffine(frame, np.float32([[1, 0, dx], [0, 1, 0]]), (w, h), borderMode=cv2.BORDER_REFLECT)
        canvas = cv2.cvtColor(moved, cv2.COLOR_BGR2RGB).astype(np.float32)
        assert self._quad is not None
        scale = w / self.size[0]
        target = self._quad[1] * scale + [dx, 0]
        synth.draw_hand(canvas, np.random.default_rng(remaining), target)
        return cv2.cvtColor(np.clip(canvas, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR)

    def read_still(self) -> np.ndarray:
        with self._lock:
            return self._current().copy()


def print_qr(image: np.ndarray, quad: np.ndarray, text: str) -> np.ndarray:
    """``image`` with a QR code of ``text`` printed on the page lying at ``quad`` (TL, TR, BR, BL)."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(text)
    code.make(fit=True)
    ink = np.array(code.make_image().convert("L"), dtype=np.float32) / 255.0
    side = ink.shape[0]
    tl, tr, br, bl = np.asarray(quad, dtype=np.float32).reshape(4, 2)
    left, top, right = QR_AREA
    width_px = np.linalg.norm(tr - tl)
    height_px = np.linalg.norm(bl - tl)

    def on_page(u: float, v: float) -> np.ndarray:  # page fractions -> frame pixels (bilinear over the quad)
        return (1 - u) * (1 - v) * tl + u * (1 - v) * tr + u * v * br + (1 - u) * v * bl

    bottom = top + (right - left) * width_px / max(height_px, 1.0)  # square on the page
    target = np.float32([on_page(left, top), on_page(right, top), on_page(right, bottom), on_page(left, bottom)])
    source = np.float32([[0, 0], [side, 0], [side, side], [0, side]])
    h, w = image.shape[:2]
    warped = cv2.warpPerspective(ink, cv2.getPerspectiveTransform(source, target), (w, h),
                                 flags=cv2.INTER_AREA, borderValue=1.0)
    return np.clip(image.astype(np.float32) * warped[..., None], 0, 255).astype(np.uint8)
