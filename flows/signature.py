"""Rules for a signature drawn on the touchscreen: what counts as signed, and the digest of what was signed.

Pure: strokes arrive as data (points in the pad's own units, with the pen's pressure, 1.0 where the
screen reports none); kioskd renders the image later (``local_api.signature_image``).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence

Point = tuple[float, float, float]
Stroke = Sequence[Point]

# Fractions of the pad's shorter side. A tap or a dot stays within a few pixels; even a short family
# name written with a finger spans a fifth of the pad and leaves far more ink than that.
MIN_EXTENT = 0.05
MIN_INK = 0.08

EMPTY = "还没有签名。请用手指在框内写下您的姓名，然后点击“确认签名”。"
TOO_SMALL = "签名太小，只有一个点。请用手指在框内写下您的姓名，然后点击“确认签名”。"


def text_sha256(text: str) -> str:
    """The hex SHA-256 of the signed text as UTF-8: what the hub checks the signature against."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ink_length(strokes: Sequence[Stroke]) -> float:
    """The length of all the pen's moves, in pad units."""
    total = 0.0
    for stroke in strokes:
        for (x0, y0, _), (x1, y1, _) in itertools.pairwise(stroke):
            total += math.hypot(x1 - x0, y1 - y0)
    return total


def problem(strokes: Sequence[Stroke], width: float, height: float) -> str | None:
    """Why these strokes are not a signature (empty, or no more than a dot), else None."""
    points = [p for stroke in strokes for p in stroke]
    if not points:
        return EMPTY
    side = min(width, height)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    extent = max(max(xs) - min(xs), max(ys) - min(ys))
    if extent < MIN_EXTENT * side or ink_length(strokes) < MIN_INK * side:
        return TOO_SMALL
    return None
