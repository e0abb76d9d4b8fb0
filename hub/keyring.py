"""The hub's key ring: numbered keys with a creation time and a state, in ``keyring.json`` beside ``hub-secret``.

Key 1 is the hub's original secret (the ``hub-secret`` file, which stays as it is); later keys are made by
``kioskhub keys rotate`` and kept in ``keyring.json`` (mode 0600, written atomically). States:

- ``active``: the one key new data is encrypted and new cookies and links are signed with;
- ``staged``: decrypts and verifies but signs nothing yet (several nodes: every node gets the ring before
  any encrypts with the new key), made active by ``kioskhub keys activate``;
- ``previous``: a former active key: still decrypts and verifies what was made with it;
- ``retired``: verifies nothing any more (its cookies and links stop working) and encrypts nothing; it still
  decrypts data stored under it, which stays readable until that data is rewritten.

Like ``hub-secret``, the file must be the same on every hub node and is backed up apart from the data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass, replace
from pathlib import Path

ACTIVE, STAGED, PREVIOUS, RETIRED = "active", "staged", "previous", "retired"
BASE = "1"  # the original hub-secret: the ID-number index and request fingerprints stay on it (see hub/README.md)
RING_FILE = "keyring.json"


class KeyRingError(ValueError):
    """A ring change that cannot be made; the message says why and what to do."""


@dataclass(frozen=True)
class RingKey:
    id: str
    created: str  # ISO time, UTC
    state: str
    secret: bytes

    @property
    def verifies(self) -> bool:
        return self.state != RETIRED


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[RingKey, ...]

    @classmethod
    def single(cls, secret: bytes, created: str = "") -> KeyRing:
        return cls((RingKey(BASE, created, ACTIVE, secret),))

    @property
    def active(self) -> RingKey:
        return next(k for k in self.keys if k.state == ACTIVE)

    @property
    def base(self) -> RingKey:
        return next(k for k in self.keys if k.id == BASE)

    def get(self, key_id: str) -> RingKey:
        for key in self.keys:
            if key.id == key_id:
                return key
        raise KeyRingError(f"no key {key_id}; see kioskhub keys list")

    def rotate(self, now: dt.datetime, *, staged: bool = False) -> KeyRing:
        """A new key, active at once (the old active one becomes previous) or, with ``staged``, only staged."""
        if any(k.state == STAGED for k in self.keys):
            raise KeyRingError("a staged key is waiting; activate it with 'kioskhub keys activate' first")
        new = RingKey(str(max(int(k.id) for k in self.keys) + 1), now.astimezone(dt.UTC).isoformat(timespec="seconds"),
                      STAGED if staged else ACTIVE, secrets.token_bytes(32))
        kept = self.keys if staged else tuple(replace(k, state=PREVIOUS) if k.state == ACTIVE else k for k in self.keys)
        return KeyRing((*kept, new))

    def activate(self, key_id: str) -> KeyRing:
        """Make a staged (or previous) key the active one."""
        chosen = self.get(key_id)
        if chosen.state == RETIRED:
            raise KeyRingError(f"key {key_id} is retired; rotate to make a new key")
        return KeyRing(tuple(replace(k, state=ACTIVE) if k.id == key_id
                             else replace(k, state=PREVIOUS) if k.state == ACTIVE else k for k in self.keys))

    def retire(self, key_id: str) -> KeyRing:
        """Stop a former key verifying cookies and links (data stored under it stays readable)."""
        chosen = self.get(key_id)
        if chosen.state in (ACTIVE, STAGED):
            raise KeyRingError(f"key {key_id} is {chosen.state}; only a previous key can be retired")
        return KeyRing(tuple(replace(k, state=RETIRED) if k.id == key_id else k for k in self.keys))


def load(secret_path: Path) -> KeyRing | None:
    """The ring of the hub whose secret is ``secret_path``; None when no rotation has made a ring file yet."""
    path = secret_path.with_name(RING_FILE)
    if not path.exists():
        return None
    try:
        listed = json.loads(path.read_text())
        keys = tuple(RingKey(str(k["id"]), str(k["created"]), str(k["state"]),
                             bytes.fromhex(k["secret"]) if k.get("secret") else b"") for k in listed["keys"])
    except (ValueError, KeyError, TypeError) as exc:
        raise KeyRingError(f"{path} is not a key ring ({exc}); restore it from the backup") from None
    if sum(k.state == ACTIVE for k in keys) != 1 or not any(k.id == BASE for k in keys):
        raise KeyRingError(f"{path} must hold key 1 and exactly one active key; restore it from the backup")
    return KeyRing(keys)


def save(secret_path: Path, ring: KeyRing) -> Path:
    """Write the ring (key 1's secret stays in hub-secret only), mode 0600, replacing the file atomically."""
    path = secret_path.with_name(RING_FILE)
    listed = {"keys": [{"id": k.id, "created": k.created, "state": k.state,
                        **({"secret": k.secret.hex()} if k.id != BASE else {})} for k in ring.keys]}
    tmp = path.with_name(f".{RING_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(listed, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def with_base(ring: KeyRing | None, base_secret: bytes) -> KeyRing:
    """The ring with key 1's secret filled in from hub-secret (or key 1 alone when there is no ring file)."""
    if ring is None:
        return KeyRing.single(base_secret)
    return KeyRing(tuple(replace(k, secret=base_secret) if k.id == BASE else k for k in ring.keys))
