"""Everything that must happen before Kivy is imported: environment, Config, the Chinese font.

Kivy reads its environment at import and creates its one Window on first use, so lock-down
(fullscreen, no cursor, no ESC) and the window size are decided here, once per process.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import fonts


class BootError(Exception):
    """The UI cannot start; the message says what to install or set."""


_booted = False


def prepare(
    data_dir: Path,
    *,
    headless: bool = False,
    size: tuple[int, int] | None = None,
    fullscreen: bool = True,
    density: float | None = None,
    maxfps: int = 60,
) -> None:
    """Set Kivy's environment and Config, and register the SC font as Kivy's default."""
    global _booted
    if _booted:
        return
    kivy_home = Path(data_dir) / "kivy"
    kivy_home.mkdir(parents=True, exist_ok=True)
    env = os.environ
    env.setdefault("KIVY_NO_ARGS", "1")
    env.setdefault("KIVY_NO_CONSOLELOG", "1")
    env.setdefault("KIVY_NO_FILELOG", "1")
    env.setdefault("KIVY_LOG_MODE", "PYTHON")
    env["KIVY_HOME"] = str(kivy_home)
    if headless:
        env["SDL_VIDEODRIVER"] = "offscreen"
        fullscreen = False
    if density is not None:
        env["KIVY_METRICS_DENSITY"] = str(density)
        env["KIVY_DPI"] = str(int(96 * density))

    from kivy.config import Config

    width, height = size or (1080, 1920)
    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "borderless", "1" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "rotation", "0")
    Config.set("graphics", "maxfps", str(maxfps))  # 0: as fast as possible (tests pump frames)
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    # One touch path only: under X a touch panel also arrives as mouse events (double taps).
    Config.set("input", "mouse", "mouse,disable_multitouch")
    for name, _ in list(Config.items("input")):
        if name != "mouse":
            Config.remove_option("input", name)
    register_fonts()
    _booted = True


def register_fonts() -> None:
    """Make the Simplified-Chinese Noto face Kivy's default font (never face 0 of the TTC)."""
    regular = fonts.extract("NotoSansCJKsc-Regular.otf", quiet=True)
    bold = fonts.extract("NotoSansCJKsc-Bold.otf", quiet=True) or regular
    if regular is None:
        raise BootError(
            "the Chinese font assets/fonts/NotoSansCJKsc-Regular.otf is missing; run ./dev setup "
            "(it installs fonts-noto-cjk and extracts the Simplified-Chinese face)"
        )
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(regular), fn_bold=str(bold))
    LabelBase.register("KioskSC", str(regular), fn_bold=str(bold))
    from . import icons

    if icons.font_path() is not None:  # the tiles' pictures; without it they show a box, the names still read
        LabelBase.register(icons.FAMILY, str(icons.font_path()))
    # Tibetan and Uyghur lines switch to these (kiosk.widgets.text); without them they fall back to Chinese.
    for family, (script_regular, script_bold) in fonts.script_fonts().items():
        LabelBase.register(family, str(script_regular), fn_bold=str(script_bold))
