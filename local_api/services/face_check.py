"""The face check (人证核验) for a session's ``verify_face`` step: the card's photo, the face camera, liveness
and the match, each attempt's outcome fed back as ``FaceChecked``.

The card's WLT photo comes from the card reader (``remember_card``) and is held in this service's memory
only, never in the snapshot or on disk; it goes when the step ends (``WipeFace``) or the session does.
Frames are overwritten as soon as they are used; the UI's live view gets a small JPEG of the latest frame
while an attempt runs and nothing after. Outcomes carry a decision, a score and a reason code.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from drivers.errors import DriverError
from drivers.face import compare
from drivers.face.card import PhotoDecoder, card_photo
from drivers.face.errors import FaceError, ModelsMissing, NoFace, SeveralFaces
from drivers.face.image import wipe
from drivers.face.liveness import Hint, LivenessCheck
from drivers.face.matcher import face_embedding
from flows import effects as fx
from flows import events as ev
from local_api.devices import DeviceManager
from local_api.schemas import FaceLiveView
from local_api.sessions import SessionService

log = logging.getLogger(__name__)

OWNER = "face_check"
ACTIONS = (Hint.BLINK, Hint.TURN_LEFT, Hint.TURN_RIGHT)
SPOKEN = {Hint.BLINK: "请眨眨眼", Hint.TURN_LEFT: "请向左转头", Hint.TURN_RIGHT: "请向右转头"}
DARK_LEVEL = 45  # mean grey below this: no face is found because the picture is too dark, say so
PREVIEW_WIDTH = 320  # the live view on the screen needs no more; fewer pixels of a face leave the service


@dataclass
class _Attempt:
    """One attempt's state, as the live view reads it."""

    session_id: str
    attempt: int
    cancel: threading.Event = field(default_factory=threading.Event)
    hint: str = ""
    order: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    preview: bytes | None = None
    size: tuple[int, int] = (0, 0)


