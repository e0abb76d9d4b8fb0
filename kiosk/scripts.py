"""Which writing system a piece of text is in, and the one BiDi fix the RTL labels need.

Kivy's SDL2_ttf provider shapes with HarfBuzz when told the script and direction, but has no
font fallback and no BiDi: a run of digits inside right-to-left text comes out reversed ("123"
drawn as "321"). ``visual_rtl`` reverses such runs beforehand so they read correctly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIBETAN = re.compile("[\u0f00-\u0fff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_MONGOLIAN = re.compile("[\u1800-\u18af]")
_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
# Left-to-right runs inside RTL text: numbers with their separators (12:30, 2026-11-21), Latin words.
_LTR_RUN = re.compile(r"[0-9A-Za-z]+(?:[.:/\-][0-9A-Za-z]+)*")


@dataclass(frozen=True)
class Script:
    """How to draw one writing system: ISO 15924 tag, direction, and the font family registered for it."""

    tag: str
    direction: str
    font: str


TIBETAN = Script("Tibt", "ltr", "KioskTibt")
ARABIC = Script("Arab", "rtl", "KioskArab")
# Traditional Mongolian is shaped left to right like a horizontal line, then turned a quarter clockwise
# into a column (kiosk.widgets.mongol): that is how its fonts are drawn.
MONGOLIAN = Script("Mong", "ltr", "KioskMong")


def script_of(text: str) -> Script | None:
    """The minority script ``text`` is written in, or None for Chinese/Latin (the default font)."""
    if _TIBETAN.search(text):
        return TIBETAN
    if _ARABIC.search(text):
        return ARABIC
    if _MONGOLIAN.search(text):
        return MONGOLIAN
    return None


def tags_in(text: str) -> set[str]:
    """The minority scripts present anywhere in ``text``."""
    found = set()
    if _TIBETAN.search(text):
        found.add(TIBETAN.tag)
    if _ARABIC.search(text):
        found.add(ARABIC.tag)
    if _MONGOLIAN.search(text):
        found.add(MONGOLIAN.tag)
    return found


def has_han(text: str) -> bool:
    """True if ``text`` holds Chinese characters (which no minority-script font has)."""
    return _HAN.search(text) is not None


_NOT_IN_TIBETAN_FONT = re.compile(r"[0-9A-Za-z()?:/!.]")
_NOT_IN_ARABIC_FONT = re.compile(r"[A-Za-z()?/]")
_NOT_IN_MONGOLIAN_FONT = re.compile(r"[0-9A-Za-z:/.,]")


def drawable(text: str, script_tag: str) -> bool:
    """Whether the font of ``script_tag`` can draw all of ``text`` (it has no Chinese, and Noto
    Serif Tibetan has no European digits or ASCII punctuation; Noto Sans Arabic no Latin letters; Noto
    Sans Mongolian neither digits nor Latin letters)."""
    if script_tag in ("Hans", "Hani", "Latn"):
        return True
    if has_han(text):
        return False
    if script_tag == "Tibt":
        return not _NOT_IN_TIBETAN_FONT.search(text)
    if script_tag == "Arab":
        return not _NOT_IN_ARABIC_FONT.search(text)
    if script_tag == "Mong":
        return not _NOT_IN_MONGOLIAN_FONT.search(text)
    return True


def visual_rtl(text: str) -> str:
    """Reverse the left-to-right runs of RTL text, so a renderer without BiDi shows them in order."""
    return _LTR_RUN.sub(lambda m: m.group(0)[::-1], text)
