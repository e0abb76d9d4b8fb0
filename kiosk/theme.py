"""Colours and sizes. Sizes are pixels on the reference 1080x1920 portrait panel and scale with it.

Every text/background pair the UI draws is named in ``TEXT_PAIRS``; widgets take their colours
only from there, so the contrast test (WCAG 2.x ratio >= 4.5 for every pair) covers the screens.
"""

from __future__ import annotations

from dataclasses import dataclass

REFERENCE_SIZE = (1080, 1920)

PALETTE = {
    "page": "#F3F5F8",
    "ink": "#15202B",
    "ink_soft": "#3C4A5A",
    "header": "#0B3D6E",
    "on_header": "#FFFFFF",
    "primary": "#0A5AA8",
    "on_primary": "#FFFFFF",
    "secondary": "#DCE4EE",
    "on_secondary": "#102A43",
    "card": "#FFFFFF",
    "accent": "#0A5AA8",
    "good": "#1B6B3A",
    "on_good": "#FFFFFF",
    "calm": "#FFF4D6",
    "on_calm": "#3B2A00",
    "danger": "#9B1C1C",
    "error_text": "#A61B1B",
    "overlay": "#0B1F33",
    "on_overlay": "#FFFFFF",
    "key": "#FFFFFF",
    "on_key": "#102A43",
    "disabled": "#C9D2DC",
    "on_disabled": "#3C4A5A",
    "preview": "#1E2328",
    "outline": "#2FD06A",
}

# (text colour, background colour) for every place text is drawn.
TEXT_PAIRS = {
    "body": ("ink", "page"),
    "body_soft": ("ink_soft", "page"),
    "header": ("on_header", "header"),
    "primary_button": ("on_primary", "primary"),
    "secondary_button": ("on_secondary", "secondary"),
    "card": ("ink", "card"),
    "card_soft": ("ink_soft", "card"),
    "good_button": ("on_good", "good"),
    "calm": ("on_calm", "calm"),
    "field_error": ("error_text", "card"),
    "notice_error": ("error_text", "page"),
    "overlay": ("on_overlay", "overlay"),
    "key": ("on_key", "key"),
    "disabled_button": ("on_disabled", "disabled"),
    "preview_caption": ("on_overlay", "preview"),
    "tile_icon": ("primary", "card"),  # an item's picture on its tile
}


def rgba(name_or_hex: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    """A palette name or ``#RRGGBB`` as a Kivy colour."""
    value = PALETTE.get(name_or_hex, name_or_hex).lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


def _luminance(colour: tuple[float, float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b, _ = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two palette colours (1.0 to 21.0)."""
    a, b = sorted((_luminance(rgba(fg)), _luminance(rgba(bg))), reverse=True)
    return (a + 0.05) / (b + 0.05)


@dataclass(frozen=True)
class Sizes:
    """Text and target sizes in reference pixels (1080x1920)."""

    title: int
    heading: int
    body: int
    small: int
    button_h: int
    target: int
    key: int
    gap: int
    face: int


NORMAL = Sizes(title=52, heading=42, body=34, small=30, button_h=110, target=96, key=110, gap=24, face=230)
# 长辈模式: larger text and targets (APP 适老化通用设计规范: targets >= 60 dp; body text >= 30).
ELDER = Sizes(title=64, heading=54, body=44, small=38, button_h=140, target=128, key=140, gap=28, face=280)


def sizes(elder: bool) -> Sizes:
    return ELDER if elder else NORMAL


def scale_for(window_size: tuple[float, float]) -> float:
    """How many window pixels one reference pixel is on a window of this size."""
    w, h = window_size
    rw, rh = REFERENCE_SIZE if h >= w else REFERENCE_SIZE[::-1]
    return min(w / rw, h / rh)
