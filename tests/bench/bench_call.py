"""Video-help UI benchmarks (headless, 1080x1920, against the scripted fake kioskd and its helper).

    .venv/bin/python tests/bench/bench_call.py [--frames 60]

- read: reading the drawn window back for screen sharing (main thread, per shared frame).
- encode: the shared frame to JPEG at <= 960 px (worker thread), against a full-size JPEG (baseline).
- remote: the helper's 640x480 JPEG decoded and blitted into the panel's texture, against decoding only.
- share: shared-screen frames that reach kioskd per second while the UI idles, as in the hall.

Prints medians in milliseconds and the ratios.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    from kiosk import boot

    data_dir = Path(tempfile.mkdtemp(prefix="bench-call-"))
    boot.prepare(data_dir, headless=True, size=(1080, 1920), density=1, maxfps=0)
    from kivy.base import EventLoop
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    from kiosk.app import KioskApp
    from kiosk.pilot import start_embedded, stop_embedded
    from kiosk.settings import UiSettings
    from kiosk.videocall import encode_screen
    from kiosk.widgets.preview import decode_jpeg
    from tests.ui.fake import FakeKioskd

    fake = FakeKioskd(submit_delay_s=0.05)
    fake.call_answer_s = 0.05
    app = KioskApp(fake, UiSettings(data_dir=data_dir), animations=False)
    p = start_embedded(app)
    p.wait_until(lambda: bool(app.items), "the service list", 30)
    p.tap("home.item.hj-zm")
    p.wait_screen("guide")
    p.tap("shell.helper")
    p.wait_screen("call_consent")
    p.tap("call_consent.agree")
    p.wait_until(lambda: app.call.phase == "live" and app.call.panel.frames_shown >= 2, "the call", 30)
    width, height = Window.size
    runs = args.frames

    def read():
        return glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)

    read_ms = median_ms(read, runs)
    rgba_ms = median_ms(lambda: glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE), runs)
    pixels = read()

    def full_jpeg():
        image = Image.frombytes("RGB", (width, height), pixels).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        image.save(io.BytesIO(), "JPEG", quality=70)

    encode_ms = median_ms(lambda: encode_screen(pixels, width, height), runs)
    full_ms = median_ms(full_jpeg, runs)
    jpeg_size = len(encode_screen(pixels, width, height))

    remote = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 96, 140)).save(remote, "JPEG", quality=75)
    data = remote.getvalue()
    decode_ms = median_ms(lambda: decode_jpeg(data), runs)
    panel = app.call.panel

    def decode_and_blit():
        panel.show_frame(*decode_jpeg(data))

    remote_ms = median_ms(decode_and_blit, runs)

    def run_for(seconds: float) -> None:
        """Let the UI run as it does in the hall: it draws only when something changes."""
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            EventLoop.idle()

    app.call._poll_frames(False)  # only the shared screen is measured here
    app.call.toggle_screen()
    p.wait_until(lambda: app.call._sharing, "screen sharing", 30)
    run_for(1.0)
    before, start = fake.screen_frames_total, time.perf_counter()
    run_for(6.0)
    shared_fps = (fake.screen_frames_total - before) / (time.perf_counter() - start)
    stop_embedded(app)

    print(f"window {width}x{height}, {runs} runs each, medians")
    print(f"read   glReadPixels RGB             {read_ms:7.2f} ms  vs RGBA {rgba_ms:7.2f} ms  "
          f"ratio {read_ms / rgba_ms:.2f} (main thread, per shared frame)")
    print(f"encode <=960 px JPEG                {encode_ms:7.2f} ms  vs full-size JPEG {full_ms:7.2f} ms  "
          f"ratio {encode_ms / full_ms:.2f}  ({jpeg_size / 1024:.0f} KiB a frame)")
    print(f"remote decode+blit 640x480          {remote_ms:7.2f} ms  vs decode only {decode_ms:7.2f} ms  "
          f"ratio {remote_ms / decode_ms:.2f}")
    print(f"share  frames reaching kioskd while the UI idles: {shared_fps:.1f} a second (target 2-5)")

if __name__ == "__main__":
    main()
