"""The face check step's attempt through kioskd's FaceCheckService, end to end, against its parts.

    .venv/bin/python tests/bench/bench_face_check.py [--attempts 5]

One attempt: the sim card's WLT photo decoded and embedded, the sim: face camera (its person doing what
is asked, ``?play=1``) claimed and enabled, the challenge in random order with the passive check frame by
frame, the live view's small JPEG per frame, the match. Baseline, timed in the same process on the same
camera: the driver's parts alone (LivenessCheck.feed on each frame, then FaceMatcher.match of the card
photo and a frame), so the ratio is what the service adds around them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import cv2
import numpy as np

from drivers import registry
from drivers.face.liveness import Hint, LivenessCheck
from drivers.face.matcher import FaceMatcher
from drivers.face.models import load
from drivers.id_card.photo import SimWltDecoder, sim_wlt
from flows import effects as fx
from flows.catalog import load_catalog
from local_api.services.face_check import FaceCheckService


class _Sessions:
    catalog = load_catalog()

    def __init__(self) -> None:
        self.events: list = []

    def snapshot(self):
        return SimpleNamespace(session_id="b", item_code="si_record_certificate", pending="face")

    def system_event(self, session_id, event):
        self.events.append(event)


class _Devices:
    def __init__(self, camera) -> None:
        self.camera = camera

    def get(self, kind):
        return self.camera


def service_attempt(camera, seed: int) -> tuple[float, float, str]:
    sessions = _Sessions()
    service = FaceCheckService(sessions, _Devices(camera), SimWltDecoder(), clock=lambda: datetime.now(UTC),
                               rng=random.Random(seed))
    service.remember_card("b", sim_wlt("holder"))
    t0, c0 = time.perf_counter(), time.process_time()
    service.check("b", fx.CheckFace(key="k", attempt=1))
    return time.perf_counter() - t0, time.process_time() - c0, sessions.events[-1].outcome


def parts_attempt(camera, matcher: FaceMatcher, card, seed: int) -> tuple[float, float, bool]:
    t0, c0 = time.perf_counter(), time.process_time()
    camera.claim("bench")
    camera.enable()
    check = LivenessCheck.random(random.Random(seed))
    kept = None
    try:
        while not check.done:
            frame = camera.frame()
            hint = check.feed(frame, time.perf_counter() - t0)
            if hint is Hint.HOLD_STILL:
                kept = frame
            if hint in (Hint.BLINK, Hint.TURN_LEFT, Hint.TURN_RIGHT):
                camera.prompt(hint.value)
    finally:
        camera.release("bench")
    result = matcher.match(card, kept)
    return time.perf_counter() - t0, time.process_time() - c0, check.result().passed and result.match


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=5)
    args = parser.parse_args()
    load()
    camera = registry.create("face_camera", "sim:?play=1")
    camera.open()
    card = cv2.imdecode(np.frombuffer(SimWltDecoder().decode(sim_wlt("holder")), np.uint8), cv2.IMREAD_COLOR)
    matcher = FaceMatcher()
    ours, base, outcomes, passed = [], [], [], []
    for seed in range(args.attempts):  # interleaved, so a change of load hits both alike
        wall, cpu, outcome = service_attempt(camera, seed)
        ours.append((wall, cpu))
        outcomes.append(outcome)
        wall, cpu, ok = parts_attempt(camera, matcher, card, seed)
        base.append((wall, cpu))
        passed.append(ok)
    camera.close()
    mo, co = (statistics.median(x[i] for x in ours) for i in (0, 1))
    mb, cb = (statistics.median(x[i] for x in base) for i in (0, 1))
    print(f"face check attempt end to end, sim: camera (?play=1), {args.attempts} attempts each (wall; CPU):")
    print(f"  FaceCheckService.check        median {mo:6.2f} s; {co:6.2f} s CPU   outcomes {outcomes}")
    print(f"  the driver's parts alone      median {mb:6.2f} s; {cb:6.2f} s CPU   passed {passed}")
    print(f"  ratio service / parts         {mo / mb:.2f}; {co / cb:.2f} CPU")


if __name__ == "__main__":
    main()
