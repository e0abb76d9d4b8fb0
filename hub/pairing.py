"""One-time pairing codes: what a technician types on a kiosk instead of its 43-character token.

A code is 8 characters from an alphabet without look-alikes (no 0/O, no 1/I/L), shown in two groups
(``K7QF-3MXP``) so it can be read out and typed on the maintenance keypad. There are 31^8 (about
8.5·10^11) codes; one lives 30 minutes, works once, and each source address may send only a few wrong
ones (``hub.enrol_throttle``), so guessing one is hopeless. The hub keeps only a keyed hash of it.

Exchanging a code gives the kiosk a new token (the one made at ``kiosks add`` is never shown), so
the old token, if any, stops working at that moment.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.auth import new_token, token_hash
from hub.db.enrol_models import KioskPairing
from hub.db.models import Kiosk
from hub.personal import Keys

# Kept equal to local_api.schemas.PAIRING_ALPHABET (the kiosk's keypad shows these keys); the hub
# shares no code with the kiosk side, so a test compares the two.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8
TTL = dt.timedelta(minutes=30)
KEEP_USED = dt.timedelta(days=1)  # used and expired rows answer "used"/"expired" for a day, then go


class PairingError(Exception):
    """A code that cannot be exchanged; ``status`` and ``code`` are the HTTP answer's."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Enrolled:
    kiosk_id: str
    site_id: str
    token: str


def normalise(text: str) -> str | None:
    """The code as stored: capitals, without the spaces and dashes people type; None if it cannot be one."""
    code = "".join(ch for ch in text.upper() if ch not in " -")
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def shown(code: str) -> str:
    """``K7QF3MXP`` → ``K7QF-3MXP``: two groups are easier to read out and to check."""
    half = LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def code_hash(keys: Keys, code: str) -> str:
    # Keyed: with 8.5·10^11 codes a plain hash read from a stolen database would be reversed in minutes.
    return keys.request_mac(f"kiosk pairing code:{code}")


def issue(db: Session, keys: Keys, kiosk_id: str, now: dt.datetime) -> tuple[str, dt.datetime]:
    """A new code for ``kiosk_id`` (replacing an unused older one): the code as shown, and when it expires."""
    cancel(db, kiosk_id)
    db.execute(delete(KioskPairing).where(KioskPairing.expires_at < now - KEEP_USED))
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    expires = now + TTL
    db.add(KioskPairing(kiosk_id=kiosk_id, code_hash=code_hash(keys, code), created_at=now, expires_at=expires))
    db.flush()
    return shown(code), expires


def cancel(db: Session, kiosk_id: str) -> None:
    """Forget the kiosk's unused code, if any (a newer code, a rotation or a revocation replaces it)."""
    db.execute(delete(KioskPairing).where(KioskPairing.kiosk_id == kiosk_id, KioskPairing.used_at.is_(None)))


def redeem(db: Session, keys: Keys, text: str, now: dt.datetime) -> Enrolled:
    """Exchange a code for the kiosk's id, site and a new token; PairingError says why not."""
    code = normalise(text)
    if code is None:
        raise PairingError(400, "pairing_code_malformed",
                           f"a pairing code is {LENGTH} letters and digits such as K7QF-3MXP (there is no 0, 1, "
                           "I, L or O in one); check what was typed")
    row = db.scalar(select(KioskPairing).where(KioskPairing.code_hash == code_hash(keys, code)))
    if row is None:
        raise PairingError(400, "pairing_code_unknown",
                           "no such pairing code; check it, or ask for a new one (a newer code for the same "
                           "kiosk replaces the older)")
    if row.used_at is not None:
        raise PairingError(410, "pairing_code_used",
                           "this pairing code was already used; ask for a new one "
                           "(kioskhub kiosks rotate --id ID --pairing)")
    if _aware(row.expires_at) <= now:
        raise PairingError(410, "pairing_code_expired",
                           f"this pairing code expired (codes live {int(TTL.total_seconds() // 60)} minutes); ask "
                           "for a new one (kioskhub kiosks rotate --id ID --pairing)")
    kiosk = db.get(Kiosk, row.kiosk_id)
    if kiosk is None or kiosk.revoked_at is not None:
        raise PairingError(403, "kiosk_revoked",
                           "the kiosk of this code has been revoked; add it again with "
                           "kioskhub kiosks add --id ID --site SITE --pairing")
    # Single use also when two kiosks send the same code at once: only one UPDATE finds it unused.
    taken = db.execute(update(KioskPairing).where(KioskPairing.id == row.id, KioskPairing.used_at.is_(None))
                       .values(used_at=now))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise PairingError(410, "pairing_code_used", "this pairing code was just used; ask for a new one")
    token = new_token()
    kiosk.token_hash = token_hash(token)
    return Enrolled(kiosk.id, kiosk.site_id, token)


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
