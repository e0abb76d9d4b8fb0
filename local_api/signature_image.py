"""The signature image attached to an application: the citizen's strokes drawn black on white, as a PNG.

Drawn in kioskd from the strokes the sign step kept (not captured from the screen), so the image is the
same whatever the UI's scale or theme, and nothing of it is written to the kiosk's disk.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np

WIDTH_PX = 800  # wide enough to read a handwritten name on a printed 承诺书, small enough to stay a few KB
PEN_PX = 3.0  # the line at full pressure is twice this; at no pressure half of it


def render_png(strokes: Sequence[Sequence[Sequence[float]]], width: float, height: float) -> bytes:
    """A grayscale PNG of the strokes; points are [x, y, pressure] in pad units, y up from the bottom."""
    scale = WIDTH_PX / width
    out_h = max(1, round(height * scale))
    canvas = np.full((out_h, WIDTH_PX), 255, np.uint8)
    for stroke in strokes:
        points = [(round(x * scale), round((height - y) * scale), p) for x, y, p in stroke]
        if len(points) == 1:
            x, y, p = points[0]
            cv2.circle(canvas, (x, y), max(1, round(PEN_PX * (0.5 + p) / 2)), 0, -1, cv2.LINE_AA)
        for (x0, y0, p0), (x1, y1, p1) in itertools.pairwise(points):
            thickness = max(1, round(PEN_PX * (0.5 + (p0 + p1) / 2)))
            cv2.line(canvas, (x0, y0), (x1, y1), 0, thickness, cv2.LINE_AA)
    # level 6: level 9 saves about a tenth of the bytes at six times the time (tests/bench/bench_signature.py)
    ok, png = cv2.imencode(".png", canvas, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError("the signature could not be encoded as PNG")
    return png.tobytes()
