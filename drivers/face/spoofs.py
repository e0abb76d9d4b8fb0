"""Presentation attacks made from a photo, as a camera would see them: a phone screen and a print.

Used by the simulator (``sim:?who=screen`` / ``?who=print``), the tests and tests/eval. Both follow the
physics that give them away: a screen is a grid of red, green and blue stripes with a dark matrix
between rows, a print is a raster of halftone dots; the camera samples either at a pitch of a few of its
own pixels, slightly rotated, through a little lens blur, with sensor noise and JPEG on top.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np


def _recapture(rendered: np.ndarray, angle: float, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A finely rendered surface filmed at ``size``: rotated a little, sampled without a prefilter (as a
    sensor does, hence moiré), lens blur, sensor noise and JPEG."""
    h, w = rendered.shape[:2]
    scale = size[0] / w
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale * 1.04)  # tilted, filling the frame
    rot[:, 2] += np.array([size[0] / 2, size[1] / 2]) - np.array([w / 2, h / 2])
    seen = cv2.warpAffine(rendered, rot, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    seen = cv2.GaussianBlur(seen, (0, 0), 0.5)
    seen = np.clip(seen + rng.normal(0, 2.0, seen.shape), 0, 255).astype(np.uint8)
    _ok, buf = cv2.imencode(".jpg", seen, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def screen_replay(photo: np.ndarray, *, pitch: float = 0.8, angle: float = 2.0, seed: int = 0) -> np.ndarray:
    """``photo`` (BGR) shown full-frame on an LCD and filmed: one screen pixel spans ``pitch`` camera pixels."""
    rng = np.random.default_rng(seed)
    h, w = photo.shape[:2]
    cols, rows = round(w / pitch), round(h / pitch)
    screen = cv2.resize(photo, (cols, rows), interpolation=cv2.INTER_AREA)
    sub = 3  # samples per pixel and direction: the R, G, B stripes side by side
    big = cv2.resize(screen, (cols * sub, rows * sub), interpolation=cv2.INTER_NEAREST).astype(np.float32)
    mask = np.zeros((sub, sub, 3), np.float32)
    for c, channel in enumerate((2, 1, 0)):  # BGR order: the red stripe first
        mask[:, c, channel] = 1.0
    mask[sub - 1, :, :] *= 0.35  # the dark matrix between rows
    big *= np.tile(mask, (rows, cols, 1)) * 2.4
    return _recapture(np.clip(big, 0, 255), angle, (w, h), rng)


@functools.lru_cache(maxsize=4)
def _dot_screen(shape: tuple[int, int], period: float) -> np.ndarray:
    """The halftone threshold pattern, 0..1, dots on a 45-degree grid ``period`` samples apart."""
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    u, v = (xs + ys) / np.sqrt(2), (xs - ys) / np.sqrt(2)
    return (np.cos(2 * np.pi * u / period) * np.cos(2 * np.pi * v / period) + 1) / 2


def printed(photo: np.ndarray, *, dot_pitch: float = 1.3, angle: float = 3.0, seed: int = 0) -> np.ndarray:
    """``photo`` printed full-frame with a 45-degree halftone screen and filmed: dots ``dot_pitch`` camera px apart."""
    rng = np.random.default_rng(seed)
    h, w = photo.shape[:2]
    period = 6.0  # render samples per halftone cell
    up = period / dot_pitch
    big = cv2.resize(photo, (round(w * up), round(h * up)), interpolation=cv2.INTER_CUBIC).astype(np.float32) / 255
    ink = (1 - big) > _dot_screen(big.shape[:2], period)[..., None] * 0.98  # darker tone, larger dot
    paper = np.array([236, 240, 242], np.float32)
    out = np.where(ink, paper * 0.15 * big + 20, paper).astype(np.float32)
    return _recapture(out, angle, (w, h), rng)
