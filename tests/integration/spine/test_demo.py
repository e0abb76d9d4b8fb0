"""The README's first command, headless: the scripted demo against a kioskd it starts itself."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image

from tests.daemon import BIN, daemon_env, free_port

# one screenshot at least for every screen kind the UI has (what ./dev demo promises)
SCREENS = ("home", "guide", "consent", "identify", "form", "choose", "capture", "review", "submit", "print",
           "fault", "rate", "done", "maintenance", "call_consent", "home-card")


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_demo_plays_every_screen_headless_and_leaves_nothing_of_the_citizen(tmp_path):
    shots = tmp_path / "shots"
    env = daemon_env(tmp_path / "data", free_port(), KIOSK_DEVICES="sim",  # as ./dev demo sets them
                     KIOSK_PRINTER=f"sim://{tmp_path / 'printed'}?speed=150")
    done = subprocess.run([str(BIN / "kiosk"), "--start-daemon", "--headless", "--script", "demo",
                           "--screenshots", str(shots)], env=env, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "demo passed" in done.stdout
    names = {p.stem.split("-", 1)[1] for p in shots.glob("*.png")}
    assert set(SCREENS) <= names, sorted(names)
    for png in shots.glob("*.png"):
        with Image.open(png) as image:
            assert image.size == (1080, 1920) and len(image.getcolors(1 << 16) or range(99)) > 8  # drawn, not blank
    assert not any((tmp_path / "data" / "sessions").iterdir())  # nothing of the citizen left behind
    tickets = sorted((tmp_path / "printed").glob("*.txt"))
    assert len(tickets) >= 2 and not list((tmp_path / "printed").glob("*-partial.png"))  # each came out once, whole
