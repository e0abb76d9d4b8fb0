"""Where the Simplified-Chinese face for PNG rendering and raster fallback lines comes from."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from drivers.errors import DriverError

_REPO_FONT = Path(__file__).resolve().parents[2] / "assets" / "fonts" / "NotoSansCJKsc-Regular.otf"
_SYSTEM_TTC = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
_SYSTEM_SC_INDEX = 2  # faces in the Debian collection: JP, KR, SC, TC, HK, ...


class FontMissing(DriverError):
    """No CJK font to draw Chinese with."""


def cjk_font_source() -> tuple[Path, int]:
    """The font file and face index to use: the repository's extracted face, else Debian's collection."""
    if _REPO_FONT.is_file():
        return _REPO_FONT, 0
    if _SYSTEM_TTC.is_file():
        return _SYSTEM_TTC, _SYSTEM_SC_INDEX
    raise FontMissing(
        "no Chinese font found: install the fonts-noto-cjk package or run 'python -m kiosk.fonts'"
    )


@lru_cache(maxsize=8)
def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    """The Simplified-Chinese face at ``size`` pixels."""
    path, index = cjk_font_source()
    return ImageFont.truetype(str(path), size, index=index)
