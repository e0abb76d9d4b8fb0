"""Verification codes: 16 characters a person can type from paper, grouped in fours (K7QD-3M9X-A2HP-T6WC).

Crockford's base-32 alphabet has no I, L, O or U, so nothing reads as a 1 or a 0 by mistake, and
typing is forgiving: lower case, spaces and hyphens are ignored, O is read as 0, I and L as 1.
Fifteen random characters carry 75 bits (guessing one issued code among a million takes about 3.8e16
tries); the sixteenth is a Luhn mod 32 check character, so a mistyped code is told apart from
an unknown one without looking anything up.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16
_N = len(ALPHABET)
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None, "\u3000": None})


def new_code() -> str:
    """A fresh random code, 16 characters without hyphens (as stored)."""
    payload = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH - 1))
    return payload + _check_char(payload)


def display(code: str) -> str:
    """The code as printed and shown: four groups of four joined by hyphens."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(text: str) -> str | None:
    """The stored form of a typed code, or None when it cannot be one (wrong length, letters or check character)."""
    code = text.strip().upper().translate(_READ_AS)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code if _check_char(code[:-1]) == code[-1] else None


def _check_char(payload: str) -> str:
    """Luhn mod N: catches any one wrong character and most swaps of two neighbours."""
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // _N + addend % _N
    return ALPHABET[(_N - total % _N) % _N]
