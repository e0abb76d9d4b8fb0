"""Kiosk UI benchmarks (headless, against the scripted fake kioskd).

    .venv/bin/python tests/bench/bench_ui.py [--runs 5] [--sessions 1000] [--only cold,tap,rss] [--profile 30]

- cold: process start to the first drawn frame of the home screen with its service list, against
  a bare Kivy app drawing one Chinese label (the baseline, same process setup).
- tap: time from a tap to the next screen drawn, over whole sessions (1080x1920); ``--profile N``
  prints the N most expensive functions (cProfile over the taps only) and the slowest label renders.
- rss: resident memory after 10 and after N whole sessions (growth must stay flat).

Each part runs in its own process (Kivy has one window per process). Prints medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- children ---------------------------------------------------------------------------------------
def child_cold(kind: str, spawned_at: float, data_dir: Path) -> None:
    from kiosk import boot

    boot.prepare(data_dir, headless=True, size=(1080, 1920), density=1)
    from kivy.app import App
    from kivy.core.window import Window

    def report(*_a) -> None:
        print(json.dumps({"first_frame_s": time.time() - spawned_at}), flush=True)
        App.get_running_app().stop()

    if kind == "baseline":
        from kivy.uix.label import Label

        class Bare(App):
            def build(self):
                Window.bind(on_flip=lambda *a: report())
                return Label(text="政务服务自助终端", font_size=34)

        Bare().run()
        return
    from kiosk.app import KioskApp
    from tests.ui.fake import FakeKioskd

    app = KioskApp(FakeKioskd(), animations=False)
    done = {"v": False}

    def on_flip(*_a) -> None:
        if not done["v"] and app.current == "home" and app.items and app.screens["home"].body.children:
            done["v"] = True
            report()

    Window.bind(on_flip=on_flip)
    app.run()


def _session_steps(kiosk_fake, pilot, app):
    """Tap through one whole session; yields (kid, screen before) for each timed tap."""
    from tests.ui.flows import PHONE

    p = pilot
    yield "home.item.hj-zm", None
    yield "guide.next", None
    yield "consent.agree", None
    kiosk_fake.place_card()
    p.wait_screen("form")
    p.tap("form.field.phone")
    for key in PHONE:
        p.tap(f"key.{key}")
    p.tap("key.OK")
    yield "form.submit", None
    yield "choose.print", None
    kiosk_fake.place_document()  # auto-capture takes the page and the step moves on
    p.wait_screen("review")
    yield "review.next", None
    p.wait_screen("print")
    kiosk_fake.finish_printing()
    p.wait_screen("rate")
    yield "rate.level5", None
    yield "done.finish", None


def child_tap(sessions: int, data_dir: Path, profile: int = 0) -> None:
    from kiosk import boot

    boot.prepare(data_dir, headless=True, size=(1080, 1920), density=1, maxfps=0)
    import cProfile

    from kivy.base import EventLoop
    from kivy.core.text import LabelBase

    from kiosk.app import KioskApp
    from kiosk.pilot import start_embedded
    from tests.ui.fake import FakeKioskd

    renders: list[tuple[float, str]] = []
    if profile:
        real = LabelBase._render_real

        def timed(label):  # which texts cost most to draw (GPU stalls show here)
            began = time.perf_counter()
            try:
                return real(label)
            finally:
                renders.append((time.perf_counter() - began, label.text[:20]))

        LabelBase._render_real = timed
    profiler = cProfile.Profile()
    fake = FakeKioskd(submit_delay_s=0.05)
    app = KioskApp(fake, animations=False)
    p = start_embedded(app)
    p.wait_until(lambda: bool(app.items), "items")
    p.frame(3)
    times: list[float] = []
    for _ in range(sessions):
        for kid, _ in _session_steps(fake, p, app):
            p.wait_until(lambda k=kid: p.find(k) is not None and not app.busy, kid)
            p.frame(1)
            before, frames = app.current, app.frames
            widget = p.find(kid)
            x, y = widget.to_window(*widget.center)
            from kivy.tests.common import UnitTestTouch

            if profile:
                profiler.enable()
            start = time.perf_counter()
            touch = UnitTestTouch(x, y)
            touch.touch_down()
            touch.touch_up()
            while app.current == before or app.frames <= frames:
                EventLoop.idle()
                if time.perf_counter() - start > 20:
                    raise SystemExit(f"no new screen after tapping {kid}")
            # app.frames counts flips; the flip after the screen switch has drawn it.
            changed_at = app.frames
            while app.frames <= changed_at:
                EventLoop.idle()
            times.append(time.perf_counter() - start)
            profiler.disable()
    if profile:
        import pstats

        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(profile)
        for seconds, text in sorted(renders, reverse=True)[:10]:
            print(f"label render {seconds * 1000:7.1f} ms  {text!r}", file=sys.stderr)
    print(json.dumps({"tap_to_screen_s": times}), flush=True)


def child_rss(sessions: int, data_dir: Path) -> None:
    """Whole sessions applied snapshot by snapshot (one drawn frame per step), no touches."""
    from kiosk import boot

    boot.prepare(data_dir, headless=True, size=(540, 960), density=1, maxfps=0)
    import gc

    from kiosk.app import KioskApp
    from kiosk.pilot import start_embedded
    from local_api.schemas import EventIn, SessionStart
    from tests.ui.fake import FakeKioskd

    fake = FakeKioskd(submit_delay_s=0.0)
    app = KioskApp(fake, animations=False)
    p = start_embedded(app)
    p.wait_until(lambda: bool(app.items), "items")
    def send(event: str, data: dict | None = None) -> None:
        app.apply(fake.send_event(app.snapshot.id, EventIn(type=event, data=data or {})))

    def reach(screen: str) -> None:  # device results arrive by push, a moment later
        p.wait_until(lambda: app.current == screen, screen)

    script = [
        lambda: send("next"), lambda: send("consent", {"accepted": True}),
        lambda: (fake.place_card(), reach("form")),
        lambda: send("form_submit", {"values": {"phone": "13912345678"}}), lambda: send("choose", {"option": "print"}),
        lambda: (fake.place_document(), reach("review")), lambda: send("next"), lambda: reach("print"),
        lambda: (fake.finish_printing(), reach("rate")), lambda: send("rate", {"level": 5, "reason": ""}),
        lambda: send("finish"),
    ]
    marks: dict[int, float] = {}
    started = time.perf_counter()
    for n in range(1, sessions + 1):
        app.apply(fake.start_session(SessionStart(item_code="hj-zm")))
        p.frame(1)
        for step in script:
            step()
            p.frame(1)
        p.wait_until(lambda: app.current == "home", "home")
        p.frame(1)
        fake.events.clear()  # the fake's own record of events, not the UI's memory
        if n in (10, 100, 300) or n == sessions:
            gc.collect()
            p.frame(2)
            marks[n] = rss_mb()
    print(json.dumps({"rss_mb": marks, "seconds": time.perf_counter() - started}), flush=True)


# -- the orchestrator ---------------------------------------------------------------------------------
def run_child(*args: str) -> dict:
    env = dict(os.environ, KIVY_NO_CONSOLELOG="1", PYTHONPATH=str(ROOT))
    spawned = time.time()
    with tempfile.TemporaryDirectory() as data_dir:
        out = subprocess.run(
            [sys.executable, __file__, "--child", *args, "--spawned", repr(spawned), "--data", data_dir],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=7200, check=False,
        )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"child {args} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    if "--profile" in args:
        sys.stderr.write(out.stderr)
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tap-sessions", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--only", default="cold,tap,rss")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions of the taps")
    parser.add_argument("--child")
    parser.add_argument("--spawned", type=float, default=0.0)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.child:
        kind, _, count = args.child.partition(":")
        if kind in ("cold", "baseline"):
            child_cold(kind, args.spawned, args.data)
        elif kind == "tap":
            child_tap(int(count), args.data, args.profile)
        elif kind == "rss":
            child_rss(int(count), args.data)
        return

    parts = set(args.only.split(","))
    print(f"kiosk UI benchmarks; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, llvmpipe offscreen")
    if "cold" in parts:
        kiosk = [run_child("cold")["first_frame_s"] for _ in range(args.runs)]
        bare = [run_child("baseline")["first_frame_s"] for _ in range(args.runs)]
        k, b = statistics.median(kiosk), statistics.median(bare)
        print(f"cold start to home screen drawn (1080x1920): median {k:.2f} s "
              f"(min {min(kiosk):.2f}, max {max(kiosk):.2f}, n={args.runs})")
        print(f"  baseline bare Kivy app, one Chinese label: median {b:.2f} s; ratio {k / b:.2f}x")
    if "tap" in parts:
        extra = ("--profile", str(args.profile)) if args.profile else ()
        taps = run_child(f"tap:{args.tap_sessions}", *extra)["tap_to_screen_s"]
        q = statistics.quantiles(taps, n=10)
        print(f"tap to next screen drawn (1080x1920): median {statistics.median(taps) * 1000:.0f} ms, "
              f"p90 {q[-1] * 1000:.0f} ms, n={len(taps)}")
    if "rss" in parts:
        result = run_child(f"rss:{args.sessions}")
        marks = {int(k): v for k, v in result["rss_mb"].items()}
        ten, last = marks[10], marks[max(marks)]
        print(f"RSS after 10 sessions {ten:.1f} MB; after 100 {marks.get(100, float('nan')):.1f} MB; "
              f"after 300 {marks.get(300, float('nan')):.1f} MB; "
              f"after {max(marks)} {last:.1f} MB; growth {last - ten:+.1f} MB ({(last / ten - 1) * 100:+.1f}%); "
              f"{result['seconds'] / max(marks):.2f} s per session (540x960)")


if __name__ == "__main__":
    main()
