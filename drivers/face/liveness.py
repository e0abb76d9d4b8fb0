"""Liveness: an active challenge (blink, turn left, turn right, in random order) and a passive check.

Pure logic on per-frame observations, so it is tested on numbers as well as on frames:

* :func:`observe` turns one frame's face into an :class:`Observation`: how open the eyes are and
  where the nose sits between the eyes (yaw), both relative measures that do not change when a
  held-up photo is moved, tilted in its plane or brought closer;
* :class:`ActiveChallenge` follows the observations against the prompts and says what to show next;
* :func:`screen_score` looks for the periodic patterns a re-photographed screen (pixel grid, moiré)
  or print (halftone dots) leaves in the face, which a live face in front of a camera does not have.

Directions are the citizen's own: "turn left" means towards their left, which is image right in the
camera's unmirrored frame, so the nose moves to larger x and the yaw grows.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.face.detect import Face


class Action(enum.StrEnum):
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"


class Hint(enum.StrEnum):
    """What the screen and voice ask for now (the UI maps each to its text: 请眨眼, 请向左转头, 靠近一点...)."""

    NO_FACE = "no_face"
    ONE_FACE = "one_face"
    CLOSER = "closer"
    HOLD_STILL = "hold_still"
    BLINK = "blink"
    TURN_LEFT = "turn_left"
    TURN_RIGHT = "turn_right"
    DONE = "done"


class Verdict(enum.StrEnum):
    PENDING = "pending"
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class Observation:
    """One frame's face: eye openness (patch contrast), yaw (nose offset / eye distance), face width share."""

    t: float
    openness: float
    yaw: float
    width_share: float


def challenge_order(rng: random.Random | None = None) -> tuple[Action, ...]:
    """The three actions in a random order (a replayed recording cannot know it in advance)."""
    actions = list(Action)
    (rng or random.SystemRandom()).shuffle(actions)
    return tuple(actions)


def yaw(landmarks: np.ndarray) -> float:
    """Signed nose offset from the eyes' midline along the eye line, in eye distances (0 looking straight)."""
    right_eye = (landmarks[0] + landmarks[1]) / 2  # the face's left eye is at image right
    left_eye = (landmarks[2] + landmarks[3]) / 2
    axis = right_eye - left_eye
    iod = float(np.linalg.norm(axis))
    if iod < 1e-6:
        return 0.0
    mid = (right_eye + left_eye) / 2
    return float(np.dot(landmarks[4] - mid, axis / iod) / iod)


