"""The QR decoder finds appointment codes on camera frames: plain, rotated, small, blurred; None when absent."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import qrcode

from drivers.camera import synth
from drivers.camera.qr import decode_qr

TEXT = "KIOSKAPPT:8f3a1c2e9b7d4f60a1b2c3d4e5f60718"


def qr_image(text: str, module_px: int) -> np.ndarray:
    """A black-on-white QR code with a 4-module quiet zone, as a grey image."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=4)
    code.add_data(text)
    code.make(fit=True)
    return np.array(code.make_image().convert("L"))


def on_plate(code: np.ndarray, *, angle: float = 0.0, size=(1600, 1200), at=(500, 300)) -> np.ndarray:
    """The code printed on a sheet lying on a grey, slightly noisy plate, turned by ``angle`` degrees."""
    w, h = size
    rng = np.random.default_rng(7)
    plate = np.clip(rng.normal(90, 6, (h, w)), 0, 255).astype(np.uint8)
    sheet = np.full((code.shape[0] + 200, code.shape[1] + 200), 235, np.uint8)
    sheet[100:100 + code.shape[0], 100:100 + code.shape[1]] = code
    x, y = at
    plate[y:y + sheet.shape[0], x:x + sheet.shape[1]] = sheet
    if angle:
        turn = cv2.getRotationMatrix2D((x + sheet.shape[1] / 2, y + sheet.shape[0] / 2), angle, 1.0)
        plate = cv2.warpAffine(plate, turn, (w, h), borderValue=90)
    return cv2.cvtColor(plate, cv2.COLOR_GRAY2BGR)


def shrink(frame: np.ndarray, factor: float) -> np.ndarray:
    return cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)


@pytest.mark.parametrize(("name", "frame"), [
    ("plain", lambda: on_plate(qr_image(TEXT, 8))),
    ("rotated 15°", lambda: on_plate(qr_image(TEXT, 8), angle=15)),
    ("blurred", lambda: cv2.GaussianBlur(on_plate(qr_image(TEXT, 6)), (0, 0), 2.0)),
    # 1.5 px per module: too small for the finders on the whole frame; found as a patch and enlarged
    ("small", lambda: shrink(on_plate(qr_image(TEXT, 2)), 0.75)),
    ("small and rotated", lambda: shrink(on_plate(qr_image(TEXT, 2), angle=-15), 0.75)),
])
def test_codes_on_a_frame_are_read(name, frame):
    assert decode_qr(frame()) == TEXT, name


def test_grey_frames_and_chinese_text_are_read():
    text = "预约号 YY20261122-0001"
    grey = cv2.cvtColor(on_plate(qr_image(text, 6)), cv2.COLOR_BGR2GRAY)
    assert decode_qr(grey) == text


@pytest.mark.parametrize(("name", "frame"), [
    ("empty plate", lambda: synth.synth_frame(3, "easy", (1600, 1200), empty=True, supersample=1).image),
    ("a letter without a code", lambda: synth.synth_frame(3, "easy", (1600, 1200), kind="letter",
                                                          supersample=1).image),
    ("blank array", lambda: np.zeros((0, 0, 3), np.uint8)),
])
def test_a_frame_without_a_code_gives_none(name, frame):
    assert decode_qr(frame()) is None, name


def test_a_code_cut_in_half_is_not_guessed():
    frame = on_plate(qr_image(TEXT, 8))
    frame[:, 500 + 100 + 150:] = 90  # the right half of the code is off the sheet
    assert decode_qr(frame) is None
