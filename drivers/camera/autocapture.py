"""Auto-capture: fire once when a document is present, hands are away and nothing has moved for a while.

Pure: fed one observation per preview frame (detection + timestamp + frame motion), it returns the
hint the UI voices and whether to capture now. The clock is the caller's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.camera import geometry

THUMB_SIZE = (160, 120)


class Hint(enum.StrEnum):
    """What the citizen should do next (the UI turns these into speech and text)."""

    EMPTY = "empty"  # nothing on the plate
    MOVE_CLOSER = "move_closer"  # too small, or partly outside the view: move it to the centre
    REMOVE_HAND = "remove_hand"
    HOLD_STILL = "hold_still"
    READY = "ready"  # capture fires on this frame
    CAPTURED = "captured"  # this page is done; turn it over or place the next one


@dataclass(frozen=True)
class Observation:
    """One preview frame's facts: quad in frame pixels (or None), frame size, hand, motion, time (s)."""

    quad: np.ndarray | None
    size: tuple[int, int]
    hand: bool
    t: float
    motion: float = 0.0  # mean absolute grey difference to the previous thumbnail, 0–255


@dataclass(frozen=True)
class Decision:
    hint: Hint
    fire: bool
    still_for: float = 0.0


class AutoCapture:
    """The stillness state machine; one instance per camera session."""

    def __init__(self, still_seconds: float = 1.0, *, min_area: float = 0.03, corner_tolerance: float = 0.008,
                 motion_threshold: float = 3.0) -> None:
        if still_seconds < 0:
            raise ValueError("still_seconds must not be negative")
        self.still_seconds = still_seconds
        self.min_area = min_area
        self.corner_tolerance = corner_tolerance
        self.motion_threshold = motion_threshold
        self.reset()

    def reset(self) -> None:
        """Forget the current document (e.g. at the start of a step)."""
        self._prev: np.ndarray | None = None
        self._still_since: float | None = None
        self._captured: np.ndarray | None = None

    def update(self, obs: Observation) -> Decision:
        """Advance by one frame."""
        if obs.quad is None:
            self.reset()
            return Decision(Hint.EMPTY, False)
        quad = np.asarray(obs.quad, np.float64)
        w, h = obs.size
        diag = float(np.hypot(w, h))
        prev, self._prev = self._prev, quad
        if self._captured is not None:
            moved = float(np.abs(quad - self._captured).max()) > 0.05 * diag
            if obs.hand or moved:
                self._captured = None  # a page turned or replaced: ready for the next one
            else:
                return Decision(Hint.CAPTURED, False)
        if obs.hand:
            self._still_since = None
            return Decision(Hint.REMOVE_HAND, False)
        margin = 0.005 * diag
        outside = (quad[:, 0].min() < margin or quad[:, 1].min() < margin
                   or quad[:, 0].max() > w - 1 - margin or quad[:, 1].max() > h - 1 - margin)
        if outside or geometry.area(quad) < self.min_area * w * h:
            self._still_since = None
            return Decision(Hint.MOVE_CLOSER, False)
        shifted = prev is not None and float(np.abs(quad - prev).max()) > self.corner_tolerance * diag
        if shifted or obs.motion > self.motion_threshold or prev is None:
            self._still_since = obs.t
            return Decision(Hint.HOLD_STILL, False)
        if self._still_since is None:
            self._still_since = obs.t
        still_for = obs.t - self._still_since
        if still_for >= self.still_seconds:
            self._captured = quad
            self._still_since = None
            return Decision(Hint.READY, True, still_for)
        return Decision(Hint.HOLD_STILL, False, still_for)


def thumbnail(frame: np.ndarray) -> np.ndarray:
    """The 160×120 grey thumbnail stillness is measured on."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, THUMB_SIZE, interpolation=cv2.INTER_AREA)


def motion(previous: np.ndarray | None, current: np.ndarray) -> float:
    """Mean absolute difference between two thumbnails (0 when there is no previous one)."""
    if previous is None or previous.shape != current.shape:
        return 0.0
    return float(cv2.absdiff(previous, current).mean())