def eye_openness(gray: np.ndarray, landmarks: np.ndarray) -> float:
    """Contrast inside both eyes (iris and white against lid): high when open, low when shut."""
    values = []
    for outer, inner in ((landmarks[0], landmarks[1]), (landmarks[2], landmarks[3])):
        width = float(np.linalg.norm(outer - inner))
        if width < 4:
            return 0.0
        angle = float(np.degrees(np.arctan2(*(inner - outer)[::-1])))
        centre = (outer + inner) / 2
        rot = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), angle, 32.0 / width)
        rot[:, 2] += np.array([24.0, 12.0]) - centre  # the eye's middle at (24, 12) of a 48 x 24 patch
        patch = cv2.warpAffine(gray, rot, (48, 24), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
        inner_part = patch[4:20, 10:38].astype(np.float32)
        values.append(float(inner_part.std()) / (float(patch.mean()) + 1.0))
    return float(np.mean(values))


def observe(gray: np.ndarray, face: Face, t: float) -> Observation:
    """The observation of one face in a grey working image."""
    return Observation(t, eye_openness(gray, face.landmarks), yaw(face.landmarks), face.width / gray.shape[1])


@dataclass
class ActiveChallenge:
    """Follows observations through the actions; each must happen within ``action_s`` seconds."""

    order: Sequence[Action]
    action_s: float = 8.0
    baseline_frames: int = 3
    blink_drop: float = 0.7  # openness below this share of the open-eye baseline counts as shut
    turn_yaw: float = 0.12  # a head turn moves the nose this many eye distances sideways
    min_width_share: float = 0.18  # below: ask the citizen to come closer
    done: list[Action] = field(default_factory=list)
    _baseline: list[Observation] = field(default_factory=list)
    _started: float | None = None
    _closed_seen: bool = False
    verdict: Verdict = Verdict.PENDING
    reason: str = ""

    @property
    def current(self) -> Action | None:
        return self.order[len(self.done)] if len(self.done) < len(self.order) else None

    def missing_face(self, t: float, several: bool = False) -> Hint:
        """A frame at ``t`` without one usable face: the clock keeps running once the actions have begun."""
        if self.verdict is not Verdict.PENDING:
            return Hint.DONE
        if self._started is not None and t - self._started > self.action_s:
            self.verdict, self.reason = Verdict.FAILED, "no single face in view"
            return Hint.DONE
        return Hint.ONE_FACE if several else Hint.NO_FACE

    def feed(self, obs: Observation) -> Hint:
        """Take one frame's observation; returns the hint to show now."""
        if self.verdict is not Verdict.PENDING:
            return Hint.DONE
        if obs.width_share < self.min_width_share:
            return Hint.CLOSER
        if len(self._baseline) < self.baseline_frames:  # looking straight with open eyes first
            self._baseline.append(obs)
            return Hint.HOLD_STILL
        if self._started is None:
            self._started = obs.t
        if obs.t - self._started > self.action_s:
            self.verdict, self.reason = Verdict.FAILED, f"{self.current} not seen in time"
            return Hint.DONE
        if self._did(self.current, obs):
            self.done.append(self.current)  # type: ignore[arg-type]
            self._started, self._closed_seen = obs.t, False
            if self.current is None:
                self.verdict = Verdict.PASSED
                return Hint.DONE
        return Hint(self.current.value)  # type: ignore[union-attr]

    def _did(self, action: Action | None, obs: Observation) -> bool:
        open_eyes = float(np.median([b.openness for b in self._baseline]))
        straight = float(np.median([b.yaw for b in self._baseline]))
        if action is Action.BLINK:
            if obs.openness < self.blink_drop * open_eyes:
                self._closed_seen = True
                return False
            return self._closed_seen and obs.openness > 0.85 * open_eyes  # shut, then open again
        if action is Action.TURN_LEFT:
            return obs.yaw - straight > self.turn_yaw
        if action is Action.TURN_RIGHT:
            return straight - obs.yaw > self.turn_yaw
        return False


# -- passive: screens and prints ------------------------------------------------------------------
SCREEN_WINDOW = 96  # px of the face's middle, at the camera's own resolution (no resampling)


def screen_score(gray: np.ndarray, face: Face) -> float:
    """How strongly the face's middle carries a periodic pattern: the strongest isolated spectral peak
    against its neighbourhood. Natural skin gives about 3 to 6; pixel grids and halftone dots far more.

    ``gray`` and ``face`` must be at the camera's own resolution: resampling would smear the pattern.
    """
    left, top, right, bottom = face.box
    cx, cy = (left + right) // 2, (top + bottom) // 2
    half = SCREEN_WINDOW // 2
    h, w = gray.shape[:2]
    x0, y0 = min(max(cx - half, 0), max(w - SCREEN_WINDOW, 0)), min(max(cy - half, 0), max(h - SCREEN_WINDOW, 0))
    window = gray[y0:y0 + SCREEN_WINDOW, x0:x0 + SCREEN_WINDOW].astype(np.float32)
    if window.shape != (SCREEN_WINDOW, SCREEN_WINDOW):
        return 0.0
    detail = window - cv2.GaussianBlur(window, (0, 0), 2.0)  # the face's own shading is low-frequency
    hann = np.outer(np.hanning(SCREEN_WINDOW), np.hanning(SCREEN_WINDOW)).astype(np.float32)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2(detail * hann)))
    background = cv2.medianBlur(spectrum.astype(np.float32), 5) + 1e-3
    ratio = spectrum / background
    n = SCREEN_WINDOW
    ky, kx = np.mgrid[0:n, 0:n] - n // 2
    radius = np.hypot(kx, ky) / (n / 2)
    block = n // 8  # JPEG's 8-px blocks put peaks at multiples of n/8 on both axes
    jpeg = (kx % block == 0) & (ky % block == 0)
    band = (radius > 0.25) & (radius < 0.95) & ~jpeg
    return float(ratio[band].max())


@dataclass(frozen=True)
class LivenessResult:
    """The liveness outcome: passed, or why not (never an image)."""

    passed: bool
    reason: str
    actions: tuple[str, ...]
    screen_score: float


SCREEN_LIMIT = 9.0  # screen_score above this in most frames: a screen or a print (docs/face.md)


@dataclass
class LivenessCheck:
    """Both checks over a stream of camera frames: feed each frame, show the hint, stop at DONE.

    The passive check looks at every frame with a face and refuses when the median score is over
    SCREEN_LIMIT: one noisy frame does not decide, a screen held up for the whole challenge does.
    """

    challenge: ActiveChallenge
    screen_limit: float = SCREEN_LIMIT
    scores: list[float] = field(default_factory=list)

    @classmethod
    def random(cls, rng: random.Random | None = None, **options: float) -> LivenessCheck:
        return cls(ActiveChallenge(challenge_order(rng), **options))

    def feed(self, frame: np.ndarray, t: float, models=None) -> Hint:
        """One BGR camera frame taken at ``t`` seconds; the frame is not kept."""
        from drivers.face.detect import RIVAL_AREA, find_faces, working_image

        rgb = working_image(frame)
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        try:
            faces = find_faces(rgb, models, fast=True)
            if not faces or (len(faces) > 1 and faces[1].area >= RIVAL_AREA * faces[0].area):
                return self.challenge.missing_face(t, several=bool(faces))
            face = faces[0]
            if rgb.shape[:2] == frame.shape[:2]:  # the pattern is only seen at the camera's own pixels
                self.scores.append(screen_score(gray, face))
            return self.challenge.feed(observe(gray, face, t))
        finally:
            rgb.fill(0)
            gray.fill(0)

    @property
    def done(self) -> bool:
        return self.challenge.verdict is not Verdict.PENDING

    def result(self) -> LivenessResult:
        """The outcome; a screen or print is refused even when the actions were (somehow) done."""
        score = float(np.median(self.scores)) if self.scores else 0.0
        actions = tuple(a.value for a in self.challenge.done)
        if self.scores and score > self.screen_limit:
            return LivenessResult(False, "screen_or_print", actions, score)
        if self.challenge.verdict is Verdict.PASSED:
            return LivenessResult(True, "", actions, score)
        return LivenessResult(False, self.challenge.reason or "not finished", actions, score)
