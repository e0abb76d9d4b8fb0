"""Pure text preparation for Mandarin speech: normalise, then convert hanzi to numbered pinyin.

Debian 12's espeak-ng ``cmn`` voice reads hanzi with the tone digits spoken as English numbers, so
the kiosk feeds its ``cmn-latn-pinyin`` voice with pinyin from pypinyin (TONE3, neutral tone 5).
"""

from __future__ import annotations

import re

_DIGITS = "零一二三四五六七八九"
# Queue numbers like "A012" are read letter by letter and digit by digit, as halls call them.
_TICKET = re.compile(r"\b([A-Z])(\d{2,4})\b")
_LETTER_NAMES = {c: c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


def read_digits(digits: str) -> str:
    """'012' → '零一二' (numbers on tickets and windows are read digit by digit)."""
    return "".join(_DIGITS[int(d)] for d in digits)


def normalise(text: str) -> str:
    """Make text speakable: ticket numbers read out, digits as hanzi, stray symbols removed."""
    text = _TICKET.sub(lambda m: f"{_LETTER_NAMES[m.group(1)]} {read_digits(m.group(2))}号", text)
    text = re.sub(r"\d+", lambda m: read_digits(m.group(0)), text)
    return re.sub(r"[*#_~|<>\[\]{}]", " ", text).strip()


def to_pinyin(text: str) -> str:
    """Hanzi → space-separated numbered pinyin; Latin letters and punctuation pass through."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take most of a second to load: only when speaking

    syllables = lazy_pinyin(normalise(text), style=Style.TONE3, neutral_tone_with_five=True,
                            errors=lambda chars: list(chars))
    out: list[str] = []
    for syl in syllables:
        syl = syl.strip()
        if not syl:
            continue
        if syl in "，。！？；：、,.!?;:":
            out.append(",")  # a pause
        else:
            out.append(syl)
    return re.sub(r"\s*,\s*", ", ", " ".join(out)).strip(" ,")
