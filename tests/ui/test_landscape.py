"""Landscape kiosks (1920x1080 desk and wall terminals, 1280x1024) drawn in their own layout, compared
with reviewed snapshots. The screens are drawn in a child process: this process's window is portrait."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_rendering import _compare

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def landscape_shots(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landscape")
    env = dict(os.environ, PYTHONPATH=str(ROOT), KIVY_NO_CONSOLELOG="1")
    run = subprocess.run([sys.executable, "-m", "tests.ui.landscape_shots", str(out), "960x540"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=240, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    return out


@pytest.mark.parametrize("name", ["home", "identify", "rate", "home-elder"])
def test_landscape_screens_match_their_reviewed_snapshots(landscape_shots, name, tmp_path):
    _compare(f"landscape-{name}", landscape_shots / f"{name}.png", tmp_path)


def test_landscape_rating_shows_all_five_faces_in_the_window(landscape_shots):
    from PIL import Image

    # The five faces' colours (kiosk.widgets.art.FACE_COLOURS) all appear in the drawn rating screen.
    image = Image.open(landscape_shots / "rate.png").convert("RGB")
    colours = {rgb for _count, rgb in image.getcolors(maxcolors=1 << 24)}
    for hex_colour in ("#1B6B3A", "#2E7D32", "#8A6100", "#B3471B", "#9B1C1C"):
        rgb = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, f"the face in {hex_colour} is not drawn"
