"""Draws screens in a landscape window, in a process of its own (Kivy has one window per process).

    python -m tests.ui.landscape_shots OUT_DIR [WIDTHxHEIGHT]

Used by ``test_landscape.py``; the PNGs are named after the screen (``home``, ``home-elder``, ...).
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path


def main(out: Path, size: tuple[int, int]) -> None:
    from kiosk import boot

    data_dir = Path(tempfile.mkdtemp())
    boot.prepare(data_dir, headless=True, size=size, density=1, maxfps=0)
    from kiosk.app import KioskApp
    from kiosk.pilot import start_embedded, stop_embedded
    from kiosk.settings import UiSettings
    from tests.ui.conftest import Kiosk
    from tests.ui.fake import FakeKioskd
    from tests.ui.flows import walk_to

    fake = FakeKioskd(submit_delay_s=0.05)
    settings = UiSettings(data_dir=data_dir, technician_pin="2468", hall_name="测试政务服务大厅")
    app = KioskApp(fake, settings, animations=False, clock=lambda: datetime(2026, 11, 21, 9, 30))
    pilot = start_embedded(app)
    pilot.wait_until(lambda: bool(app.items), "the service list")
    kiosk = Kiosk(app, fake, pilot)
    out.mkdir(parents=True, exist_ok=True)

    def shoot(name: str) -> None:
        pilot.frame(3)
        app.screenshot_dir = out
        pilot.shot(name)
        app.shots[-1].rename(out / f"{name}.png")

    shoot("home")
    for name in ("identify", "rate"):
        walk_to(kiosk, name)
        shoot(name)
    app.leave_session()
    pilot.wait_screen("home")
    pilot.tap("shell.elder")
    pilot.wait_until(lambda: app.ts.elder, "elder mode")
    pilot.wait_screen("home")
    shoot("home-elder")
    stop_embedded(app)


if __name__ == "__main__":
    w, _, h = (sys.argv[2] if len(sys.argv) > 2 else "960x540").partition("x")
    main(Path(sys.argv[1]), (int(w), int(h)))
