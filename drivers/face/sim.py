"""``sim:``: a simulated face camera showing a real photo of the sample card's holder (assets/faces).

``?who=holder|stranger|nobody`` picks who stands in front of it; with ``?play=1`` the person does what
the face check asks (:meth:`SimFaceSource.prompt`), as a cooperating citizen would. The simulated person can
:meth:`SimFaceSource.act` ``blink``, ``turn_left`` or ``turn_right``: the next frames show the eyes
closed (painted over with the skin beside them) or the nose pushed sideways (a local warp), which is
enough for the liveness check's landmarks; without an act the frames show a still person with sensor
noise, which the liveness check refuses like a held-up photo.
"""

from __future__ import annotations

import threading
from collections import deque
from pathlib import Path

import cv2
import numpy as np

from drivers.errors import InvalidDeviceUri
from drivers.face.sources import FACE_SIZE
from drivers.uri import DeviceUri

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "faces"
PEOPLE = {"holder": "holder-live.jpg", "stranger": "stranger-live.jpg", "nobody": None}
ACT_FRAMES = {"blink": (2, 3), "turn_left": (3, 5), "turn_right": (3, 5)}  # frames moving in, frames held


class SimFaceSource:
    """Frames of a photo with noise; acts are played into the next frames."""

    def __init__(self, who: str = "holder", seed: int = 1, play: bool = False) -> None:
        if who not in PEOPLE:
            raise InvalidDeviceUri(f"sim face camera: who={who!r} is not one of {', '.join(PEOPLE)}")
        self.who = who
        self.play = play
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._base: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._queue: deque[tuple[str, float]] = deque()

    @classmethod
    def from_uri(cls, uri: DeviceUri) -> SimFaceSource:
        play = uri.query.get("play", "0")
        if play not in ("0", "1"):
            raise InvalidDeviceUri(f"sim face camera: play={play!r} must be 0 or 1")
        return cls(uri.query.get("who", "holder"), uri.option_int("seed", 1), play == "1")

    def present(self) -> bool:
        return True

    def open(self) -> None:
        pass

    def close(self) -> None:
        with self._lock:
            self._queue.clear()

    def show(self, who: str) -> None:
        """Someone else steps in front of the camera."""
        if who not in PEOPLE:
            raise ValueError(f"who must be one of {', '.join(PEOPLE)}")
        with self._lock:
            self.who = who
            self._queue.clear()

    @property
    def acting(self) -> bool:
        """Whether an act is still being played."""
        return bool(self._queue)

    def act(self, action: str) -> None:
        """Queue a blink or a head turn for the next frames."""
        if action not in ACT_FRAMES:
            raise ValueError(f"action must be one of {', '.join(ACT_FRAMES)}")
        moving, held = ACT_FRAMES[action]
        with self._lock:
            ramp = [(i + 1) / (moving + 1) for i in range(moving)]
            for amount in [*ramp, *([1.0] * held), *reversed(ramp)]:
                self._queue.append((action, amount))

    def prompt(self, action: str) -> None:
        """The face check asks for ``action``: with ``play`` the person does it (once the last act is over)."""
        if self.play and action in ACT_FRAMES and not self.acting:
            self.act(action)

    def _person(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self.who not in self._base:
            name = PEOPLE[self.who]
            if name is None:
                plain = np.full((FACE_SIZE[1], FACE_SIZE[0], 3), (200, 205, 210), np.uint8)
                self._base[self.who] = (plain, None)
            else:
                image = cv2.resize(cv2.imread(str(ASSETS / name)), FACE_SIZE, interpolation=cv2.INTER_AREA)
                self._base[self.who] = (image, _landmarks(image))
        return self._base[self.who]

    def read_preview(self) -> np.ndarray:
        with self._lock:
            image, points = self._person()
            frame = image.copy()
            if self._queue and points is not None:
                action, amount = self._queue.popleft()
                frame = close_eyes(frame, points, amount) if action == "blink" else turn(
                    frame, points, amount if action == "turn_left" else -amount)
            noise = self._rng.normal(0, 2.0, frame.shape)
        return np.clip(frame.astype(np.float32) + noise, 0, 255).astype(np.uint8)


def _landmarks(image: np.ndarray) -> np.ndarray | None:
    """The photo's 5 landmarks in its own pixels, found once by the real detector."""
    from drivers.face.detect import find_faces, working_image

    rgb = working_image(image)
    faces = find_faces(rgb)
    if not faces:
        return None
    return faces[0].landmarks * (image.shape[1] / rgb.shape[1])


def close_eyes(frame: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Both eyes covered by lids of skin taken from just below them; ``amount`` 1 is fully shut."""
    out = frame.copy()
    for outer, inner in ((points[0], points[1]), (points[2], points[3])):
        centre = (outer + inner) / 2
        width = float(np.linalg.norm(outer - inner))
        angle = float(np.degrees(np.arctan2(*(inner - outer)[::-1])))
        half = (int(width * 0.7), max(1, int(width * 0.42 * amount)))
        below = centre + np.array([0.0, width * 0.9])
        y, x = int(below[1]), int(below[0])
        skin = frame[max(0, y - 3):y + 4, max(0, x - 3):x + 4].reshape(-1, 3).mean(axis=0)
        mask = np.zeros(frame.shape[:2], np.uint8)
        cv2.ellipse(mask, (int(centre[0]), int(centre[1])), half, angle, 0, 360, 255, -1)
        soft = cv2.GaussianBlur(mask, (0, 0), max(1.0, width * 0.06)).astype(np.float32)[..., None] / 255
        out = (out * (1 - soft) + skin * soft).astype(np.uint8)
        if amount > 0.8:  # the lashes of a closed lid
            cv2.ellipse(out, (int(centre[0]), int(centre[1] + half[1] * 0.3)), (half[0], max(1, half[1] // 3)),
                        angle, 10, 170, (60, 55, 50), 2, cv2.LINE_AA)
    return out


def turn(frame: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """The nose pushed sideways by ``amount`` x 0.3 eye distances (positive: to image right), eyes barely moved."""
    eyes = (points[0] + points[1] + points[2] + points[3]) / 4
    iod = float(np.linalg.norm((points[0] + points[1]) / 2 - (points[2] + points[3]) / 2))
    nose = points[4]
    shift = amount * 0.3 * iod
    h, w = frame.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = (nose + eyes) / 2 * [1, 1] + [0, (nose[1] - eyes[1]) * 0.5]
    sigma = 0.45 * iod
    weight = np.exp(-((xs - centre[0]) ** 2 + ((ys - centre[1]) * 0.8) ** 2) / (2 * sigma ** 2))
    moved = (xs - shift * weight).astype(np.float32)
    return cv2.remap(frame, moved, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
