"""Time to read an appointment's QR code from a document-camera still: our decoder vs one plain OpenCV call.

Run: .venv/bin/python tests/bench/bench_queue_qr.py
Prints medians per frame (1600×1200, as the sim camera's still) and the ratio to a single
``cv2.QRCodeDetector().detectAndDecode`` on the same frame (which misses the small code).
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import cv2
import numpy as np
import qrcode

from drivers.camera import synth
from drivers.camera.qr import decode_qr
from drivers.camera.sim import SimSource

RUNS = 15
TEXT = "KIOSKAPPT:8f3a1c2e9b7d4f60a1b2c3d4e5f60718"


def code(module_px: int) -> np.ndarray:
    qr = qrcode.QRCode(box_size=module_px, border=4)
    qr.add_data(TEXT)
    qr.make(fit=True)
    return np.array(qr.make_image().convert("L"))


def on_plate(ink: np.ndarray, scale: float = 1.0) -> np.ndarray:
    plate = np.full((1200, 1600), 90, np.uint8)
    sheet = np.full((ink.shape[0] + 200, ink.shape[1] + 200), 235, np.uint8)
    sheet[100:-100, 100:-100] = ink
    plate[300:300 + sheet.shape[0], 500:500 + sheet.shape[1]] = sheet
    frame = cv2.cvtColor(plate, cv2.COLOR_GRAY2BGR)
    if scale != 1.0:
        small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        frame = np.full_like(frame, 90)
        frame[:small.shape[0], :small.shape[1]] = small
    return frame


def median_ms(fn, frame) -> tuple[float, bool]:
    found = bool(fn(frame))
    times = []
    for _ in range(RUNS):
        t = time.perf_counter()
        fn(frame)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, found


def plain(frame: np.ndarray) -> str:
    return cv2.QRCodeDetector().detectAndDecode(frame)[0]


def main() -> None:
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"OpenCV {cv2.__version__}")
    sim = SimSource()
    sim.open()
    sim.place("qr", text=TEXT, approach=False)
    frames = {
        "sim slip on the plate": sim.read_still(),
        "plain code (8 px/module)": on_plate(code(8)),
        "blurred (6 px, sigma 2)": cv2.GaussianBlur(on_plate(code(6)), (0, 0), 2.0),
        "small (1.5 px/module)": on_plate(code(2), 0.75),
        "letter, no code": synth.synth_frame(3, "easy", (1600, 1200), kind="letter", supersample=1).image,
    }
    print(f"{'frame':>26} | {'decode_qr':>14} | {'one detectAndDecode':>20} | ratio")
    for name, frame in frames.items():
        ours, ok = median_ms(decode_qr, frame)
        base, base_ok = median_ms(plain, frame)
        print(f"{name:>26} | {ours:8.1f} ms {'✓' if ok else '–'}  | {base:12.1f} ms {'✓' if base_ok else '–'}  "
              f"| {ours / base:.2f}x")


if __name__ == "__main__":
    main()
