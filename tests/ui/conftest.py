"""One headless kiosk window for the whole UI test run (Kivy allows one Window per process).

The app runs against the scripted fake kioskd; each test starts from the home screen with the
fake reset. Frames are pumped by the pilot on the test's own (main) thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

SIZE = (540, 960)
FIXED_NOW = datetime(2026, 11, 21, 9, 30)


@dataclass
class Kiosk:
    app: object
    fake: object
    pilot: object


@pytest.fixture(scope="session")
def kiosk_session(tmp_path_factory):
    from kiosk import boot

    data_dir = tmp_path_factory.mktemp("kiosk-ui")
    boot.prepare(data_dir, headless=True, size=SIZE, density=1, maxfps=0)
    from kiosk.app import KioskApp
    from kiosk.pilot import start_embedded, stop_embedded
    from kiosk.settings import UiSettings
    from tests.ui.fake import FakeKioskd

    fake = FakeKioskd(submit_delay_s=0.05)
    settings = UiSettings(data_dir=data_dir, technician_pin="2468", hall_name="测试政务服务大厅")
    app = KioskApp(fake, settings, animations=False, clock=lambda: FIXED_NOW)
    pilot = start_embedded(app)
    pilot.wait_until(lambda: bool(app.items), "the service list")
    yield Kiosk(app, fake, pilot)
    stop_embedded(app)


@pytest.fixture
def kiosk(kiosk_session):
    from kiosk.i18n import Catalogue

    app, fake, pilot = kiosk_session.app, kiosk_session.fake, kiosk_session.pilot
    fake.reset()
    app.screenshot_dir = None
    if app.ts.elder or app.catalogue.stretch != 1:
        app.catalogue = Catalogue()
        app.ts.elder = False
        app.ts.update()
        app.rebuild()
    app.muted = False
    app.idle.warn_s = 20.0
    app.go_home()
    pilot.wait_screen("home")
    return kiosk_session
