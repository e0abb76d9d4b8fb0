"""``kioskctl face match`` and ``face liveness``: the JSON contract and the exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from kioskctl.main import app

FACES = Path(__file__).resolve().parents[3] / "assets" / "faces"


def _run(*args: str):
    return CliRunner().invoke(app, ["face", *args])


def test_match_prints_the_contract_and_exits_0_whether_or_not_they_match():
    same = _run("match", "--card-photo", str(FACES / "holder-card.jpg"), "--live", str(FACES / "holder-live.jpg"),
                "--json")
    other = _run("match", "--card-photo", str(FACES / "holder-card.jpg"), "--live",
                 str(FACES / "stranger-live.jpg"), "--json")
    assert same.exit_code == 0 and other.exit_code == 0
    a, b = json.loads(same.stdout), json.loads(other.stdout)
    assert set(a) == {"match", "score", "threshold", "ms"}
    assert a["match"] is True and b["match"] is False and a["threshold"] == b["threshold"]
    assert isinstance(a["ms"], int) and isinstance(a["score"], float)


def test_no_face_exits_3_and_an_unreadable_file_exits_2(tmp_path):
    blank = tmp_path / "wall.png"
    cv2.imwrite(str(blank), np.full((300, 300, 3), 200, np.uint8))
    junk = tmp_path / "photo.jpg"
    junk.write_bytes(b"\x00" * 100)
    none = _run("match", "--card-photo", str(FACES / "holder-card.jpg"), "--live", str(blank), "--json")
    bad = _run("match", "--card-photo", str(junk), "--live", str(FACES / "holder-live.jpg"), "--json")
    assert none.exit_code == 3 and "no face found" in none.stderr
    assert bad.exit_code == 2 and "--card-photo: not an image" in bad.stderr
    assert "photo.jpg" not in bad.stderr  # file names can carry the person's name
    assert none.stdout == "" and bad.stdout == ""


def test_liveness_on_the_simulated_camera_passes_when_played_and_is_refused_when_still():
    played = _run("liveness", "--device", "sim:", "--play", "--seed", "2", "--json")
    still = _run("liveness", "--device", "sim:", "--seed", "2", "--timeout", "12", "--json")
    assert played.exit_code == 0, played.output
    result = json.loads(played.stdout)
    assert result["passed"] and sorted(result["done"]) == ["blink", "turn_left", "turn_right"]
    assert still.exit_code == 1 and json.loads(still.stdout)["reason"].endswith("not seen in time")
