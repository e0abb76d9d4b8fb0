"""The sample seal: a red circle with the issuing body's name along the top, a star, and 样章 across the middle.

It is drawn, not scanned, and says 样章 (sample) and 仅供测试 in the seal itself so nobody mistakes it
for a real 公章. A province that signs for real replaces it with its 电子印章 system, not with an image.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

RED = (206, 22, 32, 255)
SIZE = 480  # pixels across; printed 40 mm wide, about 300 dpi


@lru_cache(maxsize=16)
def seal_png(issuer: str, font: Path, face: int = 0) -> bytes:
    """The seal of ``issuer`` as a PNG with a transparent background (cached: the same name gives the same bytes)."""
    image = draw_seal(issuer, font, face)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def draw_seal(issuer: str, font: Path, face: int = 0) -> Image.Image:
    """The seal as an RGBA image, SIZE pixels square."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    centre = SIZE / 2
    ring = SIZE * 0.035
    pen.ellipse((ring / 2, ring / 2, SIZE - ring / 2, SIZE - ring / 2), outline=RED, width=round(ring))
    _star(pen, centre, centre - SIZE * 0.03, SIZE * 0.14)
    _arc_text(image, issuer, font, face)
    big = ImageFont.truetype(str(font), round(SIZE * 0.12), index=face)
    pen.text((centre, centre + SIZE * 0.19), "样 章", font=big, fill=RED, anchor="mm")
    small = ImageFont.truetype(str(font), round(SIZE * 0.055), index=face)
    pen.text((centre, centre + SIZE * 0.33), "仅供测试", font=small, fill=RED, anchor="mm")
    return image


def _star(pen: ImageDraw.ImageDraw, x: float, y: float, radius: float) -> None:
    """A five-pointed star, one point up."""
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(54))
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(90 + i * 36)
        points.append((x + r * math.cos(angle), y - r * math.sin(angle)))
    pen.polygon(points, fill=RED)


def _arc_text(image: Image.Image, text: str, font: Path, face: int) -> None:
    """The name along the upper arc, left to right, each character upright towards the rim."""
    chars = list(text)
    # Long names get smaller characters and a wider arc, as on real seals (up to about 24 characters).
    span = min(250.0, 150.0 + 5.0 * len(chars))
    size = round(min(SIZE * 0.11, SIZE * 0.85 * math.pi * (span / 360) / max(len(chars), 1)))
    glyphs = ImageFont.truetype(str(font), size, index=face)
    radius = SIZE / 2 - SIZE * 0.035 - size * 0.78
    step = span / max(len(chars) - 1, 1)
    for i, char in enumerate(chars):
        angle = 90 + span / 2 - i * step if len(chars) > 1 else 90
        tile = Image.new("RGBA", (size * 2, size * 2), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((size, size), char, font=glyphs, fill=RED, anchor="mm")
        # bilinear, not bicubic: bicubic overshoots and leaves lighter red fringes round the strokes
        tile = tile.rotate(angle - 90, resample=Image.Resampling.BILINEAR, expand=False)
        x = SIZE / 2 + radius * math.cos(math.radians(angle))
        y = SIZE / 2 - radius * math.sin(math.radians(angle))
        image.alpha_composite(tile, (round(x - size), round(y - size)))
