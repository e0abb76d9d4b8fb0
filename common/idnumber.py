"""公民身份号码 (GB 11643-1999) and the 2017 foreign permanent resident number: what can be checked offline.

An 18-character number is 6 digits of address code, the birth date as YYYYMMDD, a 3-digit sequence
whose last digit is odd for men and even for women, and a check character (ISO 7064 MOD 11-2, ``X``
standing for 10). Messages never contain the number, so they may be logged and shown.
"""

from __future__ import annotations

import datetime as dt

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

NOT_18 = "must be 18 characters: 17 digits then a digit or X"
BAD_CHECK = "check character does not match (GB 11643)"
BAD_BIRTH = "embedded birth date is not a date"


def normalise(number: str) -> str:
    """Strip and upper-case, so ``x`` and ``X`` are the same number."""
    return number.strip().upper()


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    return CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def birth_date(number: str) -> str:
    """The embedded birth date as ISO YYYY-MM-DD (not checked; see ``problems``)."""
    return f"{number[6:10]}-{number[10:12]}-{number[12:14]}"


def sex_code(number: str) -> str:
    """GB/T 2261.1 sex code from the sequence's last digit: ``1`` (odd, male) or ``2`` (even, female)."""
    return "1" if int(number[16]) % 2 else "2"


def problems(number: str, *, birth: str = "", sex: str = "") -> list[str]:
    """What is wrong with an 18-character number (empty when it is sound).

    Checks the layout, the check character and the embedded birth date; with ``birth`` (ISO date) and
    ``sex`` (GB/T 2261.1 code) from a card, also that the number agrees with them.
    """
    number = normalise(number)
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit() or number[17] not in "0123456789X":
        return [NOT_18]
    found = []
    if number[17] != check_char(number[:17]):
        found.append(BAD_CHECK)
    embedded = birth_date(number)
    try:
        dt.date.fromisoformat(embedded)
    except ValueError:
        found.append(BAD_BIRTH)
    else:
        if birth and birth != embedded:
            found.append("embedded birth date differs from the card's birth date")
    if sex in ("1", "2") and sex_code(number) != sex:
        found.append("sequence parity does not match the card's sex")
    return found


def is_valid(number: str) -> bool:
    """True for an 18-character number with a sound layout, check character and birth date."""
    return not problems(number)


def permit_2017_problems(number: str, *, birth: str = "", nationality: str = "") -> list[str]:
    """Layout checks for a 15-character 2017 foreign permanent resident number (it has no check character).

    Layout: 3-letter nationality, 4-digit accepting-office code, birth date YYMMDD, 2 more digits.
    """
    if len(number) != 15 or not (number[:3].isascii() and number[:3].isalpha() and number[3:].isdigit()):
        return ["not 3 letters followed by 12 digits"]
    found = []
    if nationality and number[:3].upper() != nationality.upper():
        found.append("nationality prefix differs from the card's nationality")
    if birth and birth[2:4] + birth[5:7] + birth[8:10] != number[7:13]:
        found.append("embedded birth date differs from the card's birth date")
    return found
