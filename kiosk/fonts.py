"""Fonts for the kiosk: the Simplified-Chinese face of Noto Sans CJK, extracted from Debian's TTC.

Kivy's SDL2 text provider always opens face 0 of a collection, and face 0 of
``NotoSansCJK-Regular.ttc`` is the Japanese one (令, 骨 come out in Japanese forms). So the SC face
is saved as its own OTF under ``assets/fonts`` at set-up (``python -m kiosk.fonts``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ASSETS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
SYSTEM_TTC_DIRS = (Path("/usr/share/fonts/opentype/noto"),)
SYSTEM_TTF_DIRS = (Path("/usr/share/fonts/truetype/noto"),)
# Minority-script faces from Debian's fonts-noto-core, used as they are (plain TTFs, no face index):
# family registered in Kivy -> (regular, bold).
SCRIPT_FONTS = {
    "KioskTibt": ("NotoSerifTibetan-Regular.ttf", "NotoSerifTibetan-Bold.ttf"),
    "KioskArab": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
    # Noto Sans Mongolian (traditional script) comes in one weight: bold text uses the regular face.
    "KioskMong": ("NotoSansMongolian-Regular.ttf", "NotoSansMongolian-Regular.ttf"),
}
FACES = {
    "NotoSansCJKsc-Regular.otf": ("NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
    "NotoSansCJKsc-Bold.otf": ("NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
}


def font_path(name: str = "NotoSansCJKsc-Regular.otf") -> Path:
    """Where the extracted face lives (it may not exist before set-up)."""
    return ASSETS / name


def extract(name: str, *, quiet: bool = False) -> Path | None:
    """Extract one SC face from the system TTC unless it is already there."""
    target = font_path(name)
    if target.exists():
        return target
    ttc_name, family = FACES[name]
    source = next((d / ttc_name for d in SYSTEM_TTC_DIRS if (d / ttc_name).exists()), None)
    if source is None:
        if not quiet:
            print(f"{ttc_name} not found; install Debian's fonts-noto-cjk", file=sys.stderr)  # noqa: T201
        return None
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(source), lazy=True)
    face = next(f for f in collection.fonts if f["name"].getDebugName(1) == family)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    face.save(str(tmp))
    tmp.replace(target)
    return target


def system_font(name: str) -> Path | None:
    """A font file installed by a Debian package, or None when the package is missing."""
    return next((d / name for d in SYSTEM_TTF_DIRS if (d / name).exists()), None)


def script_fonts() -> dict[str, tuple[Path, Path]]:
    """The minority-script families that are installed: family -> (regular, bold)."""
    found = {}
    for family, (regular, bold) in SCRIPT_FONTS.items():
        r = system_font(regular)
        if r is not None:
            found[family] = (r, system_font(bold) or r)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description="Extract the kiosk's Chinese fonts into assets/fonts")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    missing = [n for n in FACES if extract(n, quiet=args.quiet) is None]
    absent = sorted(set(SCRIPT_FONTS) - set(script_fonts()))
    if absent and not args.quiet:
        print(f"minority-script fonts missing for {', '.join(absent)}; install Debian's fonts-noto-core",  # noqa: T201
              file=sys.stderr)
    return 1 if missing and not args.quiet else 0


if __name__ == "__main__":
    sys.exit(main())
