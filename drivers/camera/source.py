"""What every frame source (UVC camera, image folder, simulator) offers the document camera."""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

PREVIEW_LONG_SIDE = 640


class FrameSource(Protocol):
    """A camera: a small preview stream and a full-resolution still."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read_preview(self) -> np.ndarray:
        """The next preview frame (BGR, long side about 640 px)."""
        ...

    def read_still(self) -> np.ndarray:
        """One frame at the highest still resolution (BGR)."""
        ...


def shrink(frame: np.ndarray, long_side: int = PREVIEW_LONG_SIDE) -> np.ndarray:
    """Downscale so the long side is at most ``long_side`` px."""
    h, w = frame.shape[:2]
    f = long_side / max(h, w)
    if f >= 1.0:
        return frame
    return cv2.resize(frame, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
