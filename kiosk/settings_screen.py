"""The one screen the UI shows when its settings are wrong: out of service, and the line saying why.

Exiting instead would make systemd (Restart=always) start the UI again and again: a blank,
flickering kiosk and a technician with nothing to read. This window stays up; once the settings
file named by KIOSK_CONFIG is fixed, it ends so the UI starts again with good settings (a fixed
environment file needs ``systemctl restart kiosk`` anyway).
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("kiosk")

RECHECK_S = 5.0
EXIT_SETTINGS = 2  # the same code as kioskd's for a wrong setting
EXIT_FIXED = 75  # EX_TEMPFAIL: the settings were fixed; start again
ASK_STAFF = "终端设置有误，请联系工作人员。\nThe kiosk's settings are wrong; please ask the staff."


def show(problem: str, *, headless: bool, valid: Callable[[], bool], screenshots: Path | None = None) -> int:
    """Show ``problem`` until stopped (exit 2) or until ``valid()`` says the settings are good (exit 75)."""
    from . import boot

    try:
        # The data dir may be the wrong setting: Kivy gets a home of its own for this screen.
        boot.prepare(Path(tempfile.mkdtemp(prefix="kiosk-settings-")), headless=headless)
    except (boot.BootError, OSError) as exc:
        log.error("cannot show the settings error on screen: %s", exc)
        return EXIT_SETTINGS
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Window
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label

    outcome = {"code": EXIT_SETTINGS}

    class SettingsErrorApp(App):
        def build(self) -> BoxLayout:
            Window.clearcolor = (0.12, 0.16, 0.22, 1)
            width = Window.width * 0.86
            box = BoxLayout(orientation="vertical", padding=Window.width * 0.07, spacing=Window.height * 0.03)
            box.add_widget(Label(text="暂停服务\nOut of service", font_size=Window.height * 0.045, halign="center",
                                 bold=True, text_size=(width, None)))
            box.add_widget(Label(text=ASK_STAFF, font_size=Window.height * 0.02, halign="center",
                                 text_size=(width, None)))
            box.add_widget(Label(text=problem, font_size=Window.height * 0.016, halign="left", text_size=(width, None),
                                 color=(1, 0.85, 0.5, 1)))
            Clock.schedule_interval(self.recheck, RECHECK_S)
            if screenshots is not None:  # --screenshots: proof of what was on screen
                self.flips = 0
                Window.bind(on_flip=self.on_flip)
            return box

        def on_flip(self, *_args: object) -> None:
            self.flips += 1
            if self.flips < 3:
                Window.canvas.ask_update()  # Kivy draws only when something changed
            elif self.flips == 3 and screenshots is not None:  # drawn by now, as kiosk.app takes its shots
                _save_window(screenshots / "settings-error.png")

        def recheck(self, _dt: float) -> None:
            if not valid():
                return
            log.info("settings are valid now; starting again")
            outcome["code"] = EXIT_FIXED
            self.stop()

    SettingsErrorApp().run()
    return outcome["code"]


def _save_window(target: Path) -> None:
    from kivy.core.window import Window
    from kivy.graphics.opengl import GL_RGB, GL_UNSIGNED_BYTE, glReadPixels
    from PIL import Image

    target.parent.mkdir(parents=True, exist_ok=True)
    width, height = Window.size
    data = glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE)
    partial = target.with_name(target.name + ".part")  # whoever waits for the file sees it whole
    Image.frombytes("RGB", (width, height), data).transpose(Image.Transpose.FLIP_TOP_BOTTOM).save(partial, "PNG")
    partial.replace(target)
