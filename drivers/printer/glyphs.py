"""Character cells as the printer draws them (12×24 ASCII, 24×24 hanzi), for PNGs and raster lines.

The virtual printer and the raster fallback share this, so a rasterised line looks like the same
line printed from the resident font.
"""

from __future__ import annotations

from functools import lru_cache

from PIL import Image, ImageDraw

from drivers.printer.fonts import cjk_font

ROW = 30  # dots per text row at normal height: 24-dot glyph + 6-dot spacing
_BASELINE_SHIFT = -5  # Noto's ascent is 28 at 24 px; this puts hanzi in the top 24 dots


def columns_of(ch: str) -> int:
    """Half-width columns a character takes: ASCII 1, anything printed from the Chinese font 2."""
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    """Half-width columns a string takes."""
    return sum(columns_of(ch) for ch in text)


@lru_cache(maxsize=4096)
def _base_glyph(ch: str, bold: bool) -> Image.Image:
    """An ink mask (255 = black dot) of one cell at normal size."""
    cell_w = 12 * columns_of(ch)
    font = cjk_font(24)
    stroke = 1 if bold else 0
    if ch == " ":
        return Image.new("L", (cell_w, ROW), 0)
    advance = max(1, round(font.getlength(ch)) + 2 * stroke)
    scratch = Image.new("L", (max(advance, cell_w), ROW), 0)
    ImageDraw.Draw(scratch).text(
        (stroke, _BASELINE_SHIFT), ch, font=font, fill=255, stroke_width=stroke, stroke_fill=255
    )
    if scratch.width > cell_w:  # proportional Latin wider than the fixed cell: squeeze it in
        return scratch.resize((cell_w, ROW), Image.Resampling.LANCZOS)
    cell = Image.new("L", (cell_w, ROW), 0)
    cell.paste(scratch.crop((0, 0, advance, ROW)), ((cell_w - advance) // 2, 0))
    return cell


@lru_cache(maxsize=4096)
def glyph(ch: str, bold: bool = False, width: int = 1, height: int = 1) -> Image.Image:
    """One cell scaled like GS ! does: ``width``× wider, ``height``× taller, row spacing included."""
    base = _base_glyph(ch, bold)
    if width == height == 1:
        return base
    return base.resize((base.width * width, ROW * height), Image.Resampling.NEAREST)


def draw_line(
    canvas: Image.Image, x: int, y: int, text: str, *, bold: bool = False, width: int = 1, height: int = 1
) -> int:
    """Paint ``text`` as black cells on an ``L`` canvas (white = 255); returns the x after it."""
    black = Image.new("L", (1, 1), 0)
    for ch in text:
        mask = glyph(ch, bold, width, height)
        if ch != " ":
            canvas.paste(black.resize(mask.size), (x, y), mask)
        x += mask.width
    return x
