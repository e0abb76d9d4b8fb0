"""Paper-width profiles: how many dots a line has and how wide characters are on it."""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import InvalidDeviceUri


@dataclass(frozen=True)
class Profile:
    """What the renderer needs to know about a printer model.

    ``charset`` names the resident Chinese font's coverage: ``gbk`` (most Chinese-made printers) or
    ``gb2312`` (older 58 mm units); anything outside it is printed as a raster image.
    ``chinese_font=False`` rasterises every non-ASCII line (e.g. an Epson without a Kanji ROM).
    """

    name: str
    width_dots: int
    dpi: int = 203
    ascii_dots: int = 12  # font A is 12×24
    cjk_dots: int = 24  # a resident hanzi is 24×24
    row_dots: int = 30  # 24-dot glyph + 6-dot line spacing
    charset: str = "gbk"
    chinese_font: bool = True
    # Print speed, for how long after the last byte the paper is still moving (see device.settle):
    # a kiosk's 80 mm mechanism does 150-250 mm/s, a 58 mm one 50-90; the slow end is assumed.
    speed_mm_s: float = 150.0

    @property
    def columns(self) -> int:
        """Half-width columns per line at normal size (48 on 80 mm, 32 on 58 mm)."""
        return self.width_dots // self.ascii_dots


PROFILES: dict[str, Profile] = {
    "80mm": Profile(name="80mm", width_dots=576),
    "58mm": Profile(name="58mm", width_dots=384, speed_mm_s=60.0),
}
DEFAULT_PROFILE = PROFILES["80mm"]


def profile_named(name: str | None) -> Profile:
    """Look a profile up by name (``80mm``/``58mm``, also ``80``/``58``)."""
    if not name:
        return DEFAULT_PROFILE
    key = name if name.endswith("mm") else f"{name}mm"
    try:
        return PROFILES[key]
    except KeyError:
        raise InvalidDeviceUri(
            f"unknown paper profile {name!r}; use one of {', '.join(PROFILES)}"
        ) from None
