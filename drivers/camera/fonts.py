"""The CJK font for text drawn on pages (ID copy captions, synthetic documents)."""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

_REPO_ROOT = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    (_REPO_ROOT / "assets" / "fonts" / "NotoSansCJKsc-Regular.otf", 0),
    (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), 2),  # index 2 = SC in Debian's TTC
)


@functools.lru_cache(maxsize=64)
def cjk_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A CJK font at ``size`` px; a plain Pillow font when no CJK font is installed."""
    for path, index in _CANDIDATES:
        if path.exists():
            try:
                return ImageFont.truetype(str(path), max(size, 6), index=index)
            except OSError:
                continue
    return ImageFont.load_default(size=max(size, 6))
