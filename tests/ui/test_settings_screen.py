"""A UI with a wrong setting shows "out of service" and the reason, instead of a blank restart loop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui, pytest.mark.slow]

KIOSK = Path(sys.executable).parent / "kiosk"


def test_wrong_setting_is_shown_on_screen_until_the_file_is_fixed(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('technician_pin = "12ab"\n', encoding="utf-8")
    shots = tmp_path / "shots"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.update(KIOSK_CONFIG=str(config), KIOSK_DATA_DIR=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    err = tmp_path / "kiosk.stderr"
    with open(err, "wb") as stderr:
        proc = subprocess.Popen([str(KIOSK), "--headless", "--screenshots", str(shots)], env=env,
                                stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 90
        while not (shots / "settings-error.png").exists():
            assert proc.poll() is None, err.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the settings error never reached the screen"
            time.sleep(0.2)
        first = err.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("kiosk: KIOSK_TECHNICIAN_PIN (technician_pin in") and "digits only" in first
        assert "12ab" not in err.read_text(encoding="utf-8")

        from PIL import Image

        colours = Image.open(shots / "settings-error.png").convert("RGB").getcolors(maxcolors=1 << 16)
        assert colours is None or len(colours) > 10  # text on the screen, not one flat colour

        time.sleep(1)
        assert proc.poll() is None  # stays up: no restart loop under systemd
        config.write_text('technician_pin = "2468"\n', encoding="utf-8")
        assert proc.wait(timeout=30) == 75  # fixed: ends so systemd starts it again with good settings
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=20)
