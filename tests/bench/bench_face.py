"""Face check timings: one verification attempt (detect + embed + compare) and liveness end to end.

    .venv/bin/python tests/bench/bench_face.py [--attempts 15] [--challenges 3]

An attempt is the card's photo (102 x 126, as the WLT decoder gives it) against one 640 x 480 camera
frame. Baseline, timed in the same process on the same pictures: the usual recipe with the same
models on the pictures as they are (the detector upsampling each picture once, as the
face_recognition library does by default). Liveness: the sim: camera's person doing what is asked,
frame by frame through LivenessCheck.feed (detect, landmarks, eye patches, yaw, screen spectrum).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import cv2
import numpy as np

from drivers.face.liveness import Hint, LivenessCheck
from drivers.face.matcher import FaceMatcher
from drivers.face.models import load
from drivers.face.sim import ASSETS, SimFaceSource


def baseline(models, card: np.ndarray, live: np.ndarray) -> float:
    """The textbook recipe: upsample once to detect, 5 landmarks, descriptor from the picture as it is."""
    out = []
    for image in (card, live):
        rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        rects = models.detector(rgb, 1)
        if not rects:
            raise RuntimeError("the baseline finds no face in this picture")
        shape = models.landmarks(rgb, rects[0])
        out.append(np.asarray(models.embedder.compute_face_descriptor(rgb, shape)))
    return float(1 - np.linalg.norm(out[0] - out[1]))


def bench_attempt(n: int) -> None:
    models = load()
    card = cv2.resize(cv2.imread(str(ASSETS / "holder-card.jpg")), (102, 126), interpolation=cv2.INTER_AREA)
    live = cv2.resize(cv2.imread(str(ASSETS / "holder-live.jpg")), (640, 480), interpolation=cv2.INTER_AREA)
    matcher = FaceMatcher(models=models)
    matcher.match(card, live)
    baseline(models, card, live)
    ours, base, ours_cpu, base_cpu = [], [], [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        result = matcher.match(card, live)
        ours.append((time.perf_counter() - t0) * 1000)
        ours_cpu.append((time.process_time() - c0) * 1000)
        t0, c0 = time.perf_counter(), time.process_time()
        base_score = baseline(models, card, live)
        base.append((time.perf_counter() - t0) * 1000)
        base_cpu.append((time.process_time() - c0) * 1000)
    mo, mb = statistics.median(ours), statistics.median(base)
    co, cb = statistics.median(ours_cpu), statistics.median(base_cpu)
    print(f"verification attempt, card 102x126 vs frame 640x480, {n} runs each (wall; CPU of this process):")
    print(f"  ours (working size 400-800 px)    median {mo:7.1f} ms; {co:7.1f} ms CPU   score {result.score:.3f}")
    print(f"  baseline (upsample once)          median {mb:7.1f} ms; {cb:7.1f} ms CPU   score {base_score:.3f}")
    print(f"  ratio ours / baseline             {mo / mb:.2f}; {co / cb:.2f} CPU")


def bench_liveness(n: int) -> None:
    per_frame, frames, passed = [], [], 0
    for k in range(n):
        source = SimFaceSource("holder", seed=k)
        check = LivenessCheck.random(random.Random(k))
        t, count = 0.0, 0
        while not check.done and count < 200:
            frame = source.read_preview()
            c0 = time.process_time()
            hint = check.feed(frame, t)
            per_frame.append((time.process_time() - c0) * 1000)
            if hint in (Hint.BLINK, Hint.TURN_LEFT, Hint.TURN_RIGHT) and not source.acting:
                source.act(hint.value)
            count += 1
            t += 1 / 8
        frames.append(count)
        passed += check.result().passed
    mf = statistics.median(per_frame)
    print(f"liveness end to end, sim: person doing what is asked, {n} challenges:")
    print(f"  per frame (LivenessCheck.feed)    median {mf:7.1f} ms CPU -> {1000 / mf:.1f} frames/s on one core")
    print(f"  frames per challenge              median {statistics.median(frames):5.0f}   "
          f"({statistics.median(frames) * mf / 1000:.1f} s of processing; passed {passed}/{n})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=15)
    parser.add_argument("--challenges", type=int, default=3)
    args = parser.parse_args()
    bench_attempt(args.attempts)
    bench_liveness(args.challenges)


if __name__ == "__main__":
    main()
