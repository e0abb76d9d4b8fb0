"""Benchmark: a signature on the sign step, from the pad's strokes to the PNG that goes to the hub.

Run: .venv/bin/python tests/bench/bench_signature.py [--runs 50]
A three-character name written with a finger (18 strokes, about 720 points with pressure) on a pad of
1000x400: the ``sign`` event's JSON size, kioskd's parse and engine step (the citizen waits on it; its
baseline is the form step's ``form_submit`` in the same process), and the PNG drawn when the application is
built (size, and time against decoding it again with OpenCV as the baseline).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import cv2
import numpy as np

from flows import events as ev
from flows.catalog import load_catalog
from flows.engine import start, transition
from flows.walk import SAMPLE_CARD, form_values, happy_event
from local_api.signature_image import render_png
from tests.bench.timing import interleaved

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
WIDTH, HEIGHT = 1000, 400


def handwriting(chars: int = 3, strokes_per_char: int = 6, points: int = 40) -> list[list[list[float]]]:
    """Wavy strokes across the pad, pressure rising and falling as a finger's does."""
    strokes = []
    for c in range(chars):
        left = 80 + c * 290
        for s in range(strokes_per_char):
            stroke = []
            for i in range(points):
                t = i / (points - 1)
                x = left + 40 * s + 160 * t * (0.4 + 0.1 * s)
                y = 120 + 180 * abs(math.sin(math.pi * (t + s * 0.17)))
                stroke.append([round(min(x, WIDTH), 1), round(y, 1), round(0.35 + 0.6 * math.sin(math.pi * t), 2)])
            strokes.append(stroke)
    return strokes


def at_step(item, kind: str):
    snap, _ = start(item, session_id="bench", at=T0)
    at = T0
    while item.step(snap.step).kind != kind:
        at += timedelta(seconds=5)
        snap, _ = transition(item, snap, happy_event(item, snap, at))
    return snap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    item = load_catalog()["individual_business_precheck"]
    strokes = handwriting()
    data = {"width": WIDTH, "height": HEIGHT, "strokes": strokes}
    body = json.dumps({"type": "sign", "data": data}).encode()
    at_sign, at_form = at_step(item, "sign"), at_step(item, "form")
    values = form_values(item, at_form.step, SAMPLE_CARD, {})

    def sign() -> None:
        transition(item, at_sign, ev.client_event("sign", data, T0))

    def form() -> None:
        transition(item, at_form, ev.client_event("form_submit", {"values": values}, T0))

    png = render_png([[tuple(p) for p in s] for s in strokes], WIDTH, HEIGHT)

    def draw() -> None:
        render_png([[tuple(p) for p in s] for s in strokes], WIDTH, HEIGHT)

    def decode() -> None:
        cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)

    sign_ms, form_ms, draw_ms, decode_ms = interleaved([sign, form, draw, decode], args.runs)
    points = sum(len(s) for s in strokes)
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
          f"{len(strokes)} strokes, {points} points, {args.runs} runs")
    print(f"sign event JSON:        {len(body) / 1024:7.1f} KiB")
    print(f"sign parsed + stepped:  median {sign_ms:7.2f} ms  ({sign_ms / form_ms:.1f}× a form_submit, "
          f"{form_ms:.2f} ms)")
    print(f"signature PNG:          {len(png) / 1024:7.1f} KiB, drawn in median {draw_ms:6.2f} ms "
          f"({draw_ms / decode_ms:.1f}× decoding it, {decode_ms:.2f} ms)")


if __name__ == "__main__":
    main()