class FaceCheckService:
    def __init__(self, sessions: SessionService, devices: DeviceManager, decoder: PhotoDecoder | None, *,
                 clock: Callable[[], datetime], speak: Callable[[str], None] = lambda text: None,
                 threshold: float = compare.DEFAULT_THRESHOLD, action_s: float = 8.0, face_wait_s: float = 30.0,
                 rng: random.Random | None = None, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.sessions = sessions
        self.devices = devices
        self.decoder = decoder  # None: no WLT decoder configured, the check is unavailable
        self.clock = clock
        self.speak = speak
        self.threshold = threshold
        self.action_s = action_s  # per action; doubled in elder mode
        self.face_wait_s = face_wait_s  # for the citizen to step in front of the camera at all
        self.rng = rng  # None: SystemRandom, so a recording cannot know the order
        self.monotonic = monotonic
        self._photos: dict[str, bytearray] = {}  # session → the card's WLT photo
        self._attempt: _Attempt | None = None
        self._lock = threading.Lock()

    # -- the card ---------------------------------------------------------------------------------
    def remember_card(self, session_id: str, wlt: bytes) -> None:
        """The card read for this session: keep its photo (in memory) if its item checks the face."""
        snap = self.sessions.snapshot()
        item = self.sessions.catalog.get(snap.item_code) if snap is not None else None
        if item is None or not any(step.kind == "verify_face" for step in item.steps):
            return  # nothing to compare it with: not kept beyond the card reader
        with self._lock:
            old = self._photos.pop(session_id, None)
            if old is not None:
                old[:] = bytes(len(old))
            self._photos = {session_id: bytearray(wlt)}  # only the current session's card

    def holds_photo(self, session_id: str) -> bool:
        with self._lock:
            return session_id in self._photos

    # -- effects ----------------------------------------------------------------------------------
    def check(self, session_id: str, effect: fx.CheckFace) -> None:
        """One attempt: the card's face first (so an unusable photo is known before the citizen acts), then
        the challenge and passive check on the camera, then the match; the outcome goes to the session."""
        snap = self.sessions.snapshot()
        if snap is None or snap.session_id != session_id or snap.pending != "face":
            return  # the session left the step before the pool got to this attempt: no camera for nothing
        attempt = _Attempt(session_id, effect.attempt)
        with self._lock:
            if self._attempt is not None:
                self._attempt.cancel.set()
            self._attempt = attempt
        try:
            outcome = self._run(attempt, effect)
        finally:
            with self._lock:
                if self._attempt is attempt:
                    self._attempt = None
            attempt.preview = None
        if outcome is None:  # stopped: the session left the step
            return
        kind, reason, score = outcome
        log.info("face check attempt", extra={"outcome": kind, "reason": reason, "attempt": effect.attempt})
        self.sessions.system_event(session_id, ev.FaceChecked(
            at=self.clock(), key=effect.key, outcome=kind, reason=reason,
            score=None if score is None else round(score, 4), threshold=self.threshold if score is not None else None))

    def stop(self, session_id: str, effect: fx.StopFaceCheck | None = None) -> None:
        with self._lock:
            if self._attempt is not None and self._attempt.session_id == session_id:
                self._attempt.cancel.set()

    def wipe(self, session_id: str, effect: fx.WipeFace | None = None) -> None:
        """The step is over: stop any attempt and overwrite the card's photo."""
        self.stop(session_id)
        with self._lock:
            photo = self._photos.pop(session_id, None)
        if photo is not None:
            photo[:] = bytes(len(photo))

    # -- for the UI's live view -------------------------------------------------------------------
    def live(self) -> FaceLiveView:
        attempt = self._attempt
        if attempt is None:
            return FaceLiveView()
        return FaceLiveView(active=True, hint=attempt.hint, order=list(attempt.order), done=list(attempt.done),
                            attempt=attempt.attempt, width=attempt.size[0], height=attempt.size[1])

    def preview_jpeg(self) -> bytes | None:
        """The latest frame of the running attempt, small; None when no attempt runs."""
        attempt = self._attempt
        return attempt.preview if attempt is not None else None

    # -- the attempt --------------------------------------------------------------------------------
    def _run(self, attempt: _Attempt, effect: fx.CheckFace) -> tuple[str, str, float | None] | None:
        with self._lock:
            wlt = bytes(self._photos.get(attempt.session_id, b""))
        if self.decoder is None:
            return "unavailable", "no_decoder", None
        if not wlt:
            return "unavailable", "no_card_photo", None  # typed by hand, or read before a restart
        try:
            photo = card_photo(wlt, self.decoder)
        except (DriverError, FaceError):
            return "unavailable", "card_photo_unreadable", None
        try:
            card = face_embedding(photo)
        except ModelsMissing:
            log.error("face models are not installed: the face check is unavailable")
            return "unavailable", "no_models", None
        except FaceError:
            return "unavailable", "card_photo_has_no_face", None
        finally:
            wipe(photo)
        camera = self.devices.get("face_camera")
        if camera is None:
            return "unavailable", "no_camera", None
        try:
            camera.claim(OWNER)
        except DriverError as exc:
            log.warning("face camera not available", extra={"detail": str(exc)[:200]})
            return "unavailable", "camera_busy", None
        kept: np.ndarray | None = None
        try:
            camera.enable()
            result = self._challenge(attempt, camera, effect.elder_mode)
            if result is None:
                return None
            passed, reason, kept = result
            if not passed:
                return "failed", reason, None
        except DriverError as exc:
            log.warning("face camera failed during a check", extra={"detail": str(exc)[:200]})
            return "unavailable", "camera_failed", None
        finally:
            with contextlib.suppress(DriverError):
                camera.release(OWNER)  # disables it first: the camera goes back to video help
        try:
            live = face_embedding(kept)
        except NoFace:
            return "failed", "no_face", None
        except SeveralFaces:
            return "failed", "several_faces", None
        finally:
            wipe(kept)
        decision = compare.decide(card, live, self.threshold)
        card.fill(0)
        live.fill(0)
        return ("passed" if decision.match else "failed"), ("" if decision.match else "not_the_holder"), decision.score

    def _challenge(self, attempt: _Attempt, camera: Any, elder: bool
                   ) -> tuple[bool, str, np.ndarray | None] | None:
        """Frames until the challenge decides: (passed, reason, a frame looking straight, to match), None if stopped."""
        scale = 2.0 if elder else 1.0
        check = LivenessCheck.random(self.rng, action_s=self.action_s * scale)
        attempt.order = [a.value for a in check.challenge.order]
        t0 = self.monotonic()
        kept: np.ndarray | None = None
        spoken = ""
        while not check.done:
            if attempt.cancel.is_set():
                wipe(kept)
                return None
            now = self.monotonic() - t0
            if now > self.face_wait_s * scale and not check.challenge.done and not check.scores:
                wipe(kept)
                return False, "no_face", None
            frame = camera.frame()
            try:
                hint = check.feed(frame, now)
                if hint is Hint.NO_FACE and float(frame.mean()) < DARK_LEVEL:
                    attempt.hint = "too_dark"
                else:
                    attempt.hint = hint.value
                if hint is Hint.HOLD_STILL:  # looking straight at the camera: the frame to match
                    wipe(kept)
                    kept = frame.copy()
                attempt.done = [a.value for a in check.challenge.done]
                attempt.preview, attempt.size = _small_jpeg(frame), (frame.shape[1], frame.shape[0])
            finally:
                frame.fill(0)
            if hint in ACTIONS:
                camera.prompt(hint.value)  # a simulated citizen follows; a real one hears and sees it
                if hint.value != spoken:
                    spoken = hint.value
                    self.speak(SPOKEN[hint])
        attempt.preview = None
        result = check.result()
        if result.passed and kept is not None:
            return True, "", kept
        wipe(kept)
        if result.reason == "screen_or_print":
            return False, "screen_or_print", None
        return False, "no_liveness" if check.scores else "no_face", None


def _small_jpeg(frame: np.ndarray) -> bytes:
    h, w = frame.shape[:2]
    small = cv2.resize(frame, (PREVIEW_WIDTH, max(1, round(h * PREVIEW_WIDTH / w))), interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 70])
    small.fill(0)
    return buf.tobytes() if ok else b""
