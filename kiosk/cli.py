"""``kiosk``: the kiosk's UI process (Kivy), a thin client of kioskd."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import faulthandler
import io
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from common import sdnotify, umask

from .client import HttpKioskd, KioskdError, wait_healthy
from .settings import SettingsError, UiSettings

log = logging.getLogger("kiosk")


def _size(value: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not WIDTHxHEIGHT, e.g. 1080x1920") from None
    if not (200 <= w <= 8192 and 200 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"{value!r}: width and height must be 200-8192 pixels")
    return w, h


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk", description="The self-service kiosk's touch UI (talks to kioskd).")
    p.add_argument("--headless", action="store_true", help="render offscreen (no display needed)")
    p.add_argument("--screenshots", type=Path, metavar="DIR", help="save a PNG of every screen shown")
    p.add_argument("--script", choices=["demo"], help="play a scripted citizen session, then exit")
    p.add_argument("--start-daemon", action="store_true",
                   help="start kioskd if nothing answers on /v1/health (and stop it on exit)")
    p.add_argument("--size", type=_size, metavar="WxH", help="window size (windowed); default fullscreen 1080x1920")
    p.add_argument("--elder", action="store_true", help="start in elder mode (长辈模式)")
    p.add_argument("--windowed", action="store_true", help="a normal window with a cursor (development)")
    p.add_argument("--check-config", action="store_true",
                   help="validate the settings (kioskd's rules; device URIs only kioskd checks) and exit")
    return p


class Daemon:
    """A kioskd this process started (and so must stop)."""

    def __init__(self, settings: UiSettings) -> None:
        self.settings = settings
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        exe = Path(sys.executable).with_name("kioskd")
        command = [str(exe)] if exe.exists() else [shutil.which("kioskd") or "kioskd"]
        log_path = self.settings.data_dir / "kioskd.log"
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as out:
            try:
                self.process = subprocess.Popen(command, env=dict(os.environ), stdout=out, stderr=out)
            except FileNotFoundError:
                raise KioskdError("kioskd is not installed in this environment; run ./dev setup") from None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def main(argv: list[str] | None = None) -> int:
    umask.private()
    args = parser().parse_args(argv)
    # `kill -USR1 <pid>` writes every thread's stack to stderr: how to see where a hung UI is.
    with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
        faulthandler.register(signal.SIGUSR1)  # needs a real stderr
    # systemd stops with SIGTERM: unwind, so a kioskd this process started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s kiosk %(levelname)s %(message)s")
    try:
        settings = UiSettings.load()
    except SettingsError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)  # noqa: T201
        if args.check_config or args.script:
            return 2
        from . import settings_screen

        # Out of service with the reason on screen, rather than exiting into a blank restart loop.
        return settings_screen.show(str(exc), headless=args.headless, valid=_settings_valid,
                                    screenshots=args.screenshots)
    if args.check_config:
        print("kiosk: settings are valid")  # noqa: T201
        return 0
    client = HttpKioskd(settings.base_url, token=settings.read_token)
    daemon: Daemon | None = None
    try:
        if wait_healthy(client, 0.5) is None:
            if args.start_daemon:
                daemon = Daemon(settings)
                daemon.start()
                log.info("started kioskd (log in %s)", settings.data_dir / "kioskd.log")
                if wait_healthy(client, 30) is None:
                    print(f"kiosk: kioskd did not answer on {settings.base_url}/v1/health within 30 s; "  # noqa: T201
                          f"see {settings.data_dir / 'kioskd.log'}", file=sys.stderr)
                    return 1
            elif args.script:
                print(f"kiosk: nothing answers at {settings.base_url}; start kioskd "  # noqa: T201
                      "(KIOSK_DEVICES=sim kioskd) or pass --start-daemon", file=sys.stderr)
                return 1
        return run_ui(args, settings, client)
    except KioskdError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        if daemon is not None:
            daemon.stop()


def _settings_valid() -> bool:
    try:
        UiSettings.load()
    except SettingsError:
        return False
    return True


def run_ui(args: argparse.Namespace, settings: UiSettings, client: HttpKioskd) -> int:
    from . import boot

    try:
        boot.prepare(settings.data_dir, headless=args.headless, size=args.size,
                     fullscreen=not (args.windowed or args.size))
    except boot.BootError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)  # noqa: T201
        return 2
    from kivy.clock import Clock

    from .app import KioskApp

    if args.script == "demo" and not settings.technician_pin:
        # The demo shows the maintenance screen too: a PIN for this process only.
        settings = dataclasses.replace(settings, technician_pin=f"{secrets.randbelow(900000) + 100000}")
        log.info("demo: no KIOSK_TECHNICIAN_PIN set; using a one-off PIN for this run")

    app = KioskApp(client, settings, elder=args.elder, screenshot_dir=args.screenshots,
                   animations=not args.headless)
    outcome = {"code": 0}
    if args.script == "demo":
        def play(_dt: float) -> None:
            threading.Thread(target=_play_demo, args=(app, client, outcome), name="demo", daemon=True).start()

        Clock.schedule_once(play, 0.5)
    _tell_systemd(Clock)
    started = time.monotonic()
    app.run()
    if args.script:
        shots = len(app.shots)
        print(f"kiosk: demo {'passed' if outcome['code'] == 0 else 'FAILED'} in {time.monotonic() - started:.1f} s; "  # noqa: T201
              f"screens: {' '.join(app.shown)}"
              + (f"; {shots} screenshots in {args.screenshots}" if args.screenshots else ""))
    return outcome["code"]


def _play_demo(app, client: HttpKioskd, outcome: dict) -> None:
    from kivy.clock import Clock

    from .demo import Demo
    from .pilot import Pilot, PilotError

    demo = Demo(app, client, Pilot(app, threaded=True, timeout=15), say=lambda m: log.info("demo: %s", m))
    try:
        result = demo.run()
        for problem in result.problems:
            log.error("demo: %s", problem)
        outcome["code"] = 0 if result.ok else 1
    except (PilotError, KioskdError) as exc:
        log.error("demo stopped: %s", exc)
        outcome["code"] = 1
    except Exception:
        log.exception("demo crashed")
        outcome["code"] = 1
    finally:
        time.sleep(0.3)
        Clock.schedule_once(lambda dt: app.stop(), 0)


def _tell_systemd(clock) -> None:
    """Under systemd (kiosk.service, Type=notify): READY=1 once Kivy's loop runs, then WATCHDOG=1 from it.

    Both are scheduled on Kivy's Clock, which ticks on the UI's main thread: a frozen UI stops the
    pings and systemd's watchdog restarts it, where a timer thread would keep pinging for a dead screen.
    """
    if not os.environ.get("NOTIFY_SOCKET"):
        return
    clock.schedule_once(lambda _dt: sdnotify.notify("READY=1", "STATUS=showing the kiosk screens"), 0)
    watchdog = sdnotify.watchdog_seconds()
    if watchdog:
        clock.schedule_interval(lambda _dt: sdnotify.notify("WATCHDOG=1"), watchdog / 3)
